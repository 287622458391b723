/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "transaction/fsops.h"
#include "transaction/statedir.h"

#define LOCK_NAME  "lock"
#define STATE_NAME "guest-tools" /* the last component of GT_STATE_DIR */

/* Is @st (of the directory itself, not followed) one we may keep state in? */
static int check_dir_stat(const struct stat *st, char *why, size_t whylen)
{
	if (!S_ISDIR(st->st_mode)) {
		snprintf(why, whylen, "is not a directory");
		return -GT_EUNSAFE;
	}
	if (st->st_uid != 0) {
		snprintf(why, whylen, "is owned by uid %u, not by root",
		         (unsigned)st->st_uid);
		return -GT_EUNSAFE;
	}
	if (st->st_mode & 022) {
		snprintf(why, whylen, "is writable by %s (mode %04o)",
		         st->st_mode & 002 ? "others" : "its group",
		         (unsigned)(st->st_mode & 07777));
		return -GT_EUNSAFE;
	}
	return 0;
}

int gt_safe_dir_open(const struct gt_root *root, const char *path, bool create,
                     int *parent_fd, char *why, size_t whylen)
{
	char *parent = strdup(path), *slash, target[PATH_MAX];
	struct gt_root_at at;
	const char *name;
	struct stat st;
	int pfd = -1, fd = -1, ret;

	if (why && whylen)
		why[0] = '\0';
	if (!parent)
		return -ENOMEM;
	slash = strrchr(parent, '/');
	if (!slash || !slash[1]) {
		free(parent);
		return -EINVAL;
	}
	*slash = '\0';
	name = slash + 1;
	ret = create && parent[0] ? gt_fs_mkdirs(root, parent) : 0;
	/* The parent resolved once, inside the root (links followed there: a
	 * /var/lib that is a link stays usable), then held (root.h). */
	if (ret == 0)
		ret = gt_root_at(root, parent[0] ? parent : "/", GT_AT_FOLLOW, &at);
	if (ret != 0)
		goto out;
	pfd = openat(at.dirfd, at.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	gt_root_at_close(&at);
	if (pfd < 0) {
		ret = -errno;
		goto out;
	}
	if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		ret = -errno;
		if (ret != -ENOENT || !create)
			goto out;
		if (mkdirat(pfd, name, 0755) < 0 && errno != EEXIST) {
			ret = -errno;
			goto out;
		}
		if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = -errno;
			goto out;
		}
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlinkat(pfd, name, target, sizeof(target) - 1);

		target[n > 0 ? n : 0] = '\0';
		snprintf(why, whylen, "is a symbolic link%s%s", n > 0 ? " to " : "",
		         target);
		ret = -GT_EUNSAFE;
		goto out;
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		ret = errno == ELOOP || errno == ENOTDIR ? -GT_EUNSAFE : -errno;
		if (ret == -GT_EUNSAFE)
			snprintf(why, whylen, "is not a directory");
		goto out;
	}
	/* What was opened, not what was looked at before: the same checks again. */
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	ret = check_dir_stat(&st, why, whylen);
out:
	free(parent);
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		if (pfd >= 0)
			close(pfd);
		return ret;
	}
	if (parent_fd)
		*parent_fd = pfd;
	else
		close(pfd);
	return fd;
}

int gt_state_open(const struct gt_root *root, bool create, struct gt_state **out,
                  char *why, size_t whylen)
{
	struct gt_state *st = calloc(1, sizeof(*st));
	int fd;

	if (!st)
		return -ENOMEM;
	fd = gt_safe_dir_open(root, GT_STATE_DIR, create, &st->parent_fd, why, whylen);
	if (fd < 0) {
		free(st);
		return fd;
	}
	st->root = root;
	st->fd = fd;
	st->lock_fd = -1;
	*out = st;
	return 0;
}

void gt_state_close(struct gt_state *st)
{
	if (!st)
		return;
	if (st->lock_fd >= 0)
		close(st->lock_fd); /* releases the flock */
	if (st->fd >= 0)
		close(st->fd);
	if (st->parent_fd >= 0)
		close(st->parent_fd);
	free(st);
}

bool gt_state_exists(const struct gt_state *st, const char *name)
{
	struct stat sb;

	return fstatat(st->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* One /proc/locks line: is it a FLOCK on @sb's file? Then its pid, else 0. */
static pid_t flock_line_pid(char *line, const struct stat *sb)
{
	char *field[6], *save = NULL, *end;
	unsigned long maj, min, ino;
	long pid;
	int n;

	for (n = 0; n < 6; n++) {
		field[n] = strtok_r(n ? NULL : line, " \t\n", &save);
		if (!field[n])
			return 0;
	}
	/* "N:" "FLOCK" "ADVISORY" "WRITE" "PID" "MAJ:MIN:INO" (a waiter's
	 * line has "->" second, and is no holder). */
	if (strcmp(field[1], "FLOCK") != 0)
		return 0;
	pid = strtol(field[4], &end, 10);
	if (*end || pid <= 0 || pid > INT_MAX)
		return 0;
	maj = strtoul(field[5], &end, 16);
	if (*end != ':')
		return 0;
	min = strtoul(end + 1, &end, 16);
	if (*end != ':')
		return 0;
	ino = strtoul(end + 1, &end, 10);
	if (*end || maj != major(sb->st_dev) || min != minor(sb->st_dev) ||
	    ino != (unsigned long)sb->st_ino)
		return 0;
	return (pid_t)pid;
}

/*
 * The pid that holds a flock on the file of @fd, from /proc/locks (the
 * kernel's fs/locks.c lock_get_status(): "N: FLOCK  ADVISORY  WRITE PID
 * MAJ:MIN:INO ..." with the device numbers in hex), or 0 when it cannot
 * tell (no /proc, another pid namespace). Nothing is written into the lock
 * file, so that a run that changes nothing leaves it as it was.
 */
static pid_t lock_holder(int fd)
{
	struct stat sb;
	char line[256];
	pid_t found = 0;
	FILE *fp;

	if (fstat(fd, &sb) < 0)
		return 0;
	fp = fopen("/proc/locks", "re");
	if (!fp)
		return 0;
	while (!found && fgets(line, sizeof(line), fp))
		found = flock_line_pid(line, &sb);
	(void)fclose(fp);
	return found;
}

/* Open the lock file safely: a regular file of root's, one link, no following. */
static int open_lock_file(const struct gt_state *st)
{
	struct stat sb;
	int fd = openat(st->fd, LOCK_NAME,
	                O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == ELOOP ? -GT_EUNSAFE : -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_uid != 0 ||
	    sb.st_nlink != 1) {
		close(fd);
		return -GT_EUNSAFE;
	}
	return fd;
}

/*
 * Is the lock we hold on @fd still the state directory's lock? A run that
 * finished an uninstall removes the lock file and the directory; a run that
 * was waiting on the old file then holds a lock nobody else sees.
 */
static bool lock_is_current(const struct gt_state *st, int fd)
{
	struct stat mine, there, dir;

	return fstat(fd, &mine) == 0 &&
	       fstatat(st->fd, LOCK_NAME, &there, AT_SYMLINK_NOFOLLOW) == 0 &&
	       mine.st_dev == there.st_dev && mine.st_ino == there.st_ino &&
	       fstat(st->fd, &dir) == 0 && dir.st_nlink > 0;
}

/* Reopen the state directory (created again if it was removed). */
static int reopen(struct gt_state *st)
{
	char why[256];
	int pfd = -1,
	    fd = gt_safe_dir_open(st->root, GT_STATE_DIR, true, &pfd, why, sizeof(why));

	if (fd < 0)
		return fd;
	close(st->fd);
	close(st->parent_fd);
	st->fd = fd;
	st->parent_fd = pfd;
	return 0;
}

int gt_state_lock(struct gt_state *st, unsigned wait_seconds, pid_t *holder)
{
	const struct timespec step = { 0, 100L * 1000 * 1000 };
	unsigned long tries = (unsigned long)wait_seconds * 10 + 1;
	int fd = -1, ret;

	*holder = 0;
	while (tries-- > 0) {
		fd = open_lock_file(st);
		if (fd < 0)
			return fd;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (lock_is_current(st, fd))
				break;
			close(fd);
			fd = -1;
			ret = reopen(st);
			if (ret < 0)
				return ret;
			continue;
		}
		ret = errno == EWOULDBLOCK ? 0 : -errno;
		if (ret == 0)
			*holder = lock_holder(fd);
		close(fd);
		fd = -1;
		if (ret < 0)
			return ret;
		/* A caught signal (SIGINT at the terminal: the handler has no
		 * SA_RESTART) ends the wait: the caller stops, nothing changed. */
		if (tries > 0 && nanosleep(&step, NULL) < 0 && errno == EINTR)
			return -EINTR;
	}
	if (fd < 0)
		return -EWOULDBLOCK;
	st->lock_fd = fd;
	*holder = 0;
	return 0;
}

/* Remove directory @name of @dirfd when it is empty (never following a link). */
static void rmdir_if_empty(int dirfd, const char *name)
{
	(void)unlinkat(dirfd, name, AT_REMOVEDIR); /* ENOTEMPTY, ENOTDIR: it stays */
}

void gt_state_release(struct gt_state *st)
{
	struct stat sb;
	bool recorded;

	if (!st)
		return;
	/* The lock file goes at the end of every run that holds it (only the
	 * lock we hold, and while we hold it): one a killed run left goes too,
	 * and a run that made it leaves the directory as it found it. With
	 * nothing recorded, the backup folder and the state directory go when
	 * that leaves them empty. */
	recorded = gt_state_exists(st, "journal") || gt_state_exists(st, "installed");
	if (st->lock_fd >= 0 &&
	    fstatat(st->fd, LOCK_NAME, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    lock_is_current(st, st->lock_fd)) {
		(void)unlinkat(st->fd, LOCK_NAME, 0);
		(void)fsync(st->fd);
	}
	if (st->lock_fd >= 0 && !recorded) {
		rmdir_if_empty(st->fd, "backup");
		rmdir_if_empty(st->parent_fd, STATE_NAME);
		(void)fsync(st->parent_fd);
	}
	gt_state_close(st);
}
