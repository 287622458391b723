/* SPDX-License-Identifier: MIT */
/*
 * The guest's network interfaces and IP addresses, from rtnetlink: a dump
 * of every link and address now, and a socket that wakes the agent when
 * one is added, removed or changes (an IPv6 address that finishes its
 * duplicate address detection, a NIC put into a bridge).
 */
#ifndef GT_AGENT_NET_H
#define GT_AGENT_NET_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>

struct net_addr {
	unsigned int ifindex;
	int family;                  /* AF_INET or AF_INET6 */
	char text[INET6_ADDRSTRLEN]; /* "192.0.2.1", "2001:db8::1" */
};

/* The longest link-layer address kept ("aa:bb:cc:dd:ee:ff" and longer ones). */
#define NET_MAC_MAX 64

struct net_link {
	unsigned int ifindex;
	char name[IF_NAMESIZE];
	unsigned int
	        master; /* IFLA_MASTER: the bridge or bond it is a port of; 0 for none */
	unsigned int lower;    /* IFLA_LINK of a VLAN, macvlan or ipvlan; 0 for none */
	char mac[NET_MAC_MAX]; /* lower case, colon separated; "" when it has none */
};

/*
 * net_dump_addrs - every address the toolstack should show, in the
 * kernel's order: scope wider than the host (not 127.0.0.1 or ::1), not
 * IPv6 link-local, and not an IPv6 address that is tentative (duplicate
 * address detection still running), dadfailed (another host has it) or
 * deprecated (its preferred lifetime is over): those would make the
 * console's address list flap or show an address nobody should use.
 * *out (free()) holds *n entries. Returns 0 or -errno.
 */
int net_dump_addrs(struct net_addr **out, size_t *n);

/* net_dump_links - every network interface; *out (free()) holds *n entries. */
int net_dump_links(struct net_link **out, size_t *n);

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
