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
 * gt_root_resolve - resolve @path inside @root, following every symbolic
 * link (the final component too when @follow_last).
 * On success *out is a newly allocated path relative to the root fd with no
 * leading slash ("." for the root itself). A component that does not exist
 * ends the resolution: the rest is appended as written, so a later open
 * fails with -ENOENT. Returns 0, -ELOOP (over 40 links), -ENOMEM.
 */
int gt_root_resolve(const struct gt_root *root, const char *path, bool follow_last,
                    char **out);

/* gt_root_open_file - open(2) @path inside @root. Returns an fd or -errno. */
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
