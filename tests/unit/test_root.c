/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/root: symlinks resolve inside the root, nothing escapes.
 *
 * Every test runs twice: first the way this kernel resolves (openat2 on
 * Linux 5.6+), then, after a seccomp filter makes openat2 fail with ENOSYS
 * as a kernel before 5.6 does, the walk that holds a directory fd per level
 * — the same shipped code, falling back at run time.
 *
 * The tree: BASE/root is the root; BASE/outside is the host around it, with
 * the same names, so that an escape would read "OUTSIDE" where the root
 * gives "INSIDE" (or nothing).
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
#include <unistd.h>
#include <cmocka.h>

#include "error.h"
#include "root.h"
#include "seccomp_errno.h"
#include "strv.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static char base[] = "/tmp/gt-root-XXXXXX";
static char dir[PATH_MAX];     /* BASE/root */
static char outside[PATH_MAX]; /* BASE/outside */
static const char *expected_resolver;

static void put_in(const char *top, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void link_at(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	assert_int_equal(symlink(target, path), 0);
}

static void mkdir_in(const char *top, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static bool exists_in(const char *top, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	return lstat(path, &st) == 0;
}

/* A fresh tree for each test. */
static int setup(void **state)
{
	char hostout[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/root", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	mkdir_in(base, "root");
	mkdir_in(base, "outside");
	mkdir_in(outside, "b");
	put_in(outside, "secret", "OUTSIDE\n");
	put_in(base, "secret", "OUTSIDE\n");
	mkdir_in(dir, "etc");
	mkdir_in(dir, "usr");
	mkdir_in(dir, "usr/lib");
	mkdir_in(dir, "var");
	mkdir_in(dir, "outside");
	put_in(dir, "outside/secret", "INSIDE\n");
	put_in(dir, "usr/lib/os-release", "ID=inside\n");
	link_at("/usr/lib/os-release", "etc/abs");
	link_at("../usr/lib/os-release", "etc/rel");
	link_at("../../../../../../../../etc/hostname", "etc/dotdot");
	link_at("loop2", "etc/loop1");
	link_at("loop1", "etc/loop2");
	link_at("/usr/lib", "etc/libdir");
	link_at("/", "etc/toroot");
	link_at("../..", "etc/up");
	link_at("../../outside", "etc/relout");
	snprintf(hostout, sizeof(hostout), "%s", outside);
	link_at(hostout, "etc/hostout"); /* the host's path: inside, it names nothing */
	link_at("self", "self");
	link_at("/etc", "var/lnk");
	return 0;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/root' '%s/outside' '%s/secret'", base,
	         base, base);
	return system(cmd);
}

static void expect_content(struct gt_root *root, const char *path, const char *want)
{
	char *buf = NULL;
	size_t len;
	int ret = gt_root_read_file(root, path, 4096, &buf, &len);

	if (ret != 0)
		fail_msg("%s: %s", path, gt_strerror(ret));
	if (strcmp(buf, want) != 0)
		fail_msg("%s: read '%s', want '%s'", path, buf, want);
	free(buf);
}

/* Is @fd the directory @path of the host? */
static bool fd_is(int fd, const char *path)
{
	struct stat a, b;

	return fstatat(fd, ".", &a, 0) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static struct gt_root *open_root(void)
{
	struct gt_root *root = NULL;

	assert_int_equal(gt_root_open(dir, &root), 0);
	return root;
}

static void test_resolver(void **state)
{
	struct gt_root *root = open_root();

	assert_string_equal(gt_root_resolver(root), expected_resolver);
	gt_root_close(root);
}

static void test_links_stay_inside(void **state)
{
	struct gt_root *root = open_root();
	char *buf = NULL, *rel = NULL;
	size_t len;

	expect_content(root, "/etc/abs", "ID=inside\n");
	expect_content(root, "etc/rel", "ID=inside\n");
	expect_content(root, "/etc/libdir/os-release", "ID=inside\n");
	expect_content(root, "/../../usr/lib/os-release", "ID=inside\n");
	/* "../../.." stops at the root: the host's /etc/hostname is never read. */
	assert_int_equal(gt_root_read_file(root, "/etc/dotdot", 4096, &buf, &len),
	                 -ENOENT);
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

/* ".." first, in the middle, after a link, repeated, last: never above the root. */
static void test_dotdot_every_position(void **state)
{
	static const char *const paths[] = {
		"../outside/secret",
		"/../outside/secret",
		"../../../../outside/secret",
		"./../outside/./secret",
		"etc/../../outside/secret",
		"etc/../../../outside/secret",
		"usr/lib/../../../outside/secret",
		"outside/../../outside/secret",
		"etc/up/outside/secret",        /* a link to ../.. */
		"etc/up/../outside/secret",     /* ... and .. after it */
		"etc/relout/secret",            /* a link to ../../outside */
		"etc/toroot/../outside/secret", /* a link to / and .. */
		"etc/libdir/../../../outside/secret",
		"outside/secret/../secret/../../../outside/secret",
	};
	struct gt_root *root = open_root();
	struct gt_root_at at;
	char *buf = NULL, *rel = NULL, usr[PATH_MAX];
	size_t i, len;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (strstr(paths[i], "secret/.."))
			/* a file is no directory to go up from */
			assert_int_equal(
			        gt_root_read_file(root, paths[i], 64, &buf, &len),
			        -ENOTDIR);
		else
			expect_content(root, paths[i], "INSIDE\n");
	}
	/* ".." last: the directory itself, named "." */
	assert_int_equal(gt_root_at(root, "usr/lib/..", 0, &at), 0);
	assert_string_equal(at.name, ".");
	snprintf(usr, sizeof(usr), "%s/usr", dir);
	assert_true(fd_is(at.dirfd, usr));
	gt_root_at_close(&at);
	assert_int_equal(gt_root_at(root, "../..", 0, &at), 0);
	assert_string_equal(at.name, ".");
	assert_true(fd_is(at.dirfd, dir));
	gt_root_at_close(&at);
	assert_int_equal(gt_root_at(root, "../../new", 0, &at), 0);
	assert_string_equal(at.name, "new");
	assert_true(fd_is(at.dirfd, dir));
	gt_root_at_close(&at);
	/* The string form: inside too, with no ".." left in it. */
	assert_int_equal(gt_root_resolve(root, "etc/up/../outside/secret", true, &rel),
	                 0);
	assert_string_equal(rel, "outside/secret");
	free(rel);
	gt_root_close(root);
}

/* Absolute links, and links to "/": the root's "/", never the host's. */
static void test_absolute_links(void **state)
{
	struct gt_root *root = open_root();
	struct gt_root_at at;
	char *buf = NULL, *rel = NULL, want[PATH_MAX + 8];
	size_t len;

	expect_content(root, "etc/toroot/usr/lib/os-release", "ID=inside\n");
	expect_content(root, "etc/toroot/etc/toroot/outside/secret", "INSIDE\n");
	/* A link holding the host's path of BASE/outside names nothing inside. */
	assert_int_equal(gt_root_read_file(root, "etc/hostout/secret", 64, &buf, &len),
	                 -ENOENT);
	assert_int_equal(gt_root_at(root, "etc/hostout/new", GT_AT_FOLLOW, &at), -ENOENT);
	assert_int_equal(gt_root_at(root, "etc/toroot", GT_AT_FOLLOW, &at), 0);
	assert_string_equal(at.name, ".");
	assert_true(fd_is(at.dirfd, dir));
	gt_root_at_close(&at);
	/* The last name followed: the link's target, in its own directory. */
	assert_int_equal(gt_root_at(root, "etc/abs", GT_AT_FOLLOW, &at), 0);
	assert_string_equal(at.name, "os-release");
	gt_root_at_close(&at);
	assert_int_equal(gt_root_at(root, "etc/abs", 0, &at), 0);
	assert_string_equal(at.name, "abs");
	gt_root_at_close(&at);
	assert_int_equal(gt_root_resolve(root, "etc/hostout/secret", true, &rel), 0);
	snprintf(want, sizeof(want), "%s/secret", outside + 1);
	assert_string_equal(rel, want);
	free(rel);
	/* Opened with O_NOFOLLOW, the last link is not followed; nor with
	 * O_CREAT|O_EXCL, even dangling (open(2) says EEXIST). */
	assert_int_equal(gt_root_openat(root, "etc/abs", O_RDONLY | O_NOFOLLOW, 0),
	                 -ELOOP);
	assert_int_equal(
	        gt_root_openat(root, "etc/dotdot", O_WRONLY | O_CREAT | O_EXCL, 0644),
	        -EEXIST);
	assert_false(exists_in(dir, "etc/hostname"));
	gt_root_close(root);
}

static void test_loops(void **state)
{
	struct gt_root *root = open_root();
	struct gt_root_at at;
	char *buf = NULL, *rel = NULL;
	size_t len;

	assert_int_equal(gt_root_read_file(root, "/etc/loop1", 4096, &buf, &len), -ELOOP);
	assert_int_equal(gt_root_read_file(root, "self", 4096, &buf, &len), -ELOOP);
	assert_int_equal(gt_root_at(root, "etc/loop1/x", 0, &at), -ELOOP);
	assert_int_equal(gt_root_at(root, "self/x/y", GT_AT_MKDIRS, &at), -ELOOP);
	assert_int_equal(gt_root_at(root, "self", GT_AT_FOLLOW, &at), -ELOOP);
	assert_int_equal(gt_root_resolve(root, "etc/loop2", true, &rel), -ELOOP);
	/* Not followed, a loop is just a link. */
	assert_int_equal(gt_root_at(root, "self", 0, &at), 0);
	assert_string_equal(at.name, "self");
	gt_root_at_close(&at);
	gt_root_close(root);
}

/* The bug of issue 14: a missing component followed by "..". */
static void test_missing_then_dotdot(void **state)
{
	struct gt_root *root = open_root();
	struct gt_root_at at;
	char *rel = NULL;

	/* Without creating: the kernel's answer, ENOENT (var/new is missing). */
	assert_int_equal(gt_root_at(root, "/var/new/../../../X", 0, &at), -ENOENT);
	/* Creating, as mkdir -p: var/new is made, and ".." climbs back to the root. */
	assert_int_equal(gt_root_at(root, "/var/new/../../../X", GT_AT_MKDIRS, &at), 0);
	assert_string_equal(at.name, "X");
	assert_true(fd_is(at.dirfd, dir));
	assert_int_equal(mkdirat(at.dirfd, at.name, 0755), 0);
	gt_root_at_close(&at);
	assert_true(exists_in(dir, "var/new"));
	assert_true(exists_in(dir, "X"));
	assert_false(exists_in(base, "X"));
	/* The string form never keeps an unresolved tail with ".." in it. */
	assert_int_equal(gt_root_resolve(root, "/var/gone/../../../Y", true, &rel), 0);
	assert_string_equal(rel, "Y");
	free(rel);
	/* ... and what follows the ".." is looked up: var/lnk -> /etc. */
	assert_int_equal(gt_root_resolve(root, "/var/gone/../lnk/passwd", true, &rel), 0);
	assert_string_equal(rel, "etc/passwd");
	free(rel);
	assert_int_equal(gt_root_resolve(root,
	                                 "/var/gone/deeper/../../../../outside/secret",
	                                 true, &rel),
	                 0);
	assert_string_equal(rel, "outside/secret");
	free(rel);
	/* mkdir -p never makes a symlink's missing target: lnk2 -> /nowhere. */
	link_at("/nowhere", "var/lnk2");
	assert_int_equal(gt_root_at(root, "var/lnk2/sub/f", GT_AT_MKDIRS, &at), -ENOENT);
	assert_false(exists_in(dir, "nowhere"));
	gt_root_close(root);
}

static void test_overlong(void **state)
{
	struct gt_root *root = open_root();
	struct gt_root_at at;
	char *rel = NULL, *buf = NULL, *path = malloc(PATH_MAX + 2), name[NAME_MAX + 2];
	size_t len;

	assert_non_null(path);
	/* "a/a/a/...": PATH_MAX bytes, refused whole, never cut shorter. */
	for (len = 0; len < PATH_MAX; len++)
		path[len] = len % 2 ? '/' : 'a';
	path[PATH_MAX] = '\0';
	assert_int_equal(gt_root_at(root, path, GT_AT_MKDIRS, &at), -ENAMETOOLONG);
	assert_int_equal(gt_root_openat(root, path, O_RDONLY, 0), -ENAMETOOLONG);
	assert_int_equal(gt_root_resolve(root, path, true, &rel), -ENAMETOOLONG);
	assert_int_equal(gt_root_read_file(root, path, 64, &buf, &len), -ENAMETOOLONG);
	assert_false(exists_in(dir, "a"));
	/* A name of NAME_MAX + 1 bytes. */
	memset(name, 'n', NAME_MAX + 1);
	name[NAME_MAX + 1] = '\0';
	snprintf(path, PATH_MAX, "etc/%s/x", name);
	assert_int_equal(gt_root_at(root, path, GT_AT_MKDIRS, &at), -ENAMETOOLONG);
	assert_int_equal(gt_root_resolve(root, path, true, &rel), -ENAMETOOLONG);
	snprintf(path, PATH_MAX, "etc/%s", name);
	assert_int_equal(gt_root_openat(root, path, O_RDONLY, 0), -ENAMETOOLONG);
	assert_int_equal(gt_root_at(root, path, 0, &at), -ENAMETOOLONG);
	free(path);
	gt_root_close(root);
}

/*
 * The race: a place resolved once, then a component of its path replaced by
 * a symlink to the host before the change is made. The held fd keeps the
 * change where it was resolved; a new resolution follows the link inside.
 */
static void test_component_swapped_between_calls(void **state)
{
	struct gt_root *root = open_root();
	struct gt_root_at at;
	char from[PATH_MAX], to[PATH_MAX];
	struct stat st, host;
	int fd;

	mkdir_in(dir, "a");
	mkdir_in(dir, "a/b");
	assert_int_equal(gt_root_at(root, "a/b/f", GT_AT_MKDIRS, &at), 0);
	snprintf(from, sizeof(from), "%s/a", dir);
	snprintf(to, sizeof(to), "%s/a.old", dir);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(symlink(outside, from), 0); /* a -> BASE/outside */
	/* The control: a string walked again now goes to the host's b. */
	assert_int_equal(fstatat(root->fd, "a/b", &st, 0), 0);
	snprintf(to, sizeof(to), "%s/b", outside);
	assert_int_equal(stat(to, &host), 0);
	assert_true(st.st_ino == host.st_ino && st.st_dev == host.st_dev);
	/* The held directory does not move. */
	fd = openat(at.dirfd, at.name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	assert_true(fd >= 0);
	close(fd);
	gt_root_at_close(&at);
	assert_true(exists_in(dir, "a.old/b/f"));
	assert_false(exists_in(outside, "b/f"));
	/* Resolved again, the new link is followed inside the root: nothing there. */
	assert_int_equal(gt_root_at(root, "a/b/f", GT_AT_MKDIRS, &at), -ENOENT);
	assert_int_equal(gt_root_openat(root, "a/b/g", O_WRONLY | O_CREAT, 0644),
	                 -ENOENT);
	assert_false(exists_in(outside, "b/g"));
	gt_root_close(root);
}

static void test_limits_and_listing(void **state)
{
	struct gt_root *root = open_root();
	char *buf = NULL, **names = NULL;
	size_t len, n;

	assert_int_equal(gt_root_read_file(root, "/usr/lib/os-release", 4, &buf, &len),
	                 -GT_ETOOBIG);
	assert_int_equal(gt_root_read_file(root, "/etc", 4096, &buf, &len), -EISDIR);
	assert_int_equal(gt_root_list_dir(root, "/etc", &names, &n), 0);
	assert_int_equal(n, 10);
	assert_string_equal(names[0], "abs"); /* sorted */
	gt_strv_free(names);
	gt_root_close(root);
	assert_int_equal(gt_root_open("/nonexistent/dir", &root), -ENOENT);
}

/* From here on, openat2 fails as on a kernel before 5.6: the walk resolves. */
static void test_switch_to_walk(void **state)
{
	assert_int_equal(seccomp_errno(SYS_openat2, ENOSYS), 0);
	expected_resolver = "walk";
}

#define BOTH(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
#define TESTS                                                                            \
	BOTH(test_resolver), BOTH(test_links_stay_inside),                               \
	        BOTH(test_dotdot_every_position), BOTH(test_absolute_links),             \
	        BOTH(test_loops), BOTH(test_missing_then_dotdot), BOTH(test_overlong),   \
	        BOTH(test_component_swapped_between_calls),                              \
	        BOTH(test_limits_and_listing)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TESTS,
		cmocka_unit_test(test_switch_to_walk),
		TESTS,
	};
	int fd;

	assert_non_null(mkdtemp(base));
	/* What this kernel offers, asked directly (not through the code under test). */
	fd = (int)syscall(SYS_openat2, AT_FDCWD, "/", &(uint64_t[3]){ O_PATH, 0, 0x10 },
	                  3 * sizeof(uint64_t));
	expected_resolver = fd >= 0 ? "openat2" : "walk";
	if (fd >= 0)
		close(fd);
	fd = cmocka_run_group_tests_name("root", tests, NULL, NULL);
	rmdir(base);
	return fd;
}
