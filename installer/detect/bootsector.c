/* SPDX-License-Identifier: MIT */
/*
 * Boot code recognised from the first stages' own sources:
 *  - GRUB 2, grub-core/boot/i386/pc/boot.S: "jmp LOCAL(after_BPB); nop"
 *    (EB 63 90: the BPB ends at GRUB_BOOT_MACHINE_BPB_END 0x5a, then
 *    kernel_address, kernel_sector at 0x5c, boot_drive at 0x64), and the
 *    messages "GRUB \0", "Geom", "Hard Disk", "Read", " Error". Checked
 *    against Debian 12's /usr/lib/grub/i386-pc/boot.img (grub-pc-bin 2.06).
 *  - GRUB legacy, stage1/stage1.S (GRUB 0.97): "jmp after_BPB; nop"
 *    (EB 48 90: the BPB ends at STAGE1_BPBEND 0x3e, then stage1_version
 *    COMPAT_VERSION_MAJOR 3, MINOR 2, boot_drive, force_lba,
 *    stage2_address, stage2_sector, stage2_segment) and the same messages.
 *  - syslinux, mbr/mbr.S, gptmbr.S, altmbr.S: start "xorw %ax,%ax; cli;
 *    movw %ax,%ds; movw %ax,%ss; movw $..,%sp" (33 C0 FA 8E D8 8E D0 BC)
 *    and say "Missing operating system." or "Missing OS" (checked against
 *    Debian 12's syslinux-common 6.04 mbr.bin, gptmbr.bin, altmbr.bin).
 *  - LILO, first.S: "LILO" at offset 6, after the jump and the stage
 *    word (what file(1)'s Magdir/filesystems matches as "LInux i386 boot
 *    LOader").
 * Partition tables: the MBR's four 16-byte entries at 0x1BE; the GPT
 * header "EFI PART" at LBA 1 (UEFI 2.x, 5.3.2) and its entries, the EFI
 * system partition type C12A7328-F81F-11D2-BA4B-00A0C93EC93B.
 */
#include <string.h>

#include "detect/bootsector.h"

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static bool has(const unsigned char *s, size_t n, const char *needle, size_t len)
{
	return len <= n && memmem(s, n, needle, len) != NULL;
}

const char *gt_mbr_code_name(enum gt_mbr_code c)
{
	static const char *const names[] = {
		[GT_MBR_NO_SIGNATURE] = "none",
		[GT_MBR_ZEROED] = "zeroed",
		[GT_MBR_GRUB2] = "grub2",
		[GT_MBR_GRUB_LEGACY] = "grub-legacy",
		[GT_MBR_SYSLINUX] = "syslinux",
		[GT_MBR_LILO] = "lilo",
		[GT_MBR_UNRECOGNISED] = "unrecognised",
	};
	return names[c];
}

enum gt_mbr_code gt_mbr_identify(const unsigned char *s)
{
	static const unsigned char syslinux_start[] = { 0x33, 0xC0, 0xFA, 0x8E,
		                                        0xD8, 0x8E, 0xD0, 0xBC };
	static const char grub_msgs[] = "Geom\0Hard Disk\0Read\0 Error";
	size_t i;

	if (s[510] != 0x55 || s[511] != 0xAA)
		return GT_MBR_NO_SIGNATURE;
	/* The boot code ends at 440: 440-443 hold the disk signature that
	 * fdisk/sfdisk write on a disk with no boot code at all. */
	for (i = 0; i < 440 && s[i] == 0; i++)
		;
	if (i == 440)
		return GT_MBR_ZEROED;
	if (has(s, 446, "GRUB \0", 6) && has(s, 446, grub_msgs, sizeof(grub_msgs) - 1)) {
		if (s[0] == 0xEB && s[1] == 0x63 && s[2] == 0x90)
			return GT_MBR_GRUB2;
		if (s[0] == 0xEB && s[1] == 0x48 && s[2] == 0x90 && s[0x3e] == 3 &&
		    s[0x3f] == 2)
			return GT_MBR_GRUB_LEGACY;
	}
	if (memcmp(s, syslinux_start, sizeof(syslinux_start)) == 0 &&
	    (has(s, 446, "Missing operating system.", 25) ||
	     has(s, 446, "Missing OS", 10)))
		return GT_MBR_SYSLINUX;
	if (memcmp(s + 6, "LILO", 4) == 0)
		return GT_MBR_LILO;
	return GT_MBR_UNRECOGNISED;
}

uint64_t gt_mbr_grub2_core_sector(const unsigned char *s)
{
	return le64(s + 0x5c);
}

void gt_mbr_partitions(const unsigned char *s, struct gt_mbr_part out[4])
{
	for (int i = 0; i < 4; i++) {
		const unsigned char *e = s + 0x1BE + (size_t)16 * (size_t)i;

		out[i].active = e[0] == 0x80;
		out[i].type = e[4];
		out[i].lba = le32(e + 8);
		out[i].size = le32(e + 12);
	}
}

bool gt_gpt_header_ok(const unsigned char *s)
{
	return memcmp(s, "EFI PART", 8) == 0;
}

void gt_gpt_entries_at(const unsigned char *s, uint64_t *lba, uint32_t *count,
                       uint32_t *size)
{
	*lba = le64(s + 72);
	*count = le32(s + 80);
	*size = le32(s + 84);
}

/* The GUIDs as stored on disk (the first three fields little-endian). */
static const unsigned char esp_guid[16] = { 0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8,
	                                    0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0,
	                                    0xC9, 0x3E, 0xC9, 0x3B };
/* 21686148-6449-6E6F-744E-656564454649, "Hah!IdontNeedEFI". */
static const unsigned char bios_boot_guid[16] = { 0x48, 0x61, 0x68, 0x21, 0x49, 0x64,
	                                          0x6F, 0x6E, 0x74, 0x4E, 0x65, 0x65,
	                                          0x64, 0x45, 0x46, 0x49 };

static int find_type(const unsigned char *entries, uint32_t count, uint32_t size,
                     const unsigned char *guid, uint64_t *first_lba)
{
	if (size < 128)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		const unsigned char *e = entries + (size_t)i * size;

		if (memcmp(e, guid, 16) == 0) {
			if (first_lba)
				*first_lba = le64(e + 32);
			return (int)i;
		}
	}
	return -1;
}

int gt_gpt_find_esp(const unsigned char *entries, uint32_t count, uint32_t size,
                    uint64_t *first_lba)
{
	return find_type(entries, count, size, esp_guid, first_lba);
}

bool gt_gpt_has_bios_boot(const unsigned char *entries, uint32_t count, uint32_t size)
{
	return find_type(entries, count, size, bios_boot_guid, NULL) >= 0;
}
