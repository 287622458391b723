/* SPDX-License-Identifier: MIT */
/*
 * The inventory of facts the virtualization verdict is decided from, and the
 * pure function that decides it. The probes fill a struct gt_virt_facts;
 * gt_virt_decide() reads nothing else, so a table of facts tests it
 * (tests/unit/test_virt_verdict.c) and a support bundle replays it.
 */
#ifndef GT_VIRT_FACTS_H
#define GT_VIRT_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "detect/virt.h"

#define GT_VIRT_MAX_CPUID 16

/* XENFEAT bit numbers (xen/include/public/features.h), as util-linux lscpu uses them. */
#define GT_XENFEAT_SUPERVISOR_MODE_KERNEL    3
#define GT_XENFEAT_MMU_PT_UPDATE_PRESERVE_AD 5
#define GT_XENFEAT_HVM_CALLBACK_VECTOR       8
#define GT_XENFEAT_HVM_PIRQS                 10
#define GT_XENFEAT_DOM0                      11

/* Why a device counts for the verdict: it carries the guest's I/O. */
enum gt_virt_carries {
	GT_CARRIES_NOTHING = 0,    /* listed only */
	GT_CARRIES_ROOT,           /* a leaf disk under the root filesystem */
	GT_CARRIES_DEFAULT_ROUTE,  /* a NIC (or one under a bridge/bond/VLAN) with the
	                              default route */
	GT_CARRIES_ADDRESS,        /* a NIC with a route or a global address */
	GT_CARRIES_UNKNOWN_ROUTES, /* no routing table could be read: every NIC counts */
};

/* The bus of the device, or of the controller behind a SCSI disk. */
enum gt_virt_bus {
	GT_BUS_UNKNOWN = 0, /* nothing could be read (a tree without sysfs) */
	GT_BUS_XEN,         /* a xenbus frontend: vbd-N, vif-N */
	GT_BUS_VMBUS,       /* Hyper-V VMBus */
	GT_BUS_VIRTIO,      /* a virtio device (on PCI or MMIO) */
	GT_BUS_PCI,         /* a PCI function that is not a virtio transport */
	GT_BUS_OTHER,       /* none of those: iSCSI, USB, platform... */
};

struct gt_virt_dev_facts {
	char *name;       /* "xvda", "eth0", "vbd-5632" */
	const char *kind; /* "disk" or "nic" (static) */
	enum gt_virt_bus bus;
	char *driver; /* bound driver of the device or its controller; NULL: none */
	unsigned vendor, device; /* PCI IDs behind it; 0 when unknown or not PCI */
	char *xen_devtype; /* xenstore device-type of a vbd ("disk", "cdrom"), or NULL */
	int xen_state;     /* the frontend's XenbusState in xenstore; -1 unknown */
	int backend_state; /* its backend's; -1 unknown */
	enum gt_virt_carries carries;
	char *via; /* the way from the root to it ("dm-0 > xvda2"), or NULL */
};

struct gt_virt_facts {
	const char *arch; /* gt_arch_detect()'s spelling (static) */
	bool container;   /* container markers were found (evidence says which) */
	/* Signatures of the leaves 0x40000000, 0x40000100... in order. */
	char *cpuid[GT_VIRT_MAX_CPUID];
	size_t ncpuid;
	bool cpu_hypervisor_flag; /* /proc/cpuinfo flags name "hypervisor" */
	char *dmi_vendor, *dmi_product;
	/* The files they came from: "sys_vendor", "product_name", or the base
	 * board's "board_vendor", "board_name" when those are empty (static). */
	const char *dmi_vendor_file, *dmi_product_file;
	const char *platform_hv; /* what non-x86 platform files name, or NULL (static) */
	/* Xen */
	char *hypervisor_type; /* /sys/hypervisor/type */
	char *guest_type;      /* /sys/hypervisor/guest_type (Linux >= 4.13) */
	bool have_features;    /* /sys/hypervisor/properties/features was read */
	uint32_t features;     /* its submap 0 */
	bool proc_xen;         /* /proc/xen exists */
	char *capabilities;    /* /proc/xen/capabilities, NULL when absent */
	int platform_pci; /* Xen platform PCI device: 1 listed, 0 not, -1 no PCI list */
	bool blkfront_registered,
	        netfront_registered; /* /sys/bus/xen/drivers/{vbd,vif} */
	bool cmdline_xen_nopv, cmdline_unplug_never;
	/* The I/O */
	char *root_device; /* the root's block device ("dm-0"), or NULL when unknown */
	bool have_routes;  /* a routing table or an IPv6 address list was read */
	struct gt_virt_dev_facts *devs;
	size_t ndevs;
	/* What the probes read, in words: the start of the verdict's evidence. */
	char **evidence;
	size_t nevidence;
	/* The same in the user's language (NULL, or as many lines as evidence). */
	char **evidence_shown;
	size_t nevidence_shown;
};

/*
 * gt_virt_decide - the verdict on @f, reading nothing. The evidence of @f is
 * copied first, the verdict's own follows. On success *out (free with
 * gt_virt_free()) holds it. Returns 0 or -ENOMEM.
 */
int gt_virt_decide(const struct gt_virt_facts *f, struct gt_virt **out);

/* gt_virt_facts_free - free what the probes allocated in @f (not @f itself). */
void gt_virt_facts_free(struct gt_virt_facts *f);

/*
 * gt_virt_probe - fill @f from @root (every probe in turn). @rootfs may be
 * NULL. Returns 0 or -ENOMEM (then @f holds what was read so far; free it).
 */
int gt_virt_probe(const struct gt_root *root, const char *arch,
                  const struct gt_rootfs *rootfs, struct gt_virt_facts *f);

#endif
