/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "error.h"
#include "io.h"
#include "sha256.h"
#include "strv.h"
#include "transaction/backup.h"

void gt_file_state_clear(struct gt_file_state *fs)
{
	free(fs->digest);
	memset(fs, 0, sizeof(*fs));
}

/*
 * Open the directory that holds @path inside @root (its links followed inside
 * the root); *name points at the last component of @path. Returns an fd or
 * -errno.
 */
static int open_parent(const struct gt_root *root, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash || !slash[1])
		return -EINVAL;
	*name = slash + 1;
	dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = gt_root_open_file(root, dir, O_RDONLY | O_DIRECTORY);
	free(dir);
	return fd;
}

/* 0 for what a backup can hold (a regular file, a link), else why not. */
static int backup_kind(const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		return -EISDIR;
	return S_ISREG(st->st_mode) || S_ISLNK(st->st_mode) ? 0 : -GT_ENOTREG;
}

/*
 * Walk @rel (relative to @dirfd) down to its last component, never following
 * a link, making the folders on the way (0700) when @create. Returns the fd
 * of the folder that holds the last component (*name) or -errno.
 */
static int walk_state(int dirfd, const char *rel, bool create, const char **name)
{
	char *copy = strdup(rel), *p, *slash;
	int fd, next;

	*name = rel;
	if (!copy)
		return -ENOMEM;
	fd = dup(dirfd);
	if (fd < 0) {
		free(copy);
		return -errno;
	}
	for (p = copy; (slash = strchr(p, '/')); p = slash + 1) {
		*slash = '\0';
		if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0) {
			close(fd);
			free(copy);
			return -EINVAL;
		}
		if (create && mkdirat(fd, p, 0700) < 0 && errno != EEXIST) {
			int err = -errno;

			close(fd);
			free(copy);
			return err;
		}
		next = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0) {
			int err = -errno;

			free(copy);
			return err;
		}
		fd = next;
	}
	*name = rel + (p - copy);
	free(copy);
	return fd;
}

int gt_backup_state_dir(int statefd, const char *rel, bool create, const char **name)
{
	return walk_state(statefd, rel, create, name);
}

/* The state of @name in @dirfd (not followed); a regular file is hashed. */
static int state_at(int dirfd, const char *name, struct gt_file_state *out)
{
	struct stat st;
	uint8_t digest[GT_SHA256_LEN];
	char hex[GT_SHA256_HEX_LEN + 1], target[PATH_MAX];
	int fd, ret;

	memset(out, 0, sizeof(*out));
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			return -errno;
		out->type = '-';
		return 0;
	}
	ret = backup_kind(&st);
	if (ret < 0)
		return ret;
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	out->mode = st.st_mode & 07777;
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		out->type = 'l';
		out->mode = 0777;
		out->digest = strdup(target);
		return out->digest ? 0 : -ENOMEM;
	}
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = gt_hash_fd(fd, digest, NULL, NULL, NULL);
	close(fd);
	if (ret < 0)
		return ret;
	gt_sha256_hex(digest, hex);
	out->type = 'r';
	out->digest = strdup(hex);
	return out->digest ? 0 : -ENOMEM;
}

int gt_file_state_of(const struct gt_root *root, const char *path,
                     struct gt_file_state *out)
{
	const char *name;
	int dirfd = open_parent(root, path, &name), ret;

	memset(out, 0, sizeof(*out));
	if (dirfd == -ENOENT) {
		out->type = '-';
		return 0;
	}
	if (dirfd < 0)
		return dirfd;
	ret = state_at(dirfd, name, out);
	close(dirfd);
	return ret;
}

static const char *type_name(char type)
{
	return type == 'r'   ? "a regular file"
	       : type == 'l' ? "a symbolic link"
	                     : "absent";
}

const char *gt_file_state_differs(const struct gt_file_state *want,
                                  const struct gt_file_state *now, char *buf, size_t size)
{
	/* Type 0: recorded by an installer that kept no state. */
	if (want->type == 0 || (want->type == '-' && now->type == '-'))
		return NULL;
	if (want->type != now->type)
		snprintf(buf, size, "is %s, was %s", type_name(now->type),
		         type_name(want->type));
	else if (want->type == 'l' && strcmp(want->digest, now->digest) != 0)
		snprintf(buf, size, "links to %s, linked to %s", now->digest,
		         want->digest);
	else if (want->type == 'r' && strcmp(want->digest, now->digest) != 0)
		snprintf(buf, size, "has other content (sha256 %.12s..., was %.12s...)",
		         now->digest, want->digest);
	else if (want->uid != now->uid || want->gid != now->gid)
		snprintf(buf, size, "is owned by %u:%u, was %u:%u", now->uid, now->gid,
		         want->uid, want->gid);
	else if (want->type == 'r' && want->mode != now->mode)
		snprintf(buf, size, "has mode %04o, was %04o", now->mode, want->mode);
	else
		return NULL;
	return buf;
}

/* Copy the extended attributes of @from to @to (an SELinux label, ACLs). */
static void copy_xattrs(int from, int to)
{
	char names[4096], value[4096];
	ssize_t n = flistxattr(from, names, sizeof(names)), v;
	const char *name;

	for (name = names; n > 0 && name < names + n; name += strlen(name) + 1) {
		v = fgetxattr(from, name, value, sizeof(value));
		if (v >= 0)
			(void)fsetxattr(to, name, value, (size_t)v, 0); /* best effort */
	}
}

/* Copy regular file @src to new file @tmp in @bdir, hashing it; owner, mode, times kept.
 */
static int copy_regular(int src, int bdir, const char *tmp, const struct stat *st,
                        char hex[GT_SHA256_HEX_LEN + 1])
{
	struct gt_sha256 *h = gt_sha256_new();
	uint8_t digest[GT_SHA256_LEN];
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	char buf[65536];
	ssize_t n;
	int out, ret = 0;

	if (!h)
		return -ENOMEM;
	out = openat(bdir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	             0600);
	if (out < 0) {
		gt_sha256_free(h);
		return -errno;
	}
	while ((n = gt_read_full(src, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			ret = (int)n;
			break;
		}
		gt_sha256_update(h, buf, (size_t)n);
		ret = gt_write_full(out, buf, (size_t)n);
		if (ret < 0)
			break;
	}
	gt_sha256_final(h, digest);
	gt_sha256_hex(digest, hex);
	if (ret == 0)
		copy_xattrs(src, out);
	/* Owner first: chown(2) clears the set-user-ID and set-group-ID bits. */
	if (ret == 0 && (fchown(out, st->st_uid, st->st_gid) < 0 ||
	                 fchmod(out, st->st_mode & 07777) < 0 ||
	                 futimens(out, times) < 0 || fsync(out) < 0))
		ret = -errno;
	if (close(out) < 0 && ret == 0)
		ret = -errno;
	if (ret < 0)
		(void)unlinkat(bdir, tmp, 0);
	return ret;
}

/*
 * Copy @sname of @sdir (a regular file or a link, not followed) to the new
 * name @tmp in @ddir with its owner, mode and times, and describe it in @out.
 * Returns 0, -EISDIR, -GT_ENOTREG or -errno (then nothing is left at @tmp).
 */
static int copy_entry(int sdir, const char *sname, int ddir, const char *tmp,
                      struct gt_file_state *out)
{
	char target[PATH_MAX], hex[GT_SHA256_HEX_LEN + 1];
	struct stat st;
	int src, ret;

	memset(out, 0, sizeof(*out));
	(void)unlinkat(ddir, tmp, 0);
	if (fstatat(sdir, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	ret = backup_kind(&st);
	if (ret < 0)
		return ret;
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	if (S_ISLNK(st.st_mode)) {
		struct timespec times[2] = { st.st_atim, st.st_mtim };
		ssize_t n = readlinkat(sdir, sname, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, ddir, tmp) < 0)
			return -errno;
		if (fchownat(ddir, tmp, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    utimensat(ddir, tmp, times, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = -errno;
			(void)unlinkat(ddir, tmp, 0);
			return ret;
		}
		out->type = 'l';
		out->mode = 0777;
		out->digest = strdup(target);
	} else {
		src = openat(sdir, sname, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (src < 0)
			return -errno;
		if (fstat(src, &st) < 0 || !S_ISREG(st.st_mode)) {
			ret = S_ISREG(st.st_mode) ? -errno : -GT_ENOTREG;
			close(src);
			return ret;
		}
		ret = copy_regular(src, ddir, tmp, &st, hex);
		close(src);
		if (ret < 0)
			return ret;
		out->type = 'r';
		out->mode = st.st_mode & 07777;
		out->digest = strdup(hex);
	}
	if (!out->digest) {
		(void)unlinkat(ddir, tmp, 0);
		return -ENOMEM;
	}
	return 0;
}

/* "@name.gt-new" into @tmp, or -ENAMETOOLONG. */
static int tmp_name(const char *name, char tmp[NAME_MAX + 1])
{
	if (strlen(name) + sizeof(".gt-new") > NAME_MAX + 1)
		return -ENAMETOOLONG;
	snprintf(tmp, NAME_MAX + 1, "%s.gt-new", name);
	return 0;
}

int gt_backup_take(const struct gt_root *root, int statefd, const char *path,
                   const char *backup, struct gt_file_state *out)
{
	char tmp[NAME_MAX + 1];
	const char *name, *bname;
	struct stat st;
	int dirfd, bdir = -1, ret;

	memset(out, 0, sizeof(*out));
	dirfd = open_parent(root, path, &name);
	if (dirfd == -ENOENT) {
		out->type = '-';
		return 0;
	}
	if (dirfd < 0)
		return dirfd;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ret = errno == ENOENT ? 0 : -errno;
		if (ret == 0)
			out->type = '-';
		goto out;
	}
	ret = backup_kind(&st);
	if (ret < 0)
		goto out;
	bdir = walk_state(statefd, backup, true, &bname);
	ret = bdir < 0 ? bdir : tmp_name(bname, tmp);
	if (ret == 0)
		ret = copy_entry(dirfd, name, bdir, tmp, out);
	if (ret < 0)
		goto out;
	if (renameat(bdir, tmp, bdir, bname) < 0 || fsync(bdir) < 0) {
		ret = -errno;
		(void)unlinkat(bdir, tmp, 0);
		gt_file_state_clear(out);
	}
out:
	if (bdir >= 0)
		close(bdir);
	close(dirfd);
	return ret;
}

/*
 * Move @bname of @bdir onto @name of @dirfd: a rename, or where the state
 * directory is on another filesystem than the file (/var apart from /etc), a
 * copy next to the file renamed onto it, then the backup removed.
 */
static int put_back(int bdir, const char *bname, int dirfd, const char *name)
{
	struct gt_file_state copied = { 0 };
	char tmp[NAME_MAX + 1];
	int ret;

	if (renameat(bdir, bname, dirfd, name) == 0)
		return fsync(dirfd) < 0 || fsync(bdir) < 0 ? -errno : 0;
	if (errno != EXDEV)
		return -errno;
	ret = tmp_name(name, tmp);
	if (ret == 0)
		ret = copy_entry(bdir, bname, dirfd, tmp, &copied);
	gt_file_state_clear(&copied);
	if (ret < 0)
		return ret;
	if (renameat(dirfd, tmp, dirfd, name) < 0 || fsync(dirfd) < 0) {
		ret = -errno;
		(void)unlinkat(dirfd, tmp, 0);
		return ret;
	}
	/* Only now: until here a killed run finds the backup and does it again. */
	return unlinkat(bdir, bname, 0) < 0 || fsync(bdir) < 0 ? -errno : 0;
}

int gt_backup_restore(const struct gt_root *root, int statefd, const char *backup,
                      const char *path, const struct gt_file_state *want, char *why,
                      size_t whylen)
{
	struct gt_file_state have = { 0 }, now = { 0 };
	const char *bname, *name, *diff;
	struct stat st;
	char d[200];
	int bdir, dirfd = -1, ret;

	why[0] = '\0';
	bdir = walk_state(statefd, backup, false, &bname);
	ret = bdir < 0 ? bdir : state_at(bdir, bname, &have);
	if (ret == 0 && have.type == '-')
		ret = -ENOENT;
	if (ret == -ENOENT) {
		/* Restored before (a rollback that was killed after the rename)? */
		ret = gt_file_state_of(root, path, &now);
		if (ret == 0 && want->type &&
		    !gt_file_state_differs(want, &now, d, sizeof(d)))
			goto out;
		snprintf(why, whylen, "its backup %s is missing and the file %s", backup,
		         ret < 0      ? gt_strerror(ret)
		         : want->type ? gt_file_state_differs(want, &now, d, sizeof(d))
		                      : "cannot be checked");
		ret = -ENOENT;
		goto out;
	}
	if (ret < 0) {
		snprintf(why, whylen, "its backup %s cannot be read: %s", backup,
		         gt_strerror(ret));
		goto out;
	}
	diff = gt_file_state_differs(want, &have, d, sizeof(d));
	if (diff) {
		snprintf(why, whylen,
		         "its backup %s was changed since it was taken: it %s", backup,
		         diff);
		ret = -GT_EINTEGRITY;
		goto out;
	}
	dirfd = open_parent(root, path, &name);
	if (dirfd < 0) {
		ret = dirfd;
		snprintf(why, whylen, "its folder cannot be opened: %s",
		         gt_strerror(ret));
		goto out;
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
		ret = -EISDIR;
		snprintf(why, whylen, "a directory stands there now");
		goto out;
	}
	ret = put_back(bdir, bname, dirfd, name);
	if (ret < 0)
		snprintf(why, whylen, "cannot be put back: %s", gt_strerror(ret));
out:
	gt_file_state_clear(&have);
	gt_file_state_clear(&now);
	if (bdir >= 0)
		close(bdir);
	if (dirfd >= 0)
		close(dirfd);
	return ret;
}

int gt_backup_remove_new(const struct gt_root *root, const char *path)
{
	const char *name;
	struct stat st;
	int dirfd = open_parent(root, path, &name), ret = 0;

	if (dirfd == -ENOENT)
		return 0;
	if (dirfd < 0)
		return dirfd;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		ret = errno == ENOENT ? 0 : -errno;
	else if (S_ISDIR(st.st_mode))
		ret = -EISDIR;
	else if (unlinkat(dirfd, name, 0) < 0 || fsync(dirfd) < 0)
		ret = -errno;
	close(dirfd);
	return ret;
}

/* Walk folder @fd (at @rel under the state directory), depth-bounded. */
// NOLINTNEXTLINE(misc-no-recursion): bounded by depth
static void gc_dir(int fd, const char *rel, int depth,
                   bool (*keep)(const char *rel, void *ctx), void *ctx)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;

	if (depth > 64) {
		close(fd);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    gt_strv_push(&names, &n, de->d_name) < 0)
			break;
	for (i = 0; i < n; i++) {
		char *sub = gt_path_join(rel, names[i]);
		struct stat st;

		if (!sub || fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(sub);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int child =
			        openat(dirfd(d), names[i],
			               O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (child >= 0)
				gc_dir(child, sub, depth + 1, keep, ctx);
			(void)unlinkat(dirfd(d), names[i], AT_REMOVEDIR); /* if empty */
		} else if (!keep(sub, ctx)) {
			(void)unlinkat(dirfd(d), names[i], 0);
		}
		free(sub);
	}
	(void)fsync(dirfd(d));
	gt_strv_free(names);
	closedir(d);
}

void gt_backup_gc(int statefd, bool (*keep)(const char *rel, void *ctx), void *ctx)
{
	int fd = openat(statefd, "backup",
	                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		gc_dir(fd, "backup", 0, keep, ctx);
	(void)unlinkat(statefd, "backup",
	               AT_REMOVEDIR); /* when empty; made again on need */
}
