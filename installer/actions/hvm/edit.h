/* SPDX-License-Identifier: MIT */
/*
 * The text edits of prepare-hvm, pure functions on a file's content (no
 * I/O), so that they are tested alone: the kernel command line (in
 * /etc/default/grub and in GRUB legacy's menu.lst) and /etc/fstab.
 * Everything an edit does not need to change stays byte for byte: comments,
 * options, odd whitespace, the order of lines and words.
 */
#ifndef GT_HVM_EDIT_H
#define GT_HVM_EDIT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A disk name that changes with the switch (the PV /dev/xvdX becomes
 * /dev/sdX, /dev/hdX or stays, depending on whether the emulated disk is
 * unplugged): /dev/xvd*, /dev/sd*, /dev/hd*, /dev/vd* and their partitions.
 * Device-mapper, LVM, md, LABEL=, UUID= and PARTUUID= names are stable.
 */
bool gt_hvm_name_changes(const char *spec);

/*
 * gt_hvm_cmdline_fix - the kernel command line @cmdline (@len bytes) with a
 * console the HVM console tab shows and the PV one kept: console=tty0 put
 * before the first console= (or at the end) unless a console=ttyN or ttyS
 * is there, console=hvc0 at the end unless there; and, when @root_uuid is
 * given, a root= by a name that changes replaced by root=UUID=@root_uuid.
 * @also is more of the same command line that the boot loader adds (GRUB's
 * GRUB_CMDLINE_LINUX_DEFAULT), looked at but not changed; may be NULL.
 * *out is the new line, or NULL when nothing needs to change. Returns 0 or
 * -ENOMEM.
 */
int gt_hvm_cmdline_fix(const char *cmdline, size_t len, const char *also,
                       const char *root_uuid, char **out);

/*
 * gt_hvm_default_grub_fix - /etc/default/grub with GRUB_CMDLINE_LINUX fixed
 * as above (its last assignment, the one the shell keeps; a missing one is
 * appended). *out is the new text, or NULL when nothing needs to change.
 * Returns 0, -GT_EPARSE (a value this cannot edit safely: shell expansion,
 * an unterminated quote: edit it by hand) or -ENOMEM.
 */
int gt_hvm_default_grub_fix(const char *text, size_t len, char **out);

/*
 * gt_hvm_bootcfg_fix - a boot loader configuration with every kernel line's
 * arguments fixed as above (@root_uuid may be NULL): GRUB legacy's
 * menu.lst/grub.conf ("kernel"), a grub.cfg ("linux", "linux16",
 * "linuxefi"). *out as above. Returns 0 or -ENOMEM.
 */
int gt_hvm_bootcfg_fix(const char *text, size_t len, const char *root_uuid, char **out);

/*
 * The UUID of a device named in fstab (@spec, "/dev/xvda1"): 0 with the
 * UUID in @uuid, or -errno / -GT_ENOTFOUND (no UUID: the entry is left).
 */
typedef int gt_hvm_uuid_fn(const char *spec, char *uuid, size_t size, void *ctx);

/*
 * gt_hvm_fstab_fix - /etc/fstab with each entry whose device is named by a
 * name that changes (gt_hvm_name_changes) named by UUID= instead, when
 * @lookup finds its UUID. Only that field changes. *out is the new text,
 * or NULL when no entry changed; *unresolved (may be NULL) counts the
 * entries by a changing name that @lookup could not resolve.
 * Returns 0 or -ENOMEM.
 */
int gt_hvm_fstab_fix(const char *text, size_t len, gt_hvm_uuid_fn *lookup, void *ctx,
                     char **out, size_t *unresolved);

#endif
