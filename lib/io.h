/* SPDX-License-Identifier: MIT */
/*
 * Whole reads and writes on a file descriptor: the one place that retries
 * a system call interrupted by a signal (EINTR) and continues after a short
 * read or write, so that no caller writes that loop again.
 */
#ifndef GT_IO_H
#define GT_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sha256.h"

/*
 * gt_read_full - read @len bytes from @fd into @buf, through EINTR and
 * short reads, stopping early only at end of file.
 * Returns the number of bytes read (below @len only at end of file), or
 * -errno (the bytes read before the error are lost to the caller).
 */
ssize_t gt_read_full(int fd, void *buf, size_t len);

/*
 * gt_write_full - write all @len bytes of @buf to @fd, through EINTR and
 * short writes. Returns 0 or -errno.
 */
int gt_write_full(int fd, const void *buf, size_t len);

/* Progress of a long read: @bytes more were just consumed. */
typedef void gt_io_progress_fn(void *ctx, uint64_t bytes);

/*
 * gt_hash_fd - the sha256 of everything readable from @fd, to end of file.
 * *size (may be NULL) receives the number of bytes hashed. @progress (may be
 * NULL) is called with @ctx after every read.
 * Returns 0, -ENOMEM or -errno.
 */
int gt_hash_fd(int fd, uint8_t out[GT_SHA256_LEN], uint64_t *size,
               gt_io_progress_fn *progress, void *ctx);

#endif
