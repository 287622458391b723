/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "transaction/fsops.h"
#include "transaction/journal.h"
#include "log.h"
#include "actions/pkg.h"
#include "actions/service.h"
#include "strv.h"

#define JOURNAL_PATH   GT_STATE_DIR "/journal"
#define INSTALLED_PATH GT_STATE_DIR "/installed"
#define BACKUP_DIR     GT_STATE_DIR "/backup"
#define JOURNAL_MAX    ((size_t)4 * 1024 * 1024)

struct gt_journal {
	const struct gt_root *root;
	char run_id[64];
	char *text; /* the journal so far (rewritten whole, then fsync'ed) */
	size_t len;
	struct gt_journal_log *log; /* the same records, parsed, for rollback */
};

/* Escape tabs, newlines and backslashes so that a record stays one line:
 * esc_raw[i] is written as a backslash and esc_code[i]. */
static const char esc_raw[] = "\t\n\\", esc_code[] = "tn\\";

static int append_escaped(char **buf, size_t *len, const char *s)
{
	size_t need = strlen(s) * 2 + 1;
	char *n = realloc(*buf, *len + need + 1), *o;

	if (!n)
		return -ENOMEM;
	*buf = n;
	o = n + *len;
	for (; *s; s++) {
		const char *e = strchr(esc_raw, *s);

		if (e) {
			*o++ = '\\';
			*o++ = esc_code[e - esc_raw];
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	*len = (size_t)(o - n);
	return 0;
}

static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			const char *e = strchr(esc_code, *++s);

			if (e)
				*o++ = esc_raw[e - esc_code];
			else
				*o++ = *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static void free_records(struct gt_journal_record *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(r[i].kind);
		gt_strv_free(r[i].fields);
	}
	free(r);
}

void gt_journal_log_free(struct gt_journal_log *log)
{
	if (!log)
		return;
	free_records(log->records, log->count);
	free(log);
}

static int parse_log(char *text, struct gt_journal_log **out)
{
	struct gt_journal_log *log = calloc(1, sizeof(*log));
	char *line, *save = NULL;

	if (!log)
		return -ENOMEM;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct gt_journal_record *r;
		char *field, *fsave = NULL;
		size_t nf = 0;

		r = realloc(log->records, (log->count + 1) * sizeof(*r));
		if (!r)
			goto nomem;
		log->records = r;
		r += log->count;
		memset(r, 0, sizeof(*r));
		field = strtok_r(line, "\t", &fsave);
		if (!field)
			continue;
		unescape(field);
		r->kind = strdup(field);
		if (!r->kind)
			goto nomem;
		log->count++;
		while ((field = strtok_r(NULL, "\t", &fsave))) {
			unescape(field);
			if (gt_strv_push(&r->fields, &nf, field) < 0)
				goto nomem;
		}
		if (!r->fields && !(r->fields = calloc(1, sizeof(char *))))
			goto nomem;
		if (strcmp(r->kind, "commit") == 0)
			log->committed = true;
	}
	*out = log;
	return 0;
nomem:
	gt_journal_log_free(log);
	return -ENOMEM;
}

int gt_journal_read(const struct gt_root *root, bool installed,
                    struct gt_journal_log **out)
{
	char *text = NULL;
	size_t len;
	int ret;

	ret = gt_root_read_file(root, installed ? INSTALLED_PATH : JOURNAL_PATH,
	                        JOURNAL_MAX, &text, &len);
	if (ret < 0)
		return ret;
	ret = parse_log(text, out);
	free(text);
	return ret;
}

static int append_raw(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	char *b = realloc(*buf, *len + n + 1);

	if (!b)
		return -ENOMEM;
	memcpy(b + *len, s, n + 1);
	*buf = b;
	*len += n;
	return 0;
}

/*
 * Test seam for the crash tests: GT_TEST_KILL_AT=KIND makes the process
 * SIGKILL itself right after a KIND record is durable, as a power cut or an
 * admin's kill -9 would. Harmless: it can only stop the caller's own run.
 */
void gt_journal_test_kill_point(const char *kind)
{
	const char *at = getenv("GT_TEST_KILL_AT");

	if (at && strcmp(at, kind) == 0)
		raise(SIGKILL);
}

/* Append one record (NULL-terminated fields) and make it durable. */
static int record(struct gt_journal *j, const char *kind, ...)
{
	struct gt_journal_log *log = NULL;
	size_t len = j->len;
	const char *f;
	char *copy;
	va_list ap;
	int ret;

	ret = append_escaped(&j->text, &len, kind);
	va_start(ap, kind);
	while (ret == 0 && (f = va_arg(ap, const char *))) {
		ret = append_raw(&j->text, &len, "\t");
		if (ret == 0)
			ret = append_escaped(&j->text, &len, f);
	}
	va_end(ap);
	if (ret == 0)
		ret = append_raw(&j->text, &len, "\n");
	/* Written and synced before the change it announces is made. */
	if (ret == 0)
		ret = gt_fs_write_atomic(j->root, JOURNAL_PATH, j->text, len, 0600);
	if (ret < 0) {
		if (j->text)
			j->text[j->len] = '\0';
		return ret;
	}
	j->len = len;
	gt_journal_test_kill_point(kind);
	copy = strdup(j->text);
	if (!copy)
		return -ENOMEM;
	ret = parse_log(copy, &log);
	free(copy);
	if (ret < 0)
		return ret;
	gt_journal_log_free(j->log);
	j->log = log;
	return 0;
}

int gt_journal_begin(const struct gt_root *root, const char *iso_version,
                     const char *payload, struct gt_journal **out)
{
	struct gt_journal *j;
	struct tm tm;
	time_t now = time(NULL);
	int ret;

	if (gt_fs_lexists(root, JOURNAL_PATH))
		return -EBUSY;
	ret = gt_fs_mkdirs(root, GT_STATE_DIR);
	if (ret < 0)
		return ret;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->root = root;
	gmtime_r(&now, &tm);
	snprintf(j->run_id, sizeof(j->run_id), "%04d%02d%02dT%02d%02d%02dZ-%d",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	         tm.tm_sec, (int)getpid());
	ret = record(j, "begin", j->run_id, iso_version ? iso_version : "-",
	             payload ? payload : "-", (char *)NULL);
	if (ret < 0) {
		free(j->text);
		gt_journal_log_free(j->log);
		free(j);
		gt_fs_unlink(root, JOURNAL_PATH);
		return ret;
	}
	*out = j;
	return 0;
}

const char *gt_journal_run_id(const struct gt_journal *j)
{
	return j->run_id;
}

/* The backup path of @path for this run, or NULL when out of memory. */
static char *backup_path(const char *run_id, const char *path)
{
	char *b = NULL;

	while (*path == '/')
		path++;
	if (asprintf(&b, "%s/%s/%s", BACKUP_DIR, run_id, path) < 0)
		return NULL;
	return b;
}

/* Copy @path to its backup when it exists; *backup is "-" when it did not. */
static int take_backup(struct gt_journal *j, const char *path, char **backup)
{
	char *b, *slash;
	int ret;

	if (!gt_fs_lexists(j->root, path)) {
		*backup = strdup("-");
		return *backup ? 0 : -ENOMEM;
	}
	b = backup_path(j->run_id, path);
	if (!b)
		return -ENOMEM;
	slash = strrchr(b, '/');
	*slash = '\0';
	ret = gt_fs_mkdirs(j->root, b);
	*slash = '/';
	if (ret == 0)
		ret = gt_fs_copy(j->root, path, b);
	if (ret < 0) {
		free(b);
		return ret;
	}
	*backup = b;
	return 0;
}

int gt_journal_file_intent(struct gt_journal *j, const char *path)
{
	char *backup = NULL;
	int ret;

	ret = take_backup(j, path, &backup);
	if (ret == 0)
		ret = record(j, "file", path, backup, (char *)NULL);
	free(backup);
	return ret;
}

int gt_journal_write_file(struct gt_journal *j, const char *path, const void *data,
                          size_t len, mode_t mode)
{
	int ret = gt_journal_file_intent(j, path);

	return ret < 0 ? ret : gt_fs_write_atomic(j->root, path, data, len, mode);
}

int gt_journal_pkg(struct gt_journal *j, const char *family, const char *name,
                   const char *old_version, const char *new_version)
{
	return record(j, "pkg", family, name, old_version ? old_version : "-",
	              new_version ? new_version : "-", (char *)NULL);
}

int gt_journal_dir(struct gt_journal *j, const char *path)
{
	char *copy = strdup(path), *p;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	/* Parents first, each recorded before it is made, so undo removes them last. */
	for (p = copy + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (!gt_fs_lexists(j->root, copy)) {
				ret = record(j, "dir", copy, (char *)NULL);
				if (ret == 0)
					ret = gt_fs_mkdirs(j->root, copy);
			}
			*p = c;
			if (!c || ret < 0)
				break;
		}
	}
	free(copy);
	return ret;
}

int gt_journal_service(struct gt_journal *j, const char *name, const char *init)
{
	return record(j, "service", name, init, (char *)NULL);
}

int gt_journal_run(struct gt_journal *j, char *const *backups)
{
	size_t i;
	int ret = 0;

	for (i = 0; backups && backups[i] && ret == 0; i++)
		ret = gt_journal_file_intent(j, backups[i]);
	return ret;
}

/* Undo one record. Returns 0 or -errno. */
static int undo(const struct gt_root *root, const struct gt_journal_record *r)
{
	char *const *f = r->fields;
	size_t n = gt_strv_len(f);

	if (strcmp(r->kind, "file") == 0 && n >= 2) {
		if (strcmp(f[1], "-") == 0)
			return gt_fs_unlink(root, f[0]);
		return gt_fs_rename(root, f[1], f[0]);
	}
	if (strcmp(r->kind, "pkg") == 0 && n >= 3) {
		if (strcmp(f[2], "-") != 0) {
			gt_warn("%s: was at version %s before; the package tool cannot go back to it offline, so it is left at the new version",
			        f[1], f[2]);
			return 0;
		}
		return gt_pkg_remove(root, f[0], f[1]);
	}
	if (strcmp(r->kind, "service") == 0 && n >= 2)
		return gt_service_disable(root, f[0], f[1]);
	if (strcmp(r->kind, "dir") == 0 && n >= 1) {
		char *rel = NULL;
		int ret = gt_root_resolve(root, f[0], false, &rel);

		/* Only an empty directory goes: anything put there since stays. */
		if (ret == 0 && unlinkat(root->fd, rel, AT_REMOVEDIR) < 0 &&
		    errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
			ret = -errno;
		free(rel);
		return ret;
	}
	return 0;
}

int gt_journal_undo_log(const struct gt_root *root, const struct gt_journal_log *log)
{
	size_t i = log->count;
	int first = 0;

	while (i-- > 0) {
		int ret = undo(root, &log->records[i]);

		if (ret < 0) {
			gt_warn("rollback: %s %s: %s", log->records[i].kind,
			        log->records[i].fields[0] ? log->records[i].fields[0]
			                                  : "",
			        gt_strerror(ret));
			if (!first)
				first = ret;
		}
	}
	return first;
}

/* Remove @path and the directories under it, bottom up, where they are empty.
 * The recursion stops at 64 levels, whatever the tree holds. */
// NOLINTNEXTLINE(misc-no-recursion): bounded by depth
static void rmdir_empty_tree(const struct gt_root *root, const char *path, int depth)
{
	char **names = NULL, *rel = NULL;
	size_t n = 0, k;

	if (depth > 64)
		return;
	if (gt_root_list_dir(root, path, &names, &n) == 0) {
		for (k = 0; k < n; k++) {
			char *sub = gt_path_join(path, names[k]);
			struct stat st;

			if (sub && gt_root_stat(root, sub, false, &st) == 0 &&
			    S_ISDIR(st.st_mode))
				rmdir_empty_tree(root, sub, depth + 1);
			free(sub);
		}
		gt_strv_free(names);
	}
	if (gt_root_resolve(root, path, false, &rel) == 0)
		unlinkat(root->fd, rel, AT_REMOVEDIR);
	free(rel);
}

/* Remove the state directories when nothing is left in them. */
static void prune_state_dirs(const struct gt_root *root)
{
	rmdir_empty_tree(root, BACKUP_DIR, 0);
	rmdir_empty_tree(root, GT_STATE_DIR, 0);
}

static void journal_free(struct gt_journal *j)
{
	free(j->text);
	gt_journal_log_free(j->log);
	free(j);
}

int gt_journal_rollback(struct gt_journal *j)
{
	const struct gt_root *root = j->root;
	int ret = gt_journal_undo_log(root, j->log);
	int ret2 = gt_fs_unlink(root, JOURNAL_PATH);

	journal_free(j);
	if (ret == 0 && ret2 == 0 && !gt_fs_lexists(root, INSTALLED_PATH))
		prune_state_dirs(root);
	return ret < 0 ? ret : ret2;
}

int gt_journal_commit(struct gt_journal *j)
{
	int ret = record(j, "commit", j->run_id, (char *)NULL);

	if (ret == 0)
		ret = gt_fs_rename(j->root, JOURNAL_PATH, INSTALLED_PATH);
	journal_free(j);
	return ret;
}

int gt_journal_recover(const struct gt_root *root, bool *found)
{
	struct gt_journal_log *log = NULL;
	int ret;

	*found = false;
	ret = gt_journal_read(root, false, &log);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	*found = true;
	/* Committed but not yet renamed: the run finished; just complete it. */
	if (log->committed)
		ret = gt_fs_rename(root, JOURNAL_PATH, INSTALLED_PATH);
	else if ((ret = gt_journal_undo_log(root, log)) == 0)
		ret = gt_fs_unlink(root, JOURNAL_PATH);
	gt_journal_log_free(log);
	if (ret == 0 && !gt_fs_lexists(root, INSTALLED_PATH))
		prune_state_dirs(root);
	return ret;
}

int gt_journal_forget_installed(const struct gt_root *root)
{
	int ret = gt_fs_unlink(root, INSTALLED_PATH);

	/* Leave no trace but the install log; backups still there are kept. */
	if (ret == 0)
		prune_state_dirs(root);
	return ret;
}
