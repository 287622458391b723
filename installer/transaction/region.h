/* SPDX-License-Identifier: MIT */
/*
 * A region of a disk (the boot sector and the gap after it, before a boot
 * loader is installed) kept in the state directory, and put back byte for
 * byte. The journal's "disk" record (journal.h) names the disk, the
 * region, its backup and the sha256 of what it held; undo writes the backup
 * back and re-reads the disk: a region is "restored" only when what the disk
 * now holds has that sha256.
 *
 * The disk is a path of the running system (a block device, or a disk image
 * file in tests), never one inside --root: the records are acted on only by
 * a live run (rollback.c refuses them under --root, where the state
 * directory belongs to an image that may be hostile).
 */
#ifndef GT_REGION_H
#define GT_REGION_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

/* The largest region kept: sector 0 up to the first partition, at most 1 MiB. */
#define GT_REGION_MAX ((size_t)1024 * 1024)

/*
 * gt_region_read - read @len bytes at @offset of @device into *@out (freed
 * by the caller). Returns 0, -EIO (the disk is shorter), or -errno.
 */
int gt_region_read(const char *device, uint64_t offset, size_t len, unsigned char **out);

/*
 * gt_region_save - write @len bytes of @data as @rel (relative to the state
 * directory @statefd, its folders made 0700), mode 0600, durably.
 * Returns 0 or -errno.
 */
int gt_region_save(int statefd, const char *rel, const unsigned char *data, size_t len);

/*
 * gt_region_matches - does the region of @device hold what @sha256_hex
 * says? Returns 1, 0, or -errno when it cannot be read.
 */
int gt_region_matches(const char *device, uint64_t offset, size_t len,
                      const char *sha256_hex);

/*
 * gt_region_restore - write the backup @rel (of the state directory) back
 * to @device at @offset, if it is @len bytes with sha256 @sha256_hex (else
 * -GT_EINTEGRITY), sync it, and read it back: 0 only when the disk holds it.
 * A region that already holds it is left alone (restored before).
 * Returns 0, -GT_EINTEGRITY, -ENOENT (no backup and the disk differs) or
 * -errno; @why says what is wrong.
 */
int gt_region_restore(int statefd, const char *rel, const char *device, uint64_t offset,
                      size_t len, const char *sha256_hex, char *why, size_t whylen);

/*
 * A disk's identity: bytes 440-511 of its sector 0, the disk signature and
 * the partition table with 0x55AA. grub-install rewrites the boot code
 * before them (0-439) and keeps these, and the kernel names the same disk
 * vda or xvda when booted PV, sda when booted HVM on emulated IDE/AHCI.
 */
#define GT_REGION_IDENT_OFF 440
#define GT_REGION_IDENT_LEN 72
#define GT_REGION_IDENT_HEX 144 /* 2 * GT_REGION_IDENT_LEN */

/* gt_region_identity - the identity of @device, in hex. Returns 0 or -errno. */
int gt_region_identity(const char *device, char hex[GT_REGION_IDENT_HEX + 1]);

/*
 * gt_region_find_disk - the disk that has identity @ident_hex: @recorded
 * when it has it, else the one whole disk of @sysblock ("/sys/block", a
 * seam for tests) that has it, opened read-only as @devdir/NAME ("/dev");
 * partitions and loop, ram, zram, sr and fd devices are not candidates.
 * Writes the path into @found. Returns 0, -ENOENT (no disk has it) or
 * -ENOTUNIQ (*@n_matches disks have it: none is taken).
 */
int gt_region_find_disk(const char *sysblock, const char *devdir, const char *recorded,
                        const char *ident_hex, char *found, size_t size,
                        unsigned *n_matches);

#endif
