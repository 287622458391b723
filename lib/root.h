/* SPDX-License-Identifier: MIT */
/*
 * --root handling: every file the tools read or write is named relative to
 * a root directory (the host's "/" by default). Symbolic links are resolved
 * as if that directory were "/" — an absolute link target means a path under
 * the root, ".." stops at the root — so nothing can escape it, and a guest
 * image's "etc/os-release -> /usr/lib/os-release" reads the image's file.
 */
#ifndef GT_ROOT_H
#define GT_ROOT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct gt_root {
	int fd;    /* directory fd of the root */
	char *dir; /* as given, for messages ("/" for the host) */
	bool host; /* true when the root is the running system's "/" */
};

/*
 * gt_root_open - open @dir as a root (NULL means the host's "/").
 * On success *out owns a new root, released with gt_root_close().
 * Returns 0, -ENOENT/-ENOTDIR/-EACCES... when @dir cannot be opened.
 */
int gt_root_open(const char *dir, struct gt_root **out);
void gt_root_close(struct gt_root *root);

/*
 * A place inside the root, resolved once: a directory held open and one name
 * in it. File operations act on it with the *at() calls (mkdirat, renameat,
 * unlinkat...), so a component swapped for a symlink after the resolution
 * cannot send them anywhere else: nothing is walked again from a string.
 */
struct gt_root_at {
	int dirfd;               /* the directory, opened O_PATH (owned) */
	char name[NAME_MAX + 1]; /* one name in it, never "..": "." when the
	                            path names a directory itself ("/", "a/..", "a/") */
};

enum {
	GT_AT_FOLLOW = 1 << 0, /* a symlink as the last name is followed too */
	GT_AT_MKDIRS = 1 << 1, /* make the missing directories before the last
	                          name (0755), as mkdir -p does: never the
	                          missing target of a symlink */
};

/*
 * gt_root_at - resolve @path inside @root: every "/", ".." and symbolic
 * link stays inside it ("/.." is "/"), as if @root were "/". With openat2
 * (Linux 5.6+) the kernel does it (RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS);
 * otherwise a walk holding each directory open (root_at.c). The last name
 * need not exist. Release @at with gt_root_at_close().
 * Returns 0, -ENOENT/-ENOTDIR (a directory before the last name), -ELOOP
 * (over 40 links), -ENAMETOOLONG (a path of PATH_MAX bytes or more, a name
 * over NAME_MAX, a link text that would make one: refused, never cut),
 * -EEXIST (GT_AT_MKDIRS through a dangling symlink), -errno.
 */
int gt_root_at(const struct gt_root *root, const char *path, unsigned flags,
               struct gt_root_at *at);
void gt_root_at_close(struct gt_root_at *at);

/*
 * gt_root_openat - open(2) @path inside @root (resolved as gt_root_at does;
 * O_NOFOLLOW: a symlink as the last name is not followed), @mode with
 * O_CREAT. O_CLOEXEC is added. Returns an fd or -errno.
 */
int gt_root_openat(const struct gt_root *root, const char *path, int flags, mode_t mode);

/*
 * gt_root_sync_dir - fsync(2) the directory @dirfd (an O_PATH fd is opened
 * again for it), so that entries made or removed in it last. Returns 0 or
 * -errno (a filesystem that cannot sync a directory, EINVAL, is fine).
 */
int gt_root_sync_dir(int dirfd);

/*
 * gt_root_resolver - "openat2" or "walk": how this process resolves paths
 * inside a root (probed on @root at the first call, for logs and tests).
 */
const char *gt_root_resolver(const struct gt_root *root);

/*
 * gt_root_resolve - @path resolved inside @root as a string relative to the
 * root fd with no leading slash ("." for the root itself), every symbolic
 * link followed (the last one too when @follow_last). A missing component
 * is kept as written, and a ".." after it takes it away again (so nothing
 * unresolved containing ".." is ever returned). The string is walked again by
 * whoever uses it, so a link planted in between is followed then: for
 * anything that writes, use gt_root_at() and the *at() calls instead.
 * Returns 0, -ELOOP (over 40 links), -ENAMETOOLONG, -ENOMEM.
 */
int gt_root_resolve(const struct gt_root *root, const char *path, bool follow_last,
                    char **out);

/* gt_root_open_file - gt_root_openat() with no mode. Returns an fd or -errno. */
int gt_root_open_file(const struct gt_root *root, const char *path, int flags);

/*
 * gt_root_read_file - read the whole of @path into a NUL-terminated buffer.
 * Files under /proc and /sys report size 0, so this reads until end of file.
 * On success *buf (owned by the caller) holds the content and *len its size.
 * Returns 0, -errno, or -GT_ETOOBIG when the file holds more than @max bytes.
 */
int gt_root_read_file(const struct gt_root *root, const char *path, size_t max,
                      char **buf, size_t *len);

/*
 * gt_root_read_line - the first line of @path, with surrounding white space
 * removed (a sysfs attribute, say). Same returns as gt_root_read_file().
 */
int gt_root_read_line(const struct gt_root *root, const char *path, char **out);

/*
 * gt_root_readlink - the target of the symbolic link @path (its directory
 * part resolved inside @root, the link itself not followed). *out is owned
 * by the caller. Returns 0 or -errno.
 */
int gt_root_readlink(const struct gt_root *root, const char *path, char **out);

/* gt_root_stat - stat(2) of @path inside @root. Returns 0 or -errno. */
int gt_root_stat(const struct gt_root *root, const char *path, bool follow_last,
                 struct stat *st);

/* gt_root_exists - true when @path exists inside @root (links followed). */
bool gt_root_exists(const struct gt_root *root, const char *path);

/*
 * gt_root_list_dir - the names in directory @path, without "." and "..",
 * sorted bytewise. *names is a NULL-terminated array owned by the caller
 * (free with gt_strv_free()); *count may be NULL. Returns 0 or -errno.
 */
int gt_root_list_dir(const struct gt_root *root, const char *path, char ***names,
                     size_t *count);

/*
 * gt_root_display - @path as the user would name it ("DIR/path" with --root),
 * written into @buf of @size bytes. Returns @buf.
 */
const char *gt_root_display(const struct gt_root *root, const char *path, char *buf,
                            size_t size);

#endif
