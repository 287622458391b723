/* SPDX-License-Identifier: MIT */
/*
 * guest-agent --check: read back from the store what xapi reads (the
 * subtrees xenopsd copies for it, xenops_server_xen.ml), compare it with
 * what this guest has now, and say in words each reason Xen Orchestra
 * would show "management agent not detected" or no IP address, or the
 * toolstack would not balloon the VM.
 */
#ifndef GT_AGENT_CHECK_H
#define GT_AGENT_CHECK_H

#include <stdbool.h>

#include "agent.h"

/*
 * check_run - check, print the report (human, or one JSON object with
 * @json), and return the exit code: EXIT_OK when nothing is wrong,
 * EXIT_FAIL when a problem was found or the store cannot be read. With
 * @wait_s > 0 a check that finds problems is repeated every half second
 * for up to that long (an agent that has just started has not published
 * yet); the last one is reported.
 */
int check_run(struct agent *a, bool json, int wait_s);

#endif
