/* SPDX-License-Identifier: MIT */
/* Enabling and starting the agent's service with the guest's init system. */
#ifndef GT_SERVICE_H
#define GT_SERVICE_H

#include <stdbool.h>

#include "root.h"

/* gt_service_enabled - is @name enabled to start at boot under @init? */
bool gt_service_enabled(const struct gt_root *root, const char *name, const char *init);

/* gt_service_running - is @name running now? (Only meaningful on the host.) */
bool gt_service_running(const struct gt_root *root, const char *name, const char *init);

/*
 * gt_service_enable - enable @name (with --root: offline, without starting it).
 * Returns 0, -errno (the tool cannot be run, a link cannot be made), or
 * -GT_ETOOL (the tool failed; its exit status and output are in the log).
 */
int gt_service_enable(const struct gt_root *root, const char *name, const char *init);

/* gt_service_start - start @name now (host only). Returns as gt_service_enable. */
int gt_service_start(const struct gt_root *root, const char *name, const char *init);

/* gt_service_disable - stop (host) and disable @name. Returns as gt_service_enable. */
int gt_service_disable(const struct gt_root *root, const char *name, const char *init);

#endif
