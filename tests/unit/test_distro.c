/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/distro and lib/kvfile: version and release-line parsing,
 * and the family from evidence (ID_LIKE, then the package database in the
 * root, then the ID table) on small roots made in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "sh_helpers.h"

#include "distro.h"
#include "kvfile.h"
#include "root.h"

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
	char *arch_like[] = { "arch", NULL };
	char *manjaro_arch[] = { "manjaro", "arch", NULL };

	assert_string_equal(gt_distro_family("rocky", NULL), "rpm");
	assert_string_equal(gt_distro_family("ubuntu", NULL), "deb");
	assert_string_equal(gt_distro_family("alpine", NULL), "tgz");
	assert_string_equal(gt_distro_family("newdistro", rhel_like), "rpm");
	assert_string_equal(gt_distro_family("newdistro", debian_like), "deb");
	assert_string_equal(gt_distro_family("newdistro", NULL), "unknown");
	assert_string_equal(gt_distro_family("", NULL), "unknown");
	/* ID_LIKE before the table: SteamOS 3 is Arch, whatever SteamOS 2 was. */
	assert_string_equal(gt_distro_family("steamos", arch_like), "tgz");
	assert_string_equal(gt_distro_family("ubuntu", arch_like), "tgz");
	/* The chain walks past a word that names no family. */
	assert_string_equal(gt_distro_family("manjaro-arm", manjaro_arch), "tgz");
	assert_string_equal(gt_distro_family("steamos", NULL), "unknown");
}

/* ---- the family from evidence, on small roots ---- */

static char tmp[] = "/tmp/gt-distro-XXXXXX";

/* A fresh root with @os_release and each of @paths ("d:" makes a directory,
 * "l:PATH=TARGET" a link), then what gt_distro_detect() says of it. */
static struct gt_distro *root_with(const char *os_release, const char *const *paths)
{
	struct gt_root *root = NULL;
	struct gt_distro *d = NULL;
	char path[600];
	FILE *fp;

	sh("rm -rf '%s' && mkdir -p '%s/etc'", tmp, tmp);
	snprintf(path, sizeof(path), "%s/etc/os-release", tmp);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(os_release, fp);
	assert_int_equal(fclose(fp), 0);
	for (; paths && *paths; paths++) {
		const char *p = *paths;

		if (strncmp(p, "d:", 2) == 0) {
			sh("mkdir -p '%s/%s'", tmp, p + 2);
		} else if (strncmp(p, "l:", 2) == 0) {
			const char *eq = strchr(p, '=');

			sh("mkdir -p \"$(dirname '%s/%.*s')\" && ln -s '%s' '%s/%.*s'",
			   tmp, (int)(eq - p - 2), p + 2, eq + 1, tmp, (int)(eq - p - 2),
			   p + 2);
		} else {
			sh("mkdir -p \"$(dirname '%s/%s')\" && echo x > '%s/%s'", tmp, p,
			   tmp, p);
		}
	}
	assert_int_equal(gt_root_open(tmp, &root), 0);
	assert_int_equal(gt_distro_detect(root, &d), 0);
	gt_root_close(root);
	return d;
}

static void expect_family(struct gt_distro *d, const char *family, const char *source,
                          const char *tool)
{
	if (strcmp(d->family, family) != 0 || strcmp(d->family_source, source) != 0 ||
	    (tool ? !d->package_tool || strcmp(d->package_tool, tool) != 0
	          : d->package_tool != NULL))
		fail_msg("%s: family %s from %s (%s), tool %s; want %s from %s, tool %s",
		         d->id, d->family, d->family_source,
		         d->family_evidence ? d->family_evidence : "-",
		         d->package_tool ? d->package_tool : "-", family, source,
		         tool ? tool : "-");
	gt_distro_free(d);
}

#define P(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_family_from_evidence(void **state)
{
	/* The table never overrides a database: an ID it calls deb, an rpm root. */
	expect_family(root_with("ID=ubuntu\n", P("var/lib/rpm/Packages")), "rpm",
	              "package_db", "rpm");
	/* Debian's rpm package leaves an empty /var/lib/rpm: no rpm database. */
	expect_family(root_with("ID=newdeb\n", P("var/lib/dpkg/status", "d:var/lib/rpm")),
	              "deb", "package_db", "dpkg");
	/* Several databases: the table picks among them, never outside them. */
	expect_family(root_with("ID=rocky\n",
	                        P("var/lib/dpkg/status", "var/lib/rpm/rpmdb.sqlite")),
	              "rpm", "package_db", "rpm");
	expect_family(root_with("ID=kali\n",
	                        P("var/lib/dpkg/status", "var/lib/rpm/rpmdb.sqlite")),
	              "deb", "package_db", "dpkg");
	expect_family(root_with("ID=alpine\n",
	                        P("var/lib/dpkg/status", "var/lib/rpm/rpmdb.sqlite")),
	              "deb", "package_db", "dpkg");
	/* ID_LIKE first, even against a database (the tool of that family then
	 * is not there: the tgz, said so by the installer). */
	expect_family(
	        root_with("ID=x\nID_LIKE=\"rhel fedora\"\n", P("var/lib/dpkg/status")),
	        "rpm", "id_like", NULL);
	/* A directory database that is a file, a file one that is a directory: absent. */
	expect_family(
	        root_with("ID=x\n", P("var/lib/pacman/local", "d:lib/apk/db/installed")),
	        "unknown", "none", NULL);
	/* A link is followed inside the root, never out of it. */
	expect_family(root_with("ID=x\n", P("usr/lib/sysimage/rpm/rpmdb.sqlite",
	                                    "l:var/lib/rpm=../../usr/lib/sysimage/rpm")),
	              "rpm", "package_db", "rpm");
	expect_family(
	        root_with("ID=x\n", P("l:var/lib/dpkg/status=/../../../../etc/passwd")),
	        "unknown", "none", NULL);
	/* Each tool the table does not cover. */
	expect_family(root_with("ID=void\n", P("d:var/db/xbps")), "tgz", "package_db",
	              "xbps");
	expect_family(root_with("ID=x\n", P("d:nix/store")), "tgz", "package_db", "nix");
	expect_family(root_with("ID=x\n", P("d:var/db/pkg/sys-apps")), "tgz",
	              "package_db", "portage");
	/* Nothing but the table: a hint, said to be one. */
	expect_family(root_with("ID=alpine\n", NULL), "tgz", "id", NULL);
	expect_family(root_with("ID=rocky\n", NULL), "rpm", "id", NULL);
	expect_family(root_with("ID=newdistro\n", NULL), "unknown", "none", NULL);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[100];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd);
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
		cmocka_unit_test(test_family_from_evidence),
		cmocka_unit_test(test_kvfile),
		cmocka_unit_test(test_kvfile_malformed),
	};

	return cmocka_run_group_tests_name("distro", tests, setup, teardown);
}
