/* SPDX-License-Identifier: MIT */
/*
 * The parts of the PV-to-HVM readiness check (detect/pv_to_hvm.h), one
 * concern a file:
 *   pv_to_hvm.c          runs the checks, owns the result
 *   pv_to_hvm_print.c    JSON and human renderings
 *   pv_to_hvm_boot.c     boot_code: the boot disk's MBR or EFI system partition
 *   pv_to_hvm_kernel.c   kernel: flavour, initramfs, default boot entry
 *   pv_to_hvm_initrd.c   initramfs_drivers: modules in the image or built in
 *   pv_to_hvm_console.c  console: getty and console= beyond hvc0
 *   pv_to_hvm_names.c    root_names and nics
 * Internal: nothing outside installer/detect/pv_to_hvm* includes this.
 */
#ifndef GT_PV_TO_HVM_PARTS_H
#define GT_PV_TO_HVM_PARTS_H

#include "detect/bootcfg.h"
#include "detect/pv_to_hvm.h"
#include "i18n.h" /* N_() marks the fixes */

/* Bound on the text configuration read (grub.cfg, fstab...). */
#define P2H_TEXT_MAX ((size_t)4 * 1024 * 1024)

struct p2h {
	const struct gt_root *root;
	const struct gt_detect *d;
	struct gt_pv_to_hvm *p;
	const char *disk_path;  /* --disk, or NULL */
	struct gt_bootcfg *cfg; /* the boot loader configuration read, or NULL */
	int cfg_err;            /* why not: -ENOENT (none), -EACCES... */
};

/*
 * p2h_set - settle check @c: its state, its fix (NULL when none) and its
 * evidence, formatted. Returns 0 or -ENOMEM.
 */
int p2h_set(struct gt_pv_to_hvm_check *c, enum gt_p2h_state s, const char *fix,
            const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* p2h_detail - add a formatted line to @c's details. Returns 0 or -ENOMEM. */
int p2h_detail(struct gt_pv_to_hvm_check *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
/* p2h_read - read @path of the root; NULL (and *len 0) when absent or unreadable. */
char *p2h_read(const struct p2h *x, const char *path, size_t *len);
/* p2h_strdup_set - replace *dst by a copy of @s. Returns 0 or -ENOMEM. */
int p2h_strdup_set(char **dst, const char *s);

int p2h_check_boot_code(struct p2h *x);
int p2h_check_kernel(struct p2h *x);
int p2h_check_initramfs(struct p2h *x);
int p2h_check_console(struct p2h *x);
int p2h_check_root_names(struct p2h *x);
int p2h_check_nics(struct p2h *x);

#endif
