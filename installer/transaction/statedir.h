/* SPDX-License-Identifier: MIT */
/*
 * The installer's state directory, ROOT/var/lib/guest-tools: the journal,
 * the installed record, the backups and the lock of the run in progress.
 *
 * Under --root it belongs to a guest image, which may be hostile: a state
 * directory that is a symbolic link (to /etc, say) would have the undo of a
 * journal remove or replace files wherever it points. So it is opened once,
 * without following a link, checked (a directory, owned by root, not
 * writable by group or others), and every file in it is reached from that
 * descriptor, never by its path again. The log directory gets the same check.
 *
 * One run at a time: install, uninstall and the recovery of a killed run
 * hold an exclusive flock(2) on ROOT/var/lib/guest-tools/lock from before
 * their first change to their end; a second run names the holder's pid from
 * /proc/locks (nothing is written into the lock file, so that a run that
 * changes nothing leaves the state directory as it was).
 */
#ifndef GT_STATEDIR_H
#define GT_STATEDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "root.h"

#define GT_STATE_DIR "/var/lib/guest-tools"
#define GT_LOG_DIR   "/var/log/guest-tools"

/* How long a second run waits for the lock before it gives up. */
#define GT_LOCK_WAIT_SECONDS 20

struct gt_state {
	const struct gt_root *root;
	int parent_fd; /* ROOT/var/lib, to remove the state directory when empty */
	int fd;        /* ROOT/var/lib/guest-tools, opened without following links */
	int lock_fd;   /* the lock file while locked, else -1 */
};

/*
 * gt_safe_dir_open - open directory @path of @root (its parents resolved
 * inside the root), creating it (mode 0755) and its parents when @create,
 * and check it: not a symbolic link, a directory, owned by root, not
 * writable by group or others. *@parent_fd (may be NULL) receives its
 * parent. On -GT_EUNSAFE, @why says what is wrong ("is a symbolic link to
 * /etc"). Returns the directory fd, -ENOENT (absent, !@create),
 * -GT_EUNSAFE, or -errno.
 */
int gt_safe_dir_open(const struct gt_root *root, const char *path, bool create,
                     int *parent_fd, char *why, size_t whylen);

/*
 * gt_state_open - open and check the state directory (see gt_safe_dir_open).
 * Returns 0, -ENOENT (absent and !@create), -GT_EUNSAFE (@why says), -errno.
 * *out is freed with gt_state_close(), which also releases the lock.
 */
int gt_state_open(const struct gt_root *root, bool create, struct gt_state **out,
                  char *why, size_t whylen);
void gt_state_close(struct gt_state *st);

/*
 * gt_state_lock - take the run lock, waiting up to @wait_seconds for a run
 * that holds it. Returns 0, -EWOULDBLOCK (still held: *holder is its pid
 * from /proc/locks, or 0 when that cannot tell), -EINTR (a signal came
 * while it waited), -GT_EUNSAFE (the lock file is not a regular file of
 * root's), or -errno.
 */
int gt_state_lock(struct gt_state *st, unsigned wait_seconds, pid_t *holder);

/*
 * gt_state_exists - does @name (a file in the state directory) exist?
 * The last component is not followed.
 */
bool gt_state_exists(const struct gt_state *st, const char *name);

/*
 * gt_state_release - end of a run that holds the lock: the lock file goes
 * (a run waiting on the old lock file finds it was replaced and takes a new
 * one); with neither a journal nor an installed record, the backup folder
 * and the state directory too when that leaves them empty, so that an
 * uninstall or a rolled-back first install leaves no trace.
 * Links are never followed; anything else stays. Then the lock is released
 * and @st freed (as gt_state_close).
 */
void gt_state_release(struct gt_state *st);

#endif
