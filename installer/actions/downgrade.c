/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/downgrade.h"
#include "transaction/journal.h"

/* ------------------------------------------------------------------ */
/* deb-version(7): [EPOCH:]UPSTREAM[-REVISION]. */

/* The weight of a non-digit: "~" before the end, the end before letters,
 * letters before everything else. */
static int deb_order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c ? c + 256 : 0;
}

/* Compare two upstream (or revision) parts, of @alen and @blen bytes. */
static int deb_part_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = a + alen, *be = b + blen;

	while (a < ae || b < be) {
		int first_diff = 0;

		/* A run of non-digits, char by char by weight. */
		while ((a < ae && !isdigit((unsigned char)*a)) ||
		       (b < be && !isdigit((unsigned char)*b))) {
			int ac = a < ae ? deb_order((unsigned char)*a) : 0;
			int bc = b < be ? deb_order((unsigned char)*b) : 0;

			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		/* Then a run of digits, as numbers. */
		while (a < ae && *a == '0')
			a++;
		while (b < be && *b == '0')
			b++;
		while (a < ae && b < be && isdigit((unsigned char)*a) &&
		       isdigit((unsigned char)*b)) {
			if (!first_diff)
				first_diff = *a - *b;
			a++;
			b++;
		}
		if (a < ae && isdigit((unsigned char)*a))
			return 1;
		if (b < be && isdigit((unsigned char)*b))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
}

struct deb_version {
	unsigned long epoch;
	const char *upstream;
	size_t upstream_len;
	const char *revision; /* "" when none */
	size_t revision_len;
};

static void deb_split(const char *v, struct deb_version *out)
{
	const char *colon = strchr(v, ':'), *dash;
	char *end;

	out->epoch = 0;
	if (colon) {
		out->epoch = strtoul(v, &end, 10);
		if (end != colon)
			out->epoch = 0; /* not a number: no epoch, compared as text */
		else
			v = colon + 1;
	}
	dash = strrchr(v, '-');
	out->upstream = v;
	out->upstream_len = dash ? (size_t)(dash - v) : strlen(v);
	out->revision = dash ? dash + 1 : "";
	out->revision_len = strlen(out->revision);
}

/* Compare a and b split as deb_split() does, each part with @part_cmp. */
static int split_cmp(const char *a, const char *b,
                     int (*part_cmp)(const char *, size_t, const char *, size_t))
{
	struct deb_version x, y;
	int r;

	deb_split(a, &x);
	deb_split(b, &y);
	if (x.epoch != y.epoch)
		return x.epoch < y.epoch ? -1 : 1;
	r = part_cmp(x.upstream, x.upstream_len, y.upstream, y.upstream_len);
	if (r)
		return r;
	return part_cmp(x.revision, x.revision_len, y.revision, y.revision_len);
}

/* ------------------------------------------------------------------ */
/* rpm: segments of digits or letters; "~" sorts before anything, even the
 * end; a number is newer than letters; where one runs out, the longer wins. */

static int rpm_segment_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const char *ae = a + alen, *be = b + blen;

	while (a < ae || b < be) {
		const char *sa, *sb;
		bool num;
		size_t la, lb;
		int r;

		while (a < ae && !isalnum((unsigned char)*a) && *a != '~')
			a++;
		while (b < be && !isalnum((unsigned char)*b) && *b != '~')
			b++;
		if ((a < ae && *a == '~') || (b < be && *b == '~')) {
			if (!(a < ae && *a == '~'))
				return 1;
			if (!(b < be && *b == '~'))
				return -1;
			a++;
			b++;
			continue;
		}
		if (a >= ae || b >= be)
			break;
		num = isdigit((unsigned char)*a);
		sa = a;
		sb = b;
		while (a < ae &&
		       (num ? isdigit((unsigned char)*a) : isalpha((unsigned char)*a)))
			a++;
		while (b < be &&
		       (num ? isdigit((unsigned char)*b) : isalpha((unsigned char)*b)))
			b++;
		if (b == sb) /* one side a number, the other letters */
			return num ? 1 : -1;
		if (num) {
			while (sa < a && *sa == '0')
				sa++;
			while (sb < b && *sb == '0')
				sb++;
			if ((size_t)(a - sa) != (size_t)(b - sb))
				return (a - sa) > (b - sb) ? 1 : -1;
		}
		la = (size_t)(a - sa);
		lb = (size_t)(b - sb);
		r = strncmp(sa, sb, la < lb ? la : lb);
		if (r)
			return r < 0 ? -1 : 1;
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	if (a >= ae && b >= be)
		return 0;
	return a < ae ? 1 : -1;
}

/* rpm: "VERSION-RELEASE" as the installer asks rpm for them, [EPOCH:] allowed. */
int gt_version_cmp(const char *family, const char *a, const char *b)
{
	return split_cmp(a, b,
	                 family && strcmp(family, "rpm") == 0 ? rpm_segment_cmp
	                                                      : deb_part_cmp);
}

/* ------------------------------------------------------------------ */

/*
 * The guest-tools version the installed record names, or NULL: that of its
 * last "begin" (a record kept across upgrades holds one per run).
 */
static char *installed_iso_version(const struct gt_root *root)
{
	struct gt_journal_log *log = NULL;
	const char *v = NULL;
	char *copy;

	if (gt_journal_read(root, true, &log) < 0)
		return NULL;
	for (size_t i = 0; i < log->count; i++) {
		const struct gt_journal_record *r = &log->records[i];

		if (strcmp(r->kind, "begin") == 0 && r->fields[0] && r->fields[1])
			v = strcmp(r->fields[1], "-") != 0 ? r->fields[1] : NULL;
	}
	copy = v ? strdup(v) : NULL;
	gt_journal_log_free(log);
	return copy;
}

int gt_downgrade_check(const struct gt_root *root, const struct gt_downgrade_query *q,
                       char *why, size_t size)
{
	const struct gt_manifest *m = q->manifest;
	char built[GT_MANIFEST_TIME_LEN + 16] = "";
	char *had = installed_iso_version(root);
	int ret = 0;

	if (m->has_built) {
		char when[GT_MANIFEST_TIME_LEN];

		if (gt_manifest_format_time(m->built, when))
			snprintf(built, sizeof(built), ", built %s", when);
	}
	if (had && m->version && gt_version_cmp(NULL, m->version, had) < 0) {
		snprintf(
		        why, size,
		        "this media has guest-tools %s (%s%s), older than guest-tools %s installed here; nothing was changed. Use newer media, or --allow-downgrade to install the older one anyway",
		        m->version, GT_MANIFEST_ISO_PATH, built, had);
		ret = 1;
	} else if (q->installed && q->offered && q->package &&
	           gt_version_cmp(q->family, q->offered, q->installed) < 0) {
		snprintf(
		        why, size,
		        "this media has %s %s (guest-tools %s%s), older than %s %s installed here; nothing was changed. Use newer media, or --allow-downgrade to install the older one anyway",
		        q->package, q->offered, m->version ? m->version : "?", built,
		        q->package, q->installed);
		ret = 1;
	}
	free(had);
	return ret;
}
