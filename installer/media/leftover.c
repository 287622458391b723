/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "media/leftover.h"
#include "log.h"

#define PREFIX "guest-tools-"

static const char *const private_bases[] = { "/run", "/tmp", "/var/tmp" };
#define N_PRIVATE_BASES (sizeof(private_bases) / sizeof(private_bases[0]))

int gt_private_dir(char *out, size_t size)
{
	return gt_private_dir_in(private_bases, N_PRIVATE_BASES, out, size);
}

int gt_private_dir_in(const char *const *bases, size_t n_bases, char *out, size_t size)
{
	int err = ENOENT;

	for (size_t i = 0; i < n_bases; i++) {
		snprintf(out, size, "%s/" PREFIX "%ld-XXXXXX", bases[i], (long)getpid());
		if (mkdtemp(out))
			return 0;
		err = errno;
	}
	out[0] = '\0';
	return -err;
}

/* guest-tools-PID-XXXXXX, as gt_private_dir names them: the pid, or 0. */
static pid_t owner_pid(const char *name)
{
	char *end;
	long pid;

	if (strncmp(name, PREFIX, strlen(PREFIX)) != 0 ||
	    !isdigit((unsigned char)name[strlen(PREFIX)]))
		return 0;
	errno = 0;
	pid = strtol(name + strlen(PREFIX), &end, 10);
	if (errno || pid <= 0 || pid > INT_MAX || *end != '-' || strlen(end + 1) != 6)
		return 0;
	return (pid_t)pid;
}

static bool run_gone(pid_t pid)
{
	return pid != getpid() && kill(pid, 0) < 0 && errno == ESRCH;
}

static void remove_files(int basefd, const char *name)
{
	int fd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	struct stat st;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
}

static bool remove_leftover(int basefd, const char *base, const char *name)
{
	char path[PATH_MAX];
	struct stat st, parent;

	if (fstat(basefd, &parent) < 0 ||
	    fstatat(basefd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return false;
	snprintf(path, sizeof(path), "%s/%s", base, name);
	if (st.st_dev != parent.st_dev) {
		/* The killed run's CD mount: detached, so the drive can eject. */
		if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0) {
			gt_warn("%s: left mounted by a killed run; cannot unmount it: %s",
			        path, strerror(errno));
			return false;
		}
		if (fstatat(basefd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			return false;
	}
	if (st.st_uid != geteuid())
		return false;
	remove_files(basefd, name);
	if (unlinkat(basefd, name, AT_REMOVEDIR) < 0) {
		gt_warn("%s: left by a killed run; cannot remove it: %s", path,
		        strerror(errno));
		return false;
	}
	gt_info("removed %s, left by a run that was killed", path);
	return true;
}

size_t gt_leftover_sweep(void)
{
	size_t removed = 0;

	for (size_t i = 0; i < N_PRIVATE_BASES; i++)
		removed += gt_leftover_sweep_in(private_bases[i]);
	return removed;
}

size_t gt_leftover_sweep_in(const char *base)
{
	int fd = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	size_t removed = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((e = readdir(d))) {
		pid_t pid = owner_pid(e->d_name);

		if (pid && run_gone(pid) && remove_leftover(fd, base, e->d_name))
			removed++;
	}
	closedir(d);
	return removed;
}
