/* SPDX-License-Identifier: MIT */
/* Unit tests of lib/root: symlinks resolve inside the root, nothing escapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "root.h"
#include "strv.h"

static char dir[] = "/tmp/gt-root-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void link_at(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void mkdir_at(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	assert_non_null(mkdtemp(dir));
	mkdir_at("etc");
	mkdir_at("usr");
	mkdir_at("usr/lib");
	put("usr/lib/os-release", "ID=inside\n");
	link_at("/usr/lib/os-release", "etc/abs");
	link_at("../usr/lib/os-release", "etc/rel");
	link_at("../../../../../../../../etc/hostname", "etc/dotdot");
	link_at("loop2", "etc/loop1");
	link_at("loop1", "etc/loop2");
	link_at("/usr/lib", "etc/libdir");
	return 0;
}

static int teardown(void **state)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void expect_content(struct gt_root *root, const char *path, const char *want)
{
	char *buf = NULL;
	size_t len;

	assert_int_equal(gt_root_read_file(root, path, 4096, &buf, &len), 0);
	assert_string_equal(buf, want);
	free(buf);
}

static void test_links_stay_inside(void **state)
{
	struct gt_root *root = NULL;
	char *buf = NULL, *rel = NULL;
	size_t len;

	assert_int_equal(gt_root_open(dir, &root), 0);
	expect_content(root, "/etc/abs", "ID=inside\n");
	expect_content(root, "etc/rel", "ID=inside\n");
	expect_content(root, "/etc/libdir/os-release", "ID=inside\n");
	expect_content(root, "/../../usr/lib/os-release", "ID=inside\n");
	/* "../../.." stops at the root: the host's /etc/hostname is never read. */
	assert_int_equal(gt_root_read_file(root, "/etc/dotdot", 4096, &buf, &len),
	                 -ENOENT);
	assert_int_equal(gt_root_read_file(root, "/etc/loop1", 4096, &buf, &len), -ELOOP);
	assert_int_equal(gt_root_resolve(root, "/etc/abs", true, &rel), 0);
	assert_string_equal(rel, "usr/lib/os-release");
	free(rel);
	assert_int_equal(gt_root_resolve(root, "/", true, &rel), 0);
	assert_string_equal(rel, ".");
	free(rel);
	/* "" is the root too; its "." once overflowed a 1-byte buffer (ASan). */
	assert_int_equal(gt_root_resolve(root, "", true, &rel), 0);
	assert_string_equal(rel, ".");
	free(rel);
	gt_root_close(root);
}

static void test_limits_and_listing(void **state)
{
	struct gt_root *root = NULL;
	char *buf = NULL, **names = NULL;
	size_t len, n;

	assert_int_equal(gt_root_open(dir, &root), 0);
	assert_int_equal(gt_root_read_file(root, "/usr/lib/os-release", 4, &buf, &len),
	                 -GT_ETOOBIG);
	assert_int_equal(gt_root_read_file(root, "/etc", 4096, &buf, &len), -EISDIR);
	assert_int_equal(gt_root_list_dir(root, "/etc", &names, &n), 0);
	assert_int_equal(n, 6);
	assert_string_equal(names[0], "abs"); /* sorted */
	gt_strv_free(names);
	gt_root_close(root);
	assert_int_equal(gt_root_open("/nonexistent/dir", &root), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links_stay_inside),
		cmocka_unit_test(test_limits_and_listing),
	};

	return cmocka_run_group_tests_name("root", tests, setup, teardown);
}
