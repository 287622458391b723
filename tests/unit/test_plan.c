/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/actions/plan: which package of an on-ISO manifest
 * serves a guest (distribution, ID_LIKE, version range, init system, arch).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actions/plan.h"
#include "error.h"
#include "manifest.h"
#include "manifest_helpers.h"

#define HDR "guest-tools-manifest 1\nversion 1\n"
#define SHA "sha256=0000000000000000000000000000000000000000000000000000000000000000"

/* The packages of a real ISO's manifest: el7, el9, deb (x86_64 and i686), tgz. */
static const char packages[] = HDR
        "package Linux/el7/agent.rpm size=20 mode=0644 " SHA
        " family=rpm arch=x86_64 distro=rhel,centos,rocky like=rhel,fedora min=7 max=7 init=systemd,sysv\n"
        "package Linux/el9/agent.rpm size=20 mode=0644 " SHA
        " family=rpm arch=x86_64 distro=rhel,centos,rocky,almalinux like=rhel,fedora min=8 max=9 init=systemd\n"
        "package Linux/deb/agent.deb size=30 mode=0644 " SHA
        " family=deb arch=x86_64 distro=debian,ubuntu like=debian init=systemd,sysv\n"
        "package Linux/deb/agent-i386.deb size=30 mode=0644 " SHA
        " family=deb arch=i686 distro=debian,ubuntu like=debian\n"
        "package Linux/generic/agent.tgz size=40 mode=0644 " SHA
        " family=tgz arch=x86_64\n";

static const char *find(const struct gt_manifest *m, struct gt_plan_query *q)
{
	const struct gt_manifest_entry *e = NULL;
	int ret = gt_plan_find_payload(m, q, &e);

	if (ret == -GT_ENOTFOUND)
		return "none";
	assert_int_equal(ret, 0);
	return e->dest;
}

static void test_find_payload(void **state)
{
	struct gt_manifest *m = parse_ok(packages, GT_MANIFEST_ISO);
	char *rhel_like[] = { "rhel", "centos", "fedora", NULL };
	char *fedora_like[] = { "fedora", NULL };
	char *ubuntu_like[] = { "debian", NULL };
	struct gt_plan_query q = { GT_FAMILY_NONE,  GT_ARCH_X86_64, "rocky", rhel_like, 9,
		                   GT_INIT_SYSTEMD, false };

	/* By ID, version range selects el9. */
	assert_string_equal(find(m, &q), "Linux/el9/agent.rpm");
	q.major = 7;
	assert_string_equal(find(m, &q), "Linux/el7/agent.rpm");
	/* CentOS 7 with SysV: only el7 serves sysv. */
	q.id = "centos";
	q.init = GT_INIT_SYSV;
	assert_string_equal(find(m, &q), "Linux/el7/agent.rpm");
	/* el9 does not serve sysv: the generic tgz does. */
	q.major = 9;
	assert_string_equal(find(m, &q), "Linux/generic/agent.tgz");
	/* A derivative known only by ID_LIKE. */
	q.id = "eurolinux";
	q.init = GT_INIT_SYSTEMD;
	assert_string_equal(find(m, &q), "Linux/el9/agent.rpm");
	/* Version 6 is below every range: the generic package. */
	q.major = 6;
	assert_string_equal(find(m, &q), "Linux/generic/agent.tgz");
	/* Unknown version: only unbounded packages. */
	q.major = -1;
	assert_string_equal(find(m, &q), "Linux/generic/agent.tgz");
	/* Family filter: rpm only, and nothing fits. */
	q.family = GT_FAMILY_RPM;
	assert_string_equal(find(m, &q), "none");
	/* Ubuntu via ID, any version (the deb has no range). */
	q.family = GT_FAMILY_NONE;
	q.id = "ubuntu";
	q.like = ubuntu_like;
	q.major = 22;
	assert_string_equal(find(m, &q), "Linux/deb/agent.deb");
	/* Linux Mint: ID_LIKE "ubuntu debian"; only "debian" is listed in like=. */
	q.id = "linuxmint";
	assert_string_equal(find(m, &q), "Linux/deb/agent.deb");
	/* i686 Debian. */
	q.arch = GT_ARCH_I686;
	q.init = 0;
	assert_string_equal(find(m, &q), "Linux/deb/agent-i386.deb");
	/* aarch64: nothing at all. */
	q.arch = GT_ARCH_AARCH64;
	assert_string_equal(find(m, &q), "none");
	/* Unknown init: only packages without init=, here the generic one. */
	q.arch = GT_ARCH_X86_64;
	q.id = "fedora";
	q.like = fedora_like;
	q.major = 39;
	q.init = 0;
	assert_string_equal(find(m, &q), "Linux/generic/agent.tgz");
	/* No arch: a caller error. */
	{
		const struct gt_manifest_entry *e;

		q.arch = GT_ARCH_NONE;
		assert_int_equal(gt_plan_find_payload(m, &q, &e), -EINVAL);
	}
	gt_manifest_free(m);
}

static void test_find_payload_ranking(void **state)
{
	static const char text[] = HDR
	        "package a size=1 mode=0644 " SHA " family=rpm arch=x86_64 like=fedora\n"
	        "package b size=1 mode=0644 " SHA " family=rpm arch=x86_64 like=rhel\n"
	        "package c size=1 mode=0644 " SHA
	        " family=rpm arch=x86_64 like=rhel min=8\n"
	        "package d size=1 mode=0644 " SHA " family=rpm arch=x86_64 like=ol\n"
	        "package e size=1 mode=0644 " SHA " family=rpm arch=x86_64 distro=xx\n";
	struct gt_manifest *m = parse_ok(text, GT_MANIFEST_ISO);
	char *like[] = { "rhel", "fedora", NULL };
	struct gt_plan_query q = {
		GT_FAMILY_NONE, GT_ARCH_X86_64, "ol", like, 9, 0, false
	};

	/* The ID itself in like= beats ID_LIKE words. */
	assert_string_equal(find(m, &q), "d");
	/* The earliest ID_LIKE word wins, and a bounded package beats an open one. */
	q.id = "other";
	assert_string_equal(find(m, &q), "c");
	q.major = 7;
	assert_string_equal(find(m, &q), "b");
	/* ID in distro= beats everything. */
	q.id = "xx";
	assert_string_equal(find(m, &q), "e");
	gt_manifest_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_payload),
		cmocka_unit_test(test_find_payload_ranking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
