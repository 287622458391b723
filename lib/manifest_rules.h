/* SPDX-License-Identifier: MIT */
/*
 * The rules the manifest parser (manifest.c) and writer (manifest_write.c)
 * share, so that whatever one writes the other reads. Internal to lib/:
 * only the manifest files include it.
 */
#ifndef GT_MANIFEST_RULES_H
#define GT_MANIFEST_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "manifest.h"

#define HEADER        "guest-tools-manifest"
#define DEFAULT_LABEL "guest-tools"
#define MAX_LABEL     16 /* Joliet's volume id holds 16 characters */
#define MAX_MAJOR     99999

/* The keys of an entry line ("size=..."), named by mf_key_names. */
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
	K_EXCLUDE,
	K_COUNT
};
extern const char *const mf_key_names[K_COUNT];

#define BIT(k) (1u << (k))
/* Which keys each entry type takes, and which it must have, per kind (BIT()s). */
unsigned mf_keys_allowed(enum gt_manifest_type t, enum gt_manifest_kind kind);
unsigned mf_keys_required(enum gt_manifest_type t, enum gt_manifest_kind kind);
/* Whether a manifest of @kind may hold entries of type @t at all. */
bool mf_type_allowed(enum gt_manifest_type t, enum gt_manifest_kind kind);
/* An exclude= list that parses back: 1 to 32 patterns, no commas, bounded. */
bool mf_valid_pattern_list(char *const *v);

/*
 * A destination (@dots_ok false) or link target (true) of at most @max_len
 * bytes: NULL when valid, else a static description of the problem.
 */
const char *mf_check_path(const char *path, bool dots_ok, size_t max_len);
/* Only a-z 0-9, A-Z when @upper_ok, and the characters of @extra. */
bool mf_all_chars(const char *s, const char *extra, bool upper_ok);
/* A version, with ${NAME} references when @refs_ok (build manifests). */
const char *mf_check_version_refs(const char *v, bool refs_ok);
const char *mf_check_label(const char *l);
/* An id list (distro=, like=) that parses back: ids, no repeats, bounded. */
bool mf_valid_id_list(char *const *v);
/* "YYYY-MM-DDThh:mm:ssZ" (the one spelling) to seconds since 1970; -1 if not. */
long long mf_parse_time(const char *s);
/* 1 to @max bytes of printable ASCII, no spaces. */
bool mf_valid_token(const char *s, size_t max);

#endif
