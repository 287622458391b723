/* SPDX-License-Identifier: MIT */
/*
 * Which Linux distribution a root holds, shared by the installer (to pick a
 * payload) and the agent (to publish data/os_*). Sources, in order:
 * os-release (etc/, then usr/lib/), then the legacy files of guests older
 * than os-release (lsb-release, redhat-release and kin, SuSE-release,
 * debian_version...). The os-release ID is reported as written.
 */
#ifndef GT_DISTRO_H
#define GT_DISTRO_H

#include "root.h"

struct gt_distro {
	char *id;           /* "rocky", "debian"...; "" when nothing says */
	char *version_id;   /* "9.3", "15-SP5", "bookworm/sid"; "" when unknown */
	char *name;         /* "Rocky Linux" */
	char *pretty_name;  /* "Rocky Linux 9.3 (Blue Onyx)" */
	char *codename;     /* "Blue Onyx", "bookworm"; "" when unknown */
	char **like;        /* ID_LIKE words, NULL-terminated (maybe empty) */
	int major, minor;   /* from the version; -1 when unknown */
	const char *family; /* "rpm", "deb", "tgz" or "unknown" (static) */
	/* What decided it: "id_like", "package_db", "id" (the built-in table) or
	 * "none" (static), and that evidence in words ("ID_LIKE names arch"). */
	const char *family_source;
	char *family_evidence; /* NULL with "none" */
	/* The same in the user's language (lib/i18n.h), for the human output. */
	char *family_evidence_shown;
	/* The package tool of that family whose database the root holds ("rpm",
	 * "dpkg", "apk", "pacman", "portage", "xbps", "nix") and the database's
	 * path, or NULL: then no native package can be installed (static). */
	const char *package_tool, *package_db;
	char *source;  /* "os-release", "/etc/redhat-release"... */
	char *problem; /* what was wrong with the file read (a malformed line...), or NULL
	                */
};

/*
 * gt_distro_detect - detect the distribution under @root.
 * A root with no release file at all is not an error: *out then has id ""
 * and family "unknown". On success *out is owned by the caller.
 * Returns 0, -ENOMEM, or -errno when a release file exists but cannot be
 * read (-EACCES, -EIO, -GT_ETOOBIG...).
 */
int gt_distro_detect(const struct gt_root *root, struct gt_distro **out);
void gt_distro_free(struct gt_distro *d);

/*
 * gt_distro_parse_version - major and minor numbers of @version:
 * "7.9.2009" → 7, 9; "15-SP5" → 15, 5; "6" → 6, -1; "bookworm/sid" → 12, -1
 * (Debian code names). Unknown parts are -1.
 */
void gt_distro_parse_version(const char *version, int *major, int *minor);

/*
 * gt_distro_family - "rpm", "deb", "tgz" or "unknown" for an os-release
 * @id and its ID_LIKE words @like (may be NULL): the first ID_LIKE word that
 * names a family, else the built-in table of IDs. No package database is
 * looked at (gt_distro_detect() does).
 */
const char *gt_distro_family(const char *id, char *const *like);

/* A package database: its tool, where it lives in a root, the family it serves. */
struct gt_distro_pkgdb {
	const char *tool, *path, *family;
};

/*
 * gt_distro_find_pkgdbs - the package databases present in @root, one per
 * tool, in a fixed order (dpkg, rpm, apk, pacman, portage, xbps, nix); at
 * most @max into @found (pointers to static entries). Returns how many.
 */
size_t gt_distro_find_pkgdbs(const struct gt_root *root,
                             const struct gt_distro_pkgdb **found, size_t max);

/*
 * gt_distro_decide_family - set family, family_source, family_evidence,
 * package_tool and package_db of @d from its ID_LIKE words, then the
 * databases @dbs found in its root, then the ID table (lib/distro_family.c
 * says why in that order). Returns 0 or -ENOMEM.
 */
int gt_distro_decide_family(struct gt_distro *d, const struct gt_distro_pkgdb *const *dbs,
                            size_t ndbs);

/*
 * gt_distro_parse_release_line - split a legacy release line such as
 * "CentOS Linux release 7.1.1503 (Core)" into name, version and code name
 * (each newly allocated, "" when absent). Returns 0 or -ENOMEM.
 */
int gt_distro_parse_release_line(const char *line, char **name, char **version,
                                 char **codename);

#endif
