/* SPDX-License-Identifier: MIT */
/*
 * Undo: the rollback of a failed run, the recovery of a killed one, and
 * uninstall, all the same walk over a log (journal.h) in reverse.
 *
 * Each step is repeatable: a file whose backup is gone but which already is
 * what the journal recorded was restored before; a removed package, a
 * removed directory, a disabled service are left as they are. Each step
 * done is written down ("undone N") before the next one, so a walk killed
 * half-way is resumed by the next run where it stopped.
 *
 * And the end is checked, not assumed: every file against the type, owner,
 * mode and sha256 the journal recorded, every package against the package
 * manager's own query, every directory and service against what it was.
 * Only when all of it holds is the log removed; otherwise it is kept (the
 * next run tries again) and the report lists what is left.
 *
 * Packages and services are undone and queried through the operations the
 * caller hands in (struct gt_undo_ops: actions/undo_ops.h gives dpkg, rpm
 * and the init systems'), so that transaction/ knows no package tool.
 */
#ifndef GT_ROLLBACK_H
#define GT_ROLLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "transaction/journal.h"
#include "transaction/statedir.h"

struct gt_undo_report {
	char **left; /* what is not as it was before, one line each */
	size_t n_left;
	char **left_shown; /* the same in the user's language (lib/i18n.h) */
	size_t n_left_shown;
	char **notes;   /* what was done that the records do not say by themselves */
	size_t n_notes; /* ("boot sector of /dev/sda (recorded as /dev/vda): restored") */
	char **notes_shown; /* the same in the user's language */
	size_t n_notes_shown;
	size_t steps;      /* undo steps carried out by this call */
	size_t unrecorded; /* steps done whose "undone" record could not be written */
	bool finished;     /* everything is as before: the log was removed */
};

/*
 * What undo needs of the package tools and the init system. Each returns 0,
 * -errno, or -GT_ETOOL (the tool failed: @how says how, when given).
 */
struct gt_undo_ops {
	/* Remove package @name of @family (deb, rpm); not installed is success. */
	int (*pkg_remove)(const struct gt_root *root, const char *family,
	                  const char *name, char *how, size_t howlen);
	/* What the package tool says: *state "installed", "not-installed", or
	 * its word for a package half-way; *version or NULL (both freed by the
	 * caller). */
	int (*pkg_query)(const struct gt_root *root, const char *family, const char *name,
	                 char **state, char **version);
	bool (*service_enabled)(const struct gt_root *root, const char *name,
	                        const char *init);
	int (*service_enable)(const struct gt_root *root, const char *name,
	                      const char *init);
	int (*service_disable)(const struct gt_root *root, const char *name,
	                       const char *init);
};

void gt_undo_report_clear(struct gt_undo_report *rep);

/*
 * gt_rollback_run - undo the failed run @j (freed), check the result.
 * Returns 0 (see @rep: finished, or what is left) or -errno when the journal
 * cannot be read or written.
 */
int gt_rollback_run(struct gt_journal *j, const struct gt_undo_ops *ops,
                    struct gt_undo_report *rep);

enum gt_recovery {
	GT_RECOVERED_NOTHING,   /* no journal, no interrupted uninstall */
	GT_RECOVERED_EMPTY,     /* a killed run that had changed nothing yet */
	GT_RECOVERED_ROLLBACK,  /* a killed (or failed) run, rolled back */
	GT_RECOVERED_COMMIT,    /* a run killed after its commit record, completed */
	GT_RECOVERED_UNINSTALL, /* a killed uninstall, finished */
};

/*
 * gt_rollback_recover - finish what a killed run left: roll back its journal
 * (resuming a rollback already under way), complete a committed one, or
 * finish an interrupted uninstall. The caller holds the lock.
 * Returns 0 (*what says what was found; @rep what is left, if anything),
 * -GT_EPARSE (a log is not one this installer writes: @err says where and
 * why, and nothing was done), or -errno.
 */
int gt_rollback_recover(struct gt_state *st, const struct gt_undo_ops *ops,
                        enum gt_recovery *what, struct gt_undo_report *rep,
                        struct gt_journal_error *err);

/*
 * gt_rollback_uninstall - undo the installed record (resuming an uninstall
 * under way). Returns 0 (@rep says whether everything is back), -ENOENT
 * (nothing is installed), -GT_EPARSE (@err) or -errno.
 */
int gt_rollback_uninstall(struct gt_state *st, const struct gt_undo_ops *ops,
                          struct gt_undo_report *rep, struct gt_journal_error *err);

#endif
