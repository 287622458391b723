/* SPDX-License-Identifier: MIT */
/*
 * The downgrade rule (docs/security.md, "freshness"). A good signature
 * proves who built a manifest, not that it is the newest: an old, validly
 * signed ISO verifies forever, with whatever its old agent had wrong. So
 * installing from media older than what the guest has needs
 * --allow-downgrade:
 *
 * - the guest-tools version of the media (Linux/MANIFEST's "version",
 *   signed) against the one the installed record names (the last install's
 *   media), and
 * - the payload package's version against the one the package tool says is
 *   installed (an agent installed or upgraded by other means counts too).
 *
 * Versions are ordered as their family orders them: rpm's rpmvercmp rules
 * for rpm packages, deb-version(7) for deb and tgz packages and for
 * guest-tools versions ("0.9" < "0.10", "1.0~rc1" < "1.0").
 */
#ifndef GT_DOWNGRADE_H
#define GT_DOWNGRADE_H

#include <stddef.h>

#include "manifest.h"
#include "root.h"

/* What the media offers, and what the guest has (NULLs: unknown, not compared). */
struct gt_downgrade_query {
	const struct gt_manifest *manifest; /* the media's (version, built) */
	const char *family;                 /* "deb", "rpm", "tgz" */
	const char *package;                /* the payload's package name */
	const char *offered;                /* its version on the media */
	const char *installed;              /* the version installed, or NULL */
};

/*
 * gt_downgrade_check - would installing @q go back to an older version?
 * The guest-tools version installed is read from @root's installed record.
 * Returns 0 (not older, or nothing to compare), 1 (older: @why, of @size
 * bytes, names both versions and what to do), or -errno.
 */
int gt_downgrade_check(const struct gt_root *root, const struct gt_downgrade_query *q,
                       char *why, size_t size);

/*
 * gt_version_cmp - order versions @a and @b as @family does ("rpm": rpm's
 * rules on "VERSION-RELEASE"; anything else: deb-version(7), epoch and
 * revision included). Returns <0, 0 or >0.
 */
int gt_version_cmp(const char *family, const char *a, const char *b);

#endif
