/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net.h"

static int nl_socket(unsigned int groups, int flags)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | flags, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/* Room for one more element of @size in *v (holding *n of *cap). */
static int grow(void **v, size_t *n, size_t *cap, size_t size)
{
	void *bigger;
	size_t ncap;

	if (*n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	bigger = realloc(*v, ncap * size);
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = ncap;
	return 0;
}

struct dump {
	void *v;
	size_t n, cap;
};

/* Append the address carried by @nh (an RTM_NEWADDR) when it is one to show. */
static int add_addr(struct nlmsghdr *nh, struct dump *d)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = (int)IFA_PAYLOAD(nh);
	const unsigned char *local = NULL, *address = NULL;
	unsigned int flags = ifa->ifa_flags;
	struct net_addr *a;
	struct rtattr *rta;
	int ret;

	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	if (ifa->ifa_scope == RT_SCOPE_HOST || ifa->ifa_scope == RT_SCOPE_NOWHERE)
		return 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
		else if (rta->rta_type == IFA_FLAGS &&
		         RTA_PAYLOAD(rta) >= sizeof(uint32_t))
			memcpy(&flags, RTA_DATA(rta),
			       sizeof(uint32_t)); /* all 32 flag bits */
	}
	/* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	if (local)
		address = local;
	if (!address)
		return 0;
	if (ifa->ifa_family == AF_INET6) {
		/* Every IPv6 interface has a link-local fe80:: address: it tells the
		 * toolstack nothing and is not reachable from outside the link. */
		if (address[0] == 0xfe && (address[1] & 0xc0) == 0x80)
			return 0;
		/* Not usable yet, never, or no more (net/ipv6/addrconf.c). */
		if (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED))
			return 0;
	}
	if ((ret = grow(&d->v, &d->n, &d->cap, sizeof(*a))) < 0)
		return ret;
	a = (struct net_addr *)d->v + d->n;
	memset(a, 0, sizeof(*a));
	a->ifindex = ifa->ifa_index;
	a->family = ifa->ifa_family;
	if (!inet_ntop(a->family, address, a->text, sizeof(a->text)))
		return -errno;
	d->n++;
	return 0;
}

/* The kinds of link whose IFLA_LINK is the NIC they are built on. */
static bool stacked_kind(const char *kind)
{
	return strcmp(kind, "vlan") == 0 || strcmp(kind, "macvlan") == 0 ||
	       strcmp(kind, "macvtap") == 0 || strcmp(kind, "ipvlan") == 0;
}

/* Append the interface carried by @nh (an RTM_NEWLINK). */
static int add_link(struct nlmsghdr *nh, struct dump *d)
{
	struct ifinfomsg *ifi = NLMSG_DATA(nh);
	int len = (int)IFLA_PAYLOAD(nh);
	unsigned int link = 0;
	char kind[32] = "";
	struct net_link *l;
	struct rtattr *rta;
	int ret;

	if ((ret = grow(&d->v, &d->n, &d->cap, sizeof(*l))) < 0)
		return ret;
	l = (struct net_link *)d->v + d->n;
	memset(l, 0, sizeof(*l));
	l->ifindex = (unsigned int)ifi->ifi_index;
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t plen = RTA_PAYLOAD(rta);

		if (rta->rta_type == IFLA_IFNAME && plen > 0) {
			snprintf(l->name, sizeof(l->name), "%.*s", (int)plen,
			         (const char *)RTA_DATA(rta));
		} else if (rta->rta_type == IFLA_MASTER && plen >= sizeof(uint32_t)) {
			memcpy(&l->master, RTA_DATA(rta), sizeof(uint32_t));
		} else if (rta->rta_type == IFLA_LINK && plen >= sizeof(uint32_t)) {
			memcpy(&link, RTA_DATA(rta), sizeof(uint32_t));
		} else if (rta->rta_type == IFLA_ADDRESS && plen > 0 &&
		           plen * 3 <= sizeof(l->mac)) {
			const unsigned char *b = RTA_DATA(rta);

			for (size_t i = 0, o = 0; i < plen; i++)
				o += (size_t)snprintf(l->mac + o, sizeof(l->mac) - o,
				                      i ? ":%02x" : "%02x", b[i]);
		} else if (rta->rta_type == IFLA_LINKINFO) {
			int ilen = (int)plen;

			for (struct rtattr *in = RTA_DATA(rta); RTA_OK(in, ilen);
			     in = RTA_NEXT(in, ilen))
				if (in->rta_type == IFLA_INFO_KIND && RTA_PAYLOAD(in) > 0)
					snprintf(kind, sizeof(kind), "%.*s",
					         (int)RTA_PAYLOAD(in),
					         (const char *)RTA_DATA(in));
		}
	}
	/* IFLA_LINK also names a veth's peer or a tunnel's underlay: only the
	 * kinds stacked on a NIC of this guest count. */
	if (stacked_kind(kind) && link != l->ifindex)
		l->lower = link;
	d->n++;
	return 0;
}

/* Run one RTM_GET* dump of @type and hand each reply of @want to @add. */
static int dump(int type, int want, int (*add)(struct nlmsghdr *, struct dump *),
                struct dump *d)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg)),
		        .nlmsg_type = (unsigned short)type,
		        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		        .nlmsg_seq = 1 },
		.g = { .rtgen_family = AF_UNSPEC },
	};
	const size_t bufsize = 32768;
	char *buf = NULL;
	int fd, ret;

	fd = nl_socket(0, 0);
	if (fd < 0)
		return fd;
	ret = -ENOMEM;
	buf = malloc(bufsize);
	if (!buf)
		goto out;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = recv(fd, buf, bufsize, 0);
		struct nlmsghdr *nh;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (len == 0) {
			ret = -EPROTO;
			goto out;
		}
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len);
		     nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				goto out;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				ret = e->error ? e->error : -EPROTO;
				goto out;
			}
			if (nh->nlmsg_type == want && (ret = add(nh, d)) < 0)
				goto out;
		}
	}
out:
	free(buf);
	close(fd);
	return ret;
}

int net_dump_addrs(struct net_addr **out, size_t *n)
{
	struct dump d = { NULL, 0, 0 };
	int ret = dump(RTM_GETADDR, RTM_NEWADDR, add_addr, &d);

	if (ret < 0) {
		free(d.v);
		return ret;
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

int net_dump_links(struct net_link **out, size_t *n)
{
	struct dump d = { NULL, 0, 0 };
	int ret = dump(RTM_GETLINK, RTM_NEWLINK, add_link, &d);

	if (ret < 0) {
		free(d.v);
		return ret;
	}
	*out = d.v;
	*n = d.n;
	return 0;
}

int net_monitor_open(void)
{
	return nl_socket(RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_LINK,
	                 SOCK_NONBLOCK);
}

int net_monitor_drain(int fd)
{
	char buf[8192];
	int changed = 0;

	for (;;) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return changed;
			/* Events were lost: the caller re-reads everything anyway. */
			if (errno == ENOBUFS)
				return 1;
			return -errno;
		}
		if (len == 0)
			return changed;
		changed = 1;
	}
}
