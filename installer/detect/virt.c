/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "strv.h"
#include "detect/virt.h"

/* /proc and /sys files we read are small; a bigger one is not what we expect. */
#define SMALL_MAX        ((size_t)256 * 1024)
#define MAX_CPUID_LEAVES 16

struct scan {
	const struct gt_root *root;
	struct gt_virt *v;
	int err; /* first -ENOMEM */
	char *cpuid_sigs[MAX_CPUID_LEAVES + 1];
	const char *cpuid_hv; /* the hypervisor the CPUID leaves name, or NULL */
	bool cpuid_unknown;   /* a hypervisor leaf we do not recognise */
};

/* The number a /proc/<pid>/status field starts with ("\t0"); 0 when there is
 * none. An out-of-range number keeps its sign (strtol clamps it). */
static long status_number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return end == s ? 0 : n;
}

static void add_line(struct scan *s, char ***v, size_t *n, const char *fmt, va_list ap)
        __attribute__((format(printf, 4, 0)));
static void add_line(struct scan *s, char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *line = NULL;

	if (vasprintf(&line, fmt, ap) < 0) {
		s->err = -ENOMEM;
		return;
	}
	if (gt_strv_push(v, n, line) < 0)
		s->err = -ENOMEM;
	free(line);
}

static void evidence(struct scan *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void evidence(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(s, &s->v->evidence, &s->v->nevidence, fmt, ap);
	va_end(ap);
}

static void reason(struct scan *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void reason(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(s, &s->v->reasons, &s->v->nreasons, fmt, ap);
	va_end(ap);
}

/* The first line of a small file, or NULL (absent, unreadable, garbage). */
static char *first_line(const struct scan *s, const char *path)
{
	char *line = NULL;

	if (gt_root_read_line(s->root, path, &line) < 0)
		return NULL;
	return line;
}

/* The whole of a small file, NUL-terminated (embedded NULs kept), or NULL. */
static char *whole(const struct scan *s, const char *path, size_t *len)
{
	char *buf = NULL;

	if (gt_root_read_file(s->root, path, SMALL_MAX, &buf, len) < 0)
		return NULL;
	return buf;
}

static bool has_text(const struct scan *s, const char *path, const char *needle)
{
	size_t len = 0;
	char *buf = whole(s, path, &len);
	bool found = buf && memmem(buf, len, needle, strlen(needle));

	free(buf);
	return found;
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* The basename of the driver symlink of a sysfs device directory, or NULL. */
static char *bound_driver(const struct scan *s, const char *devdir)
{
	char path[512], *target = NULL, *name;

	snprintf(path, sizeof(path), "%s/driver", devdir);
	if (gt_root_readlink(s->root, path, &target) < 0)
		return NULL;
	name = strdup(basename_of(target));
	free(target);
	return name;
}

static const struct {
	const char *sig;
	const char *hv;
} cpuid_names[] = {
	{ "XenVMMXenVMM", "xen" },        { "Microsoft Hv", "hyperv" },
	{ "KVMKVMKVM", "kvm" },           { "LKVMLKVMLKVM", "kvm" },
	{ "TCGTCGTCGTCG", "qemu" },       { "VMwareVMware", "vmware" },
	{ "VBoxVBoxVBox", "virtualbox" }, { "bhyve bhyve", "other" },
	{ "OpenBSDVMM58", "other" },      { " lrpepyh vr", "other" },
	{ "ACRNACRNACRN", "other" },      { "QNXQVMBSQG", "other" },
};

static const char *hv_of_signature(const char *sig)
{
	size_t i;

	for (i = 0; i < sizeof(cpuid_names) / sizeof(cpuid_names[0]); i++)
		if (gt_startswith(sig, cpuid_names[i].sig))
			return cpuid_names[i].hv;
	return NULL;
}

int gt_virt_cpuid_leaves(char **sigs, size_t max)
{
	int n = 0;
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d, leaf;
	size_t i;

	__cpuid(1, a, b, c, d);
	/* ECX bit 31: "a hypervisor is present"; the leaves are garbage without it. */
	for (i = 0; (c & (1u << 31)) && i < max; i++) {
		char sig[13];

		leaf = 0x40000000u + (unsigned)i * 0x100u;
		__cpuid(leaf, a, b, c, d);
		memcpy(sig, &b, 4);
		memcpy(sig + 4, &c, 4);
		memcpy(sig + 8, &d, 4);
		sig[12] = '\0';
		if (!sig[0] || a < leaf)
			break;
		if (!(sigs[n] = strdup(sig))) {
			while (n > 0)
				free(sigs[--n]);
			return -ENOMEM;
		}
		n++;
		c = 1u << 31;
	}
#endif
	return n;
}

static void read_cpuid(struct scan *s, const char *arch)
{
	size_t n = 0, i;

	if (!s->root->host) {
		size_t len = 0;
		char *buf = whole(s, "/.guest-tools/cpuid", &len), *line, *save = NULL;

		for (line = buf ? strtok_r(buf, "\n", &save) : NULL;
		     line && n < MAX_CPUID_LEAVES; line = strtok_r(NULL, "\n", &save))
			if (line[0] && !(s->cpuid_sigs[n++] = strdup(line)))
				s->err = -ENOMEM;
		free(buf);
	} else if (strcmp(arch, "x86_64") == 0 || strcmp(arch, "i686") == 0) {
		int k = gt_virt_cpuid_leaves(s->cpuid_sigs, MAX_CPUID_LEAVES);

		if (k < 0)
			s->err = k;
		else
			n = (size_t)k;
	}
	/* CPUID is an x86 instruction: other architectures' files mean nothing. */
	if (strcmp(arch, "x86_64") != 0 && strcmp(arch, "i686") != 0 &&
	    strcmp(arch, "unknown") != 0)
		return;
	for (i = 0; i < n; i++) {
		const char *hv = hv_of_signature(s->cpuid_sigs[i]);
		size_t k, printable = 0;

		for (k = 0; s->cpuid_sigs[i][k]; k++)
			printable +=
			        s->cpuid_sigs[i][k] > ' ' && s->cpuid_sigs[i][k] < 0x7f;
		if (hv) {
			evidence(s, "cpuid 0x%x=%s", 0x40000000u + (unsigned)i * 0x100u,
			         s->cpuid_sigs[i]);
			/* Xen offering Hyper-V enlightenments shows Hyper-V first, Xen
			 * next. */
			if (!s->cpuid_hv || strcmp(hv, "xen") == 0)
				s->cpuid_hv = hv;
			if (!s->v->cpuid && !(s->v->cpuid = strdup(s->cpuid_sigs[i])))
				s->err = -ENOMEM;
		} else if (printable >= 4) {
			evidence(s, "cpuid 0x%x=%s (unknown hypervisor)",
			         0x40000000u + (unsigned)i * 0x100u, s->cpuid_sigs[i]);
			s->cpuid_unknown = true;
		}
	}
}

/* Signs of a container: installing kernel drivers there makes no sense. */
static bool in_container(struct scan *s, const struct gt_rootfs *fs)
{
	static const char *const markers[] = { "/.dockerenv", "/.dockerinit",
		                               "/run/.containerenv" };
	char *line;
	size_t len = 0, i;
	char *buf;
	bool yes = false;

	/*
	 * Marker files come with the image, and VM images are often built from
	 * container images: they count only when the root is not a block device
	 * of our own (a container's root is an overlay, never /dev/vda).
	 */
	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		if (!gt_root_exists(s->root, markers[i]))
			continue;
		if (fs && fs->device) {
			evidence(
			        s,
			        "%s exists, but the root is on block device %s: a VM image made from a container image",
			        markers[i], fs->device);
			continue;
		}
		evidence(s, "%s exists (container image marker)", markers[i]);
		return true;
	}
	buf = whole(s, "/proc/1/environ", &len);
	if (buf) {
		const char *p = buf, *end = buf + len;

		for (; p < end; p += strlen(p) + 1) {
			if (gt_startswith(p, "container=") && p[10]) {
				evidence(s, "/proc/1/environ has %.40s", p);
				yes = true;
				break;
			}
		}
		free(buf);
		if (yes)
			return true;
	}
	buf = whole(s, "/proc/self/status", &len);
	if (buf) {
		const char *vx = strstr(buf, "\nVxID:"), *env = strstr(buf, "\nenvID:");

		if ((vx && status_number(vx + 6) > 0) ||
		    (env && status_number(env + 7) > 0)) {
			evidence(s, "/proc/self/status has a non-zero %s",
			         vx ? "VxID" : "envID");
			yes = true;
		}
		free(buf);
		if (yes)
			return true;
	}
	if (has_text(s, "/proc/version", "BrandZ")) {
		evidence(s, "/proc/version says BrandZ (illumos LX zone)");
		return true;
	}
	if (gt_root_exists(s->root, "/proc/vz") && !gt_root_exists(s->root, "/proc/bc")) {
		evidence(s, "/proc/vz without /proc/bc (OpenVZ container)");
		return true;
	}
	line = NULL;
	buf = whole(s, "/proc/1/cgroup", &len);
	if (buf && (memmem(buf, len, "/docker", 7) || memmem(buf, len, "/lxc/", 5) ||
	            memmem(buf, len, "libpod", 6) || memmem(buf, len, "kubepods", 8))) {
		evidence(s, "/proc/1/cgroup names a container runtime");
		yes = true;
	}
	free(buf);
	free(line);
	return yes;
}

static void dmi(struct scan *s, char **vendor, char **product)
{
	*vendor = first_line(s, "/sys/class/dmi/id/sys_vendor");
	*product = first_line(s, "/sys/class/dmi/id/product_name");
	if (*vendor)
		evidence(s, "/sys/class/dmi/id/sys_vendor=%s", *vendor);
	if (*product)
		evidence(s, "/sys/class/dmi/id/product_name=%s", *product);
}

static const char *hv_of_dmi(const char *vendor, const char *product)
{
	const char *v = vendor ? vendor : "", *p = product ? product : "";

	if (strcmp(v, "Xen") == 0 || strstr(p, "HVM domU"))
		return "xen";
	if (strstr(v, "Microsoft") && strcmp(p, "Virtual Machine") == 0)
		return "hyperv";
	if (strstr(v, "VMware") || strstr(p, "VMware"))
		return "vmware";
	if (strstr(v, "innotek") || strstr(p, "VirtualBox"))
		return "virtualbox";
	if (strstr(p, "KVM") || strstr(p, "RHEV") || strstr(v, "Google") ||
	    strstr(v, "Alibaba") || strstr(v, "Nutanix") || strstr(v, "OpenStack") ||
	    (strstr(v, "Amazon EC2") && !strstr(p, ".metal")))
		return "kvm";
	if (strcmp(v, "QEMU") == 0 || strcmp(v, "Bochs") == 0 || strstr(p, "QEMU"))
		return "qemu";
	if (strstr(v, "Parallels") || strstr(p, "BHYVE"))
		return "other";
	return NULL;
}

/* Hypervisors that only other architectures' files reveal. */
static const char *hv_of_platform(struct scan *s)
{
	char *compat;

	compat = first_line(s, "/proc/device-tree/hypervisor/compatible");
	if (compat) {
		const char *hv = strstr(compat, "xen")      ? "xen"
		                 : strstr(compat, "vmware") ? "vmware"
		                                            : "other";

		evidence(s, "/proc/device-tree/hypervisor/compatible=%s", compat);
		free(compat);
		return hv;
	}
	if (has_text(s, "/proc/cpuinfo", "QEMU Virtual CPU")) {
		evidence(s, "/proc/cpuinfo names a QEMU virtual CPU");
		return "qemu";
	}
	if (has_text(s, "/proc/cpuinfo", "emulated by qemu")) {
		evidence(s, "/proc/cpuinfo: POWER machine emulated by qemu (KVM)");
		return "kvm";
	}
	if (has_text(s, "/proc/device-tree/compatible", "linux,dummy-virt")) {
		evidence(s, "/proc/device-tree/compatible=linux,dummy-virt (kvmtool)");
		return "kvm";
	}
	if (gt_root_exists(s->root, "/proc/device-tree/fw-cfg@9020000")) {
		evidence(s, "/proc/device-tree has QEMU's fw-cfg");
		return "qemu";
	}
	if (has_text(s, "/proc/sysinfo", "z/VM") ||
	    has_text(s, "/proc/sysinfo", "KVM/Linux")) {
		evidence(s, "/proc/sysinfo names a mainframe hypervisor");
		return "other";
	}
	if (gt_root_exists(s->root, "/proc/ppc64/lparcfg") &&
	    !has_text(s, "/proc/cpuinfo", "PowerNV")) {
		evidence(s, "/proc/ppc64/lparcfg exists (PowerVM LPAR)");
		return "other";
	}
	if (gt_root_exists(s->root, "/dev/mdesc")) {
		evidence(s, "/dev/mdesc exists (SPARC LDoms)");
		return "other";
	}
	if (has_text(s, "/proc/cpuinfo", "PowerVM Lx86")) {
		evidence(s, "/proc/cpuinfo names PowerVM Lx86");
		return "other";
	}
	return NULL;
}

/* The Xen platform PCI device (vendor 0x5853) marks an HVM guest. */
static bool xen_platform_pci(struct scan *s)
{
	size_t len = 0;
	char *buf = whole(s, "/proc/bus/pci/devices", &len), *line, *save = NULL;
	bool found = false;

	for (line = buf ? strtok_r(buf, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t');

		if (tab && strncmp(tab + 1, "5853", 4) == 0)
			found = true;
	}
	free(buf);
	if (found)
		evidence(s, "/proc/bus/pci/devices lists the Xen platform device (5853)");
	return found;
}

static struct gt_virt_device *add_device(struct scan *s, const char *name,
                                         const char *kind, char *driver, bool pv)
{
	struct gt_virt_device *d;

	d = realloc(s->v->devices, (s->v->ndevices + 1) * sizeof(*d));
	if (!d) {
		free(driver);
		s->err = -ENOMEM;
		return NULL;
	}
	s->v->devices = d;
	d += s->v->ndevices++;
	d->name = strdup(name);
	d->kind = kind;
	d->driver = driver;
	d->pv = pv;
	if (!d->name)
		s->err = -ENOMEM;
	return d;
}

static bool have_device(const struct scan *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->v->ndevices; i++)
		if (strcmp(s->v->devices[i].name, name) == 0)
			return true;
	return false;
}

static const char *const pv_drivers[] = { "vbd",        "vif",        "hv_netvsc",
	                                  "hv_storvsc", "virtio_net", "virtio_blk",
	                                  "vmxnet3",    NULL };

static bool is_pv_driver(const char *driver)
{
	size_t i;

	for (i = 0; driver && pv_drivers[i]; i++)
		if (strcmp(driver, pv_drivers[i]) == 0)
			return true;
	return false;
}

/* The xenbus frontends: vbd-* (disks) and vif-* (NICs), bound or not. */
static void xenbus_devices(struct scan *s, size_t *bound, size_t *unbound)
{
	char **names = NULL;
	size_t i, n = 0;

	*bound = *unbound = 0;
	if (gt_root_list_dir(s->root, "/sys/bus/xen/devices", &names, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		bool disk = gt_startswith(names[i], "vbd-"),
		     nic = gt_startswith(names[i], "vif-");
		char dir[300], sub[320], **kids = NULL, *driver;
		const char *label = names[i];

		if (!disk && !nic)
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/xen/devices/%s", names[i]);
		driver = bound_driver(s, dir);
		/* The block or net device the frontend made, when it made one. */
		snprintf(sub, sizeof(sub), "%s/%s", dir, disk ? "block" : "net");
		if (gt_root_list_dir(s->root, sub, &kids, NULL) == 0 && kids[0])
			label = kids[0];
		evidence(s, "%s: %s", dir, driver ? driver : "no driver bound");
		if (driver)
			(*bound)++;
		else
			(*unbound)++;
		add_device(s, label, disk ? "disk" : "nic", driver, driver != NULL);
		gt_strv_free(kids);
	}
	gt_strv_free(names);
}

/* Every NIC with a device behind it (virtual ones like lo or bridges have none). */
static void nics(struct scan *s)
{
	char **names = NULL;
	size_t i, n = 0;

	if (gt_root_list_dir(s->root, "/sys/class/net", &names, &n) < 0)
		return;
	for (i = 0; i < n; i++) {
		char dir[300];
		char *driver;

		if (have_device(s, names[i]))
			continue;
		snprintf(dir, sizeof(dir), "/sys/class/net/%s/device", names[i]);
		driver = bound_driver(s, dir);
		if (!driver)
			continue;
		evidence(s, "/sys/class/net/%s/device/driver=%s", names[i], driver);
		add_device(s, names[i], "nic", driver, is_pv_driver(driver));
	}
	gt_strv_free(names);
}

/* The driver behind the root disk; for SCSI disks, the host adapter's kind. */
static void root_disk(struct scan *s, const struct gt_rootfs *fs)
{
	char dir[300], *driver, *target = NULL;

	if (!fs || !fs->disk || have_device(s, fs->disk))
		return;
	snprintf(dir, sizeof(dir), "/sys/class/block/%s/device", fs->disk);
	driver = bound_driver(s, dir);
	snprintf(dir, sizeof(dir), "/sys/class/block/%s", fs->disk);
	if (driver && strcmp(driver, "sd") == 0 &&
	    gt_root_readlink(s->root, dir, &target) == 0 && strcasestr(target, "vmbus")) {
		free(driver);
		driver = strdup("hv_storvsc");
	}
	free(target);
	if (!driver && !gt_root_exists(s->root, dir))
		return;
	evidence(s, "root disk %s: driver %s", fs->disk, driver ? driver : "unknown");
	add_device(s, fs->disk, "disk", driver, is_pv_driver(driver));
}

static void xen_hvm_reasons(struct scan *s, const struct gt_rootfs *fs, size_t bound,
                            size_t unbound)
{
	size_t len = 0, i;
	char *cmdline = whole(s, "/proc/cmdline", &len);
	bool said = false;

	if (cmdline && strstr(cmdline, "xen_nopv")) {
		evidence(s, "/proc/cmdline has xen_nopv");
		reason(s,
		       "the kernel command line has xen_nopv, which turns the PV drivers off: remove it from the boot loader entry and reboot");
		said = true;
	}
	if (cmdline && strstr(cmdline, "xen_emul_unplug=never")) {
		evidence(s, "/proc/cmdline has xen_emul_unplug=never");
		reason(s,
		       "the kernel command line has xen_emul_unplug=never, so the emulated disks and NICs are never unplugged for the PV ones: remove it and reboot");
		said = true;
	}
	free(cmdline);
	if (!gt_root_exists(s->root, "/sys/bus/xen/drivers/vbd")) {
		reason(s,
		       "the xen-blkfront driver is not loaded (no /sys/bus/xen/drivers/vbd): install or load it (modprobe xen-blkfront), add it to the initramfs, and reboot");
		said = true;
	}
	if (!gt_root_exists(s->root, "/sys/bus/xen/drivers/vif")) {
		reason(s,
		       "the xen-netfront driver is not loaded (no /sys/bus/xen/drivers/vif): install or load it (modprobe xen-netfront) and reboot");
		said = true;
	}
	if (unbound > 0) {
		reason(s,
		       "%zu Xen PV device(s) have no driver bound (see the devices list): the frontend drivers did not take them; check dmesg for xen-blkfront/xen-netfront",
		       unbound);
		said = true;
	}
	if (bound + unbound == 0 && !said) {
		reason(s,
		       "the hypervisor offers no Xen PV devices (vbd/vif) to this guest; check that the VM's platform flags allow PV drivers");
	}
	for (i = 0; i < s->v->ndevices; i++) {
		const struct gt_virt_device *d = &s->v->devices[i];

		/* Unbound xenbus devices (no driver) are covered by the reason above. */
		if (d->pv || !d->driver)
			continue;
		if (strcmp(d->kind, "disk") == 0)
			reason(s,
			       "the root disk %s is driven by the emulated controller (driver %s), not xen-blkfront; after the switch it is named xvd*: use UUID= in /etc/fstab and the boot loader",
			       d->name, d->driver);
		else
			reason(s,
			       "%s is an emulated NIC (driver %s); the PV NIC replaces it after the switch, possibly under another name: update network configuration bound to its name or MAC",
			       d->name, d->driver ? d->driver : "unknown");
	}
	(void)fs;
}

static void decide_xen_mode(struct scan *s, const struct gt_rootfs *fs, const char *arch,
                            bool hvm_signs)
{
	char *caps = first_line(s, "/proc/xen/capabilities");
	char *guest_type = first_line(s, "/sys/hypervisor/guest_type");
	size_t bound = 0, unbound = 0, i;
	bool emulated = false;

	if (guest_type)
		evidence(s, "/sys/hypervisor/guest_type=%s", guest_type);
	xenbus_devices(s, &bound, &unbound);
	nics(s);
	root_disk(s, fs);
	if (caps && strstr(caps, "control_d")) {
		evidence(s, "/proc/xen/capabilities=%s", caps);
		s->v->mode = "dom0";
		// NOLINTNEXTLINE(bugprone-branch-clone): ARM's pvh comes after PV
	} else if (guest_type && strcmp(guest_type, "PVH") == 0) {
		s->v->mode = "pvh";
	} else if ((guest_type && strcmp(guest_type, "PV") == 0) ||
	           (!guest_type && !hvm_signs && strcmp(arch, "aarch64") != 0 &&
	            (caps || gt_root_exists(s->root, "/proc/xen") ||
	             gt_root_exists(s->root, "/sys/hypervisor/type")))) {
		if (!guest_type)
			evidence(
			        s,
			        "Xen without HVM signs (no Xen CPUID leaf, DMI or platform device)");
		s->v->mode = "pv";
		reason(s,
		       "this guest runs in PV mode, which is legacy and exposed to CPU flaws such as Spectre and Meltdown: switch the VM to HVM (before installing the OS, as the provider's guide says) so that the PV drivers make it PVHVM");
	} else if (strcmp(arch, "aarch64") == 0 || strcmp(arch, "armv7l") == 0) {
		/* Xen on ARM has a single guest type, HVM-like with PV devices. */
		s->v->mode = "pvh";
	} else {
		for (i = 0; i < s->v->ndevices; i++)
			if (!s->v->devices[i].pv)
				emulated = true;
		if (bound > 0 && !emulated) {
			s->v->mode = "pvhvm";
		} else {
			s->v->mode = "hvm";
			xen_hvm_reasons(s, fs, bound, unbound);
		}
	}
	free(caps);
	free(guest_type);
}

int gt_virt_detect(const struct gt_root *root, const char *arch,
                   const struct gt_rootfs *rootfs, struct gt_virt **out)
{
	struct scan s = { .root = root };
	char *hvtype = NULL, *vendor = NULL, *product = NULL;
	const char *dmi_hv, *platform_hv = NULL;
	bool xen = false, hvm_signs = false;
	size_t i;

	s.v = calloc(1, sizeof(*s.v));
	if (!s.v)
		return -ENOMEM;
	s.v->mode = "n/a";
	read_cpuid(&s, arch);
	if (in_container(&s, rootfs)) {
		s.v->hypervisor = "container";
		goto done;
	}
	hvtype = first_line(&s, "/sys/hypervisor/type");
	if (hvtype)
		evidence(&s, "/sys/hypervisor/type=%s", hvtype);
	dmi(&s, &vendor, &product);
	dmi_hv = hv_of_dmi(vendor, product);

	if (hvtype && strcmp(hvtype, "xen") == 0)
		xen = true;
	if (gt_root_exists(root, "/proc/xen/capabilities")) {
		evidence(&s, "/proc/xen/capabilities exists");
		xen = true;
	}
	if (s.cpuid_hv && strcmp(s.cpuid_hv, "xen") == 0)
		xen = hvm_signs = true;
	if (dmi_hv && strcmp(dmi_hv, "xen") == 0)
		xen = hvm_signs = true;
	if (xen_platform_pci(&s))
		xen = hvm_signs = true;
	if (!xen && !s.cpuid_hv && !dmi_hv) {
		platform_hv = hv_of_platform(&s);
		if (platform_hv && strcmp(platform_hv, "xen") == 0)
			xen = true;
	}
	/* Registered xenbus frontends only exist on Xen (the bus itself does not count).
	 */
	if (!xen && !s.cpuid_hv && !dmi_hv && !platform_hv &&
	    (gt_root_exists(root, "/sys/bus/xen/drivers/vbd") ||
	     gt_root_exists(root, "/sys/bus/xen/drivers/vif"))) {
		evidence(&s, "xen-blkfront/xen-netfront are registered on /sys/bus/xen");
		xen = hvm_signs = true;
	}
	if (xen) {
		s.v->hypervisor = "xen";
		decide_xen_mode(&s, rootfs, arch, hvm_signs);
		goto done;
	}
	s.v->hypervisor = s.cpuid_hv ? s.cpuid_hv : dmi_hv ? dmi_hv : platform_hv;
	/* Parallels and bhyve present KVM's leaf; their DMI tells them apart. */
	if (s.v->hypervisor && strcmp(s.v->hypervisor, "kvm") == 0 && dmi_hv &&
	    strcmp(dmi_hv, "other") == 0)
		s.v->hypervisor = "other";
	/* KVM's leaf beats a Bochs/QEMU DMI; TCG has its own leaf, or none at all. */
	if (s.v->hypervisor && strcmp(s.v->hypervisor, "qemu") == 0 && dmi_hv &&
	    strcmp(dmi_hv, "kvm") == 0)
		s.v->hypervisor = "kvm";
	if (!s.v->hypervisor &&
	    (s.cpuid_unknown || has_text(&s, "/proc/cpuinfo", " hypervisor"))) {
		evidence(&s, "a hypervisor is present but not one we know");
		s.v->hypervisor = "other";
	}
	if (!s.v->hypervisor)
		s.v->hypervisor = "none";
	if (strcmp(s.v->hypervisor, "none") != 0) {
		nics(&s);
		root_disk(&s, rootfs);
	}
	if (strcmp(s.v->hypervisor, "hyperv") == 0) {
		char **vmbus = NULL;
		size_t n = 0;

		if (gt_root_list_dir(root, "/sys/bus/vmbus/devices", &vmbus, &n) == 0 &&
		    n > 0)
			evidence(&s, "/sys/bus/vmbus/devices lists %zu device(s)", n);
		gt_strv_free(vmbus);
		for (i = 0; i < s.v->ndevices; i++) {
			const char *drv = s.v->devices[i].driver;

			if (drv &&
			    (strcmp(drv, "tulip") == 0 || strcmp(drv, "de2104x") == 0)) {
				s.v->legacy_nic = true;
				reason(&s,
				       "%s is Hyper-V's legacy (emulated) network adapter: add a synthetic network adapter (hv_netvsc) for full speed",
				       s.v->devices[i].name);
			}
		}
	}
done:
	free(hvtype);
	free(vendor);
	free(product);
	for (i = 0; i < MAX_CPUID_LEAVES; i++)
		free(s.cpuid_sigs[i]);
	if (s.err || (!s.v->evidence && !(s.v->evidence = calloc(1, sizeof(char *)))) ||
	    (!s.v->reasons && !(s.v->reasons = calloc(1, sizeof(char *))))) {
		gt_virt_free(s.v);
		return -ENOMEM;
	}
	*out = s.v;
	return 0;
}

void gt_virt_free(struct gt_virt *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->ndevices; i++) {
		free(v->devices[i].name);
		free(v->devices[i].driver);
	}
	free(v->devices);
	gt_strv_free(v->evidence);
	gt_strv_free(v->reasons);
	free(v->cpuid);
	free(v);
}
