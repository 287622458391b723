/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "io.h"
#include "transaction/backup.h"
#include "transaction/region.h"

int gt_region_read(const char *device, uint64_t offset, size_t len, unsigned char **out)
{
	unsigned char *buf;
	ssize_t n;
	int fd;

	if (len == 0 || len > GT_REGION_MAX)
		return -EINVAL;
	buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	fd = open(device, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	if (lseek(fd, (off_t)offset, SEEK_SET) < 0) {
		n = -errno;
	} else {
		n = gt_read_full(fd, buf, len);
		if (n >= 0 && (size_t)n != len)
			n = -EIO;
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	*out = buf;
	return 0;
}

static void hex_of(const unsigned char *data, size_t len, char hex[GT_SHA256_HEX_LEN + 1])
{
	uint8_t d[GT_SHA256_LEN];

	gt_sha256_buf(data, len, d);
	gt_sha256_hex(d, hex);
}

int gt_region_save(int statefd, const char *rel, const unsigned char *data, size_t len)
{
	const char *name;
	int dirfd = gt_backup_state_dir(statefd, rel, true, &name), fd, ret;

	if (dirfd < 0)
		return dirfd;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0) {
		ret = -errno;
		close(dirfd);
		return ret;
	}
	ret = gt_write_full(fd, data, len);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && fsync(dirfd) < 0)
		ret = -errno;
	close(dirfd);
	return ret;
}

int gt_region_matches(const char *device, uint64_t offset, size_t len,
                      const char *sha256_hex)
{
	char hex[GT_SHA256_HEX_LEN + 1];
	unsigned char *now = NULL;
	int ret = gt_region_read(device, offset, len, &now);

	if (ret < 0)
		return ret;
	hex_of(now, len, hex);
	free(now);
	return strcmp(hex, sha256_hex) == 0;
}

/* The backup @rel, checked: @len bytes with sha256 @sha256_hex. */
static int read_backup(int statefd, const char *rel, size_t len, const char *sha256_hex,
                       unsigned char **out)
{
	char hex[GT_SHA256_HEX_LEN + 1];
	const char *name;
	unsigned char *buf;
	struct stat st;
	int dirfd = gt_backup_state_dir(statefd, rel, false, &name), fd, ret = 0;
	ssize_t n;

	if (dirfd < 0)
		return dirfd;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dirfd);
	if (fd < 0)
		return -errno;
	buf = malloc(len + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	if (fstat(fd, &st) < 0)
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -GT_ENOTREG;
	/* One byte more than the record says: a longer backup is caught. */
	n = ret == 0 ? gt_read_full(fd, buf, len + 1) : 0;
	close(fd);
	if (ret == 0 && n < 0)
		ret = (int)n;
	if (ret == 0 && (size_t)n != len)
		ret = -GT_EINTEGRITY;
	if (ret == 0) {
		hex_of(buf, len, hex);
		if (strcmp(hex, sha256_hex) != 0)
			ret = -GT_EINTEGRITY;
	}
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	return 0;
}

int gt_region_restore(int statefd, const char *rel, const char *device, uint64_t offset,
                      size_t len, const char *sha256_hex, char *why, size_t whylen)
{
	unsigned char *data = NULL;
	int ret, fd, same;

	same = gt_region_matches(device, offset, len, sha256_hex);
	if (same == 1)
		return 0;
	ret = read_backup(statefd, rel, len, sha256_hex, &data);
	if (ret == -GT_EINTEGRITY) {
		snprintf(why, whylen, "its backup was changed: not written back");
		return ret;
	}
	if (ret < 0) {
		snprintf(why, whylen, "its backup cannot be read: %s", gt_strerror(ret));
		return ret;
	}
	fd = open(device, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
	} else {
		if (lseek(fd, (off_t)offset, SEEK_SET) < 0)
			ret = -errno;
		if (ret == 0)
			ret = gt_write_full(fd, data, len);
		if (ret == 0 && fsync(fd) < 0)
			ret = -errno;
		if (close(fd) < 0 && ret == 0)
			ret = -errno;
	}
	free(data);
	if (ret < 0) {
		snprintf(why, whylen, "cannot be written back: %s", gt_strerror(ret));
		return ret;
	}
	/* Restored only when the disk, read again, holds it. */
	same = gt_region_matches(device, offset, len, sha256_hex);
	if (same != 1) {
		snprintf(why, whylen, "written back, but reading it again gives %s",
		         same < 0 ? gt_strerror(same) : "other bytes");
		return same < 0 ? same : -GT_EINTEGRITY;
	}
	return 0;
}

int gt_region_identity(const char *device, char hex[GT_REGION_IDENT_HEX + 1])
{
	unsigned char id[GT_REGION_IDENT_LEN] = { 0 };
	int fd = open(device, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, id, sizeof(id), GT_REGION_IDENT_OFF);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(id))
		return -EIO;
	for (size_t i = 0; i < GT_REGION_IDENT_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	return 0;
}

static bool has_identity(const char *device, const char *ident_hex)
{
	char hex[GT_REGION_IDENT_HEX + 1];

	return gt_region_identity(device, hex) == 0 && strcmp(hex, ident_hex) == 0;
}

/* A whole disk that can hold a boot sector: not a partition, loop, RAM or CD. */
static bool candidate(int sysfd, const char *name)
{
	static const char *const skip[] = { "loop", "ram", "zram", "sr", "fd", NULL };
	char part[NAME_MAX + 16];

	if (name[0] == '.')
		return false;
	for (size_t i = 0; skip[i]; i++)
		if (strncmp(name, skip[i], strlen(skip[i])) == 0)
			return false;
	/* The kernel gives a partition a "partition" attribute (block/partitions/core.c).
	 */
	snprintf(part, sizeof(part), "%s/partition", name);
	return faccessat(sysfd, part, F_OK, 0) != 0;
}

int gt_region_find_disk(const char *sysblock, const char *devdir, const char *recorded,
                        const char *ident_hex, char *found, size_t size,
                        unsigned *n_matches)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int sysfd;

	*n_matches = 0;
	if (has_identity(recorded, ident_hex)) {
		*n_matches = 1;
		snprintf(found, size, "%s", recorded);
		return 0;
	}
	d = opendir(sysblock);
	if (!d)
		return -ENOENT;
	sysfd = dirfd(d);
	while ((e = readdir(d))) {
		if (!candidate(sysfd, e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", devdir, e->d_name);
		if (!has_identity(path, ident_hex))
			continue;
		if (++*n_matches == 1)
			snprintf(found, size, "%s", path);
	}
	closedir(d);
	if (*n_matches == 1)
		return 0;
	found[0] = '\0';
	return *n_matches ? -ENOTUNIQ : -ENOENT;
}
