/* SPDX-License-Identifier: MIT */
/*
 * What the manifest and payload-selection tests share (test_manifest.c,
 * test_plan.c). Include after <cmocka.h>.
 */
#ifndef GT_TEST_MANIFEST_HELPERS_H
#define GT_TEST_MANIFEST_HELPERS_H

#include <string.h>

#include "manifest.h"

/* Parses @text as a manifest of @kind, which must succeed. */
static struct gt_manifest *parse_ok(const char *text, enum gt_manifest_kind kind)
{
	struct gt_manifest *m = NULL;
	struct gt_manifest_error err;
	int ret = gt_manifest_parse(text, strlen(text), kind, &m, &err);

	if (ret != 0)
		print_error("unexpected parse error: line %u: %s\n", err.line, err.msg);
	assert_int_equal(ret, 0);
	assert_non_null(m);
	return m;
}

#endif
