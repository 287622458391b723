/* SPDX-License-Identifier: MIT */
/*
 * The agent's data/os_* and data/host_name_dns, data/domain
 * (payload/agent/osinfo.c, collect.c) on release files as the
 * distributions ship them. The names and version parts must be those of
 * xe-guest-utilities' mk/xe-linux-distribution (identify_redhat,
 * identify_sles, identify_lsb, identify_debian, identify_os_release): xapi
 * shows them and Xen Orchestra picks its icons from os_distro. The units
 * are included here, and netlink (unused by these tests) is stubbed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#define GT_PVADDONS_MAJOR 1
#define GT_PVADDONS_MINOR 2
#define GT_PVADDONS_MICRO 3
#define GT_PVADDONS_BUILD 4
#include "../../payload/agent/collect.c"
#include "../../payload/agent/osinfo.c"

int net_dump_addrs(struct net_addr **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return 0;
}

int net_dump_links(struct net_link **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return 0;
}

/* Write @text to @dir/@rel, making the directories. */
static void put(const char *dir, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + strlen(dir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void rm_rf(const char *dir)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

struct expect {
	const char *distro, *major, *minor; /* NULL: the key must be absent */
};

/* A root holding @files (pairs of path and content, NULL-terminated); osinfo_collect's
 * keys. */
static void expect_os(const char *const *files, struct expect e)
{
	char dir[] = "/tmp/gt-osinfo-XXXXXX";
	struct gt_root *root = NULL;
	struct kvlist l = { 0 };
	const char *v;

	assert_non_null(mkdtemp(dir));
	for (size_t i = 0; files[i]; i += 2)
		put(dir, files[i], files[i + 1]);
	put(dir, "proc/sys/kernel/osrelease", "6.1.0-test\n");
	assert_int_equal(gt_root_open(dir, &root), 0);
	assert_int_equal(osinfo_collect(root, &l), 0);
	v = kv_get(&l, "data/os_distro");
	assert_non_null(v);
	assert_string_equal(v, e.distro);
	v = kv_get(&l, "data/os_majorver");
	if (e.major)
		assert_string_equal(v ? v : "(absent)", e.major);
	else
		assert_null(v);
	v = kv_get(&l, "data/os_minorver");
	if (e.minor)
		assert_string_equal(v ? v : "(absent)", e.minor);
	else
		assert_null(v);
	assert_string_equal(kv_get(&l, "data/os_uname"), "6.1.0-test");
	kv_clear(&l);
	gt_root_close(root);
	rm_rf(dir);
}

static void test_ubuntu_minor_as_written(void **state)
{
	/* Ubuntu 24.04: xe-linux-distribution's identify_lsb splits "24.04" at
	 * the dot and keeps "04" (xapi shows minor: 04, xe-guest-utilities #164). */
	static const char *const files[] = {
		"etc/os-release",
		"PRETTY_NAME=\"Ubuntu 24.04.1 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\n"
		"VERSION=\"24.04.1 LTS (Noble Numbat)\"\nID=ubuntu\nID_LIKE=debian\n",
		"etc/lsb-release",
		"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=24.04\nDISTRIB_CODENAME=noble\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "ubuntu", "24", "04" });
}

static void test_debian_point_release(void **state)
{
	/* identify_debian reads debian_version ("12.5"), where os-release says "12". */
	static const char *const files[] = {
		"etc/os-release",
		"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
		"VERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nID=debian\n",
		"etc/debian_version",
		"12.5\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "debian", "12", "5" });
}

static void test_debian_testing(void **state)
{
	/* trixie/sid: no number anywhere, no version keys (identify_debian too). */
	static const char *const files[] = {
		"etc/os-release",
		"PRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\nNAME=\"Debian GNU/Linux\"\nID=debian\n",
		"etc/debian_version",
		"trixie/sid\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "debian", NULL, NULL });
}

static void test_oracle_not_ol(void **state)
{
	/* os-release says "ol"; xe-linux-distribution reads oracle-release and
	 * says "oracle", the name Xen Orchestra's icons know (xo-web utils.js osFamily).
	 */
	static const char *const files[] = {
		"etc/os-release",
		"NAME=\"Oracle Linux Server\"\nVERSION=\"8.7\"\nID=\"ol\"\nID_LIKE=\"fedora\"\n"
		"VERSION_ID=\"8.7\"\nPRETTY_NAME=\"Oracle Linux Server 8.7\"\n",
		"etc/oracle-release",
		"Oracle Linux Server release 8.7\n",
		"etc/redhat-release",
		"Red Hat Enterprise Linux release 8.7 (Ootpa)\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "oracle", "8", "7" });
}

static void test_centos7_minor_from_release_file(void **state)
{
	/* CentOS 7's os-release has VERSION_ID="7"; centos-release has the minor. */
	static const char *const files[] = {
		"etc/os-release",
		"NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\n"
		"VERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\n",
		"etc/centos-release",
		"CentOS Linux release 7.9.2009 (Core)\n",
		"etc/redhat-release",
		"CentOS Linux release 7.9.2009 (Core)\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "centos", "7", "9" });
}

static void test_centos_stream_has_no_minor(void **state)
{
	/* "CentOS Stream release 9": no minor is written, none is published
	 * (xe-linux-distribution would write 0: an invented value). */
	static const char *const files[] = {
		"etc/os-release",
		"NAME=\"CentOS Stream\"\nVERSION=\"9\"\nID=\"centos\"\nVERSION_ID=\"9\"\n"
		"PRETTY_NAME=\"CentOS Stream 9\"\n",
		"etc/centos-release",
		"CentOS Stream release 9\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "centos", "9", NULL });
}

static void test_rhel4_update_in_words(void **state)
{
	/* No os-release: "release 4 (Nahant Update 4)" (identify_redhat: minor 4). */
	static const char *const files[] = {
		"etc/redhat-release",
		"Red Hat Enterprise Linux AS release 4 (Nahant Update 4)\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "rhel", "4", "4" });
}

static void test_scientific_legacy(void **state)
{
	static const char *const files[] = {
		"etc/redhat-release",
		"Scientific Linux release 6.5 (Carbon)\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "scientific", "6", "5" });
}

static void test_sles_and_sled(void **state)
{
	static const char *const sles[] = {
		"etc/os-release",
		"NAME=\"SLES\"\nVERSION=\"15-SP5\"\nVERSION_ID=\"15.5\"\n"
		"PRETTY_NAME=\"SUSE Linux Enterprise Server 15 SP5\"\nID=\"sles\"\nID_LIKE=\"suse\"\n",
		NULL,
	};
	/* identify_sles calls SUSE Linux Enterprise Desktop "sles" too. */
	static const char *const sled[] = {
		"etc/os-release",
		"NAME=\"SLED\"\nVERSION=\"15-SP4\"\nVERSION_ID=\"15.4\"\n"
		"PRETTY_NAME=\"SUSE Linux Enterprise Desktop 15 SP4\"\nID=\"sled\"\nID_LIKE=\"suse\"\n",
		NULL,
	};
	(void)state;
	expect_os(sles, (struct expect){ "sles", "15", "5" });
	expect_os(sled, (struct expect){ "sles", "15", "4" });
}

static void test_sles11_patchlevel_zero(void **state)
{
	/* SuSE-release: PATCHLEVEL = 0 is a minor of 0, as written. */
	static const char *const files[] = {
		"etc/SuSE-release",
		"SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 0\n",
		NULL,
	};
	(void)state;
	expect_os(files, (struct expect){ "sles", "11", "0" });
}

static void test_os_release_id_otherwise(void **state)
{
	/* identify_os_release: the ID, VERSION_ID split at its first dot. */
	static const char *const alpine[] = {
		"etc/os-release",
		"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.1\n"
		"PRETTY_NAME=\"Alpine Linux v3.19\"\n",
		NULL,
	};
	static const char *const arch[] = {
		"etc/os-release",
		"NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\n",
		NULL,
	};
	(void)state;
	expect_os(alpine, (struct expect){ "alpine", "3", "19" });
	expect_os(arch, (struct expect){ "arch", NULL, NULL });
}

static void test_split_version(void **state)
{
	char ma[OSINFO_PART_MAX], mi[OSINFO_PART_MAX];

	(void)state;
	osinfo_split_version("24.04", ma, mi);
	assert_string_equal(ma, "24");
	assert_string_equal(mi, "04");
	osinfo_split_version("7.9.2009", ma, mi);
	assert_string_equal(ma, "7");
	assert_string_equal(mi, "9");
	osinfo_split_version("11-SP4", ma, mi);
	assert_string_equal(ma, "11");
	assert_string_equal(mi, "4");
	osinfo_split_version("9", ma, mi);
	assert_string_equal(ma, "9");
	assert_string_equal(mi, "");
	osinfo_split_version("bookworm/sid", ma, mi);
	assert_string_equal(ma, "");
	osinfo_split_version(NULL, ma, mi);
	assert_string_equal(ma, "");
	/* A longer run of digits than a part holds is cut, never overflowed. */
	osinfo_split_version("123456789012345678901234.5", ma, mi);
	assert_int_equal(strlen(ma), OSINFO_PART_MAX - 1);
}

static void test_pvaddons_are_integers(void **state)
{
	struct kvlist l = { 0 };

	(void)state;
	assert_int_equal(osinfo_pvaddons(&l), 0);
	assert_string_equal(kv_get(&l, "attr/PVAddons/Installed"), "1");
	assert_string_equal(kv_get(&l, "attr/PVAddons/MajorVersion"), "1");
	assert_string_equal(kv_get(&l, "attr/PVAddons/MinorVersion"), "2");
	assert_string_equal(kv_get(&l, "attr/PVAddons/MicroVersion"), "3");
	assert_string_equal(kv_get(&l, "attr/PVAddons/BuildVersion"), "4");
	kv_clear(&l);
}

/* data/host_name_dns and data/domain for a host name and a hosts file. */
static void expect_host(const char *hostname, const char *hosts, const char *host,
                        const char *domain)
{
	char dir[] = "/tmp/gt-host-XXXXXX";
	struct gt_root *root = NULL;
	struct kvlist l = { 0 };
	const char *v;

	assert_non_null(mkdtemp(dir));
	if (hostname)
		put(dir, "proc/sys/kernel/hostname", hostname);
	if (hosts)
		put(dir, "etc/hosts", hosts);
	assert_int_equal(gt_root_open(dir, &root), 0);
	assert_int_equal(collect_host(root, &l), 0);
	v = kv_get(&l, "data/host_name_dns");
	if (host)
		assert_string_equal(v ? v : "(absent)", host);
	else
		assert_null(v);
	v = kv_get(&l, "data/domain");
	if (domain)
		assert_string_equal(v ? v : "(absent)", domain);
	else
		assert_null(v);
	kv_clear(&l);
	gt_root_close(root);
	rm_rf(dir);
}

static void test_host_and_domain(void **state)
{
	(void)state;
	/* A fully qualified kernel host name: split at the first dot. */
	expect_host("db1.corp.example.org\n", NULL, "db1", "corp.example.org");
	/* Debian's installer: the FQDN is the first name on the 127.0.1.1 line. */
	expect_host(
	        "web1\n",
	        "127.0.0.1\tlocalhost\n127.0.1.1\tweb1.example.com\tweb1 # installer\n"
	        "::1 localhost ip6-localhost\n",
	        "web1", "example.com");
	/* Listed, but its first name has no dot: no domain. */
	expect_host("web1\n", "127.0.1.1 web1 web1-alias\n", "web1", NULL);
	/* Only a commented-out line names it. */
	expect_host("web1\n", "# 10.0.0.1 web1.example.com web1\n", "web1", NULL);
	/* No host name set yet. */
	expect_host("(none)\n", NULL, NULL, NULL);
	expect_host(NULL, NULL, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ubuntu_minor_as_written),
		cmocka_unit_test(test_debian_point_release),
		cmocka_unit_test(test_debian_testing),
		cmocka_unit_test(test_oracle_not_ol),
		cmocka_unit_test(test_centos7_minor_from_release_file),
		cmocka_unit_test(test_centos_stream_has_no_minor),
		cmocka_unit_test(test_rhel4_update_in_words),
		cmocka_unit_test(test_scientific_legacy),
		cmocka_unit_test(test_sles_and_sled),
		cmocka_unit_test(test_sles11_patchlevel_zero),
		cmocka_unit_test(test_os_release_id_otherwise),
		cmocka_unit_test(test_split_version),
		cmocka_unit_test(test_pvaddons_are_integers),
		cmocka_unit_test(test_host_and_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
