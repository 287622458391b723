/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transaction/fsops.h"

int gt_fs_mkdirs(const struct gt_root *root, const char *path)
{
	char *rel = NULL, *p;
	int ret;

	ret = gt_root_resolve(root, path, true, &rel);
	if (ret < 0)
		return ret;
	for (p = rel;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (strcmp(rel, ".") != 0 && mkdirat(root->fd, rel, 0755) < 0 &&
			    errno != EEXIST) {
				ret = -errno;
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(rel);
	return ret;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int gt_fs_write_atomic(const struct gt_root *root, const char *path, const void *data,
                       size_t len, mode_t mode)
{
	char *rel = NULL, *tmp = NULL;
	int fd = -1, ret;

	ret = gt_root_resolve(root, path, true, &rel);
	if (ret < 0)
		return ret;
	ret = -ENOMEM;
	if (asprintf(&tmp, "%s.gt-new", rel) < 0) {
		tmp = NULL;
		goto out;
	}
	unlinkat(root->fd, tmp, 0);
	fd = openat(root->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	            mode);
	if (fd < 0) {
		ret = -errno;
		goto out;
	}
	ret = write_all(fd, data, len);
	if (ret == 0 && fchmod(fd, mode) < 0)
		ret = -errno;
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	fd = -1;
	if (ret == 0 && renameat(root->fd, tmp, root->fd, rel) < 0)
		ret = -errno;
	if (ret < 0)
		unlinkat(root->fd, tmp, 0);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(rel);
	return ret;
}

int gt_fs_copy(const struct gt_root *root, const char *from, const char *to)
{
	char *data = NULL;
	struct stat st;
	size_t len;
	int ret;

	ret = gt_root_stat(root, from, true, &st);
	if (ret < 0)
		return ret;
	/* Files we back up are configuration files and initramfs images. */
	ret = gt_root_read_file(root, from, (size_t)1 << 31, &data, &len);
	if (ret < 0)
		return ret;
	ret = gt_fs_write_atomic(root, to, data, len, st.st_mode & 07777);
	free(data);
	return ret;
}

int gt_fs_rename(const struct gt_root *root, const char *from, const char *to)
{
	char *a = NULL, *b = NULL;
	int ret;

	ret = gt_root_resolve(root, from, false, &a);
	if (ret == 0)
		ret = gt_root_resolve(root, to, true, &b);
	if (ret == 0 && renameat(root->fd, a, root->fd, b) < 0)
		ret = -errno;
	free(a);
	free(b);
	return ret;
}

int gt_fs_unlink(const struct gt_root *root, const char *path)
{
	char *rel = NULL;
	int ret;

	ret = gt_root_resolve(root, path, false, &rel);
	if (ret == 0 && unlinkat(root->fd, rel, 0) < 0 && errno != ENOENT)
		ret = -errno;
	free(rel);
	return ret;
}

int gt_fs_lexists(const struct gt_root *root, const char *path)
{
	struct stat st;

	return gt_root_stat(root, path, false, &st) == 0;
}
