/* SPDX-License-Identifier: MIT */
/*
 * Noticing that the toolstack replaced or emptied the domain's tree, and
 * publishing everything again. xenopsd gives every new domain a fresh
 * unique-domain-id and an empty tree (a migration, a resume from a suspend
 * image, a clone: domain.ml make), and a soft reset deletes
 * control/feature-balloon (domain.ml soft_reset). The agent watches
 * unique-domain-id and one key of each subtree it owns (the sentinels
 * below), and also reads them every interval, for kernels whose watches
 * do not survive a resume.
 */
#ifndef GT_AGENT_WATCH_H
#define GT_AGENT_WATCH_H

#include "agent.h"

/*
 * The sentinels: keys of ours that change only when everything is
 * published again, so that a watch on them fires for the toolstack's
 * deletions and not for every publication. xenstored fires a watch when
 * its node or one below it changes, and when a subtree above it is
 * removed (xenstored_core.c delete_node, exact events on each node).
 */
extern const char *const watch_sentinels[];

/*
 * watch_setup - set the watches on a new connection (no-op once set).
 * The store fires each once at once; the loop takes those events like any
 * other. Returns 0 or -errno (a lost connection).
 */
int watch_setup(struct agent *a);

/*
 * watch_verify - read unique-domain-id and the sentinels we published.
 * When the domain changed or a sentinel is gone, log why and forget what
 * the store holds, so that the next publication writes everything in one
 * transaction. Returns 1 when it forgot, 0 when all is in place, or
 * -errno when the store could not be read (a lost connection).
 */
int watch_verify(struct agent *a);

/*
 * watch_drain - take every event the store has sent. Returns 1 when there
 * was one (or some were lost: the caller verifies either way), 0 when
 * none, or -errno when the connection failed.
 */
int watch_drain(struct agent *a);

#endif
