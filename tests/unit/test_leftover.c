/* SPDX-License-Identifier: MIT */
/* Unit tests of installer/leftover: what a killed run left is removed, nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "media/leftover.h"

static char base[] = "/tmp/gt-leftover-XXXXXX";
static char elsewhere[] = "/tmp/gt-leftover-target-XXXXXX";

/* A pid no process has: a child's, once it has exited and been reaped. */
static long dead_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return (long)pid;
}

static int exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	return lstat(path, &st) == 0;
}

static void mkdir_in(const char *name, const char *file)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", base, name);
	assert_int_equal(mkdir(path, 0700), 0);
	if (!file)
		return;
	snprintf(path, sizeof(path), "%s/%s/%s", base, name, file);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("payload\n", fp);
	fclose(fp);
}

static void test_private_dir_names_the_pid(void **state)
{
	const char *bases[] = { "/nonexistent/guest-tools", base };
	char dir[128], want[128];

	(void)state;
	assert_int_equal(gt_private_dir_in(bases, 2, dir, sizeof(dir)), 0);
	snprintf(want, sizeof(want), "%s/guest-tools-%ld-", base, (long)getpid());
	assert_int_equal(strncmp(dir, want, strlen(want)), 0);
	assert_int_equal(strlen(dir), strlen(want) + 6);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(gt_private_dir_in(bases, 1, dir, sizeof(dir)), -ENOENT);
	assert_string_equal(dir, "");
}

static void test_sweep_removes_only_dead_runs(void **state)
{
	char dead[64], live[64], init[64], link[64], nested[64], target[512];
	long pid = dead_pid();

	(void)state;
	snprintf(dead, sizeof(dead), "guest-tools-%ld-abcdef", pid);
	snprintf(live, sizeof(live), "guest-tools-%ld-abcdef", (long)getpid());
	snprintf(init, sizeof(init), "guest-tools-1-abcdef");
	snprintf(link, sizeof(link), "guest-tools-%ld-linkdd", pid);
	snprintf(nested, sizeof(nested), "guest-tools-%ld-nested", pid);
	mkdir_in(dead, "guest-agent.deb");
	mkdir_in(live, "guest-agent.deb");
	mkdir_in(init, NULL);
	mkdir_in("guest-tools-abcdef", NULL);             /* the old, pid-less name */
	mkdir_in("guest-tools-12x-abcdef", NULL);         /* not a pid */
	mkdir_in("guest-tools-99999999999-abcdef", NULL); /* beyond any pid */
	/* A symlink with a dead run's name: not followed, not removed. */
	snprintf(target, sizeof(target), "%s/keep", elsewhere);
	assert_int_equal(mkdir(target, 0700), 0);
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", base, link);
		assert_int_equal(symlink(target, path), 0);
	}
	/* A folder inside (the installer never makes one): the folder stays. */
	mkdir_in(nested, NULL);
	{
		char sub[128];

		snprintf(sub, sizeof(sub), "%s/sub", nested);
		mkdir_in(sub, NULL);
	}

	assert_int_equal(gt_leftover_sweep_in(base), 1);
	assert_false(exists(dead));
	assert_true(exists(live));
	assert_true(exists(init));
	assert_true(exists("guest-tools-abcdef"));
	assert_true(exists("guest-tools-12x-abcdef"));
	assert_true(exists("guest-tools-99999999999-abcdef"));
	assert_true(exists(link));
	assert_int_equal(access(target, F_OK), 0);
	assert_true(exists(nested));
	/* Nothing more to do the second time. */
	assert_int_equal(gt_leftover_sweep_in(base), 0);
	assert_int_equal(gt_leftover_sweep_in("/nonexistent/guest-tools"), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(base) && mkdtemp(elsewhere) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", base, elsewhere);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_dir_names_the_pid),
		cmocka_unit_test(test_sweep_removes_only_dead_runs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
