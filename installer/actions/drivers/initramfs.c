/* SPDX-License-Identifier: MIT */
/* Which initramfs tool the guest uses; its own file plans its steps. */
#include <stddef.h>

#include "actions/drivers/planner.h"

static bool any_prog(const struct planner *pl, const char *const *progs)
{
	for (; *progs; progs++)
		if (gt_root_exists(pl->root, *progs))
			return true;
	return false;
}

int drv_plan_initramfs(struct planner *pl)
{
	static const struct {
		const char *marker; /* what says the tool is set up */
		const char *progs[4];
		int (*plan)(struct planner *);
	} tools[] = {
		{ "/etc/dracut.conf.d",
		  { "/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut", NULL },
		  drv_plan_dracut },
		{ "/etc/initramfs-tools/modules",
		  { "/usr/sbin/update-initramfs", "/sbin/update-initramfs", NULL },
		  drv_plan_initramfs_tools },
		{ "/etc/mkinitcpio.conf",
		  { "/usr/bin/mkinitcpio", NULL },
		  drv_plan_mkinitcpio },
	};
	bool present[3];
	size_t i, pick = 3;

	for (i = 0; i < pl->nk; i++)
		if (drv_kernel_needs_initramfs(&pl->k[i]))
			break;
	if (i == pl->nk)
		return 0;
	/*
	 * Dracut counts with its program alone (its drop-in directory is ours
	 * to create). When several tools look set up, configuration left by a
	 * removed one loses to the one whose program is installed.
	 */
	for (i = 0; i < 3; i++) {
		present[i] = gt_root_exists(pl->root, tools[i].marker) ||
		             (i == 0 && any_prog(pl, tools[i].progs));
		if (present[i] && pick == 3)
			pick = i;
	}
	for (i = 0; i < 3; i++)
		if (present[i] && any_prog(pl, tools[i].progs)) {
			pick = i;
			break;
		}
	if (pick == 3)
		return pl->ms == &drv_pv_modset
		               ? warn(pl, "no-initramfs-tool",
		                      "xen-blkfront/xen-netfront are modules, and no initramfs tool was found (dracut, initramfs-tools, mkinitcpio): add them to the initramfs by hand before rebooting, or the kernel may not find the root disk once the emulated one is unplugged")
		               : warn(pl, "no-initramfs-tool",
		                      "the disk drivers of the first HVM boot (xen-blkfront, ata_piix, ahci, sd_mod) are modules, and no initramfs tool was found (dracut, initramfs-tools, mkinitcpio): install the distribution's initramfs tool, or the kernel may not find its root disk");
	return tools[pick].plan(pl);
}
