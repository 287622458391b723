/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "i18n.h"
#include "strv.h"
#include "testseam/testseam.h"
#include "transaction/fsops.h"
#include "transaction/region.h"
#include "transaction/rollback.h"

void gt_undo_report_clear(struct gt_undo_report *rep)
{
	gt_strv_free(rep->left);
	gt_strv_free(rep->left_shown);
	gt_strv_free(rep->notes);
	gt_strv_free(rep->notes_shown);
	memset(rep, 0, sizeof(*rep));
}

/* One walk: a log (@name in the state directory) being undone. */
struct walk {
	struct gt_state *st;
	const char *name; /* GT_JOURNAL_NAME or GT_INSTALLED_NAME */
	const struct gt_journal_log *log;
	char **why; /* [count]: why an undo step failed, or NULL */
	struct gt_undo_report *rep;
	const struct gt_undo_ops *ops;
};

static const char *kind_of(const struct gt_journal_record *r)
{
	return r->kind;
}

/* The backup field of a file record as a path in the state directory. */
static const char *backup_rel(const char *backup)
{
	return backup + strlen(GT_STATE_DIR) + 1;
}

static int undo_file(struct walk *w, const struct gt_journal_record *r, char *why,
                     size_t whylen)
{
	struct gt_file_state want = { 0 };
	int ret;

	if (strcmp(r->fields[1], "-") == 0) {
		ret = gt_backup_remove_new(w->st->root, r->fields[0]);
		if (ret == -EISDIR)
			snprintf(why, whylen,
			         "a directory stands where the installer wrote a file");
		else if (ret < 0)
			snprintf(why, whylen, "cannot be removed: %s", gt_strerror(ret));
		return ret;
	}
	ret = gt_journal_file_state(r, &want);
	if (ret == 0)
		ret = gt_backup_restore(w->st->root, w->st->fd, backup_rel(r->fields[1]),
		                        r->fields[0], &want, why, whylen);
	gt_file_state_clear(&want);
	return ret;
}

static int undo_pkg(struct walk *w, const struct gt_journal_record *r, char *why,
                    size_t whylen)
{
	char how[160];
	int ret;

	/* tgz: its files are undone one by one. A version that was there
	 * before cannot be put back offline (no package file of it is kept):
	 * the check at the end says whether the run changed it. */
	if (strcmp(r->fields[0], "tgz") == 0 || strcmp(r->fields[2], "-") != 0)
		return 0;
	ret = w->ops->pkg_remove(w->st->root, r->fields[0], r->fields[1], how,
	                         sizeof(how));
	if (ret < 0)
		snprintf(why, whylen, "%s", ret == -GT_ETOOL ? how : gt_strerror(ret));
	return ret;
}

static int undo_dir(struct walk *w, const struct gt_journal_record *r, char *why,
                    size_t whylen)
{
	/* Only an empty directory goes: anything put there since stays. A
	 * missing one is already undone; the parent is synced (fsops.h). */
	int ret = gt_fs_rmdir(w->st->root, r->fields[0]);

	if (ret == -ENOTEMPTY)
		snprintf(why, whylen,
		         "is not empty: it holds files the installer did not put there");
	else if (ret < 0)
		snprintf(why, whylen, "cannot be removed: %s", gt_strerror(ret));
	return ret;
}

static bool was_enabled(const struct gt_journal_record *r)
{
	const char *was = gt_journal_field(r, 2);

	return was && strcmp(was, "enabled") == 0;
}

static int undo_service(struct walk *w, const struct gt_journal_record *r, char *why,
                        size_t whylen)
{
	const char *name = r->fields[0], *init = r->fields[1];
	bool want = was_enabled(r),
	     now = w->ops->service_enabled(w->st->root, name, init);
	int ret = 0;

	if (want && !now)
		ret = w->ops->service_enable(w->st->root, name, init);
	else if (!want && now)
		ret = w->ops->service_disable(w->st->root, name, init);
	if (ret < 0)
		snprintf(why, whylen, "cannot be %s: %s",
		         want ? "enabled again" : "disabled", gt_strerror(ret));
	return ret;
}

/*
 * The disk of record @r, into @dev: by its identity when it has one (the
 * same disk is vda booted PV and sda booted HVM), else by its path.
 */
static int disk_of(const struct gt_journal_record *r, char *dev, size_t size,
                   unsigned *n_matches)
{
	const char *ident = gt_journal_field(r, 5);

	*n_matches = 1;
	if (!ident) {
		snprintf(dev, size, "%s", r->fields[0]);
		return 0;
	}
	return gt_region_find_disk("/sys/block", "/dev", r->fields[0], ident, dev, size,
	                           n_matches);
}

/* "/dev/sda (recorded as /dev/vda)", or the recorded name alone. */
/* What undo says of a boot sector it put back, in English and as shown. */
static int note_restored(struct walk *w, const struct gt_journal_record *r,
                         const char *dev)
{
	char note[2 * PATH_MAX + 96], shown[2 * PATH_MAX + 192];

	if (strcmp(dev, r->fields[0]) == 0) {
		snprintf(note, sizeof(note), "boot sector of %s: restored", dev);
		snprintf(shown, sizeof(shown), gt_tr("boot sector of %s: restored"), dev);
	} else {
		snprintf(note, sizeof(note),
		         "boot sector of %s (recorded as %s): restored", dev,
		         r->fields[0]);
		snprintf(shown, sizeof(shown),
		         gt_tr("boot sector of %s (recorded as %s): restored"), dev,
		         r->fields[0]);
	}
	if (gt_strv_push(&w->rep->notes, &w->rep->n_notes, note) < 0 ||
	    gt_strv_push(&w->rep->notes_shown, &w->rep->n_notes_shown, shown) < 0)
		return -ENOMEM;
	return 0;
}

/*
 * A boot sector written back only by a live run: under --root the record
 * comes from the image, and its device would be this machine's.
 */
static int undo_disk(struct walk *w, const struct gt_journal_record *r, char *why,
                     size_t whylen)
{
	char dev[PATH_MAX];
	unsigned n;
	int ret;

	if (!w->st->root->host) {
		snprintf(
		        why, whylen,
		        "a boot sector is written back only inside the guest: run installer uninstall there");
		return -EPERM;
	}
	ret = disk_of(r, dev, sizeof(dev), &n);
	if (ret < 0) /* check_disk says it, whole */
		snprintf(why, whylen, "cannot be found (%u disks have its identity)", n);
	if (ret == 0)
		ret = gt_region_restore(w->st->fd, backup_rel(r->fields[3]), dev,
		                        strtoull(r->fields[1], NULL, 10),
		                        (size_t)strtoul(r->fields[2], NULL, 10),
		                        r->fields[4], why, whylen);
	if (ret == 0)
		ret = note_restored(w, r, dev);
	return ret;
}

static int undo_record(struct walk *w, const struct gt_journal_record *r, char *why,
                       size_t whylen)
{
	const char *k = kind_of(r);

	if (strcmp(k, "file") == 0)
		return undo_file(w, r, why, whylen);
	if (strcmp(k, "pkg") == 0)
		return undo_pkg(w, r, why, whylen);
	if (strcmp(k, "dir") == 0)
		return undo_dir(w, r, why, whylen);
	if (strcmp(k, "service") == 0)
		return undo_service(w, r, why, whylen);
	if (strcmp(k, "disk") == 0)
		return undo_disk(w, r, why, whylen);
	return 0;
}

static bool undoable(const struct gt_journal_record *r)
{
	const char *k = kind_of(r);

	return !strcmp(k, "file") || !strcmp(k, "pkg") || !strcmp(k, "dir") ||
	       !strcmp(k, "service") || !strcmp(k, "disk");
}

/* Undo every record not yet undone, last first, each one written down when done. */
static void undo_all(struct walk *w)
{
	size_t i = w->log->count;
	char why[512];

	while (i-- > 0) {
		const struct gt_journal_record *r = &w->log->records[i];
		char idx[24];
		int ret;

		if (!undoable(r) || w->log->undone[i])
			continue;
		why[0] = '\0';
		ret = undo_record(w, r, why, sizeof(why));
		w->rep->steps++;
		gt_test_kill_point_n("undo", (unsigned)w->rep->steps);
		if (ret < 0) { /* said in the report, if the check finds it left */
			w->why[i] = strdup(why[0] ? why : gt_strerror(ret));
			continue;
		}
		snprintf(idx, sizeof(idx), "%zu", i);
		/* Not written down: done all the same; a later run finds it done. */
		if (gt_journal_append(w->st, w->name, "undone", idx, (char *)NULL) < 0)
			w->rep->unrecorded++;
		gt_test_kill_point_n("undone", (unsigned)w->rep->steps);
	}
}

/* Is @r the first record of @log about its subject (the one that knew the original)? */
static bool first_about(const struct gt_journal_log *log, size_t i)
{
	const struct gt_journal_record *r = &log->records[i];
	size_t k;

	for (k = 0; k < i; k++) {
		const struct gt_journal_record *o = &log->records[k];

		if (strcmp(o->kind, r->kind) == 0 &&
		    strcmp(o->fields[0], r->fields[0]) == 0 &&
		    (strcmp(r->kind, "pkg") != 0 ||
		     strcmp(o->fields[1], r->fields[1]) == 0))
			return false;
	}
	return true;
}

static int left(struct walk *w, size_t i, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Formatted twice: English (JSON, the log), gt_tr(fmt) for the person reading. */
static int left(struct walk *w, size_t i, const char *fmt, ...)
{
	char line[1024], shown[2048];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(shown, sizeof(shown), gt_tr(fmt), ap);
	va_end(ap);
	n = strlen(line);
	if (w->why[i] && n < sizeof(line) - 4)
		snprintf(line + n, sizeof(line) - n, " (%s)", w->why[i]);
	n = strlen(shown);
	if (w->why[i] && n < sizeof(shown) - 4)
		snprintf(shown + n, sizeof(shown) - n, gt_tr(" (%s)"), w->why[i]);
	if (gt_strv_push(&w->rep->left, &w->rep->n_left, line) < 0 ||
	    gt_strv_push(&w->rep->left_shown, &w->rep->n_left_shown, shown) < 0)
		return -ENOMEM;
	return 0;
}

static int check_file(struct walk *w, size_t i)
{
	const struct gt_journal_record *r = &w->log->records[i];
	struct gt_file_state want = { 0 }, now = { 0 };
	char d[300];
	const char *diff;
	int ret = gt_journal_file_state(r, &want);

	if (ret == 0)
		ret = gt_file_state_of(w->st->root, r->fields[0], &now);
	if (ret == 0 &&
	    want.type == 0) { /* an earlier version's record: existence only */
		bool was_absent = strcmp(r->fields[1], "-") == 0;

		if (was_absent != (now.type == '-'))
			ret = was_absent ? left(w, i, "%s: still there, it was absent",
			                        r->fields[0])
			                 : left(w, i, "%s: missing, it was there",
			                        r->fields[0]);
		gt_file_state_clear(&now);
		return ret;
	}
	if (ret == -EISDIR)
		ret = strcmp(r->fields[1], "-") == 0
		              ? left(w, i, "%s: a directory stands there; it was absent",
		                     r->fields[0])
		              : left(w, i, "%s: a directory stands there; it was a file",
		                     r->fields[0]);
	else if (ret < 0)
		ret = left(w, i, "%s: cannot be checked: %s", r->fields[0],
		           gt_strerror(ret));
	else if ((diff = gt_file_state_differs(&want, &now, d, sizeof(d))))
		ret = left(w, i, "%s: %s", r->fields[0], diff);
	gt_file_state_clear(&want);
	gt_file_state_clear(&now);
	return ret;
}

static int check_pkg(struct walk *w, size_t i)
{
	const struct gt_journal_record *r = &w->log->records[i];
	const char *family = r->fields[0], *name = r->fields[1], *old = r->fields[2];
	char *state = NULL, *version = NULL;
	int ret;

	if (strcmp(family, "tgz") == 0)
		return 0; /* its files were checked one by one */
	ret = w->ops->pkg_query(w->st->root, family, name, &state, &version);
	if (ret < 0)
		ret = left(w, i,
		           "package %s (%s): the package tool cannot tell its state: %s",
		           name, family, gt_strerror(ret));
	else if (strcmp(old, "-") == 0 && strcmp(state, "not-installed") != 0 && version)
		ret = left(w, i, "package %s (%s): %s at version %s, was not installed",
		           name, family, state, version);
	else if (strcmp(old, "-") == 0 && strcmp(state, "not-installed") != 0)
		ret = left(w, i, "package %s (%s): %s, was not installed", name, family,
		           state);
	else if (strcmp(old, "-") != 0 && (strcmp(state, "installed") != 0 || !version ||
	                                   strcmp(version, old) != 0))
		ret = version ? left(w, i,
		                     "package %s (%s): %s at version %s, was installed at version %s (a version that was there before cannot be installed again offline: reinstall it with the package tool)",
		                     name, family, state, version, old)
		              : left(w, i,
		                     "package %s (%s): %s, was installed at version %s (a version that was there before cannot be installed again offline: reinstall it with the package tool)",
		                     name, family, state, old);
	free(state);
	free(version);
	return ret;
}

static int check_dir(struct walk *w, size_t i)
{
	const struct gt_journal_record *r = &w->log->records[i];
	struct stat st;

	if (gt_root_stat(w->st->root, r->fields[0], false, &st) == 0)
		return left(w, i, "directory %s: still there, it was not", r->fields[0]);
	return 0;
}

static int check_service(struct walk *w, size_t i)
{
	const struct gt_journal_record *r = &w->log->records[i];
	bool want = was_enabled(r),
	     now = w->ops->service_enabled(w->st->root, r->fields[0], r->fields[1]);

	if (want != now)
		return now ? left(w, i, "service %s (%s): enabled, was disabled",
		                  r->fields[0], r->fields[1])
		           : left(w, i, "service %s (%s): disabled, was enabled",
		                  r->fields[0], r->fields[1]);
	return 0;
}

static int check_disk(struct walk *w, size_t i)
{
	const struct gt_journal_record *r = &w->log->records[i];
	char dev[PATH_MAX];
	bool moved;
	unsigned n;
	int same;

	if (!w->st->root->host)
		return left(w, i, "boot sector of %s: not checked outside the guest",
		            r->fields[0]);
	same = disk_of(r, dev, sizeof(dev), &n);
	if (same < 0) {
		free(w->why[i]); /* said here in full */
		w->why[i] = NULL;
		if (n == 0)
			return left(
			        w, i,
			        "boot sector of %s: cannot be found: no disk here has its signature and partition table (bytes 440-511 of sector 0); nothing was written",
			        r->fields[0]);
		return left(
		        w, i,
		        "boot sector of %s: cannot be found: %u disks here have its signature and partition table (bytes 440-511 of sector 0), so nothing was written",
		        r->fields[0], n);
	}
	same = gt_region_matches(dev, strtoull(r->fields[1], NULL, 10),
	                         (size_t)strtoul(r->fields[2], NULL, 10), r->fields[4]);
	moved = strcmp(dev, r->fields[0]) != 0;
	if (same < 0 && !moved)
		return left(w, i, "boot sector of %s: cannot be read: %s", dev,
		            gt_strerror(same));
	if (same < 0)
		return left(w, i,
		            "boot sector of %s (recorded as %s): cannot be read: %s", dev,
		            r->fields[0], gt_strerror(same));
	if (same == 0 && !moved)
		return left(w, i, "boot sector of %s: differs from the copy kept before",
		            dev);
	if (same == 0)
		return left(
		        w, i,
		        "boot sector of %s (recorded as %s): differs from the copy kept before",
		        dev, r->fields[0]);
	return 0;
}

/* The end state, checked against what the first record of each thing says it was. */
static int check_all(struct walk *w)
{
	size_t i;
	int ret = 0;

	for (i = 0; i < w->log->count && ret == 0; i++) {
		const char *k = w->log->records[i].kind;

		if (!undoable(&w->log->records[i]) || !first_about(w->log, i))
			continue;
		if (strcmp(k, "file") == 0)
			ret = check_file(w, i);
		else if (strcmp(k, "pkg") == 0)
			ret = check_pkg(w, i);
		else if (strcmp(k, "dir") == 0)
			ret = check_dir(w, i);
		else if (strcmp(k, "disk") == 0)
			ret = check_disk(w, i);
		else
			ret = check_service(w, i);
	}
	return ret;
}

/* Undo @log (file @name), check, and remove it when everything is back. */
static int walk_log(struct gt_state *st, const struct gt_undo_ops *ops, const char *name,
                    const struct gt_journal_log *log, struct gt_undo_report *rep)
{
	struct walk w = {
		st, name, log, calloc(log->count + 1, sizeof(char *)), rep, ops
	};
	size_t i;
	int ret;

	if (!w.why)
		return -ENOMEM;
	undo_all(&w);
	ret = check_all(&w);
	for (i = 0; i < log->count; i++)
		free(w.why[i]);
	free(w.why);
	if (ret < 0 || rep->n_left > 0)
		return ret;
	if (unlinkat(st->fd, name, 0) < 0 || fsync(st->fd) < 0)
		return -errno;
	gt_journal_gc_backups(st);
	rep->finished = true;
	return 0;
}

int gt_rollback_run(struct gt_journal *j, const struct gt_undo_ops *ops,
                    struct gt_undo_report *rep)
{
	int ret = walk_log(gt_journal_state(j), ops, GT_JOURNAL_NAME, gt_journal_log(j),
	                   rep);

	gt_journal_free(j);
	return ret;
}

int gt_rollback_recover(struct gt_state *st, const struct gt_undo_ops *ops,
                        enum gt_recovery *what, struct gt_undo_report *rep,
                        struct gt_journal_error *err)
{
	struct gt_journal_log *log = NULL;
	int ret;

	*what = GT_RECOVERED_NOTHING;
	ret = gt_journal_load(st, GT_JOURNAL_NAME, &log, err);
	if (ret == 0) {
		if (log->count == 0) {
			*what = GT_RECOVERED_EMPTY;
			ret = unlinkat(st->fd, GT_JOURNAL_NAME, 0) < 0 ? -errno : 0;
		} else if (log->committed) {
			*what = GT_RECOVERED_COMMIT;
			ret = gt_journal_finish_commit(st, log);
		} else {
			*what = GT_RECOVERED_ROLLBACK;
			ret = walk_log(st, ops, GT_JOURNAL_NAME, log, rep);
		}
		gt_journal_log_free(log);
		return ret;
	}
	if (ret != -ENOENT)
		return ret;
	ret = gt_journal_load(st, GT_INSTALLED_NAME, &log, err);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	if (log->uninstalling) {
		*what = GT_RECOVERED_UNINSTALL;
		ret = walk_log(st, ops, GT_INSTALLED_NAME, log, rep);
	}
	gt_journal_log_free(log);
	return ret;
}

int gt_rollback_uninstall(struct gt_state *st, const struct gt_undo_ops *ops,
                          struct gt_undo_report *rep, struct gt_journal_error *err)
{
	struct gt_journal_log *log = NULL;
	int ret = gt_journal_load(st, GT_INSTALLED_NAME, &log, err);

	if (ret < 0)
		return ret;
	if (!log->uninstalling) {
		char id[64];

		/* The uninstall's own id, in the installed record before any undo. */
		gt_journal_new_run_id(id, sizeof(id));
		ret = gt_journal_append(st, GT_INSTALLED_NAME, "uninstall", id,
		                        (char *)NULL);
		if (ret < 0) {
			gt_journal_log_free(log);
			return ret;
		}
		gt_test_kill_point("uninstall");
	}
	ret = walk_log(st, ops, GT_INSTALLED_NAME, log, rep);
	gt_journal_log_free(log);
	return ret;
}
