/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/actions/hvm/edit: the kernel command line (its
 * consoles and root=), /etc/default/grub, GRUB legacy's menu.lst and
 * /etc/fstab, rewritten with everything else kept byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "actions/hvm/edit.h"
#include "error.h"

static char *cmdline(const char *in, const char *also, const char *uuid)
{
	char *out = (char *)1;

	assert_int_equal(gt_hvm_cmdline_fix(in, strlen(in), also, uuid, &out), 0);
	return out;
}

static void expect_cmdline(const char *in, const char *also, const char *uuid,
                           const char *want)
{
	char *out = cmdline(in, also, uuid);

	if (!want) {
		assert_null(out);
		return;
	}
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_names_that_change(void **state)
{
	(void)state;
	assert_true(gt_hvm_name_changes("/dev/xvda1"));
	assert_true(gt_hvm_name_changes("/dev/xvda"));
	assert_true(gt_hvm_name_changes("/dev/sdb2"));
	assert_true(gt_hvm_name_changes("/dev/hda1"));
	assert_true(gt_hvm_name_changes("/dev/vdaa10"));
	assert_false(gt_hvm_name_changes("/dev/mapper/vg-root"));
	assert_false(gt_hvm_name_changes("/dev/vg0/root"));
	assert_false(gt_hvm_name_changes("/dev/md0"));
	assert_false(gt_hvm_name_changes("UUID=0a1b"));
	assert_false(gt_hvm_name_changes("LABEL=root"));
	assert_false(gt_hvm_name_changes("/dev/sda1p")); /* not a partition name */
	assert_false(gt_hvm_name_changes("/dev/sd"));
}

static void test_cmdline_consoles(void **state)
{
	(void)state;
	/* hvc0 alone: tty0 goes before it, so that hvc0 stays /dev/console on PV. */
	expect_cmdline("root=/dev/xvda1 ro console=hvc0", NULL, NULL,
	               "root=/dev/xvda1 ro console=tty0 console=hvc0");
	/* No console at all: both, tty0 first. */
	expect_cmdline("ro quiet", NULL, NULL, "ro quiet console=tty0 console=hvc0");
	expect_cmdline("", NULL, NULL, "console=tty0 console=hvc0");
	/* Odd whitespace stays; trailing blanks stay after the added words. */
	expect_cmdline("  ro\tquiet  ", NULL, NULL,
	               "  ro\tquiet console=tty0 console=hvc0  ");
	/* A serial console covers HVM; hvc0 is added at the end. */
	expect_cmdline("console=ttyS0,115200n8 ro", NULL, NULL,
	               "console=ttyS0,115200n8 ro console=hvc0");
	/* Already both: nothing to do (a second run changes nothing). */
	expect_cmdline("ro console=tty0 console=hvc0", NULL, NULL, NULL);
	expect_cmdline("console=tty1 console=hvc0,115200", NULL, NULL, NULL);
	/* "console=ttyX" is not a virtual terminal; hvc01 is not hvc0. */
	expect_cmdline("console=ttyX console=hvc01", NULL, NULL,
	               "console=tty0 console=ttyX console=hvc01 console=hvc0");
	/* What GRUB_CMDLINE_LINUX_DEFAULT already says counts. */
	expect_cmdline("ro", "quiet console=hvc0", NULL, "ro console=tty0");
}

static void test_cmdline_root(void **state)
{
	(void)state;
	expect_cmdline("root=/dev/xvda1 ro console=tty0 console=hvc0", NULL, "1234-abcd",
	               "root=UUID=1234-abcd ro console=tty0 console=hvc0");
	/* Stable names are left as they are. */
	expect_cmdline("root=/dev/mapper/vg-root ro console=tty0 console=hvc0", NULL,
	               "1234", NULL);
	expect_cmdline("root=LABEL=root console=tty0 console=hvc0", NULL, "1234", NULL);
	expect_cmdline("root=UUID=9 console=tty0 console=hvc0", NULL, "1234", NULL);
}

static void test_default_grub(void **state)
{
	static const char in[] = "# If you change this file, run 'update-grub'\n"
	                         "GRUB_DEFAULT=0\n"
	                         "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	                         "GRUB_CMDLINE_LINUX=\"console=hvc0\"   # PV console\n"
	                         "#GRUB_TERMINAL=console\n";
	static const char want[] =
	        "# If you change this file, run 'update-grub'\n"
	        "GRUB_DEFAULT=0\n"
	        "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	        "GRUB_CMDLINE_LINUX=\"console=tty0 console=hvc0\"   # PV console\n"
	        "#GRUB_TERMINAL=console\n";
	char *out = NULL, *again = (char *)1;

	(void)state;
	assert_int_equal(gt_hvm_default_grub_fix(in, strlen(in), &out), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(gt_hvm_default_grub_fix(out, strlen(out), &again), 0);
	assert_null(again);
	free(out);
}

static void test_default_grub_forms(void **state)
{
	char *out = NULL;
	static const char *const bad[] = {
		"GRUB_CMDLINE_LINUX=\"$EXTRA console=hvc0\"\n",
		"GRUB_CMDLINE_LINUX=\"console=hvc0\n ro\"\n",
		"GRUB_CMDLINE_LINUX=`cat /x`\n",
	};
	size_t i;

	(void)state;
	/* The last assignment is the one the shell keeps. */
	assert_int_equal(gt_hvm_default_grub_fix("GRUB_CMDLINE_LINUX=\"a\"\n"
	                                         "GRUB_CMDLINE_LINUX='console=hvc0'\n",
	                                         57, &out),
	                 0);
	assert_string_equal(out, "GRUB_CMDLINE_LINUX=\"a\"\n"
	                         "GRUB_CMDLINE_LINUX='console=tty0 console=hvc0'\n");
	free(out);
	/* Unquoted: quoted now. */
	assert_int_equal(gt_hvm_default_grub_fix("GRUB_CMDLINE_LINUX=ro\n", 22, &out), 0);
	assert_string_equal(out, "GRUB_CMDLINE_LINUX=\"ro console=tty0 console=hvc0\"\n");
	free(out);
	/* None: one is added (and a missing last newline). */
	assert_int_equal(gt_hvm_default_grub_fix("GRUB_TIMEOUT=5", 14, &out), 0);
	assert_string_equal(out, "GRUB_TIMEOUT=5\n"
	                         "GRUB_CMDLINE_LINUX=\"console=tty0 console=hvc0\"\n");
	free(out);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = NULL;
		assert_int_equal(gt_hvm_default_grub_fix(bad[i], strlen(bad[i]), &out),
		                 -GT_EPARSE);
		assert_null(out);
	}
}

static void test_grub_cfg_by_hand(void **state)
{
	/* A grub.cfg written for pygrub, no generator behind it. */
	static const char in[] =
	        "set default=0\n"
	        "menuentry 'Debian' {\n"
	        "\tlinux\t/boot/vmlinuz-6.1 root=/dev/xvda1 ro console=hvc0\n"
	        "\tinitrd /boot/initrd.img-6.1\n"
	        "}\n"
	        "menuentry 'old' {\n"
	        "  linux16 /boot/vmlinuz-5.10 root=LABEL=root\n"
	        "}\n";
	static const char want[] =
	        "set default=0\n"
	        "menuentry 'Debian' {\n"
	        "\tlinux\t/boot/vmlinuz-6.1 root=UUID=u-2 ro console=tty0 console=hvc0\n"
	        "\tinitrd /boot/initrd.img-6.1\n"
	        "}\n"
	        "menuentry 'old' {\n"
	        "  linux16 /boot/vmlinuz-5.10 root=LABEL=root console=tty0 console=hvc0\n"
	        "}\n";
	char *out = NULL;

	(void)state;
	assert_int_equal(gt_hvm_bootcfg_fix(in, strlen(in), "u-2", &out), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_menu_lst(void **state)
{
	static const char in[] =
	        "default 0\n"
	        "title Debian (PV)\n"
	        "\troot (hd0,0)\n"
	        "\tkernel /boot/vmlinuz-6.1 root=/dev/xvda1 ro console=hvc0\n"
	        "\tinitrd /boot/initrd.img-6.1\n"
	        "title bare\n"
	        "  kernel   --type=linux /vmlinuz\n"
	        "# kernel /commented root=/dev/xvda1\n";
	static const char want[] =
	        "default 0\n"
	        "title Debian (PV)\n"
	        "\troot (hd0,0)\n"
	        "\tkernel /boot/vmlinuz-6.1 root=UUID=u-1 ro console=tty0 console=hvc0\n"
	        "\tinitrd /boot/initrd.img-6.1\n"
	        "title bare\n"
	        "  kernel   --type=linux /vmlinuz console=tty0 console=hvc0\n"
	        "# kernel /commented root=/dev/xvda1\n";
	char *out = NULL, *again = (char *)1;

	(void)state;
	assert_int_equal(gt_hvm_bootcfg_fix(in, strlen(in), "u-1", &out), 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(gt_hvm_bootcfg_fix(out, strlen(out), "u-1", &again), 0);
	assert_null(again);
	free(out);
}

/* The UUIDs of a made-up guest: xvda1 and xvda2 have one, xvdb1 none. */
static int lookup(const char *spec, char *uuid, size_t size, void *ctx)
{
	(*(int *)ctx)++;
	if (strcmp(spec, "/dev/xvda1") == 0)
		snprintf(uuid, size, "0f3e-root");
	else if (strcmp(spec, "/dev/xvda2") == 0)
		snprintf(uuid, size, "77aa-swap");
	else
		return -GT_ENOTFOUND;
	return 0;
}

static void test_fstab(void **state)
{
	static const char in[] =
	        "# /etc/fstab: static file system information.\n"
	        "#\n"
	        "# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
	        "/dev/xvda1\t/  ext4   errors=remount-ro,noatime 0 1\n"
	        "   /dev/xvda2   none swap sw 0 0   \n"
	        "UUID=abcd /boot ext4 defaults 0 2\n"
	        "/dev/mapper/vg-home /home ext4 defaults 0 2\n"
	        "/dev/vg0/data /data xfs defaults 0 2\n"
	        "/dev/xvdb1 /srv ext4 nofail 0 2\n"
	        "proc /proc proc defaults 0 0\n"
	        "\n"
	        "#/dev/xvda3 /old ext4 defaults 0 0\n"
	        "/dev/xvda1 /again ext4 bind";
	static const char want[] =
	        "# /etc/fstab: static file system information.\n"
	        "#\n"
	        "# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
	        "UUID=0f3e-root\t/  ext4   errors=remount-ro,noatime 0 1\n"
	        "   UUID=77aa-swap   none swap sw 0 0   \n"
	        "UUID=abcd /boot ext4 defaults 0 2\n"
	        "/dev/mapper/vg-home /home ext4 defaults 0 2\n"
	        "/dev/vg0/data /data xfs defaults 0 2\n"
	        "/dev/xvdb1 /srv ext4 nofail 0 2\n"
	        "proc /proc proc defaults 0 0\n"
	        "\n"
	        "#/dev/xvda3 /old ext4 defaults 0 0\n"
	        "UUID=0f3e-root /again ext4 bind";
	char *out = NULL, *again = (char *)1;
	size_t missed = 9;
	int calls = 0;

	(void)state;
	assert_int_equal(gt_hvm_fstab_fix(in, strlen(in), lookup, &calls, &out, &missed),
	                 0);
	assert_non_null(out);
	assert_string_equal(out, want);
	assert_int_equal(missed, 1); /* /dev/xvdb1: no UUID, left as it is */
	assert_int_equal(calls, 4);  /* comments and stable names are never looked up */
	assert_int_equal(gt_hvm_fstab_fix(out, strlen(out), lookup, &calls, &again, NULL),
	                 0);
	assert_null(again);
	free(out);
}

static void test_fstab_by_uuid_untouched(void **state)
{
	static const char in[] = "UUID=1 / ext4 defaults 0 1\nLABEL=x /a ext4 ro 0 2\n";
	char *out = (char *)1;
	size_t missed = 9;
	int calls = 0;

	(void)state;
	assert_int_equal(gt_hvm_fstab_fix(in, strlen(in), lookup, &calls, &out, &missed),
	                 0);
	assert_null(out);
	assert_int_equal(missed, 0);
	assert_int_equal(calls, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_that_change),
		cmocka_unit_test(test_cmdline_consoles),
		cmocka_unit_test(test_cmdline_root),
		cmocka_unit_test(test_default_grub),
		cmocka_unit_test(test_default_grub_forms),
		cmocka_unit_test(test_menu_lst),
		cmocka_unit_test(test_grub_cfg_by_hand),
		cmocka_unit_test(test_fstab),
		cmocka_unit_test(test_fstab_by_uuid_untouched),
	};

	return cmocka_run_group_tests_name("hvm_edit", tests, NULL, NULL);
}
