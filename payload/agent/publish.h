/* SPDX-License-Identifier: MIT */
/* Connecting to the store, collecting, and one publication in one transaction. */
#ifndef GT_AGENT_PUBLISH_H
#define GT_AGENT_PUBLISH_H

#include "agent.h"

/* publish_find_xenbus - the xenbus device inside the root, or NULL when there is none. */
const char *publish_find_xenbus(const struct gt_root *root);

/*
 * publish_connect - connect to the store unless connected. A new
 * connection starts with an empty cache: everything is published again.
 * Returns 0 or -errno (-ENOENT: no xenbus device).
 */
int publish_connect(struct agent *a);
/* publish_disconnect - close the connection and forget what the store holds. */
void publish_disconnect(struct agent *a);
/* publish_forget - the next publication writes every key again, in one transaction. */
void publish_forget(struct agent *a);
/* publish_where - what a failure to reach the store is about, for messages. */
const char *publish_where(const struct agent *a, int err);

/*
 * publish_collect - every key the agent would publish now, sorted (needs
 * the connection for the SR-IOV VFs the toolstack lists). Returns 0 or
 * -errno; a missing meminfo is logged and left out.
 */
int publish_collect(struct agent *a, struct kvlist *now);

/*
 * publish - check that the domain and our keys are still there (watch.h),
 * collect, and write what changed in one transaction (everything after a
 * forget). Returns 0 or the error that made it fail.
 */
int publish(struct agent *a);

/* publish_stopped - data/service/guest-agent/state = "stopped", on a clean exit (best
 * effort). */
void publish_stopped(struct agent *a);

#endif
