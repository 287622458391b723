/* SPDX-License-Identifier: MIT */
/*
 * File operations inside a root (the host's "/" or --root DIR).
 *
 * The *_at functions act on a place resolved once with gt_root_at() (root.h):
 * a directory held open and a name in it, so nothing is walked again from a
 * string and a link planted after the resolution is not followed. Every
 * change to a directory (an entry made, renamed or removed) is followed by
 * an fsync of that directory (gt_root_sync_dir), so that the journal's order survives a
 * power cut on filesystems that do not order metadata for us (btrfs, XFS).
 *
 * The path functions below them resolve and call the *_at ones; they are
 * kept for the callers that name files by path.
 */
#ifndef GT_FSOPS_H
#define GT_FSOPS_H

#include <stddef.h>
#include <sys/types.h>

#include "root.h"

/*
 * gt_fs_mkdir_at - make directory @at with @mode; a directory already there
 * is fine (anything else there: -EEXIST). Returns 0 or -errno.
 */
int gt_fs_mkdir_at(const struct gt_root_at *at, mode_t mode);

/*
 * gt_fs_create_at - create @at as a new regular file (O_EXCL: never an
 * existing file, never through a symlink) opened for writing with @mode.
 * The directory entry is synced; the caller writes, fsyncs and closes.
 * Returns the fd or -errno.
 */
int gt_fs_create_at(const struct gt_root_at *at, mode_t mode);

/*
 * gt_fs_write_atomic_at - write @len bytes to @at with @mode through a
 * temporary file in the same directory: write, fsync, rename, fsync the
 * directory. Returns 0 or -errno; on failure @at is untouched.
 */
int gt_fs_write_atomic_at(const struct gt_root_at *at, const void *data, size_t len,
                          mode_t mode);

/* gt_fs_rename_at - renameat(2), then fsync of both directories. */
int gt_fs_rename_at(const struct gt_root_at *from, const struct gt_root_at *to);

/* gt_fs_unlink_at - unlink @at (not a directory); missing is not an error. */
int gt_fs_unlink_at(const struct gt_root_at *at);

/*
 * gt_fs_rmdir_at - remove the empty directory @at; missing is not an error.
 * Returns 0, -ENOTEMPTY (anything put there stays), -ENOTDIR, -errno.
 */
int gt_fs_rmdir_at(const struct gt_root_at *at);

/* gt_fs_symlink_at - make @at a symlink to @target (kept as written). */
int gt_fs_symlink_at(const char *target, const struct gt_root_at *at);

/*
 * The same by path inside @root. Parents are followed through links inside
 * the root; the last name is followed only where said.
 */

/* gt_fs_mkdirs - mkdir -p @path inside @root (mode 0755). Returns 0 or -errno. */
int gt_fs_mkdirs(const struct gt_root *root, const char *path);

/*
 * gt_fs_write_atomic - gt_fs_write_atomic_at() on @path (a symlink as the
 * last name is followed inside the root: the file it names is replaced).
 */
int gt_fs_write_atomic(const struct gt_root *root, const char *path, const void *data,
                       size_t len, mode_t mode);

/* gt_fs_copy - copy regular file @from to @to (both inside @root), mode kept. */
int gt_fs_copy(const struct gt_root *root, const char *from, const char *to);

/* gt_fs_rename - rename @from (last name not followed) to @to (followed). */
int gt_fs_rename(const struct gt_root *root, const char *from, const char *to);

/* gt_fs_unlink - unlink @path inside @root; a missing file is not an error. */
int gt_fs_unlink(const struct gt_root *root, const char *path);

/* gt_fs_rmdir - gt_fs_rmdir_at() on @path (last name not followed). */
int gt_fs_rmdir(const struct gt_root *root, const char *path);

/* gt_fs_symlink - gt_fs_symlink_at() on @path; one already there: -EEXIST. */
int gt_fs_symlink(const struct gt_root *root, const char *target, const char *path);

/* gt_fs_lexists - does @path exist (the last component not followed)? */
int gt_fs_lexists(const struct gt_root *root, const char *path);

#endif
