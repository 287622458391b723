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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "log.h"

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

static const char *kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISBLK(m) || S_ISCHR(m))
		return "a device";
	if (S_ISFIFO(m))
		return "a FIFO";
	return "not a regular file";
}

/* Is @path the file @st is (the same inode: hard links and symlinks to it too)? */
static bool same_file(const char *path, const struct stat *st)
{
	struct stat o;

	return path && stat(path, &o) == 0 && o.st_dev == st->st_dev &&
	       o.st_ino == st->st_ino;
}

int mk_output_check(const struct build *b, bool inputs)
{
	struct stat st;
	size_t i;

	if (lstat(b->out, &st) < 0)
		return 0; /* a new name (or one we cannot see: creating it will say) */
	if (!S_ISREG(st.st_mode)) {
		gt_err("%s: exists and is %s: not replaced; give -o a new name or a regular file",
		       b->out, kind_of(st.st_mode));
		return MK_EXIT_OUTPUT;
	}
	if (same_file(b->manifest_path, &st)) {
		gt_err("%s: is the build manifest (-m %s): not replaced; give -o another name",
		       b->out, b->manifest_path);
		return MK_EXIT_OUTPUT;
	}
	if (same_file(b->sign_key, &st)) {
		gt_err("%s: is the secret key (--sign %s): not replaced; give -o another name",
		       b->out, b->sign_key);
		return MK_EXIT_OUTPUT;
	}
	/* The items carry the device and inode the walk found: no stat each. */
	for (i = 0; inputs && i < b->n_items; i++) {
		const struct item *it = &b->items[i];

		if (it->path && it->type != GT_ENTRY_LINK && it->dev == st.st_dev &&
		    it->ino == st.st_ino) {
			gt_err("%s: is the source of %s (%s): the build would replace its own input; give -o another name",
			       b->out, it->dest, it->path);
			return MK_EXIT_OUTPUT;
		}
	}
	return 0;
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
