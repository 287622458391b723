/* SPDX-License-Identifier: MIT */
/*
 * The guest's distribution and the agent's own version as the toolstack
 * reads them: data/os_* in the names and formats of xe-guest-utilities'
 * xe-linux-distribution (the values xapi's os_version map and Xen
 * Orchestra's icons were written for), and the attr/PVAddons keys as four
 * integers (xapi_pv_driver_version.ml parses them with int_of_string).
 */
#ifndef GT_AGENT_OSINFO_H
#define GT_AGENT_OSINFO_H

#include "collect.h"
#include "distro.h"
#include "root.h"

/* A version part as written ("04"); "" when the release file gives none. */
#define OSINFO_PART_MAX 16

/*
 * osinfo_distro_name - data/os_distro for @d: xe-linux-distribution's name
 * where it has its own ("oracle" for os-release's "ol", "sles" for SUSE
 * Linux Enterprise Desktop too, "scientific" for Scientific Linux), else
 * the os-release ID. Returns a string that lives as long as @d, or "".
 */
const char *osinfo_distro_name(const struct gt_distro *d);

/*
 * osinfo_split_version - the major and minor parts of @version as written:
 * "24.04" gives "24" and "04", "7.9.2009" "7" and "9", "11-SP4" "11" and
 * "4", "9" "9" and "". A version that does not start with a digit gives
 * "" for both.
 */
void osinfo_split_version(const char *version, char major[OSINFO_PART_MAX],
                          char minor[OSINFO_PART_MAX]);

/*
 * osinfo_collect - data/os_distro, os_name, os_majorver, os_minorver (the
 * parts the release files give; an unknown one is left out) and os_uname
 * (@root's proc/sys/kernel/osrelease, else uname(2)). Returns 0, -ENOMEM,
 * or the error that kept the release file from being read (the keys it
 * would give are then missing; os_uname is still added).
 */
int osinfo_collect(const struct gt_root *root, struct kvlist *l);

/*
 * osinfo_pvaddons - attr/PVAddons/Installed and the four *Version keys,
 * from the numbers the build set (payload/build.mk: GT_PVADDONS_*).
 */
int osinfo_pvaddons(struct kvlist *l);

#endif
