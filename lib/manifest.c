/* SPDX-License-Identifier: MIT */
/*
 * The manifest parser (see manifest.h and docs/manifest.5); the writer is
 * manifest_write.c, the rules both follow manifest_rules.c.
 *
 * Parsing copies each line into a fixed buffer, splits it into at most
 * MAX_FIELDS words and checks every word against a small character set, so
 * nothing depends on the input being NUL-terminated or well-formed, and
 * every count is bounded before anything is allocated for it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "manifest.h"
#include "manifest_rules.h"
#include "strv.h"

#define MAX_FIELDS 32

struct parser {
	enum gt_manifest_kind kind;
	struct gt_manifest *m;
	struct gt_manifest_error *err;
	unsigned line;
	size_t cap; /* entries allocated in m->entries */
};

static int fail(struct parser *p, int ret, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int fail(struct parser *p, int ret, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		p->err->line = p->line;
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Parses a decimal number of at most @max. Returns 0 or -1. */
static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

/*
 * Parses "a,b,c" of @key= into a new vector: os-release ids (@ids: a-z 0-9
 * . _ -, none twice) or exclude= patterns (fnmatch(3), matched by mkisotool
 * against names and relative paths in the tree). Empty items are refused.
 */
static int parse_list(struct parser *p, const char *key, const char *value, bool ids,
                      char ***out)
{
	const char *noun = ids ? "item" : "pattern";
	size_t max = ids ? GT_MANIFEST_MAX_ID : (size_t)GT_MANIFEST_MAX_NAME * 2;
	char **v = NULL;
	size_t n = 0;
	const char *s = value;
	int ret;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char item[GT_MANIFEST_MAX_NAME * 2 + 1];

		if (len == 0 || len > max) {
			ret = fail(p, -GT_EPARSE, "%s=: empty or over-long %s in '%s'",
			           key, noun, value);
			goto out;
		}
		memcpy(item, s, len);
		item[len] = '\0';
		if (ids && !mf_all_chars(item, "._-", false)) {
			ret = fail(
			        p, -GT_EPARSE,
			        "%s=: '%s' is not an os-release id (a-z 0-9 . _ - only)",
			        key, item);
			goto out;
		}
		if (ids && gt_strv_contains(v, item)) {
			ret = fail(p, -GT_EPARSE, "%s=: '%s' listed twice", key, item);
			goto out;
		}
		if (n >= GT_MANIFEST_MAX_LIST) {
			ret = fail(p, -GT_ETOOBIG, "%s=: more than %d %ss", key,
			           GT_MANIFEST_MAX_LIST, noun);
			goto out;
		}
		ret = gt_strv_push(&v, &n, item);
		if (ret < 0)
			goto out;
		if (!comma)
			break;
		s = comma + 1;
	}
	*out = v;
	v = NULL;
	ret = 0;
out:
	gt_strv_free(v);
	return ret;
}

static int parse_inits(struct parser *p, const char *value, unsigned *out)
{
	const char *s = value;
	unsigned set = 0;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char name[16];
		enum gt_init i;

		if (len == 0 || len >= sizeof(name))
			return fail(
			        p, -GT_EPARSE,
			        "init=: unknown init system in '%s' (known: systemd, sysv, openrc, upstart)",
			        value);
		memcpy(name, s, len);
		name[len] = '\0';
		i = gt_manifest_init_parse(name);
		if (!i)
			return fail(
			        p, -GT_EPARSE,
			        "init=: unknown init system '%s' (known: systemd, sysv, openrc, upstart)",
			        name);
		if (set & (unsigned)i)
			return fail(p, -GT_EPARSE, "init=: '%s' listed twice", name);
		set |= (unsigned)i;
		if (!comma)
			break;
		s = comma + 1;
	}
	*out = set;
	return 0;
}

/* A src= value: printable ASCII without spaces (checked per line already). */
static bool valid_src(const char *s)
{
	return *s && strlen(s) <= GT_MANIFEST_MAX_VALUE;
}

static void key_list(unsigned set, char *buf, size_t size)
{
	size_t used = 0;
	int k;

	buf[0] = '\0';
	for (k = 0; k < K_COUNT; k++) {
		int n;

		if (!(set & BIT(k)))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
		             mf_key_names[k]);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

static void entry_clear(struct gt_manifest_entry *e)
{
	free(e->dest);
	free(e->src);
	free(e->target);
	gt_strv_free(e->excludes);
	gt_strv_free(e->distros);
	gt_strv_free(e->likes);
	memset(e, 0, sizeof(*e));
}

static int parse_value(struct parser *p, struct gt_manifest_entry *e, enum key k,
                       const char *v)
{
	uint64_t n;
	const char *why;

	switch (k) {
	case K_SRC:
		if (!valid_src(v))
			return fail(p, -GT_EPARSE, "src=: empty or longer than %d bytes",
			            GT_MANIFEST_MAX_VALUE);
		e->src = strdup(v);
		return e->src ? 0 : -ENOMEM;
	case K_TARGET:
		if (*v == '/')
			return fail(p, -GT_EPARSE,
			            "target=: '%s' must be a relative path", v);
		why = mf_check_path(v, true, GT_MANIFEST_MAX_VALUE);
		if (why)
			return fail(p, -GT_EPARSE, "target=: '%s': %s", v, why);
		e->target = strdup(v);
		return e->target ? 0 : -ENOMEM;
	case K_SIZE:
		if (parse_uint(v, (uint64_t)INT64_MAX, &n) < 0)
			return fail(p, -GT_EPARSE, "size=: '%s' is not a size in bytes",
			            v);
		e->size = n;
		e->has_size = true;
		return 0;
	case K_SHA256:
		if (strlen(v) != GT_SHA256_HEX_LEN ||
		    gt_sha256_parse_hex(v, e->sha256) < 0)
			return fail(p, -GT_EPARSE, "sha256=: '%s' is not 64 hex digits",
			            v);
		e->has_sha256 = true;
		return 0;
	case K_MODE: {
		unsigned mode = 0;
		size_t i, len = strlen(v);

		if (len < 3 || len > 4)
			goto bad_mode;
		for (i = 0; i < len; i++) {
			if (v[i] < '0' || v[i] > '7')
				goto bad_mode;
			mode = mode * 8 + (unsigned)(v[i] - '0');
		}
		if (mode > 0777 || !(mode & 0400))
			goto bad_mode;
		e->mode = mode;
		return 0;
	bad_mode:
		return fail(p, -GT_EPARSE,
		            "mode=: '%s' is not an octal permission from 0400 to 0777",
		            v);
	}
	case K_FAMILY:
		e->family = gt_manifest_family_parse(v);
		if (!e->family)
			return fail(
			        p, -GT_EPARSE,
			        "family=: unknown package family '%s' (known: rpm, deb, tgz)",
			        v);
		return 0;
	case K_ARCH:
		e->arch = gt_manifest_arch_parse(v);
		if (!e->arch)
			return fail(
			        p, -GT_EPARSE,
			        "arch=: unknown arch '%s' (known: x86_64, i686, aarch64)",
			        v);
		return 0;
	case K_DISTRO:
		return parse_list(p, "distro", v, true, &e->distros);
	case K_LIKE:
		return parse_list(p, "like", v, true, &e->likes);
	case K_MIN:
	case K_MAX:
		if (parse_uint(v, MAX_MAJOR, &n) < 0)
			return fail(p, -GT_EPARSE,
			            "%s=: '%s' is not a major version (0-%d)",
			            mf_key_names[k], v, MAX_MAJOR);
		if (k == K_MIN)
			e->min_major = (int)n;
		else
			e->max_major = (int)n;
		return 0;
	case K_INIT:
		return parse_inits(p, v, &e->inits);
	case K_EXCLUDE:
		return parse_list(p, "exclude", v, false, &e->excludes);
	case K_COUNT:
		break;
	}
	return -EINVAL;
}

static const char *kind_name(enum gt_manifest_kind kind)
{
	switch (kind) {
	case GT_MANIFEST_BUILD:
		return "build";
	case GT_MANIFEST_ISO:
		return "ISO";
	case GT_MANIFEST_CONTENTS:
		return "contents";
	}
	return "?";
}

static int parse_entry(struct parser *p, enum gt_manifest_type type, char **f, int nf)
{
	struct gt_manifest_entry e;
	unsigned seen = 0, allowed, required, missing;
	const char *why;
	char list[128];
	int i, ret;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.line = p->line;
	e.min_major = e.max_major = -1;
	if (nf < 2) {
		ret = fail(p, -GT_EPARSE, "'%s' needs a destination path",
		           gt_manifest_type_name(type));
		goto out;
	}
	why = gt_manifest_check_dest(f[1]);
	if (why) {
		ret = fail(p, -GT_EPARSE, "destination '%s': %s", f[1], why);
		goto out;
	}
	e.dest = strdup(f[1]);
	if (!e.dest) {
		ret = -ENOMEM;
		goto out;
	}
	allowed = mf_keys_allowed(type, p->kind);
	for (i = 2; i < nf; i++) {
		char *eq = strchr(f[i], '=');
		int k;

		if (!eq) {
			ret = fail(p, -GT_EPARSE, "'%s' is not key=value", f[i]);
			goto out;
		}
		*eq = '\0';
		for (k = 0; k < K_COUNT; k++)
			if (strcmp(f[i], mf_key_names[k]) == 0)
				break;
		if (k == K_COUNT || !(allowed & BIT(k))) {
			key_list(allowed, list, sizeof(list));
			ret = fail(p, -GT_EPARSE,
			           "unknown key '%s' (a %s in a %s manifest takes: %s)",
			           f[i], gt_manifest_type_name(type), kind_name(p->kind),
			           list);
			goto out;
		}
		if (seen & BIT(k)) {
			ret = fail(p, -GT_EPARSE, "key '%s' given twice", f[i]);
			goto out;
		}
		seen |= BIT(k);
		ret = parse_value(p, &e, (enum key)k, eq + 1);
		if (ret < 0)
			goto out;
	}
	required = mf_keys_required(type, p->kind);
	missing = required & ~seen;
	if (missing) {
		key_list(missing, list, sizeof(list));
		ret = fail(p, -GT_EPARSE, "%s %s: missing %s",
		           gt_manifest_type_name(type), e.dest, list);
		goto out;
	}
	if (e.min_major >= 0 && e.max_major >= 0 && e.min_major > e.max_major) {
		ret = fail(p, -GT_EPARSE, "min=%d is above max=%d", e.min_major,
		           e.max_major);
		goto out;
	}
	if (p->kind == GT_MANIFEST_ISO && p->m->n_entries >= GT_MANIFEST_MAX_ENTRIES) {
		ret = fail(p, -GT_ETOOBIG, "more than %d entries",
		           GT_MANIFEST_MAX_ENTRIES);
		goto out;
	}
	/* Grow by doubling (by memory alone outside on-ISO manifests). */
	if (p->m->n_entries == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct gt_manifest_entry *ne = NULL;

		if (cap <= SIZE_MAX / sizeof(*ne))
			ne = realloc(p->m->entries, cap * sizeof(*ne));
		if (!ne) {
			ret = -ENOMEM;
			goto out;
		}
		p->m->entries = ne;
		p->cap = cap;
	}
	p->m->entries[p->m->n_entries++] = e;
	memset(&e, 0, sizeof(e));
	ret = 0;
out:
	entry_clear(&e);
	return ret;
}

static int set_directive(struct parser *p, char **slot, unsigned *slot_line, char **f,
                         int nf)
{
	const char *why = NULL;

	if (nf != 2)
		return fail(p, -GT_EPARSE, "'%s' takes exactly one value", f[0]);
	if (*slot)
		return fail(p, -GT_EPARSE, "'%s' given twice (first on line %u)", f[0],
		            *slot_line);
	if (strcmp(f[0], "label") == 0)
		why = mf_check_label(f[1]);
	else if (strcmp(f[0], "version") == 0)
		why = mf_check_version_refs(f[1], p->kind == GT_MANIFEST_BUILD);
	else if (!valid_src(f[1]))
		why = "empty or too long";
	if (why)
		return fail(p, -GT_EPARSE, "%s '%s': %s", f[0], f[1], why);
	*slot = strdup(f[1]);
	if (!*slot)
		return -ENOMEM;
	*slot_line = p->line;
	return 0;
}

/* On-ISO manifests: "built YYYY-MM-DDThh:mm:ssZ", when the image was made. */
static int set_built(struct parser *p, char **f, int nf)
{
	long long t;

	if (nf != 2)
		return fail(p, -GT_EPARSE, "'%s' takes exactly one value", f[0]);
	if (p->m->has_built)
		return fail(p, -GT_EPARSE, "'%s' given twice (first on line %u)", f[0],
		            p->m->built_line);
	t = mf_parse_time(f[1]);
	if (t < 0)
		return fail(
		        p, -GT_EPARSE,
		        "built '%s': not a time as YYYY-MM-DDThh:mm:ssZ (UTC, 1970 to 9999)",
		        f[1]);
	p->m->has_built = true;
	p->m->built = t;
	p->m->built_line = p->line;
	return 0;
}

/* Splits @line in place at spaces and tabs; a word starting with '#' ends it. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0' || *s == '#')
			return n;
		if (n == max)
			return -1;
		f[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_line(struct parser *p, char *line, bool *have_header)
{
	char *f[MAX_FIELDS];
	int nf = split(line, f, MAX_FIELDS);
	struct gt_manifest *m = p->m;

	if (nf < 0)
		return fail(p, -GT_ETOOBIG, "more than %d fields", MAX_FIELDS);
	if (nf == 0)
		return 0;
	if (!*have_header) {
		uint64_t v;

		if (strcmp(f[0], HEADER) != 0 || nf != 2 ||
		    parse_uint(f[1], 999999, &v) < 0)
			return fail(
			        p, -GT_EPARSE,
			        "not a guest-tools manifest (the first line must be '%s %d')",
			        HEADER, GT_MANIFEST_FORMAT);
		if (v != GT_MANIFEST_FORMAT)
			return fail(
			        p, -GT_EUNSUPPORTED,
			        "manifest format %llu is not supported (this program reads format %d)",
			        (unsigned long long)v, GT_MANIFEST_FORMAT);
		*have_header = true;
		return 0;
	}
	for (int t = GT_ENTRY_FILE; t <= GT_ENTRY_TREE; t++) {
		if (strcmp(f[0], gt_manifest_type_name((enum gt_manifest_type)t)) != 0)
			continue;
		if (!mf_type_allowed((enum gt_manifest_type)t, p->kind))
			return fail(p, -GT_EPARSE,
			            "'%s' entries do not belong in a %s manifest", f[0],
			            kind_name(p->kind));
		return parse_entry(p, (enum gt_manifest_type)t, f, nf);
	}
	if (strcmp(f[0], HEADER) == 0)
		return fail(p, -GT_EPARSE, "a second '" HEADER "' line");
	if (p->kind == GT_MANIFEST_CONTENTS)
		return fail(p, -GT_EPARSE, "unknown keyword '%s' (expected file, link)",
		            f[0]);
	if (strcmp(f[0], "label") == 0)
		return set_directive(p, &m->label, &m->label_line, f, nf);
	if (strcmp(f[0], "version") == 0)
		return set_directive(p, &m->version, &m->version_line, f, nf);
	if (strcmp(f[0], "source-dir") == 0 && p->kind == GT_MANIFEST_BUILD)
		return set_directive(p, &m->source_dir, &m->source_dir_line, f, nf);
	if (strcmp(f[0], "built") == 0 && p->kind == GT_MANIFEST_ISO)
		return set_built(p, f, nf);
	return fail(
	        p, -GT_EPARSE,
	        "unknown keyword '%s' (expected file, package, link, label, version%s)",
	        f[0], p->kind == GT_MANIFEST_BUILD ? ", tree, source-dir" : ", built");
}

struct dest_ref {
	const char *dest;
	unsigned line;
	bool dir; /* a tree: entries may lie below it */
};

static int cmp_dest_ref(const void *a, const void *b)
{
	const struct dest_ref *x = a, *y = b;

	return strcasecmp(x->dest, y->dest);
}

/*
 * No two entries on one destination, not even differing only in case
 * (Windows reads Joliet case-insensitively), no entry below another entry
 * (but below a tree: it is a directory), and none on the names mkisotool
 * writes itself (an on-ISO manifest lists Linux/CONTENTS as a file).
 */
static int check_destinations(struct parser *p)
{
	static const char *const reserved[] = { GT_MANIFEST_ISO_PATH,
		                                GT_MANIFEST_SUMS_PATH,
		                                GT_MANIFEST_SIG_PATH,
		                                GT_MANIFEST_CONTENTS_PATH };
	size_t n_reserved = p->kind == GT_MANIFEST_ISO ? 3 : 4;
	size_t n = p->m->n_entries, total = n + n_reserved, i;
	struct dest_ref *refs;
	char prefix[GT_MANIFEST_MAX_PATH + 1];
	int ret = 0;

	refs = calloc(total, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		refs[i].dest = p->m->entries[i].dest;
		refs[i].line = p->m->entries[i].line;
		refs[i].dir = p->m->entries[i].type == GT_ENTRY_TREE;
	}
	for (i = 0; i < n_reserved; i++)
		refs[n + i].dest = reserved[i];
	qsort(refs, total, sizeof(*refs), cmp_dest_ref);
	for (i = 0; i + 1 < total; i++) {
		const struct dest_ref *a = &refs[i], *b = &refs[i + 1], *later, *first;

		if (strcasecmp(a->dest, b->dest) != 0)
			continue;
		later = a->line > b->line ? a : b;
		first = later == a ? b : a;
		p->line = later->line;
		if (first->line == 0)
			ret = fail(p, -GT_EPARSE,
			           "destination '%s' is reserved (mkisotool writes it)",
			           later->dest);
		else if (strcmp(a->dest, b->dest) == 0)
			ret = fail(p, -GT_EPARSE,
			           "destination '%s' already used on line %u",
			           later->dest, first->line);
		else
			ret = fail(
			        p, -GT_EPARSE,
			        "destination '%s' differs only in case from '%s' on line %u (Joliet readers cannot tell them apart)",
			        later->dest, first->dest, first->line);
		goto out;
	}
	for (i = 0; i < total; i++) {
		const char *d = refs[i].dest, *slash;

		for (slash = strchr(d, '/'); slash; slash = strchr(slash + 1, '/')) {
			struct dest_ref key = { .dest = prefix }, *hit;

			memcpy(prefix, d, (size_t)(slash - d));
			prefix[slash - d] = '\0';
			hit = bsearch(&key, refs, total, sizeof(*refs), cmp_dest_ref);
			if (!hit || hit->dir)
				continue;
			p->line = hit->line > refs[i].line ? hit->line : refs[i].line;
			if (hit->line == 0 || refs[i].line == 0)
				ret = fail(p, -GT_EPARSE,
				           "'%s' is in the way: mkisotool writes %s",
				           hit->line ? hit->dest : d,
				           hit->line ? d : hit->dest);
			else
				ret = fail(
				        p, -GT_EPARSE,
				        "'%s' (line %u) is a file, but '%s' (line %u) puts a directory there",
				        hit->dest, hit->line, d, refs[i].line);
			goto out;
		}
	}
out:
	free(refs);
	return ret;
}

int gt_manifest_parse(const char *buf, size_t len, enum gt_manifest_kind kind,
                      struct gt_manifest **out, struct gt_manifest_error *err)
{
	struct parser p;
	struct gt_manifest *m = NULL;
	char *line = NULL;
	size_t pos = 0;
	bool have_header = false;
	int ret;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.err = err;
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	if (kind == GT_MANIFEST_ISO && len > GT_MANIFEST_MAX_SIZE) {
		ret = fail(&p, -GT_ETOOBIG, "larger than %d bytes", GT_MANIFEST_MAX_SIZE);
		goto out;
	}
	m = calloc(1, sizeof(*m));
	line = malloc(GT_MANIFEST_MAX_LINE + 1);
	if (!m || !line) {
		ret = -ENOMEM;
		goto out;
	}
	m->kind = kind;
	p.m = m;
	while (pos < len) {
		const char *start = buf + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - start) : len - pos, i;

		p.line++;
		pos += n + (nl ? 1 : 0);
		if (n > GT_MANIFEST_MAX_LINE) {
			ret = fail(&p, -GT_ETOOBIG, "line longer than %d bytes",
			           GT_MANIFEST_MAX_LINE);
			goto out;
		}
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)start[i];

			if (c == '\r') {
				ret = fail(
				        &p, -GT_EPARSE,
				        "carriage return (save the file with Unix line endings)");
				goto out;
			}
			if ((c < 0x20 && c != '\t') || c >= 0x7f) {
				ret = fail(
				        &p, -GT_EPARSE,
				        "byte 0x%02x at column %zu: only printable ASCII is allowed",
				        c, i + 1);
				goto out;
			}
		}
		memcpy(line, start, n);
		line[n] = '\0';
		ret = parse_line(&p, line, &have_header);
		if (ret < 0)
			goto out;
	}
	if (!have_header) {
		p.line = 0;
		ret = fail(&p, -GT_EPARSE, "empty: no '" HEADER " %d' line",
		           GT_MANIFEST_FORMAT);
		goto out;
	}
	if (!m->version && kind != GT_MANIFEST_CONTENTS) {
		p.line = 0;
		ret = fail(&p, -GT_EPARSE, "no 'version' line");
		goto out;
	}
	if (!m->label && kind != GT_MANIFEST_CONTENTS) {
		m->label = strdup(DEFAULT_LABEL);
		if (!m->label) {
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = check_destinations(&p);
	if (ret < 0)
		goto out;
	*out = m;
	m = NULL;
out:
	free(line);
	gt_manifest_free(m);
	return ret;
}

void gt_manifest_free(struct gt_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n_entries; i++)
		entry_clear(&m->entries[i]);
	free(m->entries);
	free(m->label);
	free(m->version);
	free(m->source_dir);
	free(m);
}

const struct gt_manifest_entry *gt_manifest_find(const struct gt_manifest *m,
                                                 const char *dest)
{
	size_t i;

	for (i = 0; i < m->n_entries; i++)
		if (strcmp(m->entries[i].dest, dest) == 0)
			return &m->entries[i];
	return NULL;
}
