/* SPDX-License-Identifier: MIT */
/*
 * mkisotool: the build side of guest-tools. One file per subcommand:
 * build.c (its steps in build_*.c, see build.h), verify.c, ls.c, keygen.c;
 * main.c dispatches and holds the shared helpers declared here.
 */
#ifndef GT_MKISOTOOL_H
#define GT_MKISOTOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "sha256.h"
#include "sig.h"

/* Exit codes, documented in docs/mkisotool.1. */
enum mk_exit {
	MK_EXIT_OK = 0,
	MK_EXIT_FAILURE = 1,  /* an error not covered below (out of memory, libisofs) */
	MK_EXIT_USAGE = 2,    /* bad command line */
	MK_EXIT_MANIFEST = 3, /* the manifest is malformed or inconsistent */
	MK_EXIT_VERIFY = 4,   /* the image read back does not match (or is unreadable) */
	MK_EXIT_INPUT =
	        5, /* a source file is missing, not regular, or has another sha256 */
	MK_EXIT_OUTPUT = 6, /* the output cannot be written (permissions, disk full) */
};

struct gt_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	const char *help;
};

int cmd_build(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_keygen(int argc, char **argv);

/* Key files (keygen.c): report problems on stderr; 0 or MK_EXIT_INPUT. */
int mk_read_seckey(const char *path, struct gt_sig_seckey *sk);
int mk_read_pubkey(const char *path, struct gt_sig_pubkey *pk);

/* Progress on a terminal, shown only once an operation has taken a second. */
struct mk_progress {
	bool enabled;
	bool shown; /* something was printed: end with a newline */
	double start, last;
};

void mk_progress_init(struct mk_progress *p, bool enabled);
void mk_progress_update(struct mk_progress *p, const char *what, uint64_t done,
                        uint64_t total);
void mk_progress_end(struct mk_progress *p);
double mk_now(void);

/*
 * mk_verify_image - read the ISO at @path back with libarchive and check it
 * against its own Linux/MANIFEST, Linux/CONTENTS and SHA256SUMS (see
 * mkisotool(1), verify).
 * Linux/MANIFEST.sig, when present, must be well formed; with @pubkey (may
 * be NULL) it must be present and a good signature of Linux/MANIFEST by
 * that key. @sig_id (may be NULL) receives the key id it names, or "".
 * Every problem is reported on stderr as "mkisotool: @display: ...".
 * *files (may be NULL) receives the number of regular files checked.
 * Returns 0 when the image is good, 1 when it is not, -ENOMEM.
 */
int mk_verify_image(const char *path, const char *display,
                    const struct gt_sig_pubkey *pubkey,
                    char sig_id[GT_SIG_ID_HEX_LEN + 1], struct mk_progress *progress,
                    size_t *files);

/*
 * mk_read_iso_manifest - the Linux/MANIFEST of the ISO at @path, parsed,
 * with the entries of the Linux/CONTENTS it lists after its own.
 * Reports problems on stderr. Returns 0 or a MK_EXIT_* code.
 */
int mk_read_iso_manifest(const char *path, struct gt_manifest **out);

/* mk_human_size - "184.2 MB" into @buf. */
const char *mk_human_size(uint64_t bytes, char *buf, size_t size);

#endif
