/* SPDX-License-Identifier: MIT */
/*
 * Resolution of a path inside a root to held file descriptors (root.h,
 * gt_root_at and gt_root_openat). Two ways, one meaning ("the root is /"):
 *
 * - openat2(2) with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (Linux 5.6+):
 *   the kernel confines every "/", ".." and symbolic link to the root.
 * - A walk in user space, one component at a time, each directory held
 *   open with O_PATH | O_NOFOLLOW (on kernels before 2.6.39, which ignore
 *   the unknown O_PATH bit, that is a read-only O_DIRECTORY open): a symlink
 *   is read and its text walked from the root (absolute) or from the held
 *   directory (relative); ".." goes back to the directory held one level up,
 *   never to the root's own parent.
 *
 * The static installer runs on kernels from 2.6.32 on, so openat2 is tried
 * and the walk taken when the kernel says ENOSYS (no such call), EINVAL (no
 * such flag) or EPERM (a seccomp filter) — decided at run time, per process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "root.h"

/* include/uapi/linux/openat2.h (Linux 5.6); musl 1.2.3 has no wrapper. */
#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture */
#endif
struct gt_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define GT_RESOLVE_NO_MAGICLINKS 0x02
#define GT_RESOLVE_IN_ROOT       0x10

/* The kernel's bound (MAXSYMLINKS), so a link loop fails the same way. */
#define MAX_LINKS 40
/* Retries when a component changes under the walk (a race, not a loop). */
#define MAX_RETRIES 16
/* Directories held open at once by the walk (one per level below the root). */
#define MAX_DEPTH 256
/* O_PATH, or a plain read-only open where the kernel ignores the bit. */
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

enum { RESOLVER_UNKNOWN, RESOLVER_OPENAT2, RESOLVER_WALK };
static int resolver = RESOLVER_UNKNOWN;

static int sys_openat2(int dirfd, const char *path, int flags, mode_t mode)
{
	struct gt_open_how how = { 0 };
	long fd;

	how.flags = (uint64_t)(unsigned)flags;
	/* openat(2) adds O_LARGEFILE for us (musl); openat2 only on 64-bit. */
	if (!(flags & O_PATH))
		how.flags |= O_LARGEFILE;
	/* openat2 refuses a mode unless it creates. */
	if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
		how.mode = mode;
	how.resolve = GT_RESOLVE_IN_ROOT | GT_RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dirfd, path[0] ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/*
 * openat2 inside @root, or -ENOSYS when this process walks instead. A
 * kernel without it answers ENOSYS, one without RESOLVE_* flags EINVAL; a
 * seccomp filter may say ENOSYS or EPERM. The first call probes with an
 * open that cannot fail otherwise; a later ENOSYS (a filter installed since)
 * switches too. -EAGAIN (a rename or mount raced the lookup) is retried.
 */
static int in_root_openat2(const struct gt_root *root, const char *path, int flags,
                           mode_t mode)
{
	int fd, tries;

	if (resolver == RESOLVER_UNKNOWN) {
		fd = sys_openat2(root->fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (fd >= 0)
			close(fd);
		resolver = fd >= 0 ? RESOLVER_OPENAT2 : RESOLVER_WALK;
	}
	if (resolver == RESOLVER_WALK)
		return -ENOSYS;
	for (tries = 0; tries < MAX_RETRIES; tries++) {
		fd = sys_openat2(root->fd, path, flags, mode);
		if (fd != -EAGAIN)
			break;
	}
	if (fd == -ENOSYS)
		resolver = RESOLVER_WALK;
	/* Still racing after all those tries: let the walk have a go. */
	return fd == -EAGAIN ? -ENOSYS : fd;
}

const char *gt_root_resolver(const struct gt_root *root)
{
	/* Asked now: a kernel (or filter) that says ENOSYS switches to the walk. */
	int fd = in_root_openat2(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);

	if (fd >= 0)
		close(fd);
	return resolver == RESOLVER_OPENAT2 ? "openat2" : "walk";
}

/* ------------------------------------------------------------------ */
/* The walk. */

struct walk {
	const struct gt_root *root;
	int cur;        /* the directory we are in (root->fd is not ours) */
	int *up;        /* the directories above it, innermost last */
	size_t depth;   /* how many of them */
	char *rest;     /* what is left to walk (owned buffer) */
	char *p;        /* where in rest */
	char *link_end; /* rest up to here came from a symlink's text */
	int links, retries;
};

static void walk_to_root(struct walk *w)
{
	while (w->depth > 0) {
		close(w->cur);
		w->cur = w->up[--w->depth];
	}
}

static void walk_free(struct walk *w)
{
	walk_to_root(w);
	free(w->up);
	free(w->rest);
}

static int walk_down(struct walk *w, int fd)
{
	if (w->depth >= MAX_DEPTH) {
		close(fd);
		return -ENAMETOOLONG;
	}
	if (!w->up) {
		w->up = malloc(MAX_DEPTH * sizeof(*w->up));
		if (!w->up) {
			close(fd);
			return -ENOMEM;
		}
	}
	w->up[w->depth++] = w->cur;
	w->cur = fd;
	return 0;
}

/* ".." of where we are; at the root it is the root. */
static void walk_up(struct walk *w)
{
	if (w->depth == 0)
		return;
	close(w->cur);
	w->cur = w->up[--w->depth];
}

/*
 * Replace what is left by the text of the symlink @name in the current
 * directory followed by the rest; an absolute text starts again at the root.
 * @dir: the link must lead to a directory (a "/" is kept after its text).
 */
static int walk_link(struct walk *w, const char *name, bool dir)
{
	char target[PATH_MAX];
	size_t tlen, tail, from_link;
	ssize_t n;
	char *next;

	if (++w->links > MAX_LINKS)
		return -ELOOP;
	n = readlinkat(w->cur, name, target, sizeof(target));
	if (n < 0)
		return errno == EINVAL ? -EAGAIN : -errno; /* EINVAL: no longer a link */
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	tlen = (size_t)n;
	tail = strlen(w->p);
	if (tlen + 1 + tail >= PATH_MAX)
		return -ENAMETOOLONG;
	from_link = w->link_end > w->p ? (size_t)(w->link_end - w->p) : 0;
	next = malloc(tlen + 1 + tail + 1);
	if (!next)
		return -ENOMEM;
	memcpy(next, target, tlen);
	next[tlen] = dir || tail ? '/' : '\0';
	memcpy(next + tlen + 1, w->p, tail + 1);
	free(w->rest);
	w->rest = next;
	w->p = next;
	w->link_end = next + tlen + 1 + from_link;
	if (target[0] == '/')
		walk_to_root(w);
	return 0;
}

/* An fd of our own for the current directory (root->fd stays the root's). */
static int walk_take_cur(struct walk *w)
{
	int fd;

	if (w->depth > 0) {
		fd = w->cur;
		w->cur = w->up[--w->depth];
		return fd;
	}
	fd = openat(w->root->fd, ".", DIR_FLAGS);
	return fd < 0 ? -errno : fd;
}

int gt_root_sync_dir(int dirfd)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	/* EINVAL: a filesystem with nothing to sync. */
	if (fsync(fd) < 0 && errno != EINVAL)
		ret = -errno;
	close(fd);
	return ret;
}

/* Make directory @name in the current one, and sync the directory entry. */
static int walk_mkdir(struct walk *w, const char *name)
{
	if (mkdirat(w->cur, name, 0755) < 0)
		return errno == EEXIST ? 0 : -errno;
	return gt_root_sync_dir(w->cur);
}

/* Step into directory @name (following a symlink's text), making it if asked. */
static int walk_into(struct walk *w, const char *name, unsigned flags, bool from_link)
{
	struct stat st;
	int fd = openat(w->cur, name, DIR_FLAGS), err;

	if (fd >= 0)
		return walk_down(w, fd);
	err = errno;
	if (err == ENOENT) {
		/* Like mkdir -p: a missing name is made, never the missing
		 * target of a symlink (that would be made unseen elsewhere). */
		if (!(flags & GT_AT_MKDIRS) || from_link)
			return -ENOENT;
		err = walk_mkdir(w, name);
		if (err < 0)
			return err;
		fd = openat(w->cur, name, DIR_FLAGS);
		/* Replaced as soon as made (a race): look at it again. */
		return fd >= 0 ? walk_down(w, fd) : -EAGAIN;
	}
	if (err != ENOTDIR && err != ELOOP)
		return -err;
	/* O_PATH|O_NOFOLLOW opened a symlink (ENOTDIR), or without O_PATH
	 * the open refused it (ELOOP); or it is no directory at all. */
	if (fstatat(w->cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -EAGAIN : -errno;
	if (S_ISLNK(st.st_mode))
		return walk_link(w, name, true);
	return S_ISDIR(st.st_mode) ? -EAGAIN : -ENOTDIR;
}

/* The next component of w->p into @name; *last when none follows. */
static int next_component(struct walk *w, char *name, bool *last, bool *dir_only,
                          bool *from_link)
{
	size_t len;
	char *s;

	while (*w->p == '/')
		w->p++;
	*from_link = w->p < w->link_end;
	s = w->p;
	len = strcspn(s, "/");
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, s, len);
	name[len] = '\0';
	w->p = s + len;
	*dir_only = *w->p == '/'; /* "a/b/" names a directory */
	while (*w->p == '/')
		w->p++;
	*last = *w->p == '\0';
	return 0;
}

static int walk(const struct gt_root *root, const char *path, unsigned flags,
                struct gt_root_at *at)
{
	struct walk w = { .root = root, .cur = root->fd };
	int ret = 0;

	w.rest = strdup(path);
	if (!w.rest)
		return -ENOMEM;
	w.p = w.rest;
	w.link_end = w.rest;
	for (;;) {
		char name[NAME_MAX + 1];
		bool last, dir_only, from_link;
		char *again = w.p;

		while (*w.p == '/')
			w.p++;
		if (!*w.p) { /* the path names the directory we are in */
			ret = walk_take_cur(&w);
			if (ret >= 0) {
				at->dirfd = ret;
				snprintf(at->name, sizeof(at->name), ".");
				ret = 0;
			}
			break;
		}
		ret = next_component(&w, name, &last, &dir_only, &from_link);
		if (ret < 0)
			break;
		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			walk_up(&w);
			continue;
		}
		if (last && !dir_only) {
			struct stat st;

			if ((flags & GT_AT_FOLLOW) &&
			    fstatat(w.cur, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode)) {
				ret = walk_link(&w, name, false);
			} else {
				ret = walk_take_cur(&w);
				if (ret >= 0) {
					at->dirfd = ret;
					snprintf(at->name, sizeof(at->name), "%s", name);
					ret = 0;
				}
				break;
			}
		} else {
			ret = walk_into(&w, name, flags, from_link);
		}
		if (ret == -EAGAIN && ++w.retries <= MAX_RETRIES) {
			w.p = again; /* the component changed under us: look again */
			ret = 0;
		}
		if (ret < 0)
			break;
	}
	walk_free(&w);
	return ret;
}

/* ------------------------------------------------------------------ */
/* The openat2 way. */

/*
 * Split @path (shorter than PATH_MAX) into its directory part (written to
 * @dir, PATH_MAX bytes) and last name (@name, NAME_MAX + 1 bytes); a path
 * that ends in "/", "." or ".." names a directory: *name is then ".".
 */
static int split_last(const char *path, char *dir, char *name)
{
	size_t len = strlen(path), start;

	while (len > 0 && path[len - 1] == '/')
		len--;
	start = len;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (len - start > NAME_MAX)
		return -ENAMETOOLONG;
	if (len == 0 || path[strlen(path) - 1] == '/' ||
	    (len - start == 1 && path[start] == '.') ||
	    (len - start == 2 && path[start] == '.' && path[start + 1] == '.')) {
		snprintf(dir, PATH_MAX, "%s", path[0] ? path : ".");
		snprintf(name, NAME_MAX + 1, ".");
		return 0;
	}
	memcpy(dir, path, start);
	dir[start] = '\0';
	if (!dir[0])
		snprintf(dir, PATH_MAX, ".");
	memcpy(name, path + start, len - start);
	name[len - start] = '\0';
	return 0;
}

/* Returns 0, -errno, or -ENOSYS when the walk must do it. */
static int at_openat2(const struct gt_root *root, const char *path, unsigned flags,
                      struct gt_root_at *at)
{
	char cur[PATH_MAX], dir[PATH_MAX], target[PATH_MAX];
	int links = 0, fd;
	struct stat st;

	snprintf(cur, sizeof(cur), "%s", path);
	for (;;) {
		ssize_t n;
		int ret = split_last(cur, dir, at->name);

		if (ret < 0)
			return ret;
		/* The directory part is followed to its end, links included. */
		fd = in_root_openat2(root, dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (fd == -ENOENT && (flags & GT_AT_MKDIRS))
			return -ENOSYS; /* directories to make: the walk makes them */
		if (fd < 0)
			return fd;
		if (!(flags & GT_AT_FOLLOW) || strcmp(at->name, ".") == 0 ||
		    fstatat(fd, at->name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISLNK(st.st_mode))
			break;
		/* The last name is a symlink: its text, seen from its directory. */
		n = readlinkat(fd, at->name, target, sizeof(target));
		close(fd);
		if (n < 0)
			return -errno;
		if ((size_t)n >= sizeof(target))
			return -ENAMETOOLONG;
		target[n] = '\0';
		if (++links > MAX_LINKS)
			return -ELOOP;
		if (target[0] == '/') {
			snprintf(cur, sizeof(cur), "%s", target);
		} else {
			if (strlen(dir) + 1 + (size_t)n >= sizeof(cur))
				return -ENAMETOOLONG;
			/* dir and target fit in cur: checked just above */
			snprintf(cur, sizeof(cur), "%s/%s", dir, target);
		}
	}
	at->dirfd = fd;
	return 0;
}

int gt_root_at(const struct gt_root *root, const char *path, unsigned flags,
               struct gt_root_at *at)
{
	int ret;

	at->dirfd = -1;
	at->name[0] = '\0';
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	ret = at_openat2(root, path, flags, at);
	if (ret == -ENOSYS)
		ret = walk(root, path, flags, at);
	if (ret < 0)
		at->dirfd = -1;
	return ret;
}

void gt_root_at_close(struct gt_root_at *at)
{
	if (at->dirfd >= 0)
		close(at->dirfd);
	at->dirfd = -1;
}

int gt_root_openat(const struct gt_root *root, const char *path, int flags, mode_t mode)
{
	struct gt_root_at at;
	int fd;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	fd = in_root_openat2(root, path, flags | O_CLOEXEC, mode);
	if (fd != -ENOSYS)
		return fd;
	/* As open(2): O_CREAT|O_EXCL never follows a last symlink either. */
	fd = gt_root_at(root, path,
	                (flags & O_NOFOLLOW) || ((flags & O_CREAT) && (flags & O_EXCL))
	                        ? 0
	                        : GT_AT_FOLLOW,
	                &at);
	if (fd < 0)
		return fd;
	/* at.name is no symlink (followed above, or refused by O_NOFOLLOW). */
	fd = openat(at.dirfd, at.name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		fd = -errno;
	gt_root_at_close(&at);
	return fd;
}
