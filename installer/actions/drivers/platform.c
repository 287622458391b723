/* SPDX-License-Identifier: MIT */
/*
 * Another hypervisor than Xen: the Xen agent has no xenstore to talk to
 * there. What the admin can act on instead: the platform's own guest tools
 * (found in the root or not), which of its PV drivers the newest installed
 * kernel has, and whether they drive the disk and the NICs (the verdict's
 * devices).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "strv.h"

#define MAX_MODS GT_PLATFORM_MAX_DRIVERS

/* KVM and QEMU alike: the virtio drivers (the table below says where from). */
/* clang-format off */
#define VIRTIO_FRONTENDS \
	{ { "virtio_blk", "CONFIG_VIRTIO_BLK", "kernel/drivers/block/virtio_blk" }, \
	  { "virtio_scsi", "CONFIG_SCSI_VIRTIO", "kernel/drivers/scsi/virtio_scsi" }, \
	  { "virtio_net", "CONFIG_VIRTIO_NET", "kernel/drivers/net/virtio_net" }, \
	  { "virtio_pci", "CONFIG_VIRTIO_PCI", "kernel/drivers/virtio/virtio_pci" } }
/* clang-format on */
#define N_VIRTIO_FRONTENDS 4

/*
 * Each platform: its name, its tools with the file that shows them
 * installed (qemu-guest-agent's qemu-ga, hyperv-daemons' hv_kvp_daemon,
 * open-vm-tools' vmtoolsd, the Guest Additions' VBoxService), and its PV
 * drivers with their Kconfig symbols and module paths
 * (drivers/block/virtio_blk.c, drivers/scsi/virtio_scsi.c,
 * drivers/net/virtio_net.c, drivers/virtio/virtio_pci_common.c;
 * drivers/hv/vmbus_drv.c, drivers/scsi/storvsc_drv.c,
 * drivers/net/hyperv/netvsc_drv.c; drivers/scsi/vmw_pvscsi.c,
 * drivers/net/vmxnet3/; drivers/virt/vboxguest/).
 */
static const struct platform {
	const char *hv, *name, *tools;
	const char *tools_files[3];
	struct frontend mods[MAX_MODS];
	size_t nmods;
} platforms[] = {
	{ "kvm",
	  "KVM",
	  "qemu-guest-agent",
	  { "/usr/bin/qemu-ga", "/usr/sbin/qemu-ga", NULL },
	  VIRTIO_FRONTENDS,
	  N_VIRTIO_FRONTENDS },
	{ "qemu",
	  "QEMU",
	  "qemu-guest-agent",
	  { "/usr/bin/qemu-ga", "/usr/sbin/qemu-ga", NULL },
	  VIRTIO_FRONTENDS,
	  N_VIRTIO_FRONTENDS },
	{ "hyperv",
	  "Hyper-V",
	  "hyperv-daemons (Linux Integration Services on RHEL and CentOS 7 and older)",
	  { "/usr/sbin/hv_kvp_daemon", "/usr/libexec/hypervkvpd", NULL },
	  { { "hv_vmbus", "CONFIG_HYPERV", "kernel/drivers/hv/hv_vmbus" },
	    { "hv_storvsc", "CONFIG_HYPERV_STORAGE", "kernel/drivers/scsi/hv_storvsc" },
	    { "hv_netvsc", "CONFIG_HYPERV_NET", "kernel/drivers/net/hyperv/hv_netvsc" } },
	  3 },
	{ "vmware",
	  "VMware",
	  "open-vm-tools",
	  { "/usr/bin/vmtoolsd", "/usr/sbin/vmtoolsd", NULL },
	  { { "vmw_pvscsi", "CONFIG_VMWARE_PVSCSI", "kernel/drivers/scsi/vmw_pvscsi" },
	    { "vmxnet3", "CONFIG_VMXNET3", "kernel/drivers/net/vmxnet3/vmxnet3" } },
	  2 },
	{ "virtualbox",
	  "VirtualBox",
	  "VirtualBox Guest Additions",
	  { "/usr/sbin/VBoxService", "/usr/bin/VBoxService", NULL },
	  { { "virtio_net", "CONFIG_VIRTIO_NET", "kernel/drivers/net/virtio_net" },
	    { "virtio_scsi", "CONFIG_SCSI_VIRTIO", "kernel/drivers/scsi/virtio_scsi" },
	    { "vboxguest", "CONFIG_VBOXGUEST",
	      "kernel/drivers/virt/vboxguest/vboxguest" } },
	  3 },
	{ "other", "this hypervisor", NULL, { NULL }, { { NULL, NULL, NULL } }, 0 },
};

static const struct platform *platform_of(const char *hv)
{
	size_t i, n = sizeof(platforms) / sizeof(platforms[0]);

	for (i = 0; i + 1 < n; i++)
		if (strcmp(platforms[i].hv, hv) == 0)
			return &platforms[i];
	return &platforms[n - 1];
}

/* How to get the tools with the package tool the root has ("" when unsure). */
static const char *tools_how(const struct platform *pf, const struct gt_distro *di)
{
	const char *tool = di->package_tool ? di->package_tool : "";

	if (strcmp(pf->hv, "virtualbox") == 0)
		return "from VirtualBox's Devices > Insert Guest Additions CD image, or the distribution's virtualbox-guest-utils package";
	if (strcmp(pf->hv, "hyperv") == 0)
		return strcmp(tool, "dpkg") == 0 ? "apt-get install hyperv-daemons"
		       : strcmp(tool, "rpm") == 0
		               ? "dnf install hyperv-daemons (yum on older releases)"
		               : "the distribution's Hyper-V daemons package";
	if (strcmp(tool, "dpkg") == 0)
		return strcmp(pf->hv, "vmware") == 0 ? "apt-get install open-vm-tools"
		                                     : "apt-get install qemu-guest-agent";
	if (strcmp(tool, "rpm") == 0)
		return strcmp(pf->hv, "vmware") == 0
		               ? "dnf install open-vm-tools (yum on older releases)"
		               : "dnf install qemu-guest-agent (yum on older releases)";
	if (strcmp(tool, "pacman") == 0)
		return strcmp(pf->hv, "vmware") == 0 ? "pacman -S open-vm-tools"
		                                     : "pacman -S qemu-guest-agent";
	if (strcmp(tool, "apk") == 0)
		return strcmp(pf->hv, "vmware") == 0 ? "apk add open-vm-tools"
		                                     : "apk add qemu-guest-agent";
	return "the distribution's package of that name";
}

int drv_plan_platform(struct planner *pl)
{
	const struct platform *pf = platform_of(pl->d->virt->hypervisor);
	struct gt_platform_advice *a = calloc(1, sizeof(*a));
	enum fe_state st[MAX_MODS];
	size_t i;
	int ret = 0;

	if (!a)
		return -ENOMEM;
	pl->p->platform = a;
	a->hypervisor = pl->d->virt->hypervisor;
	a->name = pf->name;
	a->tools = pf->tools;
	a->tools_how = pf->tools ? tools_how(pf, pl->d->distro) : NULL;
	for (i = 0; i < 3 && pf->tools_files[i] && !a->tools_found; i++)
		if (gt_root_exists(pl->root, pf->tools_files[i]))
			a->tools_found = pf->tools_files[i];
	/* The newest kernel is the one the next boot most likely runs. */
	if (pl->nk > 0 && pf->nmods > 0) {
		const char *kver = pl->k[pl->nk - 1].kver;

		ret = drv_kernel_modules(pl, kver, pf->mods, pf->nmods, st);
		if (ret < 0)
			return ret;
		if (!(a->kernel = strdup(kver)))
			return -ENOMEM;
	}
	for (i = 0; i < pf->nmods; i++) {
		a->drivers[i].module = pf->mods[i].module;
		a->drivers[i].state = !a->kernel            ? "unknown"
		                      : st[i] == FE_BUILTIN ? "built in"
		                      : st[i] == FE_MODULE  ? "module"
		                                            : "absent";
	}
	a->ndrivers = pf->nmods;
	return 0;
}
