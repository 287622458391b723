/* SPDX-License-Identifier: MIT */
/* Unit tests of lib/distro and lib/kvfile: version and release-line parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "distro.h"
#include "kvfile.h"

static void test_versions(void **state)
{
	static const struct {
		const char *v;
		int major, minor;
	} cases[] = {
		{ "7.9.2009", 7, 9 },     { "15-SP5", 15, 5 },
		{ "6.10", 6, 10 },        { "bookworm/sid", 12, -1 },
		{ "trixie/sid", 13, -1 }, { "9", 9, -1 },
		{ "2016.03", 2016, 3 },   { "V10", 10, -1 },
		{ "", -1, -1 },           { "rolling", -1, -1 },
		{ "a1.2", -1, -1 },       { "99999999999999", 999999999, -1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int major, minor;

		gt_distro_parse_version(cases[i].v, &major, &minor);
		if (major != cases[i].major || minor != cases[i].minor)
			fail_msg("%s: got %d.%d, want %d.%d", cases[i].v, major, minor,
			         cases[i].major, cases[i].minor);
	}
}

static void check_line(const char *line, const char *name, const char *version,
                       const char *codename)
{
	char *n = NULL, *v = NULL, *c = NULL;

	assert_int_equal(gt_distro_parse_release_line(line, &n, &v, &c), 0);
	assert_string_equal(n, name);
	assert_string_equal(v, version);
	assert_string_equal(c, codename);
	free(n);
	free(v);
	free(c);
}

static void test_release_lines(void **state)
{
	check_line("CentOS Linux release 7.1.1503 (Core)", "CentOS Linux", "7.1.1503",
	           "Core");
	check_line("Red Hat Enterprise Linux Server release 6.5 (Santiago)",
	           "Red Hat Enterprise Linux Server", "6.5", "Santiago");
	check_line("Gentoo Base System release 2.2", "Gentoo Base System", "2.2", "");
	check_line("Slackware 14.1", "Slackware", "14.1", "");
	check_line("ALT Server 10.1 (Mendelevium)", "ALT Server", "10.1", "Mendelevium");
	check_line("Manjaro Linux", "Manjaro Linux", "", "");
	check_line("", "", "", "");
	check_line("((((", "((((", "", "");
}

static void test_family(void **state)
{
	char *rhel_like[] = { "rhel", "fedora", NULL };
	char *debian_like[] = { "debian", NULL };

	assert_string_equal(gt_distro_family("rocky", NULL), "rpm");
	assert_string_equal(gt_distro_family("ubuntu", NULL), "deb");
	assert_string_equal(gt_distro_family("alpine", NULL), "tgz");
	assert_string_equal(gt_distro_family("newdistro", rhel_like), "rpm");
	assert_string_equal(gt_distro_family("newdistro", debian_like), "deb");
	assert_string_equal(gt_distro_family("newdistro", NULL), "unknown");
	assert_string_equal(gt_distro_family("", NULL), "unknown");
}

static void test_kvfile(void **state)
{
	static const char text[] = "# comment\n"
	                           "NAME=\"Fedora Linux\"\n"
	                           "ID=fedora\n"
	                           "  VERSION_ID='38'\n"
	                           "PRETTY_NAME=\"a \\\"quoted\\\" \\\\ name\"\n"
	                           "EMPTY=\n"
	                           "ID=fedora2\n"
	                           "export EXPORTED=yes\n";
	struct gt_kvfile *kv = NULL;

	assert_int_equal(gt_kvfile_parse(text, sizeof(text) - 1, &kv), 0);
	assert_string_equal(gt_kvfile_get(kv, "NAME"), "Fedora Linux");
	assert_string_equal(gt_kvfile_get(kv, "ID"), "fedora2");
	assert_string_equal(gt_kvfile_get(kv, "VERSION_ID"), "38");
	assert_string_equal(gt_kvfile_get(kv, "PRETTY_NAME"), "a \"quoted\" \\ name");
	assert_string_equal(gt_kvfile_get(kv, "EXPORTED"), "yes");
	assert_null(gt_kvfile_get(kv, "EMPTY"));
	assert_null(gt_kvfile_get(kv, "MISSING"));
	assert_int_equal(kv->bad_line, 0);
	gt_kvfile_free(kv);
}

static void test_kvfile_malformed(void **state)
{
	static const char text[] = "ID=ok\nthis is not an assignment\nNAME=\"cut";
	static const char nul[] = "ID=a\0b\nX=1\n";
	struct gt_kvfile *kv = NULL;

	assert_int_equal(gt_kvfile_parse(text, sizeof(text) - 1, &kv), 0);
	assert_string_equal(gt_kvfile_get(kv, "ID"), "ok");
	assert_string_equal(gt_kvfile_get(kv, "NAME"), "cut");
	assert_int_equal(kv->bad_line, 2);
	assert_false(kv->unterminated);
	gt_kvfile_free(kv);

	assert_int_equal(gt_kvfile_parse(nul, sizeof(nul) - 1, &kv), 0);
	assert_null(gt_kvfile_get(kv, "ID"));
	assert_string_equal(gt_kvfile_get(kv, "X"), "1");
	assert_int_equal(kv->bad_line, 1);
	gt_kvfile_free(kv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_release_lines),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_kvfile),
		cmocka_unit_test(test_kvfile_malformed),
	};

	return cmocka_run_group_tests_name("distro", tests, NULL, NULL);
}
