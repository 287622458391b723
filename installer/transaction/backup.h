/* SPDX-License-Identifier: MIT */
/*
 * What a file was before the installer changed it, and the copy that puts
 * it back. A file's state is its type (regular file, symbolic link, or
 * absent), owner, group, mode and sha256 (a link: its target); the journal
 * records it next to the backup, so that an undo can tell "already undone"
 * from "cannot be undone", and so that the end of a rollback can check that
 * every file really is what it was.
 *
 * Backups live in the state directory (backup/RUN-ID/PATH), reached from its
 * descriptor without following links; a backup is a copy with the same
 * owner, group, mode, times (and extended attributes: an SELinux label), or
 * for a link a link with the same target and owner. Restoring is a rename of
 * the backup onto the file: atomic, and repeatable (a missing backup with the
 * file already as recorded is a restore that was done).
 */
#ifndef GT_BACKUP_H
#define GT_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "root.h"

struct gt_file_state {
	char type; /* 'r' regular file, 'l' symbolic link, '-' absent, 0 unknown */
	unsigned uid, gid;
	unsigned mode; /* permission bits (07777) */
	char *digest;  /* 'r': sha256 in hex; 'l': the link's target; else NULL */
};

void gt_file_state_clear(struct gt_file_state *fs);

/*
 * gt_file_state_of - the state of @path in @root (the last component not
 * followed). Returns 0 (type '-' when absent), -EISDIR (a directory),
 * -GT_ENOTREG (a device, FIFO or socket), or -errno.
 */
int gt_file_state_of(const struct gt_root *root, const char *path,
                     struct gt_file_state *out);

/*
 * gt_file_state_differs - NULL when @now is @want, else a description of
 * the first difference written to @buf ("mode 0600, was 0644").
 */
const char *gt_file_state_differs(const struct gt_file_state *want,
                                  const struct gt_file_state *now, char *buf,
                                  size_t size);

/*
 * gt_backup_take - copy @path (inside @root) to @backup (a path relative to
 * the state directory @statefd, "backup/RUN/etc/x"), keeping its type, owner,
 * mode and times, and fill @out with its state. An absent @path is state
 * '-' and no copy. Returns 0, -EISDIR, -GT_ENOTREG (not a file or link:
 * nothing of ours may replace it), or -errno.
 */
int gt_backup_take(const struct gt_root *root, int statefd, const char *path,
                   const char *backup, struct gt_file_state *out);

/*
 * gt_backup_restore - put @backup back as @path, if it is what @want says
 * (else -GT_EINTEGRITY: the backup was changed). A missing backup with @path
 * already as @want is success (restored before). Returns 0, -ENOENT (the
 * backup is missing and @path differs), -GT_EINTEGRITY, -EISDIR (a
 * directory now stands at @path), or -errno; @why says what is wrong.
 */
int gt_backup_restore(const struct gt_root *root, int statefd, const char *backup,
                      const char *path, const struct gt_file_state *want, char *why,
                      size_t whylen);

/*
 * gt_backup_remove_new - remove @path, a file the run created (undo of a
 * file with no backup). Absent is success. Returns 0, -EISDIR (a directory
 * stands there now: left alone), or -errno.
 */
int gt_backup_remove_new(const struct gt_root *root, const char *path);

/*
 * gt_backup_state_dir - the folder of @rel (relative to the state directory
 * @statefd, "backup/RUN/x"), walked without following links and made (0700)
 * when @create; *@name is @rel's last component. Returns an fd or -errno.
 */
int gt_backup_state_dir(int statefd, const char *rel, bool create, const char **name);

/*
 * gt_backup_gc - delete every file under the state directory's backup/ that
 * @keep (called with the path relative to the state directory) does not
 * claim, then the folders left empty. Links are never followed.
 */
void gt_backup_gc(int statefd, bool (*keep)(const char *rel, void *ctx), void *ctx);

#endif
