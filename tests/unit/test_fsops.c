/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of installer/transaction/fsops: changes land inside the root,
 * where the place was resolved, and each directory change is synced.
 * Like test_root, every test runs with openat2 and then with the walk
 * (openat2 made to fail with ENOSYS by a seccomp filter).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "root.h"
#include "seccomp_errno.h"
#include "transaction/fsops.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static char base[] = "/tmp/gt-fsops-XXXXXX";
static char dir[PATH_MAX];     /* BASE/root */
static char outside[PATH_MAX]; /* BASE/outside: the host around the root */

static void path_in(char *out, const char *top, const char *rel)
{
	snprintf(out, PATH_MAX, "%s/%s", top, rel);
}

static void put(const char *top, const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *fp;

	path_in(p, top, rel);
	fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static bool exists_in(const char *top, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path_in(p, top, rel);
	return lstat(p, &st) == 0;
}

static bool is_dir_in(const char *top, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	path_in(p, top, rel);
	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static void content_is(const char *top, const char *rel, const char *want)
{
	char p[PATH_MAX], buf[256] = "";
	FILE *fp;

	path_in(p, top, rel);
	fp = fopen(p, "r");
	assert_non_null(fp);
	if (!fgets(buf, sizeof(buf), fp))
		buf[0] = '\0';
	fclose(fp);
	assert_string_equal(buf, want);
}

static int setup(void **state)
{
	char p[PATH_MAX];
	struct gt_root *root = NULL;

	path_in(dir, base, "root");
	path_in(outside, base, "outside");
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(outside, 0755), 0);
	path_in(p, dir, "etc");
	assert_int_equal(mkdir(p, 0755), 0);
	path_in(p, dir, "usr");
	assert_int_equal(mkdir(p, 0755), 0);
	path_in(p, dir, "var");
	assert_int_equal(mkdir(p, 0755), 0);
	put(dir, "usr/os-release", "ID=old\n");
	path_in(p, dir, "etc/os-release");
	assert_int_equal(symlink("/usr/os-release", p), 0);
	path_in(p, dir, "var/lnk");
	assert_int_equal(symlink("/etc", p), 0);
	path_in(p, dir, "var/dangling");
	assert_int_equal(symlink("/nowhere", p), 0);
	path_in(p, dir, "var/hostout");
	assert_int_equal(symlink(outside, p), 0);
	path_in(p, dir, "var/up");
	assert_int_equal(symlink("../../..", p), 0);
	assert_int_equal(gt_root_open(dir, &root), 0);
	*state = root;
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 32];

	gt_root_close(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/root' '%s/outside' '%s/X'", base, base,
	         base);
	return system(cmd);
}

static void test_mkdirs_stays_inside(void **state)
{
	struct gt_root *root = *state;

	assert_int_equal(gt_fs_mkdirs(root, "/var/new/../../../X"), 0);
	assert_true(is_dir_in(dir, "X"));
	assert_false(exists_in(base, "X"));
	assert_int_equal(gt_fs_mkdirs(root, "/var/lnk/made/deeper"), 0);
	assert_true(is_dir_in(dir, "etc/made/deeper"));
	assert_int_equal(gt_fs_mkdirs(root, "var/up/up-made"), 0);
	assert_true(is_dir_in(dir, "up-made"));
	/* 20 levels at once (more than the walk's retries for races). */
	assert_int_equal(
	        gt_fs_mkdirs(root, "d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19"),
	        0);
	assert_true(is_dir_in(dir, "d/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19"));
	/* Already there, or there through a link inside the root: fine. */
	assert_int_equal(gt_fs_mkdirs(root, "/var/lnk"), 0);
	assert_int_equal(gt_fs_mkdirs(root, "/"), 0);
	/* A host path in a link names nothing inside; a dangling link is no
	 * directory to make things in (mkdir -p says the same). */
	assert_int_equal(gt_fs_mkdirs(root, "/var/hostout/x"), -ENOENT);
	assert_int_equal(gt_fs_mkdirs(root, "/var/dangling"), -EEXIST);
	assert_int_equal(gt_fs_mkdirs(root, "/var/dangling/x"), -ENOENT);
	assert_false(exists_in(dir, "nowhere"));
	assert_false(exists_in(outside, "x"));
	/* A file in the way. */
	assert_int_equal(gt_fs_mkdirs(root, "/usr/os-release/x"), -ENOTDIR);
}

static void test_write_atomic(void **state)
{
	struct gt_root *root = *state;

	/* Through etc/os-release -> /usr/os-release: the target is replaced. */
	assert_int_equal(gt_fs_write_atomic(root, "/etc/os-release", "ID=new\n", 7, 0640),
	                 0);
	content_is(dir, "usr/os-release", "ID=new\n");
	assert_false(exists_in(dir, "usr/os-release.gt-new"));
	assert_false(exists_in(dir, "etc/os-release.gt-new"));
	assert_int_equal(gt_fs_write_atomic(root, "/var/hostout/f", "x", 1, 0644),
	                 -ENOENT);
	assert_false(exists_in(outside, "f"));
	assert_int_equal(gt_fs_write_atomic(root, "var/up/../top", "t\n", 2, 0644), 0);
	content_is(dir, "top", "t\n");
	assert_int_equal(gt_fs_copy(root, "/top", "/var/lnk/copy"), 0);
	content_is(dir, "etc/copy", "t\n");
}

static void test_rename_unlink_rmdir(void **state)
{
	struct gt_root *root = *state;

	put(dir, "var/a", "a\n");
	assert_int_equal(gt_fs_rename(root, "/var/a", "/var/lnk/a"), 0);
	content_is(dir, "etc/a", "a\n");
	assert_int_equal(gt_fs_unlink(root, "/etc/a"), 0);
	assert_false(exists_in(dir, "etc/a"));
	assert_int_equal(gt_fs_unlink(root, "/etc/a"), 0);      /* missing: fine */
	assert_int_equal(gt_fs_unlink(root, "/gone/dir/a"), 0); /* and its directory */
	assert_int_equal(gt_fs_unlink(root, "/var/lnk"), 0);    /* the link, not /etc */
	assert_true(is_dir_in(dir, "etc"));
	assert_int_equal(gt_fs_mkdirs(root, "/e/f"), 0);
	assert_int_equal(gt_fs_rmdir(root, "/e"), -ENOTEMPTY);
	assert_int_equal(gt_fs_rmdir(root, "/e/f"), 0);
	assert_int_equal(gt_fs_rmdir(root, "/e/f"), 0); /* missing: fine */
	assert_int_equal(gt_fs_rmdir(root, "/var/up"),
	                 -ENOTDIR); /* a link: never followed */
	assert_int_equal(gt_fs_symlink(root, "/etc/x", "/var/new-link"), 0);
	assert_int_equal(gt_fs_symlink(root, "/etc/x", "/var/new-link"), -EEXIST);
	assert_true(gt_fs_lexists(root, "/var/new-link"));
}

static void test_create_at(void **state)
{
	struct gt_root *root = *state;
	struct gt_root_at at;
	int fd;

	assert_int_equal(gt_root_at(root, "/var/made/new", GT_AT_MKDIRS, &at), 0);
	fd = gt_fs_create_at(&at, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(gt_fs_create_at(&at, 0600), -EEXIST);
	gt_root_at_close(&at);
	/* Never through a link, dangling or not. */
	assert_int_equal(gt_root_at(root, "/var/dangling", 0, &at), 0);
	assert_int_equal(gt_fs_create_at(&at, 0600), -EEXIST);
	gt_root_at_close(&at);
	assert_false(exists_in(dir, "nowhere"));
}

/*
 * A place resolved, then its directory swapped for a link to the host: the
 * changes made on the held place stay where it was resolved.
 */
static void test_changes_stay_where_resolved(void **state)
{
	struct gt_root *root = *state;
	struct gt_root_at at, from;
	char a[PATH_MAX], b[PATH_MAX];

	assert_int_equal(gt_fs_mkdirs(root, "/opt/agent"), 0);
	put(dir, "opt/agent/old", "old\n");
	assert_int_equal(gt_root_at(root, "/opt/agent/conf", 0, &at), 0);
	assert_int_equal(gt_root_at(root, "/opt/agent/old", 0, &from), 0);
	path_in(a, dir, "opt/agent");
	path_in(b, dir, "opt/agent.moved");
	assert_int_equal(rename(a, b), 0);
	assert_int_equal(symlink(outside, a), 0);
	assert_int_equal(gt_fs_write_atomic_at(&at, "c\n", 2, 0644), 0);
	assert_int_equal(gt_fs_rename_at(&from, &at), 0);
	assert_int_equal(gt_fs_mkdir_at(&from, 0755), 0);
	assert_int_equal(gt_fs_rmdir_at(&from), 0);
	assert_int_equal(gt_fs_unlink_at(&at), 0);
	gt_root_at_close(&at);
	gt_root_at_close(&from);
	assert_false(exists_in(outside, "conf"));
	assert_false(exists_in(outside, "old"));
	assert_true(is_dir_in(dir, "opt/agent.moved"));
	assert_false(exists_in(dir, "opt/agent.moved/conf"));
	assert_false(exists_in(dir, "opt/agent.moved/old"));
}

/*
 * Every directory change is followed by an fsync of the directory: with
 * fsync failing (EIO, by a seccomp filter in a child), each operation says
 * so, after having made its change.
 */
static void test_directory_changes_are_synced(void **state)
{
	struct gt_root *root = *state;
	int status;
	pid_t pid;

	put(dir, "var/r", "r\n");
	assert_int_equal(gt_fs_mkdirs(root, "/var/emptydir"), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct gt_root_at at, to;
		int fd, line = 0;

		if (seccomp_errno(SYS_fsync, EIO) < 0)
			_exit(100);
#define EXPECT_EIO(call)                                                                 \
	do {                                                                             \
		if ((call) != -EIO)                                                      \
			line = __LINE__;                                                 \
	} while (0)
		EXPECT_EIO(gt_fs_mkdirs(root, "/var/m1/m2"));
		EXPECT_EIO(gt_fs_rename(root, "/var/r", "/var/r2"));
		EXPECT_EIO(gt_fs_unlink(root, "/var/r2"));
		EXPECT_EIO(gt_fs_rmdir(root, "/var/emptydir"));
		EXPECT_EIO(gt_fs_symlink(root, "x", "/var/l"));
		EXPECT_EIO(gt_fs_write_atomic(root, "/var/w", "w", 1, 0644));
		if (gt_root_at(root, "/var/c", 0, &at) == 0) {
			fd = gt_fs_create_at(&at, 0644);
			if (fd != -EIO)
				line = __LINE__;
			if (fd >= 0)
				close(fd);
			gt_root_at_close(&at);
		}
		if (gt_root_at(root, "/var/d", 0, &to) == 0) {
			EXPECT_EIO(gt_fs_mkdir_at(&to, 0755));
			gt_root_at_close(&to);
		}
		_exit(line ? line % 100 + 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The changes were made all the same (a failed write_atomic leaves none). */
	assert_true(is_dir_in(dir, "var/m1")); /* and mkdirs stopped there */
	assert_false(exists_in(dir, "var/m1/m2"));
	assert_false(exists_in(dir, "var/r"));
	assert_false(exists_in(dir, "var/r2"));
	assert_false(exists_in(dir, "var/emptydir"));
	assert_true(exists_in(dir, "var/l"));
	assert_false(exists_in(dir, "var/w"));
	assert_false(exists_in(dir, "var/w.gt-new"));
	assert_false(exists_in(dir, "var/c")); /* removed again when the sync failed */
	assert_true(is_dir_in(dir, "var/d"));
}

static void test_switch_to_walk(void **state)
{
	struct gt_root *root = NULL;

	assert_int_equal(seccomp_errno(SYS_openat2, ENOSYS), 0);
	assert_int_equal(gt_root_open("/", &root), 0);
	assert_string_equal(gt_root_resolver(root), "walk");
	gt_root_close(root);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define TESTS                                                                            \
	T(test_mkdirs_stays_inside), T(test_write_atomic), T(test_rename_unlink_rmdir),  \
	        T(test_create_at), T(test_changes_stay_where_resolved),                  \
	        T(test_directory_changes_are_synced)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TESTS,
		cmocka_unit_test(test_switch_to_walk),
		TESTS,
	};
	int ret;

	assert_non_null(mkdtemp(base));
	ret = cmocka_run_group_tests_name("fsops", tests, NULL, NULL);
	rmdir(base);
	return ret;
}
