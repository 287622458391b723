/* SPDX-License-Identifier: MIT */
/* The daemon: publish, then wait for a signal, a netlink event, a watch or the interval.
 */
#ifndef GT_AGENT_LOOP_H
#define GT_AGENT_LOOP_H

#include "agent.h"

/*
 * loop_load_os - collect data/os_* into a->os (again on SIGHUP). A broken
 * release file is logged and its keys left out. Returns 0 or -ENOMEM.
 */
int loop_load_os(struct agent *a);

/*
 * loop_run - run until SIGTERM or SIGINT: publish at once, then on every
 * address change (debounced), on every watch that shows the toolstack
 * replaced or emptied our keys, on SIGHUP (everything), and each interval
 * (the poll and the memory figures). Store errors are retried with a
 * backoff and logged once. Returns EXIT_OK, or EXIT_FAIL when it could
 * not start.
 */
int loop_run(struct agent *a);

#endif
