/* SPDX-License-Identifier: MIT */
/*
 * Whether a file exists in a FAT filesystem (an EFI system partition) on a
 * disk, read directly: the ESP of a guest image is seldom mounted where
 * detect --root looks. Only what a lookup needs, after Microsoft's FAT
 * specification (fatgen103: the BPB, the FAT12/16/32 tables, 32-byte
 * directory entries) and the UEFI specification (13.3: the ESP is FAT,
 * its loaders have 8.3 names such as EFI/BOOT/BOOTX64.EFI): names are
 * matched on their 8.3 short form, case-insensitively.
 */
#ifndef GT_ESP_FAT_H
#define GT_ESP_FAT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * gt_fat_exists - whether @path ("EFI/BOOT/BOOTX64.EFI": 8.3 components)
 * is a file in the FAT filesystem at byte @offset of @fd. Returns 1 (there),
 * 0 (not there), -EINVAL (not a FAT filesystem, or a damaged one), -errno.
 */
int gt_fat_exists(int fd, uint64_t offset, const char *path);

#endif
