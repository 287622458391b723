/* SPDX-License-Identifier: MIT */
/*
 * What the first sectors of a disk say about how a BIOS would boot it: the
 * boot code in the MBR (recognised from the boot loaders' own first-stage
 * signatures), the MBR partition table, and a GPT's EFI system partition.
 * Pure functions on bytes already read: the unit tests feed them sectors.
 */
#ifndef GT_BOOTSECTOR_H
#define GT_BOOTSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GT_SECTOR 512

enum gt_mbr_code {
	GT_MBR_NO_SIGNATURE, /* no 0x55 0xAA at 510: the BIOS will not boot it */
	GT_MBR_ZEROED,       /* the 440 bytes of boot code are all zero */
	GT_MBR_GRUB2,        /* GRUB 2's boot.img */
	GT_MBR_GRUB_LEGACY,  /* GRUB 0.9x's stage1 */
	GT_MBR_SYSLINUX,     /* syslinux's mbr.bin, gptmbr.bin or altmbr.bin */
	GT_MBR_LILO,         /* LILO's first stage */
	GT_MBR_UNRECOGNISED, /* boot code, but none of the above */
};

/* "none", "zeroed", "grub2", "grub-legacy", "syslinux", "lilo", "unrecognised". */
const char *gt_mbr_code_name(enum gt_mbr_code c);

/* gt_mbr_identify - the boot code of the @GT_SECTOR bytes of sector 0. */
enum gt_mbr_code gt_mbr_identify(const unsigned char *s);

/*
 * gt_mbr_grub2_core_sector - the sector boot.img loads core.img from
 * (its kernel_sector field), for a GRUB 2 MBR.
 */
uint64_t gt_mbr_grub2_core_sector(const unsigned char *s);

struct gt_mbr_part {
	bool active;   /* boot flag 0x80 */
	uint8_t type;  /* 0x83 Linux, 0xEE GPT protective, 0xEF EFI... */
	uint32_t lba;  /* first sector */
	uint32_t size; /* sectors */
};

/* gt_mbr_partitions - the four primary entries of sector 0 (type 0: unused). */
void gt_mbr_partitions(const unsigned char *s, struct gt_mbr_part out[4]);

/* gt_gpt_header_ok - @s (the sector at LBA 1) starts with "EFI PART". */
bool gt_gpt_header_ok(const unsigned char *s);
/* The partition entries' first LBA, count and entry size, from the header @s. */
void gt_gpt_entries_at(const unsigned char *s, uint64_t *lba, uint32_t *count,
                       uint32_t *size);
/*
 * gt_gpt_find_esp - the index of the first EFI system partition among the
 * @count entries of @size bytes at @entries, or -1 (and its first LBA).
 */
int gt_gpt_find_esp(const unsigned char *entries, uint32_t count, uint32_t size,
                    uint64_t *first_lba);
/* gt_gpt_has_bios_boot - a "BIOS boot partition" (GRUB 2's core.img on GPT). */
bool gt_gpt_has_bios_boot(const unsigned char *entries, uint32_t count, uint32_t size);

#endif
