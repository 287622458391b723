/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the signature and key file parsers (lib/sig.h): the
 * installer parses Linux/MANIFEST.sig from a CD it does not trust. What
 * parses must format back to exactly the input (one spelling per value),
 * and a parsed signature is checked against the input itself as data.
 * Built by tests/fuzz/build.mk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct gt_sig sig;
	struct gt_sig_pubkey pk;
	struct gt_sig_seckey sk;
	char out[GT_SIG_MAX_FILE];
	int n;

	if (gt_sig_parse_sig(buf, size, &sig) == 0) {
		n = gt_sig_format_sig(&sig, out, sizeof(out));
		if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
			abort();
	}
	if (gt_sig_parse_pubkey(buf, size, &pk) == 0) {
		n = gt_sig_format_pubkey(&pk, out, sizeof(out));
		if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
			abort();
		/* A signature over random data by a random key never verifies. */
		memset(&sig, 0, sizeof(sig));
		memcpy(sig.id, pk.id, sizeof(sig.id));
		if (gt_sig_verify(&pk, data, size, &sig) == 0)
			abort();
	}
	if (gt_sig_parse_seckey(buf, size, &sk) == 0) {
		n = gt_sig_format_seckey(&sk, out, sizeof(out));
		if (n < 0 || (size_t)n != size || memcmp(out, data, size) != 0)
			abort();
	}
	return 0;
}
