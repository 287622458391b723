/* SPDX-License-Identifier: MIT */
/*
 * The verdict end to end on the fixture trees (tests/fixtures/, made by
 * make-fixtures.py): the role of each device and whether verify asks for a
 * reboot; then two properties over every Xen fixture, on a copy of it:
 *   - attaching the tools CD (vbd-5632, device-type cdrom, no driver, as
 *     drivers/block/xen-blkfront.c blkfront_probe leaves it) never changes
 *     the hypervisor or the mode;
 *   - moving the root onto LVM over the same device (a dm-N whose slaves
 *     link is the old root device, block/holder.c bd_link_disk_holder) never
 *     changes them either, and the same disk still carries the root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "actions/drivers.h"
#include "actions/verify.h"
#include "detect/detect.h"

static const char *fixtures(void)
{
	const char *f = getenv("GT_FIXTURES");

	return f && *f ? f : "tests/fixtures";
}

static struct gt_detect *detect_dir(const char *dir)
{
	struct gt_root *root = NULL;
	struct gt_detect *d = NULL;
	const char *what = NULL;

	assert_int_equal(gt_root_open(dir, &root), 0);
	if (gt_detect_run(root, &d, &what) != 0)
		fail_msg("%s: detect failed on %s", dir, what);
	gt_root_close(root);
	return d;
}

static const struct gt_virt_device *device(const struct gt_virt *v, const char *name)
{
	size_t i;

	for (i = 0; i < v->ndevices; i++)
		if (strcmp(v->devices[i].name, name) == 0)
			return &v->devices[i];
	return NULL;
}

/* ---- roles on the trees ---- */

static const struct {
	const char *fixture, *mode;
	const char *roles; /* "name=role" words, '*' after a judged one: every device */
} trees[] = {
	{ "xen-pvhvm", "pvhvm", "xvda=pv* eth0=pv*" },
	{ "xen-pvhvm-tools-cd", "pvhvm", "xvda=pv* vbd-5632=ignored eth0=pv*" },
	{ "xen-pvhvm-lvm-rhel", "pvhvm", "xvda=pv* eth0=pv*" },
	{ "xen-pvhvm-md-raid1", "pvhvm", "xvda=pv* xvdb=pv* eth0=pv*" },
	{ "xen-pvhvm-luks-lvm", "pvhvm", "xvda=pv* eth0=pv*" },
	{ "xen-hvm-lvm-emulated", "hvm",
	  "vbd-768=ignored vif-0=ignored eth0=emulated* sda=emulated*" },
	{ "xen-hvm-aws-sriov", "pvhvm", "xvda=pv* eth0=passthrough*" },
	{ "xen-hvm-unplug-never", "hvm",
	  "vbd-768=ignored vif-0=ignored ens4=emulated* sda=emulated*" },
	{ "xen-hvm-builtin", "hvm", "ens4=emulated* sda=emulated*" },
	{ "xen-pv-centos6", "pv", "xvda=pv* eth0=pv*" },
	{ "xen-pv-centos6-cpuid-faulting", "pv", "xvda=pv* eth0=pv*" },
	{ "xen-pvh", "pvh", "xvda=pv* eth0=pv*" },
	{ "xen-dom0", "dom0", "" },
	{ "xen-dom0-pv-devices", "dom0", "xvda=pv eth0=passthrough* sda=passthrough*" },
	{ "hyperv-synthetic", "n/a", "eth0=pv* sda=pv*" },
	{ "hyperv-legacy-nic", "n/a", "eth0=emulated* sda=pv*" },
	{ "hyperv-gen1-synthetic-legacy", "n/a", "eth0=pv* eth1=emulated sda=pv*" },
	{ "kvm-hyperv-enlightened", "n/a", "enp0s3=pv* vda=pv*" },
};

static void test_roles(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(trees) / sizeof(trees[0]); i++) {
		char dir[600];
		const char *s = trees[i].roles;
		struct gt_detect *d;
		size_t words = 0;

		snprintf(dir, sizeof(dir), "%s/%s", fixtures(), trees[i].fixture);
		d = detect_dir(dir);
		if (strcmp(d->virt->mode, trees[i].mode) != 0)
			fail_msg("%s: mode %s, want %s", trees[i].fixture, d->virt->mode,
			         trees[i].mode);
		while (*s) {
			size_t n = strcspn(s, " "), eq = strcspn(s, "=");
			bool judged = s[n - 1] == '*';
			char name[64], role[32];
			const struct gt_virt_device *dev;

			snprintf(name, sizeof(name), "%.*s", (int)eq, s);
			snprintf(role, sizeof(role), "%.*s", (int)(n - eq - 1 - judged),
			         s + eq + 1);
			dev = device(d->virt, name);
			if (!dev || strcmp(dev->role, role) != 0 || dev->judged != judged)
				fail_msg("%s: %s is %s%s, want %s%s", trees[i].fixture,
				         name, dev ? dev->role : "absent",
				         dev && dev->judged ? "*" : "", role,
				         judged ? "*" : "");
			words++;
			s += n + (s[n] == ' ');
		}
		if (d->virt->ndevices != words)
			fail_msg("%s: %zu devices, want %zu", trees[i].fixture,
			         d->virt->ndevices, words);
		gt_detect_free(d);
	}
}

/* ---- verify: a reboot only when it can change the verdict ---- */

static char tmpdir[] = "/tmp/gt-virt-XXXXXX";

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

static void copy_fixture(const char *name)
{
	sh("rm -rf '%s' && mkdir '%s' && cp -a '%s/%s/.' '%s/'", tmpdir, tmpdir,
	   fixtures(), name, tmpdir);
}

static bool reboot_needed(const char *dir)
{
	struct gt_detect *d = detect_dir(dir);
	struct gt_verify *v = NULL;
	struct gt_root *root = NULL;
	bool yes;

	assert_int_equal(gt_root_open(dir, &root), 0);
	assert_int_equal(gt_verify_run(root, d, &v), 0);
	yes = v->reboot_needed;
	gt_verify_free(v);
	gt_root_close(root);
	gt_detect_free(d);
	return yes;
}

static void test_verify_reboot(void **state)
{
	static const char *const no_reboot[] = { "xen-pvhvm",
		                                 "xen-pvhvm-tools-cd",
		                                 "xen-pvhvm-lvm-rhel",
		                                 "xen-pvhvm-md-raid1",
		                                 "xen-pvhvm-luks-lvm",
		                                 "xen-hvm-aws-sriov",
		                                 "xen-hvm-unplug-never",
		                                 "xen-pv-centos6-cpuid-faulting",
		                                 "xen-hvm-no-frontends",
		                                 "hyperv-legacy-nic",
		                                 NULL };
	struct gt_driver_plan *p = NULL;
	struct gt_detect *d;
	struct gt_root *root = NULL;
	char dir[600];
	size_t i;

	(void)state;
	for (i = 0; no_reboot[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s", fixtures(), no_reboot[i]);
		if (reboot_needed(dir))
			fail_msg("%s: verify asks for a reboot", no_reboot[i]);
	}
	/* Debian HVM with the frontends as modules not loaded: once the plan's
	 * initramfs changes are in place, the next boot switches: reboot. Before,
	 * a reboot changes nothing. */
	copy_fixture("xen-hvm-debian-initramfs-tools");
	assert_false(reboot_needed(tmpdir));
	d = detect_dir(tmpdir);
	assert_int_equal(gt_root_open(tmpdir, &root), 0);
	assert_int_equal(gt_drivers_plan(root, d, &p), 0);
	for (i = 0; i < p->n_steps; i++) {
		FILE *fp;

		if (p->steps[i].kind != GT_STEP_WRITE_FILE)
			continue;
		snprintf(dir, sizeof(dir), "%s%s", tmpdir, p->steps[i].path);
		fp = fopen(dir, "w");
		assert_non_null(fp);
		fputs(p->steps[i].content, fp);
		assert_int_equal(fclose(fp), 0);
	}
	gt_drivers_plan_free(p);
	gt_root_close(root);
	gt_detect_free(d);
	assert_true(reboot_needed(tmpdir));
	/* After that boot, xen-blkfront is loaded: if the disk is still emulated,
	 * another reboot would not change it. */
	sh("mkdir -p '%s/sys/bus/xen/drivers/vbd' '%s/sys/bus/xen/drivers/vif'", tmpdir,
	   tmpdir);
	assert_false(reboot_needed(tmpdir));
}

/* ---- properties over every Xen fixture ---- */

static void put(const char *rel, const char *text)
{
	char path[700];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	sh("mkdir -p \"$(dirname '%s')\"", path);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void link_to(const char *rel, const char *target)
{
	char path[700];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	sh("mkdir -p \"$(dirname '%s')\" && rm -f '%s'", path, path);
	assert_int_equal(symlink(target, path), 0);
}

/* The tools CD as Xen offers it to an HVM guest (see make-fixtures.py tools_cd). */
static void attach_tools_cd(void)
{
	put("sys/devices/vbd-5632/nodename", "device/vbd/5632\n");
	put("sys/devices/vbd-5632/devtype", "vbd\n");
	put("sys/devices/vbd-5632/modalias", "xen:vbd\n");
	put("sys/devices/vbd-5632/state", "Initialising\n");
	link_to("sys/bus/xen/devices/vbd-5632", "../../../devices/vbd-5632");
	put(".guest-tools/xenstore/device/vbd/5632/device-type", "cdrom");
	put(".guest-tools/xenstore/device/vbd/5632/state", "1");
	put(".guest-tools/xenstore/device/vbd/5632/backend",
	    "/local/domain/0/backend/vbd/7/5632");
	put(".guest-tools/xenstore/local/domain/0/backend/vbd/7/5632/state", "2");
}

/* Put the root on dm-9 (253:9), an LV whose only slave is the old root device. */
static void root_onto_lvm(const struct gt_rootfs *fs)
{
	struct gt_root *root = NULL;
	char link[300], *rel = NULL, target[700], line[300];

	assert_int_equal(gt_root_open(tmpdir, &root), 0);
	snprintf(link, sizeof(link), "/sys/class/block/%s", fs->device);
	assert_int_equal(gt_root_resolve(root, link, true, &rel), 0);
	gt_root_close(root);
	put("sys/devices/virtual/block/dm-9/dev", "253:9\n");
	put("sys/devices/virtual/block/dm-9/dm/name", "vg-root\n");
	snprintf(link, sizeof(link), "sys/devices/virtual/block/dm-9/slaves/%s",
	         fs->device);
	snprintf(target, sizeof(target), "../../../../../%s", rel);
	link_to(link, target);
	link_to("sys/class/block/dm-9", "../../devices/virtual/block/dm-9");
	link_to("sys/dev/block/253:9", "../../devices/virtual/block/dm-9");
	snprintf(line, sizeof(line),
	         "22 1 253:9 / / rw,relatime - %s /dev/mapper/vg-root rw\n", fs->type);
	put("proc/self/mountinfo", line);
	free(rel);
}

static void test_xen_properties(void **state)
{
	DIR *dp = opendir(fixtures());
	struct dirent *e;
	size_t trees_seen = 0, lvm_moves = 0;

	(void)state;
	assert_non_null(dp);
	while ((e = readdir(dp))) {
		char dir[600];
		struct gt_detect *base, *after;
		char *hv, *mode, *leaf = NULL;
		size_t i;

		if (strncmp(e->d_name, "xen-", 4) != 0)
			continue;
		trees_seen++;
		snprintf(dir, sizeof(dir), "%s/%s", fixtures(), e->d_name);
		base = detect_dir(dir);
		hv = strdup(base->virt->hypervisor);
		mode = strdup(base->virt->mode);
		assert_non_null(hv);
		assert_non_null(mode);
		for (i = 0; i < base->virt->ndevices; i++)
			if (base->virt->devices[i].judged &&
			    strcmp(base->virt->devices[i].kind, "disk") == 0 && !leaf)
				leaf = strdup(base->virt->devices[i].name);

		/* Attaching the tools CD never changes the verdict. */
		copy_fixture(e->d_name);
		attach_tools_cd();
		after = detect_dir(tmpdir);
		if (strcmp(after->virt->hypervisor, hv) != 0 ||
		    strcmp(after->virt->mode, mode) != 0)
			fail_msg("%s: with the tools CD %s/%s, without %s/%s", e->d_name,
			         after->virt->hypervisor, after->virt->mode, hv, mode);
		if (strcmp(mode, "dom0") != 0 && strcmp(mode, "pv") != 0 &&
		    strcmp(device(after->virt, "vbd-5632")->role, "ignored") != 0)
			fail_msg("%s: the tools CD counts", e->d_name);
		gt_detect_free(after);

		/* Moving the root onto LVM over the same device never changes it. */
		if (base->rootfs->device) {
			const struct gt_virt_device *dev;

			copy_fixture(e->d_name);
			root_onto_lvm(base->rootfs);
			after = detect_dir(tmpdir);
			assert_string_equal(after->rootfs->device, "dm-9");
			if (strcmp(after->virt->hypervisor, hv) != 0 ||
			    strcmp(after->virt->mode, mode) != 0)
				fail_msg("%s: on LVM %s/%s, before %s/%s", e->d_name,
				         after->virt->hypervisor, after->virt->mode, hv,
				         mode);
			dev = leaf ? device(after->virt, leaf) : NULL;
			if (leaf && (!dev || !dev->judged || !strstr(dev->note, "dm-9")))
				fail_msg("%s: %s no longer carries the root on LVM",
				         e->d_name, leaf);
			gt_detect_free(after);
			lvm_moves++;
		}
		gt_detect_free(base);
		free(hv);
		free(mode);
		free(leaf);
	}
	closedir(dp);
	/* Every Xen fixture but the bare dom0 (no mount table) has a root device. */
	assert_true(trees_seen >= 18);
	assert_int_equal(lvm_moves, trees_seen - 1);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[100];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_verify_reboot),
		cmocka_unit_test(test_xen_properties),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
