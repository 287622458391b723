/* SPDX-License-Identifier: MIT */
/*
 * The guest-tools manifest (docs/manifest.5): one line-oriented, versioned
 * text format for both the build manifest that mkisotool reads
 * (payload/guest-tools.manifest: where each file comes from) and the on-ISO
 * manifest it writes as Linux/MANIFEST (what the installer reads: size,
 * sha256 and targets of every payload). One parser reads both, in one of two
 * modes, so the two sides can never disagree about the syntax.
 *
 * The parser is strict and bounded because the installer runs it on a file
 * from a CD that it does not trust yet: every line, name, list and count has
 * a hard limit (an on-ISO manifest's size and entry count too; a build
 * manifest's are bounded by memory), unknown keywords and keys are errors,
 * and nothing is ever
 * read past the buffer given. It never prints; the first problem found is
 * described in a struct gt_manifest_error with its line number.
 */
#ifndef GT_MANIFEST_H
#define GT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sha256.h"

#define GT_MANIFEST_FORMAT 1 /* "guest-tools-manifest 1" */
/*
 * The installer's safety bound: an on-ISO manifest (Linux/MANIFEST, what the
 * installer reads from a CD it does not trust yet) holds at most this many
 * bytes and entries. Build manifests and Linux/CONTENTS are bounded by
 * memory only; mkisotool refuses to build an image whose Linux/MANIFEST
 * would exceed these (see manifest(5), "Limits").
 */
#define GT_MANIFEST_MAX_SIZE    (1 << 20)
#define GT_MANIFEST_MAX_ENTRIES 4096
#define GT_MANIFEST_MAX_LINE    4096 /* bytes in one line, newline excluded */
#define GT_MANIFEST_MAX_LIST    32   /* items in distro=, like=, exclude= */
#define GT_MANIFEST_MAX_PATH    240  /* a destination (Windows' MAX_PATH less D:\) */
#define GT_MANIFEST_MAX_NAME    103  /* one destination component (Joliet, long names) */
#define GT_MANIFEST_MAX_DEPTH   8    /* components in a destination (ISO 9660) */
#define GT_MANIFEST_MAX_VALUE   1024 /* any other value (src=, target=...) */
#define GT_MANIFEST_MAX_ID      64   /* a distro id, label or version */

/* The files mkisotool writes itself; no entry may use their names. */
#define GT_MANIFEST_ISO_PATH  "Linux/MANIFEST"
#define GT_MANIFEST_SUMS_PATH "SHA256SUMS"
#define GT_MANIFEST_SIG_PATH  "Linux/MANIFEST.sig" /* with --sign (sig.h) */
/* Every entry outside Linux/ and every file of a tree (see manifest(5)). */
#define GT_MANIFEST_CONTENTS_PATH "Linux/CONTENTS"

/* Which kind of manifest a buffer holds; the parser checks the keys allowed. */
enum gt_manifest_kind {
	GT_MANIFEST_BUILD, /* entries have src=; sha256= optional; no size= */
	GT_MANIFEST_ISO,   /* entries have size=, sha256=, mode=; no src= */
	/* Linux/CONTENTS: file and link entries as in ISO manifests, no
	 * directives, no packages; bounded by memory only. */
	GT_MANIFEST_CONTENTS,
};

enum gt_manifest_type {
	GT_ENTRY_FILE,    /* a plain file (installer, README.txt, Windows/...) */
	GT_ENTRY_PACKAGE, /* a payload package the installer may pick */
	GT_ENTRY_LINK,    /* a symbolic link */
	GT_ENTRY_TREE,    /* build manifests: a whole directory (see manifest(5)) */
};

enum gt_family {
	GT_FAMILY_NONE = 0,
	GT_FAMILY_RPM,
	GT_FAMILY_DEB,
	GT_FAMILY_TGZ,
};

enum gt_arch {
	GT_ARCH_NONE = 0,
	GT_ARCH_X86_64,
	GT_ARCH_I686,
	GT_ARCH_AARCH64,
};

/* Init systems, as bits: an entry serves a set of them (0 = any). */
enum gt_init {
	GT_INIT_SYSTEMD = 1 << 0,
	GT_INIT_SYSV = 1 << 1,
	GT_INIT_OPENRC = 1 << 2,
	GT_INIT_UPSTART = 1 << 3,
};

struct gt_manifest_entry {
	enum gt_manifest_type type;
	unsigned line;   /* where it was read (0 when built in memory) */
	char *dest;      /* path on the ISO: "Linux/installer.x86_64" */
	char *src;       /* build manifests: the source, unexpanded */
	char *target;    /* links: the link's target */
	char **excludes; /* trees: exclude= patterns (NULL: none) */
	bool has_sha256; /* sha256 below is set */
	uint8_t sha256[GT_SHA256_LEN];
	bool has_size;            /* size below is set */
	uint64_t size;            /* bytes */
	unsigned mode;            /* permission bits (0 = not given) */
	enum gt_family family;    /* packages */
	enum gt_arch arch;        /* packages */
	char **distros;           /* os-release ID values served (NULL: none named) */
	char **likes;             /* ID_LIKE values served (NULL: none named) */
	int min_major, max_major; /* served major versions, inclusive; -1 = open */
	unsigned inits;           /* GT_INIT_* bits served; 0 = any */
};

struct gt_manifest {
	enum gt_manifest_kind kind;
	char *label;      /* volume label; "guest-tools" when not given */
	char *version;    /* guest-tools version (may be NULL in build manifests) */
	char *source_dir; /* build manifests: "source-dir" directive, or NULL */
	/* On-ISO manifests: when the image was built ("built" directive, UTC,
	 * seconds since 1970), written by mkisotool; older images lack it. */
	bool has_built;
	long long built;
	unsigned label_line, version_line, source_dir_line, built_line;
	struct gt_manifest_entry *entries;
	size_t n_entries;
};

/* Where and why parsing failed. */
struct gt_manifest_error {
	unsigned line; /* 1-based; 0 when not about one line (too big, no memory) */
	char msg[256];
};

/*
 * gt_manifest_parse - parse @len bytes at @buf (need not be NUL-terminated)
 * as a manifest of @kind.
 * On success *out owns a new manifest (free with gt_manifest_free()).
 * On failure @err (may be NULL) says which line and why.
 * Returns 0, -GT_EPARSE (malformed or inconsistent), -GT_EUNSUPPORTED (a
 * format version this program does not know), -GT_ETOOBIG (a limit above was
 * exceeded) or -ENOMEM.
 */
int gt_manifest_parse(const char *buf, size_t len, enum gt_manifest_kind kind,
                      struct gt_manifest **out, struct gt_manifest_error *err);

/* gt_manifest_free - free @m and everything in it (NULL is fine). */
void gt_manifest_free(struct gt_manifest *m);

/*
 * gt_manifest_format - write @m as a manifest of kind @m->kind into a new
 * buffer. Entries are written in their order in @m; src= only in build
 * manifests, size= and sha256= required in ISO manifests. Every value is
 * checked against the same rules as the parser, so the output always parses.
 * On success *buf (owned by the caller, NUL-terminated) holds *len bytes.
 * Returns 0, -EINVAL (a value the format cannot hold), -GT_ETOOBIG (an
 * on-ISO manifest over GT_MANIFEST_MAX_ENTRIES or GT_MANIFEST_MAX_SIZE, which
 * the parser would refuse) or -ENOMEM.
 */
int gt_manifest_format(const struct gt_manifest *m, char **buf, size_t *len);

/*
 * gt_manifest_find - the entry whose destination is @dest, or NULL.
 */
const struct gt_manifest_entry *gt_manifest_find(const struct gt_manifest *m,
                                                 const char *dest);

/* Names: "rpm", "x86_64", "systemd"...; NULL for NONE or unknown values. */
const char *gt_manifest_family_name(enum gt_family f);
const char *gt_manifest_arch_name(enum gt_arch a);
const char *gt_manifest_init_name(enum gt_init i);
const char *gt_manifest_type_name(enum gt_manifest_type t);
/* Parsers for the same names: GT_FAMILY_NONE / GT_ARCH_NONE / 0 when unknown. */
enum gt_family gt_manifest_family_parse(const char *s);
enum gt_arch gt_manifest_arch_parse(const char *s);
enum gt_init gt_manifest_init_parse(const char *s);
/*
 * gt_manifest_arch_from_machine - the payload arch for a uname(2) machine
 * string ("i386".."i686" -> i686, "x86_64", "aarch64"/"arm64"), or NONE.
 */
enum gt_arch gt_manifest_arch_from_machine(const char *machine);

/*
 * gt_manifest_check_dest - whether @dest is a destination every reader of
 * the ISO can represent (Rock Ridge and Joliet, see manifest(5)): components
 * of printable ASCII but space and " * / : ; < > ? \ |, at most
 * GT_MANIFEST_MAX_NAME bytes, no "." or "..", none ending in '.', at most
 * GT_MANIFEST_MAX_DEPTH deep and GT_MANIFEST_MAX_PATH long, not starting
 * with '#'.
 * Returns NULL when valid, else a static description of the problem.
 */
const char *gt_manifest_check_dest(const char *dest);

/*
 * gt_manifest_check_target - whether @target can be a link's target: a
 * relative path of components as for destinations, "." and ".." allowed.
 * Returns NULL when valid, else a static description of the problem.
 */
const char *gt_manifest_check_target(const char *target);

/*
 * gt_manifest_format_time - @t (seconds since 1970, UTC) as the "built"
 * directive spells it: YYYY-MM-DDThh:mm:ssZ, into @buf (at least
 * GT_MANIFEST_TIME_LEN bytes). Returns @buf, or NULL when @t is out of
 * 1970..9999.
 */
#define GT_MANIFEST_TIME_LEN 21
const char *gt_manifest_format_time(long long t, char *buf);

/*
 * gt_manifest_check_version - whether @version can be a manifest's version
 * (1 to 64 of A-Z a-z 0-9 . _ + ~ -). NULL when valid, else why not.
 */
const char *gt_manifest_check_version(const char *version);

#endif
