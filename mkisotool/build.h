/* SPDX-License-Identifier: MIT */
/*
 * mkisotool build, one step a file (cmd_build() in build.c runs them in order):
 *   build.c         options, the manifest, the steps, the summary
 *   build_vars.c    the source and build directories, ${NAME} variables
 *   build_inputs.c  every file and link of the manifest, typed and checked
 *   build_tree.c    tree entries: a directory walked into files and links
 *   build_hash.c    equal contents found; what must be hashed before mastering
 *   build_sums.c    the on-ISO manifest, Linux/CONTENTS, the signature, SHA256SUMS
 *   build_stream.c  the libisofs streams that read (and hash) every input once
 *   build_master.c  the libisofs image tree, mastered into a file descriptor
 *   build_readback.c the image read back and compared with what was written
 *   build_output.c  the hidden temporary output, renamed into place at the end
 * Internal to the build command: only these files include it.
 */
#ifndef GT_MKISOTOOL_BUILD_H
#define GT_MKISOTOOL_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <xxhash.h>

/* We read the image through libisofs' burn_source, without libburn. */
#define LIBISOFS_WITHOUT_LIBBURN
#include <libisofs/libisofs.h>

#include "manifest.h"
#include "mkisotool.h"
#include "sha256.h"
#include "sig.h"

#define MAX_VARS 64 /* -D definitions and the three defaults */
/* Problems printed before the rest are only counted. */
#define MK_MAX_REPORTED 100

/* A tree entry's source directory, open while the build runs. */
struct tree {
	struct gt_manifest_entry *e;
	char *root;      /* absolute, links resolved */
	int dirfd;       /* the root directory; -1 when closed */
	size_t dest_len; /* strlen(e->dest): an item's source is dest + dest_len + 1 */
	size_t files, links, excluded, empty_dirs;
	char *first_empty; /* the first empty directory (relative), for the warning */
};

/*
 * One file, package or link on the image, from a manifest line or found in
 * a tree. The build sorts them by destination; `first` and `stream` are set
 * once that order is final.
 */
struct item {
	const char *dest;            /* e->dest, or owned (tree items) */
	const char *target;          /* links: e->target, or owned (tree items) */
	struct gt_manifest_entry *e; /* the manifest line (a tree's, for its items) */
	struct tree *tree;           /* tree items; NULL for the manifest's own */
	char *path;                  /* file and package lines: the source, absolute */
	enum gt_manifest_type type;  /* GT_ENTRY_FILE, _PACKAGE or _LINK */
	unsigned mode;
	uint64_t size;
	dev_t dev; /* the source as the walk found it: it must not change */
	ino_t ino;
	uint8_t sha256[GT_SHA256_LEN];
	XXH128_hash_t xxh;  /* of the same bytes as sha256: the read-back's check */
	struct item *first; /* the first item with the same content (itself if none) */
	IsoStream *stream;  /* firsts: the stream that reads the source once */
	bool hashed;        /* sha256 and xxh are known */
	bool prehash;       /* hashed before mastering (shares its size, or pinned) */
	bool owned;         /* dest and target are ours to free */
	bool in_contents;   /* listed in Linux/CONTENTS, not Linux/MANIFEST */
	bool sparse;        /* fewer blocks than its size: read around its holes */
	int read_error;     /* from a read in another thread: -errno or -GT_E* */
};

/* The size of every read of a source (hashing, mastering; b->readbuf). */
#define MK_READ_CHUNK ((size_t)256 * 1024)

/* The files the build writes itself, in the order their content is made. */
enum gen_file { GEN_CONTENTS, GEN_MANIFEST, GEN_SIG, GEN_SUMS, GEN_COUNT };

struct gen {
	const char *dest;
	bool present;
	size_t size;  /* planned before mastering: the content must have it */
	char *data;   /* made once every input is hashed; freed once written,
	               * but Linux/MANIFEST's (the signature and the read-back use it) */
	bool written; /* libisofs read it: its data is gone */
	uint8_t sha256[GT_SHA256_LEN];
	XXH128_hash_t xxh; /* what the read-back compares */
	IsoStream *stream;
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
	char *source_dir;           /* absolute */
	char *build_dir;            /* absolute, or NULL when it does not exist */
	char *version;              /* expanded */
	char *last_dir, *last_real; /* the last source directory resolved, and how */
	struct tree *trees;
	size_t n_trees;
	struct item *items; /* sorted by dest once mk_check_inputs() returns */
	size_t n_items, cap_items;
	size_t n_files; /* files and packages among the items */
	uint64_t total_bytes, unique_bytes;
	size_t unique_files;
	struct gen gen[GEN_COUNT];
	int gen_error; /* making a generated file failed (in libisofs' thread) */
	IsoImage *image;
	bool iso_started; /* iso_init() succeeded: iso_finish() at the end */
	int fd;           /* the temporary output, -1 when closed */
	uint64_t iso_size;
	uint8_t sha256[GT_SHA256_LEN]; /* of the image */
	size_t files;                  /* regular files verified on the image */
	unsigned char *readbuf;        /* the mastering streams' read buffer */
	bool readbuf_busy;             /* a stream has it (libisofs' thread only) */
	unsigned long serials;         /* of our streams, for libisofs' comparisons */

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
 * build_inputs.c: every file, package and link of the manifest and its
 * trees, typed, checked and sorted by destination; equal contents found and
 * the files that share a size hashed (build_hash.c). Every problem is
 * reported. Returns 0 or a MK_EXIT_* code (no image is written after a
 * problem).
 */
int mk_check_inputs(struct build *b);
/* True when the absolute @path lies in the source tree or the build directory. */
bool mk_path_inside(const struct build *b, const char *path);
/* A new item at the end of b->items (zeroed); NULL on ENOMEM. */
struct item *mk_item_new(struct build *b);
/* The item at exactly @dest (b->items sorted by destination), or NULL. */
struct item *mk_item_at(const struct build *b, const char *dest);
/* True when @path is an item, a generated file, or a directory holding one. */
bool mk_on_image(const struct build *b, const char *path);
/* The source of a file item for messages: its absolute path, into @buf. */
const char *mk_item_source(const struct item *it, char *buf, size_t size);
/* Opens a file item's source for reading. Returns an fd or -errno. */
int mk_item_open(const struct item *it);

/*
 * build_tree.c: walks every tree entry's directory into items (files and
 * links, sorted, exclusions applied); reports names and files the image
 * cannot hold. Returns 0 or -ENOMEM.
 */
int mk_walk_trees(struct build *b);
void mk_trees_free(struct build *b);

/*
 * build_hash.c: equal contents (one inode, or one size and sha256) share a
 * first item; the files that share their size with another, and those
 * pinned by sha256=, are hashed now on every core; the rest are hashed
 * while mastering reads them. Reports problems. Returns 0 or -ENOMEM.
 */
int mk_plan_contents(struct build *b);
/* Reports what reading @it's source found (it->read_error) as a problem
 * (in the main thread: the reads may be in others). */
void mk_report_read(struct build *b, const struct item *it);
/*
 * A source read from start to end, its holes (when it is sparse) given as
 * zeros without reading them: the kernel zero-fills a hole it reads, which
 * is slow, and a sparse input is how a test makes a file of several GiB.
 */
struct mk_source {
	const struct item *it;
	int fd;
	uint64_t got;        /* bytes delivered */
	uint64_t region_end; /* the current data or hole region ends here */
	bool hole;           /* the current region is a hole */
	size_t zeroed;       /* the caller's buffer holds this many zeros (a hole) */
	bool moved;          /* the file offset must be set before reading */
};
/*
 * Opens @it's source and checks it is the file the walk found: 0 or
 * -errno/-GT_E*. The caller reads with one buffer (holes leave zeros in it).
 */
int mk_source_open(struct mk_source *s, const struct item *it);
/*
 * The next bytes of the source into @buf, at most @want (never past the
 * size the walk found). Returns how many (0 at that size), or -errno; a
 * short count before the size means the file shrank.
 */
ssize_t mk_source_read(struct mk_source *s, unsigned char *buf, size_t want);
/*
 * At the end (@check): -GT_EINTEGRITY when fewer bytes than the size the
 * walk found were read, or the file has another size now (it grew or
 * shrank), else 0. Closes it.
 */
int mk_source_close(struct mk_source *s, bool check);

/* The hashes of @len bytes: one context of each, for one source. */
struct mk_hasher {
	struct gt_sha256 *sha; /* NULL: the sha256 is known already */
	XXH3_state_t *xxh;
};
int mk_hasher_init(struct mk_hasher *h, bool sha);
void mk_hasher_update(struct mk_hasher *h, const void *buf, size_t len);
void mk_hasher_final(struct mk_hasher *h, uint8_t sha[GT_SHA256_LEN], XXH128_hash_t *xxh);
void mk_hasher_free(struct mk_hasher *h);

/*
 * build_sums.c: mk_plan_generated - which generated files there are and
 * their sizes (every hash written as zeros: the text has the same length
 * once they are known). Refuses a Linux/MANIFEST larger than the installer
 * reads. Reports problems; returns 0 or a MK_EXIT_* code.
 * mk_make_generated - the content of @which, made (with the files it
 * names) once every input is hashed; called from libisofs' writer thread.
 * Returns 0 or -errno/-GT_E*.
 */
int mk_plan_generated(struct build *b);
int mk_make_generated(struct build *b, enum gen_file which);

/*
 * build_stream.c: the stream of a first item (reads its source once,
 * hashing what it reads unless it was hashed before) and of a generated
 * file. The streams keep pointers into @b, which must outlive the image.
 * Return 0 or a negative libisofs error code.
 */
int mk_stream_for_item(struct build *b, struct item *it, IsoStream **out);
int mk_stream_for_gen(struct build *b, enum gen_file which, IsoStream **out);

/*
 * build_master.c: mk_make_image - the libisofs image of every item and of
 * the generated files, in sorted order.
 * mk_master - the image mastered into b->fd, its size and sha256 recorded;
 * reports what the streams found (a source that changed while read).
 * Both report problems; return 0 or a MK_EXIT_* code.
 */
int mk_make_image(struct build *b);
int mk_master(struct build *b);

/*
 * build_readback.c: the temporary output read back with libarchive in one
 * sequential pass, every path, type, mode, size and link target compared
 * with the items, every file's XXH3-128 with the one taken of the bytes
 * whose sha256 the manifest holds, and the generated files byte for byte.
 * Reports problems. Returns 0 or a MK_EXIT_* code.
 */
int mk_read_back(struct build *b, const char *path);

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
