/* SPDX-License-Identifier: MIT */
/* Which payload of the on-ISO manifest serves this guest. */
#ifndef GT_PLAN_H
#define GT_PLAN_H

#include "detect/detect.h"
#include "manifest.h"

/*
 * gt_plan_payload - the package entry of @m for the guest @d, or for
 * @distro/@major when given (the -d/-m override). *why (static) explains a
 * failure. Returns 0, -GT_ENOTFOUND or -GT_EUNSUPPORTED (unknown arch).
 */
int gt_plan_payload(const struct gt_manifest *m, const struct gt_detect *d,
                    const char *distro, int major, const struct gt_manifest_entry **out,
                    const char **why);

#endif
