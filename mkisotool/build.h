/* SPDX-License-Identifier: MIT */
/*
 * mkisotool build, one step a file (cmd_build() in build.c runs them in order):
 *   build.c         options, the manifest, the steps, the summary
 *   build_vars.c    the source and build directories, ${NAME} variables
 *   build_inputs.c  every source resolved, typed, hashed; links; equal contents
 *   build_sums.c    the on-ISO manifest, its signature, SHA256SUMS
 *   build_master.c  the libisofs image tree, mastered into a file descriptor
 *   build_output.c  the hidden temporary output, renamed into place at the end
 * Internal to the build command: only these files include it.
 */
#ifndef GT_MKISOTOOL_BUILD_H
#define GT_MKISOTOOL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* We read the image through libisofs' burn_source, without libburn. */
#define LIBISOFS_WITHOUT_LIBBURN
#include <libisofs/libisofs.h>

#include "manifest.h"
#include "mkisotool.h"
#include "sha256.h"
#include "sig.h"

#define MAX_VARS 64 /* -D definitions and the three defaults */

/* One file, link or directory on the ISO, in the order they are added. */
struct node {
	const char *dest;
	enum gt_manifest_type type;
	struct input *in;   /* files and packages from the manifest */
	unsigned char *mem; /* generated files: content (handed to libisofs) */
	size_t mem_len;
	const char *target; /* links */
};

struct input {
	struct gt_manifest_entry *e;
	char *path; /* absolute, links resolved */
	uint64_t size;
	uint8_t sha256[GT_SHA256_LEN];
	struct input *first; /* the first input with the same content (itself if none) */
	IsoFile *file;       /* its node in the image, once added */
};

struct var {
	char *name, *value;
};

struct build {
	/* The command line. */
	const char *manifest_path;
	const char *out;
	const char *source_dir_opt;
	const char *sign_key; /* --sign: the secret key file */
	struct var vars[MAX_VARS];
	size_t n_vars;
	time_t sde;
	bool quiet, json;
	int verbosity;

	/* What the steps find and make, freed by cmd_build(). */
	char *mbuf; /* the build manifest file */
	size_t mlen;
	struct gt_sig_seckey sk; /* with --sign */
	struct gt_sig_pubkey pk;
	struct gt_manifest *m;
	char *source_dir; /* absolute */
	char *build_dir;  /* absolute, or NULL when it does not exist */
	char *version;    /* expanded */
	struct input *inputs;
	size_t n_inputs;
	uint64_t total_bytes, unique_bytes;
	size_t unique_files;
	char *iso_manifest; /* Linux/MANIFEST as written, for the read-back */
	size_t iso_manifest_len;
	char *sums, *sig_text; /* SHA256SUMS, Linux/MANIFEST.sig (NULL unsigned) */
	size_t sums_len, sig_len;
	struct node *nodes;
	size_t n_nodes;
	IsoImage *image;
	bool iso_started; /* iso_init() succeeded: iso_finish() at the end */
	int fd;           /* the temporary output, -1 when closed */
	uint64_t iso_size;
	uint8_t sha256[GT_SHA256_LEN]; /* of the image */
	size_t files;                  /* regular files verified on the image */

	int exit_code; /* the first problem's exit code */
	unsigned problems;
	struct mk_progress progress;
};

/* build.c: records one problem with the manifest; the first decides the exit code. */
void mk_problem(struct build *b, int code, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* build_vars.c */
const char *mk_var_get(const struct build *b, const char *name, size_t len);
int mk_var_set(struct build *b, const char *name, size_t len, const char *value);
bool mk_valid_var_name(const char *s, size_t len);
/*
 * Expands ${NAME} in @s. Returns a new string, or NULL with *why set
 * (a static or @whybuf message) when a name is undefined or malformed.
 */
char *mk_expand(const struct build *b, const char *s, char *whybuf, size_t whysize,
                const char **why);
/* The directory part of @path ("." or "/" when it has none); NULL on ENOMEM. */
char *mk_dir_of(const char *path);
/*
 * Source directory, ${SOURCE_DIR}, ${MANIFEST_DIR}, ${BUILD}, and the
 * version. Reports problems. Returns 0 or a MK_EXIT_* code.
 */
int mk_setup_dirs(struct build *b);

/*
 * build_inputs.c: every source resolved, typed, sized and hashed, every link
 * checked, equal contents found; every problem is reported. Returns 0 or a
 * MK_EXIT_* code (no image is written after a problem).
 */
int mk_check_inputs(struct build *b);

/*
 * build_sums.c: the on-ISO manifest (sizes and sums filled in), its signature
 * with --sign, and SHA256SUMS. Reports problems. Returns 0 or MK_EXIT_FAILURE.
 */
int mk_make_sums(struct build *b);

/*
 * build_master.c: mk_make_image - the libisofs image of every entry and of
 * the three generated files (which it takes), in sorted order.
 * mk_master - the image mastered into b->fd, its size and sha256 recorded.
 * Both report problems; return 0 or a MK_EXIT_* code.
 */
int mk_make_image(struct build *b);
int mk_master(struct build *b);

/*
 * build_output.c: the hidden temporary file next to @out (same file system,
 * so the final rename is atomic), removed on SIGINT, SIGTERM, SIGHUP.
 * mk_output_create returns an fd or -errno; mk_output_tmp_path names it;
 * mk_output_publish renames it to @out durably (0 or -errno);
 * mk_output_discard removes it unless it was published.
 */
/*
 * mk_output_check - may the build write @b->out? Not when it exists and is
 * not a regular file (a symlink, a directory, a device, a FIFO), nor when it
 * is the build manifest, the --sign key or (once mk_check_inputs() has run,
 * @inputs true) one of the sources: writing would replace the build's own
 * input. A new name is fine. Reports on stderr; 0 or MK_EXIT_OUTPUT.
 */
int mk_output_check(const struct build *b, bool inputs);
int mk_output_create(const char *out);
const char *mk_output_tmp_path(void);
int mk_output_publish(const char *out);
void mk_output_discard(void);

#endif
