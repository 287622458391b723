/* SPDX-License-Identifier: MIT */
/*
 * The manifest parser and writer (see manifest.h and docs/manifest.5).
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
#include "strv.h"

#define HEADER        "guest-tools-manifest"
#define MAX_FIELDS    32
#define DEFAULT_LABEL "guest-tools"
#define MAX_LABEL     16 /* Joliet's volume id holds 16 characters */
#define MAX_MAJOR     99999

static const char *const family_names[] = { NULL, "rpm", "deb", "tgz" };
static const char *const arch_names[] = { NULL, "x86_64", "i686", "aarch64" };
static const char *const init_names[] = { "systemd", "sysv", "openrc", "upstart" };
static const char *const type_names[] = { "file", "package", "link" };

const char *gt_manifest_family_name(enum gt_family f)
{
	return (unsigned)f < sizeof(family_names) / sizeof(family_names[0])
	               ? family_names[f]
	               : NULL;
}

const char *gt_manifest_arch_name(enum gt_arch a)
{
	return (unsigned)a < sizeof(arch_names) / sizeof(arch_names[0]) ? arch_names[a]
	                                                                : NULL;
}

const char *gt_manifest_init_name(enum gt_init i)
{
	unsigned k;

	for (k = 0; k < sizeof(init_names) / sizeof(init_names[0]); k++)
		if ((unsigned)i == 1u << k)
			return init_names[k];
	return NULL;
}

const char *gt_manifest_type_name(enum gt_manifest_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t]
	                                                                : NULL;
}

enum gt_family gt_manifest_family_parse(const char *s)
{
	unsigned k;

	for (k = 1; k < sizeof(family_names) / sizeof(family_names[0]); k++)
		if (strcmp(s, family_names[k]) == 0)
			return (enum gt_family)k;
	return GT_FAMILY_NONE;
}

enum gt_arch gt_manifest_arch_parse(const char *s)
{
	unsigned k;

	for (k = 1; k < sizeof(arch_names) / sizeof(arch_names[0]); k++)
		if (strcmp(s, arch_names[k]) == 0)
			return (enum gt_arch)k;
	return GT_ARCH_NONE;
}

enum gt_init gt_manifest_init_parse(const char *s)
{
	unsigned k;

	for (k = 0; k < sizeof(init_names) / sizeof(init_names[0]); k++)
		if (strcmp(s, init_names[k]) == 0)
			return (enum gt_init)(1u << k);
	return 0;
}

enum gt_arch gt_manifest_arch_from_machine(const char *machine)
{
	if (strcmp(machine, "x86_64") == 0 || strcmp(machine, "amd64") == 0)
		return GT_ARCH_X86_64;
	if (strlen(machine) == 4 && machine[0] == 'i' && machine[1] >= '3' &&
	    machine[1] <= '6' && strcmp(machine + 2, "86") == 0)
		return GT_ARCH_I686;
	if (strcmp(machine, "aarch64") == 0 || strcmp(machine, "arm64") == 0)
		return GT_ARCH_AARCH64;
	return GT_ARCH_NONE;
}

/* Characters of one destination component: portable to Rock Ridge and Joliet. */
static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' || c == '+' ||
	       c == '~';
}

/* Checks one component [s, s+n) of a destination or link target. */
static const char *check_component(const char *s, size_t n, bool dots_ok)
{
	size_t i;

	if (n == 0)
		return "empty path component (leading, trailing or double '/')";
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return dots_ok ? NULL : "'.' and '..' are not allowed";
	if (n > GT_MANIFEST_MAX_NAME)
		return "a path component is longer than 64 bytes (Joliet limit)";
	for (i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return "only A-Z a-z 0-9 . _ - + ~ are allowed in names";
	return NULL;
}

static const char *check_path(const char *path, bool dots_ok, size_t max_len)
{
	const char *p = path, *slash;
	size_t depth = 0;

	if (*path == '\0')
		return "empty path";
	if (strlen(path) > max_len)
		return "path too long";
	for (;;) {
		const char *why;

		slash = strchr(p, '/');
		why = check_component(p, slash ? (size_t)(slash - p) : strlen(p),
		                      dots_ok);
		if (why)
			return why;
		if (++depth > GT_MANIFEST_MAX_DEPTH && !dots_ok)
			return "more than 8 levels deep (ISO 9660 limit)";
		if (!slash)
			return NULL;
		p = slash + 1;
	}
}

const char *gt_manifest_check_dest(const char *dest)
{
	return check_path(dest, false, GT_MANIFEST_MAX_PATH);
}

/* Words with no spaces or controls: labels, versions, ids. */
static bool all_chars(const char *s, const char *extra, bool upper_ok)
{
	for (; *s; s++) {
		char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (upper_ok && c >= 'A' && c <= 'Z') || (c && strchr(extra, c)))
			continue;
		return false;
	}
	return true;
}

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

/* Parses "a,b,c" of ids into a new vector; rejects empty and repeated items. */
static int parse_id_list(struct parser *p, const char *key, const char *value,
                         char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *s = value;
	int ret;

	for (;;) {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		char id[GT_MANIFEST_MAX_ID + 1];

		if (len == 0 || len > GT_MANIFEST_MAX_ID) {
			ret = fail(p, -GT_EPARSE, "%s=: empty or over-long item in '%s'",
			           key, value);
			goto out;
		}
		memcpy(id, s, len);
		id[len] = '\0';
		if (!all_chars(id, "._-", false)) {
			ret = fail(
			        p, -GT_EPARSE,
			        "%s=: '%s' is not an os-release id (a-z 0-9 . _ - only)",
			        key, id);
			goto out;
		}
		if (gt_strv_contains(v, id)) {
			ret = fail(p, -GT_EPARSE, "%s=: '%s' listed twice", key, id);
			goto out;
		}
		if (n >= GT_MANIFEST_MAX_LIST) {
			ret = fail(p, -GT_ETOOBIG, "%s=: more than %d items", key,
			           GT_MANIFEST_MAX_LIST);
			goto out;
		}
		ret = gt_strv_push(&v, &n, id);
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

static const char *check_version_refs(const char *v, bool refs_ok)
{
	if (*v == '\0' || strlen(v) > GT_MANIFEST_MAX_ID)
		return "the version must have 1 to 64 characters";
	if (!all_chars(v, refs_ok ? "._+~-${}" : "._+~-", true))
		return "a version may only hold A-Z a-z 0-9 . _ + ~ -";
	return NULL;
}

const char *gt_manifest_check_version(const char *version)
{
	return check_version_refs(version, false);
}

static const char *check_label(const char *l)
{
	if (*l == '\0' || strlen(l) > MAX_LABEL)
		return "the label must have 1 to 16 characters (Joliet limit)";
	if (!all_chars(l, "._-", true))
		return "a label may only hold A-Z a-z 0-9 . _ -";
	return NULL;
}

enum key {
	K_SRC,
	K_TARGET,
	K_SIZE,
	K_SHA256,
	K_MODE,
	K_FAMILY,
	K_ARCH,
	K_DISTRO,
	K_LIKE,
	K_MIN,
	K_MAX,
	K_INIT,
	K_COUNT
};
static const char *const key_names[K_COUNT] = { "src",  "target", "size", "sha256",
	                                        "mode", "family", "arch", "distro",
	                                        "like", "min",    "max",  "init" };

#define BIT(k) (1u << (k))
/* Which keys each entry type takes, and which it must have, per kind. */
static unsigned keys_allowed(enum gt_manifest_type t, enum gt_manifest_kind kind)
{
	unsigned common = kind == GT_MANIFEST_BUILD
	                          ? BIT(K_SRC) | BIT(K_SHA256) | BIT(K_MODE)
	                          : BIT(K_SIZE) | BIT(K_SHA256) | BIT(K_MODE);

	switch (t) {
	case GT_ENTRY_FILE:
		return common;
	case GT_ENTRY_PACKAGE:
		return common | BIT(K_FAMILY) | BIT(K_ARCH) | BIT(K_DISTRO) |
		       BIT(K_LIKE) | BIT(K_MIN) | BIT(K_MAX) | BIT(K_INIT);
	case GT_ENTRY_LINK:
		return BIT(K_TARGET);
	}
	return 0;
}

static unsigned keys_required(enum gt_manifest_type t, enum gt_manifest_kind kind)
{
	unsigned common = kind == GT_MANIFEST_BUILD
	                          ? BIT(K_SRC)
	                          : BIT(K_SIZE) | BIT(K_SHA256) | BIT(K_MODE);

	switch (t) {
	case GT_ENTRY_FILE:
		return common;
	case GT_ENTRY_PACKAGE:
		return common | BIT(K_FAMILY) | BIT(K_ARCH);
	case GT_ENTRY_LINK:
		return BIT(K_TARGET);
	}
	return 0;
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
		             key_names[k]);
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
		why = check_path(v, true, GT_MANIFEST_MAX_VALUE);
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
		return parse_id_list(p, "distro", v, &e->distros);
	case K_LIKE:
		return parse_id_list(p, "like", v, &e->likes);
	case K_MIN:
	case K_MAX:
		if (parse_uint(v, MAX_MAJOR, &n) < 0)
			return fail(p, -GT_EPARSE,
			            "%s=: '%s' is not a major version (0-%d)",
			            key_names[k], v, MAX_MAJOR);
		if (k == K_MIN)
			e->min_major = (int)n;
		else
			e->max_major = (int)n;
		return 0;
	case K_INIT:
		return parse_inits(p, v, &e->inits);
	case K_COUNT:
		break;
	}
	return -EINVAL;
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
		           type_names[type]);
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
	allowed = keys_allowed(type, p->kind);
	for (i = 2; i < nf; i++) {
		char *eq = strchr(f[i], '=');
		int k;

		if (!eq) {
			ret = fail(p, -GT_EPARSE, "'%s' is not key=value", f[i]);
			goto out;
		}
		*eq = '\0';
		for (k = 0; k < K_COUNT; k++)
			if (strcmp(f[i], key_names[k]) == 0)
				break;
		if (k == K_COUNT || !(allowed & BIT(k))) {
			key_list(allowed, list, sizeof(list));
			ret = fail(p, -GT_EPARSE,
			           "unknown key '%s' (a %s in a %s manifest takes: %s)",
			           f[i], type_names[type],
			           p->kind == GT_MANIFEST_BUILD ? "build" : "ISO", list);
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
	required = keys_required(type, p->kind);
	missing = required & ~seen;
	if (missing) {
		key_list(missing, list, sizeof(list));
		ret = fail(p, -GT_EPARSE, "%s %s: missing %s", type_names[type], e.dest,
		           list);
		goto out;
	}
	if (e.min_major >= 0 && e.max_major >= 0 && e.min_major > e.max_major) {
		ret = fail(p, -GT_EPARSE, "min=%d is above max=%d", e.min_major,
		           e.max_major);
		goto out;
	}
	if (p->m->n_entries >= GT_MANIFEST_MAX_ENTRIES) {
		ret = fail(p, -GT_ETOOBIG, "more than %d entries",
		           GT_MANIFEST_MAX_ENTRIES);
		goto out;
	}
	/* Grow by doubling; the count is bounded above. */
	if (p->m->n_entries == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct gt_manifest_entry *ne = realloc(p->m->entries, cap * sizeof(*ne));

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
		why = check_label(f[1]);
	else if (strcmp(f[0], "version") == 0)
		why = check_version_refs(f[1], p->kind == GT_MANIFEST_BUILD);
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
			        "not a guest-tools manifest (the first line must be '" HEADER
			        " %d')",
			        GT_MANIFEST_FORMAT);
		if (v != GT_MANIFEST_FORMAT)
			return fail(
			        p, -GT_EUNSUPPORTED,
			        "manifest format %llu is not supported (this program reads format %d)",
			        (unsigned long long)v, GT_MANIFEST_FORMAT);
		*have_header = true;
		return 0;
	}
	if (strcmp(f[0], "file") == 0)
		return parse_entry(p, GT_ENTRY_FILE, f, nf);
	if (strcmp(f[0], "package") == 0)
		return parse_entry(p, GT_ENTRY_PACKAGE, f, nf);
	if (strcmp(f[0], "link") == 0)
		return parse_entry(p, GT_ENTRY_LINK, f, nf);
	if (strcmp(f[0], "label") == 0)
		return set_directive(p, &m->label, &m->label_line, f, nf);
	if (strcmp(f[0], "version") == 0)
		return set_directive(p, &m->version, &m->version_line, f, nf);
	if (strcmp(f[0], "source-dir") == 0 && p->kind == GT_MANIFEST_BUILD)
		return set_directive(p, &m->source_dir, &m->source_dir_line, f, nf);
	if (strcmp(f[0], HEADER) == 0)
		return fail(p, -GT_EPARSE, "a second '" HEADER "' line");
	return fail(
	        p, -GT_EPARSE,
	        "unknown keyword '%s' (expected file, package, link, label, version%s)",
	        f[0], p->kind == GT_MANIFEST_BUILD ? ", source-dir" : "");
}

struct dest_ref {
	const char *dest;
	unsigned line;
};

static int cmp_dest_ref(const void *a, const void *b)
{
	const struct dest_ref *x = a, *y = b;

	return strcasecmp(x->dest, y->dest);
}

/*
 * No two entries on one destination, not even differing only in case
 * (Windows reads Joliet case-insensitively), no entry below another entry,
 * and none on the names mkisotool writes itself.
 */
static int check_destinations(struct parser *p)
{
	static const char *const reserved[] = { GT_MANIFEST_ISO_PATH,
		                                GT_MANIFEST_SUMS_PATH,
		                                GT_MANIFEST_SIG_PATH };
	size_t n = p->m->n_entries, total = n + 3, i;
	struct dest_ref *refs;
	char prefix[GT_MANIFEST_MAX_PATH + 1];
	int ret = 0;

	refs = calloc(total, sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		refs[i].dest = p->m->entries[i].dest;
		refs[i].line = p->m->entries[i].line;
	}
	refs[n].dest = reserved[0];
	refs[n + 1].dest = reserved[1];
	refs[n + 2].dest = reserved[2];
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
			struct dest_ref key, *hit;

			memcpy(prefix, d, (size_t)(slash - d));
			prefix[slash - d] = '\0';
			key.dest = prefix;
			key.line = 0;
			hit = bsearch(&key, refs, total, sizeof(*refs), cmp_dest_ref);
			if (!hit)
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
	if (len > GT_MANIFEST_MAX_SIZE) {
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
	if (!m->version) {
		p.line = 0;
		ret = fail(&p, -GT_EPARSE, "no 'version' line");
		goto out;
	}
	if (!m->label) {
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

/* Checks that an id list written out would parse back. */
static bool valid_id_list(char *const *v)
{
	size_t i, n = gt_strv_len(v);

	if (n > GT_MANIFEST_MAX_LIST)
		return false;
	for (i = 0; i < n; i++) {
		size_t j;

		if (!*v[i] || strlen(v[i]) > GT_MANIFEST_MAX_ID ||
		    !all_chars(v[i], "._-", false))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(v[i], v[j]) == 0)
				return false;
	}
	return true;
}

static bool valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static void write_list(FILE *fp, const char *key, char *const *v)
{
	size_t i;

	fprintf(fp, " %s=", key);
	for (i = 0; v[i]; i++)
		fprintf(fp, "%s%s", i ? "," : "", v[i]);
}

static int write_entry(FILE *fp, enum gt_manifest_kind kind,
                       const struct gt_manifest_entry *e)
{
	unsigned need = keys_required(e->type, kind),
	         allowed = keys_allowed(e->type, kind);
	char hex[GT_SHA256_HEX_LEN + 1];
	unsigned k;

	if (!gt_manifest_type_name(e->type) || !e->dest ||
	    gt_manifest_check_dest(e->dest))
		return -EINVAL;
	if (((need & BIT(K_SRC)) &&
	     (!e->src || !valid_token(e->src, GT_MANIFEST_MAX_VALUE))) ||
	    ((need & BIT(K_TARGET)) &&
	     (!e->target || *e->target == '/' ||
	      check_path(e->target, true, GT_MANIFEST_MAX_VALUE))) ||
	    ((need & BIT(K_SIZE)) && !e->has_size) ||
	    ((need & BIT(K_SHA256)) && !e->has_sha256) ||
	    ((need & BIT(K_MODE)) && !e->mode) ||
	    ((need & BIT(K_FAMILY)) && !gt_manifest_family_name(e->family)) ||
	    ((need & BIT(K_ARCH)) && !gt_manifest_arch_name(e->arch)))
		return -EINVAL;
	if ((e->mode && (e->mode > 0777 || !(e->mode & 0400))) ||
	    (e->size > (uint64_t)INT64_MAX))
		return -EINVAL;
	if (allowed & BIT(K_DISTRO)) {
		if ((e->distros && (!e->distros[0] || !valid_id_list(e->distros))) ||
		    (e->likes && (!e->likes[0] || !valid_id_list(e->likes))) ||
		    e->min_major > MAX_MAJOR || e->max_major > MAX_MAJOR ||
		    (e->min_major >= 0 && e->max_major >= 0 &&
		     e->min_major > e->max_major) ||
		    (e->inits & ~0xfu))
			return -EINVAL;
	}
	fprintf(fp, "%s %s", type_names[e->type], e->dest);
	if (allowed & BIT(K_SRC))
		fprintf(fp, " src=%s", e->src);
	if (allowed & BIT(K_TARGET))
		fprintf(fp, " target=%s", e->target);
	if (allowed & BIT(K_SIZE))
		fprintf(fp, " size=%llu", (unsigned long long)e->size);
	if ((allowed & BIT(K_SHA256)) && e->has_sha256) {
		gt_sha256_hex(e->sha256, hex);
		fprintf(fp, " sha256=%s", hex);
	}
	if ((allowed & BIT(K_MODE)) && e->mode)
		fprintf(fp, " mode=%04o", e->mode);
	if (allowed & BIT(K_FAMILY)) {
		fprintf(fp, " family=%s arch=%s", gt_manifest_family_name(e->family),
		        gt_manifest_arch_name(e->arch));
		if (e->distros)
			write_list(fp, "distro", e->distros);
		if (e->likes)
			write_list(fp, "like", e->likes);
		if (e->min_major >= 0)
			fprintf(fp, " min=%d", e->min_major);
		if (e->max_major >= 0)
			fprintf(fp, " max=%d", e->max_major);
		if (e->inits) {
			const char *sep = " init=";

			for (k = 0; k < 4; k++)
				if (e->inits & (1u << k)) {
					fprintf(fp, "%s%s", sep, init_names[k]);
					sep = ",";
				}
		}
	}
	fputc('\n', fp);
	return 0;
}

int gt_manifest_format(const struct gt_manifest *m, char **buf, size_t *len)
{
	char *b = NULL;
	size_t n = 0, i;
	FILE *fp;
	int ret = -EINVAL;

	if (m->n_entries > GT_MANIFEST_MAX_ENTRIES || !m->version ||
	    check_version_refs(m->version, m->kind == GT_MANIFEST_BUILD) ||
	    (m->label && check_label(m->label)) ||
	    (m->kind == GT_MANIFEST_BUILD && m->source_dir &&
	     !valid_token(m->source_dir, GT_MANIFEST_MAX_VALUE)))
		return -EINVAL;
	fp = open_memstream(&b, &n);
	if (!fp)
		return -ENOMEM;
	ret = 0;
	fprintf(fp, HEADER " %d\n", GT_MANIFEST_FORMAT);
	fprintf(fp, "label %s\n", m->label ? m->label : DEFAULT_LABEL);
	fprintf(fp, "version %s\n", m->version);
	if (m->kind == GT_MANIFEST_BUILD && m->source_dir)
		fprintf(fp, "source-dir %s\n", m->source_dir);
	for (i = 0; i < m->n_entries; i++) {
		ret = write_entry(fp, m->kind, &m->entries[i]);
		if (ret < 0)
			break;
	}
	if (fclose(fp) != 0 && ret == 0)
		ret = -ENOMEM;
	if (ret == 0 && n > GT_MANIFEST_MAX_SIZE)
		ret = -EINVAL;
	if (ret < 0) {
		free(b);
		return ret;
	}
	*buf = b;
	*len = n;
	return 0;
}
