/* SPDX-License-Identifier: MIT */
/*
 * The build's output: written to a hidden temporary file next to the output
 * (same file system, so the final rename is atomic), read back, and only
 * then renamed into place. A failed or interrupted build leaves no output
 * file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"

/* The temporary output, removed by the signal handler when interrupted. */
static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_active;

static void on_signal(int sig)
{
	if (tmp_active)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Creates the hidden temporary file next to @out (same file system, so the
 * final rename is atomic). Returns an fd or -errno.
 */
static int create_tmp(const char *out)
{
	char *dir = mk_dir_of(out);
	const char *base = strrchr(out, '/');
	mode_t mask;
	int fd, n;

	if (!dir)
		return -ENOMEM;
	base = base ? base + 1 : out;
	n = snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.XXXXXX", dir, base);
	free(dir);
	if (n < 0 || (size_t)n >= sizeof(tmp_path))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	tmp_active = 1;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0644 & ~mask) < 0) {
		int err = -errno;

		close(fd);
		unlink(tmp_path);
		tmp_active = 0;
		return err;
	}
	return fd;
}

int mk_output_create(const char *out)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	return create_tmp(out);
}

const char *mk_output_tmp_path(void)
{
	return tmp_path;
}

int mk_output_publish(const char *out)
{
	char *dir;
	int dfd;

	if (rename(tmp_path, out) < 0)
		return -errno;
	tmp_active = 0;
	/* Make the rename itself durable. */
	dir = mk_dir_of(out);
	dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dir);
	return 0;
}

void mk_output_discard(void)
{
	if (tmp_active) {
		unlink(tmp_path);
		tmp_active = 0;
	}
}
