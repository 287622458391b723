/* SPDX-License-Identifier: MIT */
/*
 * The journal: every change the installer makes is written down (and
 * fsync'ed) before it happens, in ROOT/var/lib/guest-tools/journal. A run
 * that fails is rolled back from it in reverse order; a run that was killed
 * leaves the journal behind, and the next run rolls it back first. On
 * success the journal becomes ROOT/var/lib/guest-tools/installed: the record
 * `status` shows and `uninstall` undoes.
 *
 * Records, one a line, fields separated by tabs (tabs, newlines and
 * backslashes in values are escaped):
 *   begin   RUN-ID ISO-VERSION PAYLOAD
 *   file    PATH BACKUP|-        a file written (BACKUP: the old one, kept)
 *   pkg     FAMILY NAME OLD|- NEW  a package installed (OLD: version before)
 *   dir     PATH                 a directory created
 *   service NAME INIT            a service enabled
 *   run     BACKUPS...           a command that rewrote files (initramfs)
 *   commit  RUN-ID
 */
#ifndef GT_JOURNAL_H
#define GT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "root.h"

#define GT_STATE_DIR "/var/lib/guest-tools"

struct gt_journal;

/* One record of a journal, as read back. */
struct gt_journal_record {
	char *kind;
	char **fields; /* NULL-terminated, unescaped */
};

struct gt_journal_log {
	struct gt_journal_record *records;
	size_t count;
	bool committed;
};

/*
 * gt_journal_begin - start a run. Fails with -EBUSY when an unfinished
 * journal exists (call gt_journal_recover() first).
 * Returns 0 or -errno; *out is owned by the caller (end it with commit or
 * rollback, which free it).
 */
int gt_journal_begin(const struct gt_root *root, const char *iso_version,
                     const char *payload, struct gt_journal **out);

/* gt_journal_run_id - the id of this run ("20261124T141500Z-1234"). */
const char *gt_journal_run_id(const struct gt_journal *j);

/*
 * gt_journal_write_file - replace @path (inside the root) by @len bytes of
 * @data with @mode, atomically, keeping the old file as a backup.
 * Returns 0 or -errno (nothing changed then).
 */
int gt_journal_write_file(struct gt_journal *j, const char *path, const void *data,
                          size_t len, mode_t mode);

/*
 * gt_journal_file_intent - record that @path is about to be created or
 * replaced by someone else (the tgz extractor), backing up the old file.
 * Returns 0 or -errno.
 */
int gt_journal_file_intent(struct gt_journal *j, const char *path);

/* gt_journal_pkg - record that package @name is about to be installed. */
int gt_journal_pkg(struct gt_journal *j, const char *family, const char *name,
                   const char *old_version, const char *new_version);

/* gt_journal_dir - create directory @path (and its parents), recording each one made. */
int gt_journal_dir(struct gt_journal *j, const char *path);

/* gt_journal_service - record that service @name is about to be enabled. */
int gt_journal_service(struct gt_journal *j, const char *name, const char *init);

/*
 * gt_journal_run - back up @backups (NULL-terminated paths inside the root)
 * and record them, before a command rewrites them. Returns 0 or -errno.
 */
int gt_journal_run(struct gt_journal *j, char *const *backups);

/* gt_journal_commit - finish the run: the journal becomes the installed record. */
int gt_journal_commit(struct gt_journal *j);

/*
 * gt_journal_rollback - undo this run's records in reverse, then remove the
 * journal. Failures to undo one record are reported through gt_warn and do
 * not stop the others. Returns 0 or the first error.
 */
int gt_journal_rollback(struct gt_journal *j);

/*
 * gt_journal_recover - roll back an unfinished journal left by a killed run.
 * *found says whether there was one. Returns 0 or -errno.
 */
int gt_journal_recover(const struct gt_root *root, bool *found);

/* gt_journal_read - read the installed record (@installed) or the journal. */
int gt_journal_read(const struct gt_root *root, bool installed,
                    struct gt_journal_log **out);
void gt_journal_log_free(struct gt_journal_log *log);

/*
 * gt_journal_undo_log - undo every record of @log in reverse (what uninstall
 * does with the installed record). Returns 0 or the first error.
 */
int gt_journal_undo_log(const struct gt_root *root, const struct gt_journal_log *log);

/* gt_journal_test_kill_point - SIGKILL ourselves when GT_TEST_KILL_AT names @kind (crash
 * tests). */
void gt_journal_test_kill_point(const char *kind);

/* gt_journal_forget_installed - remove the installed record after an uninstall. */
int gt_journal_forget_installed(const struct gt_root *root);

#endif
