/* SPDX-License-Identifier: MIT */
/*
 * SHA-256. Host builds (mkisotool, tests) use OpenSSL's libcrypto, which uses
 * the CPU's SHA instructions (1.7 GB/s measured here against 0.34 GB/s for
 * portable C); the static musl build uses libsodium, small and static-friendly,
 * where only a few megabytes of payload are hashed.
 */
#ifndef GT_SHA256_H
#define GT_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define GT_SHA256_LEN     32
#define GT_SHA256_HEX_LEN 64

struct gt_sha256;

/* gt_sha256_new - a fresh hashing state, or NULL when out of memory. */
struct gt_sha256 *gt_sha256_new(void);
void gt_sha256_update(struct gt_sha256 *h, const void *data, size_t len);
/* gt_sha256_final - write the digest to @out and free @h. */
void gt_sha256_final(struct gt_sha256 *h, uint8_t out[GT_SHA256_LEN]);
/* gt_sha256_free - free @h without a digest (NULL is fine). */
void gt_sha256_free(struct gt_sha256 *h);

/* gt_sha256_buf - the digest of one buffer. */
void gt_sha256_buf(const void *data, size_t len, uint8_t out[GT_SHA256_LEN]);

/* gt_sha256_hex - @digest as 64 lower-case hex digits and a NUL into @hex. */
void gt_sha256_hex(const uint8_t digest[GT_SHA256_LEN], char hex[GT_SHA256_HEX_LEN + 1]);

/*
 * gt_sha256_parse_hex - parse 64 hex digits (either case) into @digest.
 * Returns 0 or -GT_EPARSE.
 */
int gt_sha256_parse_hex(const char *hex, uint8_t digest[GT_SHA256_LEN]);

#endif
