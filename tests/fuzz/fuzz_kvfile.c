/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the os-release (KEY=value) parser, which reads
 * files of the guest (--root trees included). Every key parsed must be
 * found again by gt_kvfile_get. Built by tests/fuzz/build.mk.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gt_kvfile *kv = NULL;
	size_t i;

	if (gt_kvfile_parse((const char *)data, size, &kv) != 0)
		return 0;
	if (kv->count > GT_KVFILE_MAX_ITEMS)
		abort();
	for (i = 0; i < kv->count; i++) {
		if (!kv->items[i].key || !kv->items[i].value)
			abort();
		(void)gt_kvfile_get(kv, kv->items[i].key);
	}
	gt_kvfile_free(kv);
	return 0;
}
