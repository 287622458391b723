/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/drivers: the exact PV-driver plan of each fixture
 * guest (tests/fixtures/xen-hvm-*, made by make-fixtures.py), idempotence
 * (a plan on a tree the steps were applied to has no steps), and the
 * initramfs configuration edits on small trees made here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

/* tests/build.mk gives -Ilib only: reach the installer units by path. */
#include "detect/detect.h"
#include "actions/drivers.h"
#include "error.h"
#include "strv.h"

static const char *fixtures(void)
{
	const char *f = getenv("GT_FIXTURES");

	return f && *f ? f : "tests/fixtures";
}

/* The content of a file of the host (a fixture file), NUL-terminated. */
static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void dump(const struct gt_driver_plan *p)
{
	size_t i, k;

	if (!getenv("GT_TEST_VERBOSE"))
		return;
	for (i = 0; i < p->n_steps; i++) {
		const struct gt_driver_step *s = &p->steps[i];

		fprintf(stderr, "step %zu: %s: %s", i,
		        s->kind == GT_STEP_WRITE_FILE ? "write" : "run", s->description);
		for (k = 0; s->argv && s->argv[k]; k++)
			fprintf(stderr, " [%s]", s->argv[k]);
		fputc('\n', stderr);
	}
	for (i = 0; i < p->n_warnings; i++)
		fprintf(stderr, "warning %zu: %s: %s\n", i, p->warnings[i].code,
		        p->warnings[i].message);
}

/* detect + plan on the tree at @dir. */
static struct gt_driver_plan *plan_dir(const char *dir)
{
	struct gt_root *root = NULL;
	struct gt_detect *d = NULL;
	struct gt_driver_plan *p = NULL;
	const char *what = NULL;

	assert_int_equal(gt_root_open(dir, &root), 0);
	assert_int_equal(gt_detect_run(root, &d, &what), 0);
	assert_int_equal(gt_drivers_plan(root, d, &p), 0);
	gt_detect_free(d);
	gt_root_close(root);
	dump(p);
	return p;
}

static struct gt_driver_plan *plan_fixture(const char *name)
{
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", fixtures(), name);
	return plan_dir(dir);
}

static void expect_strv(char **v, const char *const *want)
{
	size_t i;

	assert_non_null(v);
	for (i = 0; want[i]; i++) {
		assert_non_null(v[i]);
		assert_string_equal(v[i], want[i]);
	}
	assert_null(v[i]);
}

static void expect_run(const struct gt_driver_step *s, const char *const *argv,
                       const char *const *backups)
{
	assert_int_equal(s->kind, GT_STEP_RUN);
	assert_null(s->path);
	assert_null(s->content);
	assert_non_null(s->description);
	expect_strv(s->argv, argv);
	expect_strv(s->backups, backups);
}

/* Warning @i has @code and its message holds every string of @parts. */
static void expect_warning(const struct gt_driver_plan *p, size_t i, const char *code,
                           const char *const *parts)
{
	assert_true(i < p->n_warnings);
	assert_string_equal(p->warnings[i].code, code);
	for (; *parts; parts++)
		if (!strstr(p->warnings[i].message, *parts))
			fail_msg("warning %zu lacks '%s': %s", i, *parts,
			         p->warnings[i].message);
}

#define S(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_debian_initramfs_tools(void **state)
{
	struct gt_driver_plan *p = plan_fixture("xen-hvm-debian-initramfs-tools");
	char path[600], *orig, *want;

	assert_true(p->blkfront_available);
	assert_true(p->netfront_available);
	assert_false(p->builtin);
	assert_true(p->reboot_needed);
	assert_int_equal(p->n_steps, 3);
	assert_int_equal(p->steps[0].kind, GT_STEP_WRITE_FILE);
	assert_string_equal(p->steps[0].path, "/etc/initramfs-tools/modules");
	assert_null(p->steps[0].argv);
	/* The original lines byte for byte (it had no final newline), then the two. */
	snprintf(path, sizeof(path),
	         "%s/xen-hvm-debian-initramfs-tools/etc/initramfs-tools/modules",
	         fixtures());
	orig = slurp(path);
	assert_true(asprintf(&want, "%s\nxen-blkfront\nxen-netfront\n", orig) > 0);
	assert_string_equal(p->steps[0].content, want);
	assert_memory_equal(p->steps[0].content, orig, strlen(orig));
	expect_run(&p->steps[1], S("update-initramfs", "-u", "-k", "6.1.0-12-amd64"),
	           S("/boot/initrd.img-6.1.0-12-amd64"));
	expect_run(&p->steps[2], S("update-initramfs", "-u", "-k", "6.1.0-13-amd64"),
	           S("/boot/initrd.img-6.1.0-13-amd64"));
	assert_int_equal(p->n_warnings, 4);
	expect_warning(p, 0, "fstab-device-name",
	               S("/etc/fstab line 4", "/dev/sda1", "/dev/xvda1", "UUID="));
	expect_warning(p, 1, "fstab-device-name",
	               S("/etc/fstab line 7", "/dev/hdb1", "/dev/xvdb1", "UUID="));
	expect_warning(p, 2, "bootloader-device-name",
	               S("/boot/grub/grub.cfg line 3", "2 line(s)", "root=/dev/sda1",
	                 "/dev/xvda1"));
	expect_warning(p, 3, "nic-config-bound",
	               S("/etc/network/interfaces line 6", "ens4", "by its name",
	                 "8139cp", "another name"));
	free(want);
	free(orig);
	gt_drivers_plan_free(p);
}

static void test_rhel_dracut(void **state)
{
	static const char kver[] = "5.14.0-362.8.1.el9_3.x86_64";
	struct gt_driver_plan *p = plan_fixture("xen-hvm-rhel-dracut");

	assert_true(p->blkfront_available && p->netfront_available);
	assert_false(p->builtin);
	assert_true(p->reboot_needed);
	assert_int_equal(p->n_steps, 2);
	assert_int_equal(p->steps[0].kind, GT_STEP_WRITE_FILE);
	assert_string_equal(p->steps[0].path, "/etc/dracut.conf.d/guest-tools-xen.conf");
	assert_non_null(strstr(p->steps[0].content,
	                       "\nadd_drivers+=\" xen-blkfront xen-netfront \"\n"));
	expect_run(&p->steps[1],
	           S("dracut", "-f", "/boot/initramfs-5.14.0-362.8.1.el9_3.x86_64.img",
	             kver),
	           S("/boot/initramfs-5.14.0-362.8.1.el9_3.x86_64.img"));
	assert_int_equal(p->n_warnings, 3);
	expect_warning(p, 0, "bootloader-device-name",
	               S("/etc/default/grub line 2", "resume=/dev/sda2", "/dev/xvda2"));
	expect_warning(p, 1, "nic-config-bound",
	               S("/etc/sysconfig/network-scripts/ifcfg-eth0 line 4", "eth0",
	                 "by its MAC", "00:16:3e:00:00:01", "e1000"));
	expect_warning(
	        p, 2, "nic-config-bound",
	        S("/etc/NetworkManager/system-connections/eth0.nmconnection line 5",
	          "by its name"));
	gt_drivers_plan_free(p);
}

static void test_arch_mkinitcpio(void **state)
{
	struct gt_driver_plan *p = plan_fixture("xen-hvm-arch-mkinitcpio");
	char path[600], *orig, *want, *at;

	assert_true(p->blkfront_available && p->netfront_available);
	assert_false(p->builtin);
	assert_int_equal(p->n_steps, 2);
	assert_int_equal(p->steps[0].kind, GT_STEP_WRITE_FILE);
	assert_string_equal(p->steps[0].path, "/etc/mkinitcpio.conf");
	snprintf(path, sizeof(path), "%s/xen-hvm-arch-mkinitcpio/etc/mkinitcpio.conf",
	         fixtures());
	orig = slurp(path);
	/* Only the MODULES= line changes; the commented example stays. */
	at = strstr(orig, "\nMODULES=(ext4)\n");
	assert_non_null(at);
	assert_true(asprintf(&want, "%.*s\nMODULES=(ext4 xen-blkfront xen-netfront)\n%s",
	                     (int)(at - orig), orig,
	                     at + strlen("\nMODULES=(ext4)\n")) > 0);
	assert_string_equal(p->steps[0].content, want);
	expect_run(&p->steps[1], S("mkinitcpio", "-P"),
	           S("/boot/initramfs-linux-fallback.img", "/boot/initramfs-linux.img"));
	assert_int_equal(p->n_warnings, 1);
	expect_warning(p, 0, "nic-config-bound",
	               S("/etc/systemd/network/20-wired.network line 2", "ens3"));
	free(want);
	free(orig);
	gt_drivers_plan_free(p);
}

static void test_builtin(void **state)
{
	struct gt_driver_plan *p = plan_fixture("xen-hvm-builtin");

	assert_true(p->blkfront_available && p->netfront_available);
	assert_true(p->builtin);
	/* no platform PCI device, no frontend on offer: a reboot switches nothing */
	assert_false(p->reboot_needed);
	assert_int_equal(p->n_steps, 0);
	assert_int_equal(p->n_warnings, 1);
	expect_warning(
	        p, 0, "nic-config-bound",
	        S("/etc/netplan/50-cloud-init.yaml line 3", "ens4", "by its name"));
	gt_drivers_plan_free(p);
}

static void test_no_frontends(void **state)
{
	struct gt_driver_plan *p = plan_fixture("xen-hvm-no-frontends");

	assert_false(p->blkfront_available);
	assert_false(p->netfront_available);
	assert_false(p->builtin);
	/* no kernel has the frontends: a reboot switches nothing */
	assert_false(p->reboot_needed);
	assert_int_equal(p->n_steps, 0);
	assert_int_equal(p->n_warnings, 4);
	expect_warning(p, 0, "no-xen-frontends",
	               S("2.6.32-754.el6.x86_64", "install a kernel with Xen support"));
	expect_warning(p, 1, "fstab-device-name", S("/etc/fstab line 1", "/dev/xvda1"));
	expect_warning(p, 2, "bootloader-device-name",
	               S("/boot/grub/grub.conf line 5", "root=/dev/sda1"));
	expect_warning(p, 3, "nic-config-bound",
	               S("/etc/udev/rules.d/70-persistent-net.rules line 5", "eth0"));
	gt_drivers_plan_free(p);
}

/* Guests with nothing to switch: another hypervisor, a PVHVM guest, PV, dom0. */
static void test_nothing_to_do(void **state)
{
	static const char *const trees[] = {
		"kvm-alpine-openrc", "xen-pvhvm",        "xen-pvh", "xen-pv-centos6",
		"xen-dom0",          "hyperv-synthetic", NULL
	};
	size_t i;

	for (i = 0; trees[i]; i++) {
		struct gt_driver_plan *p = plan_fixture(trees[i]);

		assert_int_equal(p->n_steps, 0);
		assert_int_equal(p->n_warnings, 0);
		assert_false(p->reboot_needed);
		gt_drivers_plan_free(p);
	}
}

/* Xen HVM with no kernel to look at (the detect-only fixture). */
static void test_no_kernel(void **state)
{
	struct gt_driver_plan *p = plan_fixture("xen-hvm-unplug-never");

	/* unplug=never: no reboot can switch it (verify's rule) */
	assert_false(p->reboot_needed);
	assert_false(p->blkfront_available);
	assert_int_equal(p->n_steps, 0);
	assert_int_equal(p->n_warnings, 1);
	assert_string_equal(p->warnings[0].code, "no-kernel-found");
	gt_drivers_plan_free(p);
}

/* ---- trees made here ---- */

static char tmpdir[] = "/tmp/gt-drivers-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[700], cmd[800];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	assert_int_equal(system(cmd), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void copy_fixture(const char *name)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir '%s' && cp -a '%s/%s/.' '%s/'",
	         tmpdir, tmpdir, fixtures(), name, tmpdir);
	assert_int_equal(system(cmd), 0);
}

/* Carry out the WRITE_FILE steps the way the install command would. */
static void apply_writes(const struct gt_driver_plan *p)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		if (p->steps[i].kind == GT_STEP_WRITE_FILE)
			put(p->steps[i].path + 1, p->steps[i].content);
}

static int setup(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void test_idempotent(void **state)
{
	static const char *const trees[] = { "xen-hvm-debian-initramfs-tools",
		                             "xen-hvm-rhel-dracut",
		                             "xen-hvm-arch-mkinitcpio", NULL };
	size_t i;

	for (i = 0; trees[i]; i++) {
		struct gt_driver_plan *p, *again;

		copy_fixture(trees[i]);
		p = plan_dir(tmpdir);
		assert_true(p->n_steps > 0);
		apply_writes(p);
		again = plan_dir(tmpdir);
		assert_int_equal(again->n_steps, 0);
		assert_int_equal(again->n_warnings, p->n_warnings);
		gt_drivers_plan_free(again);
		gt_drivers_plan_free(p);
	}
}

/* A bare Xen HVM guest for the trees below: plan without running detect. */
static int plan_bare(struct gt_driver_plan **p)
{
	struct gt_virt v = { .hypervisor = "xen", .mode = "hvm" };
	struct gt_detect d = { .virt = &v };
	struct gt_root *root = NULL;
	int ret;

	assert_int_equal(gt_root_open(tmpdir, &root), 0);
	ret = gt_drivers_plan(root, &d, p);
	gt_root_close(root);
	if (ret == 0)
		dump(*p);
	return ret;
}

static void fresh_tree(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir '%s'", tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	put("lib/modules/6.6.1-arch1-1/vmlinuz", "");
	put("lib/modules/6.6.1-arch1-1/kernel/drivers/block/xen-blkfront.ko.zst", "");
	put("lib/modules/6.6.1-arch1-1/kernel/drivers/net/xen-netfront.ko.zst", "");
}

static void expect_mkinitcpio(const char *conf, const char *want)
{
	struct gt_driver_plan *p = NULL;

	fresh_tree();
	put("etc/mkinitcpio.conf", conf);
	assert_int_equal(plan_bare(&p), 0);
	if (!want) {
		assert_int_equal(p->n_steps, 0);
	} else {
		assert_int_equal(p->n_steps, 2);
		assert_string_equal(p->steps[0].content, want);
		expect_run(&p->steps[1], S("mkinitcpio", "-P"),
		           (const char *const[]){ NULL });
	}
	gt_drivers_plan_free(p);
}

static void test_mkinitcpio_forms(void **state)
{
	struct gt_driver_plan *p = NULL;

	expect_mkinitcpio("MODULES=()\n", "MODULES=(xen-blkfront xen-netfront)\n");
	expect_mkinitcpio("MODULES=\nHOOKS=(base)\n",
	                  "MODULES=(xen-blkfront xen-netfront)\nHOOKS=(base)\n");
	expect_mkinitcpio("MODULES=\"ext4\" # old style\n",
	                  "MODULES=\"ext4 xen-blkfront xen-netfront\" # old style\n");
	expect_mkinitcpio("MODULES=(\n  ext4 # the root (xfs later)\n  xen_blkfront\n)\n",
	                  "MODULES=(\n  ext4 # the root (xfs later)\n  xen_blkfront "
	                  "xen-netfront\n)\n");
	/* bash keeps the last assignment: that is the one to change. */
	expect_mkinitcpio("MODULES=(a)\nMODULES=(b)\n",
	                  "MODULES=(a)\nMODULES=(b xen-blkfront xen-netfront)\n");
	expect_mkinitcpio("HOOKS=(base)",
	                  "HOOKS=(base)\nMODULES=(xen-blkfront xen-netfront)\n");
	expect_mkinitcpio("MODULES=(xen-netfront xen-blkfront)\n", NULL);
	/* A module named in a comment is not listed; a ")" in a comment ends nothing. */
	expect_mkinitcpio("MODULES=(#xen-blkfront)\n xen-netfront)\n",
	                  "MODULES=(#xen-blkfront)\n xen-netfront xen-blkfront)\n");
	/* An array that never closes is refused, not rewritten. */
	fresh_tree();
	put("etc/mkinitcpio.conf", "MODULES=(ext4\n");
	assert_int_equal(plan_bare(&p), -GT_EPARSE);
}

static void test_initramfs_tools_partial(void **state)
{
	struct gt_driver_plan *p = NULL;

	fresh_tree();
	put("etc/initramfs-tools/modules",
	    "# comment\nxen_blkfront  # underscores too\n");
	assert_int_equal(plan_bare(&p), 0);
	assert_int_equal(p->n_steps, 2);
	assert_string_equal(p->steps[0].content,
	                    "# comment\nxen_blkfront  # underscores too\nxen-netfront\n");
	/* No image yet: -c creates it (-u would refuse). */
	expect_run(&p->steps[1], S("update-initramfs", "-c", "-k", "6.6.1-arch1-1"),
	           S("/boot/initrd.img-6.6.1-arch1-1"));
	gt_drivers_plan_free(p);
}

static void test_dracut_already(void **state)
{
	struct gt_driver_plan *p = NULL;

	/* Listed in dracut.conf itself (force_drivers counts): nothing to do. */
	fresh_tree();
	put("usr/bin/dracut", "");
	put("etc/dracut.conf",
	    "force_drivers+=\" xen_blkfront \"\nadd_drivers=\"xen-netfront\"\n");
	assert_int_equal(plan_bare(&p), 0);
	assert_int_equal(p->n_steps, 0);
	gt_drivers_plan_free(p);
	/* A commented line does not count; no conf.d yet; Debian's image name kept. */
	fresh_tree();
	put("usr/sbin/dracut", "");
	put("boot/initrd.img-6.6.1-arch1-1", "");
	put("etc/dracut.conf", "#add_drivers+=\" xen-blkfront xen-netfront \"\n");
	assert_int_equal(plan_bare(&p), 0);
	assert_int_equal(p->n_steps, 2);
	assert_string_equal(p->steps[0].path, "/etc/dracut.conf.d/guest-tools-xen.conf");
	expect_run(&p->steps[1],
	           S("dracut", "-f", "/boot/initrd.img-6.6.1-arch1-1", "6.6.1-arch1-1"),
	           S("/boot/initrd.img-6.6.1-arch1-1"));
	gt_drivers_plan_free(p);
	/* SUSE names its images initrd-<kver>. */
	fresh_tree();
	put("usr/bin/dracut", "");
	put("boot/initrd-6.6.1-arch1-1", "");
	assert_int_equal(plan_bare(&p), 0);
	assert_int_equal(p->n_steps, 2);
	expect_run(&p->steps[1],
	           S("dracut", "-f", "/boot/initrd-6.6.1-arch1-1", "6.6.1-arch1-1"),
	           S("/boot/initrd-6.6.1-arch1-1"));
	gt_drivers_plan_free(p);
	/* A modules directory without a kernel image is a leftover, not a kernel. */
	fresh_tree();
	put("usr/bin/dracut", "");
	put("lib/modules/5.10.0-old/kernel/drivers/block/xen-blkfront.ko", "");
	assert_int_equal(plan_bare(&p), 0);
	assert_int_equal(p->n_steps, 2);
	assert_string_equal(p->steps[1].argv[3], "6.6.1-arch1-1");
	gt_drivers_plan_free(p);
}

static void test_no_tool(void **state)
{
	struct gt_driver_plan *p = NULL;

	fresh_tree();
	assert_int_equal(plan_bare(&p), 0);
	assert_int_equal(p->n_steps, 0);
	assert_int_equal(p->n_warnings, 1);
	assert_string_equal(p->warnings[0].code, "no-initramfs-tool");
	gt_drivers_plan_free(p);
}

/* Ubuntu's kernel says =m but the module package is missing: not available. */
static void test_config_m_without_module(void **state)
{
	struct gt_driver_plan *p = NULL;

	fresh_tree();
	put("boot/vmlinuz-5.15.0-91-generic", "");
	put("boot/config-5.15.0-91-generic",
	    "CONFIG_XEN_BLKDEV_FRONTEND=m\nCONFIG_XEN_NETDEV_FRONTEND=m\n");
	put("lib/modules/5.15.0-91-generic/modules.dep",
	    "kernel/drivers/block/xen-blkfront.ko:\n");
	put("etc/initramfs-tools/modules", "");
	assert_int_equal(plan_bare(&p), 0);
	assert_true(p->blkfront_available);
	assert_false(p->netfront_available);
	expect_warning(p, 0, "missing-xen-frontend",
	               S("5.15.0-91-generic", "xen-netfront", "NIC"));
	assert_int_equal(p->n_steps, 3);
	assert_string_equal(p->steps[0].content, "xen-blkfront\nxen-netfront\n");
	expect_run(&p->steps[1], S("update-initramfs", "-c", "-k", "5.15.0-91-generic"),
	           S("/boot/initrd.img-5.15.0-91-generic"));
	gt_drivers_plan_free(p);
}

/* Binary garbage in every file the planner reads: no crash, a plan or -GT_EPARSE. */
static void test_garbage(void **state)
{
	static const char *const files[] = {
		"etc/fstab",
		"etc/default/grub",
		"boot/grub/grub.cfg",
		"etc/network/interfaces",
		"etc/initramfs-tools/modules",
		"etc/mkinitcpio.conf",
		"etc/dracut.conf",
		"etc/netplan/x.yaml",
		"etc/sysconfig/network-scripts/ifcfg-ens4",
		"etc/NetworkManager/system-connections/x",
		"etc/systemd/network/x.network",
		"etc/udev/rules.d/70-persistent-net.rules",
		"boot/config-6.1.0-13-amd64",
		"lib/modules/6.1.0-13-amd64/modules.dep",
		"lib/modules/6.1.0-13-amd64/modules.builtin",
		NULL,
	};
	struct gt_driver_plan *p = NULL;
	char junk[4096 + 1], path[700];
	size_t i;
	int ret;

	for (i = 0; i < sizeof(junk) - 1; i++)
		junk[i] = (char)(i * 7 % 255 +
		                 1); /* every byte but NUL (put() writes C strings) */
	junk[sizeof(junk) - 1] = '\0';
	copy_fixture("xen-hvm-debian-initramfs-tools");
	for (i = 0; files[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
		put(files[i], junk);
	}
	p = plan_dir(tmpdir); /* asserts 0: update-initramfs's file takes any bytes */
	assert_true(p->n_steps >= 1);
	gt_drivers_plan_free(p);
	/* mkinitcpio alone, with garbage: refused or rewritten, never a crash. */
	fresh_tree();
	put("etc/mkinitcpio.conf", junk);
	ret = plan_bare(&p);
	assert_true(ret == 0 || ret == -GT_EPARSE);
	if (ret == 0)
		gt_drivers_plan_free(p);
}

/* The JSON rendering: valid nesting, every step and warning, escaped content. */
static void test_json(void **state)
{
	struct gt_driver_plan *p = plan_fixture("xen-hvm-arch-mkinitcpio");
	struct gt_json j;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	gt_json_init(&j, fp);
	gt_drivers_plan_json(p, &j);
	assert_int_equal(gt_json_finish(&j), 0);
	fclose(fp);
	assert_non_null(strstr(buf, "\"reboot_needed\":true"));
	assert_non_null(
	        strstr(buf, "\"kind\":\"write\",\"path\":\"/etc/mkinitcpio.conf\""));
	assert_non_null(strstr(buf, "MODULES=(ext4 xen-blkfront xen-netfront)\\n"));
	assert_non_null(strstr(buf, "\"argv\":[\"mkinitcpio\",\"-P\"]"));
	assert_non_null(strstr(buf, "\"code\":\"nic-config-bound\""));
	assert_int_equal(buf[len - 1] == '\n' ? buf[len - 2] : buf[len - 1], '}');
	free(buf);
	gt_drivers_plan_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_initramfs_tools),
		cmocka_unit_test(test_rhel_dracut),
		cmocka_unit_test(test_arch_mkinitcpio),
		cmocka_unit_test(test_builtin),
		cmocka_unit_test(test_no_frontends),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_no_kernel),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_mkinitcpio_forms),
		cmocka_unit_test(test_initramfs_tools_partial),
		cmocka_unit_test(test_dracut_already),
		cmocka_unit_test(test_no_tool),
		cmocka_unit_test(test_config_m_without_module),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
