/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "error.h"
#include "sig.h"

static const char msg[] = "guest-tools-manifest 1\nversion 1.0\n";

struct keys {
	struct gt_sig_seckey sk;
	struct gt_sig_pubkey pk;
};

static int setup(void **state)
{
	static struct keys k;

	if (gt_sig_keygen(&k.sk, &k.pk) != 0)
		return -1;
	*state = &k;
	return 0;
}

static void test_roundtrip_files(void **state)
{
	struct keys *k = *state;
	struct gt_sig_seckey sk2;
	struct gt_sig_pubkey pk2;
	char buf[GT_SIG_MAX_FILE];
	int n;

	n = gt_sig_format_seckey(&k->sk, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(gt_sig_parse_seckey(buf, (size_t)n, &sk2), 0);
	assert_memory_equal(sk2.sk, k->sk.sk, GT_SIG_SK_LEN);
	assert_string_equal(sk2.id, k->sk.id);
	n = gt_sig_format_pubkey(&k->pk, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(strncmp(buf, "guest-tools-public-key 1\nkey-id ", 32), 0);
	assert_int_equal(gt_sig_parse_pubkey(buf, (size_t)n, &pk2), 0);
	assert_memory_equal(pk2.pk, k->pk.pk, GT_SIG_PK_LEN);
	assert_int_equal(gt_sig_public_of(&k->sk, &pk2), 0);
	assert_memory_equal(pk2.pk, k->pk.pk, GT_SIG_PK_LEN);
	assert_string_equal(pk2.id, k->pk.id);
	assert_int_equal(strlen(k->pk.id), GT_SIG_ID_HEX_LEN);
}

static void test_sign_verify(void **state)
{
	struct keys *k = *state;
	struct gt_sig sig, sig2;
	char buf[GT_SIG_MAX_FILE], copy[sizeof(msg)];
	int n;

	assert_int_equal(gt_sig_sign(&k->sk, msg, strlen(msg), &sig), 0);
	assert_string_equal(sig.id, k->pk.id);
	n = gt_sig_format_sig(&sig, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(gt_sig_parse_sig(buf, (size_t)n, &sig2), 0);
	assert_int_equal(gt_sig_verify(&k->pk, msg, strlen(msg), &sig2), 0);
	/* One flipped bit in the data, then in the signature. */
	memcpy(copy, msg, sizeof(msg));
	copy[5] ^= 1;
	assert_int_equal(gt_sig_verify(&k->pk, copy, strlen(msg), &sig2), -GT_EINTEGRITY);
	sig2.sig[10] ^= 0x80;
	assert_int_equal(gt_sig_verify(&k->pk, msg, strlen(msg), &sig2), -GT_EINTEGRITY);
	/* A truncated message does not verify either. */
	assert_int_equal(gt_sig_verify(&k->pk, msg, strlen(msg) - 1, &sig),
	                 -GT_EINTEGRITY);
}

static void test_wrong_key(void **state)
{
	struct keys *k = *state, other;
	struct gt_sig sig;
	struct gt_sig_pubkey both[2];
	size_t which = 99;

	assert_int_equal(gt_sig_keygen(&other.sk, &other.pk), 0);
	assert_string_not_equal(other.pk.id, k->pk.id);
	assert_int_equal(gt_sig_sign(&k->sk, msg, strlen(msg), &sig), 0);
	assert_int_equal(gt_sig_verify(&other.pk, msg, strlen(msg), &sig), -GT_ENOTFOUND);
	assert_int_equal(gt_sig_verify_any(&other.pk, 1, msg, strlen(msg), &sig, NULL),
	                 -GT_ENOTFOUND);
	both[0] = other.pk;
	both[1] = k->pk;
	assert_int_equal(gt_sig_verify_any(both, 2, msg, strlen(msg), &sig, &which), 0);
	assert_int_equal(which, 1);
	/* Claiming the other key's id does not help a signature by this key. */
	memcpy(sig.id, other.pk.id, sizeof(sig.id));
	assert_int_equal(gt_sig_verify(&other.pk, msg, strlen(msg), &sig),
	                 -GT_EINTEGRITY);
	/* Nor does a public key file whose id was edited to match. */
	both[0] = other.pk;
	memcpy(both[0].id, k->pk.id, sizeof(both[0].id));
	memcpy(sig.id, k->pk.id, sizeof(sig.id));
	assert_int_equal(gt_sig_verify(&both[0], msg, strlen(msg), &sig), -GT_ENOTFOUND);
}

static void test_malformed(void **state)
{
	struct keys *k = *state;
	struct gt_sig sig;
	struct gt_sig_pubkey pk;
	char good[GT_SIG_MAX_FILE], bad[GT_SIG_MAX_FILE + 16];
	size_t len, i;
	int n;

	assert_int_equal(gt_sig_sign(&k->sk, msg, strlen(msg), &sig), 0);
	n = gt_sig_format_sig(&sig, good, sizeof(good));
	assert_true(n > 0);
	len = (size_t)n;
	/* Every truncation is refused, never read past. */
	for (i = 0; i < len; i++)
		assert_int_equal(gt_sig_parse_sig(good, i, &sig), -GT_EPARSE);
	/* Upper-case hex, trailing bytes, CRLF, other version, other kind. */
	memcpy(bad, good, len);
	bad[len - 2] = 'A';
	assert_int_equal(gt_sig_parse_sig(bad, len, &sig), -GT_EPARSE);
	memcpy(bad, good, len);
	bad[len] = '\n';
	assert_int_equal(gt_sig_parse_sig(bad, len + 1, &sig), -GT_EPARSE);
	memcpy(bad, good, len);
	bad[len - 1] = '\r';
	bad[len] = '\n';
	assert_int_equal(gt_sig_parse_sig(bad, len + 1, &sig), -GT_EPARSE);
	memcpy(bad, good, len);
	bad[22] = '2';
	assert_int_equal(gt_sig_parse_sig(bad, len, &sig), -GT_EUNSUPPORTED);
	assert_int_equal(gt_sig_parse_pubkey(good, len, &pk), -GT_EPARSE);
	memset(bad, 'x', sizeof(bad));
	assert_int_equal(gt_sig_parse_sig(bad, sizeof(bad), &sig), -GT_ETOOBIG);
	/* A public key whose id line does not match the key. */
	n = gt_sig_format_pubkey(&k->pk, good, sizeof(good));
	assert_true(n > 0);
	memcpy(bad, good, (size_t)n);
	bad[32] = bad[32] == '0' ? '1' : '0';
	assert_int_equal(gt_sig_parse_pubkey(bad, (size_t)n, &pk), -GT_EINTEGRITY);
	/* A secret key whose public half was swapped. */
	{
		struct gt_sig_seckey sk = k->sk, sk2;

		sk.sk[40] ^= 1;
		n = gt_sig_format_seckey(&sk, good, sizeof(good));
		assert_true(n > 0);
		assert_int_equal(gt_sig_parse_seckey(good, (size_t)n, &sk2),
		                 -GT_EINTEGRITY);
	}
	assert_int_equal(gt_sig_format_sig(&sig, good, 10), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_files),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("sig", tests, setup, NULL);
}
