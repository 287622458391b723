/* SPDX-License-Identifier: MIT */
/*
 * detect/devnames.c: which device names change with the disk driver, and
 * the root=/resume= values of a kernel command line (as grub.cfg, menu.lst
 * and /etc/default/grub write them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "detect/devnames.h"

static void test_kernel_names(void **state)
{
	static const struct {
		const char *name;
		bool kernel;
	} cases[] = {
		{ "/dev/xvda1", true },
		{ "/dev/xvda", true },
		{ "/dev/sda2", true },
		{ "/dev/hda", true },
		{ "/dev/vdb10", true },
		{ "/dev/xvdaa3", true },
		{ "/dev/xvd", false },
		{ "/dev/sda1x", false },
		{ "/dev/mapper/vg-root", false },
		{ "/dev/VolGroup00/LogVol00", false },
		{ "/dev/md0", false },
		{ "UUID=3b9e7c4e", false },
		{ "LABEL=/boot", false },
		{ "/dev/disk/by-uuid/x", false },
		{ "/dev/sr0", false },
		{ "", false },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (gt_devname_kernel(cases[i].name, strlen(cases[i].name)) !=
		    cases[i].kernel)
			fail_msg("%s: want %s", cases[i].name,
			         cases[i].kernel ? "kernel" : "stable");
}

static void test_emulated(void **state)
{
	char xvd[64];

	(void)state;
	assert_true(gt_devname_emulated("/dev/sda1", 9, xvd, sizeof(xvd)));
	assert_string_equal(xvd, "/dev/xvda1");
	assert_true(gt_devname_emulated("/dev/hdb", 8, xvd, sizeof(xvd)));
	assert_string_equal(xvd, "/dev/xvdb");
	assert_false(gt_devname_emulated("/dev/xvda1", 10, xvd, sizeof(xvd)));
	assert_false(gt_devname_emulated("/dev/sda1x", 10, xvd, sizeof(xvd)));
}

static void test_cmdline(void **state)
{
	static const char line[] =
	        "\tlinux /vmlinuz-6.1 root=/dev/xvda1 ro noresume=1 console=hvc0 resume=UUID=ab "
	        "GRUB_CMDLINE_LINUX=\"root=LABEL=r\" xroot=/dev/sdz";
	static const char *const want[][2] = { { "root", "/dev/xvda1" },
		                               { "resume", "UUID=ab" },
		                               { "root", "LABEL=r" } };
	const char *key, *val;
	size_t pos = 0, vlen, n = 0;

	(void)state;
	while (gt_cmdline_next_device(line, strlen(line), &pos, &key, &val, &vlen)) {
		assert_true(n < 3);
		assert_string_equal(key, want[n][0]);
		assert_int_equal(vlen, strlen(want[n][1]));
		assert_memory_equal(val, want[n][1], vlen);
		n++;
	}
	assert_int_equal(n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_names),
		cmocka_unit_test(test_emulated),
		cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests_name("devnames", tests, NULL, NULL);
}
