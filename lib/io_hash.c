/* SPDX-License-Identifier: MIT */
/*
 * gt_hash_fd (io.h), apart from io.c: the agent links io.o and nothing but
 * libc, and a static link takes whole objects, hash library and all.
 */
#include <errno.h>
#include <stdlib.h>

#include "io.h"

int gt_hash_fd(int fd, uint8_t out[GT_SHA256_LEN], uint64_t *size,
               gt_io_progress_fn *progress, void *ctx)
{
	/* Large reads: hashing, not the system calls, should take the time. */
	enum { CHUNK = 1 << 20 };
	struct gt_sha256 *h = gt_sha256_new();
	char *buf = malloc(CHUNK);
	uint64_t total = 0;
	int ret = -ENOMEM;

	if (!buf || !h)
		goto out;
	for (;;) {
		ssize_t n = gt_read_full(fd, buf, CHUNK);

		if (n < 0) {
			ret = (int)n;
			goto out;
		}
		if (n == 0)
			break;
		gt_sha256_update(h, buf, (size_t)n);
		total += (uint64_t)n;
		if (progress)
			progress(ctx, (uint64_t)n);
		if ((size_t)n < CHUNK)
			break; /* gt_read_full() is short only at end of file */
	}
	gt_sha256_final(h, out);
	h = NULL;
	if (size)
		*size = total;
	ret = 0;
out:
	gt_sha256_free(h);
	free(buf);
	return ret;
}
