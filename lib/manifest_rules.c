/* SPDX-License-Identifier: MIT */
/*
 * What the manifest parser (manifest.c) and writer (manifest_write.c) agree
 * on: the names of families, arches, init systems and entry types, the keys
 * each entry takes, and the rules every value follows (see manifest_rules.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "manifest.h"
#include "manifest_rules.h"
#include "strv.h"

static const char *const family_names[] = { NULL, "rpm", "deb", "tgz" };
static const char *const arch_names[] = { NULL, "x86_64", "i686", "aarch64" };
static const char *const init_names[] = { "systemd", "sysv", "openrc", "upstart" };
static const char *const type_names[] = { "file", "package", "link", "tree" };

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

/*
 * Characters of one destination component: printable ASCII that Rock Ridge,
 * Joliet and Windows all keep as it is. Joliet has no * / : ; ? \ (libisofs
 * writes '_' for them: joliet.c, iso_j_file_id()), Windows opens no file
 * with " < > |, and a space would split the manifest line.
 */
static bool is_name_char(char c)
{
	return c > 0x20 && c < 0x7f && !strchr("\"*/:;<>?\\|", c);
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
		return "a name is longer than 103 bytes (the Joliet limit with long names)";
	for (i = 0; i < n; i++)
		if (!is_name_char(s[i]))
			return (unsigned char)s[i] >= 0x80
			               ? "a name is not ASCII (the manifest holds ASCII names only)"
			       : s[i] == ' '
			               ? "a name holds a space (the manifest cannot carry one)"
			               : "a name holds one of \" * : ; < > ? \\ | or a control character (Joliet or Windows cannot keep it)";
	if (s[n - 1] == '.')
		return "a name ends with '.' (Windows drops it, Joliet adds one)";
	return NULL;
}

const char *mf_check_path(const char *path, bool dots_ok, size_t max_len)
{
	const char *p = path, *slash;
	size_t depth = 0;

	if (*path == '\0')
		return "empty path";
	if (*path == '#')
		return "a path starting with '#' (a manifest comment)";
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
	return mf_check_path(dest, false, GT_MANIFEST_MAX_PATH);
}

const char *gt_manifest_check_target(const char *target)
{
	if (*target == '/')
		return "an absolute path (a link on the image must be relative)";
	return mf_check_path(target, true, GT_MANIFEST_MAX_VALUE);
}

/* Words with no spaces or controls: labels, versions, ids. */
bool mf_all_chars(const char *s, const char *extra, bool upper_ok)
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

const char *mf_check_version_refs(const char *v, bool refs_ok)
{
	if (*v == '\0' || strlen(v) > GT_MANIFEST_MAX_ID)
		return "the version must have 1 to 64 characters";
	if (!mf_all_chars(v, refs_ok ? "._+~-${}" : "._+~-", true))
		return "a version may only hold A-Z a-z 0-9 . _ + ~ -";
	return NULL;
}

const char *gt_manifest_check_version(const char *version)
{
	return mf_check_version_refs(version, false);
}

const char *mf_check_label(const char *l)
{
	if (*l == '\0' || strlen(l) > MAX_LABEL)
		return "the label must have 1 to 16 characters (Joliet limit)";
	if (!mf_all_chars(l, "._-", true))
		return "a label may only hold A-Z a-z 0-9 . _ -";
	return NULL;
}

const char *const mf_key_names[K_COUNT] = { "src",    "target", "size", "sha256",
	                                    "mode",   "family", "arch", "distro",
	                                    "like",   "min",    "max",  "init",
	                                    "exclude" };

/* Which keys each entry type takes, and which it must have, per kind. */
unsigned mf_keys_allowed(enum gt_manifest_type t, enum gt_manifest_kind kind)
{
	unsigned common = kind == GT_MANIFEST_BUILD
	                          ? BIT(K_SRC) | BIT(K_SHA256) | BIT(K_MODE)
	                          : BIT(K_SIZE) | BIT(K_SHA256) | BIT(K_MODE);

	switch (t) {
	case GT_ENTRY_FILE:
		return common;
	case GT_ENTRY_PACKAGE:
		if (kind == GT_MANIFEST_CONTENTS)
			return 0;
		return common | BIT(K_FAMILY) | BIT(K_ARCH) | BIT(K_DISTRO) |
		       BIT(K_LIKE) | BIT(K_MIN) | BIT(K_MAX) | BIT(K_INIT);
	case GT_ENTRY_LINK:
		return BIT(K_TARGET);
	case GT_ENTRY_TREE:
		return kind == GT_MANIFEST_BUILD ? BIT(K_SRC) | BIT(K_EXCLUDE) : 0;
	}
	return 0;
}

unsigned mf_keys_required(enum gt_manifest_type t, enum gt_manifest_kind kind)
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
	case GT_ENTRY_TREE:
		return BIT(K_SRC);
	}
	return 0;
}

bool mf_type_allowed(enum gt_manifest_type t, enum gt_manifest_kind kind)
{
	switch (t) {
	case GT_ENTRY_FILE:
	case GT_ENTRY_LINK:
		return true;
	case GT_ENTRY_PACKAGE:
		return kind != GT_MANIFEST_CONTENTS;
	case GT_ENTRY_TREE:
		return kind == GT_MANIFEST_BUILD;
	}
	return false;
}

bool mf_valid_pattern_list(char *const *v)
{
	size_t i, n = gt_strv_len(v);

	if (n == 0 || n > GT_MANIFEST_MAX_LIST)
		return false;
	for (i = 0; i < n; i++)
		if (!mf_valid_token(v[i], (size_t)GT_MANIFEST_MAX_NAME * 2) ||
		    strchr(v[i], ','))
			return false;
	return true;
}

/* Checks that an id list written out would parse back. */
bool mf_valid_id_list(char *const *v)
{
	size_t i, n = gt_strv_len(v);

	if (n > GT_MANIFEST_MAX_LIST)
		return false;
	for (i = 0; i < n; i++) {
		size_t j;

		if (!*v[i] || strlen(v[i]) > GT_MANIFEST_MAX_ID ||
		    !mf_all_chars(v[i], "._-", false))
			return false;
		for (j = 0; j < i; j++)
			if (strcmp(v[i], v[j]) == 0)
				return false;
	}
	return true;
}

bool mf_valid_token(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

/* Days from 1970-01-01 to @y-@m-@d (a valid date, 1970 or later). */
static long long days_since_1970(unsigned y, unsigned m, unsigned d)
{
	long long days = d - 1;

	for (unsigned i = 1970; i < y; i++)
		days += leap(i) ? 366 : 365;
	for (unsigned i = 1; i < m; i++)
		days += mdays[i - 1] + (i == 2 && leap(y));
	return days;
}

/* The last time the directive can spell: 9999-12-31T23:59:59Z. */
#define MAX_TIME 253402300799LL

const char *gt_manifest_format_time(long long t, char *buf)
{
	long long days, secs;
	unsigned y = 1970, m = 0;

	if (t < 0 || t > MAX_TIME)
		return NULL;
	days = t / 86400;
	secs = t % 86400;
	while (days >= (leap(y) ? 366 : 365)) {
		days -= leap(y) ? 366 : 365;
		y++;
	}
	for (;;) {
		unsigned len = mdays[m] + (m == 1 && leap(y));

		if (days < len)
			break;
		days -= len;
		m++;
	}
	snprintf(buf, GT_MANIFEST_TIME_LEN, "%04u-%02u-%02uT%02u:%02u:%02uZ", y, m + 1,
	         (unsigned)days + 1, (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
	         (unsigned)(secs % 60));
	return buf;
}

/* @n digits at @s, as a number; -1 when one is not a digit. */
static long long digits(const char *s, int n)
{
	long long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

long long mf_parse_time(const char *s)
{
	long long y, mo, d, h, mi, se;

	if (strlen(s) != GT_MANIFEST_TIME_LEN - 1 || s[4] != '-' || s[7] != '-' ||
	    s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	se = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 59 ||
	    d > (long long)mdays[mo - 1] + (mo == 2 && leap((unsigned)y)))
		return -1;
	return days_since_1970((unsigned)y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + se;
}
