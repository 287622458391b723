/* SPDX-License-Identifier: MIT */
/* The post-install check: is the agent installed, enabled, running; is a reboot due? */
#ifndef GT_VERIFY_H
#define GT_VERIFY_H

#include <stdbool.h>
#include <stdio.h>

#include "detect/detect.h"
#include "json.h"

struct gt_verify {
	bool recorded;                    /* the installer's record exists */
	char *run_id;                     /* the run that installed it */
	char *iso_version;                /* the guest-tools version it came from */
	char *payload;                    /* the payload's path on the media */
	char *family, *package, *version; /* what the record says was installed */
	char *installed_version; /* what the package tool says now (NULL: not installed)
	                          */
	bool enabled, running;
	bool running_expected; /* the agent runs only on Xen (it exits elsewhere, by
	                          design) */
	bool reboot_needed;    /* a reboot can switch this Xen HVM guest to PVHVM (see
	                          verify.c reboot_can_switch) */
};

/* gt_verify_run - check @root (with @d from detect). Returns 0 or -ENOMEM. */
int gt_verify_run(const struct gt_root *root, const struct gt_detect *d,
                  struct gt_verify **out);
void gt_verify_free(struct gt_verify *v);

/* gt_verify_ok - installed, enabled, and (on the host) running. */
bool gt_verify_ok(const struct gt_verify *v, const struct gt_root *root);

void gt_verify_json(struct gt_json *j, const struct gt_verify *v);
void gt_verify_human(FILE *fp, const struct gt_verify *v, const struct gt_root *root);

#endif
