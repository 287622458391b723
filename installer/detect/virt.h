/* SPDX-License-Identifier: MIT */
/*
 * The virtualization verdict: which hypervisor, which Xen mode, and the role
 * of each disk and NIC, from evidence. Three layers:
 *
 *   probes (virt_cpuid.c, virt_probe.c, virt_devices.c, virt_xenstore.c)
 *     read CPUID, DMI, /sys, /proc and xenstore into
 *   an inventory of facts (virt_facts.h), which
 *   gt_virt_decide() (virt_verdict.c) turns into this verdict, reading nothing.
 *
 * Every fact used goes to `evidence`; when a Xen guest is not PVHVM (or PVH),
 * `reasons` names the device(s) responsible and what to do.
 */
#ifndef GT_VIRT_H
#define GT_VIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "root.h"
#include "detect/rootfs.h"

struct gt_virt_device {
	char *name;       /* "xvda", "eth0", "vbd-5632" */
	const char *kind; /* "disk" or "nic" */
	char *driver; /* the driver moving its data ("vbd", "vif", "ata_piix"...), or NULL
	               */
	bool pv;      /* role is "pv" and a driver is bound */
	/*
	 * "pv" (xen-blkfront/netfront, virtio, Hyper-V synthetic, vmxnet3,
	 * pvscsi), "emulated" (a model the hypervisor emulates), "passthrough"
	 * (a real PCI function given to the guest: an SR-IOV VF, a GPU) or
	 * "ignored" (a CD, a loop or RAM disk, a frontend no driver took).
	 */
	const char *role;
	bool judged; /* it carries the root filesystem or the network: the verdict counts
	                it */
	char *note;  /* why this role, and why it counts (or not) */
	char *note_shown; /* the same in the user's language (lib/i18n.h) */
};

struct gt_virt {
	const char *hypervisor; /* xen hyperv kvm qemu vmware virtualbox container none
	                           other */
	const char *mode;       /* Xen: pv hvm pvhvm pvh dom0 unknown; others: n/a */
	char *cpuid;            /* the CPUID signature the verdict rests on, or NULL */
	struct gt_virt_device *devices;
	size_t ndevices;
	char **evidence; /* NULL-terminated */
	size_t nevidence;
	char **reasons; /* NULL-terminated */
	size_t nreasons;
	/*
	 * The same lines in the user's language, for the human output (each
	 * formatted twice as it is made: English above for JSON and logs).
	 */
	char **evidence_shown, **reasons_shown;
	size_t nevidence_shown, nreasons_shown;
	bool legacy_nic; /* a Hyper-V legacy (emulated tulip) adapter carries the network
	                  */
	/*
	 * "full" (every device that carries the root or the network is PV or
	 * passed through), "partial", "none", "unknown" (none identified) or
	 * "n/a" (bare metal, a container, dom0); static.
	 */
	const char *paravirtual;
	char **emulated_in_use; /* the emulated devices that carry it, NULL-terminated */
	size_t nemulated_in_use;
	/*
	 * Xen HVM whose every blocking device has a PV frontend on offer that no
	 * driver took yet, and nothing on the command line forbids the switch:
	 * a boot with the frontends in place can make it PVHVM.
	 */
	bool reboot_may_switch;
};

/*
 * gt_virt_detect - decide the hypervisor and mode of @root.
 * @arch: from gt_arch_detect() (CPUID is only meaningful on x86).
 * @rootfs: the root mount (the root's device leads to the disks under it);
 * may be NULL. Under --root the CPUID signatures come from
 * DIR/.guest-tools/cpuid (one a line) and xenstore values from files under
 * DIR/.guest-tools/xenstore/; on the host the CPUID instruction runs and, on
 * Xen, xenstore is asked through /dev/xen/xenbus.
 * Returns 0 or -ENOMEM; *out is owned by the caller.
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
