/* SPDX-License-Identifier: MIT */
/*
 * The virtualization verdict, from evidence: /sys/hypervisor, /proc/xen,
 * the CPUID hypervisor leaves, DMI, the xenbus and vmbus devices and the
 * drivers bound to them, the drivers behind the NICs and the root disk, and
 * the kernel command line. Every fact used goes to `evidence`; when a Xen
 * guest is not PVHVM/PVH, `reasons` says why in words a user can act on.
 */
#ifndef GT_VIRT_H
#define GT_VIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "root.h"
#include "detect/rootfs.h"

struct gt_virt_device {
	char *name;       /* "xvda", "eth0", "vbd-768" */
	const char *kind; /* "disk" or "nic" */
	char *driver;     /* the bound driver ("vbd", "vif", "e1000"...), or NULL */
	bool pv;          /* driven by a paravirtual (Xen or Hyper-V synthetic) driver */
};

struct gt_virt {
	const char *hypervisor; /* xen hyperv kvm qemu vmware virtualbox container none
	                           other */
	const char *mode;       /* Xen: pv hvm pvhvm pvh dom0; others: n/a */
	char *cpuid;            /* the CPUID signature seen, or NULL */
	struct gt_virt_device *devices;
	size_t ndevices;
	char **evidence; /* NULL-terminated */
	size_t nevidence;
	char **reasons; /* NULL-terminated */
	size_t nreasons;
	bool legacy_nic; /* Hyper-V legacy (emulated tulip) network adapter in use */
};

/*
 * gt_virt_detect - decide the hypervisor and mode of @root.
 * @arch: from gt_arch_detect() (CPUID is only meaningful on x86).
 * @rootfs: the root mount (for the driver behind the root disk); may be NULL.
 * Under --root the CPUID signature comes from DIR/.guest-tools/cpuid (one
 * signature a line; absent or empty = no hypervisor leaf); on the host the
 * CPUID instruction runs. Returns 0 or -ENOMEM; *out is owned by the caller.
 */
int gt_virt_detect(const struct gt_root *root, const char *arch,
                   const struct gt_rootfs *rootfs, struct gt_virt **out);
void gt_virt_free(struct gt_virt *v);

/*
 * gt_virt_cpuid_leaves - run CPUID on this machine: the signatures of the
 * hypervisor leaves 0x40000000, 0x40000100... (at most @max) go to @sigs,
 * each newly allocated (owned by the caller). Returns how many (0 on other
 * architectures or with no hypervisor bit), or -ENOMEM (nothing kept).
 */
int gt_virt_cpuid_leaves(char **sigs, size_t max);

#endif
