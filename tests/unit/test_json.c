/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

/* Runs @fn on a writer over a memory stream and returns what it wrote. */
static char *render(void (*fn)(struct gt_json *), int *finish_ret)
{
	struct gt_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	gt_json_init(&j, fp);
	fn(&j);
	*finish_ret = gt_json_finish(&j);
	fclose(fp);
	return buf;
}

static void doc_nested(struct gt_json *j)
{
	gt_json_begin_object(j);
	gt_json_kv_int(j, "schema", 1);
	gt_json_key(j, "like");
	gt_json_begin_array(j);
	gt_json_string(j, "rhel");
	gt_json_string(j, "fedora");
	gt_json_end_array(j);
	gt_json_kv_string(j, "none", NULL);
	gt_json_kv_bool(j, "pv", true);
	gt_json_end_object(j);
}

static void test_nested(void **state)
{
	int ret;
	char *out = render(doc_nested, &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "{\"schema\":1,\"like\":[\"rhel\",\"fedora\"],\"none\":"
	                         "null,\"pv\":true}\n");
	free(out);
}

static void doc_escapes(struct gt_json *j)
{
	/* Quote, backslash, control bytes, valid UTF-8, then invalid bytes. */
	static const char s[] = "a\"b\\c\n\x01 \xc3\xa9 \xff\xfe \xed\xa0\x80 \xc0\xaf";

	gt_json_string_n(j, s, sizeof(s) - 1);
}

static void test_escapes(void **state)
{
	int ret;
	char *out = render(doc_escapes, &ret);

	assert_int_equal(ret, 0);
	assert_string_equal(out, "\"a\\\"b\\\\c\\n\\u0001 \xc3\xa9 \\ufffd\\ufffd "
	                         "\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\"\n");
	free(out);
}

static void doc_unclosed(struct gt_json *j)
{
	gt_json_begin_object(j);
	gt_json_key(j, "x");
}

static void test_misuse_reported(void **state)
{
	int ret;
	char *out = render(doc_unclosed, &ret);

	assert_int_not_equal(ret, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_misuse_reported),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
