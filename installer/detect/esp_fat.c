/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/esp_fat.h"

#define DIRENT        32
#define MAX_DIR_BYTES ((size_t)4 * 1024 * 1024)

struct fat {
	int fd;
	uint64_t base; /* the filesystem's first byte on the disk */
	uint32_t bps, spc, reserved, nfats, root_entries, fatsz, clusters;
	uint32_t root_cluster; /* FAT32 */
	int type;              /* 12, 16, 32 */
};

static uint32_t le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

static int rd(const struct fat *f, uint64_t at, void *buf, size_t n)
{
	ssize_t got = pread(f->fd, buf, n, (off_t)(f->base + at));

	if (got < 0)
		return -errno;
	return (size_t)got == n ? 0 : -EINVAL;
}

static int parse_bpb(struct fat *f)
{
	unsigned char b[512];
	uint32_t total, data_start, root_sectors;
	int ret = rd(f, 0, b, sizeof(b));

	if (ret < 0)
		return ret;
	f->bps = le16(b + 11);
	f->spc = b[13];
	f->reserved = le16(b + 14);
	f->nfats = b[16];
	f->root_entries = le16(b + 17);
	total = le16(b + 19) ? le16(b + 19) : le32(b + 32);
	f->fatsz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
	if (b[510] != 0x55 || b[511] != 0xAA ||
	    (f->bps != 512 && f->bps != 1024 && f->bps != 2048 && f->bps != 4096) ||
	    f->spc == 0 || (f->spc & (f->spc - 1)) != 0 || f->reserved == 0 ||
	    f->nfats == 0 || f->fatsz == 0 || total == 0)
		return -EINVAL;
	root_sectors = (f->root_entries * DIRENT + f->bps - 1) / f->bps;
	data_start = f->reserved + f->nfats * f->fatsz + root_sectors;
	if (data_start >= total)
		return -EINVAL;
	f->clusters = (total - data_start) / f->spc;
	f->type = f->clusters < 4085 ? 12 : f->clusters < 65525 ? 16 : 32;
	f->root_cluster = f->type == 32 ? le32(b + 44) : 0;
	return 0;
}

static uint64_t cluster_at(const struct fat *f, uint32_t c)
{
	uint64_t root_sectors =
	        ((uint64_t)f->root_entries * DIRENT + f->bps - 1) / f->bps;
	uint64_t data = f->reserved + (uint64_t)f->nfats * f->fatsz + root_sectors;

	return (data + (uint64_t)(c - 2) * f->spc) * f->bps;
}

/* The next cluster of the chain, or 0 at its end (or on damage). */
static uint32_t next_cluster(const struct fat *f, uint32_t c)
{
	unsigned char e[4] = { 0 };
	uint64_t fat = (uint64_t)f->reserved * f->bps;
	uint32_t v;

	if (f->type == 12) {
		if (rd(f, fat + c + c / 2, e, 2) < 0)
			return 0;
		v = le16(e);
		v = (c & 1) ? v >> 4 : v & 0xFFF;
		return v >= 0xFF8 || v < 2 ? 0 : v;
	}
	if (f->type == 16) {
		if (rd(f, fat + (uint64_t)c * 2, e, 2) < 0)
			return 0;
		v = le16(e);
		return v >= 0xFFF8 || v < 2 ? 0 : v;
	}
	if (rd(f, fat + (uint64_t)c * 4, e, 4) < 0)
		return 0;
	v = le32(e) & 0x0FFFFFFF;
	return v >= 0x0FFFFFF8 || v < 2 ? 0 : v;
}

/* A directory's bytes: the FAT12/16 root region, or a cluster chain. */
static int read_dir(const struct fat *f, uint32_t first, unsigned char **out, size_t *len)
{
	size_t csize = (size_t)f->spc * f->bps, n = 0;
	unsigned char *buf = NULL, *nb;
	uint32_t c = first;
	int ret = 0;

	if (first == 0) { /* FAT12/16 root directory */
		n = (size_t)f->root_entries * DIRENT;
		if (!n || !(buf = malloc(n)))
			return n ? -ENOMEM : -EINVAL;
		ret = rd(f,
		         ((uint64_t)f->reserved + (uint64_t)f->nfats * f->fatsz) * f->bps,
		         buf, n);
	} else {
		/* A chain longer than the limit is a loop or damage: refused. */
		while (c >= 2 && c < f->clusters + 2 && ret == 0) {
			if (n + csize > MAX_DIR_BYTES) {
				ret = -EINVAL;
				break;
			}
			nb = realloc(buf, n + csize);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			buf = nb;
			ret = rd(f, cluster_at(f, c), buf + n, csize);
			n += csize;
			c = next_cluster(f, c);
		}
	}
	if (ret < 0 || !buf) {
		free(buf);
		return ret < 0 ? ret : -EINVAL;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* "BOOTX64.EFI" -> "BOOTX64 EFI" (11 bytes, upper case); false if not 8.3. */
static bool short_name(const char *s, size_t n, char out[11])
{
	const char *dot = memchr(s, '.', n);
	size_t base = dot ? (size_t)(dot - s) : n, ext = dot ? n - base - 1 : 0;

	if (base == 0 || base > 8 || ext > 3)
		return false;
	memset(out, ' ', 11);
	for (size_t i = 0; i < base; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	for (size_t i = 0; i < ext; i++)
		out[8 + i] = (char)toupper((unsigned char)dot[1 + i]);
	return true;
}

int gt_fat_exists(int fd, uint64_t offset, const char *path)
{
	struct fat f = { .fd = fd, .base = offset };
	uint32_t dir;
	int ret = parse_bpb(&f);

	if (ret < 0)
		return ret;
	dir = f.type == 32 ? f.root_cluster : 0;
	while (*path) {
		size_t n = strcspn(path, "/"), len = 0;
		bool last = path[n] == '\0', found = false;
		unsigned char *buf = NULL;
		char want[11];

		if (!short_name(path, n, want))
			return 0; /* no 8.3 name: not matched here */
		ret = read_dir(&f, dir, &buf, &len);
		if (ret < 0)
			return ret;
		for (size_t i = 0; i + DIRENT <= len && buf[i]; i += DIRENT) {
			const unsigned char *e = buf + i;

			if (e[0] == 0xE5 || e[11] == 0x0F || (e[11] & 0x08))
				continue; /* deleted, a long-name part, the volume label
				           */
			if (memcmp(e, want, 11) != 0)
				continue;
			if (last ? (e[11] & 0x10) == 0 : (e[11] & 0x10) != 0) {
				found = true;
				dir = le16(e + 26) |
				      (f.type == 32 ? le16(e + 20) << 16 : 0);
			}
			break;
		}
		free(buf);
		if (!found)
			return 0;
		if (last)
			return 1;
		if (dir < 2)
			return -EINVAL;
		path += n + 1;
	}
	return 0;
}
