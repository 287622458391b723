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

#include "i18n.h"
#include "strv.h"
#include "detect/virt_facts.h"

struct verdict {
	const struct gt_virt_facts *f;
	struct gt_virt *v;
	int err; /* first -ENOMEM */
	/*
	 * Each line of evidence, each reason and each note is formatted twice,
	 * English (0, for JSON and logs) then in the user's language (1, for
	 * the human output): the verdict itself is decided once.
	 */
	int pass;
};

/* @en in the language of the pass being formatted. */
static const char *in_lang(const struct verdict *s, const char *en)
        __attribute__((format_arg(2)));
static const char *in_lang(const struct verdict *s, const char *en)
{
	return s->pass == 1 ? gt_tr(en) : en;
}

static void add_line(struct verdict *s, bool is_reason, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void add_line(struct verdict *s, bool is_reason, const char *fmt, ...)
{
	struct gt_virt *v = s->v;
	char ***vec = is_reason ? (s->pass ? &v->reasons_shown : &v->reasons)
	                        : (s->pass ? &v->evidence_shown : &v->evidence);
	size_t *n = is_reason ? (s->pass ? &v->nreasons_shown : &v->nreasons)
	                      : (s->pass ? &v->nevidence_shown : &v->nevidence);
	char *line = NULL;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vasprintf(&line, in_lang(s, fmt), ap);
	va_end(ap);
	if (ret < 0) {
		s->err = -ENOMEM;
		return;
	}
	if (gt_strv_push(vec, n, line) < 0)
		s->err = -ENOMEM;
	free(line);
}

/*
 * evidence(s, fmt, ...), reason(s, fmt, ...): a line in both languages. The
 * arguments are evaluated in each pass: a fragment of words among them goes
 * through in_lang(s, N_("...")).
 */
#define evidence(s, ...)                                                                 \
	for ((s)->pass = 0; (s)->pass < 2; (s)->pass++)                                  \
	add_line((s), false, __VA_ARGS__)
#define reason(s, ...)                                                                   \
	for ((s)->pass = 0; (s)->pass < 2; (s)->pass++)                                  \
	add_line((s), true, __VA_ARGS__)

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
	/* Nova's SMBIOS: vendor "OpenStack Foundation", or the distributor's
	 * ("Red Hat", "RDO") with product "OpenStack Compute"/"OpenStack Nova"
	 * (systemd's dmi_vendor_table, ohai's "Product Name: OpenStack"). */
	if (gt_startswith(v, "OpenStack") || gt_startswith(p, "OpenStack"))
		return "kvm";
	if (strstr(p, "KVM") || strstr(p, "RHEV") || strstr(v, "Google") ||
	    strstr(v, "Alibaba") || strstr(v, "Nutanix") ||
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
		        agreed ? in_lang(s, N_(" (DMI agrees)")) : "");
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
	/* /proc/xen alone (xenfs not mounted: an empty directory, as on EL6
	 * and Linode PV guests): a Xen domain to virt-what, systemd's
	 * detect_vm_xen(), lscpu and ohai alike. */
	return eq(f->hypervisor_type, "xen") || f->capabilities || f->proc_xen ||
	       eq(dmi_hv, "xen") || f->platform_pci == 1 || eq(f->platform_hv, "xen") ||
	       (!cpuid_hv && !dmi_hv && !f->platform_hv &&
	        (f->blkfront_registered || f->netfront_registered));
}

/* ---- device roles ---- */

/*
 * The paravirtual devices of each hypervisor, by the Linux drivers that take
 * them: the guest talks to the hypervisor, not to a model of hardware. Xen's
 * frontends (xenbus vbd/vif), virtio (KVM/QEMU; VirtualBox offers virtio-net
 * and, since 6.1, virtio-scsi), Hyper-V's VMBus devices (hv_storvsc,
 * hv_netvsc) and VMware's VMXNET3 (15ad:07b0, drivers/net/vmxnet3) and PVSCSI
 * (15ad:07c0, drivers/scsi/vmw_pvscsi.h). Xen takes virtio too (grant-based
 * virtio on Arm); an unknown hypervisor any of them.
 */
static const struct pv_family {
	const char *hv;
	const char *drivers; /* space-separated, space-terminated */
} pv_families[] = {
	{ "xen", "vbd vif xen-blkfront xen-netfront virtio_blk virtio_net virtio_scsi " },
	{ "kvm", "virtio_blk virtio_net virtio_scsi " },
	{ "qemu", "virtio_blk virtio_net virtio_scsi " },
	{ "hyperv", "hv_storvsc hv_netvsc " },
	{ "vmware", "vmxnet3 vmw_pvscsi " },
	{ "virtualbox", "virtio_net virtio_scsi " },
};

static const char *const any_pv_drivers =
        "vbd vif xen-blkfront xen-netfront virtio_blk virtio_net virtio_scsi hv_storvsc hv_netvsc vmxnet3 vmw_pvscsi ";

/* The PV drivers of @hv ("other": any hypervisor's). */
static const char *pv_drivers_of(const char *hv)
{
	size_t i;

	for (i = 0; i < sizeof(pv_families) / sizeof(pv_families[0]); i++)
		if (eq(hv, pv_families[i].hv))
			return pv_families[i].drivers;
	return any_pv_drivers;
}

/*
 * The models hypervisors emulate, by PCI IDs (include/linux/pci_ids.h,
 * pci.ids 2023.04.11), with the Linux drivers that bind them: QEMU's
 * hw/net/rtl8139.c, ne2000-pci.c, e1000.c (82540EM), e1000e.c (82574L),
 * pcnet-pci.c, hw/ide/piix.c, hw/ide/ich.c, hw/scsi/lsi53c895a.c, megasas.c,
 * mptsas.c; VMware's e1000 (82545EM), vlance (PCnet), LSI Logic Parallel
 * (53c1030) and SAS (SAS1068), BusLogic and SATA AHCI (15ad:07e0);
 * VirtualBox's PCnet-PCI II/FAST III, PRO/1000 MT Desktop (82540EM), T
 * Server (82543GC), MT Server (82545EM), PIIX3/PIIX4 IDE, ICH8M AHCI, LSI
 * Logic and BusLogic; Hyper-V Gen1's PIIX4 IDE and DEC 21140 "legacy
 * network adapter". The IDs decide (an Intel NIC passed through also binds
 * e1000e); only when they could not be read does the driver.
 */
static const struct emulated {
	unsigned vendor, device;
	const char *drivers; /* space-separated, space-terminated */
	const char *model;   /* N_() */
	bool hyperv_only;
} emulated_models[] = {
	{ 0x10ec, 0x8139, "8139cp 8139too ", N_("RTL8139 NIC"), false },
	{ 0x10ec, 0x8029, "ne2k-pci ne2k_pci ", N_("NE2000 NIC"), false },
	{ 0x8086, 0x100e, "e1000 ", N_("e1000 NIC (82540EM)"), false },
	{ 0x8086, 0x100f, "", N_("e1000 NIC (82545EM)"), false },
	{ 0x8086, 0x1004, "", N_("e1000 NIC (82543GC)"), false },
	{ 0x8086, 0x10d3, "e1000e ", N_("e1000e NIC (82574L)"), false },
	{ 0x1022, 0x2000, "pcnet32 ", N_("PCnet NIC (79c970)"), false },
	{ 0x8086, 0x7010, "ata_piix pata_oldpiix piix PIIX_IDE ",
	  N_("PIIX3 IDE controller"), false },
	{ 0x8086, 0x7111, "ata_piix piix PIIX_IDE ", N_("PIIX4 IDE controller"), false },
	{ 0x8086, 0x2922, "ahci ", N_("ICH9 AHCI controller"), false },
	{ 0x8086, 0x2829, "", N_("ICH8M AHCI controller"), false },
	{ 0x15ad, 0x07e0, "", N_("VMware SATA AHCI controller"), false },
	{ 0x1000, 0x0030, "mptspi ", N_("LSI Logic 53c1030 SCSI controller"), false },
	{ 0x1000, 0x0054, "mptsas ", N_("LSI Logic SAS1068 controller"), false },
	{ 0x1000, 0x0012, "sym53c8xx ", N_("LSI 53c895a SCSI controller"), false },
	{ 0x1000, 0x0060, "", N_("LSI MegaRAID SAS 1078 controller"), false },
	{ 0x104b, 0x1040, "BusLogic ", N_("BusLogic MultiMaster SCSI controller"),
	  false },
	{ 0x1011, 0x0009, "tulip de2104x ", N_("legacy network adapter (DEC 21140)"),
	  true },
};

/* PCI vendors that are hypervisors (lscpu-virt.c hv_vendor_pci, pci.ids):
 * a function of theirs is a virtual device, never hardware passed through. */
static const struct {
	unsigned vendor;
	const char *name;
} hv_vendors[] = {
	{ 0x1af4, "Red Hat (virtio)" }, { 0x1b36, "QEMU" },      { 0x15ad, "VMware" },
	{ 0x80ee, "VirtualBox" },       { 0x1414, "Microsoft" }, { 0x5853, "Xen" },
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
static const char *role_of(const struct verdict *s, const struct gt_virt_dev_facts *d,
                           const char *hv, bool dom0, char *buf, size_t size,
                           const char **why)
{
	const char *no_driver = in_lang(s, N_("no driver"));
	char ids[64];
	const struct emulated *m;
	size_t i;

	*why = NULL;
	if (strcmp(d->kind, "disk") == 0 && ignored_disk(d->name)) {
		*why = in_lang(
		        s,
		        N_("a CD, loop, network or RAM block device: not a virtual disk"));
		return "ignored";
	}
	if (d->bus == GT_BUS_XEN) {
		/* drivers/block/xen-blkfront.c blkfront_probe: "do not create a
		 * PV cdrom device if we are an HVM guest". */
		if (eq(d->xen_devtype, "cdrom")) {
			*why = in_lang(
			        s,
			        N_("a CD-ROM (device-type cdrom): xen-blkfront leaves it to the emulated drive in HVM guests"));
			return "ignored";
		}
		if (!d->driver) {
			*why = in_lang(
			        s,
			        N_("a PV frontend Xen offers that no driver took: not in use"));
			return "ignored";
		}
	}
	if (word_in(pv_drivers_of(hv), d->driver))
		return "pv";
	/* Another hypervisor's PV device is a model here: QEMU emulates VMware's
	 * VMXNET3 and PVSCSI (hw/net/vmxnet3.c, hw/scsi/vmw_pvscsi.c). */
	if (word_in(any_pv_drivers, d->driver)) {
		snprintf(
		        buf, size,
		        in_lang(s,
		                N_("%s, another hypervisor's paravirtual device, emulated here; %s's own is faster")),
		        d->driver, hv);
		*why = buf;
		return "emulated";
	}
	m = emulated_model(d, hv);
	if (m) {
		if (d->vendor || d->device)
			snprintf(buf, size, in_lang(s, N_("the emulated %s, %04x:%04x")),
			         in_lang(s, m->model), d->vendor, d->device);
		else
			snprintf(buf, size, in_lang(s, N_("the emulated %s")),
			         in_lang(s, m->model));
		*why = buf;
		return "emulated";
	}
	for (i = 0;
	     d->bus == GT_BUS_PCI && i < sizeof(hv_vendors) / sizeof(hv_vendors[0]); i++)
		if (d->vendor == hv_vendors[i].vendor) {
			snprintf(buf, size,
			         in_lang(s,
			                 N_("a virtual device of %s's (%04x:%04x, %s)")),
			         hv_vendors[i].name, d->vendor, d->device,
			         d->driver ? d->driver : no_driver);
			*why = buf;
			return "emulated";
		}
	if (d->bus == GT_BUS_PCI && (d->driver || d->vendor || d->device)) {
		if (d->vendor || d->device)
			snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
		else
			snprintf(ids, sizeof(ids), "%s", in_lang(s, N_("IDs unknown")));
		if (dom0)
			snprintf(
			        buf, size,
			        in_lang(s,
			                N_("a PCI function (%s, %s) of the control domain's hardware")),
			        d->driver ? d->driver : no_driver, ids);
		else if (in_list(vf_drivers, d->driver))
			snprintf(
			        buf, size,
			        in_lang(s,
			                N_("an SR-IOV virtual function (%s, %s) given to the guest")),
			        d->driver, ids);
		else
			snprintf(
			        buf, size,
			        in_lang(s,
			                N_("a PCI function (%s, %s) given to the guest")),
			        d->driver ? d->driver : no_driver, ids);
		*why = buf;
		return "passthrough";
	}
	if (!d->driver)
		*why = in_lang(s, N_("what drives it could not be read"));
	else
		*why = in_lang(
		        s,
		        N_("not on a PCI, Xen, VMBus or virtio device: the verdict cannot classify it"));
	return "ignored";
}

static const char *carries_words(const struct verdict *s,
                                 const struct gt_virt_dev_facts *d)
{
	switch (d->carries) {
	case GT_CARRIES_ROOT:
		return in_lang(s, N_("carries the root filesystem"));
	case GT_CARRIES_DEFAULT_ROUTE:
		return in_lang(s, N_("carries the default route"));
	case GT_CARRIES_ADDRESS:
		return in_lang(s, N_("carries an address"));
	case GT_CARRIES_UNKNOWN_ROUTES:
		return in_lang(
		        s, N_("may carry the network (no routing table was readable)"));
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

		o->name = strdup(d->name);
		o->kind = d->kind;
		o->driver = d->driver ? strdup(d->driver) : NULL;
		/* The note in English (pass 0), then in the user's language (1). */
		for (s->pass = 0; s->pass < 2; s->pass++) {
			const char *why, *carries = carries_words(s, d);
			char buf[320], via[240] = "";
			char **note = s->pass ? &o->note_shown : &o->note;

			o->role = role_of(s, d, hv, dom0, buf, sizeof(buf), &why);
			o->pv = strcmp(o->role, "pv") == 0 && d->driver;
			o->judged = carries && strcmp(o->role, "ignored") != 0;
			if (d->via)
				snprintf(via, sizeof(via), in_lang(s, N_(" (via %s)")),
				         d->via);
			if (asprintf(
			            note, "%s%s%s%s%s", why ? why : "",
			            why && carries ? "; " : "", carries ? carries : "",
			            carries ? via : "",
			            carries && !o->judged
			                    ? in_lang(s,
			                              N_(", but its role does not count"))
			                    : "") < 0)
				*note = NULL;
			if (!*note)
				s->err = -ENOMEM;
		}
		if (!o->name || (d->driver && !o->driver))
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
		                 ? in_lang(s, N_("/proc/xen/capabilities has control_d"))
		                 : in_lang(s, N_("XENFEAT_dom0 is set")));
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
		evidence(
		        s, "HVM signs: %s",
		        eq(dmi_hv, "xen") ? in_lang(s, N_("Xen DMI"))
		        : f->platform_pci == 1
		                ? in_lang(s, N_("the Xen platform PCI device"))
		                : in_lang(s,
		                          N_("xenbus frontends registered without /proc/xen")));
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
		return N_("see the kernel command line (above)");
	if (count_frontends(f, disk ? "disk" : "nic", false) == 0 &&
	    count_frontends(f, disk ? "disk" : "nic", true) == 0)
		return disk ? N_("Xen offers no PV disk (vbd) to this guest: check the VM's configuration")
		            : N_("Xen offers no PV NIC (vif) to this guest: check the VM's configuration");
	if (!registered)
		return disk ? N_("xen-blkfront is not loaded: add it to the initramfs (installer install does) and reboot")
		            : N_("xen-netfront is not loaded: load it (modprobe xen-netfront) and reboot");
	return disk ? N_("xen-blkfront is loaded but did not take the PV disk: check dmesg for xen-blkfront and for the unplug of the emulated disks")
	            : N_("xen-netfront is loaded but did not take the PV NIC: check dmesg for xen-netfront");
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
		       f->root_device
		               ? in_lang(s, N_("the root's disks are not classified"))
		               : in_lang(s, N_("no root device")));
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
		if (strcmp(d->kind, "disk") == 0 && df->via)
			reason(s,
			       "the root disk %s (via %s) is driven by the emulated controller (driver %s), not xen-blkfront: %s; after the switch it is named xvd*: use UUID= in /etc/fstab and the boot loader",
			       d->name, df->via,
			       d->driver ? d->driver : in_lang(s, N_("unknown")),
			       in_lang(s, remedy(f, true)));
		else if (strcmp(d->kind, "disk") == 0)
			reason(s,
			       "the root disk %s is driven by the emulated controller (driver %s), not xen-blkfront: %s; after the switch it is named xvd*: use UUID= in /etc/fstab and the boot loader",
			       d->name, d->driver ? d->driver : in_lang(s, N_("unknown")),
			       in_lang(s, remedy(f, true)));
		else
			reason(s,
			       "%s is an emulated NIC (driver %s) and %s: %s; the PV NIC replaces it after the switch, possibly under another name: update network configuration bound to its name or MAC",
			       d->name, d->driver ? d->driver : in_lang(s, N_("unknown")),
			       carries_words(s, df), in_lang(s, remedy(f, false)));
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

/* ---- every hypervisor: how much of the I/O is paravirtual ---- */

/*
 * full: every device that carries the root or the network is paravirtual or
 * passed through; partial: some of them are emulated; none: all of them;
 * unknown: none could be identified. Xen PV and PVH guests have no emulated
 * devices at all; a control domain, a container or bare metal has no such
 * thing (n/a).
 */
static void paravirtual(struct verdict *s)
{
	struct gt_virt *v = s->v;
	size_t i, good = 0, bad = 0;

	if (eq(v->hypervisor, "none") || eq(v->hypervisor, "container") ||
	    eq(v->mode, "dom0")) {
		v->paravirtual = "n/a";
		return;
	}
	if (eq(v->hypervisor, "xen") && (eq(v->mode, "pv") || eq(v->mode, "pvh"))) {
		v->paravirtual = "full";
		return;
	}
	for (i = 0; i < v->ndevices; i++) {
		const struct gt_virt_device *d = &v->devices[i];

		if (!d->judged)
			continue;
		if (strcmp(d->role, "emulated") == 0) {
			bad++;
			if (gt_strv_push(&v->emulated_in_use, &v->nemulated_in_use,
			                 d->name) < 0)
				s->err = -ENOMEM;
		} else {
			good++;
		}
	}
	v->paravirtual = good + bad == 0 ? "unknown"
	                 : bad == 0      ? "full"
	                 : good == 0     ? "none"
	                                 : "partial";
}

/* What each hypervisor calls its paravirtual disk and NIC, and where to switch. */
static const struct remedy_words {
	const char *hv;
	const char *pv_disk, *disk_todo;
	const char *pv_nic, *nic_todo;
} remedies[] = {
	{ "kvm", N_("virtio_blk or virtio_scsi"),
	  N_("attach it as a virtio disk (virtio-blk or virtio-scsi) in the VM's configuration, with virtio_blk and virtio_scsi in the initramfs first; it is then named vd* (sd* on virtio-scsi): use UUID= in /etc/fstab and the boot loader"),
	  "virtio_net", N_("switch the VM's NIC model to virtio (virtio-net)") },
	{ "qemu", N_("virtio_blk or virtio_scsi"),
	  N_("attach it as a virtio disk (virtio-blk or virtio-scsi) in the VM's configuration, with virtio_blk and virtio_scsi in the initramfs first; it is then named vd* (sd* on virtio-scsi): use UUID= in /etc/fstab and the boot loader"),
	  "virtio_net", N_("switch the VM's NIC model to virtio (virtio-net)") },
	{ "hyperv", "hv_storvsc",
	  N_("on a Generation 1 VM hv_storvsc takes the IDE disks once it is loaded (ata_piix then leaves them alone): put hv_storvsc in the initramfs (Linux Integration Services on old kernels), or attach the disk to a SCSI controller"),
	  "hv_netvsc", N_("add a synthetic network adapter (hv_netvsc) for full speed") },
	{ "vmware", "vmw_pvscsi",
	  N_("move it to a VMware Paravirtual SCSI controller, with vmw_pvscsi in the initramfs first"),
	  "vmxnet3", N_("change the adapter type to VMXNET3") },
	{ "virtualbox", "virtio_scsi",
	  N_("attach it to a virtio-scsi controller (VirtualBox 6.1 and later), with virtio_scsi in the initramfs first"),
	  "virtio_net",
	  N_("set the adapter type to Paravirtualized Network (virtio-net)") },
	{ "other", N_("the hypervisor's paravirtual disk driver"),
	  N_("attach it to the hypervisor's paravirtual disk controller if it offers one"),
	  N_("the hypervisor's paravirtual NIC driver"),
	  N_("switch to the hypervisor's paravirtual NIC if it offers one") },
};

static const struct remedy_words *remedy_of(const char *hv)
{
	size_t i;

	for (i = 0; i < sizeof(remedies) / sizeof(remedies[0]) - 1; i++)
		if (eq(hv, remedies[i].hv))
			return &remedies[i];
	return &remedies[i];
}

/* Every hypervisor but Xen: each emulated device that carries the I/O, in words. */
static void not_xen(struct verdict *s, const char *hv)
{
	const struct remedy_words *r = remedy_of(hv);
	size_t i, n = s->v->ndevices;

	for (i = 0; n > 0 && i < 2 * n; i++) {
		const struct gt_virt_device *d = &s->v->devices[i % n];
		const struct gt_virt_dev_facts *df = &s->f->devs[i % n];
		bool disk = strcmp(d->kind, "disk") == 0;

		/* The root disk first, then the network. */
		if (strcmp(d->role, "emulated") != 0 || disk != (i < n))
			continue;
		if (!d->judged) {
			if (!disk && eq(hv, "hyperv") && df->vendor == 0x1011)
				evidence(
				        s,
				        "%s is Hyper-V's legacy network adapter, not in use",
				        d->name);
			continue;
		}
		if (disk) {
			char buf[320];
			const char *why = NULL;

			for (s->pass = 0; s->pass < 2; s->pass++) {
				const char *drv =
				        d->driver ? d->driver
				                  : in_lang(s, N_("an unknown driver"));

				role_of(s, df, hv, false, buf, sizeof(buf), &why);
				why = why ? why : in_lang(s, N_("emulated"));
				if (df->via)
					add_line(
					        s, true,
					        "the root disk %s (via %s) is driven by %s (%s), not %s: %s",
					        d->name, df->via, drv, why,
					        in_lang(s, r->pv_disk),
					        in_lang(s, r->disk_todo));
				else
					add_line(
					        s, true,
					        "the root disk %s is driven by %s (%s), not %s: %s",
					        d->name, drv, why, in_lang(s, r->pv_disk),
					        in_lang(s, r->disk_todo));
			}
		} else if (eq(hv, "hyperv") && df->vendor == 0x1011) {
			s->v->legacy_nic = true;
			reason(s,
			       "%s is Hyper-V's legacy (emulated) network adapter and %s: %s",
			       d->name, carries_words(s, df), in_lang(s, r->nic_todo));
		} else {
			reason(s,
			       "%s is an emulated NIC (%s) and %s, not %s: %s; the new NIC may get another name: update network configuration bound to its name or MAC",
			       d->name,
			       d->driver ? d->driver : in_lang(s, N_("driver unknown")),
			       carries_words(s, df), in_lang(s, r->pv_nic),
			       in_lang(s, r->nic_todo));
		}
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
		evidence(s, "/sys/class/dmi/id/%s=%s%s",
		         f->dmi_vendor_file ? f->dmi_vendor_file : "sys_vendor",
		         f->dmi_vendor,
		         eq(f->dmi_vendor_file, "board_vendor")
		                 ? in_lang(s, N_(" (sys_vendor is empty)"))
		                 : "");
	if (f->dmi_product)
		evidence(s, "/sys/class/dmi/id/%s=%s%s",
		         f->dmi_product_file ? f->dmi_product_file : "product_name",
		         f->dmi_product,
		         eq(f->dmi_product_file, "board_name")
		                 ? in_lang(s, N_(" (product_name is empty)"))
		                 : "");
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
	not_xen(s, hv);
}

int gt_virt_decide(const struct gt_virt_facts *f, struct gt_virt **out)
{
	struct verdict s = { .f = f };
	size_t i;

	s.v = calloc(1, sizeof(*s.v));
	if (!s.v)
		return -ENOMEM;
	for (i = 0; i < f->nevidence && !s.err; i++)
		if (gt_strv_push(&s.v->evidence, &s.v->nevidence, f->evidence[i]) < 0 ||
		    gt_strv_push(&s.v->evidence_shown, &s.v->nevidence_shown,
		                 i < f->nevidence_shown ? f->evidence_shown[i]
		                                        : f->evidence[i]) < 0)
			s.err = -ENOMEM;
	decide(&s);
	paravirtual(&s);
	if (!s.err && !s.v->emulated_in_use &&
	    !(s.v->emulated_in_use = calloc(1, sizeof(char *))))
		s.err = -ENOMEM;
	if (s.err || (!s.v->evidence && !(s.v->evidence = calloc(1, sizeof(char *)))) ||
	    (!s.v->reasons && !(s.v->reasons = calloc(1, sizeof(char *)))) ||
	    (!s.v->evidence_shown &&
	     !(s.v->evidence_shown = calloc(1, sizeof(char *)))) ||
	    (!s.v->reasons_shown && !(s.v->reasons_shown = calloc(1, sizeof(char *))))) {
		gt_virt_free(s.v);
		return -ENOMEM;
	}
	*out = s.v;
	return 0;
}
