/* SPDX-License-Identifier: MIT */
/*
 * An ISO read back with libarchive (verify_image.c), for verify.c and ls.c
 * (checks against the image's own manifests) and build_readback.c (checks
 * against what the build wrote). libarchive is an implementation
 * independent of libisofs, the writer. Internal to mkisotool.
 */
#ifndef GT_MKISOTOOL_VERIFY_H
#define GT_MKISOTOOL_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xxhash.h>

#include "mkisotool.h"
#include "sha256.h"

/* Problems printed before the rest are only counted. */
#define MK_IMAGE_MAX_REPORTED 50

/* One path on the image. */
struct image_entry {
	char *path;
	mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, or anything else */
	uint64_t size;
	unsigned mode;
	char *target;                  /* symbolic links */
	char *hardlink;                /* a hard-link entry: the path holding the data */
	uint8_t sha256[GT_SHA256_LEN]; /* MK_HASH_SHA256 */
	XXH128_hash_t xxh;             /* MK_HASH_XXH3 */
	char *data;                    /* the files mkisotool writes: their content */
	size_t data_len;
	bool seen; /* matched by a manifest entry */
};

struct image {
	const char *display;
	struct image_entry *items; /* sorted by path once read */
	size_t n, cap;
	unsigned problems;
};

/* How the content of every regular file is hashed while it is read. */
enum mk_hash {
	MK_HASH_NONE,   /* not at all: only the files mkisotool writes are read */
	MK_HASH_SHA256, /* what the manifests hold (verify) */
	MK_HASH_XXH3,   /* what the build took of its inputs (the read-back) */
};

/* Reports one problem as "mkisotool: DISPLAY: PATH: ..." (the first 50). */
void mk_image_bad(struct image *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * mk_image_check_pvd - the primary volume descriptor of @path: its size
 * must be the file's (*iso_size receives it), its label @label (NULL: any).
 * Returns 0, or 1 when it is no ISO 9660 image (reported).
 */
int mk_image_check_pvd(struct image *im, const char *path, const char *label,
                       uint64_t *iso_size);

/*
 * mk_image_read - every entry of the ISO at @path into @im, in one
 * sequential pass, then sorted by path; a hard link takes its target's
 * size, hash and data. The content of Linux/MANIFEST, Linux/MANIFEST.sig,
 * Linux/CONTENTS and SHA256SUMS is kept (not when streamed). Returns 0, 1 when the image
 * cannot be read at all (reported), -ENOMEM.
 */
int mk_image_read(struct image *im, const char *path, enum mk_hash hash,
                  struct mk_progress *pr, uint64_t iso_size);

/*
 * A streamed read (the build's read-back): nothing is kept. @entry gets
 * each entry after its data was hashed; its strings are freed when it
 * returns. A hard link comes after the entry holding its data (libarchive's
 * order), with size 0.
 */
struct image_sink {
	void (*entry)(void *ctx, struct image *im, struct image_entry *e);
	void *ctx;
};

/*
 * mk_image_stream - every entry of the ISO at @path handed to @sink in one
 * sequential pass, each file's data hashed as @hash says. Returns 0, 1 when
 * the image cannot be read at all (reported), -ENOMEM.
 */
int mk_image_stream(struct image *im, const char *path, enum mk_hash hash,
                    struct mk_progress *pr, uint64_t iso_size,
                    const struct image_sink *sink);

/* The entry at @path, or NULL. */
struct image_entry *mk_image_find(struct image *im, const char *path);

/* "a file", "a directory"... for messages. */
const char *mk_image_type_word(mode_t type);

void mk_image_free(struct image *im);

#endif
