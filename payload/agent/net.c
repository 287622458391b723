/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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

/* Append the address carried by @nh (an RTM_NEWADDR) to *@v. */
static int add_addr(struct nlmsghdr *nh, struct net_addr **v, size_t *n, size_t *cap)
{
	struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	int len = (int)IFA_PAYLOAD(nh);
	const void *local = NULL, *address = NULL;
	struct net_addr *a;
	struct rtattr *rta;

	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	if (ifa->ifa_scope == RT_SCOPE_HOST || ifa->ifa_scope == RT_SCOPE_NOWHERE)
		return 0;
	for (rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == IFA_LOCAL)
			local = RTA_DATA(rta);
		else if (rta->rta_type == IFA_ADDRESS)
			address = RTA_DATA(rta);
	}
	/* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours. */
	if (local)
		address = local;
	if (!address)
		return 0;
	/* Every IPv6 interface has a link-local fe80:: address: it tells the
	 * toolstack nothing and is not reachable from outside the link. */
	if (ifa->ifa_family == AF_INET6 && ((const unsigned char *)address)[0] == 0xfe &&
	    (((const unsigned char *)address)[1] & 0xc0) == 0x80)
		return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct net_addr *bigger = realloc(*v, ncap * sizeof(**v));

		if (!bigger)
			return -ENOMEM;
		*v = bigger;
		*cap = ncap;
	}
	a = &(*v)[*n];
	memset(a, 0, sizeof(*a));
	a->ifindex = ifa->ifa_index;
	a->family = ifa->ifa_family;
	if (!inet_ntop(a->family, address, a->text, sizeof(a->text)))
		return -errno;
	/* An interface that vanished meanwhile has no name: skip its address. */
	if (!if_indextoname(a->ifindex, a->ifname))
		return 0;
	(*n)++;
	return 0;
}

int net_dump(struct net_addr **out, size_t *count)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
		        .nlmsg_type = RTM_GETADDR,
		        .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		        .nlmsg_seq = 1 },
		.ifa = { .ifa_family = AF_UNSPEC },
	};
	struct net_addr *v = NULL;
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int fd, ret;
	const size_t bufsize = 32768;

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
			if (nh->nlmsg_type == NLMSG_DONE)
				goto done;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);

				ret = e->error ? e->error : -EPROTO;
				goto out;
			}
			if (nh->nlmsg_type == RTM_NEWADDR &&
			    (ret = add_addr(nh, &v, &n, &cap)) < 0)
				goto out;
		}
	}
done:
	*out = v;
	*count = n;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(buf);
	close(fd);
	return ret;
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
