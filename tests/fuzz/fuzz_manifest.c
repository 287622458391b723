/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the manifest parser, which the installer runs on a
 * file from a CD it does not trust yet. All three kinds are parsed; whatever
 * parses must format, and the formatted text must parse to the same text;
 * the installer's payload selection (installer/actions/plan.c) runs on it.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
 *     -Iinstaller tests/fuzz/fuzz_manifest.c lib/[a-z]*.c installer/actions/plan.c \
 *     -DGT_SHA256_OPENSSL -lcrypto -lsodium -o fuzz_manifest
 *   ./fuzz_manifest -max_total_time=60 tests/fuzz/corpus/manifest
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "actions/plan.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const struct gt_manifest *m)
{
	struct gt_manifest *m2 = NULL;
	char *a = NULL, *b = NULL;
	size_t na, nb;

	if (gt_manifest_format(m, &a, &na) != 0)
		abort();
	if (gt_manifest_parse(a, na, m->kind, &m2, NULL) != 0)
		abort();
	if (gt_manifest_format(m2, &b, &nb) != 0 || na != nb || memcmp(a, b, na) != 0)
		abort();
	free(a);
	free(b);
	gt_manifest_free(m2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_manifest *m = NULL;
	struct gt_manifest_error err;
	int kind;

	for (kind = GT_MANIFEST_BUILD; kind <= GT_MANIFEST_CONTENTS; kind++) {
		if (gt_manifest_parse((const char *)data, size,
		                      (enum gt_manifest_kind)kind, &m, &err) == 0) {
			const struct gt_manifest_entry *e;
			struct gt_plan_query q = {
				GT_FAMILY_NONE,  GT_ARCH_X86_64, "rhel", NULL, 8,
				GT_INIT_SYSTEMD, false
			};

			roundtrip(m);
			gt_plan_find_payload(m, &q, &e);
			gt_manifest_free(m);
			m = NULL;
		} else if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL) {
			abort(); /* the message must always be terminated */
		}
	}
	return 0;
}
