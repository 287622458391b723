/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "transaction/names.h"
#include "error.h"
#include "io.h"
#include "sha256.h"
#include "strv.h"
#include "testseam/testseam.h"
#include "transaction/fsops.h"
#include "transaction/journal.h"
#include "transaction/region.h"

#define JOURNAL_MAX   ((size_t)4 * 1024 * 1024)
#define BACKUP_PREFIX GT_STATE_DIR "/backup/"

struct gt_journal {
	struct gt_state *st;
	char run_id[64];
	struct gt_journal_log *log; /* the records written so far */
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

void gt_journal_log_free(struct gt_journal_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->count; i++) {
		free(log->records[i].kind);
		gt_strv_free(log->records[i].fields);
	}
	free(log->records);
	free(log->undone);
	free(log);
}

const char *gt_journal_field(const struct gt_journal_record *r, size_t i)
{
	return i < gt_strv_len(r->fields) ? r->fields[i] : NULL;
}

/* Add a record of @kind with @fields (@n of them) to @log. */
static int log_push(struct gt_journal_log *log, const char *kind,
                    const char *const *fields, size_t n)
{
	struct gt_journal_record *r =
	        realloc(log->records, (log->count + 1) * sizeof(*r));
	bool *u = realloc(log->undone, (log->count + 1) * sizeof(*u));
	size_t i, nf = 0;

	if (r)
		log->records = r;
	if (u)
		log->undone = u;
	if (!r || !u)
		return -ENOMEM;
	r += log->count;
	memset(r, 0, sizeof(*r));
	log->undone[log->count] = false;
	r->kind = strdup(kind);
	r->fields = calloc(1, sizeof(char *));
	if (!r->kind || !r->fields) {
		free(r->kind);
		free(r->fields);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if (gt_strv_push(&r->fields, &nf, fields[i]) < 0) {
			free(r->kind);
			gt_strv_free(r->fields);
			return -ENOMEM;
		}
	}
	log->count++;
	return 0;
}

/* ---- validation: nothing read back is used before it passed these ---- */

static bool is_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* RUN-ID: 20261124T141500Z-1234 (what gt_journal_begin() makes). */
static bool run_id_valid(const char *s)
{
	char date[9], tm[7];

	if (strlen(s) < 18 || strlen(s) > 30 || s[8] != 'T' || s[15] != 'Z' ||
	    s[16] != '-')
		return false;
	memcpy(date, s, 8);
	date[8] = '\0';
	memcpy(tm, s + 9, 6);
	tm[6] = '\0';
	return is_digits(date, 8, 8) && is_digits(tm, 6, 6) && is_digits(s + 17, 1, 10);
}

/* An absolute path with no empty, "." or ".." component and no trailing slash. */
static bool canonical_path(const char *p)
{
	const char *c;

	if (p[0] != '/' || !p[1] || strlen(p) >= PATH_MAX)
		return false;
	for (c = p + 1;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || n > NAME_MAX || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (!c[n])
			return true;
		c += n + 1;
	}
}

/* The backup of @path for run @run_id: "/var/lib/guest-tools/backup/RUN/PATH". */
static bool backup_valid(const char *b, const char *path, const char *run_id)
{
	size_t pl = strlen(BACKUP_PREFIX), rl = strlen(run_id);

	return strncmp(b, BACKUP_PREFIX, pl) == 0 && strncmp(b + pl, run_id, rl) == 0 &&
	       strcmp(b + pl + rl, path) == 0;
}

static bool uint_valid(const char *s, unsigned long max, int base)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, base);
	return !*end && errno == 0 && v <= max;
}

/* @len lower-case hex digits, as gt_sha256_hex() writes them. */
static bool hex_valid(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

static bool sha256_hex_valid(const char *s)
{
	return hex_valid(s, GT_SHA256_HEX_LEN);
}

/* The state fields of a file record: TYPE UID GID MODE DIGEST. */
static const char *file_state_invalid(char *const *f, bool absent)
{
	size_t i;

	if (absent) {
		for (i = 2; i < 7; i++)
			if (strcmp(f[i], "-") != 0)
				return "a file with no backup has the state \"-\"";
		return NULL;
	}
	if (strcmp(f[2], "reg") != 0 && strcmp(f[2], "lnk") != 0)
		return "a backed-up file is a regular file (reg) or a link (lnk)";
	if (!uint_valid(f[3], 0xffffffffUL, 10) || !uint_valid(f[4], 0xffffffffUL, 10))
		return "a file record with a bad owner or group";
	if (strlen(f[5]) != 4 || !uint_valid(f[5], 07777, 8))
		return "a file record with a bad mode";
	if (strcmp(f[2], "lnk") == 0)
		return f[6][0] && strlen(f[6]) < PATH_MAX
		               ? NULL
		               : "a file record with a bad link target";
	return sha256_hex_valid(f[6]) ? NULL : "a file record with a bad sha256";
}

/*
 * DEVICE OFFSET LENGTH BACKUP SHA256 [IDENTITY] (region.h): this run's
 * boot-sector copy; records of earlier versions have no identity.
 */
static const char *disk_record_invalid(char *const *f, size_t n, const char *run_id)
{
	size_t pl = strlen(BACKUP_PREFIX), rl = strlen(run_id);

	if ((n != 5 && n != 6) || !canonical_path(f[0]))
		return "a disk record needs an absolute, canonical device path";
	if (!uint_valid(f[1], 0xffffffffUL, 10) || !uint_valid(f[2], GT_REGION_MAX, 10) ||
	    strcmp(f[2], "0") == 0)
		return "a disk record with a bad offset or length";
	if (strncmp(f[3], BACKUP_PREFIX, pl) != 0 ||
	    strncmp(f[3] + pl, run_id, rl) != 0 ||
	    strcmp(f[3] + pl + rl, "/" GT_DISK_BACKUP_NAME) != 0)
		return "a disk record whose backup is not this run's copy of the boot sector";
	if (n == 6 && !hex_valid(f[5], GT_REGION_IDENT_HEX))
		return "a disk record with a bad identity (bytes 440-511 of sector 0, in hex)";
	return sha256_hex_valid(f[4]) ? NULL : "a disk record with a bad sha256";
}

struct vstate {
	const char *run_id; /* of the begin..commit being read */
	bool in_run;        /* between a begin and its commit */
	bool runs_done;     /* an uninstall began: no more runs */
};

/* Why record @i of @log is invalid, or NULL. */
static const char *record_invalid(struct gt_journal_log *log, size_t i, bool installed,
                                  struct vstate *vs)
{
	const struct gt_journal_record *r = &log->records[i];
	char *const *f = r->fields;
	size_t n = gt_strv_len(f);
	const char *k = r->kind;

	if (strcmp(k, "begin") == 0) {
		if (n != 3 || !run_id_valid(f[0]))
			return "a begin record needs a run id, an ISO version and a payload";
		if (vs->in_run || vs->runs_done || (!installed && i != 0))
			return "a begin record in the middle of a run";
		if (strlen(f[1]) > 200 || strlen(f[2]) > PATH_MAX)
			return "a begin record with over-long fields";
		vs->run_id = f[0];
		vs->in_run = true;
		return NULL;
	}
	if (i == 0)
		return "the first record is not a begin record";
	if (strcmp(k, "commit") == 0) {
		if (n != 1 || !vs->in_run || strcmp(f[0], vs->run_id) != 0)
			return "a commit record that does not close its run";
		vs->in_run = false;
		log->committed = true;
		return NULL;
	}
	if (strcmp(k, "uninstall") == 0) {
		if (!installed || vs->in_run || vs->runs_done || n != 1 ||
		    !run_id_valid(f[0]))
			return "an uninstall record out of place";
		vs->runs_done = true;
		log->uninstalling = true;
		return NULL;
	}
	if (strcmp(k, "undone") == 0) {
		unsigned long idx;

		if (n != 1 || !uint_valid(f[0], i - 1, 10))
			return "an undone record must name an earlier record";
		if (installed ? !vs->runs_done : !vs->in_run)
			return "an undone record out of place";
		idx = strtoul(f[0], NULL, 10);
		k = log->records[idx].kind;
		if (strcmp(k, "file") != 0 && strcmp(k, "pkg") != 0 &&
		    strcmp(k, "dir") != 0 && strcmp(k, "service") != 0 &&
		    strcmp(k, "disk") != 0)
			return "an undone record names a record that has no undo";
		log->undone[idx] = true;
		return NULL;
	}
	if (!vs->in_run)
		return "a change recorded outside a run";
	if (strcmp(k, "file") == 0) {
		if ((n != 2 && n != 7) || !canonical_path(f[0]))
			return "a file record needs an absolute, canonical path";
		if (strcmp(f[1], "-") != 0 && !backup_valid(f[1], f[0], vs->run_id))
			return "a file record whose backup is not this run's copy of the file";
		return n == 7 ? file_state_invalid(f, strcmp(f[1], "-") == 0) : NULL;
	}
	if (strcmp(k, "pkg") == 0) {
		if (n != 4 || !gt_name_family_known(f[0]))
			return "a pkg record needs a family (deb, rpm, tgz), a name and two versions";
		if (!gt_name_package_valid(f[0], f[1]))
			return "a pkg record whose package name is not one of its family's";
		if ((strcmp(f[2], "-") != 0 && !gt_name_version_valid(f[2])) ||
		    !gt_name_version_valid(f[3]))
			return "a pkg record with a malformed version";
		return NULL;
	}
	if (strcmp(k, "dir") == 0)
		return n == 1 && canonical_path(f[0])
		               ? NULL
		               : "a dir record needs an absolute, canonical path";
	if (strcmp(k, "service") == 0) {
		if ((n != 2 && n != 3) || !gt_name_service_valid(f[0]))
			return "a service record whose name is not a service name";
		if (!gt_name_init_known(f[1]))
			return "a service record with an unknown init system";
		if (n == 3 && strcmp(f[2], "enabled") != 0 &&
		    strcmp(f[2], "disabled") != 0)
			return "a service record whose earlier state is not enabled or disabled";
		return NULL;
	}
	if (strcmp(k, "disk") == 0)
		return disk_record_invalid(f, n, vs->run_id);
	return "an unknown kind of record";
}

static int validate(struct gt_journal_log *log, bool installed,
                    struct gt_journal_error *err)
{
	struct vstate vs = { NULL, false, false };
	const char *why = NULL;
	size_t i, bad = 0;

	if (log->count == 0 && !installed)
		return 0; /* made, but its begin record never written: nothing happened */
	if (log->count == 0) {
		err->line = 1;
		snprintf(err->msg, sizeof(err->msg), "empty");
		return -GT_EPARSE;
	}
	for (i = 0; i < log->count && !why; i++) {
		why = record_invalid(log, i, installed, &vs);
		bad = i;
	}
	if (!why && installed && vs.in_run)
		why = "the last run has no commit record"; /* bad: the last record */
	if (!why)
		return 0;
	err->line = log->records[bad].line;
	snprintf(err->msg, sizeof(err->msg), "%s", why);
	return -GT_EPARSE;
}

int gt_journal_parse(const char *text, size_t len, bool installed,
                     struct gt_journal_log **out, struct gt_journal_error *err)
{
	struct gt_journal_log *log = calloc(1, sizeof(*log));
	char *copy = NULL, *line, *next;
	unsigned lineno = 0;
	int ret = -ENOMEM;

	memset(err, 0, sizeof(*err));
	if (!log)
		return -ENOMEM;
	copy = malloc(len + 1);
	if (!copy)
		goto out;
	if (len)
		memcpy(copy, text, len);
	copy[len] = '\0';
	ret = -GT_EPARSE;
	if (strlen(copy) != len) {
		snprintf(err->msg, sizeof(err->msg), "holds a NUL byte");
		goto out;
	}
	for (line = copy; *line; line = next) {
		const char *fields[16];
		char *field, *tab;
		size_t nf = 0;

		lineno++;
		next = strchr(line, '\n');
		if (!next)
			break; /* a record a power cut interrupted: never acted on */
		*next++ = '\0';
		for (field = line;; field = tab + 1) {
			tab = strchr(field, '\t');
			if (tab)
				*tab = '\0';
			unescape(field);
			if (nf == sizeof(fields) / sizeof(fields[0])) {
				err->line = lineno;
				snprintf(err->msg, sizeof(err->msg), "too many fields");
				goto out;
			}
			fields[nf++] = field;
			if (!tab)
				break;
		}
		if (!fields[0][0]) {
			err->line = lineno;
			snprintf(err->msg, sizeof(err->msg), "an empty record");
			goto out;
		}
		if (log_push(log, fields[0], fields + 1, nf - 1) < 0) {
			ret = -ENOMEM;
			goto out;
		}
		log->records[log->count - 1].line = lineno;
	}
	ret = validate(log, installed, err);
out:
	free(copy);
	if (ret < 0) {
		gt_journal_log_free(log);
		return ret;
	}
	*out = log;
	return 0;
}

/* Read @name of the state directory (a regular file, not followed). */
static int read_state_file(const struct gt_state *st, const char *name, char **text,
                           size_t *len)
{
	struct stat sb;
	char *buf;
	size_t used = 0;
	int fd, ret = 0;

	fd = openat(st->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -GT_ENOTREG : -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
	    (size_t)sb.st_size > JOURNAL_MAX) {
		ret = !S_ISREG(sb.st_mode) ? -GT_ENOTREG : -GT_ETOOBIG;
		close(fd);
		return ret;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	{
		ssize_t n = gt_read_full(fd, buf, (size_t)sb.st_size);

		if (n < 0)
			ret = (int)n;
		else
			used = (size_t)n;
	}
	close(fd);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	buf[used] = '\0';
	*text = buf;
	*len = used;
	return 0;
}

int gt_journal_load(const struct gt_state *st, const char *name,
                    struct gt_journal_log **out, struct gt_journal_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	const char *which = strcmp(name, GT_INSTALLED_NAME) == 0 ? GT_INSTALLED_NAME
	                                                         : GT_JOURNAL_NAME;

	memset(err, 0, sizeof(*err));
	err->file = which;
	ret = read_state_file(st, name, &text, &len);
	if (ret < 0)
		return ret;
	ret = gt_journal_parse(text, len, strcmp(which, GT_INSTALLED_NAME) == 0, out,
	                       err);
	err->file = which; /* the parser cleared it */
	free(text);
	return ret;
}

int gt_journal_read(const struct gt_root *root, bool installed,
                    struct gt_journal_log **out)
{
	struct gt_journal_error err;
	struct gt_state *st = NULL;
	char why[256];
	int ret = gt_state_open(root, false, &st, why, sizeof(why));

	if (ret < 0)
		return ret;
	ret = gt_journal_load(st, installed ? GT_INSTALLED_NAME : GT_JOURNAL_NAME, out,
	                      &err);
	gt_state_close(st);
	return ret;
}

int gt_journal_file_state(const struct gt_journal_record *r, struct gt_file_state *out)
{
	char *const *f = r->fields;

	memset(out, 0, sizeof(*out));
	if (gt_strv_len(f) < 7)
		return 0;
	if (strcmp(f[2], "reg") == 0)
		out->type = 'r';
	else if (strcmp(f[2], "lnk") == 0)
		out->type = 'l';
	else
		out->type = '-';
	if (out->type == '-')
		return 0;
	out->uid = (unsigned)strtoul(f[3], NULL, 10);
	out->gid = (unsigned)strtoul(f[4], NULL, 10);
	out->mode = (unsigned)strtoul(f[5], NULL, 8);
	out->digest = strdup(f[6]);
	return out->digest ? 0 : -ENOMEM;
}

/* ---- writing ---- */

/* Cut a record a power cut left half-written, so that the next one starts a line. */
static int cut_torn_tail(int fd, const struct gt_state *st, const char *name)
{
	struct stat sb;
	char last, *text = NULL, *nl;
	size_t len = 0;
	int ret;

	if (fstat(fd, &sb) < 0)
		return -errno;
	if (sb.st_size == 0 || (pread(fd, &last, 1, sb.st_size - 1) == 1 && last == '\n'))
		return 0;
	ret = read_state_file(st, name, &text, &len);
	if (ret < 0)
		return ret;
	nl = text ? memrchr(text, '\n', len) : NULL;
	ret = ftruncate(fd, nl ? (off_t)(nl - text + 1) : 0) < 0 ? -errno : 0;
	free(text);
	return ret;
}

/* Append the line made of @kind and @fields (@n) to @name, durably. */
static int append_record(const struct gt_state *st, const char *name, const char *kind,
                         const char *const *fields, size_t n)
{
	char *line = NULL;
	size_t len = 0, i;
	struct stat sb;
	int fd, ret;

	ret = append_escaped(&line, &len, kind);
	for (i = 0; ret == 0 && i < n; i++) {
		ret = append_raw(&line, &len, "\t");
		if (ret == 0)
			ret = append_escaped(&line, &len, fields[i]);
	}
	if (ret == 0)
		ret = append_raw(&line, &len, "\n");
	if (ret < 0) {
		free(line);
		return ret;
	}
	fd = openat(st->fd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		free(line);
		return -errno;
	}
	ret = cut_torn_tail(fd, st, name);
	if (ret == 0 && fstat(fd, &sb) < 0)
		ret = -errno;
	if (ret == 0) {
		ret = gt_write_full(fd, line, len);
		if (ret == 0 && fdatasync(fd) < 0)
			ret = -errno;
		/* A record only half written (a full disk) must not join the next one. */
		if (ret < 0 && ftruncate(fd, sb.st_size) == 0)
			(void)fdatasync(fd);
	}
	close(fd);
	free(line);
	return ret;
}

int gt_journal_append(const struct gt_state *st, const char *name, const char *kind, ...)
{
	const char *fields[16];
	size_t n = 0;
	va_list ap;

	va_start(ap, kind);
	while (n < sizeof(fields) / sizeof(fields[0]) &&
	       (fields[n] = va_arg(ap, const char *)))
		n++;
	va_end(ap);
	return append_record(st, name, kind, fields, n);
}

/* Append a record to the run's journal, then to its parsed copy. */
static int record(struct gt_journal *j, const char *kind, const char *const *fields,
                  size_t n)
{
	int ret = append_record(j->st, GT_JOURNAL_NAME, kind, fields, n);

	if (ret < 0)
		return ret;
	gt_test_kill_point(kind);
	gt_test_stop_point(kind); /* the e2e power cut: QEMU quits here */
	return log_push(j->log, kind, fields, n);
}

int gt_journal_begin(struct gt_state *st, const char *iso_version, const char *payload,
                     struct gt_journal **out)
{
	struct gt_journal *j;
	const char *fields[3];
	int fd, ret;

	if (gt_state_exists(st, GT_JOURNAL_NAME))
		return -EBUSY;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->st = st;
	j->log = calloc(1, sizeof(*j->log));
	if (!j->log) {
		free(j);
		return -ENOMEM;
	}
	gt_journal_new_run_id(j->run_id, sizeof(j->run_id));
	fd = openat(st->fd, GT_JOURNAL_NAME,
	            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fsync(fd) < 0 || close(fd) < 0 || fsync(st->fd) < 0) {
		ret = -errno;
		goto fail;
	}
	fields[0] = j->run_id;
	fields[1] = iso_version && iso_version[0] ? iso_version : "-";
	fields[2] = payload && payload[0] ? payload : "-";
	ret = record(j, "begin", fields, 3);
	if (ret == 0) {
		*out = j;
		return 0;
	}
	(void)unlinkat(st->fd, GT_JOURNAL_NAME, 0);
fail:
	gt_journal_free(j);
	return ret;
}

void gt_journal_new_run_id(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(buf, size, "%04d%02d%02dT%02d%02d%02dZ-%d", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	         (int)getpid());
}

void gt_journal_free(struct gt_journal *j)
{
	if (!j)
		return;
	gt_journal_log_free(j->log);
	free(j);
}

const char *gt_journal_run_id(const struct gt_journal *j)
{
	return j->run_id;
}

struct gt_state *gt_journal_state(const struct gt_journal *j)
{
	return j->st;
}

const struct gt_journal_log *gt_journal_log(const struct gt_journal *j)
{
	return j->log;
}

/* Has this run recorded a @kind record for @path already? */
static bool recorded(const struct gt_journal *j, const char *kind, const char *path)
{
	size_t i;

	for (i = 0; i < j->log->count; i++)
		if (strcmp(j->log->records[i].kind, kind) == 0 &&
		    strcmp(j->log->records[i].fields[0], path) == 0)
			return true;
	return false;
}

int gt_journal_file_intent(struct gt_journal *j, const char *path)
{
	struct gt_file_state fs = { 0 };
	char *backup = NULL, uid[16], gid[16], mode[8];
	const char *fields[7];
	int ret;

	if (!canonical_path(path))
		return -EINVAL;
	if (recorded(j, "file", path))
		return 0;
	if (asprintf(&backup, "backup/%s%s", j->run_id, path) < 0)
		return -ENOMEM;
	ret = gt_backup_take(j->st->root, j->st->fd, path, backup, &fs);
	if (ret < 0) {
		free(backup);
		return ret;
	}
	snprintf(uid, sizeof(uid), "%u", fs.uid);
	snprintf(gid, sizeof(gid), "%u", fs.gid);
	snprintf(mode, sizeof(mode), "%04o", fs.mode);
	fields[0] = path;
	if (fs.type == '-') {
		fields[1] = fields[2] = fields[3] = fields[4] = fields[5] = fields[6] =
		        "-";
	} else {
		/* The record names the backup by its path inside the root. */
		char *shown = NULL;

		if (asprintf(&shown, "%s/%s", GT_STATE_DIR, backup) < 0) {
			free(backup);
			gt_file_state_clear(&fs);
			return -ENOMEM;
		}
		free(backup);
		backup = shown;
		fields[1] = backup;
		fields[2] = fs.type == 'r' ? "reg" : "lnk";
		fields[3] = uid;
		fields[4] = gid;
		fields[5] = mode;
		fields[6] = fs.digest;
	}
	ret = record(j, "file", fields, 7);
	free(backup);
	gt_file_state_clear(&fs);
	return ret;
}

int gt_journal_write_file(struct gt_journal *j, const char *path, const void *data,
                          size_t len, mode_t mode)
{
	int ret = gt_journal_file_intent(j, path);

	return ret < 0 ? ret : gt_fs_write_atomic(j->st->root, path, data, len, mode);
}

int gt_journal_pkg(struct gt_journal *j, const char *family, const char *name,
                   const char *old_version, const char *new_version)
{
	const char *fields[4] = { family, name, old_version ? old_version : "-",
		                  new_version ? new_version : "-" };

	return record(j, "pkg", fields, 4);
}

int gt_journal_dir(struct gt_journal *j, const char *path)
{
	char *copy = strdup(path), *p;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	if (!canonical_path(path)) {
		free(copy);
		return -EINVAL;
	}
	/* Parents first, each recorded before it is made, so undo removes them last. */
	for (p = copy + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (!gt_fs_lexists(j->st->root, copy)) {
				const char *fields[1] = { copy };

				ret = record(j, "dir", fields, 1);
				if (ret == 0)
					ret = gt_fs_mkdirs(j->st->root, copy);
			}
			*p = c;
			if (!c || ret < 0)
				break;
		}
	}
	free(copy);
	return ret;
}

int gt_journal_service(struct gt_journal *j, const char *name, const char *init,
                       bool was_enabled)
{
	const char *fields[3] = { name, init, was_enabled ? "enabled" : "disabled" };

	return record(j, "service", fields, 3);
}

int gt_journal_disk(struct gt_journal *j, const char *device, uint64_t offset,
                    size_t length)
{
	char off[24], len[24], hex[GT_SHA256_HEX_LEN + 1], *backup = NULL;
	char ident[GT_REGION_IDENT_HEX + 1];
	uint8_t digest[GT_SHA256_LEN];
	unsigned char *data = NULL;
	const char *fields[6];
	int ret;

	if (!canonical_path(device) || length == 0 || length > GT_REGION_MAX ||
	    offset > 0xffffffffUL)
		return -EINVAL;
	if (recorded(j, "disk", device))
		return 0;
	/* Who the disk is, for an undo that finds it under another name. */
	ret = gt_region_identity(device, ident);
	if (ret < 0)
		return ret;
	ret = gt_region_read(device, offset, length, &data);
	if (ret < 0)
		return ret;
	if (asprintf(&backup, "backup/%s/" GT_DISK_BACKUP_NAME, j->run_id) < 0) {
		free(data);
		return -ENOMEM;
	}
	ret = gt_region_save(j->st->fd, backup, data, length);
	gt_sha256_buf(data, length, digest);
	free(data);
	free(backup);
	if (ret < 0)
		return ret;
	gt_sha256_hex(digest, hex);
	snprintf(off, sizeof(off), "%llu", (unsigned long long)offset);
	snprintf(len, sizeof(len), "%zu", length);
	if (asprintf(&backup, "%s/backup/%s/" GT_DISK_BACKUP_NAME, GT_STATE_DIR,
	             j->run_id) < 0)
		return -ENOMEM;
	fields[0] = device;
	fields[1] = off;
	fields[2] = len;
	fields[3] = backup;
	fields[4] = hex;
	fields[5] = ident;
	ret = record(j, "disk", fields, 6);
	free(backup);
	return ret;
}

int gt_journal_run(struct gt_journal *j, char *const *backups)
{
	size_t i;
	int ret = 0;

	for (i = 0; backups && backups[i] && ret == 0; i++)
		ret = gt_journal_file_intent(j, backups[i]);
	return ret;
}

/* ---- commit: the journal merged into the installed record ---- */

/* Is record @r (of a run being merged) about something @log already has? */
static const struct gt_journal_record *same_subject(const struct gt_journal_log *log,
                                                    const struct gt_journal_record *r)
{
	size_t i, keys = strcmp(r->kind, "pkg") == 0 ? 2 : 1;

	for (i = 0; log && i < log->count; i++) {
		const struct gt_journal_record *o = &log->records[i];

		if (strcmp(o->kind, r->kind) == 0 &&
		    strcmp(o->fields[0], r->fields[0]) == 0 &&
		    (keys == 1 || strcmp(o->fields[1], r->fields[1]) == 0))
			return o;
	}
	return NULL;
}

/* Append one record as a line to the text @buf. */
static int format_record(char **buf, size_t *len, const char *kind, char *const *fields)
{
	int ret = append_escaped(buf, len, kind);
	size_t i;

	for (i = 0; ret == 0 && fields[i]; i++) {
		ret = append_raw(buf, len, "\t");
		if (ret == 0)
			ret = append_escaped(buf, len, fields[i]);
	}
	return ret == 0 ? append_raw(buf, len, "\n") : ret;
}

/*
 * The installed record after @run: @old's runs as they are, except that a
 * package both installed gets @run's version; then @run's begin, the records
 * about things @old does not know (a file, directory or service the first
 * run already recorded keeps that record: its backup is the original), and
 * its commit.
 */
static int merged_text(const struct gt_journal_log *old, const struct gt_journal_log *run,
                       char **out, size_t *outlen)
{
	char *buf = NULL;
	size_t len = 0, i;
	int ret = 0;

	for (i = 0; old && i < old->count && ret == 0; i++) {
		const struct gt_journal_record *r = &old->records[i];
		const struct gt_journal_record *newer =
		        strcmp(r->kind, "pkg") == 0 ? same_subject(run, r) : NULL;

		if (newer) {
			char *const fields[5] = { r->fields[0], r->fields[1],
				                  r->fields[2], newer->fields[3], NULL };

			ret = format_record(&buf, &len, r->kind, fields);
		} else {
			ret = format_record(&buf, &len, r->kind, r->fields);
		}
	}
	for (i = 0; i < run->count && ret == 0; i++) {
		const struct gt_journal_record *r = &run->records[i];

		if (strcmp(r->kind, "begin") != 0 && strcmp(r->kind, "commit") != 0 &&
		    same_subject(old, r))
			continue;
		ret = format_record(&buf, &len, r->kind, r->fields);
	}
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	*outlen = len;
	return 0;
}

/* Replace @name of the state directory by @text, atomically and durably. */
static int replace_state_file(const struct gt_state *st, const char *name,
                              const char *text, size_t len)
{
	char tmp[64];
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.gt-new", name);
	(void)unlinkat(st->fd, tmp, 0);
	fd = openat(st->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	            0600);
	if (fd < 0)
		return -errno;
	ret = gt_write_full(fd, text, len);
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	if (ret == 0 && (renameat(st->fd, tmp, st->fd, name) < 0 || fsync(st->fd) < 0))
		ret = -errno;
	if (ret < 0)
		(void)unlinkat(st->fd, tmp, 0);
	return ret;
}

/* Does @log have a begin record of run @run_id? */
static bool has_run(const struct gt_journal_log *log, const char *run_id)
{
	size_t i;

	for (i = 0; log && i < log->count; i++)
		if (strcmp(log->records[i].kind, "begin") == 0 &&
		    strcmp(log->records[i].fields[0], run_id) == 0)
			return true;
	return false;
}

struct keep_ctx {
	const struct gt_journal_log *logs[2];
};

/* Does a file record of the installed record or the journal name backup @rel? */
static bool backup_referenced(const char *rel, void *ctx)
{
	const struct keep_ctx *k = ctx;
	size_t i, l, pl = strlen(GT_STATE_DIR) + 1;

	for (l = 0; l < 2; l++)
		for (i = 0; k->logs[l] && i < k->logs[l]->count; i++) {
			const struct gt_journal_record *r = &k->logs[l]->records[i];
			const char *b = gt_journal_field(r, 1);

			if (strcmp(r->kind, "file") == 0 && b && strlen(b) > pl &&
			    strcmp(b + pl, rel) == 0)
				return true;
			b = gt_journal_field(r, 3);
			if (strcmp(r->kind, "disk") == 0 && b && strlen(b) > pl &&
			    strcmp(b + pl, rel) == 0)
				return true;
		}
	return false;
}

void gt_journal_gc_backups(struct gt_state *st)
{
	struct gt_journal_error err;
	struct keep_ctx k = { { NULL, NULL } };
	int r1 = gt_journal_load(st, GT_INSTALLED_NAME,
	                         (struct gt_journal_log **)&k.logs[0], &err);
	int r2 = gt_journal_load(st, GT_JOURNAL_NAME,
	                         (struct gt_journal_log **)&k.logs[1], &err);

	/* A record that cannot be read keeps every backup. */
	if ((r1 == 0 || r1 == -ENOENT) && (r2 == 0 || r2 == -ENOENT))
		gt_backup_gc(st->fd, backup_referenced, &k);
	gt_journal_log_free((struct gt_journal_log *)k.logs[0]);
	gt_journal_log_free((struct gt_journal_log *)k.logs[1]);
}

int gt_journal_finish_commit(struct gt_state *st, const struct gt_journal_log *journal)
{
	struct gt_journal_log *old = NULL;
	struct gt_journal_error err;
	const char *run_id = journal->records[0].fields[0];
	char *text = NULL;
	size_t len = 0;
	int ret;

	ret = gt_journal_load(st, GT_INSTALLED_NAME, &old, &err);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	if (!has_run(old, run_id)) {
		ret = merged_text(old, journal, &text, &len);
		if (ret == 0)
			ret = replace_state_file(st, GT_INSTALLED_NAME, text, len);
		free(text);
		if (ret < 0) {
			gt_journal_log_free(old);
			return ret;
		}
		gt_test_kill_point("merged");
	}
	gt_journal_log_free(old);
	if (unlinkat(st->fd, GT_JOURNAL_NAME, 0) < 0 && errno != ENOENT)
		return -errno;
	if (fsync(st->fd) < 0)
		return -errno;
	gt_journal_gc_backups(st);
	return 0;
}

int gt_journal_commit(struct gt_journal *j)
{
	const char *fields[1] = { j->run_id };
	int ret = 0;

	/* Every file the run wrote (the tgz extractor's, the package tool's)
	 * reaches the disk before the record that says the run is done.
	 * syncfs is Linux 2.6.39: before it (RHEL 6's 2.6.32), sync(2), which
	 * Linux has waited for since 1.3.20, syncs every filesystem. */
	if (syncfs(j->st->root->fd) < 0) {
		if (errno == ENOSYS)
			sync();
		else
			ret = -errno;
	}
	if (ret == 0)
		ret = record(j, "commit", fields, 1);
	if (ret == 0)
		ret = gt_journal_finish_commit(j->st, j->log);
	gt_journal_free(j);
	return ret;
}
