/* SPDX-License-Identifier: MIT */
/*
 * Before a Xen PV guest is switched to HVM: will it boot? A PV guest is
 * booted by the toolstack (pygrub reading menu.lst/grub.cfg, or a kernel
 * handed over by dom0); an HVM guest by emulated firmware (SeaBIOS or OVMF)
 * from the disk itself. Each check below names one thing the HVM boot needs
 * that the PV boot did not, with its evidence and the fix in words.
 *
 * A check is ok only on positive evidence: what cannot be read is
 * GT_P2H_UNKNOWN (zero, so a zeroed check is never ok), with evidence saying
 * why. ready is true only when every check is GT_P2H_OK.
 *
 * Reads only (the root through lib/root.h, the boot disk opened O_RDONLY).
 */
#ifndef GT_PV_TO_HVM_H
#define GT_PV_TO_HVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "detect/detect.h"
#include "json.h"
#include "root.h"

enum gt_p2h_state {
	GT_P2H_UNKNOWN = 0, /* the evidence cannot be read: never counted as ok */
	GT_P2H_OK,
	GT_P2H_NOT_OK,
};

/* The stable ids of the checks, in this order in gt_pv_to_hvm.checks[]. */
enum gt_p2h_check_id {
	GT_P2H_BOOT_CODE,         /* "boot_code": MBR boot loader, or ESP with a loader */
	GT_P2H_KERNEL,            /* "kernel": an HVM-capable kernel, its initramfs,
	                             the default boot entry pointing at it */
	GT_P2H_INITRAMFS_DRIVERS, /* "initramfs_drivers": xen-blkfront, ata_piix or
	                             ahci, sd_mod in its initramfs or built in */
	GT_P2H_CONSOLE,           /* "console": getty and console= on tty0/ttyS0 */
	GT_P2H_ROOT_NAMES,        /* "root_names": root=, resume=, fstab by names
	                             that stay (UUID, LABEL, PARTUUID, LVM, md) */
	GT_P2H_NICS,              /* "nics": network config not bound to a MAC or a
	                             name that will change */
	GT_P2H_NCHECKS
};

struct gt_pv_to_hvm_check {
	const char *id; /* static: "boot_code", "kernel"... (see above) */
	enum gt_p2h_state state;
	char *evidence; /* owned, one line: what was read and where */
	char *fix;      /* owned, one line: what to do; NULL when ok */
	char **details; /* owned NULL-terminated list (gt_strv_free), never NULL:
	                   root_names lists the current names ("/etc/fstab line 3:
	                   /dev/xvda1"), nics the bindings, others what they saw */
	/* The same three in the chosen language (gt_tr), for people: JSON
	   writes the English ones above. Owned, like them. */
	char *evidence_shown;
	char *fix_shown;
	char **details_shown;
};

/* What was found on the way, for prepare-hvm (each NULL when not found). */
struct gt_pv_to_hvm_facts {
	char *disk;              /* the boot disk read (as given or /dev/NAME) */
	const char *disk_source; /* "--disk", "sysfs" (the disk holding /boot), NULL */
	const char *partition_table; /* "mbr", "gpt", "none" (no 0x55AA), NULL unread */
	const char *mbr_boot_code;   /* "grub2", "grub-legacy", "syslinux", "lilo",
	                                "zeroed", "unrecognised", NULL unread */
	bool esp_loader;             /* GPT: an ESP holding a loader */
	char *esp_loader_path;   /* "EFI/BOOT/BOOTX64.EFI", "EFI/debian/grubx64.efi" */
	char *bootloader_config; /* "/boot/grub/grub.cfg", "/boot/grub/menu.lst",
	                            "/boot/extlinux/extlinux.conf"... */
	char *default_kernel;    /* the default entry's image ("/boot/vmlinuz-...") */
	char *default_initrd;    /* its initramfs, as the entry names it */
	char *default_cmdline;   /* its kernel command line */
	char *kernel_version;    /* "2.6.18-419.el5xen" */
};

struct gt_pv_to_hvm {
	bool ready; /* every check is GT_P2H_OK */
	struct gt_pv_to_hvm_check checks[GT_P2H_NCHECKS];
	struct gt_pv_to_hvm_facts facts;
};

/*
 * gt_pv_to_hvm_check - check whether the guest in @root (described by @d,
 * gt_detect_run() on the same root: its devices feed the NIC check) would
 * boot as HVM. @disk_path is the boot disk (an image file or a block
 * device, opened read-only); NULL means, on the host, the disk holding /boot
 * (found through sysfs), and under --root none (boot_code is then unknown).
 * On success *out (free with gt_pv_to_hvm_free()) holds the result.
 * Returns 0, -ENOMEM, or the -errno of a @disk_path that cannot be opened
 * or read (the caller names it); anything else unreadable makes a check
 * unknown, not an error.
 */
int gt_pv_to_hvm_check(const struct gt_root *root, const struct gt_detect *d,
                       const char *disk_path, struct gt_pv_to_hvm **out);
void gt_pv_to_hvm_free(struct gt_pv_to_hvm *p);

/* gt_pv_to_hvm_find - the check with @id ("console"), or NULL. */
const struct gt_pv_to_hvm_check *gt_pv_to_hvm_find(const struct gt_pv_to_hvm *p,
                                                   const char *id);

/* "ok", "not ok", "unknown": for people. JSON writes true, false, null. */
const char *gt_p2h_state_name(enum gt_p2h_state s);

/*
 * gt_pv_to_hvm_print_json - @p as one JSON object value at the writer's
 * position: ready, disk, disk_source, partition_table, mbr_boot_code,
 * esp_loader, bootloader_config, default_kernel, default_initrd,
 * kernel_version, checks [{id, ok (true/false/null), evidence, fix,
 * details}].
 */
void gt_pv_to_hvm_print_json(const struct gt_pv_to_hvm *p, struct gt_json *j);

/* gt_pv_to_hvm_print_human - the verdict, then one whole line a check. */
void gt_pv_to_hvm_print_human(const struct gt_pv_to_hvm *p, FILE *fp);

#endif
