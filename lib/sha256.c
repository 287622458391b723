/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "error.h"
#include "sha256.h"

#ifdef GT_SHA256_OPENSSL
#include <openssl/evp.h>

struct gt_sha256 {
	EVP_MD_CTX *ctx;
};

struct gt_sha256 *gt_sha256_new(void)
{
	struct gt_sha256 *h = malloc(sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		free(h);
		return NULL;
	}
	return h;
}

void gt_sha256_update(struct gt_sha256 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void gt_sha256_final(struct gt_sha256 *h, uint8_t out[GT_SHA256_LEN])
{
	EVP_DigestFinal_ex(h->ctx, out, NULL);
	gt_sha256_free(h);
}

void gt_sha256_free(struct gt_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}
#else
#include <sodium.h>

struct gt_sha256 {
	crypto_hash_sha256_state st;
};

struct gt_sha256 *gt_sha256_new(void)
{
	struct gt_sha256 *h = malloc(sizeof(*h));

	if (h)
		crypto_hash_sha256_init(&h->st);
	return h;
}

void gt_sha256_update(struct gt_sha256 *h, const void *data, size_t len)
{
	crypto_hash_sha256_update(&h->st, data, len);
}

void gt_sha256_final(struct gt_sha256 *h, uint8_t out[GT_SHA256_LEN])
{
	crypto_hash_sha256_final(&h->st, out);
	free(h);
}

void gt_sha256_free(struct gt_sha256 *h)
{
	free(h);
}
#endif

void gt_sha256_buf(const void *data, size_t len, uint8_t out[GT_SHA256_LEN])
{
	struct gt_sha256 *h = gt_sha256_new();

	/* Out of memory for a few hundred bytes: nothing sensible is left to do. */
	if (!h)
		abort();
	gt_sha256_update(h, data, len);
	gt_sha256_final(h, out);
}

void gt_sha256_hex(const uint8_t digest[GT_SHA256_LEN], char hex[GT_SHA256_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < GT_SHA256_LEN; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[GT_SHA256_HEX_LEN] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int gt_sha256_parse_hex(const char *hex, uint8_t digest[GT_SHA256_LEN])
{
	size_t i;

	for (i = 0; i < GT_SHA256_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo;

		if (hi < 0)
			return -GT_EPARSE;
		lo = hexval(hex[2 * i + 1]);
		if (lo < 0)
			return -GT_EPARSE;
		digest[i] = (uint8_t)(hi << 4 | lo);
	}
	return hex[GT_SHA256_HEX_LEN] == '\0' ? 0 : -GT_EPARSE;
}
