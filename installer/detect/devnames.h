/* SPDX-License-Identifier: MIT */
/*
 * Device names in /etc/fstab and on kernel command lines, and whether they
 * survive a change of disk driver: a kernel name (/dev/xvda1, /dev/sda1,
 * /dev/hda1, /dev/vda1) follows the driver; UUID=, LABEL=, PARTUUID=,
 * PARTLABEL=, /dev/disk/by-*, LVM (/dev/mapper/..., /dev/VG/LV) and md
 * names do not. Shared by the PV-driver planner (actions/drivers) and the
 * PV-to-HVM check.
 */
#ifndef GT_DEVNAMES_H
#define GT_DEVNAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * gt_devname_emulated - "/dev/sda1" or "/dev/hdb" (the @n bytes at @s, a
 * whole name) -> true, with the PV name ("/dev/xvda1") in @xvd.
 */
bool gt_devname_emulated(const char *s, size_t n, char *xvd, size_t size);

/* gt_devname_kernel - a kernel disk name: /dev/{xvd,sd,hd,vd}X[N]. */
bool gt_devname_kernel(const char *s, size_t n);

/*
 * gt_cmdline_next_device - the next "root=" or "resume=" on the @n bytes of
 * @s from *pos (start at 0; a word starts after white space or a quote):
 * *key "root" or "resume", its value at *val of *vlen bytes. False at the
 * end.
 */
bool gt_cmdline_next_device(const char *s, size_t n, size_t *pos, const char **key,
                            const char **val, size_t *vlen);

#endif
