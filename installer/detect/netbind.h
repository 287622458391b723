/* SPDX-License-Identifier: MIT */
/*
 * Network configuration bound to a NIC by its name or its MAC, in the
 * formats of ifcfg, NetworkManager keyfiles, systemd-networkd, ifupdown,
 * netplan and udev's persistent-net rules, read under a root.
 */
#ifndef GT_NETBIND_H
#define GT_NETBIND_H

#include <stddef.h>

#include "root.h"

struct gt_netbind_nic {
	const char *name; /* "eth0", "enX0" */
	const char *mac;  /* lower case, or NULL when not known */
};

/*
 * Called for the first line of a file that binds @nic: @how is "name" or
 * "MAC". A negative return stops the scan and is returned.
 */
typedef int (*gt_netbind_fn)(void *arg, const char *path, size_t line,
                             const struct gt_netbind_nic *nic, const char *how);

/*
 * gt_netbind_scan - call @found for each configuration file of @root that
 * binds one of the @n NICs. Unreadable files are skipped. Returns 0 or what
 * @found returned.
 */
int gt_netbind_scan(const struct gt_root *root, const struct gt_netbind_nic *nics,
                    size_t n, gt_netbind_fn found, void *arg);

#endif
