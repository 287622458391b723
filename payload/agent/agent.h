/* SPDX-License-Identifier: MIT */
/*
 * The agent's state, shared by its units: publish.c (one publication in
 * one transaction), watch.c (noticing that the toolstack replaced or
 * emptied the domain's tree), loop.c (the daemon), check.c (--check).
 */
#ifndef GT_AGENT_AGENT_H
#define GT_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "collect.h"
#include "root.h"
#include "xs.h"

/* Exit codes (documented in guest-agent(8)). */
enum {
	EXIT_OK = 0, /* published, stopped on a signal, not a Xen guest; --check: all good
	              */
	EXIT_FAIL = 1,  /* --once could not publish; a start-up error; --check found a
	                   problem */
	EXIT_USAGE = 2, /* bad command line */
};

/*
 * The key xenopsd rewrites with a fresh UUID for every new domain: after a
 * migration, a resume from a suspend image, a revert to a checkpoint, a
 * clone's first boot (xenopsd domain.ml make, CA-30811: "let the linux
 * guest agent easily determine if this is a fresh domain").
 */
#define KEY_DOMAIN_ID "unique-domain-id"

struct agent {
	struct gt_root *root;
	const char *xs_path; /* --xenstore or XENSTORED_PATH; NULL: the xenbus device */
	struct vif_override *ov;
	size_t nov;
	int interval; /* seconds between two polls and publications */
	struct gt_xs_conn xs;
	struct kvlist os; /* data/os_*, collected once (again on SIGHUP) */
	/* What the store holds from us, sorted; empty: the next publication
	 * writes everything (a start, a reconnection, a new domain). */
	struct kvlist last;
	char *domain_id; /* unique-domain-id at the last look; "" when the toolstack sets
	                    none */
	bool watching;   /* the watches are set on this connection */
	bool balloon_denied; /* the toolstack keeps control/feature-balloon read-only
	                        (libxl) */
	bool published;      /* at least one publication succeeded */
	int last_err;        /* the error last logged, so a retry loop logs it once */
};

#endif
