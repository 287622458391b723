/* SPDX-License-Identifier: MIT */
/*
 * The root filesystem: what mountinfo says is mounted on "/" (libmount) and
 * what the device holds on disk (libblkid) — an ext3 mounted by the ext4
 * driver is still ext3. ext2/3/4 are flagged (seed 000: shared storage).
 */
#ifndef GT_ROOTFS_H
#define GT_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "root.h"

struct gt_rootfs {
	char *source;       /* "/dev/xvda1", or NULL when no mount of "/" is listed */
	char *type;         /* the mounted type, "ext4" */
	char *on_disk_type; /* libblkid's TYPE, or NULL when the device is not readable */
	char *device;       /* the kernel's block device name ("xvda1"), or NULL */
	char *disk;         /* the whole disk under it ("xvda"), or NULL */
	char *mountinfo;    /* the file read ("/proc/self/mountinfo" or "/etc/mtab") */
	bool flagged;       /* ext2, ext3 or ext4 */
	char *problem;      /* the mount table could not be parsed, or NULL */
};

/*
 * gt_rootfs_detect - read the root mount of @root.
 * No mountinfo or no "/" entry is not an error (source stays NULL).
 * Returns 0, -ENOMEM, or -GT_EPARSE when the mount table cannot be parsed.
 */
int gt_rootfs_detect(const struct gt_root *root, struct gt_rootfs **out);
void gt_rootfs_free(struct gt_rootfs *fs);

/* gt_rootfs_device_name - the kernel name of block device @devno ("xvda1"),
 * through /sys/dev/block/MAJ:MIN; NULL when none or out of memory. */
char *gt_rootfs_device_name(const struct gt_root *root, dev_t devno);
/* gt_rootfs_disk_of - the whole disk holding partition @dev ("xvda" for
 * "xvda1"), or @dev itself; NULL when out of memory. */
char *gt_rootfs_disk_of(const struct gt_root *root, const char *dev);

/* gt_rootfs_is_ext - true for ext2, ext3 and ext4 (and "ext4dev"). */
bool gt_rootfs_is_ext(const char *type);

#endif
