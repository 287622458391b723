/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/transaction/region (a disk's boot sector and gap
 * kept, written back, read again) and of the journal's disk record grammar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "sha256.h"
#include "transaction/journal.h"
#include "transaction/region.h"

static char dir[] = "/tmp/gt-region-XXXXXX";
static char disk[4200];

static void write_at(const char *path, off_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
	close(fd);
}

static void hex_of(const void *data, size_t len, char hex[GT_SHA256_HEX_LEN + 1])
{
	uint8_t d[GT_SHA256_LEN];

	gt_sha256_buf(data, len, d);
	gt_sha256_hex(d, hex);
}

static int setup(void **state)
{
	unsigned char sector[4096];
	size_t i;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(disk, sizeof(disk), "%s/disk.img", dir);
	fd = open(disk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	for (i = 0; i < sizeof(sector); i++)
		sector[i] = (unsigned char)(i * 7);
	assert_int_equal(write(fd, sector, sizeof(sector)), (ssize_t)sizeof(sector));
	assert_int_equal(ftruncate(fd, 65536), 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	char cmd[4300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	strcpy(dir, "/tmp/gt-region-XXXXXX");
	return 0;
}

static void test_keep_and_restore(void **state)
{
	unsigned char *kept = NULL, *now = NULL;
	char hex[GT_SHA256_HEX_LEN + 1], why[200] = "";
	int statefd = open(dir, O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_true(statefd >= 0);
	assert_int_equal(gt_region_read(disk, 0, 2048, &kept), 0);
	hex_of(kept, 2048, hex);
	assert_int_equal(gt_region_save(statefd, "backup/RUN/boot-sector", kept, 2048),
	                 0);
	assert_int_equal(gt_region_matches(disk, 0, 2048, hex), 1);
	/* A boot loader writes its code and its core image in the gap. */
	write_at(disk, 0, "GRUB boot code", 14);
	write_at(disk, 1024, "core.img", 8);
	assert_int_equal(gt_region_matches(disk, 0, 2048, hex), 0);
	assert_int_equal(gt_region_restore(statefd, "backup/RUN/boot-sector", disk, 0,
	                                   2048, hex, why, sizeof(why)),
	                 0);
	assert_int_equal(gt_region_read(disk, 0, 2048, &now), 0);
	assert_memory_equal(now, kept, 2048);
	/* Done again: already as kept, nothing to write. */
	assert_int_equal(gt_region_restore(statefd, "backup/RUN/boot-sector", disk, 0,
	                                   2048, hex, why, sizeof(why)),
	                 0);
	free(kept);
	free(now);
	close(statefd);
}

static void test_changed_backup_refused(void **state)
{
	unsigned char *kept = NULL, *now = NULL;
	char hex[GT_SHA256_HEX_LEN + 1], why[200] = "", path[4300];
	int statefd = open(dir, O_RDONLY | O_DIRECTORY);

	(void)state;
	assert_int_equal(gt_region_read(disk, 512, 512, &kept), 0);
	hex_of(kept, 512, hex);
	assert_int_equal(gt_region_save(statefd, "backup/RUN/boot-sector", kept, 512), 0);
	write_at(disk, 512, "changed", 7);
	snprintf(path, sizeof(path), "%s/backup/RUN/boot-sector", dir);
	write_at(path, 0, "tampered", 8);
	assert_int_equal(gt_region_restore(statefd, "backup/RUN/boot-sector", disk, 512,
	                                   512, hex, why, sizeof(why)),
	                 -GT_EINTEGRITY);
	assert_non_null(strstr(why, "backup was changed"));
	/* The disk is left as it was found: nothing of the altered copy written. */
	assert_int_equal(gt_region_read(disk, 512, 7, &now), 0);
	assert_memory_equal(now, "changed", 7);
	free(kept);
	free(now);
	close(statefd);
}

static void test_short_disk(void **state)
{
	unsigned char *buf = NULL;

	(void)state;
	assert_int_equal(gt_region_read(disk, 65536 - 100, 512, &buf), -EIO);
	assert_null(buf);
	assert_int_equal(gt_region_read(disk, 0, GT_REGION_MAX + 1, &buf), -EINVAL);
}

/*
 * A machine's disks for gt_region_find_disk(): DIR/sys/block as the kernel
 * lists it (a whole disk a folder, block/genhd.c; a partition has a
 * "partition" attribute, block/partitions/core.c) and DIR/dev/NAME disk
 * image files. A disk's sector 0: boot code @code, then its signature
 * @sig at 440 and one partition, 0x55AA.
 */
static void machine_disk(const char *name, char code, unsigned char sig, bool partition)
{
	unsigned char s0[1024] = { 0 };
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/sys/block/%s", dir, name);
	assert_int_equal(mkdir(path, 0755), 0);
	if (partition) {
		snprintf(path, sizeof(path), "%s/sys/block/%s/partition", dir, name);
		fd = open(path, O_WRONLY | O_CREAT, 0644);
		assert_true(fd >= 0);
		close(fd);
	}
	memset(s0, code, 440);
	memset(s0 + 440, sig, 4);
	s0[446 + 4] = 0x83;  /* type: Linux */
	s0[446 + 9] = 0x08;  /* starts at LBA 2048 (0x800) */
	s0[446 + 13] = 0x80; /* 32768 sectors (0x8000) */
	s0[510] = 0x55;
	s0[511] = 0xaa;
	snprintf(path, sizeof(path), "%s/dev/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, s0, sizeof(s0)), (ssize_t)sizeof(s0));
	close(fd);
}

static char sysblock[4300], devdir[4300];

static int machine_setup(void **state)
{
	char path[4400];

	setup(state);
	snprintf(sysblock, sizeof(sysblock), "%s/sys/block", dir);
	snprintf(devdir, sizeof(devdir), "%s/dev", dir);
	snprintf(path, sizeof(path), "%s/sys", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(mkdir(sysblock, 0755), 0);
	assert_int_equal(mkdir(devdir, 0755), 0);
	return 0;
}

/* The identity recorded of disk @name now. */
static void identity_of(const char *name, char hex[GT_REGION_IDENT_HEX + 1])
{
	char path[4400];

	snprintf(path, sizeof(path), "%s/dev/%s", dir, name);
	assert_int_equal(gt_region_identity(path, hex), 0);
}

static void test_find_disk_by_path(void **state)
{
	char id[GT_REGION_IDENT_HEX + 1], found[4400], vda[4400];
	unsigned n;

	(void)state;
	machine_disk("vda", 0, 0x11, false);
	machine_disk("vdb", 0, 0x22, false);
	identity_of("vda", id);
	snprintf(vda, sizeof(vda), "%s/vda", devdir);
	assert_int_equal(
	        gt_region_find_disk(sysblock, devdir, vda, id, found, sizeof(found), &n),
	        0);
	assert_string_equal(found, vda);
	assert_int_equal(n, 1);
}

/*
 * Recorded as vda in the PV boot; booted HVM, the disk is sda and grub-install
 * has rewritten its boot code (0-439), not its signature and table. A loop
 * device, a CD and a partition with the same bytes are not candidates.
 */
static void test_find_disk_renamed(void **state)
{
	char id[GT_REGION_IDENT_HEX + 1], found[4400], want[4400], vda[4400];
	unsigned n;

	(void)state;
	machine_disk("vda", 0, 0x11, false);
	identity_of("vda", id);
	snprintf(vda, sizeof(vda), "%s/vda", devdir);
	assert_int_equal(unlink(vda), 0);
	snprintf(vda, sizeof(vda), "%s/sys/block/vda", dir);
	assert_int_equal(rmdir(vda), 0);
	machine_disk("sda", 'G', 0x11, false);
	machine_disk("sdb", 0, 0x22, false);
	machine_disk("loop0", 0, 0x11, false);
	machine_disk("sr0", 0, 0x11, false);
	machine_disk("sda1", 0, 0x11, true);
	snprintf(vda, sizeof(vda), "%s/vda", devdir);
	assert_int_equal(
	        gt_region_find_disk(sysblock, devdir, vda, id, found, sizeof(found), &n),
	        0);
	snprintf(want, sizeof(want), "%s/sda", devdir);
	assert_string_equal(found, want);
	assert_int_equal(n, 1);
}

/* The recorded name now belongs to another disk: the one with the identity is taken. */
static void test_find_disk_name_taken(void **state)
{
	char id[GT_REGION_IDENT_HEX + 1], found[4400], want[4400], sda[4400];
	unsigned n;

	(void)state;
	machine_disk("sda", 0, 0x11, false);
	identity_of("sda", id);
	machine_disk("sdb", 'G', 0x11, false); /* rename: sdb holds it now */
	machine_disk("sdc", 0, 0x33, false);
	snprintf(sda, sizeof(sda), "%s/sda", devdir);
	write_at(sda, 440, "\x44\x44\x44\x44", 4); /* sda is another disk */
	assert_int_equal(
	        gt_region_find_disk(sysblock, devdir, sda, id, found, sizeof(found), &n),
	        0);
	snprintf(want, sizeof(want), "%s/sdb", devdir);
	assert_string_equal(found, want);
}

/* Two disks with the identity (a cloned disk), or none: no disk is taken. */
static void test_find_disk_ambiguous_or_none(void **state)
{
	char id[GT_REGION_IDENT_HEX + 1], found[4400] = "x", vda[4400];
	unsigned n;

	(void)state;
	machine_disk("sda", 0, 0x11, false);
	identity_of("sda", id);
	machine_disk("sdb", 'G', 0x11, false);
	snprintf(vda, sizeof(vda), "%s/vda", devdir);
	assert_int_equal(
	        gt_region_find_disk(sysblock, devdir, vda, id, found, sizeof(found), &n),
	        -ENOTUNIQ);
	assert_int_equal(n, 2);
	assert_string_equal(found, "");
	memset(id, '0', GT_REGION_IDENT_HEX); /* no disk has an all-zero table here */
	assert_int_equal(
	        gt_region_find_disk(sysblock, devdir, vda, id, found, sizeof(found), &n),
	        -ENOENT);
	assert_int_equal(n, 0);
}

static int parse(const char *text)
{
	struct gt_journal_log *log = NULL;
	struct gt_journal_error err;
	int ret = gt_journal_parse(text, strlen(text), false, &log, &err);

	gt_journal_log_free(log);
	return ret;
}

#define RUN  "20261207T130000Z-42"
#define SHA  "0000000000000000000000000000000000000000000000000000000000000000"
#define BACK "/var/lib/guest-tools/backup/" RUN "/boot-sector"

static void test_disk_record_grammar(void **state)
{
	(void)state;
	assert_int_equal(parse("begin\t" RUN "\t-\tprepare-hvm\n"
	                       "disk\t/dev/xvda\t0\t1048576\t" BACK "\t" SHA "\n"
	                       "undone\t1\n"),
	                 0);
	/* Another run's copy, a relative device, a region over 1 MiB, a bad sha256. */
	assert_int_equal(parse("begin\t" RUN "\t-\tp\n"
	                       "disk\t/dev/xvda\t0\t512\t/var/lib/guest-tools/backup/"
	                       "20261207T130000Z-1/boot-sector\t" SHA "\n"),
	                 -GT_EPARSE);
	assert_int_equal(parse("begin\t" RUN "\t-\tp\ndisk\tdev/xvda\t0\t512\t" BACK
	                       "\t" SHA "\n"),
	                 -GT_EPARSE);
	assert_int_equal(parse("begin\t" RUN "\t-\tp\ndisk\t/dev/xvda\t0\t1048577\t" BACK
	                       "\t" SHA "\n"),
	                 -GT_EPARSE);
	assert_int_equal(
	        parse("begin\t" RUN "\t-\tp\ndisk\t/dev/xvda\t0\t0\t" BACK "\t" SHA "\n"),
	        -GT_EPARSE);
	assert_int_equal(
	        parse("begin\t" RUN "\t-\tp\ndisk\t/dev/xvda\t0\t512\t" BACK "\tXYZ\n"),
	        -GT_EPARSE);
	/* With the disk's identity (bytes 440-511 of sector 0, 144 hex digits), or a bad
	 * one. */
	assert_int_equal(parse("begin\t" RUN "\t-\tp\ndisk\t/dev/xvda\t0\t512\t" BACK
	                       "\t" SHA "\t" SHA SHA "0123456789abcdef\n"),
	                 0);
	assert_int_equal(parse("begin\t" RUN "\t-\tp\ndisk\t/dev/xvda\t0\t512\t" BACK
	                       "\t" SHA "\t" SHA "\n"),
	                 -GT_EPARSE);
	assert_int_equal(parse("begin\t" RUN "\t-\tp\ndisk\t/dev/xvda\t0\t512\t" BACK
	                       "\t" SHA "\t" SHA SHA "0123456789ABCDEF\n"),
	                 -GT_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_and_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_backup_refused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_short_disk, setup, teardown),
		cmocka_unit_test(test_disk_record_grammar),
		cmocka_unit_test_setup_teardown(test_find_disk_by_path, machine_setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_find_disk_renamed, machine_setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_find_disk_name_taken, machine_setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_find_disk_ambiguous_or_none,
		                                machine_setup, teardown),
	};

	return cmocka_run_group_tests_name("region", tests, NULL, NULL);
}
