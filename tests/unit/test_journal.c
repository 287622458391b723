/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the journal's reader (transaction/journal.c), the names it
 * accepts (actions/names.c) and the tgz member paths (actions/tgz.c): what a
 * hostile image may write into its journal or installed record, and what
 * this installer writes, told apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "transaction/names.h"
#include "actions/tgz.h"
#include "error.h"
#include "transaction/journal.h"

#define RUN   "20261124T141500Z-4242"
#define BEGIN "begin\t" RUN "\t0.1.0\tLinux/tgz/x.tgz\n"
#define SUM   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* Parse @text; returns the error (0) and fills @err. */
static int parse(const char *text, bool installed, struct gt_journal_log **log,
                 struct gt_journal_error *err)
{
	*log = NULL;
	return gt_journal_parse(text, strlen(text), installed, log, err);
}

static void test_journal_this_installer_writes(void **state)
{
	const char *text =
	        BEGIN "pkg\ttgz\ttest-agent\t-\t1.0\n"
	              "dir\t/usr/share/doc/test-agent\n"
	              "file\t/usr/bin/test-agent\t-\t-\t-\t-\t-\t-\n"
	              "file\t/etc/test-agent.conf\t/var/lib/guest-tools/backup/" RUN
	              "/etc/test-agent.conf\treg\t1000\t1000\t0600\t" SUM "\n"
	              "file\t/usr/sbin/x\t/var/lib/guest-tools/backup/" RUN
	              "/usr/sbin/x\tlnk\t0\t0\t0777\t/opt/x\n"
	              "service\ttest-agent\topenrc\tdisabled\n"
	              "undone\t6\n";
	struct gt_journal_log *log;
	struct gt_journal_error err;
	struct gt_file_state fs;

	(void)state;
	assert_int_equal(parse(text, false, &log, &err), 0);
	assert_int_equal(log->count, 8);
	assert_false(log->committed);
	assert_true(log->undone[6]);
	assert_false(log->undone[5]);
	assert_int_equal(log->records[4].line, 5);
	assert_int_equal(gt_journal_file_state(&log->records[4], &fs), 0);
	assert_int_equal(fs.type, 'r');
	assert_int_equal(fs.uid, 1000);
	assert_int_equal(fs.mode, 0600);
	assert_string_equal(fs.digest, SUM);
	gt_file_state_clear(&fs);
	gt_journal_log_free(log);
}

static void test_record_of_an_earlier_version(void **state)
{
	/* No file state, no service WAS: read, and what is missing not checked. */
	const char *text =
	        BEGIN "file\t/etc/x\t/var/lib/guest-tools/backup/" RUN "/etc/x\n"
	              "service\tagent\tsystemd\ncommit\t" RUN "\n";
	struct gt_journal_log *log;
	struct gt_journal_error err;
	struct gt_file_state fs;

	(void)state;
	assert_int_equal(parse(text, true, &log, &err), 0);
	assert_true(log->committed);
	assert_int_equal(gt_journal_file_state(&log->records[1], &fs), 0);
	assert_int_equal(fs.type, 0);
	gt_journal_log_free(log);
}

static void test_torn_last_record_is_ignored(void **state)
{
	/* A power cut in the middle of a record: it was never acted on. */
	const char *text = BEGIN "pkg\tdeb\ttest-agent\t-\t1.0-1\n"
	                         "file\t/etc/x\t/var/lib/guest-tools/ba";
	struct gt_journal_log *log;
	struct gt_journal_error err;

	(void)state;
	assert_int_equal(parse(text, false, &log, &err), 0);
	assert_int_equal(log->count, 2);
	gt_journal_log_free(log);
	/* Made but its begin record not yet written: an empty journal. */
	assert_int_equal(parse("", false, &log, &err), 0);
	assert_int_equal(log->count, 0);
	gt_journal_log_free(log);
	assert_int_equal(parse("", true, &log, &err), -GT_EPARSE);
}

/* Each of these must be refused, naming its line. */
static const struct {
	const char *text;
	bool installed;
	unsigned line;
} hostile[] = {
	{ BEGIN "pkg\tdeb\t--pre-invoke=touch /HOSTCANARY\t-\t1.0\n", false, 2 },
	{ BEGIN "pkg\trpm\t--pipe=touch /HOSTCANARY\t-\t1.0\n", false, 2 },
	{ BEGIN "pkg\tdeb\tTest-Agent\t-\t1.0\n", false,
	  2 },                                              /* deb names are lower case */
	{ BEGIN "pkg\tdeb\ta\t-\t1.0\n", false, 2 },        /* at least two characters */
	{ BEGIN "pkg\tdeb\tok-name\t-\t-1.0\n", false, 2 }, /* a version as an option */
	{ BEGIN "pkg\tapk\tagent\t-\t1.0\n", false, 2 },    /* no such family */
	{ BEGIN "service\t-f\tsystemd\tdisabled\n", false, 2 },
	{ BEGIN "service\tagent\tsystemd --root=/\tdisabled\n", false, 2 },
	{ BEGIN "service\tagent\tsystemd\tmaybe\n", false, 2 },
	{ BEGIN "file\t/etc/motd\t/etc/shadow\treg\t0\t0\t0644\t" SUM "\n", false, 2 },
	{ BEGIN "file\t/etc/motd\t/var/lib/guest-tools/backup/" RUN
	        "/etc/shadow\treg\t0\t0\t0644\t" SUM "\n",
	  false, 2 }, /* another file's backup */
	{ BEGIN "file\t/etc/motd\t/var/lib/guest-tools/backup/20261124T141501Z-1"
	        "/etc/motd\treg\t0\t0\t0644\t" SUM "\n",
	  false, 2 }, /* another run's backup */
	{ BEGIN "file\t/etc/../etc/shadow\t-\t-\t-\t-\t-\t-\n", false, 2 },
	{ BEGIN "file\tetc/motd\t-\t-\t-\t-\t-\t-\n", false, 2 },
	{ BEGIN "file\t/etc//motd\t-\t-\t-\t-\t-\t-\n", false, 2 },
	{ BEGIN "file\t/etc/motd\t/var/lib/guest-tools/backup/" RUN
	        "/etc/motd\treg\t0\t0\t99999\t" SUM "\n",
	  false, 2 }, /* a mode that is not one */
	{ BEGIN "file\t/etc/motd\t-\treg\t0\t0\t0644\t" SUM "\n", false, 2 },
	{ BEGIN "dir\t/usr/../..\n", false, 2 },
	{ BEGIN "undone\t5\n", false, 2 }, /* names no earlier record */
	{ BEGIN "undone\t0\n", false, 2 }, /* a begin record has no undo */
	{ BEGIN "commit\t20261124T141501Z-1\n", false, 2 },
	{ "pkg\ttgz\tagent\t-\t1.0\n", false, 1 }, /* no begin */
	{ BEGIN BEGIN, false, 2 },
	{ BEGIN "pkg\ttgz\tagent\t-\t1.0\n", true,
	  2 }, /* installed, but never committed */
	{ BEGIN "commit\t" RUN "\nuninstall\tnot-an-id\n", true, 3 },
	{ BEGIN "commit\t" RUN "\nundone\t0\n", true,
	  3 }, /* undone before an uninstall */
	{ BEGIN "rm\t-rf\t/\n", false, 2 },
	{ BEGIN "\t\n", false, 2 },
};

static void test_hostile_records_are_refused(void **state)
{
	struct gt_journal_log *log;
	struct gt_journal_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		int ret = parse(hostile[i].text, hostile[i].installed, &log, &err);

		if (ret != -GT_EPARSE || err.line != hostile[i].line)
			fail_msg("case %zu: got %d line %u (%s)", i, ret, err.line,
			         err.msg);
		assert_null(log);
		assert_true(err.msg[0] != '\0');
	}
}

static void test_nul_byte_refused(void **state)
{
	static const char text[] = BEGIN "pkg\ttgz\tag\0ent\t-\t1.0\n";
	struct gt_journal_log *log = NULL;
	struct gt_journal_error err;

	(void)state;
	assert_int_equal(gt_journal_parse(text, sizeof(text) - 1, false, &log, &err),
	                 -GT_EPARSE);
}

static void test_names(void **state)
{
	(void)state;
	/* Debian Policy 5.6.1 */
	assert_true(gt_name_package_valid("deb", "guest-agent"));
	assert_true(gt_name_package_valid("deb", "libc6"));
	assert_true(gt_name_package_valid("deb", "g++"));
	assert_true(gt_name_package_valid("deb", "0ad"));
	assert_false(gt_name_package_valid("deb", "-x"));
	assert_false(gt_name_package_valid("deb", "x"));
	assert_false(gt_name_package_valid("deb", "Guest"));
	assert_false(gt_name_package_valid("deb", "a_b"));
	assert_false(gt_name_package_valid("deb", "a b"));
	assert_false(gt_name_package_valid("deb", ""));
	/* rpm: build/parsePreamble.c, without the macro characters */
	assert_true(gt_name_package_valid("rpm", "guest-agent"));
	assert_true(gt_name_package_valid("rpm", "_underscore"));
	assert_true(gt_name_package_valid("rpm", "Perl-Foo_bar+1.2"));
	assert_false(gt_name_package_valid("rpm", "--pipe=x"));
	assert_false(gt_name_package_valid("rpm", "%{x}"));
	assert_false(gt_name_package_valid("rpm", ".hidden"));
	/* tgz and services */
	assert_true(gt_name_package_valid("tgz", "guest-agent"));
	assert_false(gt_name_package_valid("tgz", "-f"));
	assert_false(gt_name_package_valid("tgz", "a/b"));
	assert_false(gt_name_package_valid("msi", "guest-agent"));
	assert_true(gt_name_service_valid("guest-agent"));
	assert_false(gt_name_service_valid("--root=/"));
	assert_true(gt_name_version_valid("1:2.0~rc1-3+deb12u1"));
	assert_true(gt_name_version_valid("1.0-1.el9"));
	assert_false(gt_name_version_valid("-1"));
	assert_false(gt_name_version_valid("1.0 2"));
	assert_true(gt_name_init_known("sysvinit"));
	assert_false(gt_name_init_known("systemd --root=/"));
}

static void expect_path(const char *in, int want, const char *out)
{
	char *got = NULL;
	int ret = gt_tgz_entry_path(in, &got);

	if (ret != want)
		fail_msg("%s: got %d, want %d", in, ret, want);
	if (want == 0)
		assert_string_equal(got, out);
	free(got);
}

static void test_tgz_entry_paths(void **state)
{
	char long_path[PATH_MAX + 100], part[NAME_MAX + 2];
	size_t i;

	(void)state;
	expect_path("usr/bin/x", 0, "usr/bin/x");
	expect_path("./usr/bin/x", 0, "usr/bin/x");
	expect_path("usr//lnk//x", 0, "usr/lnk/x");
	expect_path("usr/lnk/./x", 0, "usr/lnk/x");
	expect_path("usr/lnk/", 0, "usr/lnk");
	expect_path("./", 0, "");
	expect_path(".", 0, "");
	expect_path("usr/..", -GT_EESCAPE, NULL);
	expect_path("usr/../../x", -GT_EESCAPE, NULL);
	expect_path("/etc/x", -GT_EESCAPE, NULL);
	expect_path("usr/..x/y", 0, "usr/..x/y");
	/* Too long: refused, never cut short. */
	memset(part, 'd', NAME_MAX + 1);
	part[NAME_MAX + 1] = '\0';
	expect_path(part, -ENAMETOOLONG, NULL);
	long_path[0] = '\0';
	for (i = 0; strlen(long_path) < PATH_MAX; i++)
		strcat(long_path, "dddddddddddddddddddddddddddddddddddddddd/");
	strcat(long_path, "f");
	expect_path(long_path, -ENAMETOOLONG, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_this_installer_writes),
		cmocka_unit_test(test_record_of_an_earlier_version),
		cmocka_unit_test(test_torn_last_record_is_ignored),
		cmocka_unit_test(test_hostile_records_are_refused),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tgz_entry_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
