/* SPDX-License-Identifier: MIT */
/*
 * The parts of prepare-hvm's planner (actions/hvm/hvm.h), one concern a file:
 *   plan.c        runs the parts, owns the plan and its steps
 *   initramfs.c   the initramfs of every kernel (through actions/drivers.h)
 *   console.c     getty on ttyS0/tty1, console= on the kernel command line
 *   names.c       fstab and root= by UUID
 *   uuid.c        the UUIDs (libblkid: the live device, or the --disk image)
 *   bootloader.c  GRUB on the boot disk, its region kept first
 *   edit.c        the text edits (edit.h, pure)
 * Internal: nothing outside actions/hvm includes this.
 */
#ifndef GT_HVM_PARTS_H
#define GT_HVM_PARTS_H

#include "actions/hvm/hvm.h"
#include "i18n.h" /* N_(), gt_tr(): the items and steps are made twice */

/* Bound on the text configuration read. */
#define HVM_TEXT_MAX ((size_t)4 * 1024 * 1024)

struct hvm {
	const struct gt_root *root;
	const struct gt_detect *d;
	const struct gt_pv_to_hvm *ready; /* may be NULL */
	const char *disk;                 /* --disk, or NULL */
	struct gt_hvm_plan *p;
	char *root_uuid;    /* the UUID of the filesystem fstab mounts on /, or NULL */
	char root_disk[64]; /* the disk of fstab's / by a /dev name ("xvda"), or "" */
};

/* A check of the readiness result is known not to be ok. */
bool hvm_check_failed(const struct hvm *h, const char *id);

/* Read @path of the root: 0 (*buf NULL when absent), or -errno. */
int hvm_read(const struct hvm *h, const char *path, char **buf, size_t *len);

/* Steps (each takes its malloc'd arguments, also on failure). */
int hvm_add_write(struct hvm *h, const char *check, const char *path, char *content,
                  const char *desc);
int hvm_add_link(struct hvm *h, const char *check, const char *path, const char *target,
                 const char *desc);
/*
 * A run of the guest's program @argv: a step when live, else an not_done
 * item naming the command. @backups is taken (a strv, may be NULL).
 */
int hvm_add_run(struct hvm *h, const char *check, const char *const *argv, char **backups,
                const char *desc);
/*
 * hvm_step_shown - the last step's description for people, when its English
 * one was formatted (the steps take gt_tr(desc) otherwise).
 */
int hvm_step_shown(struct hvm *h, const char *shown);
/*
 * hvm_run_shown - the same after hvm_add_run(): its step, or under --root its
 * not_done item.
 */
int hvm_run_shown(struct hvm *h, const char *shown);
/* hvm_item_shown - the same for the last item (cannot or not_done). */
int hvm_item_shown(struct hvm *h, bool cannot, const char *shown);
/* An item, formatted in English (JSON) and with gt_tr(@fmt) for people. */
int hvm_add_item(struct hvm *h, bool cannot, const char *check, const char *command,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

int hvm_plan_initramfs(struct hvm *h);
int hvm_plan_console(struct hvm *h);
int hvm_plan_names(struct hvm *h);
int hvm_plan_bootloader(struct hvm *h);

/*
 * hvm_uuid - the UUID of the filesystem or swap on @spec ("/dev/xvda1"):
 * live, the device itself; under --root, the partition of the --disk image
 * with the same number when @spec is on the disk that holds / (@root_disk,
 * "xvda"). Returns 0, -GT_ENOTFOUND, or -errno.
 */
int hvm_uuid(const struct hvm *h, const char *spec, const char *root_disk, char *uuid,
             size_t size);

#endif
