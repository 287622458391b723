/* SPDX-License-Identifier: MIT */
/*
 * The journal: a write-ahead log of every change the installer makes, in
 * the state directory (statedir.h). Each record is appended and made durable
 * (fdatasync) before the change it announces; undoing one appends an
 * "undone" (compensation) record, so that an undo killed half-way resumes
 * where it stopped (rollback.h). A run that commits merges its journal into
 * the installed record, the one `status` shows and `uninstall` undoes; an
 * upgrade keeps the first run's records (and so the admin's original files)
 * for each thing both runs changed.
 *
 * Files: journal (the run in progress, or killed), installed (what is
 * installed), backup/RUN-ID/PATH (a file as it was before RUN-ID changed it).
 * Records, one a line, fields separated by tabs (tabs, newlines and
 * backslashes in values escaped); a last line without its newline is a
 * record a power cut interrupted, and was never acted on:
 *   begin     RUN-ID ISO-VERSION PAYLOAD
 *   file      PATH BACKUP|- TYPE UID GID MODE SHA256|LINK-TARGET|-
 *                                     a file about to be written; what it was
 *   pkg       FAMILY NAME OLD|- NEW   a package about to be installed
 *   dir       PATH                    a directory about to be made
 *   service   NAME INIT WAS           a service about to be enabled (WAS:
 *                                     enabled or disabled before)
 *   disk      DEVICE OFFSET LENGTH BACKUP SHA256 IDENTITY
 *                                     a disk region (the boot sector and the
 *                                     gap after it) about to be written by a
 *                                     boot loader's installer; IDENTITY, bytes
 *                                     440-511 of its sector 0 in hex, finds
 *                                     the disk at undo under another name
 *                                     (region.h)
 *   commit    RUN-ID
 *   uninstall RUN-ID                  (installed record) an uninstall began
 *   undone    N                       record N (0-based) was undone
 * Records written by earlier versions (file without its state, service
 * without WAS, disk without IDENTITY) are read as such: what they lack is not checked.
 *
 * Everything read back is validated before use: the image under --root may
 * have written it (transaction/names.h), and a record that does not follow the
 * grammar stops the run before anything is undone.
 */
#ifndef GT_JOURNAL_H
#define GT_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "root.h"
#include "transaction/backup.h"
#include "transaction/statedir.h"

#define GT_JOURNAL_NAME   "journal"
#define GT_INSTALLED_NAME "installed"

struct gt_journal;

/* One record of a log, as read back. */
struct gt_journal_record {
	char *kind;
	char **fields; /* NULL-terminated, unescaped */
	unsigned
	        line; /* its line in the file (1-based), 0 for one not read from a file */
};

struct gt_journal_log {
	struct gt_journal_record *records;
	size_t count;
	bool committed;    /* the last begin has its commit */
	bool uninstalling; /* an uninstall record: this log is being undone */
	bool *undone;      /* [count]: an "undone" record names it */
};

/* Where a log failed validation: which one, its line (1-based) and why. */
struct gt_journal_error {
	const char *file; /* GT_JOURNAL_NAME or GT_INSTALLED_NAME (gt_journal_load) */
	unsigned line;
	char msg[240];
};

/*
 * gt_journal_parse - parse and validate the text of a log (@installed: the
 * installed record, which may hold several begin..commit runs). Returns 0,
 * -GT_EPARSE (@err says where and why) or -ENOMEM.
 */
int gt_journal_parse(const char *text, size_t len, bool installed,
                     struct gt_journal_log **out, struct gt_journal_error *err);

/*
 * gt_journal_load - read and validate @name (GT_JOURNAL_NAME or
 * GT_INSTALLED_NAME) of the state directory. Returns 0, -ENOENT, -GT_EPARSE
 * (@err says where), -GT_ETOOBIG, -GT_ENOTREG, or -errno.
 */
int gt_journal_load(const struct gt_state *st, const char *name,
                    struct gt_journal_log **out, struct gt_journal_error *err);

/*
 * gt_journal_read - the installed record (@installed) or the journal of
 * @root, read through a checked state directory (for verify and status).
 * Returns as gt_journal_load, or -GT_EUNSAFE.
 */
int gt_journal_read(const struct gt_root *root, bool installed,
                    struct gt_journal_log **out);
void gt_journal_log_free(struct gt_journal_log *log);

/* gt_journal_field - field @i of record @r, or NULL when it has fewer. */
const char *gt_journal_field(const struct gt_journal_record *r, size_t i);

/*
 * gt_journal_file_state - the state a file record says its file had before
 * (type 0 for a record of an earlier version without it). Returns 0 or
 * -ENOMEM.
 */
int gt_journal_file_state(const struct gt_journal_record *r, struct gt_file_state *out);

/*
 * gt_journal_append - append one record (a NULL-terminated list of fields
 * after @kind) to log @name of the state directory and make it durable.
 * Returns 0 or -errno (then nothing of it is in the log).
 */
int gt_journal_append(const struct gt_state *st, const char *name, const char *kind, ...)
        __attribute__((sentinel));

/*
 * gt_journal_begin - start a run. Fails with -EBUSY when a journal exists
 * (recover it first: rollback.h). The caller holds the state lock.
 * Returns 0 or -errno; end it with gt_journal_commit() or rollback.h's
 * gt_rollback_run(), which free it.
 */
int gt_journal_begin(struct gt_state *st, const char *iso_version, const char *payload,
                     struct gt_journal **out);

/* gt_journal_new_run_id - a new run id (UTC time and pid) into @buf. */
void gt_journal_new_run_id(char *buf, size_t size);

/* gt_journal_run_id - the id of this run ("20261124T141500Z-1234"). */
const char *gt_journal_run_id(const struct gt_journal *j);

/* gt_journal_state - the state directory of @j. */
struct gt_state *gt_journal_state(const struct gt_journal *j);

/* gt_journal_log - the records written so far. */
const struct gt_journal_log *gt_journal_log(const struct gt_journal *j);

/*
 * gt_journal_write_file - replace @path (inside the root) by @len bytes of
 * @data with @mode, atomically, keeping the old file as a backup.
 * Returns 0 or -errno (nothing changed then).
 */
int gt_journal_write_file(struct gt_journal *j, const char *path, const void *data,
                          size_t len, mode_t mode);

/*
 * gt_journal_file_intent - record that @path is about to be created or
 * replaced by someone else (the tgz extractor, a command), after backing up
 * what is there. A path this run already recorded is not recorded again
 * (the first record's undo gives back the original). Returns 0, -EISDIR or
 * -GT_ENOTREG (a directory or device where a file would go), or -errno.
 */
int gt_journal_file_intent(struct gt_journal *j, const char *path);

/* gt_journal_pkg - record that package @name is about to be installed. */
int gt_journal_pkg(struct gt_journal *j, const char *family, const char *name,
                   const char *old_version, const char *new_version);

/* gt_journal_dir - create directory @path (and its parents), recording each one made. */
int gt_journal_dir(struct gt_journal *j, const char *path);

/*
 * gt_journal_service - record that service @name is about to be enabled
 * (@was_enabled: it already was, so an undo leaves it enabled).
 */
int gt_journal_service(struct gt_journal *j, const char *name, const char *init,
                       bool was_enabled);

/* The name of a run's boot-sector copy in its backup folder. */
#define GT_DISK_BACKUP_NAME "boot-sector"

/*
 * gt_journal_disk - keep @length bytes at @offset of @device (a path of the
 * running system) in the run's backup folder and record them, before a
 * boot loader's installer writes there. Returns 0 or -errno.
 */
int gt_journal_disk(struct gt_journal *j, const char *device, uint64_t offset,
                    size_t length);

/*
 * gt_journal_run - back up @backups (NULL-terminated paths inside the root)
 * and record them, before a command rewrites them. Returns 0 or -errno.
 */
int gt_journal_run(struct gt_journal *j, char *const *backups);

/*
 * gt_journal_commit - finish the run: every file synced (syncfs on the
 * root; sync on kernels before 2.6.39), the commit record written, the journal merged
 * into the installed record, the backups nothing refers to any more removed. Frees @j.
 */
int gt_journal_commit(struct gt_journal *j);

/*
 * gt_journal_finish_commit - complete the commit of a journal that has its
 * commit record (a run killed after it): idempotent. Returns 0 or -errno.
 */
int gt_journal_finish_commit(struct gt_state *st, const struct gt_journal_log *journal);

/* gt_journal_free - free @j without touching the files (rollback.c). */
void gt_journal_free(struct gt_journal *j);

/*
 * gt_journal_gc_backups - remove the backups that neither the installed
 * record nor the journal refers to.
 */
void gt_journal_gc_backups(struct gt_state *st);

#endif
