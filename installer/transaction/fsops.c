/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transaction/fsops.h"

int gt_fs_mkdir_at(const struct gt_root_at *at, mode_t mode)
{
	struct stat st;

	if (mkdirat(at->dirfd, at->name, mode) == 0)
		return gt_root_sync_dir(at->dirfd);
	if (errno != EEXIST)
		return -errno;
	/* Not followed: a symlink there is not our directory. */
	if (fstatat(at->dirfd, at->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -EEXIST;
}

int gt_fs_create_at(const struct gt_root_at *at, mode_t mode)
{
	int fd = openat(at->dirfd, at->name,
	                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int ret;

	if (fd < 0)
		return -errno;
	ret = gt_root_sync_dir(at->dirfd);
	if (ret < 0) {
		close(fd);
		unlinkat(at->dirfd, at->name, 0);
		return ret;
	}
	return fd;
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

int gt_fs_write_atomic_at(const struct gt_root_at *at, const void *data, size_t len,
                          mode_t mode)
{
	struct gt_root_at tmp = { .dirfd = at->dirfd };
	int fd, ret;

	/* NAME.gt-new, or a short name when NAME is already near the limit. */
	if (strlen(at->name) + sizeof(".gt-new") <= sizeof(tmp.name))
		snprintf(tmp.name, sizeof(tmp.name), "%s.gt-new", at->name);
	else
		snprintf(tmp.name, sizeof(tmp.name), ".gt-new-%ld", (long)getpid());
	unlinkat(at->dirfd, tmp.name, 0); /* a killed run's leftover */
	fd = openat(at->dirfd, tmp.name,
	            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	ret = write_all(fd, data, len);
	if (ret == 0 && fchmod(fd, mode) < 0)
		ret = -errno;
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && renameat(at->dirfd, tmp.name, at->dirfd, at->name) < 0)
		ret = -errno;
	if (ret < 0) {
		unlinkat(at->dirfd, tmp.name, 0);
		return ret;
	}
	return gt_root_sync_dir(at->dirfd);
}

/* Are @a and @b the same directory? */
static bool same_dir(int a, int b)
{
	struct stat sa, sb;

	return a == b || (fstatat(a, ".", &sa, 0) == 0 && fstatat(b, ".", &sb, 0) == 0 &&
	                  sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

int gt_fs_rename_at(const struct gt_root_at *from, const struct gt_root_at *to)
{
	int ret;

	if (renameat(from->dirfd, from->name, to->dirfd, to->name) < 0)
		return -errno;
	ret = gt_root_sync_dir(to->dirfd);
	if (ret == 0 && !same_dir(from->dirfd, to->dirfd))
		ret = gt_root_sync_dir(from->dirfd);
	return ret;
}

int gt_fs_unlink_at(const struct gt_root_at *at)
{
	if (unlinkat(at->dirfd, at->name, 0) < 0)
		return errno == ENOENT ? 0 : -errno;
	return gt_root_sync_dir(at->dirfd);
}

int gt_fs_rmdir_at(const struct gt_root_at *at)
{
	if (unlinkat(at->dirfd, at->name, AT_REMOVEDIR) < 0) {
		if (errno == ENOENT)
			return 0;
		/* Some filesystems say EEXIST for a directory not empty. */
		return errno == EEXIST ? -ENOTEMPTY : -errno;
	}
	return gt_root_sync_dir(at->dirfd);
}

int gt_fs_symlink_at(const char *target, const struct gt_root_at *at)
{
	if (symlinkat(target, at->dirfd, at->name) < 0)
		return -errno;
	return gt_root_sync_dir(at->dirfd);
}

int gt_fs_mkdirs(const struct gt_root *root, const char *path)
{
	struct gt_root_at at;
	int ret;

	ret = gt_root_at(root, path, GT_AT_MKDIRS, &at);
	if (ret < 0)
		return ret;
	ret = strcmp(at.name, ".") == 0 ? 0 : gt_fs_mkdir_at(&at, 0755);
	gt_root_at_close(&at);
	if (ret == -EEXIST) {
		struct stat st;

		/* A symlink to a directory inside the root is as good. */
		if (gt_root_stat(root, path, true, &st) == 0 && S_ISDIR(st.st_mode))
			ret = 0;
	}
	return ret;
}

int gt_fs_write_atomic(const struct gt_root *root, const char *path, const void *data,
                       size_t len, mode_t mode)
{
	struct gt_root_at at;
	int ret;

	ret = gt_root_at(root, path, GT_AT_FOLLOW, &at);
	if (ret < 0)
		return ret;
	ret = gt_fs_write_atomic_at(&at, data, len, mode);
	gt_root_at_close(&at);
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
	struct gt_root_at a, b;
	int ret;

	ret = gt_root_at(root, from, 0, &a);
	if (ret < 0)
		return ret;
	ret = gt_root_at(root, to, GT_AT_FOLLOW, &b);
	if (ret == 0) {
		ret = gt_fs_rename_at(&a, &b);
		gt_root_at_close(&b);
	}
	gt_root_at_close(&a);
	return ret;
}

int gt_fs_unlink(const struct gt_root *root, const char *path)
{
	struct gt_root_at at;
	int ret;

	ret = gt_root_at(root, path, 0, &at);
	if (ret == -ENOENT)
		return 0; /* its directory is gone: so is it */
	if (ret < 0)
		return ret;
	ret = gt_fs_unlink_at(&at);
	gt_root_at_close(&at);
	return ret;
}

int gt_fs_rmdir(const struct gt_root *root, const char *path)
{
	struct gt_root_at at;
	int ret;

	ret = gt_root_at(root, path, 0, &at);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	ret = gt_fs_rmdir_at(&at);
	gt_root_at_close(&at);
	return ret;
}

int gt_fs_symlink(const struct gt_root *root, const char *target, const char *path)
{
	struct gt_root_at at;
	int ret;

	ret = gt_root_at(root, path, 0, &at);
	if (ret < 0)
		return ret;
	ret = gt_fs_symlink_at(target, &at);
	gt_root_at_close(&at);
	return ret;
}

int gt_fs_lexists(const struct gt_root *root, const char *path)
{
	struct stat st;

	return gt_root_stat(root, path, false, &st) == 0;
}
