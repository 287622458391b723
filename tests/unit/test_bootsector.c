/* SPDX-License-Identifier: MIT */
/*
 * detect/bootsector.c: the MBR boot code recogniser and the partition
 * tables, on sectors laid out as the boot loaders' own sources lay them out
 * (cited in bootsector.c; the GRUB 2 and syslinux layouts were checked
 * against Debian 12's boot.img and mbr.bin bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "detect/bootsector.h"

static void put(unsigned char *s, size_t at, const void *bytes, size_t n)
{
	memcpy(s + at, bytes, n);
}

static void signature(unsigned char *s)
{
	s[510] = 0x55;
	s[511] = 0xAA;
}

/* GRUB 2 boot.S: EB 63 90, kernel_sector at 0x5c, messages at 0x180. */
static void grub2(unsigned char *s)
{
	static const char msgs[] = "GRUB \0Geom\0Hard Disk\0Read\0 Error\r\n";

	put(s, 0, "\xEB\x63\x90", 3);
	put(s, 0x5c, "\x01\0\0\0\0\0\0\0", 8);
	put(s, 0x65, "\xFA\x90\x90\xF6\xC2\x80", 6);
	put(s, 0x180, msgs, sizeof(msgs));
	signature(s);
}

/* GRUB 0.97 stage1.S: EB 48 90, version 3.2 at 0x3e, messages. */
static void grub_legacy(unsigned char *s)
{
	static const char msgs[] = "GRUB \0Geom\0Hard Disk\0Read\0 Error";

	put(s, 0, "\xEB\x48\x90", 3);
	put(s, 0x3e, "\x03\x02\xFF\x00\x00\x80\x01\0\0\0\x00\x08", 12);
	put(s, 0x4a, "\xFA\xEB\x07", 3);
	put(s, 0x17d, msgs, sizeof(msgs));
	signature(s);
}

static void grub_legacy_old_version(unsigned char *s)
{
	grub_legacy(s);
	s[0x3e] = 2;
}

static void grub2_no_messages(unsigned char *s)
{
	grub2(s);
	memset(s + 0x180, 0, 40);
}

/* syslinux mbr/mbr.S and gptmbr.S. */
static void syslinux_mbr(unsigned char *s)
{
	static const char msg[] = "Missing operating system.\r\n";

	put(s, 0, "\x33\xC0\xFA\x8E\xD8\x8E\xD0\xBC\x00\x7C", 10);
	put(s, 0x160, msg, sizeof(msg));
	signature(s);
}

static void syslinux_gptmbr(unsigned char *s)
{
	static const char msg[] = "Missing OS\r\n";

	put(s, 0, "\x33\xC0\xFA\x8E\xD8\x8E\xD0\xBC\x00\x7C", 10);
	put(s, 0x170, msg, sizeof(msg));
	signature(s);
}

/* LILO first.S: "LILO" at offset 6. */
static void lilo(unsigned char *s)
{
	put(s, 0, "\xFA\xEB\x21\x01\xB4\x01LILO\x16\x07", 12);
	signature(s);
}

/* Some other boot code (a DOS-style MBR). */
static void other_code(unsigned char *s)
{
	static const char msg[] = "Invalid partition table";

	put(s, 0, "\xFA\x33\xC0\x8E\xD0\xBC\x00\x7C", 8);
	put(s, 0x10b, msg, sizeof(msg));
	signature(s);
}

/* A PV guest's disk: partition table, no boot code. */
static void zeroed(unsigned char *s)
{
	put(s, 0x1BE, "\x00\x20\x21\x00\x83\x1e\x28\x06\x00\x08\x00\x00\x00\x00\x10\x00",
	    16);
	signature(s);
}

/* What sfdisk and fdisk write on a blank disk: no boot code, but the disk
 * signature at 440-443 (util-linux include/pt-mbr.h mbr_set_id, which libfdisk/src/dos.c
 * calls when it makes a new label). */
static void zeroed_with_disk_id(unsigned char *s)
{
	zeroed(s);
	put(s, 440, "\x5e\x1d\x0c\x7a", 4);
}

/* An ext4 filesystem on the whole disk: no 0x55AA. */
static void bare_filesystem(unsigned char *s)
{
	memset(s, 0, GT_SECTOR);
}

/* The ext4 boot block with a stray 0x55 but no 0xAA. */
static void half_signature(unsigned char *s)
{
	grub2(s);
	s[511] = 0;
}

static void test_identify(void **state)
{
	static const struct {
		const char *name;
		void (*make)(unsigned char *);
		enum gt_mbr_code want;
	} cases[] = {
		{ "grub2", grub2, GT_MBR_GRUB2 },
		{ "grub legacy", grub_legacy, GT_MBR_GRUB_LEGACY },
		{ "grub legacy 0.2 stage1", grub_legacy_old_version,
		  GT_MBR_UNRECOGNISED },
		{ "grub2 jump, no messages", grub2_no_messages, GT_MBR_UNRECOGNISED },
		{ "syslinux mbr.bin", syslinux_mbr, GT_MBR_SYSLINUX },
		{ "syslinux gptmbr.bin", syslinux_gptmbr, GT_MBR_SYSLINUX },
		{ "lilo", lilo, GT_MBR_LILO },
		{ "other boot code", other_code, GT_MBR_UNRECOGNISED },
		{ "zeroed code, partition table", zeroed, GT_MBR_ZEROED },
		{ "zeroed code, a disk signature", zeroed_with_disk_id, GT_MBR_ZEROED },
		{ "bare filesystem", bare_filesystem, GT_MBR_NO_SIGNATURE },
		{ "no 0xAA", half_signature, GT_MBR_NO_SIGNATURE },
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char s[GT_SECTOR] = { 0 };
		enum gt_mbr_code got;

		cases[i].make(s);
		got = gt_mbr_identify(s);
		if (got != cases[i].want)
			fail_msg("%s: got %s, want %s", cases[i].name,
			         gt_mbr_code_name(got), gt_mbr_code_name(cases[i].want));
	}
}

static void test_grub2_core_sector(void **state)
{
	unsigned char s[GT_SECTOR] = { 0 };

	(void)state;
	grub2(s);
	assert_int_equal(gt_mbr_grub2_core_sector(s), 1);
	put(s, 0x5c, "\x00\x08\0\0\0\0\0\0", 8); /* a BIOS boot partition at 2048 */
	assert_int_equal(gt_mbr_grub2_core_sector(s), 2048);
}

static void test_partitions(void **state)
{
	unsigned char s[GT_SECTOR] = { 0 };
	struct gt_mbr_part p[4];

	(void)state;
	zeroed(s);
	s[0x1BE] = 0x80;
	gt_mbr_partitions(s, p);
	assert_true(p[0].active);
	assert_int_equal(p[0].type, 0x83);
	assert_int_equal(p[0].lba, 2048);
	assert_int_equal(p[0].size, 0x100000);
	assert_int_equal(p[1].type, 0);
}

/* A GPT header as sgdisk writes it: entries at LBA 2, 128 of 128 bytes. */
static void test_gpt(void **state)
{
	static const unsigned char esp[16] = { 0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8,
		                               0xD2, 0x11, 0xBA, 0x4B, 0x00, 0xA0,
		                               0xC9, 0x3E, 0xC9, 0x3B };
	static const unsigned char linux_fs[16] = { 0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84,
		                                    0x72, 0x47, 0x8E, 0x79, 0x3D, 0x69,
		                                    0xD8, 0x47, 0x7D, 0xE4 };
	static unsigned char ents[128 * 128];
	unsigned char hdr[GT_SECTOR] = { 0 };
	uint64_t lba = 0, first = 0;
	uint32_t count = 0, size = 0;

	(void)state;
	put(hdr, 0, "EFI PART\0\0\1\0\x5c\0\0\0", 16);
	put(hdr, 72, "\x02\0\0\0\0\0\0\0\x80\0\0\0\x80\0\0\0", 16);
	assert_true(gt_gpt_header_ok(hdr));
	gt_gpt_entries_at(hdr, &lba, &count, &size);
	assert_int_equal(lba, 2);
	assert_int_equal(count, 128);
	assert_int_equal(size, 128);
	memset(ents, 0, sizeof(ents));
	put(ents, 0, linux_fs, 16);
	assert_int_equal(gt_gpt_find_esp(ents, count, size, &first), -1);
	assert_false(gt_gpt_has_bios_boot(ents, count, size));
	put(ents, 128, esp, 16);
	put(ents, 128 + 32, "\x00\x08\0\0\0\0\0\0", 8);
	assert_int_equal(gt_gpt_find_esp(ents, count, size, &first), 1);
	assert_int_equal(first, 2048);
	put(ents, 256, "Hah!IdontNeedEFI", 16);
	assert_true(gt_gpt_has_bios_boot(ents, count, size));
	/* An entry size below the standard 128 is refused, not read past. */
	assert_int_equal(gt_gpt_find_esp(ents, 2, 64, &first), -1);
	hdr[0] = 'X';
	assert_false(gt_gpt_header_ok(hdr));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identify),
		cmocka_unit_test(test_grub2_core_sector),
		cmocka_unit_test(test_partitions),
		cmocka_unit_test(test_gpt),
	};

	return cmocka_run_group_tests_name("bootsector", tests, NULL, NULL);
}
