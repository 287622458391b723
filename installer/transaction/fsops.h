/* SPDX-License-Identifier: MIT */
/*
 * File operations inside a root (the host's "/" or --root DIR): every path
 * is resolved with gt_root_resolve(), so links cannot lead a write outside.
 */
#ifndef GT_FSOPS_H
#define GT_FSOPS_H

#include <stddef.h>
#include <sys/types.h>

#include "root.h"

/* gt_fs_mkdirs - mkdir -p @path inside @root (mode 0755). Returns 0 or -errno. */
int gt_fs_mkdirs(const struct gt_root *root, const char *path);

/*
 * gt_fs_write_atomic - write @len bytes to @path with @mode through a
 * temporary file, fsync and rename. Returns 0 or -errno; on failure @path is
 * untouched.
 */
int gt_fs_write_atomic(const struct gt_root *root, const char *path, const void *data,
                       size_t len, mode_t mode);

/* gt_fs_copy - copy regular file @from to @to (both inside @root), mode kept. */
int gt_fs_copy(const struct gt_root *root, const char *from, const char *to);

/* gt_fs_rename - rename(2) inside @root. */
int gt_fs_rename(const struct gt_root *root, const char *from, const char *to);

/* gt_fs_unlink - unlink @path inside @root; a missing file is not an error. */
int gt_fs_unlink(const struct gt_root *root, const char *path);

/* gt_fs_lexists - does @path exist (the last component not followed)? */
int gt_fs_lexists(const struct gt_root *root, const char *path);

#endif
