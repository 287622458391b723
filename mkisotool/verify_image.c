/* SPDX-License-Identifier: MIT */
/*
 * An ISO read back with libarchive, which is an implementation independent
 * of libisofs (the writer), in one sequential pass: libarchive reads the
 * directories first, then every file's data in the order it lies on the
 * image, and hands it over block by block (archive_read_data_block(), no
 * copy), which is hashed as it comes.
 *
 * Things libarchive's ISO 9660 reader does that matter here: entries come
 * in on-disk order (we sort them), paths may start with "./", and files
 * that share one extent (our deduplicated ones) come back as hard-link
 * entries of size 0 naming the first one (we take the first one's hash).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "log.h"
#include "manifest.h"
#include "verify.h"

/* libarchive's reads from the image: large, so that it takes few. */
#define READ_BLOCK (1 << 20)

/*
 * The image as libarchive reads it: data regions through read(2), holes (a
 * sparse image: mkisotool writes runs of zeros as holes) as a block of
 * zeros that is never read, because the kernel zero-fills a hole it reads
 * and that costs more than the check itself on a sparse image of GiBs.
 */
struct image_file {
	int fd;
	uint64_t size, pos;
	uint64_t fd_pos;     /* where the descriptor's offset is */
	uint64_t region_end; /* the data or hole region at pos ends here */
	bool hole;
	unsigned char *buf;
};

static unsigned char zero_block[READ_BLOCK];

static la_ssize_t file_read(struct archive *a, void *ctx, const void **out)
{
	struct image_file *f = ctx;
	size_t n;
	ssize_t got;

	if (f->pos >= f->size)
		return 0;
	if (f->pos >= f->region_end) {
		off_t data = lseek(f->fd, (off_t)f->pos, SEEK_DATA);

		if (data < 0 && errno == ENXIO) {
			f->hole = true;
			f->region_end = f->size;
		} else if (data < 0) {
			f->hole = false; /* no SEEK_DATA here: read it all */
			f->region_end = f->size;
		} else if ((uint64_t)data > f->pos) {
			f->hole = true;
			f->region_end = (uint64_t)data;
		} else {
			off_t hole = lseek(f->fd, (off_t)f->pos, SEEK_HOLE);

			f->hole = false;
			f->region_end = hole > 0 ? (uint64_t)hole : f->size;
		}
		if (f->region_end > f->size)
			f->region_end = f->size;
		f->fd_pos = UINT64_MAX; /* SEEK_DATA and SEEK_HOLE moved it */
	}
	n = f->region_end - f->pos < READ_BLOCK ? (size_t)(f->region_end - f->pos)
	                                        : READ_BLOCK;
	if (f->hole) {
		*out = zero_block;
		f->pos += n;
		return (la_ssize_t)n;
	}
	if ((f->fd_pos != f->pos && lseek(f->fd, (off_t)f->pos, SEEK_SET) < 0) ||
	    (got = gt_read_full(f->fd, f->buf, n)) < 0) {
		archive_set_error(a, errno, "%s", strerror(errno));
		return ARCHIVE_FATAL;
	}
	*out = f->buf;
	f->pos += (uint64_t)got;
	f->fd_pos = f->pos;
	if (got == 0)
		f->size = f->pos; /* it ended early: the PVD check says so */
	return (la_ssize_t)got;
}

static la_int64_t file_skip(struct archive *a, void *ctx, la_int64_t request)
{
	struct image_file *f = ctx;
	uint64_t left = f->size - f->pos;
	uint64_t n = request < 0                ? 0
	             : (uint64_t)request < left ? (uint64_t)request
	                                        : left;

	(void)a;
	f->pos += n;
	return (la_int64_t)n;
}

static la_int64_t file_seek(struct archive *a, void *ctx, la_int64_t offset, int whence)
{
	struct image_file *f = ctx;
	la_int64_t base = whence == SEEK_SET   ? 0
	                  : whence == SEEK_CUR ? (la_int64_t)f->pos
	                                       : (la_int64_t)f->size;

	(void)a;
	if (base + offset < 0)
		return ARCHIVE_FATAL;
	f->pos = (uint64_t)(base + offset);
	f->region_end = 0; /* find the region again */
	return (la_int64_t)f->pos;
}

/* Opens @path for libarchive through the callbacks above. */
static int open_image(struct archive *a, struct image_file *f, const char *path)
{
	struct stat st;

	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st) < 0) {
		archive_set_error(a, errno, "%s: %s", path, strerror(errno));
		return ARCHIVE_FATAL;
	}
	f->size = (uint64_t)st.st_size;
	f->buf = malloc(READ_BLOCK);
	if (!f->buf) {
		archive_set_error(a, ENOMEM, "out of memory");
		return ARCHIVE_FATAL;
	}
	archive_read_set_read_callback(a, file_read);
	archive_read_set_skip_callback(a, file_skip);
	archive_read_set_seek_callback(a, file_seek);
	archive_read_set_callback_data(a, f);
	return archive_read_open1(a);
}

static void close_image(struct image_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->buf);
	f->buf = NULL;
}

void mk_image_bad(struct image *im, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (im->problems++ >= MK_IMAGE_MAX_REPORTED) {
		if (im->problems == MK_IMAGE_MAX_REPORTED + 1)
			gt_err("%s: more problems not shown", im->display);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path)
		gt_err("%s: %s: %s", im->display, path, msg);
	else
		gt_err("%s: %s", im->display, msg);
}

void mk_image_free(struct image *im)
{
	size_t i;

	for (i = 0; i < im->n; i++) {
		free(im->items[i].path);
		free(im->items[i].target);
		free(im->items[i].hardlink);
		free(im->items[i].data);
	}
	free(im->items);
	im->items = NULL;
	im->n = im->cap = 0;
}

/* "./a/b/" -> "a/b" (newly allocated). */
static char *clean_path(const char *p)
{
	size_t n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	return strndup(p, n);
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct image_entry *)a)->path,
	              ((const struct image_entry *)b)->path);
}

struct image_entry *mk_image_find(struct image *im, const char *path)
{
	struct image_entry key;

	if (im->n == 0) /* no array to search (bsearch wants one) */
		return NULL;
	memset(&key, 0, sizeof(key));
	key.path = (char *)path;
	return bsearch(&key, im->items, im->n, sizeof(*im->items), cmp_entry);
}

const char *mk_image_type_word(mode_t t)
{
	switch (t) {
	case AE_IFREG:
		return "a file";
	case AE_IFDIR:
		return "a directory";
	case AE_IFLNK:
		return "a symbolic link";
	default:
		return "a special file";
	}
}

/* The files mkisotool writes: their content is kept for the checks. */
static bool keep_data(const char *path)
{
	return strcmp(path, GT_MANIFEST_ISO_PATH) == 0 ||
	       strcmp(path, GT_MANIFEST_SUMS_PATH) == 0 ||
	       strcmp(path, GT_MANIFEST_SIG_PATH) == 0 ||
	       strcmp(path, GT_MANIFEST_CONTENTS_PATH) == 0;
}

/* The hash of one file's data, of the kind asked for. */
struct data_hash {
	enum mk_hash kind;
	struct gt_sha256 *sha;
	XXH3_state_t *xxh;
};

static void hash_update(struct data_hash *h, const void *p, size_t n)
{
	if (h->sha)
		gt_sha256_update(h->sha, p, n);
	else if (h->xxh)
		XXH3_128bits_update(h->xxh, p, n);
}

/* Reads one regular file's data: hash it; keep it when it is one of ours. */
static int read_data(struct image *im, struct archive *a, struct image_entry *it,
                     struct data_hash *h, struct mk_progress *pr, uint64_t iso_size,
                     bool keep)
{
	static const unsigned char zeros[4096];
	uint64_t got = 0;
	int ret = -ENOMEM;

	if (h->kind == MK_HASH_NONE && !keep)
		return 0;
	/* Nothing on the image is larger than the image. */
	if (keep && it->size > iso_size && iso_size) {
		mk_image_bad(im, it->path, "claims %llu bytes, more than the image has",
		             (unsigned long long)it->size);
		return 0;
	}
	if (h->kind == MK_HASH_SHA256 && !(h->sha = gt_sha256_new()))
		goto out;
	if (h->kind == MK_HASH_XXH3)
		XXH3_128bits_reset(h->xxh);
	if (keep && !(it->data = malloc(it->size + 1)))
		goto out;
	/* Exactly the file's size: the reader's idea of end of file is not trusted. */
	while (got < it->size) {
		const void *block;
		size_t n;
		la_int64_t off;
		int r = archive_read_data_block(a, &block, &n, &off);

		if (r == ARCHIVE_EOF) {
			mk_image_bad(im, it->path, "ends after %llu of %llu bytes",
			             (unsigned long long)got,
			             (unsigned long long)it->size);
			break;
		}
		if (r < ARCHIVE_WARN || off < 0 || (uint64_t)off < got ||
		    (uint64_t)off > it->size || n > it->size - (uint64_t)off) {
			mk_image_bad(im, it->path, "unreadable: %s",
			             r < ARCHIVE_WARN ? archive_error_string(a)
			                              : "a block outside the file");
			break;
		}
		/* A hole the reader skipped reads as zeros. */
		while (got < (uint64_t)off) {
			size_t z = (uint64_t)off - got < sizeof(zeros)
			                   ? (size_t)((uint64_t)off - got)
			                   : sizeof(zeros);

			hash_update(h, zeros, z);
			if (keep)
				memset(it->data + got, 0, z);
			got += z;
		}
		hash_update(h, block, n);
		if (keep)
			memcpy(it->data + got, block, n);
		got += n;
		mk_progress_update(pr, "verifying", (uint64_t)archive_filter_bytes(a, -1),
		                   iso_size);
	}
	if (keep) {
		it->data_len = (size_t)got;
		it->data[got] = '\0';
	}
	if (h->sha) {
		gt_sha256_final(h->sha, it->sha256);
		h->sha = NULL;
	} else if (h->kind == MK_HASH_XXH3) {
		it->xxh = XXH3_128bits_digest(h->xxh);
	}
	ret = 0;
out:
	gt_sha256_free(h->sha);
	h->sha = NULL;
	return ret;
}

/* A new entry at the end of im->items (zeroed); NULL on ENOMEM. */
static struct image_entry *new_entry(struct image *im)
{
	struct image_entry *it;

	if (im->n == im->cap) {
		size_t cap = im->cap ? im->cap * 2 : 64;
		struct image_entry *bigger = realloc(im->items, cap * sizeof(*bigger));

		if (!bigger)
			return NULL;
		im->items = bigger;
		im->cap = cap;
	}
	it = &im->items[im->n];
	memset(it, 0, sizeof(*it));
	return it;
}

/* A hard link's data is its target's. Returns 0 or -ENOMEM. */
static int resolve_hardlinks(struct image *im)
{
	size_t i;

	for (i = 0; i < im->n; i++) {
		struct image_entry *it = &im->items[i], *t;

		if (!it->hardlink)
			continue;
		t = mk_image_find(im, it->hardlink);
		if (!t || t->type != AE_IFREG || t->hardlink) {
			mk_image_bad(im, it->path, "hard link to missing file %s",
			             it->hardlink);
			continue;
		}
		it->size = t->size;
		memcpy(it->sha256, t->sha256, GT_SHA256_LEN);
		it->xxh = t->xxh;
		if (t->data) {
			it->data = malloc(t->data_len + 1);
			if (!it->data)
				return -ENOMEM;
			memcpy(it->data, t->data, t->data_len + 1);
			it->data_len = t->data_len;
		}
	}
	return 0;
}

/* The entry being read: at the end of the array, or the one streamed. */
static struct image_entry *next_entry(struct image *im, struct image_entry *one,
                                      const struct image_sink *sink)
{
	if (!sink)
		return new_entry(im);
	memset(one, 0, sizeof(*one));
	return one;
}

static void entry_free(struct image_entry *it)
{
	free(it->path);
	free(it->target);
	free(it->hardlink);
	free(it->data);
	memset(it, 0, sizeof(*it));
}

/* Every entry of the image, stored in @im or handed to @sink. */
static int read_entries(struct image *im, const char *path, enum mk_hash hash,
                        struct mk_progress *pr, uint64_t iso_size,
                        const struct image_sink *sink)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct data_hash h = { hash, NULL, NULL };
	struct image_file file = { -1, 0, 0, 0, 0, false, NULL };
	struct image_entry one;
	int r, ret = -ENOMEM;

	memset(&one, 0, sizeof(one));
	if (!a)
		return -ENOMEM;
	if (hash == MK_HASH_XXH3 && !(h.xxh = XXH3_createState()))
		goto out;
	archive_read_support_format_iso9660(a);
	if (open_image(a, &file, path) != ARCHIVE_OK) {
		mk_image_bad(im, NULL, "not readable as an ISO image: %s",
		             archive_error_string(a));
		ret = 1;
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		struct image_entry *it;
		const char *hl, *sl;

		if (r == ARCHIVE_WARN) {
			mk_image_bad(im, NULL, "%s", archive_error_string(a));
		} else if (r != ARCHIVE_OK) {
			mk_image_bad(im, NULL, "unreadable: %s", archive_error_string(a));
			ret = 1;
			goto out;
		}
		it = next_entry(im, &one, sink);
		if (!it || !(it->path = clean_path(archive_entry_pathname(e))))
			goto out;
		if (it->path[0] == '\0' || strcmp(it->path, ".") == 0) {
			entry_free(it); /* the root directory */
			continue;
		}
		if (!sink)
			im->n++;
		it->type = archive_entry_filetype(e);
		it->mode = archive_entry_perm(e) & 07777;
		it->size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e)
		                                        : 0;
		hl = archive_entry_hardlink(e);
		sl = archive_entry_symlink(e);
		if (hl) {
			it->hardlink = clean_path(hl);
			if (!it->hardlink)
				goto out;
			it->type = AE_IFREG;
		} else if (sl) {
			it->target = strdup(sl);
			if (!it->target)
				goto out;
		} else if (it->type == AE_IFREG) {
			if (read_data(im, a, it, &h, pr, iso_size,
			              !sink && keep_data(it->path)) < 0)
				goto out;
		}
		if (sink) {
			sink->entry(sink->ctx, im, it);
			entry_free(it);
		}
	}
	mk_progress_end(pr);
	ret = 0;
out:
	entry_free(&one);
	if (ret < 0)
		gt_err("out of memory");
	if (h.xxh)
		XXH3_freeState(h.xxh);
	archive_read_free(a);
	close_image(&file);
	return ret;
}

int mk_image_read(struct image *im, const char *path, enum mk_hash hash,
                  struct mk_progress *pr, uint64_t iso_size)
{
	size_t i;
	int ret = read_entries(im, path, hash, pr, iso_size, NULL);

	if (ret)
		return ret;
	if (im->n > 0) /* an empty image has no array (qsort wants one) */
		qsort(im->items, im->n, sizeof(*im->items), cmp_entry);
	for (i = 0; i + 1 < im->n; i++)
		if (strcmp(im->items[i].path, im->items[i + 1].path) == 0)
			mk_image_bad(im, im->items[i].path, "appears twice in the image");
	ret = resolve_hardlinks(im);
	if (ret < 0)
		gt_err("out of memory");
	return ret;
}

int mk_image_stream(struct image *im, const char *path, enum mk_hash hash,
                    struct mk_progress *pr, uint64_t iso_size,
                    const struct image_sink *sink)
{
	return read_entries(im, path, hash, pr, iso_size, sink);
}

int mk_image_check_pvd(struct image *im, const char *path, const char *label,
                       uint64_t *iso_size)
{
	unsigned char pvd[2048];
	char volid[33];
	uint64_t blocks;
	unsigned block_size;
	struct stat st;
	int fd, n, ret = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mk_image_bad(im, NULL, "%s", strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		mk_image_bad(im, NULL, "not a regular file");
		goto out;
	}
	*iso_size = (uint64_t)st.st_size;
	if (pread(fd, pvd, sizeof(pvd), (off_t)16 * 2048) != (ssize_t)sizeof(pvd) ||
	    pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0) {
		mk_image_bad(im, NULL, "no ISO 9660 primary volume descriptor");
		goto out;
	}
	block_size = (unsigned)pvd[128] | (unsigned)pvd[129] << 8;
	blocks = (uint64_t)pvd[80] | (uint64_t)pvd[81] << 8 | (uint64_t)pvd[82] << 16 |
	         (uint64_t)pvd[83] << 24;
	if (blocks * block_size != (uint64_t)st.st_size)
		mk_image_bad(
		        im, NULL,
		        "the file has %llu bytes but the volume descriptor says %llu blocks of %u (%llu bytes)",
		        (unsigned long long)st.st_size, (unsigned long long)blocks,
		        block_size, (unsigned long long)blocks * block_size);
	memcpy(volid, pvd + 40, 32);
	for (n = 32; n > 0 && volid[n - 1] == ' '; n--)
		;
	volid[n] = '\0';
	if (label && strcmp(volid, label) != 0)
		mk_image_bad(im, NULL, "the volume label is '%s', the manifest says '%s'",
		             volid, label);
	ret = 0;
out:
	close(fd);
	return ret;
}
