/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/actions/downgrade (version order, the rule) and of
 * the on-ISO manifest's "built" directive it reports.
 * The expected orders are the tools' own: each pair was checked on Debian 12
 * with `dpkg --compare-versions A lt|eq|gt B` (dpkg 1.21) and, for rpm,
 * `rpm --eval "%{lua: print(rpm.vercmp('A', 'B'))}"` (rpm 4.18).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "actions/downgrade.h"
#include "error.h"
#include "manifest.h"
#include "root.h"

struct order {
	const char *a, *b;
	int sign; /* of cmp(a, b) */
};

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void expect_order(const char *family, const struct order *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int got = sign(gt_version_cmp(family, t[i].a, t[i].b));
		int back = sign(gt_version_cmp(family, t[i].b, t[i].a));

		if (got != t[i].sign || back != -t[i].sign)
			fail_msg("%s: cmp(%s, %s) = %d (and %d reversed), want %d",
			         family, t[i].a, t[i].b, got, back, t[i].sign);
	}
}

static void test_deb_order(void **state)
{
	static const struct order t[] = {
		{ "1.0", "1.0", 0 },
		{ "0.9", "0.10", -1 }, /* numbers, not text */
		{ "1.0", "1.0.1", -1 },
		{ "1.0~rc1", "1.0", -1 }, /* ~ before the end */
		{ "1.0~rc1", "1.0~rc2", -1 },
		{ "1.0~~", "1.0~", -1 },
		{ "1.0a", "1.0", 1 }, /* letters after the end */
		{ "1.0+b1", "1.0", 1 },
		{ "1.0a", "1.0+", -1 },   /* letters before other characters */
		{ "1.0-1", "1.0-2", -1 }, /* the revision */
		{ "1.0-10", "1.0-9", 1 },
		{ "1.0", "1.0-0", 0 }, /* no revision is "0" */
		{ "1:0.9", "2.0", 1 }, /* the epoch first */
		{ "0:1.0", "1.0", 0 },
		{ "001.02", "1.2", 0 }, /* leading zeros */
		{ "0.1.0", "0.2.0", -1 },
		{ "2.0-1+deb12u1", "2.0-1", 1 },
	};

	expect_order("deb", t, sizeof(t) / sizeof(t[0]));
	expect_order(NULL, t, sizeof(t) / sizeof(t[0])); /* guest-tools versions */
}

static void test_rpm_order(void **state)
{
	static const struct order t[] = {
		{ "1.0-1", "1.0-1", 0 },
		{ "1.0-1", "1.0-2", -1 },
		{ "1.9-1", "1.10-1", -1 },
		{ "1.0-1.el9", "1.0-1.el8", 1 },
		{ "1.0a-1", "1.0-1", 1 },   /* the longer wins */
		{ "1.0.a-1", "1.0a-1", 0 }, /* separators only split */
		{ "1.0-1", "1.a-1", 1 },    /* a number is newer than letters */
		{ "1.0~rc1-1", "1.0-1", -1 },
		{ "2.0-1", "1:1.0-1", -1 }, /* the epoch first */
		{ "1.05-1", "1.5-1", 0 },
		{ "1.0-1", "1.0.0-1", -1 },
	};

	expect_order("rpm", t, sizeof(t) / sizeof(t[0]));
}

static const char iso_head[] =
        "guest-tools-manifest 1\nlabel guest-tools\nversion 0.2.0\n";

static struct gt_manifest *parse(const char *extra, enum gt_manifest_kind kind,
                                 struct gt_manifest_error *err, int *ret)
{
	char text[512];
	struct gt_manifest *m = NULL;

	snprintf(text, sizeof(text), "%s%s", iso_head, extra);
	*ret = gt_manifest_parse(text, strlen(text), kind, &m, err);
	return m;
}

static void test_built_directive(void **state)
{
	static const char *const bad[] = {
		"built 2023-11-14 22:13:20\n",  "built 2023-11-14T22:13:20\n",
		"built 2023-02-29T00:00:00Z\n", "built 1969-12-31T23:59:59Z\n",
		"built 2023-11-14T24:00:00Z\n", "built 2023-1-14T22:13:20Z\n",
		"built 1700000000\n",           "built\n",
	};
	struct gt_manifest_error err;
	struct gt_manifest *m;
	char when[GT_MANIFEST_TIME_LEN], *text = NULL;
	size_t len;
	int ret;

	m = parse("built 2023-11-14T22:13:20Z\n", GT_MANIFEST_ISO, &err, &ret);
	assert_int_equal(ret, 0);
	assert_true(m->has_built);
	assert_int_equal(m->built, 1700000000LL); /* date -u -d @1700000000 */
	/* Written back the same way (the parse -> format -> parse invariant). */
	assert_int_equal(gt_manifest_format(m, &text, &len), 0);
	assert_non_null(strstr(text, "\nbuilt 2023-11-14T22:13:20Z\n"));
	free(text);
	gt_manifest_free(m);
	m = parse("built 2024-02-29T00:00:00Z\n", GT_MANIFEST_ISO, &err, &ret);
	assert_int_equal(ret, 0);
	assert_int_equal(m->built, 1709164800LL); /* a leap day */
	gt_manifest_free(m);
	m = parse("", GT_MANIFEST_ISO, &err, &ret); /* older media: none */
	assert_int_equal(ret, 0);
	assert_false(m->has_built);
	gt_manifest_free(m);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		m = parse(bad[i], GT_MANIFEST_ISO, &err, &ret);
		if (ret != -GT_EPARSE || err.line != 4)
			fail_msg("'%s' accepted (%d, line %u)", bad[i], ret, err.line);
	}
	m = parse("built 2023-11-14T22:13:20Z\nbuilt 2023-11-14T22:13:20Z\n",
	          GT_MANIFEST_ISO, &err, &ret);
	assert_int_equal(ret, -GT_EPARSE);
	assert_non_null(strstr(err.msg, "twice"));
	/* A build manifest does not say it: mkisotool writes it. */
	m = parse("built 2023-11-14T22:13:20Z\n", GT_MANIFEST_BUILD, &err, &ret);
	assert_int_equal(ret, -GT_EPARSE);
	assert_string_equal(gt_manifest_format_time(0, when), "1970-01-01T00:00:00Z");
	assert_string_equal(gt_manifest_format_time(253402300799LL, when),
	                    "9999-12-31T23:59:59Z");
	assert_null(gt_manifest_format_time(-1, when));
	assert_null(gt_manifest_format_time(253402300800LL, when));
}

/* The package rule alone (the root has no installed record). */
static void test_package_rule(void **state)
{
	char dir[] = "/tmp/gt-downgrade-XXXXXX", why[480] = "";
	struct gt_manifest_error err;
	struct gt_manifest *m;
	struct gt_root *root = NULL;
	int ret;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(gt_root_open(dir, &root), 0);
	m = parse("built 2023-11-14T22:13:20Z\n", GT_MANIFEST_ISO, &err, &ret);
	assert_int_equal(ret, 0);
	{
		struct gt_downgrade_query q = { m, "deb", "guest-agent", "1.0-1",
			                        "1.2-1" };

		assert_int_equal(gt_downgrade_check(root, &q, why, sizeof(why)), 1);
		assert_non_null(strstr(why, "guest-agent 1.0-1"));
		assert_non_null(strstr(why, "guest-agent 1.2-1 installed"));
		assert_non_null(
		        strstr(why, "(guest-tools 0.2.0, built 2023-11-14T22:13:20Z)"));
		assert_non_null(strstr(why, "--allow-downgrade"));
		q.installed = "1.0-1"; /* the same: not older */
		assert_int_equal(gt_downgrade_check(root, &q, why, sizeof(why)), 0);
		q.installed = "1:0.1-1"; /* an epoch makes it newer */
		assert_int_equal(gt_downgrade_check(root, &q, why, sizeof(why)), 1);
		q.installed = NULL; /* not installed */
		assert_int_equal(gt_downgrade_check(root, &q, why, sizeof(why)), 0);
		q.family = "rpm";
		q.offered = "1.10-1";
		q.installed = "1.9-1";
		assert_int_equal(gt_downgrade_check(root, &q, why, sizeof(why)), 0);
	}
	gt_manifest_free(m);
	gt_root_close(root);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deb_order),
		cmocka_unit_test(test_rpm_order),
		cmocka_unit_test(test_built_directive),
		cmocka_unit_test(test_package_rule),
	};

	return cmocka_run_group_tests_name("downgrade", tests, NULL, NULL);
}
