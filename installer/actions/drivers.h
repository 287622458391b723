/* SPDX-License-Identifier: MIT */
/*
 * PV-driver planning: what a Xen HVM guest needs so that it comes back as
 * PVHVM after a reboot, and what could break when it does.
 *
 * On the reboot the kernel unplugs the emulated disks and NICs as soon as it
 * was built with xen-blkfront/xen-netfront (built in or as modules), so a
 * module that is not in the initramfs leaves the kernel with no root disk.
 * The plan therefore adds the frontends to the initramfs configuration of
 * the guest's tool (dracut, initramfs-tools or mkinitcpio) and rebuilds the
 * image of every installed kernel that has them as modules. It also warns
 * about what names the emulated devices: /dev/sdX in /etc/fstab and the boot
 * loader (the disk becomes /dev/xvdX), network configuration bound to the
 * emulated NIC's name or MAC (the PV NIC replaces it, possibly under
 * another name).
 *
 * This unit only plans, and only reads (through lib/root.h, so --root
 * works); the install command carries the steps out through its journal.
 */
#ifndef GT_DRIVERS_H
#define GT_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "detect/detect.h"
#include "json.h"
#include "root.h"
#include "detect/warning.h"

struct gt_driver_step {
	enum gt_driver_step_kind { GT_STEP_WRITE_FILE, GT_STEP_RUN } kind;
	/*
	 * WRITE_FILE: the file inside the root to create or replace, with the
	 * mode of the file it replaces (0644 when new). Its directory may not
	 * exist yet (/etc/dracut.conf.d when only the dracut program is there):
	 * create it (0755).
	 */
	char *path;
	char *content; /* WRITE_FILE: its new full content */
	/* RUN: NULL-terminated argument vector (run chrooted into the root when --root)
	 */
	char **argv;
	/*
	 * RUN: the files inside the root that the command replaces (initramfs
	 * images), to back up first; NULL-terminated, possibly empty. A file
	 * listed may not exist yet (a kernel with no image): then rolling back
	 * means removing what the command made.
	 */
	char **backups;
	char *description; /* one line for the plan: English (the JSON) */
	char *shown;       /* the same in the user's language (lib/i18n.h) */
};

#define GT_PLATFORM_MAX_DRIVERS 4

/*
 * Another hypervisor than Xen: the Xen agent stays idle there (it talks to
 * xenstore). What the admin can act on instead.
 */
struct gt_platform_advice {
	const char *
	        hypervisor; /* "kvm", "qemu", "hyperv", "vmware", "virtualbox", "other" */
	const char *name;   /* "KVM", "Hyper-V"... */
	const char *tools;  /* its guest tools ("qemu-guest-agent"), or NULL (other) */
	const char *tools_how; /* how to install them here, or NULL */
	const char *
	        tools_found; /* the file in the root that shows them installed, or NULL */
	char *kernel;        /* the newest installed kernel, NULL when none was found */
	struct {
		const char *module; /* "virtio_blk" */
		const char *
		        state; /* "built in", "module", "absent", "unknown" (no kernel) */
	} drivers[GT_PLATFORM_MAX_DRIVERS];
	size_t ndrivers;
};

struct gt_driver_plan {
	/* Every installed kernel has the frontend (built in or as a module). */
	bool blkfront_available, netfront_available;
	bool builtin; /* both built into every kernel: no initramfs to change */
	/*
	 * Once the steps ran, a reboot switches this Xen HVM guest to PVHVM: the
	 * frontends its emulated root disk and NICs need are on offer and not
	 * loaded yet, nothing on the command line forbids it, and the kernels
	 * have them (the rule verify applies, the steps done).
	 */
	bool reboot_needed;
	struct gt_platform_advice *platform; /* another hypervisor than Xen, else NULL */
	struct gt_driver_step *steps;
	size_t n_steps;
	/*
	 * Codes: "no-xen-frontends", "missing-xen-frontend", "no-kernel-found",
	 * "no-initramfs-tool", "fstab-device-name", "bootloader-device-name",
	 * "nic-config-bound".
	 */
	struct gt_warning *warnings;
	size_t n_warnings;
};

/*
 * gt_drivers_plan - plan the PV-driver switch of the guest in @root, which
 * @d describes (gt_detect_run() on the same root).
 *
 * A guest that is not Xen HVM (another hypervisor, or Xen PV, PVH, PVHVM,
 * dom0) gets a plan with no steps and no warnings; the two *_available
 * flags and builtin are still filled for any Xen guest, the platform advice
 * for a guest of another hypervisor. Installed kernels
 * are the /lib/modules/<kver> directories holding modules and the
 * /boot/vmlinuz-<kver> images; a frontend is built in when
 * /boot/config-<kver> says =y or modules.builtin lists it, a module when the
 * config says =m or modules.dep (or kernel/drivers/{block,net}/) has it.
 * The plan is idempotent: once the steps ran, a new plan has none.
 *
 * Reads only. On success *out (free with gt_drivers_plan_free()) holds the
 * plan. Returns 0, -ENOMEM, or the -errno of a file that exists but cannot
 * be read (-EACCES...; -GT_ETOOBIG for an absurdly large one).
 */
int gt_drivers_plan(const struct gt_root *root, const struct gt_detect *d,
                    struct gt_driver_plan **out);
void gt_drivers_plan_free(struct gt_driver_plan *p);

/*
 * gt_drivers_plan_hvm - the initramfs steps for the first HVM boot of a PV
 * guest (prepare-hvm): xen-blkfront, ata_piix, ahci and sd_mod added to the
 * configuration of the guest's initramfs tool, as above, and the image of
 * every installed kernel that has one of them as a module rebuilt; with
 * @rebuild, the images are rebuilt even when the configuration lists them
 * already (the readiness check found an image without them). Warnings:
 * "no-kernel-found", "no-initramfs-tool". Reads only. Returns as
 * gt_drivers_plan().
 */
int gt_drivers_plan_hvm(const struct gt_root *root, bool rebuild,
                        struct gt_driver_plan **out);

/*
 * gt_drivers_cover_emulated - the kernels of @p have the frontends that
 * @v's judged emulated devices need (xen-blkfront for a root disk,
 * xen-netfront for a NIC): what a reboot needs to switch them to PV.
 */
bool gt_drivers_cover_emulated(const struct gt_virt *v, const struct gt_driver_plan *p);

/*
 * gt_drivers_plan_json - @p as one JSON object value at the writer's current
 * position: blkfront_available, netfront_available, builtin, reboot_needed,
 * steps (kind "write" with path and content, or "run" with argv and
 * backups; each with a description), warnings (code, message), platform
 * (null on Xen and bare metal; else hypervisor, name, xen_agent_idle, tools
 * {name, how, installed, found}, kernel, pv_drivers [{module, state}]).
 */
void gt_drivers_plan_json(const struct gt_driver_plan *p, struct gt_json *j);

/* gt_drivers_plan_print - @p for a person: one line a step, then the warnings. */
void gt_drivers_plan_print(const struct gt_driver_plan *p, FILE *fp);

#endif
