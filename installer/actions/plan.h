/* SPDX-License-Identifier: MIT */
/*
 * Which payload of the on-ISO manifest serves this guest: the installer's
 * selection policy (lib/manifest.h only reads and writes the format).
 */
#ifndef GT_PLAN_H
#define GT_PLAN_H

#include "detect/detect.h"
#include "manifest.h"
#include "i18n.h"

/* What the installer knows about the guest when it looks for a payload. */
struct gt_plan_query {
	enum gt_family family; /* GT_FAMILY_NONE: any family */
	enum gt_arch arch;     /* required */
	const char *id;        /* os-release ID ("rocky"), or NULL */
	char *const *like; /* ID_LIKE words, closest first, NULL-terminated; or NULL */
	int major;         /* major version (VERSION_ID "7.9" -> 7); -1 unknown */
	unsigned init;     /* one GT_INIT_* bit; 0 unknown */
	/*
	 * The guest's family is known and its tool's database is in the root:
	 * a package of that family that names neither its ID nor its ID_LIKE
	 * words still serves it, after every package that does (its version
	 * bounds, about the distributions it names, do not apply).
	 */
	bool by_family;
};

/*
 * gt_plan_find_payload - the package entry that best serves @q.
 * A package serves the guest when its arch (and family, when asked) match,
 * the major version lies in [min, max] (an unknown version only matches a
 * package without bounds), the init system is in its init= set (an unknown
 * one only matches a package without init=), and the guest is among its
 * distros: its ID in distro=, or its ID or an ID_LIKE word in like=, or the
 * package names neither list (a generic package, e.g. a tgz).
 * The best is the one matched by ID in distro=, then by ID in like=, then by
 * the earliest ID_LIKE word, then by family (@q's by_family), then a generic
 * one; among equals one with a version range, then the first in the manifest.
 * *out points into @m. Returns 0, -GT_ENOTFOUND or -EINVAL (no arch).
 */
int gt_plan_find_payload(const struct gt_manifest *m, const struct gt_plan_query *q,
                         const struct gt_manifest_entry **out);

/*
 * gt_plan_payload - the package entry of @m for the guest @d, or for
 * @distro/@major when given (the -d/-m override). The family is the
 * guest's when the root holds its tool's database (rpm, dpkg), else the
 * tgz; when no package of its family serves it, the tgz does. *why (static)
 * explains a failure. Returns 0, -GT_ENOTFOUND or -GT_EUNSUPPORTED
 * (unknown arch).
 */
int gt_plan_payload(const struct gt_manifest *m, const struct gt_detect *d,
                    const char *distro, int major, const struct gt_manifest_entry **out,
                    const char **why);

/*
 * gt_plan_note - when the chosen entry @e is the tgz for a guest @di whose
 * family has a package tool (rpm, dpkg, pacman...), or whose family is
 * unknown, a sentence that says so and why, written into @buf; else NULL.
 */
const char *gt_plan_note(const struct gt_distro *di, const struct gt_manifest_entry *e,
                         enum gt_lang lang, char *buf, size_t size);

#endif
