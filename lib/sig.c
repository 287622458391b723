/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "sha256.h"
#include "sig.h"

#define HDR_SECRET "guest-tools-secret-key"
#define HDR_PUBLIC "guest-tools-public-key"
#define HDR_SIG    "guest-tools-signature"

int gt_sig_init(void)
{
	/* 0: initialised now, 1: already was; -1: no usable random source. */
	return sodium_init() < 0 ? -GT_EUNSUPPORTED : 0;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Lower-case hex only, so that one key has exactly one spelling. */
static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int from_hex(const char *s, size_t n, uint8_t *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hex_val(s[2 * i]), lo = hex_val(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -GT_EPARSE;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void gt_sig_key_id(const uint8_t pk[GT_SIG_PK_LEN], char id[GT_SIG_ID_HEX_LEN + 1])
{
	uint8_t d[GT_SHA256_LEN];

	gt_sha256_buf(pk, GT_SIG_PK_LEN, d);
	to_hex(d, GT_SIG_ID_LEN, id);
}

/*
 * One line "PREFIX VALUE\n" at *p (before @end): the value's start and
 * length. Moves *p past the newline.
 */
static int take_line(const char **p, const char *end, const char *prefix,
                     const char **value, size_t *vlen)
{
	size_t plen = strlen(prefix);
	const char *nl;

	if ((size_t)(end - *p) < plen + 1 || memcmp(*p, prefix, plen) != 0 ||
	    (*p)[plen] != ' ')
		return -GT_EPARSE;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return -GT_EPARSE;
	*value = *p + plen + 1;
	*vlen = (size_t)(nl - *value);
	*p = nl + 1;
	return 0;
}

/* The three-line layout shared by the three files. */
static int parse_file(const char *buf, size_t len, const char *header, uint8_t *bytes,
                      size_t n_bytes, char id[GT_SIG_ID_HEX_LEN + 1])
{
	const char *p = buf, *end = buf + len, *v;
	size_t vlen;
	uint8_t idb[GT_SIG_ID_LEN];
	int ret;

	if (len > GT_SIG_MAX_FILE)
		return -GT_ETOOBIG;
	ret = take_line(&p, end, header, &v, &vlen);
	if (ret < 0)
		return ret;
	if (vlen != 1 || v[0] != '0' + GT_SIG_FORMAT) {
		/* A well-formed other version: say so rather than "malformed". */
		size_t i;

		for (i = 0; i < vlen && v[i] >= '0' && v[i] <= '9'; i++)
			;
		return vlen > 0 && i == vlen ? -GT_EUNSUPPORTED : -GT_EPARSE;
	}
	ret = take_line(&p, end, "key-id", &v, &vlen);
	if (ret < 0)
		return ret;
	if (vlen != GT_SIG_ID_HEX_LEN || from_hex(v, GT_SIG_ID_LEN, idb) < 0)
		return -GT_EPARSE;
	memcpy(id, v, GT_SIG_ID_HEX_LEN);
	id[GT_SIG_ID_HEX_LEN] = '\0';
	ret = take_line(&p, end, "ed25519", &v, &vlen);
	if (ret < 0)
		return ret;
	if (vlen != 2 * n_bytes || from_hex(v, n_bytes, bytes) < 0)
		return -GT_EPARSE;
	return p == end ? 0 : -GT_EPARSE;
}

int gt_sig_parse_pubkey(const char *buf, size_t len, struct gt_sig_pubkey *out)
{
	char id[GT_SIG_ID_HEX_LEN + 1];
	int ret = parse_file(buf, len, HDR_PUBLIC, out->pk, GT_SIG_PK_LEN, out->id);

	if (ret < 0)
		return ret;
	gt_sig_key_id(out->pk, id);
	return strcmp(id, out->id) == 0 ? 0 : -GT_EINTEGRITY;
}

int gt_sig_parse_seckey(const char *buf, size_t len, struct gt_sig_seckey *out)
{
	struct gt_sig_pubkey pk;
	int ret = parse_file(buf, len, HDR_SECRET, out->sk, GT_SIG_SK_LEN, out->id);

	if (ret == 0)
		ret = gt_sig_public_of(out, &pk);
	if (ret == 0 && strcmp(pk.id, out->id) != 0)
		ret = -GT_EINTEGRITY;
	if (ret < 0)
		sodium_memzero(out->sk, sizeof(out->sk));
	return ret;
}

int gt_sig_parse_sig(const char *buf, size_t len, struct gt_sig *out)
{
	return parse_file(buf, len, HDR_SIG, out->sig, GT_SIG_LEN, out->id);
}

static int format_file(const char *header, const uint8_t *bytes, size_t n_bytes,
                       const char *id, char *buf, size_t size)
{
	char hex[2 * GT_SIG_SK_LEN + 1];
	int n;

	if (n_bytes > GT_SIG_SK_LEN)
		return -EINVAL;
	to_hex(bytes, n_bytes, hex);
	n = snprintf(buf, size, "%s %d\nkey-id %s\ned25519 %s\n", header, GT_SIG_FORMAT,
	             id, hex);
	sodium_memzero(hex, sizeof(hex));
	return n < 0 || (size_t)n >= size ? -EINVAL : n;
}

int gt_sig_format_pubkey(const struct gt_sig_pubkey *pk, char *buf, size_t size)
{
	return format_file(HDR_PUBLIC, pk->pk, GT_SIG_PK_LEN, pk->id, buf, size);
}

int gt_sig_format_seckey(const struct gt_sig_seckey *sk, char *buf, size_t size)
{
	return format_file(HDR_SECRET, sk->sk, GT_SIG_SK_LEN, sk->id, buf, size);
}

int gt_sig_format_sig(const struct gt_sig *sig, char *buf, size_t size)
{
	return format_file(HDR_SIG, sig->sig, GT_SIG_LEN, sig->id, buf, size);
}

int gt_sig_keygen(struct gt_sig_seckey *sk, struct gt_sig_pubkey *pk)
{
	if (gt_sig_init() < 0 || crypto_sign_keypair(pk->pk, sk->sk) != 0)
		return -GT_EUNSUPPORTED;
	gt_sig_key_id(pk->pk, pk->id);
	memcpy(sk->id, pk->id, sizeof(sk->id));
	return 0;
}

int gt_sig_public_of(const struct gt_sig_seckey *sk, struct gt_sig_pubkey *pk)
{
	uint8_t seed[crypto_sign_SEEDBYTES], check[GT_SIG_SK_LEN];
	int ret = 0;

	if (gt_sig_init() < 0)
		return -GT_EUNSUPPORTED;
	/* The stored public half must be the one the seed gives. */
	crypto_sign_ed25519_sk_to_seed(seed, sk->sk);
	if (crypto_sign_seed_keypair(pk->pk, check, seed) != 0 ||
	    memcmp(check, sk->sk, GT_SIG_SK_LEN) != 0)
		ret = -GT_EINTEGRITY;
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(check, sizeof(check));
	gt_sig_key_id(pk->pk, pk->id);
	return ret;
}

int gt_sig_sign(const struct gt_sig_seckey *sk, const void *data, size_t len,
                struct gt_sig *out)
{
	if (gt_sig_init() < 0 ||
	    crypto_sign_detached(out->sig, NULL, data, len, sk->sk) != 0)
		return -EINVAL;
	memcpy(out->id, sk->id, sizeof(out->id));
	return 0;
}

int gt_sig_verify(const struct gt_sig_pubkey *pk, const void *data, size_t len,
                  const struct gt_sig *sig)
{
	char id[GT_SIG_ID_HEX_LEN + 1];

	/* The id in the key file is not trusted either: recompute it. */
	gt_sig_key_id(pk->pk, id);
	if (strcmp(id, sig->id) != 0)
		return -GT_ENOTFOUND;
	if (gt_sig_init() < 0)
		return -GT_EINTEGRITY;
	return crypto_sign_verify_detached(sig->sig, data, len, pk->pk) == 0
	               ? 0
	               : -GT_EINTEGRITY;
}

int gt_sig_verify_any(const struct gt_sig_pubkey *keys, size_t n, const void *data,
                      size_t len, const struct gt_sig *sig, size_t *which)
{
	size_t i;
	int ret = -GT_ENOTFOUND;

	for (i = 0; i < n && ret == -GT_ENOTFOUND; i++) {
		ret = gt_sig_verify(&keys[i], data, len, sig);
		if (ret == 0 && which)
			*which = i;
	}
	return ret;
}
