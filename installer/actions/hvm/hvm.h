/* SPDX-License-Identifier: MIT */
/*
 * prepare-hvm's plan: the safe fixes that let a Xen PV guest boot as HVM
 * (docs/installer.8), as steps the front end carries out through the
 * journal, and what it cannot do, in words with the command to run.
 *
 *   initramfs: xen-blkfront, ata_piix, ahci, sd_mod in the initramfs of
 *              every installed kernel (actions/drivers.h's planners)
 *   console:   a getty on ttyS0 (and tty1), console=tty0 console=hvc0 on
 *              the kernel command line through the distribution's mechanism
 *   names:     fstab and the boot loader's root= by UUID
 *   bootloader: GRUB installed to the boot disk by the guest's grub-install
 *
 * A step that runs one of the guest's programs (update-initramfs,
 * update-grub, grub-install) is planned only live (--root /): under another
 * --root it would run an image's code as root on this machine, so it is
 * listed as "not done", with the command to run in the guest.
 *
 * Reads only (the root through lib/root.h, the disk read-only); the parts
 * are in actions/hvm/ (hvm_parts.h).
 */
#ifndef GT_HVM_H
#define GT_HVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "detect/detect.h"
#include "detect/pv_to_hvm.h"
#include "json.h"
#include "root.h"

enum gt_hvm_step_kind {
	GT_HVM_WRITE,      /* path gets content (its directory made when missing) */
	GT_HVM_LINK,       /* path becomes a symbolic link to target */
	GT_HVM_RUN,        /* argv, the guest's own program; backups first */
	GT_HVM_BOOTLOADER, /* argv writes the disk: its region backed up first */
};

struct gt_hvm_step {
	enum gt_hvm_step_kind kind;
	const char *check; /* the readiness check it serves ("console"), static */
	char *path;        /* WRITE, LINK */
	char *content;     /* WRITE: the whole new content; LINK: the target */
	char **argv;       /* RUN, BOOTLOADER */
	char **backups;    /* RUN, BOOTLOADER: files inside the root it rewrites */
	char **dirs;       /* BOOTLOADER: folders it may make, made (recorded) first */
	char *disk;        /* BOOTLOADER: the disk (a path of this system) */
	uint64_t offset;   /* BOOTLOADER: the region kept: sector 0 ... */
	size_t length;     /* ... up to the first partition, at most 1 MiB */
	char *description; /* one line for people, English (JSON) */
	char *description_shown; /* the same in the user's language (lib/i18n.h) */
};

/* Something not done: why, and the command that does it. */
struct gt_hvm_item {
	const char *check; /* static */
	char *text;        /* one whole line, English (JSON) */
	char *text_shown;  /* the same in the user's language (lib/i18n.h) */
	char *command;     /* what to run, or NULL */
};

struct gt_hvm_plan {
	struct gt_hvm_step *steps;
	size_t n_steps;
	/* Steps that need the guest's programs, under --root: run them in the guest. */
	struct gt_hvm_item *not_done;
	size_t n_not_done;
	/* What no step can fix here: with one of these, nothing is changed. */
	struct gt_hvm_item *cannot;
	size_t n_cannot;
};

/*
 * gt_hvm_plan - plan the fixes for the guest in @root (@d: gt_detect_run()
 * on it; @ready: its readiness check, whose findings decide a rebuild and
 * name the boot disk; may be NULL). @disk is --disk, or NULL (live: the disk
 * the readiness check found). Returns 0 (*out, free with gt_hvm_plan_free())
 * or -errno when the root cannot be read.
 */
int gt_hvm_plan(const struct gt_root *root, const struct gt_detect *d,
                const struct gt_pv_to_hvm *ready, const char *disk,
                struct gt_hvm_plan **out);
void gt_hvm_plan_free(struct gt_hvm_plan *p);

/* gt_hvm_plan_json - steps [{check, kind, path, description}], not_done and
 * cannot [{check, text, command}] as keys of the object being written. */
void gt_hvm_plan_json(const struct gt_hvm_plan *p, struct gt_json *j);

#endif
