/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/transaction/region (a disk's boot sector and gap
 * kept, written back, read again) and of the journal's disk record grammar.
 */
#include <setjmp.h>
#include <stdarg.h>
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
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keep_and_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_backup_refused, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_short_disk, setup, teardown),
		cmocka_unit_test(test_disk_record_grammar),
	};

	return cmocka_run_group_tests_name("region", tests, NULL, NULL);
}
