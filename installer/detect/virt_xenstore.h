/* SPDX-License-Identifier: MIT */
/*
 * The xenstore values the verdict reads about the xenbus frontends: each
 * vbd's device-type, each frontend's state and backend, and the backend's
 * state. On the running system of a Xen guest they come from xenstore itself
 * (lib/xs.h over /dev/xen/xenbus or /proc/xen/xenbus); under --root from
 * files DIR/.guest-tools/xenstore/<path> (the layout `installer collect`
 * writes: "device/vbd/5632/device-type", "local/domain/0/backend/...").
 */
#ifndef GT_VIRT_XENSTORE_H
#define GT_VIRT_XENSTORE_H

#include <stdbool.h>

#include "root.h"

/* Where bundles keep xenstore values, under the root. */
#define GT_XENSTORE_DIR ".guest-tools/xenstore"

struct gt_xenstore;

/*
 * gt_xenstore_open - a reader for @root: the bundle's files, or on the host
 * the live store (connected at the first read; a store that cannot be
 * reached or answers nothing within two seconds reads as absent).
 * Returns 0 or -ENOMEM.
 */
int gt_xenstore_open(const struct gt_root *root, struct gt_xenstore **out);
void gt_xenstore_close(struct gt_xenstore *xs);

/*
 * gt_xenstore_read - the value at @path ("device/vbd/5632/state", or an
 * absolute "/local/domain/0/backend/..."). Paths with anything but
 * [A-Za-z0-9_.-] components are refused (-EINVAL): a backend path comes
 * from the store and is not trusted. Returns 0 (*out owned by the caller),
 * -ENOENT, -EINVAL, -ENOMEM, or the store's error.
 */
int gt_xenstore_read(struct gt_xenstore *xs, const char *path, char **out);

/*
 * gt_xenstore_frontend_paths - the paths the verdict reads for the frontend
 * at xenstore node @nodename ("device/vbd/5632"), in order: device-type
 * (vbd only), state, backend. The backend's state is "<backend>/state".
 * Fills @out (3 entries, the unused ones NULL), newly allocated.
 * Returns 0, -EINVAL (a node name that is not device/<type>/<id>), -ENOMEM.
 */
int gt_xenstore_frontend_paths(const char *nodename, char *out[3]);

/*
 * gt_xenstore_nodename - the xenstore node of xenbus device @busid ("vbd-5632"):
 * its sysfs nodename attribute (drivers/xen/xenbus/xenbus_probe.c
 * nodename_show), else "device/vbd/5632" as xenbus_probe_frontend.c names
 * it. Returns 0 (*out owned by the caller), -EINVAL, -ENOMEM.
 */
int gt_xenstore_nodename(const struct gt_root *root, const char *busid, char **out);

/* gt_xenstore_path_ok - @path is a xenstore path we read (see gt_xenstore_read). */
bool gt_xenstore_path_ok(const char *path);

/*
 * gt_xenstore_snapshot - every (path, value) the verdict reads for the
 * xenbus frontends of @root (listed in /sys/bus/xen/devices), as a
 * NULL-terminated vector path, value, path, value... (gt_strv_free()).
 * What cannot be read is left out. Returns 0 or -ENOMEM.
 */
int gt_xenstore_snapshot(const struct gt_root *root, char ***out);

#endif
