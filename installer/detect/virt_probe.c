/* SPDX-License-Identifier: MIT */
/*
 * The platform probes: containers, DMI, /sys/hypervisor, /proc/xen, the PCI
 * list, other architectures' platform files and the kernel command line;
 * then the CPUID and device probes, into one struct gt_virt_facts.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "strv.h"
#include "detect/virt_probe.h"

/* Formatted twice: English for JSON and logs, gt_tr(fmt) for the human output. */
void gt_vprobe_evidence(struct gt_vprobe *p, const char *fmt, ...)
{
	char *line = NULL, *shown = NULL;
	va_list ap, again;
	int n, m;

	va_start(ap, fmt);
	va_copy(again, ap);
	n = vasprintf(&line, fmt, ap);
	m = vasprintf(&shown, gt_tr(fmt), again);
	va_end(again);
	va_end(ap);
	if (n < 0 || m < 0 || gt_strv_push(&p->f->evidence, &p->f->nevidence, line) < 0 ||
	    gt_strv_push(&p->f->evidence_shown, &p->f->nevidence_shown, shown) < 0)
		p->err = -ENOMEM;
	free(n < 0 ? NULL : line);
	free(m < 0 ? NULL : shown);
}

char *gt_vprobe_line(const struct gt_vprobe *p, const char *path)
{
	char *line = NULL;

	if (gt_root_read_line(p->root, path, &line) < 0)
		return NULL;
	return line;
}

char *gt_vprobe_whole(const struct gt_vprobe *p, const char *path, size_t *len)
{
	char *buf = NULL;

	if (gt_root_read_file(p->root, path, GT_VPROBE_SMALL_MAX, &buf, len) < 0)
		return NULL;
	return buf;
}

bool gt_vprobe_has_text(const struct gt_vprobe *p, const char *path, const char *needle)
{
	size_t len = 0;
	char *buf = gt_vprobe_whole(p, path, &len);
	bool found = buf && memmem(buf, len, needle, strlen(needle));

	free(buf);
	return found;
}

char *gt_vprobe_driver(const struct gt_vprobe *p, const char *devdir)
{
	char path[512], *target = NULL, *slash, *name;

	snprintf(path, sizeof(path), "%s/driver", devdir);
	if (gt_root_readlink(p->root, path, &target) < 0)
		return NULL;
	slash = strrchr(target, '/');
	name = strdup(slash ? slash + 1 : target);
	free(target);
	return name;
}

char *gt_vprobe_strdup(struct gt_vprobe *p, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		p->err = -ENOMEM;
	return d;
}

/* The number a /proc/<pid>/status field starts with ("\t0"); 0 when there is
 * none. An out-of-range number keeps its sign (strtol clamps it). */
static long status_number(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return end == s ? 0 : n;
}

/* Signs of a container: installing kernel drivers there makes no sense. */
static bool in_container(struct gt_vprobe *p, const struct gt_rootfs *fs)
{
	static const char *const markers[] = { "/.dockerenv", "/.dockerinit",
		                               "/run/.containerenv" };
	/*
	 * PID 1's cgroup path under a container runtime: docker (virt-what's
	 * "/docker/", systemd's cgroup driver's docker-<id>.scope), LXC
	 * (facter's "/lxc/", LXC 4's lxc.payload.<name>), podman (virt-what's
	 * "/libpod-"), Kubernetes pods, CRI-O and containerd's CRI scopes, ECS
	 * tasks (/ecs/<task>/<container>, Fargate's containerd has no
	 * /.dockerenv) and GitHub Actions job containers (/actions_job/<id>).
	 */
	static const char *const cgroup_marks[] = {
		"/docker", "/lxc/",           "/lxc.payload", "libpod",        "kubepods",
		"/crio-",  "cri-containerd-", "/ecs/",        "/actions_job/",
	};
	size_t len = 0, i;
	char *buf;
	bool yes = false, node = false;

	/*
	 * Marker files come with the image, and VM images are often built from
	 * container images: they count only when the root is not a block device
	 * of our own (a container's root is an overlay, never /dev/vda).
	 */
	for (i = 0; i < sizeof(markers) / sizeof(markers[0]); i++) {
		if (!gt_root_exists(p->root, markers[i]))
			continue;
		if (fs && fs->device) {
			gt_vprobe_evidence(
			        p,
			        "%s exists, but the root is on block device %s: a VM image made from a container image",
			        markers[i], fs->device);
			continue;
		}
		gt_vprobe_evidence(p, "%s exists (container image marker)", markers[i]);
		return true;
	}
	buf = gt_vprobe_whole(p, "/proc/1/environ", &len);
	if (buf) {
		const char *s = buf, *end = buf + len;

		for (; s < end; s += strlen(s) + 1) {
			if (gt_startswith(s, "container=") && s[10]) {
				gt_vprobe_evidence(p, "/proc/1/environ has %.40s", s);
				yes = true;
				break;
			}
		}
		free(buf);
		if (yes)
			return true;
	}
	buf = gt_vprobe_whole(p, "/proc/self/status", &len);
	if (buf) {
		const char *vx = strstr(buf, "\nVxID:"), *env = strstr(buf, "\nenvID:");

		/* facter's OpenVz resolver: envID 0 is the hardware node itself. */
		node = env && status_number(env + 7) == 0;
		if ((vx && status_number(vx + 6) > 0) ||
		    (env && status_number(env + 7) > 0)) {
			gt_vprobe_evidence(p, "/proc/self/status has a non-zero %s",
			                   vx ? "VxID" : "envID");
			yes = true;
		}
		free(buf);
		if (yes)
			return true;
	}
	if (gt_vprobe_has_text(p, "/proc/version", "BrandZ")) {
		gt_vprobe_evidence(p, "/proc/version says BrandZ (illumos LX zone)");
		return true;
	}
	if (gt_root_exists(p->root, "/proc/vz") && !gt_root_exists(p->root, "/proc/bc")) {
		if (node) {
			gt_vprobe_evidence(
			        p,
			        "/proc/vz without /proc/bc, but /proc/self/status has envID 0: the OpenVZ hardware node, not a container");
		} else {
			gt_vprobe_evidence(
			        p, "/proc/vz without /proc/bc (OpenVZ container)");
			return true;
		}
	}
	buf = gt_vprobe_whole(p, "/proc/1/cgroup", &len);
	for (i = 0; buf && i < sizeof(cgroup_marks) / sizeof(cgroup_marks[0]); i++) {
		if (memmem(buf, len, cgroup_marks[i], strlen(cgroup_marks[i]))) {
			gt_vprobe_evidence(
			        p, "/proc/1/cgroup names a container runtime (%s)",
			        cgroup_marks[i]);
			yes = true;
			break;
		}
	}
	free(buf);
	return yes;
}

/*
 * A DMI field (drivers/firmware/dmi-id.c): the system's (SMBIOS type 1), or
 * when that is absent or empty the base board's (type 2), as systemd's
 * detect_vm_dmi_vendor() reads board_vendor and dmidecode's "Manufacturer:"
 * lines (virt-what, ohai) match either. *which names the file read.
 */
static char *dmi_field(struct gt_vprobe *p, const char *system, const char *board,
                       const char **which)
{
	const char *names[2] = { system, board };
	size_t i;

	for (i = 0; i < 2; i++) {
		char path[64], *line;

		snprintf(path, sizeof(path), "/sys/class/dmi/id/%s", names[i]);
		line = gt_vprobe_line(p, path);
		if (line && *gt_strip(line)) {
			*which = names[i];
			return line;
		}
		free(line);
	}
	*which = NULL;
	return NULL;
}

/* Hypervisors that only other architectures' files reveal. */
static const char *platform_hv(struct gt_vprobe *p)
{
	char *compat = gt_vprobe_line(p, "/proc/device-tree/hypervisor/compatible");

	if (compat) {
		const char *hv = strstr(compat, "xen")      ? "xen"
		                 : strstr(compat, "vmware") ? "vmware"
		                                            : "other";

		gt_vprobe_evidence(p, "/proc/device-tree/hypervisor/compatible=%s",
		                   compat);
		free(compat);
		return hv;
	}
	/* QEMU's kvm64 and kvm32 CPU models (target/i386/cpu.c builtin_x86_defs),
	 * as ohai's virtualization plugin reads them: KVM. */
	if (gt_vprobe_has_text(p, "/proc/cpuinfo", "Common KVM processor") ||
	    gt_vprobe_has_text(p, "/proc/cpuinfo", "Common 32-bit KVM processor")) {
		gt_vprobe_evidence(
		        p,
		        "/proc/cpuinfo names QEMU's KVM CPU model (Common KVM processor)");
		return "kvm";
	}
	if (gt_vprobe_has_text(p, "/proc/cpuinfo", "QEMU Virtual CPU")) {
		gt_vprobe_evidence(p, "/proc/cpuinfo names a QEMU virtual CPU");
		return "qemu";
	}
	if (gt_vprobe_has_text(p, "/proc/cpuinfo", "emulated by qemu")) {
		gt_vprobe_evidence(p,
		                   "/proc/cpuinfo: POWER machine emulated by qemu (KVM)");
		return "kvm";
	}
	if (gt_vprobe_has_text(p, "/proc/device-tree/compatible", "linux,dummy-virt")) {
		gt_vprobe_evidence(
		        p, "/proc/device-tree/compatible=linux,dummy-virt (kvmtool)");
		return "kvm";
	}
	if (gt_root_exists(p->root, "/proc/device-tree/fw-cfg@9020000")) {
		gt_vprobe_evidence(p, "/proc/device-tree has QEMU's fw-cfg");
		return "qemu";
	}
	if (gt_vprobe_has_text(p, "/proc/sysinfo", "z/VM") ||
	    gt_vprobe_has_text(p, "/proc/sysinfo", "KVM/Linux")) {
		gt_vprobe_evidence(p, "/proc/sysinfo names a mainframe hypervisor");
		return "other";
	}
	if (gt_root_exists(p->root, "/proc/ppc64/lparcfg") &&
	    !gt_vprobe_has_text(p, "/proc/cpuinfo", "PowerNV")) {
		gt_vprobe_evidence(p, "/proc/ppc64/lparcfg exists (PowerVM LPAR)");
		return "other";
	}
	if (gt_root_exists(p->root, "/dev/mdesc")) {
		gt_vprobe_evidence(p, "/dev/mdesc exists (SPARC LDoms)");
		return "other";
	}
	if (gt_vprobe_has_text(p, "/proc/cpuinfo", "PowerVM Lx86")) {
		gt_vprobe_evidence(p, "/proc/cpuinfo names PowerVM Lx86");
		return "other";
	}
	return NULL;
}

/*
 * The Xen platform PCI device (vendor 0x5853, drivers/xen/platform-pci.c)
 * marks an HVM guest with a device model. From /proc/bus/pci/devices (one
 * line a function: "BBDF\tVVVVDDDD\t..."), else sysfs. 1 found, 0 a list
 * without it, -1 no list at all.
 */
static int xen_platform_pci(struct gt_vprobe *p)
{
	size_t len = 0, i, n = 0;
	char *buf = gt_vprobe_whole(p, "/proc/bus/pci/devices", &len), *line,
	     *save = NULL;
	char **names = NULL;
	int found = -1;

	if (buf) {
		found = 0;
		for (line = strtok_r(buf, "\n", &save); line && !found;
		     line = strtok_r(NULL, "\n", &save)) {
			char *tab = strchr(line, '\t');

			if (tab && strncmp(tab + 1, "5853", 4) == 0)
				found = 1;
		}
		free(buf);
	} else if (gt_root_list_dir(p->root, "/sys/bus/pci/devices", &names, &n) == 0) {
		found = 0;
		for (i = 0; i < n && !found; i++) {
			char path[300], *vendor;

			snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			         names[i]);
			vendor = gt_vprobe_line(p, path);
			found = vendor && strcmp(vendor, "0x5853") == 0;
			free(vendor);
		}
		gt_strv_free(names);
	}
	if (found == 1)
		gt_vprobe_evidence(p, "the PCI list has the Xen platform device (5853)");
	return found;
}

static void xen_facts(struct gt_vprobe *p)
{
	struct gt_virt_facts *f = p->f;
	char *features;
	size_t len = 0;
	char *cmdline;

	f->hypervisor_type = gt_vprobe_line(p, "/sys/hypervisor/type");
	if (f->hypervisor_type)
		gt_vprobe_evidence(p, "/sys/hypervisor/type=%s", f->hypervisor_type);
	f->guest_type = gt_vprobe_line(p, "/sys/hypervisor/guest_type");
	if (f->guest_type)
		gt_vprobe_evidence(p, "/sys/hypervisor/guest_type=%s", f->guest_type);
	/*
	 * drivers/xen/sys-hypervisor.c features_show: one "%08x" per submap,
	 * the highest first; submap 0 (the one with the bits we read) is the
	 * last eight digits.
	 */
	features = gt_vprobe_line(p, "/sys/hypervisor/properties/features");
	if (features) {
		size_t n = strspn(features, "0123456789abcdefABCDEF");

		if (n > 0 && features[n] == '\0') {
			f->have_features = true;
			f->features = (uint32_t)strtoul(features + (n > 8 ? n - 8 : 0),
			                                NULL, 16);
		} else {
			gt_vprobe_evidence(
			        p,
			        "/sys/hypervisor/properties/features is not hexadecimal");
		}
		free(features);
	}
	f->proc_xen = gt_root_exists(p->root, "/proc/xen");
	f->capabilities = gt_vprobe_line(p, "/proc/xen/capabilities");
	if (!f->capabilities && gt_root_exists(p->root, "/proc/xen/capabilities"))
		f->capabilities = gt_vprobe_strdup(p, ""); /* empty: a domU */
	if (f->capabilities)
		gt_vprobe_evidence(p, "/proc/xen/capabilities=%s", f->capabilities);
	else if (f->proc_xen)
		gt_vprobe_evidence(p, "/proc/xen exists");
	f->platform_pci = xen_platform_pci(p);
	f->blkfront_registered = gt_root_exists(p->root, "/sys/bus/xen/drivers/vbd");
	f->netfront_registered = gt_root_exists(p->root, "/sys/bus/xen/drivers/vif");
	if (f->blkfront_registered || f->netfront_registered)
		gt_vprobe_evidence(p, "registered on /sys/bus/xen/drivers: %s%s%s",
		                   f->blkfront_registered ? "vbd (xen-blkfront)" : "",
		                   f->blkfront_registered && f->netfront_registered ? ", "
		                                                                    : "",
		                   f->netfront_registered ? "vif (xen-netfront)" : "");
	cmdline = gt_vprobe_whole(p, "/proc/cmdline", &len);
	if (cmdline) {
		f->cmdline_xen_nopv = strstr(cmdline, "xen_nopv") != NULL;
		f->cmdline_unplug_never =
		        strstr(cmdline, "xen_emul_unplug=never") != NULL;
		if (f->cmdline_xen_nopv)
			gt_vprobe_evidence(p, "/proc/cmdline has xen_nopv");
		if (f->cmdline_unplug_never)
			gt_vprobe_evidence(p, "/proc/cmdline has xen_emul_unplug=never");
		free(cmdline);
	}
}

int gt_virt_probe(const struct gt_root *root, const char *arch,
                  const struct gt_rootfs *rootfs, struct gt_virt_facts *f)
{
	struct gt_vprobe p = { .root = root, .f = f };

	f->arch = arch;
	f->platform_pci = -1;
	gt_vprobe_cpuid(&p);
	f->container = in_container(&p, rootfs);
	if (f->container)
		return p.err;
	f->dmi_vendor = dmi_field(&p, "sys_vendor", "board_vendor", &f->dmi_vendor_file);
	f->dmi_product =
	        dmi_field(&p, "product_name", "board_name", &f->dmi_product_file);
	xen_facts(&p);
	f->cpu_hypervisor_flag = gt_vprobe_has_text(&p, "/proc/cpuinfo", " hypervisor");
	f->platform_hv = platform_hv(&p);
	if (!p.err)
		gt_vprobe_devices(&p, rootfs);
	return p.err;
}
