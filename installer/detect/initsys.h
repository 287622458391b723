/* SPDX-License-Identifier: MIT */
/* Which init system runs (or, for an image under --root, would run) a guest. */
#ifndef GT_INITSYS_H
#define GT_INITSYS_H

#include "root.h"

/*
 * gt_initsys_detect - "systemd", "sysvinit", "openrc", "runit", "upstart"
 * or "unknown" (static string). *evidence (may be NULL) receives a static
 * description of the deciding test.
 */
const char *gt_initsys_detect(const struct gt_root *root, const char **evidence);

#endif
