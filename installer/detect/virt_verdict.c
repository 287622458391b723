/* SPDX-License-Identifier: MIT */
/*
 * The verdict: facts in, {hypervisor, mode, device roles, reasons} out.
 * Reads nothing; every rule below names the source it is modelled on.
 *
 * Xen mode, in this order:
 *   dom0   /proc/xen/capabilities says control_d, or XENFEAT_dom0 is set.
 *   ARM    Xen on ARM has one guest type, HVM-like with PV devices only:
 *          pvh, on aarch64 and armv7l alike (guest_type says "HVM" there,
 *          because Linux's xen_pvh_domain() is x86 only).
 *   guest_type (drivers/xen/sys-hypervisor.c guest_type_show): PV, PVH, HVM.
 *   features   (util-linux sys-utils/lscpu-virt.c lscpu_read_virtualization,
 *          at 39465c78): XENFEAT_mmu_pt_update_preserve_ad is PV;
 *          supervisor_mode_kernel + hvm_callback_vector is PVH (Xen 4.4-4.9's
 *          PVHv1); else HVM. PVHv2 (Xen >= 4.10, xen/common/kernel.c
 *          get_features) differs from HVM only by the missing hvm_pirqs:
 *          taken as PVH when there is no platform PCI device and no DMI
 *          either (PVH has no device model).
 *   older kernels: HVM when DMI, the Xen platform PCI device or registered
 *          frontends without /proc/xen say so; PV when /proc/xen or
 *          /sys/hypervisor is there without them. The Xen CPUID leaf alone
 *          proves nothing: with CPUID faulting (Intel since Ivy Bridge, Xen >=
 *          4.7) a PV guest's user-space cpuid sees it too (xtf
 *          tests/cpuid-faulting/main.c).
 * In the HVM family, pvhvm or hvm is decided by the devices that carry the
 * guest's I/O only: the leaf disks under the root filesystem and the NICs
 * with the default route or an address. Any of them emulated: hvm. None
 * emulated and at least one PV or passthrough: pvhvm. Nothing to judge:
 * unknown.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "detect/virt_facts.h"

struct verdict {
	const struct gt_virt_facts *f;
	struct gt_virt *v;
	int err; /* first -ENOMEM */
};

static void add_line(struct verdict *s, char ***vec, size_t *n, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));
static void add_line(struct verdict *s, char ***vec, size_t *n, const char *fmt,
                     va_list ap)
{
	char *line = NULL;

	if (vasprintf(&line, fmt, ap) < 0) {
		s->err = -ENOMEM;
		return;
	}
	if (gt_strv_push(vec, n, line) < 0)
		s->err = -ENOMEM;
	free(line);
}

static void evidence(struct verdict *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void evidence(struct verdict *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(s, &s->v->evidence, &s->v->nevidence, fmt, ap);
	va_end(ap);
}

static void reason(struct verdict *s, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void reason(struct verdict *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(s, &s->v->reasons, &s->v->nreasons, fmt, ap);
	va_end(ap);
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool is_arm(const char *arch)
{
	return arch && (strcmp(arch, "aarch64") == 0 || gt_startswith(arch, "armv"));
}

static bool is_x86(const char *arch)
{
	return arch && (strcmp(arch, "x86_64") == 0 || strcmp(arch, "i686") == 0 ||
	                strcmp(arch, "unknown") == 0);
}

/* ---- the hypervisor ---- */

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

	for (i = 0; sig && i < sizeof(cpuid_names) / sizeof(cpuid_names[0]); i++)
		if (gt_startswith(sig, cpuid_names[i].sig))
			return cpuid_names[i].hv;
	return NULL;
}

static bool printable_sig(const char *sig)
{
	size_t k, printable = 0;

	for (k = 0; sig[k]; k++)
		printable += sig[k] > ' ' && sig[k] < 0x7f;
	return printable >= 4;
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

/* DMI agrees with a CPUID hypervisor: the same name, or QEMU's for KVM. */
static bool dmi_agrees(const char *dmi_hv, const char *hv)
{
	return eq(dmi_hv, hv) || (eq(hv, "kvm") && eq(dmi_hv, "qemu"));
}

/*
 * The hypervisor the CPUID leaves name. Hyper-V never shows a second vendor
 * range, but KVM and Xen offering Hyper-V enlightenments put "Microsoft Hv"
 * at 0x40000000 and their own signature higher (Xen:
 * xen/include/public/arch-x86/cpuid.h; KVM: hv-* CPU flags): prefer the
 * non-Hyper-V one that DMI agrees with, else the first non-Hyper-V one.
 */
static const char *cpuid_hypervisor(struct verdict *s, const char *dmi_hv, size_t *which,
                                    bool *unknown)
{
	const struct gt_virt_facts *f = s->f;
	const char *first = NULL, *other = NULL, *agreed = NULL;
	size_t i, first_i = 0, other_i = 0, agreed_i = 0;

	*unknown = false;
	for (i = 0; i < f->ncpuid; i++) {
		const char *hv = hv_of_signature(f->cpuid[i]);
		unsigned leaf = 0x40000000u + (unsigned)i * 0x100u;

		if (!hv) {
			if (printable_sig(f->cpuid[i])) {
				evidence(s, "cpuid 0x%x=%s (unknown hypervisor)", leaf,
				         f->cpuid[i]);
				*unknown = true;
			}
			continue;
		}
		evidence(s, "cpuid 0x%x=%s", leaf, f->cpuid[i]);
		if (!first) {
			first = hv;
			first_i = i;
		}
		if (strcmp(hv, "hyperv") != 0) {
			if (!other) {
				other = hv;
				other_i = i;
			}
			if (!agreed && dmi_agrees(dmi_hv, hv)) {
				agreed = hv;
				agreed_i = i;
			}
		}
	}
	if (eq(first, "hyperv") && (agreed || other)) {
		*which = agreed ? agreed_i : other_i;
		evidence(
		        s,
		        "Hyper-V enlightenments over %s: its own signature at 0x%x is the hypervisor%s",
		        agreed ? agreed : other, 0x40000000u + (unsigned)*which * 0x100u,
		        agreed ? " (DMI agrees)" : "");
		return agreed ? agreed : other;
	}
	*which = first_i;
	return first;
}

static bool xen_signs(const struct gt_virt_facts *f, const char *cpuid_hv,
                      const char *dmi_hv)
{
	size_t i;

	for (i = 0; i < f->ncpuid; i++)
		if (eq(hv_of_signature(f->cpuid[i]), "xen"))
			return true;
	return eq(f->hypervisor_type, "xen") || f->capabilities || eq(dmi_hv, "xen") ||
	       f->platform_pci == 1 || eq(f->platform_hv, "xen") ||
	       (!cpuid_hv && !dmi_hv && !f->platform_hv &&
	        (f->blkfront_registered || f->netfront_registered));
}

/* ---- device roles ---- */

/* Drivers of paravirtual devices: the guest talks to the hypervisor, not to a model. */
static const char *const pv_drivers[] = {
	"vbd",        "vif",        "xen-blkfront", "xen-netfront",
	"virtio_blk", "virtio_net", "virtio_scsi",  "hv_storvsc",
	"hv_netvsc",  "vmxnet3",    "vmw_pvscsi",   NULL,
};

/*
 * The models hypervisors emulate, by PCI IDs (QEMU's hw/net/rtl8139.c,
 * ne2000-pci.c, e1000.c, e1000e.c, hw/ide/piix.c, hw/ide/ich.c; Hyper-V
 * Gen1's PIIX4 IDE and DEC 21140 "legacy network adapter"), with the Linux
 * drivers that bind them. The IDs decide (an Intel NIC passed through also
 * binds e1000e); only when they could not be read does the driver.
 */
static const struct emulated {
	unsigned vendor, device;
	const char *drivers; /* space-separated, space-terminated */
	const char *model;
	bool hyperv_only;
} emulated_models[] = {
	{ 0x10ec, 0x8139, "8139cp 8139too ", "RTL8139 NIC", false },
	{ 0x10ec, 0x8029, "ne2k-pci ne2k_pci ", "NE2000 NIC", false },
	{ 0x8086, 0x100e, "e1000 ", "e1000 NIC (82540EM)", false },
	{ 0x8086, 0x10d3, "e1000e ", "e1000e NIC (82574L)", false },
	{ 0x8086, 0x7010, "ata_piix pata_oldpiix piix PIIX_IDE ", "PIIX3 IDE controller",
	  false },
	{ 0x8086, 0x7111, "ata_piix piix PIIX_IDE ", "PIIX4 IDE controller", false },
	{ 0x8086, 0x2922, "ahci ", "ICH9 AHCI controller", false },
	{ 0x1011, 0x0009, "tulip de2104x ", "legacy network adapter (DEC 21140)", true },
};

/* Drivers of SR-IOV virtual functions (or, for ena, the Nitro card's). */
static const char *const vf_drivers[] = { "ixgbevf", "iavf",      "i40evf",    "igbvf",
	                                  "ena",     "mlx4_core", "mlx5_core", "bnxt_en",
	                                  "nfp",     "qede",      "hinic",     NULL };

static bool in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool word_in(const char *words, const char *w)
{
	size_t n = w ? strlen(w) : 0;
	const char *p;

	for (p = words; n && (p = strstr(p, w)); p += n)
		if ((p == words || p[-1] == ' ') && p[n] == ' ')
			return true;
	return false;
}

static const struct emulated *emulated_model(const struct gt_virt_dev_facts *d,
                                             const char *hv)
{
	bool ids = d->vendor || d->device;
	size_t i;

	for (i = 0; i < sizeof(emulated_models) / sizeof(emulated_models[0]); i++) {
		const struct emulated *m = &emulated_models[i];

		if (m->hyperv_only && !eq(hv, "hyperv"))
			continue;
		if (ids ? d->vendor == m->vendor && d->device == m->device
		        : word_in(m->drivers, d->driver))
			return m;
	}
	return NULL;
}

/* Block devices that never carry a guest's disk I/O to the hypervisor. */
static bool ignored_disk(const char *name)
{
	static const char *const prefixes[] = { "loop", "nbd", "ram", "zram",
		                                "sr",   "fd",  NULL };
	size_t i;

	for (i = 0; prefixes[i]; i++)
		if (gt_startswith(name, prefixes[i]))
			return true;
	return false;
}

/*
 * The role of @d, with a few words of why in *why (static or formatted into
 * @buf). In a control domain, a PCI function is its own hardware.
 */
static const char *role_of(const struct gt_virt_dev_facts *d, const char *hv, bool dom0,
                           char *buf, size_t size, const char **why)
{
	char ids[16] = "IDs unknown";

	const struct emulated *m;

	*why = NULL;
	if (strcmp(d->kind, "disk") == 0 && ignored_disk(d->name)) {
		*why = "a CD, loop, network or RAM block device: not a virtual disk";
		return "ignored";
	}
	if (d->bus == GT_BUS_XEN) {
		/* drivers/block/xen-blkfront.c blkfront_probe: "do not create a
		 * PV cdrom device if we are an HVM guest". */
		if (eq(d->xen_devtype, "cdrom")) {
			*why = "a CD-ROM (device-type cdrom): xen-blkfront leaves it to the emulated drive in HVM guests";
			return "ignored";
		}
		if (!d->driver) {
			*why = "a PV frontend Xen offers that no driver took: not in use";
			return "ignored";
		}
	}
	if (in_list(pv_drivers, d->driver))
		return "pv";
	m = emulated_model(d, hv);
	if (m) {
		if (d->vendor || d->device)
			snprintf(buf, size, "the emulated %s, %04x:%04x", m->model,
			         d->vendor, d->device);
		else
			snprintf(buf, size, "the emulated %s", m->model);
		*why = buf;
		return "emulated";
	}
	if (d->bus == GT_BUS_PCI && (d->driver || d->vendor || d->device)) {
		if (d->vendor || d->device)
			snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
		if (dom0)
			snprintf(
			        buf, size,
			        "a PCI function (%s, %s) of the control domain's hardware",
			        d->driver ? d->driver : "no driver", ids);
		else if (in_list(vf_drivers, d->driver))
			snprintf(buf, size,
			         "an SR-IOV virtual function (%s, %s) given to the guest",
			         d->driver, ids);
		else
			snprintf(buf, size, "a PCI function (%s, %s) given to the guest",
			         d->driver ? d->driver : "no driver", ids);
		*why = buf;
		return "passthrough";
	}
	if (!d->driver)
		*why = "what drives it could not be read";
	else
		*why = "not on a PCI, Xen, VMBus or virtio device: the verdict cannot classify it";
	return "ignored";
}

static const char *carries_words(const struct gt_virt_dev_facts *d)
{
	switch (d->carries) {
	case GT_CARRIES_ROOT:
		return "carries the root filesystem";
	case GT_CARRIES_DEFAULT_ROUTE:
		return "carries the default route";
	case GT_CARRIES_ADDRESS:
		return "carries an address";
	case GT_CARRIES_UNKNOWN_ROUTES:
		return "may carry the network (no routing table was readable)";
	case GT_CARRIES_NOTHING:
		break;
	}
	return NULL;
}

static void add_devices(struct verdict *s, const char *hv, bool dom0)
{
	const struct gt_virt_facts *f = s->f;
	size_t i;

	if (f->ndevs == 0)
		return;
	s->v->devices = calloc(f->ndevs, sizeof(*s->v->devices));
	if (!s->v->devices) {
		s->err = -ENOMEM;
		return;
	}
	for (i = 0; i < f->ndevs; i++) {
		const struct gt_virt_dev_facts *d = &f->devs[i];
		struct gt_virt_device *o = &s->v->devices[s->v->ndevices++];
		const char *why, *carries = carries_words(d);
		char buf[160], via[200] = "";

		o->name = strdup(d->name);
		o->kind = d->kind;
		o->driver = d->driver ? strdup(d->driver) : NULL;
		o->role = role_of(d, hv, dom0, buf, sizeof(buf), &why);
		o->pv = strcmp(o->role, "pv") == 0 && d->driver;
		o->judged = carries && strcmp(o->role, "ignored") != 0;
		if (d->via)
			snprintf(via, sizeof(via), " (via %s)", d->via);
		if (asprintf(&o->note, "%s%s%s%s%s", why ? why : "",
		             why && carries ? "; " : "", carries ? carries : "",
		             carries ? via : "",
		             carries && !o->judged ? ", but its role does not count"
		                                   : "") < 0)
			o->note = NULL;
		if (!o->name || (d->driver && !o->driver) || !o->note)
			s->err = -ENOMEM;
	}
}

/* ---- Xen ---- */

static void xen_features_evidence(struct verdict *s)
{
	if (s->f->have_features)
		evidence(s, "/sys/hypervisor/properties/features=%08x", s->f->features);
}

static bool feature(const struct gt_virt_facts *f, int bit)
{
	return f->have_features && (f->features & (1u << bit));
}

/* pv, pvh, dom0, "hvm" for the HVM family (decided by the devices), or "unknown". */
static const char *xen_guest_type(struct verdict *s, const char *dmi_hv)
{
	const struct gt_virt_facts *f = s->f;
	bool hvm_signs =
	        eq(dmi_hv, "xen") || f->platform_pci == 1 ||
	        ((f->blkfront_registered || f->netfront_registered) && !f->proc_xen);

	if ((f->capabilities && strstr(f->capabilities, "control_d")) ||
	    feature(f, GT_XENFEAT_DOM0)) {
		evidence(s, "%s: a control domain",
		         f->capabilities && strstr(f->capabilities, "control_d")
		                 ? "/proc/xen/capabilities has control_d"
		                 : "XENFEAT_dom0 is set");
		return "dom0";
	}
	if (is_arm(f->arch)) {
		evidence(s,
		         "Xen on %s: one guest type, HVM-like with PV devices only (pvh)",
		         f->arch);
		return "pvh";
	}
	if (f->guest_type) {
		if (strcmp(f->guest_type, "PV") == 0)
			return "pv";
		if (strcmp(f->guest_type, "PVH") == 0)
			return "pvh";
		if (strcmp(f->guest_type, "HVM") == 0)
			return "hvm";
		evidence(s, "/sys/hypervisor/guest_type=%s is not PV, PVH or HVM",
		         f->guest_type);
	}
	if (f->have_features) {
		uint32_t pvh1 = (1u << GT_XENFEAT_SUPERVISOR_MODE_KERNEL) |
		                (1u << GT_XENFEAT_HVM_CALLBACK_VECTOR);

		if (feature(f, GT_XENFEAT_MMU_PT_UPDATE_PRESERVE_AD)) {
			evidence(s,
			         "XENFEAT_mmu_pt_update_preserve_ad is set: a PV guest");
			return "pv";
		}
		if ((f->features & pvh1) == pvh1) {
			evidence(
			        s,
			        "XENFEAT_supervisor_mode_kernel and hvm_callback_vector: PVH");
			return "pvh";
		}
		if (!feature(f, GT_XENFEAT_HVM_PIRQS) && f->platform_pci == 0 &&
		    !dmi_hv) {
			evidence(
			        s,
			        "no XENFEAT_hvm_pirqs, no platform PCI device, no DMI: PVH (no device model)");
			return "pvh";
		}
		evidence(s, "XENFEAT_mmu_pt_update_preserve_ad is clear: an HVM guest");
		return "hvm";
	}
	if (hvm_signs) {
		evidence(s, "HVM signs: %s",
		         eq(dmi_hv, "xen") ? "Xen DMI"
		         : f->platform_pci == 1
		                 ? "the Xen platform PCI device"
		                 : "xenbus frontends registered without /proc/xen");
		return "hvm";
	}
	if (f->proc_xen || f->capabilities || eq(f->hypervisor_type, "xen")) {
		evidence(
		        s,
		        "Xen with /proc/xen or /sys/hypervisor and no HVM sign (no DMI, no platform PCI device): a PV guest");
		return "pv";
	}
	return "unknown";
}

static size_t count_frontends(const struct gt_virt_facts *f, const char *kind, bool bound)
{
	size_t i, n = 0;

	for (i = 0; i < f->ndevs; i++) {
		const struct gt_virt_dev_facts *d = &f->devs[i];

		if (d->bus == GT_BUS_XEN && strcmp(d->kind, kind) == 0 &&
		    !eq(d->xen_devtype, "cdrom") && (d->driver != NULL) == bound)
			n++;
	}
	return n;
}

/* What to do about an emulated root disk or NIC, given what Xen offers. */
static const char *remedy(const struct gt_virt_facts *f, bool disk)
{
	bool registered = disk ? f->blkfront_registered : f->netfront_registered;

	if (f->cmdline_xen_nopv || f->cmdline_unplug_never)
		return "see the kernel command line (above)";
	if (count_frontends(f, disk ? "disk" : "nic", false) == 0 &&
	    count_frontends(f, disk ? "disk" : "nic", true) == 0)
		return disk ? "Xen offers no PV disk (vbd) to this guest: check the VM's configuration"
		            : "Xen offers no PV NIC (vif) to this guest: check the VM's configuration";
	if (!registered)
		return disk ? "xen-blkfront is not loaded: add it to the initramfs (installer install does) and reboot"
		            : "xen-netfront is not loaded: load it (modprobe xen-netfront) and reboot";
	return disk ? "xen-blkfront is loaded but did not take the PV disk: check dmesg for xen-blkfront and for the unplug of the emulated disks"
	            : "xen-netfront is loaded but did not take the PV NIC: check dmesg for xen-netfront";
}

static void xen_hvm(struct verdict *s)
{
	const struct gt_virt_facts *f = s->f;
	size_t i, blocking = 0, deciding = 0, unbound;
	bool disk_blocks = false, nic_blocks = false;

	for (i = 0; i < s->v->ndevices; i++) {
		const struct gt_virt_device *d = &s->v->devices[i];

		if (!d->judged)
			continue;
		deciding++;
		if (strcmp(d->role, "emulated") == 0) {
			blocking++;
			if (strcmp(d->kind, "disk") == 0)
				disk_blocks = true;
			else
				nic_blocks = true;
		}
	}
	if (deciding == 0) {
		s->v->mode = "unknown";
		reason(s,
		       "neither the root disk nor a NIC carrying the network could be identified (%s), so HVM cannot be told from PVHVM: run installer detect on the guest itself, or collect a bundle there",
		       f->root_device ? "the root's disks are not classified"
		                      : "no root device");
		return;
	}
	if (blocking == 0) {
		s->v->mode = "pvhvm";
		return;
	}
	s->v->mode = "hvm";
	if (f->cmdline_xen_nopv)
		reason(s,
		       "the kernel command line has xen_nopv, which turns the PV drivers off: remove it from the boot loader entry and reboot");
	if (f->cmdline_unplug_never)
		reason(s,
		       "the kernel command line has xen_emul_unplug=never, so the emulated disks and NICs are never unplugged for the PV ones: remove it and reboot");
	if (f->platform_pci == 0 &&
	    count_frontends(f, "disk", false) + count_frontends(f, "nic", false) == 0)
		reason(s,
		       "the Xen platform PCI device (5853) is missing, and without it the PV drivers cannot start: enable it in the VM's configuration (xen_platform_pci=1)");
	unbound = count_frontends(f, "disk", false) + count_frontends(f, "nic", false);
	if (unbound > 0 && !f->cmdline_unplug_never && !f->cmdline_xen_nopv)
		reason(s,
		       "%zu Xen PV device(s) have no driver bound (see the devices list): the frontend drivers did not take them",
		       unbound);
	/* The root disk first, then the network. */
	for (i = 0; i < 2 * s->v->ndevices; i++) {
		const struct gt_virt_device *d = &s->v->devices[i % s->v->ndevices];
		const struct gt_virt_dev_facts *df = &f->devs[i % s->v->ndevices];

		if (!d->judged || strcmp(d->role, "emulated") != 0 ||
		    (strcmp(d->kind, "disk") == 0) != (i < s->v->ndevices))
			continue;
		if (strcmp(d->kind, "disk") == 0)
			reason(s,
			       "the root disk %s%s%s%s is driven by the emulated controller (driver %s), not xen-blkfront: %s; after the switch it is named xvd*: use UUID= in /etc/fstab and the boot loader",
			       d->name, df->via ? " (via " : "", df->via ? df->via : "",
			       df->via ? ")" : "", d->driver ? d->driver : "unknown",
			       remedy(f, true));
		else
			reason(s,
			       "%s is an emulated NIC (driver %s) and %s: %s; the PV NIC replaces it after the switch, possibly under another name: update network configuration bound to its name or MAC",
			       d->name, d->driver ? d->driver : "unknown",
			       carries_words(df), remedy(f, false));
	}
	/* A boot can only change this when the frontend the blocking device
	 * needs is on offer and its driver is not loaded yet: a driver loaded at
	 * this boot that left the frontend alone will do so at the next. */
	s->v->reboot_may_switch =
	        !f->cmdline_xen_nopv && !f->cmdline_unplug_never &&
	        (!disk_blocks ||
	         (count_frontends(f, "disk", false) > 0 && !f->blkfront_registered)) &&
	        (!nic_blocks ||
	         (count_frontends(f, "nic", false) > 0 && !f->netfront_registered));
}

static void xen(struct verdict *s, const char *dmi_hv)
{
	const char *type;

	s->v->hypervisor = "xen";
	xen_features_evidence(s);
	type = xen_guest_type(s, dmi_hv);
	add_devices(s, "xen", strcmp(type, "dom0") == 0);
	if (strcmp(type, "hvm") == 0) {
		xen_hvm(s);
		return;
	}
	s->v->mode = type;
	if (strcmp(type, "pv") == 0)
		reason(s,
		       "this guest runs in PV mode, which is legacy and exposed to CPU flaws such as Spectre and Meltdown: switch the VM to HVM (before installing the OS, as the provider's guide says) so that the PV drivers make it PVHVM");
	else if (strcmp(type, "unknown") == 0)
		reason(s,
		       "only the Xen CPUID leaf shows Xen here, and it is no proof of HVM (a PV guest on a CPUID-faulting host sees it too): with no /sys/hypervisor/guest_type, features, DMI or platform PCI device, PV cannot be told from HVM; run installer detect on the guest itself, or collect a bundle there");
}

/* ---- everything else ---- */

static void hyperv(struct verdict *s)
{
	size_t i;

	for (i = 0; i < s->v->ndevices; i++) {
		const struct gt_virt_device *d = &s->v->devices[i];

		if (strcmp(d->kind, "nic") != 0 || strcmp(d->role, "emulated") != 0)
			continue;
		if (!d->judged) {
			evidence(s, "%s is Hyper-V's legacy network adapter, not in use",
			         d->name);
			continue;
		}
		s->v->legacy_nic = true;
		reason(s,
		       "%s is Hyper-V's legacy (emulated) network adapter and %s: add a synthetic network adapter (hv_netvsc) for full speed",
		       d->name, carries_words(&s->f->devs[i]));
	}
}

static void decide(struct verdict *s)
{
	const struct gt_virt_facts *f = s->f;
	const char *dmi_hv = hv_of_dmi(f->dmi_vendor, f->dmi_product);
	const char *cpuid_hv = NULL, *hv;
	size_t which = 0;
	bool unknown = false;

	s->v->mode = "n/a";
	if (f->container) {
		s->v->hypervisor = "container";
		return;
	}
	if (is_x86(f->arch))
		cpuid_hv = cpuid_hypervisor(s, dmi_hv, &which, &unknown);
	if (cpuid_hv && !(s->v->cpuid = strdup(f->cpuid[which])))
		s->err = -ENOMEM;
	if (f->dmi_vendor)
		evidence(s, "/sys/class/dmi/id/sys_vendor=%s", f->dmi_vendor);
	if (f->dmi_product)
		evidence(s, "/sys/class/dmi/id/product_name=%s", f->dmi_product);
	if (xen_signs(f, cpuid_hv, dmi_hv)) {
		xen(s, dmi_hv);
		return;
	}
	hv = cpuid_hv ? cpuid_hv : dmi_hv ? dmi_hv : f->platform_hv;
	/* Parallels and bhyve present KVM's leaf; their DMI tells them apart. */
	if (eq(hv, "kvm") && eq(dmi_hv, "other"))
		hv = "other";
	/* KVM's leaf beats a Bochs/QEMU DMI; TCG has its own leaf, or none at all. */
	if (eq(hv, "qemu") && eq(dmi_hv, "kvm"))
		hv = "kvm";
	if (!hv && (unknown || f->cpu_hypervisor_flag)) {
		evidence(s, "a hypervisor is present but not one we know");
		hv = "other";
	}
	s->v->hypervisor = hv ? hv : "none";
	if (!hv)
		return;
	add_devices(s, hv, false);
	if (strcmp(hv, "hyperv") == 0)
		hyperv(s);
}

int gt_virt_decide(const struct gt_virt_facts *f, struct gt_virt **out)
{
	struct verdict s = { .f = f };
	size_t i;

	s.v = calloc(1, sizeof(*s.v));
	if (!s.v)
		return -ENOMEM;
	for (i = 0; i < f->nevidence && !s.err; i++)
		if (gt_strv_push(&s.v->evidence, &s.v->nevidence, f->evidence[i]) < 0)
			s.err = -ENOMEM;
	decide(&s);
	if (s.err || (!s.v->evidence && !(s.v->evidence = calloc(1, sizeof(char *)))) ||
	    (!s.v->reasons && !(s.v->reasons = calloc(1, sizeof(char *))))) {
		gt_virt_free(s.v);
		return -ENOMEM;
	}
	*out = s.v;
	return 0;
}
