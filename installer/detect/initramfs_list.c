/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/initramfs_list.h"
#include "strv.h"

#define NEWC_HEADER   110
#define NAME_MAX_CPIO 4096

struct modlist {
	char **v;
	size_t n;
};

/* Keeps @name when it is a kernel module: its base name, no suffix, "_". */
static int note_name(struct modlist *m, const char *name)
{
	static const char *const sfx[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", NULL };
	const char *b = strrchr(name, '/');
	char mod[256];
	size_t bl;

	b = b ? b + 1 : name;
	bl = strlen(b);
	for (size_t i = 0; sfx[i]; i++) {
		size_t sl = strlen(sfx[i]);

		if (bl > sl && bl - sl < sizeof(mod) &&
		    strcmp(b + bl - sl, sfx[i]) == 0) {
			memcpy(mod, b, bl - sl);
			mod[bl - sl] = '\0';
			for (char *c = mod; *c; c++)
				if (*c == '-')
					*c = '_';
			return gt_strv_contains(m->v, mod)
			               ? 0
			               : gt_strv_push(&m->v, &m->n, mod);
		}
	}
	return 0;
}

static unsigned long hex8(const char *p)
{
	char f[9];

	memcpy(f, p, 8);
	f[8] = '\0';
	return strtoul(f, NULL, 16);
}

static bool is_newc(const unsigned char *p)
{
	return memcmp(p, "070701", 6) == 0 || memcmp(p, "070702", 6) == 0;
}

/*
 * Walks the uncompressed newc members from *off; leaves *off at the first
 * byte that is neither one nor padding (or at the end: *off = size).
 */
static int walk_newc(int fd, off_t size, off_t *off, struct modlist *m)
{
	char hdr[NEWC_HEADER], name[NAME_MAX_CPIO];
	int ret;

	for (;;) {
		unsigned char z[512];
		ssize_t got;
		size_t i;

		/* Zero padding between members. */
		got = pread(fd, z, sizeof(z), *off);
		if (got <= 0) {
			*off = size;
			return 0;
		}
		for (i = 0; i < (size_t)got && z[i] == 0; i++)
			;
		*off += (off_t)i;
		if (i == (size_t)got)
			continue;
		if (pread(fd, hdr, sizeof(hdr), *off) != (ssize_t)sizeof(hdr) ||
		    !is_newc((unsigned char *)hdr))
			return 0;
		/* One member: header, name (to 4 bytes), data (to 4 bytes)... */
		for (;;) {
			unsigned long fsize, nsize;

			if (pread(fd, hdr, sizeof(hdr), *off) != (ssize_t)sizeof(hdr) ||
			    !is_newc((unsigned char *)hdr))
				return -EINVAL;
			fsize = hex8(hdr + 54);
			nsize = hex8(hdr + 94);
			if (nsize == 0 || nsize > sizeof(name) ||
			    pread(fd, name, nsize, *off + NEWC_HEADER) != (ssize_t)nsize)
				return -EINVAL;
			name[nsize - 1] = '\0';
			*off += (off_t)((NEWC_HEADER + nsize + 3) & ~3UL);
			*off += (off_t)((fsize + 3) & ~3UL);
			if (*off > size)
				return -EINVAL;
			if (strcmp(name, "TRAILER!!!") == 0)
				break;
			if ((ret = note_name(m, name)) < 0)
				return ret;
		}
	}
}

/* The compression named by the magic at @p, for messages. */
static const char *compression_of(const unsigned char *p)
{
	static const unsigned char xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z' };

	if (p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return "gzip";
	if (memcmp(p, xz_magic, sizeof(xz_magic)) == 0)
		return "xz";
	if (memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (p[0] == 0x5d && p[1] == 0)
		return "lzma";
	if (memcmp(p, "BZh", 3) == 0)
		return "bzip2";
	if (memcmp(p, "\x02\x21\x4c\x18", 4) == 0 ||
	    memcmp(p, "\x04\x22\x4d\x18", 4) == 0)
		return "lz4";
	if (memcmp(p, "\x89LZO", 4) == 0)
		return "lzo";
	return NULL;
}

static int read_compressed(int fd, off_t off, struct modlist *m)
{
	struct archive_entry *ent;
	struct archive *a;
	int r, ret = 0;

	if (lseek(fd, off, SEEK_SET) < 0)
		return -errno;
	a = archive_read_new();
	if (!a)
		return -ENOMEM;
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_lzma(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_cpio(a);
	if (archive_read_open_fd(a, fd, (size_t)64 * 1024) != ARCHIVE_OK) {
		archive_read_free(a);
		return -EPROTONOSUPPORT;
	}
	while (ret == 0 && (r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);

		if (name)
			ret = note_name(m, name);
	}
	if (ret == 0 && r != ARCHIVE_EOF)
		ret = -EINVAL;
	archive_read_free(a);
	return ret;
}

int gt_initramfs_modules(const struct gt_root *root, const char *path, char ***out,
                         const char **why)
{
	struct modlist m = { 0 };
	unsigned char magic[8];
	off_t off = 0, size;
	const char *comp;
	int fd, ret;

	*out = NULL;
	*why = NULL;
	fd = gt_root_open_file(root, path, O_RDONLY);
	if (fd < 0)
		return fd;
	size = lseek(fd, 0, SEEK_END);
	if (size < 0) {
		ret = -errno;
		goto out;
	}
	ret = walk_newc(fd, size, &off, &m);
	if (ret < 0) {
		*why = "a cpio member is cut short or malformed";
		goto out;
	}
	if (off < size) {
		memset(magic, 0, sizeof(magic));
		if (pread(fd, magic, sizeof(magic), off) < 4) {
			ret = -EINVAL;
			*why = "a few stray bytes after the cpio members";
			goto out;
		}
		comp = compression_of(magic);
		if (!comp) {
			ret = -EINVAL;
			*why = off ? "what follows the uncompressed cpio is neither cpio nor a known compression"
			           : "neither a cpio archive nor a known compression";
			goto out;
		}
		if (strcmp(comp, "bzip2") == 0 || strcmp(comp, "lz4") == 0 ||
		    strcmp(comp, "lzo") == 0) {
			ret = -EPROTONOSUPPORT;
			*why = comp;
			goto out;
		}
		ret = read_compressed(fd, off, &m);
		if (ret == -EPROTONOSUPPORT)
			*why = comp;
		else if (ret == -EINVAL)
			*why = "the compressed cpio is corrupt or cut short";
	}
out:
	close(fd);
	if (ret == 0 && !m.v && !(m.v = calloc(1, sizeof(char *))))
		ret = -ENOMEM; /* no module at all: an empty list */
	if (ret < 0) {
		gt_strv_free(m.v);
		return ret;
	}
	*out = m.v;
	return 0;
}
