/* SPDX-License-Identifier: MIT */
/*
 * Ed25519 signatures over the on-ISO manifest (libsodium).
 *
 * Three small text files, each a header line, a key-id line and one line of
 * lower-case hex, every line ending in a newline and nothing else in them:
 *
 *   guest-tools-secret-key 1     guest-tools-public-key 1    guest-tools-signature 1
 *   key-id 0123456789abcdef      key-id 0123456789abcdef     key-id 0123456789abcdef
 *   ed25519 <128 hex: seed+pk>   ed25519 <64 hex: pk>        ed25519 <128 hex: sig>
 *
 * The key id is the first 8 bytes of the SHA-256 of the public key, in hex.
 * It only names the key that made a signature (so a verifier with several
 * trusted keys picks the right one, and messages can name it); it is not
 * covered by the signature and is never trusted: a signature verifies only
 * against a key whose own computed id matches and whose Ed25519 check passes.
 * A signature (Linux/MANIFEST.sig) is detached: over the exact bytes of
 * Linux/MANIFEST.
 *
 * The parsers are strict (one exact layout, bounded size) because the
 * installer runs the signature parser on a file from a CD it does not trust.
 */
#ifndef GT_SIG_H
#define GT_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"

#define GT_SIG_ISO_PATH   GT_MANIFEST_SIG_PATH
#define GT_SIG_FORMAT     1
#define GT_SIG_PK_LEN     32
#define GT_SIG_SK_LEN     64 /* libsodium's: the seed, then the public key */
#define GT_SIG_LEN        64
#define GT_SIG_ID_LEN     8
#define GT_SIG_ID_HEX_LEN 16
#define GT_SIG_MAX_FILE   512 /* bytes in any of the three files */

struct gt_sig_pubkey {
	uint8_t pk[GT_SIG_PK_LEN];
	char id[GT_SIG_ID_HEX_LEN + 1];
};

struct gt_sig_seckey {
	uint8_t sk[GT_SIG_SK_LEN];
	char id[GT_SIG_ID_HEX_LEN + 1];
};

struct gt_sig {
	uint8_t sig[GT_SIG_LEN];
	char id[GT_SIG_ID_HEX_LEN + 1];
};

/*
 * gt_sig_init - initialise libsodium (idempotent). Returns 0 or -GT_EUNSUPPORTED.
 */
int gt_sig_init(void);

/* gt_sig_key_id - the key id of @pk (16 hex digits and a NUL) into @id. */
void gt_sig_key_id(const uint8_t pk[GT_SIG_PK_LEN], char id[GT_SIG_ID_HEX_LEN + 1]);

/* gt_sig_keygen - a fresh key pair. Returns 0 or -GT_EUNSUPPORTED. */
int gt_sig_keygen(struct gt_sig_seckey *sk, struct gt_sig_pubkey *pk);

/* gt_sig_public_of - the public half of @sk (checked against its seed). */
int gt_sig_public_of(const struct gt_sig_seckey *sk, struct gt_sig_pubkey *pk);

/*
 * Parsers: @len bytes at @buf (need not be NUL-terminated). Each checks the
 * header, the exact layout and that the key id matches the key (a secret
 * key's seed must also give its public half). Returns 0, -GT_EPARSE,
 * -GT_EUNSUPPORTED (another format version), -GT_ETOOBIG or -GT_EINTEGRITY
 * (the key id or the public half does not match the key).
 */
int gt_sig_parse_pubkey(const char *buf, size_t len, struct gt_sig_pubkey *out);
int gt_sig_parse_seckey(const char *buf, size_t len, struct gt_sig_seckey *out);
int gt_sig_parse_sig(const char *buf, size_t len, struct gt_sig *out);

/*
 * Formatters: the file text (NUL-terminated) into @buf of @size bytes (at
 * least GT_SIG_MAX_FILE). Return the length, or -EINVAL when it does not fit.
 */
int gt_sig_format_pubkey(const struct gt_sig_pubkey *pk, char *buf, size_t size);
int gt_sig_format_seckey(const struct gt_sig_seckey *sk, char *buf, size_t size);
int gt_sig_format_sig(const struct gt_sig *sig, char *buf, size_t size);

/* gt_sig_sign - sign @len bytes at @data with @sk into @out. Returns 0 or -EINVAL. */
int gt_sig_sign(const struct gt_sig_seckey *sk, const void *data, size_t len,
                struct gt_sig *out);

/*
 * gt_sig_verify - whether @sig is a signature of @data by @pk: 0, or
 * -GT_ENOTFOUND (@sig names another key id), -GT_EINTEGRITY (bad signature).
 */
int gt_sig_verify(const struct gt_sig_pubkey *pk, const void *data, size_t len,
                  const struct gt_sig *sig);

/*
 * gt_sig_verify_any - verify @sig against the first of @n keys whose id it
 * names. Returns 0 (*which = its index, may be NULL), -GT_ENOTFOUND (no key
 * with that id) or -GT_EINTEGRITY.
 */
int gt_sig_verify_any(const struct gt_sig_pubkey *keys, size_t n, const void *data,
                      size_t len, const struct gt_sig *sig, size_t *which);

#endif
