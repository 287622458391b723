/* SPDX-License-Identifier: MIT */
/*
 * The guest's IP addresses, from rtnetlink: a dump of every address now,
 * and a socket that wakes the agent when one is added or removed.
 */
#ifndef GT_AGENT_NET_H
#define GT_AGENT_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

struct net_addr {
	unsigned int ifindex;
	char ifname[IF_NAMESIZE];
	int family;                  /* AF_INET or AF_INET6 */
	char text[INET6_ADDRSTRLEN]; /* "192.0.2.1", "2001:db8::1" */
};

/*
 * net_dump - every address of scope wider than the host (so not 127.0.0.1
 * or ::1) except IPv6 link-local ones, in the kernel's order. *out (free()) holds *n
 * entries. Returns 0 or -errno.
 */
int net_dump(struct net_addr **out, size_t *n);

/*
 * net_monitor_open - a non-blocking netlink socket subscribed to address
 * and link changes. Returns the fd or -errno.
 */
int net_monitor_open(void);

/*
 * net_monitor_drain - read and discard everything queued on @fd.
 * Returns 1 when something changed (or the queue overflowed: the caller
 * must then re-read everything), 0 when nothing was queued, or -errno.
 */
int net_monitor_drain(int fd);

#endif
