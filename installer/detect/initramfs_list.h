/* SPDX-License-Identifier: MIT */
/*
 * The kernel modules an initramfs image carries. The image is what the
 * kernel unpacks (Documentation/driver-api/early-userspace/buffer-format.rst):
 * newc cpio archives ("070701"), each possibly compressed, one after the
 * other with zero padding between. Debian 12's initramfs-tools writes an
 * uncompressed early cpio (CPU microcode) followed by a zstd cpio; dracut
 * the same with gzip, xz or zstd; RHEL 5's mkinitrd one gzip cpio. The
 * uncompressed members are walked here; the compressed one goes to
 * libarchive with the filters the static build has (gzip, xz/lzma, zstd:
 * scripts/build-static-deps.sh).
 */
#ifndef GT_INITRAMFS_LIST_H
#define GT_INITRAMFS_LIST_H

#include "root.h"

/*
 * gt_initramfs_modules - the module names in the image @path of @root
 * ("xen_blkfront", "sd_mod": the file names without ".ko*", "-" read as
 * "_"), as a NULL-terminated list in *out (gt_strv_free()).
 * Returns 0; -ENOENT and the like when the image cannot be opened;
 * -EPROTONOSUPPORT when a member is compressed with a method this build
 * cannot read (*why names it); -EINVAL when it is not an initramfs
 * (*why says what was found); -ENOMEM.
 */
int gt_initramfs_modules(const struct gt_root *root, const char *path, char ***out,
                         const char **why);

#endif
