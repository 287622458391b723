/* SPDX-License-Identifier: MIT */
/* Everything `installer detect` learns about a guest, and its two renderings. */
#ifndef GT_DETECT_H
#define GT_DETECT_H

#include <stdio.h>

#include "distro.h"
#include "root.h"
#include "detect/rootfs.h"
#include "detect/virt.h"
#include "detect/warning.h"

struct gt_pv_to_hvm;

struct gt_detect {
	struct gt_distro *distro;
	const char *arch;
	const char *init;
	const char *init_evidence;
	struct gt_virt *virt;
	struct gt_rootfs *rootfs;
	struct gt_warning
	        *warnings; /* "ext-rootfs", "xen-pv", "xen-hvm", "hyperv-legacy-nic"... */
	size_t nwarnings;
	/* The readiness for a switch to HVM (detect/pv_to_hvm.h): set by the
	 * caller on PV guests or when asked, else NULL (and not printed). */
	struct gt_pv_to_hvm *pv_to_hvm;
};

/*
 * gt_detect_run - detect everything about @root. Reads only.
 * On failure *what (static) names the part that failed.
 * Returns 0, -ENOMEM, or the error of an unreadable source.
 */
int gt_detect_run(const struct gt_root *root, struct gt_detect **out, const char **what);
void gt_detect_free(struct gt_detect *d);

/* gt_detect_print_json - the schema-1 JSON object. Returns 0 or -EIO. */
int gt_detect_print_json(const struct gt_detect *d, FILE *fp);
/* gt_detect_print_human - a short report for a person. */
void gt_detect_print_human(const struct gt_detect *d, FILE *fp);

#endif
