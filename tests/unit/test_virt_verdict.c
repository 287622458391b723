/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the pure verdict (installer/detect/virt_verdict.c): one row
 * of facts per real-world situation, the hypervisor, mode, device roles and
 * reasons it must give. Then the CPUID decoder (KVM's eax quirk, Hyper-V
 * enlightenments) and the xenstore path checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "detect/virt_facts.h"
#include "detect/virt_probe.h"
#include "detect/virt_xenstore.h"

#define MAX_DEVS 6

enum pci { PCI_UNREAD = 0, PCI_ABSENT, PCI_LISTED };

struct dev {
	const char *name, *kind;
	enum gt_virt_bus bus;
	const char *driver;
	unsigned vendor, device;
	const char *devtype;
	enum gt_virt_carries carries;
};

struct row {
	const char *name; /* the situation it models */
	/* facts */
	const char *arch;
	const char *cpuid[3];
	const char *dmi_vendor, *dmi_product, *platform_hv;
	bool container, hv_flag;
	const char *hv_type, *guest_type, *caps;
	bool have_features;
	uint32_t features;
	bool proc_xen, blkfront, netfront, nopv, never;
	enum pci pci;
	const char *root;
	struct dev devs[MAX_DEVS];
	/* the verdict */
	const char *hypervisor, *mode;
	const char
	        *roles; /* "name=role" words, '*' after a judged one; NULL: no devices */
	const char *reason; /* a piece of one reason; NULL: no reasons at all */
	bool reboot;        /* reboot_may_switch */
	const char *sig;    /* the CPUID signature the verdict rests on, or NULL */
};

/* Handy devices. */
#define XVDA_ROOT                                                                        \
	{                                                                                \
		"xvda", "disk", GT_BUS_XEN, "vbd", 0, 0, "disk", GT_CARRIES_ROOT         \
	}
#define VIF_ROUTE                                                                        \
	{                                                                                \
		"eth0", "nic", GT_BUS_XEN, "vif", 0, 0, NULL, GT_CARRIES_DEFAULT_ROUTE   \
	}
#define CD_VBD                                                                           \
	{                                                                                \
		"vbd-5632", "disk", GT_BUS_XEN, NULL, 0, 0, "cdrom", GT_CARRIES_NOTHING  \
	}
#define VBD_UNBOUND                                                                      \
	{                                                                                \
		"vbd-768", "disk", GT_BUS_XEN, NULL, 0, 0, "disk", GT_CARRIES_NOTHING    \
	}
#define VIF_UNBOUND                                                                      \
	{                                                                                \
		"vif-0", "nic", GT_BUS_XEN, NULL, 0, 0, NULL, GT_CARRIES_NOTHING         \
	}
#define SDA_IDE_ROOT                                                                     \
	{                                                                                \
		"sda", "disk", GT_BUS_PCI, "ata_piix", 0x8086, 0x7010, NULL,             \
		        GT_CARRIES_ROOT                                                  \
	}
#define RTL_ROUTE                                                                        \
	{                                                                                \
		"eth0", "nic", GT_BUS_PCI, "8139cp", 0x10ec, 0x8139, NULL,               \
		        GT_CARRIES_DEFAULT_ROUTE                                         \
	}

/* An x86 Xen HVM guest's platform: CPUID, DMI, guest_type (and the platform PCI device).
 */
#define XEN_HVM_NO_PCI                                                                   \
	.arch = "x86_64", .cpuid = { "XenVMMXenVMM" }, .dmi_vendor = "Xen",              \
	.dmi_product = "HVM domU", .hv_type = "xen", .guest_type = "HVM",                \
	.hypervisor = "xen"
#define XEN_HVM XEN_HVM_NO_PCI, .pci = PCI_LISTED

static const struct row rows[] = {
	/* ---- Xen HVM guests: pvhvm or hvm, from what carries the I/O ---- */
	{ "pvhvm: root on xvda, network on the vif", XEN_HVM, .blkfront = true,
	  .netfront = true, .root = "xvda1", .devs = { XVDA_ROOT, VIF_ROUTE },
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=pv*", .sig = "XenVMMXenVMM" },
	{ "pvhvm: the tools CD attached (vbd-5632 device-type cdrom, no driver)", XEN_HVM,
	  .blkfront = true, .netfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT, CD_VBD, VIF_ROUTE }, .mode = "pvhvm",
	  .roles = "xvda=pv* vbd-5632=ignored eth0=pv*" },
	{ "pvhvm: the tools CD attached, xenstore not readable (no device-type)", XEN_HVM,
	  .blkfront = true, .netfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            { "vbd-5632", "disk", GT_BUS_XEN, NULL, 0, 0, NULL,
	              GT_CARRIES_NOTHING },
	            VIF_ROUTE },
	  .mode = "pvhvm", .roles = "xvda=pv* vbd-5632=ignored eth0=pv*" },
	{ "pvhvm: RHEL root on LVM (dm-0) over xvda2", XEN_HVM, .blkfront = true,
	  .netfront = true, .root = "dm-0", .devs = { XVDA_ROOT, VIF_ROUTE },
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=pv*" },
	{ "pvhvm: md RAID1 over two xvd disks", XEN_HVM, .blkfront = true,
	  .netfront = true, .root = "md0",
	  .devs = { XVDA_ROOT,
	            { "xvdb", "disk", GT_BUS_XEN, "vbd", 0, 0, "disk", GT_CARRIES_ROOT },
	            VIF_ROUTE },
	  .mode = "pvhvm", .roles = "xvda=pv* xvdb=pv* eth0=pv*" },
	{ "hvm: md RAID1 with one leaf on the emulated disk", XEN_HVM, .blkfront = true,
	  .netfront = true, .root = "md0", .devs = { XVDA_ROOT, SDA_IDE_ROOT, VIF_ROUTE },
	  .mode = "hvm", .roles = "xvda=pv* sda=emulated* eth0=pv*",
	  .reason = "the root disk sda" },
	{ "pvhvm: LUKS over LVM over xvda2", XEN_HVM, .blkfront = true, .netfront = true,
	  .root = "dm-1", .devs = { XVDA_ROOT, VIF_ROUTE }, .mode = "pvhvm",
	  .roles = "xvda=pv* eth0=pv*" },
	{ "hvm: LVM over the emulated sda2, frontends offered, not loaded", XEN_HVM,
	  .root = "dm-0",
	  .devs = { VBD_UNBOUND,
	            VIF_UNBOUND,
	            SDA_IDE_ROOT,
	            { "eth0", "nic", GT_BUS_PCI, "e1000", 0x8086, 0x100e, NULL,
	              GT_CARRIES_DEFAULT_ROUTE } },
	  .mode = "hvm",
	  .roles = "vbd-768=ignored vif-0=ignored sda=emulated* eth0=emulated*",
	  .reason = "xen-blkfront is not loaded", .reboot = true },
	{ "hvm: xen_emul_unplug=never on the command line", XEN_HVM, .never = true,
	  .root = "sda1", .devs = { VBD_UNBOUND, VIF_UNBOUND, SDA_IDE_ROOT, RTL_ROUTE },
	  .mode = "hvm",
	  .roles = "vbd-768=ignored vif-0=ignored sda=emulated* eth0=emulated*",
	  .reason = "xen_emul_unplug=never" },
	{ "hvm: xen_nopv on the command line", XEN_HVM, .nopv = true, .root = "sda1",
	  .devs = { SDA_IDE_ROOT }, .mode = "hvm", .roles = "sda=emulated*",
	  .reason = "xen_nopv" },
	{ "hvm: xen-blkfront loaded but the vbd unbound", XEN_HVM, .blkfront = true,
	  .root = "sda1", .devs = { VBD_UNBOUND, SDA_IDE_ROOT }, .mode = "hvm",
	  .roles = "vbd-768=ignored sda=emulated*",
	  .reason = "did not take the PV disk" },
	{ "hvm: no Xen platform PCI device (xen_platform_pci=0)", XEN_HVM_NO_PCI,
	  .pci = PCI_ABSENT, .root = "sda1", .devs = { SDA_IDE_ROOT, RTL_ROUTE },
	  .mode = "hvm", .roles = "sda=emulated* eth0=emulated*",
	  .reason = "platform PCI device" },
	{ "hvm: PV root disk, emulated NIC with the default route", XEN_HVM,
	  .blkfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT, RTL_ROUTE, VIF_UNBOUND }, .mode = "hvm",
	  .roles = "xvda=pv* eth0=emulated* vif-0=ignored",
	  .reason = "eth0 is an emulated NIC", .reboot = true },
	{ "pvhvm: an idle emulated NIC (no address) beside the vif", XEN_HVM,
	  .blkfront = true, .netfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            VIF_ROUTE,
	            { "eth1", "nic", GT_BUS_PCI, "e1000", 0x8086, 0x100e, NULL,
	              GT_CARRIES_NOTHING } },
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=pv* eth1=emulated" },
	{ "pvhvm: AWS-like, PV disk and an ixgbevf SR-IOV VF", XEN_HVM, .blkfront = true,
	  .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            { "eth0", "nic", GT_BUS_PCI, "ixgbevf", 0x8086, 0x10ed, NULL,
	              GT_CARRIES_DEFAULT_ROUTE } },
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=passthrough*" },
	{ "pvhvm: AWS-like, PV disk and an ena VF", XEN_HVM, .blkfront = true,
	  .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            { "eth0", "nic", GT_BUS_PCI, "ena", 0x1d0f, 0xec20, NULL,
	              GT_CARRIES_DEFAULT_ROUTE } },
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=passthrough*" },
	{ "hvm: e1000e on QEMU's 82574L IDs is emulated", XEN_HVM, .blkfront = true,
	  .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            { "eth0", "nic", GT_BUS_PCI, "e1000e", 0x8086, 0x10d3, NULL,
	              GT_CARRIES_ADDRESS } },
	  .mode = "hvm", .roles = "xvda=pv* eth0=emulated*", .reason = "eth0" },
	{ "pvhvm: e1000e on a real Intel I219 is passed through", XEN_HVM,
	  .blkfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            { "eth0", "nic", GT_BUS_PCI, "e1000e", 0x8086, 0x15b8, NULL,
	              GT_CARRIES_ADDRESS } },
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=passthrough*" },
	{ "pvhvm: root on a passed-through NVMe, network on the vif", XEN_HVM,
	  .netfront = true, .root = "nvme0n1p1",
	  .devs = { { "nvme0n1", "disk", GT_BUS_PCI, "nvme", 0x144d, 0xa808, NULL,
	              GT_CARRIES_ROOT },
	            VIF_ROUTE },
	  .mode = "pvhvm", .roles = "nvme0n1=passthrough* eth0=pv*" },
	{ "hvm: no routing table read, the emulated NIC counts", XEN_HVM,
	  .blkfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT,
	            { "eth0", "nic", GT_BUS_PCI, "8139too", 0x10ec, 0x8139, NULL,
	              GT_CARRIES_UNKNOWN_ROUTES } },
	  .mode = "hvm", .roles = "xvda=pv* eth0=emulated*",
	  .reason = "no routing table" },
	{ "hvm: the emulated model known by its driver when the IDs are unreadable",
	  XEN_HVM, .root = "sda1",
	  .devs = { { "sda", "disk", GT_BUS_OTHER, "ata_piix", 0, 0, NULL,
	              GT_CARRIES_ROOT } },
	  .mode = "hvm", .roles = "sda=emulated*", .reason = "sda" },
	{ "pvhvm: an iSCSI root (no controller to classify) and the vif", XEN_HVM,
	  .netfront = true, .root = "sda1",
	  .devs = { { "sda", "disk", GT_BUS_OTHER, NULL, 0, 0, NULL, GT_CARRIES_ROOT },
	            VIF_ROUTE },
	  .mode = "pvhvm", .roles = "sda=ignored eth0=pv*" },
	{ "unknown: frontends listed, no root device, no NIC", XEN_HVM, .blkfront = true,
	  .devs = { { "xvda", "disk", GT_BUS_XEN, "vbd", 0, 0, NULL,
	              GT_CARRIES_NOTHING } },
	  .mode = "unknown", .roles = "xvda=pv", .reason = "could be identified" },
	{ "unknown: an old RHEL 5 HVM dump, no devices at all", XEN_HVM,
	  .mode = "unknown", .reason = "HVM cannot be told from PVHVM" },
	{ "hvm: RHEL 5 dump, emulated NIC from the PCI list", XEN_HVM,
	  .devs = { { "0000:00:04.0", "nic", GT_BUS_PCI, "8139cp", 0x10ec, 0x8139, NULL,
	              GT_CARRIES_UNKNOWN_ROUTES } },
	  .mode = "hvm", .roles = "0000:00:04.0=emulated*", .reason = "0000:00:04.0" },

	/* ---- Xen guest types ---- */
	{ "pv: guest_type PV", .arch = "x86_64", .hv_type = "xen", .guest_type = "PV",
	  .proc_xen = true, .caps = "", .root = "xvda1", .devs = { XVDA_ROOT, VIF_ROUTE },
	  .hypervisor = "xen", .mode = "pv", .roles = "xvda=pv* eth0=pv*",
	  .reason = "switch the VM to HVM" },
	{ "pvh: guest_type PVH", .arch = "x86_64", .cpuid = { "XenVMMXenVMM" },
	  .hv_type = "xen", .guest_type = "PVH", .root = "xvda1", .devs = { XVDA_ROOT },
	  .hypervisor = "xen", .mode = "pvh", .roles = "xvda=pv*" },
	{ "pv: CentOS 6 on a CPUID-faulting host (Xen leaf, PV features)",
	  .arch = "x86_64", .cpuid = { "XenVMMXenVMM" }, .hv_type = "xen",
	  .have_features = true, .features = 0x20e0, .proc_xen = true, .caps = "",
	  .root = "dm-0", .devs = { XVDA_ROOT, VIF_ROUTE }, .hypervisor = "xen",
	  .mode = "pv", .roles = "xvda=pv* eth0=pv*", .reason = "PV mode" },
	{ "pv: RHEL 5 xenlinux, /proc/xen and no features", .arch = "x86_64",
	  .hv_type = "xen", .proc_xen = true, .caps = "", .hypervisor = "xen",
	  .mode = "pv", .reason = "PV mode" },
	{ "pv: i386 PV dump whose cpuinfo leaks vmx", .arch = "i686", .proc_xen = true,
	  .caps = "", .pci = PCI_ABSENT, .hypervisor = "xen", .mode = "pv",
	  .reason = "PV mode" },
	{ "unknown: the Xen CPUID leaf alone", .arch = "x86_64",
	  .cpuid = { "XenVMMXenVMM" }, .hypervisor = "xen", .mode = "unknown",
	  .reason = "no proof of HVM" },
	{ "pvhvm: no guest_type, HVM features, PV devices", .arch = "x86_64",
	  .cpuid = { "XenVMMXenVMM" }, .dmi_vendor = "Xen", .dmi_product = "HVM domU",
	  .hv_type = "xen", .have_features = true, .features = 0x2705, .pci = PCI_LISTED,
	  .blkfront = true, .netfront = true, .root = "xvda1",
	  .devs = { XVDA_ROOT, VIF_ROUTE }, .hypervisor = "xen", .mode = "pvhvm",
	  .roles = "xvda=pv* eth0=pv*" },
	{ "pvh: PVHv1 features (supervisor_mode_kernel, hvm_callback_vector)",
	  .arch = "x86_64", .hv_type = "xen", .have_features = true, .features = 0x030d,
	  .root = "xvda1", .devs = { XVDA_ROOT }, .hypervisor = "xen", .mode = "pvh",
	  .roles = "xvda=pv*" },
	{ "pvh: PVHv2 features, no device model (no pirqs, PCI device, DMI)",
	  .arch = "x86_64", .cpuid = { "XenVMMXenVMM" }, .hv_type = "xen",
	  .have_features = true, .features = 0x2305, .pci = PCI_ABSENT, .root = "xvda1",
	  .devs = { XVDA_ROOT }, .hypervisor = "xen", .mode = "pvh",
	  .roles = "xvda=pv*" },
	{ "dom0: /proc/xen/capabilities says control_d", .arch = "x86_64",
	  .hv_type = "xen", .proc_xen = true, .caps = "control_d", .hypervisor = "xen",
	  .mode = "dom0" },
	{ "dom0: XENFEAT_dom0 with no capabilities file", .arch = "x86_64",
	  .hv_type = "xen", .guest_type = "PVH", .have_features = true,
	  .features = 0x2b05, .hypervisor = "xen", .mode = "dom0" },
	{ "dom0: its own hardware is no passthrough to judge", .arch = "x86_64",
	  .hv_type = "xen", .guest_type = "PV", .caps = "control_d", .proc_xen = true,
	  .root = "sda1",
	  .devs = { { "sda", "disk", GT_BUS_PCI, "megaraid_sas", 0x1000, 0x005d, NULL,
	              GT_CARRIES_ROOT },
	            { "xvda", "disk", GT_BUS_XEN, "vbd", 0, 0, "disk",
	              GT_CARRIES_NOTHING } },
	  .hypervisor = "xen", .mode = "dom0", .roles = "sda=passthrough* xvda=pv" },
	{ "pvh: Xen on aarch64 without guest_type", .arch = "aarch64",
	  .platform_hv = "xen", .root = "xvda1", .devs = { XVDA_ROOT },
	  .hypervisor = "xen", .mode = "pvh", .roles = "xvda=pv*" },
	{ "pvh: Xen on armv7l without guest_type is never pv", .arch = "armv7l",
	  .hv_type = "xen", .proc_xen = true, .caps = "", .root = "xvda1",
	  .devs = { XVDA_ROOT }, .hypervisor = "xen", .mode = "pvh",
	  .roles = "xvda=pv*" },
	{ "pvh: Xen on aarch64 whose guest_type says HVM", .arch = "aarch64",
	  .hv_type = "xen", .guest_type = "HVM", .root = "xvda1", .devs = { XVDA_ROOT },
	  .hypervisor = "xen", .mode = "pvh", .roles = "xvda=pv*" },
	{ "pvhvm: Xen with Viridian (Hyper-V leaf first, Xen at 0x40000100)",
	  .arch = "x86_64", .cpuid = { "Microsoft Hv", "XenVMMXenVMM" },
	  .dmi_vendor = "Xen", .dmi_product = "HVM domU", .hv_type = "xen",
	  .guest_type = "HVM", .pci = PCI_LISTED, .blkfront = true, .netfront = true,
	  .root = "xvda1", .devs = { XVDA_ROOT, VIF_ROUTE }, .hypervisor = "xen",
	  .mode = "pvhvm", .roles = "xvda=pv* eth0=pv*", .sig = "XenVMMXenVMM" },
	{ "unknown: ia64 HVM with frontends registered and no devices", .arch = "ia64",
	  .blkfront = true, .netfront = true, .hypervisor = "xen", .mode = "unknown",
	  .reason = "could be identified" },

	/* ---- other hypervisors ---- */
	{ "kvm: the KVM leaf", .arch = "x86_64", .cpuid = { "KVMKVMKVM" },
	  .hypervisor = "kvm", .mode = "n/a", .sig = "KVMKVMKVM" },
	{ "kvm: Hyper-V enlightenments, QEMU DMI agrees with the KVM leaf",
	  .arch = "x86_64", .cpuid = { "Microsoft Hv", "KVMKVMKVM" },
	  .dmi_vendor = "QEMU", .dmi_product = "Standard PC (Q35 + ICH9, 2009)",
	  .root = "vda1",
	  .devs = { { "vda", "disk", GT_BUS_VIRTIO, "virtio_blk", 0, 0, NULL,
	              GT_CARRIES_ROOT } },
	  .hypervisor = "kvm", .mode = "n/a", .roles = "vda=pv*", .sig = "KVMKVMKVM" },
	{ "kvm: Hyper-V enlightenments with no DMI at all", .arch = "x86_64",
	  .cpuid = { "Microsoft Hv", "KVMKVMKVM" }, .hypervisor = "kvm", .mode = "n/a",
	  .sig = "KVMKVMKVM" },
	{ "kvm: RHEL DMI says KVM over a Bochs-like leaf order", .arch = "x86_64",
	  .cpuid = { "Microsoft Hv", "KVMKVMKVM" }, .dmi_vendor = "Red Hat",
	  .dmi_product = "KVM", .hypervisor = "kvm", .mode = "n/a", .sig = "KVMKVMKVM" },
	{ "hyperv: synthetic NIC and disk", .arch = "x86_64", .cpuid = { "Microsoft Hv" },
	  .dmi_vendor = "Microsoft Corporation", .dmi_product = "Virtual Machine",
	  .root = "sda1",
	  .devs = { { "sda", "disk", GT_BUS_VMBUS, "hv_storvsc", 0, 0, NULL,
	              GT_CARRIES_ROOT },
	            { "eth0", "nic", GT_BUS_VMBUS, "hv_netvsc", 0, 0, NULL,
	              GT_CARRIES_DEFAULT_ROUTE } },
	  .hypervisor = "hyperv", .mode = "n/a", .roles = "sda=pv* eth0=pv*",
	  .sig = "Microsoft Hv" },
	{ "hyperv: the legacy adapter carries the network", .arch = "x86_64",
	  .cpuid = { "Microsoft Hv" }, .dmi_vendor = "Microsoft Corporation",
	  .dmi_product = "Virtual Machine",
	  .devs = { { "eth0", "nic", GT_BUS_PCI, "tulip", 0x1011, 0x0009, NULL,
	              GT_CARRIES_DEFAULT_ROUTE } },
	  .hypervisor = "hyperv", .mode = "n/a", .roles = "eth0=emulated*",
	  .reason = "legacy (emulated) network adapter" },
	{ "hyperv: Gen1 legacy adapter idle beside the synthetic one", .arch = "x86_64",
	  .cpuid = { "Microsoft Hv" }, .dmi_vendor = "Microsoft Corporation",
	  .dmi_product = "Virtual Machine",
	  .devs = { { "eth0", "nic", GT_BUS_VMBUS, "hv_netvsc", 0, 0, NULL,
	              GT_CARRIES_DEFAULT_ROUTE },
	            { "eth1", "nic", GT_BUS_PCI, "tulip", 0x1011, 0x0009, NULL,
	              GT_CARRIES_NOTHING } },
	  .hypervisor = "hyperv", .mode = "n/a", .roles = "eth0=pv* eth1=emulated" },
	{ "container: docker markers", .arch = "x86_64", .cpuid = { "KVMKVMKVM" },
	  .container = true, .hypervisor = "container", .mode = "n/a" },
	{ "none: bare metal", .arch = "x86_64", .hypervisor = "none", .mode = "n/a" },
	{ "vmware: the VMware leaf", .arch = "x86_64", .cpuid = { "VMwareVMware" },
	  .hypervisor = "vmware", .mode = "n/a" },
	{ "other: Parallels shows KVM's leaf, its DMI tells", .arch = "x86_64",
	  .cpuid = { "KVMKVMKVM" }, .dmi_vendor = "Parallels Software International Inc.",
	  .dmi_product = "Parallels Virtual Platform", .hypervisor = "other",
	  .mode = "n/a" },
	{ "qemu: TCG's leaf", .arch = "x86_64", .cpuid = { "TCGTCGTCGTCG" },
	  .dmi_vendor = "QEMU", .hypervisor = "qemu", .mode = "n/a" },
	{ "other: an unknown leaf", .arch = "x86_64", .cpuid = { "ZZZZhypervis" },
	  .hypervisor = "other", .mode = "n/a" },
	{ "none: CPUID leaves of another architecture's file are ignored",
	  .arch = "aarch64", .cpuid = { "KVMKVMKVM" }, .hypervisor = "none",
	  .mode = "n/a" },
};

static void fill(const struct row *r, struct gt_virt_facts *f,
                 struct gt_virt_dev_facts *devs)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->arch = r->arch;
	for (i = 0; i < 3 && r->cpuid[i]; i++)
		f->cpuid[f->ncpuid++] = (char *)r->cpuid[i];
	f->container = r->container;
	f->cpu_hypervisor_flag = r->hv_flag;
	f->dmi_vendor = (char *)r->dmi_vendor;
	f->dmi_product = (char *)r->dmi_product;
	f->platform_hv = r->platform_hv;
	f->hypervisor_type = (char *)r->hv_type;
	f->guest_type = (char *)r->guest_type;
	f->have_features = r->have_features;
	f->features = r->features;
	f->proc_xen = r->proc_xen;
	f->capabilities = (char *)r->caps;
	f->platform_pci = r->pci == PCI_UNREAD ? -1 : r->pci == PCI_LISTED;
	f->blkfront_registered = r->blkfront;
	f->netfront_registered = r->netfront;
	f->cmdline_xen_nopv = r->nopv;
	f->cmdline_unplug_never = r->never;
	f->root_device = (char *)r->root;
	f->have_routes = true;
	for (i = 0; i < MAX_DEVS && r->devs[i].name; i++) {
		const struct dev *d = &r->devs[i];

		devs[i] = (struct gt_virt_dev_facts){
			.name = (char *)d->name,
			.kind = d->kind,
			.bus = d->bus,
			.driver = (char *)d->driver,
			.vendor = d->vendor,
			.device = d->device,
			.xen_devtype = (char *)d->devtype,
			.xen_state = -1,
			.backend_state = -1,
			.carries = d->carries,
			.via = d->carries == GT_CARRIES_ROOT ? (char *)r->root : NULL,
		};
		if (d->carries == GT_CARRIES_UNKNOWN_ROUTES)
			f->have_routes = false;
	}
	f->devs = devs;
	f->ndevs = i;
}

static const struct gt_virt_device *device(const struct gt_virt *v, const char *name,
                                           size_t len)
{
	size_t i;

	for (i = 0; i < v->ndevices; i++)
		if (strlen(v->devices[i].name) == len &&
		    strncmp(v->devices[i].name, name, len) == 0)
			return &v->devices[i];
	return NULL;
}

static bool some_reason_has(const struct gt_virt *v, const char *piece)
{
	size_t i;

	for (i = 0; v->reasons[i]; i++)
		if (strstr(v->reasons[i], piece))
			return true;
	return false;
}

static void check_roles(const struct row *r, const struct gt_virt *v)
{
	const char *s = r->roles ? r->roles : "";
	size_t words = 0;

	while (*s) {
		size_t n = strcspn(s, " "), eq = strcspn(s, "=");
		const struct gt_virt_device *d = device(v, s, eq);
		bool judged = s[n - 1] == '*';
		char role[32];

		snprintf(role, sizeof(role), "%.*s", (int)(n - eq - 1 - judged),
		         s + eq + 1);
		if (!d)
			fail_msg("%s: no device %.*s", r->name, (int)eq, s);
		if (strcmp(d->role, role) != 0 || d->judged != judged)
			fail_msg("%s: %s is %s%s, want %s%s (%s)", r->name, d->name,
			         d->role, d->judged ? "*" : "", role, judged ? "*" : "",
			         d->note);
		assert_int_equal(d->pv, strcmp(role, "pv") == 0 && d->driver);
		assert_non_null(d->note);
		words++;
		s += n + (s[n] == ' ');
	}
	if (v->ndevices != words)
		fail_msg("%s: %zu devices, want %zu", r->name, v->ndevices, words);
}

static void test_row(void **state)
{
	const struct row *r = *state;
	struct gt_virt_dev_facts devs[MAX_DEVS];
	struct gt_virt_facts f;
	struct gt_virt *v = NULL;
	size_t i;

	fill(r, &f, devs);
	assert_int_equal(gt_virt_decide(&f, &v), 0);
	if (strcmp(v->hypervisor, r->hypervisor) != 0 || strcmp(v->mode, r->mode) != 0)
		fail_msg("%s: %s/%s, want %s/%s", r->name, v->hypervisor, v->mode,
		         r->hypervisor, r->mode);
	check_roles(r, v);
	if (r->reason && !some_reason_has(v, r->reason))
		fail_msg("%s: no reason has \"%s\" (%s)", r->name, r->reason,
		         v->reasons[0] ? v->reasons[0] : "no reasons");
	if (!r->reason && v->reasons[0])
		fail_msg("%s: unexpected reason: %s", r->name, v->reasons[0]);
	assert_int_equal(v->reboot_may_switch, r->reboot);
	if (r->sig)
		assert_string_equal(v->cpuid, r->sig);
	/* Every device that keeps an HVM guest from PVHVM is named in a reason,
	 * with what to do; a passed-through NIC never gets "the PV NIC replaces it". */
	for (i = 0; i < v->ndevices; i++) {
		const struct gt_virt_device *d = &v->devices[i];
		size_t k;

		if (strcmp(v->mode, "hvm") == 0 && d->judged &&
		    strcmp(d->role, "emulated") == 0)
			assert_true(some_reason_has(v, d->name));
		for (k = 0; strcmp(d->role, "passthrough") == 0 && v->reasons[k]; k++)
			assert_null(strstr(v->reasons[k], d->name));
	}
	gt_virt_free(v);
}

/* ---- the CPUID decoder ---- */

static struct gt_cpuid_regs leaf(uint32_t eax, const char *sig)
{
	struct gt_cpuid_regs r = { .eax = eax };
	char buf[12] = { 0 };

	memcpy(buf, sig, strlen(sig) < 12 ? strlen(sig) : 12);
	memcpy(&r.ebx, buf, 4);
	memcpy(&r.ecx, buf + 4, 4);
	memcpy(&r.edx, buf + 8, 4);
	return r;
}

static void test_cpuid_old_kvm_host_eax_zero(void **state)
{
	/* Documentation/virt/kvm/x86/cpuid.rst: old hosts answer eax 0 at 0x40000000. */
	struct gt_cpuid_regs regs[] = { leaf(0, "KVMKVMKVM"), leaf(0, "") };
	char *sigs[4] = { NULL };

	(void)state;
	assert_int_equal(gt_virt_cpuid_decode(regs, 2, sigs, 4), 1);
	assert_string_equal(sigs[0], "KVMKVMKVM");
	free(sigs[0]);
}

static void test_cpuid_hyperv_then_kvm(void **state)
{
	struct gt_cpuid_regs regs[] = { leaf(0x4000000b, "Microsoft Hv"),
		                        leaf(0x40000101, "KVMKVMKVM"), leaf(0, "") };
	char *sigs[4] = { NULL };

	(void)state;
	assert_int_equal(gt_virt_cpuid_decode(regs, 3, sigs, 4), 2);
	assert_string_equal(sigs[0], "Microsoft Hv");
	assert_string_equal(sigs[1], "KVMKVMKVM");
	free(sigs[0]);
	free(sigs[1]);
}

static void test_cpuid_range_below_its_leaf_ends_the_scan(void **state)
{
	/* Intel answers an out-of-range leaf with the highest basic leaf's data. */
	struct gt_cpuid_regs regs[] = { leaf(0x40000005, "XenVMMXenVMM"),
		                        leaf(0x0000000d, "GenuineIntel") };
	char *sigs[4] = { NULL };

	(void)state;
	assert_int_equal(gt_virt_cpuid_decode(regs, 2, sigs, 4), 1);
	assert_string_equal(sigs[0], "XenVMMXenVMM");
	free(sigs[0]);
}

static void test_cpuid_max_is_respected(void **state)
{
	struct gt_cpuid_regs regs[] = { leaf(0x4000000b, "Microsoft Hv"),
		                        leaf(0x40000105, "XenVMMXenVMM") };
	char *sigs[1] = { NULL };

	(void)state;
	assert_int_equal(gt_virt_cpuid_decode(regs, 2, sigs, 1), 1);
	free(sigs[0]);
}

/* ---- xenstore paths: a backend path comes from the store and is not trusted ---- */

static void test_xenstore_paths(void **state)
{
	static const char *const good[] = { "device/vbd/5632/device-type",
		                            "/local/domain/0/backend/vbd/7/5632/state",
		                            "device/vif/0/backend", NULL };
	static const char *const bad[] = { "device/vbd/../../etc",
		                           "/etc/shadow",
		                           "/local/domain/0/../../x",
		                           "device//vbd",
		                           "device/vbd/5632/",
		                           "device/vbd/a b",
		                           "",
		                           NULL };
	char *paths[3];
	size_t i;

	(void)state;
	for (i = 0; good[i]; i++)
		assert_true(gt_xenstore_path_ok(good[i]));
	for (i = 0; bad[i]; i++)
		if (gt_xenstore_path_ok(bad[i]))
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(gt_xenstore_frontend_paths("device/vbd/5632", paths), 0);
	assert_string_equal(paths[0], "device/vbd/5632/device-type");
	assert_string_equal(paths[1], "device/vbd/5632/state");
	assert_string_equal(paths[2], "device/vbd/5632/backend");
	for (i = 0; i < 3; i++)
		free(paths[i]);
	assert_int_equal(gt_xenstore_frontend_paths("device/vif/0", paths), 0);
	assert_null(paths[0]); /* device-type is a vbd's only */
	free(paths[1]);
	free(paths[2]);
	assert_int_equal(gt_xenstore_frontend_paths("backend/vbd/7/0", paths), -EINVAL);
	assert_int_equal(gt_xenstore_frontend_paths("device/vbd/1/2", paths), -EINVAL);
}

#define NROWS (sizeof(rows) / sizeof(rows[0]))

int main(void)
{
	struct CMUnitTest tests[NROWS + 5];
	size_t i;

	for (i = 0; i < NROWS; i++)
		tests[i] = (struct CMUnitTest){ .name = rows[i].name,
			                        .test_func = test_row,
			                        .initial_state = (void *)&rows[i] };
	tests[i++] =
	        (struct CMUnitTest)cmocka_unit_test(test_cpuid_old_kvm_host_eax_zero);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_cpuid_hyperv_then_kvm);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(
	        test_cpuid_range_below_its_leaf_ends_the_scan);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_cpuid_max_is_respected);
	tests[i++] = (struct CMUnitTest)cmocka_unit_test(test_xenstore_paths);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
