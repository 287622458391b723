/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "collect.h"
#include "error.h"
#include "net.h"
#include "strv.h"

int kv_add(struct kvlist *l, const char *key, const char *fmt, ...)
{
	char *k = NULL, *val = NULL;
	va_list ap;
	int ret;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct kv *bigger = realloc(l->v, ncap * sizeof(*l->v));

		if (!bigger)
			return -ENOMEM;
		l->v = bigger;
		l->cap = ncap;
	}
	va_start(ap, fmt);
	ret = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	k = strdup(key);
	if (!k) {
		free(val);
		return -ENOMEM;
	}
	l->v[l->n].key = k;
	l->v[l->n].value = val;
	l->n++;
	return 0;
}

const char *kv_get(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

void kv_remove(struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i].key, key) != 0)
			continue;
		free(l->v[i].key);
		free(l->v[i].value);
		memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
		l->n--;
		return;
	}
}

void kv_clear(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_kv(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

void kv_sort(struct kvlist *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), cmp_kv);
}

bool kv_same(const struct kvlist *x, const struct kvlist *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].key, y->v[i].key) != 0 ||
		    strcmp(x->v[i].value, y->v[i].value) != 0)
			return false;
	return true;
}

bool collect_has_balloon(const struct gt_root *root)
{
	return gt_root_exists(root, "/sys/devices/system/xen_memory/xen_memory0") ||
	       gt_root_exists(root, "/proc/xen/balloon");
}

int collect_balloon(const struct gt_root *root, struct kvlist *l)
{
	/* squeezed sets a memory target only for a guest that says it can
	 * balloon (squeeze_xen.ml get_feature_balloon): say so only when true. */
	return collect_has_balloon(root) ? kv_add(l, "control/feature-balloon", "1") : 0;
}

/* The number of kB on the "@name:" line of @text, or -1. */
static long long meminfo_field(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, len) == 0 && p[len] == ':')
			return strtoll(p + len + 1, NULL, 10);
	}
	return -1;
}

int collect_mem(const struct gt_root *root, struct kvlist *l)
{
	long long total, avail;
	char *text = NULL;
	int ret;

	ret = gt_root_read_file(root, "/proc/meminfo", 1 << 20, &text, NULL);
	if (ret < 0)
		return ret;
	total = meminfo_field(text, "MemTotal");
	/* MemAvailable (Linux 3.14+) is what a new program could get; older
	 * kernels only have MemFree. */
	avail = meminfo_field(text, "MemAvailable");
	if (avail < 0)
		avail = meminfo_field(text, "MemFree");
	free(text);
	if (total < 0 || avail < 0)
		return -GT_EPARSE;
	if ((ret = kv_add(l, "data/meminfo_total", "%lld", total)) < 0)
		return ret;
	return kv_add(l, "data/meminfo_free", "%lld", avail);
}

/*
 * The canonical name the hosts file gives @host (the first name of the
 * first line that lists it), as the resolver's "files" source answers
 * gethostbyname() for `hostname --domain`. NULL when none has a dot.
 */
static char *hosts_canonical(const struct gt_root *root, const char *host)
{
	char *text = NULL, *line, *save = NULL, *found = NULL;

	if (gt_root_read_file(root, "/etc/hosts", (size_t)256 * 1024, &text, NULL) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *w, *wsave = NULL, *canon = NULL;

		if (hash)
			*hash = '\0';
		w = strtok_r(line, " \t", &wsave); /* the address */
		for (w = w ? strtok_r(NULL, " \t", &wsave) : NULL; w;
		     w = strtok_r(NULL, " \t", &wsave)) {
			if (!canon)
				canon = w;
			if (strcasecmp(w, host) == 0) {
				if (strchr(canon, '.'))
					found = strdup(canon);
				break;
			}
		}
		if (w)
			break; /* the first line that lists the host decides */
	}
	free(text);
	return found;
}

int collect_host(const struct gt_root *root, struct kvlist *l)
{
	char *name = NULL, *canon = NULL;
	const char *dot;
	int ret = 0;

	if (gt_root_read_line(root, "/proc/sys/kernel/hostname", &name) < 0 || !name[0] ||
	    strcmp(name, "(none)") == 0) {
		free(name);
		return 0;
	}
	dot = strchr(name, '.');
	if (!dot && (canon = hosts_canonical(root, name)))
		dot = strchr(canon, '.');
	ret = kv_add(l, "data/host_name_dns", "%.*s", (int)strcspn(name, "."), name);
	if (ret == 0 && dot && dot[1])
		ret = kv_add(l, "data/domain", "%s", dot + 1);
	free(name);
	free(canon);
	return ret;
}

int collect_service(const char *domain_id, struct kvlist *l)
{
	int ret;

	if ((ret = kv_add(l, "data/service/guest-agent/version", "%s", GT_VERSION)) < 0 ||
	    (ret = kv_add(l, "data/service/guest-agent/state", "running")) < 0)
		return ret;
	if (domain_id && domain_id[0])
		return kv_add(l, "data/service/guest-agent/unique-domain-id", "%s",
		              domain_id);
	return 0;
}

/* Where a NIC's addresses go: a vif, an SR-IOV VF, or neither. */
enum nic_kind { NIC_NONE, NIC_VIF, NIC_SRIOV };

struct nic {
	enum nic_kind kind;
	unsigned int id;
};

/* The vif device id of interface @ifname from sysfs, or -1 when it is not a Xen vif. */
static long sysfs_vif_devid(const struct gt_root *root, const char *ifname)
{
	char path[128], *nodename = NULL, *end;
	long id = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device/nodename", ifname);
	if (gt_root_read_line(root, path, &nodename) < 0)
		return -1;
	if (gt_startswith(nodename, "device/vif/")) {
		const char *num = nodename + strlen("device/vif/");

		errno = 0;
		id = strtol(num, &end, 10);
		if (errno || end == num || *end || id < 0 || id > 0xffffff)
			id = -1;
	}
	free(nodename);
	return id;
}

static struct nic identify(const struct gt_root *root, const struct net_link *lk,
                           const struct vif_override *ov, size_t nov,
                           const struct sriov_vf *vfs, size_t nvfs)
{
	struct nic n = { NIC_NONE, 0 };
	long id;

	for (size_t i = 0; i < nov; i++)
		if (strcmp(ov[i].ifname, lk->name) == 0)
			return (struct nic){ NIC_VIF, ov[i].devid };
	if ((id = sysfs_vif_devid(root, lk->name)) >= 0)
		return (struct nic){ NIC_VIF, (unsigned int)id };
	/* A VF is a PCI NIC with no xenbus node: its MAC is what the toolstack
	 * knows it by (xe-guest-utilities guestmetric_linux.go getSriovVifId). */
	for (size_t i = 0; lk->mac[0] && i < nvfs; i++)
		if (strcasecmp(vfs[i].mac, lk->mac) == 0)
			return (struct nic){ NIC_SRIOV, vfs[i].id };
	return n;
}

/* A bond can be in a bridge, a VLAN on a bond: a few levels at most. */
#define STACK_DEPTH_MAX 8

/*
 * Add to @out (at most @max) the NICs under link @i: itself when it is one,
 * else the ports of a bridge or bond (links whose master it is) and the
 * NIC a VLAN or macvlan is built on, recursively.
 */
// NOLINTNEXTLINE(misc-no-recursion): bounded by STACK_DEPTH_MAX
static void nics_under(const struct net_link *links, const struct nic *ids, size_t n,
                       size_t i, int depth, struct nic *out, size_t *nout, size_t max)
{
	if (ids[i].kind != NIC_NONE) {
		for (size_t k = 0; k < *nout; k++)
			if (out[k].kind == ids[i].kind && out[k].id == ids[i].id)
				return;
		if (*nout < max)
			out[(*nout)++] = ids[i];
		return;
	}
	if (depth >= STACK_DEPTH_MAX)
		return;
	for (size_t j = 0; j < n; j++)
		if (j != i && (links[j].master == links[i].ifindex ||
		               (links[i].lower && links[j].ifindex == links[i].lower)))
			nics_under(links, ids, n, j, depth + 1, out, nout, max);
}

int collect_addrs(const struct gt_root *root, const struct vif_override *ov, size_t nov,
                  const struct sriov_vf *vfs, size_t nvfs, struct kvlist *l)
{
	struct net_addr *a = NULL;
	struct net_link *links = NULL;
	struct nic *ids = NULL, targets[8];
	size_t na = 0, nl = 0;
	/* How many addresses each (NIC, family) got so far, for the <n> index. */
	struct counter {
		struct nic nic;
		int family;
		unsigned int next;
	} *counts = NULL;
	size_t ncounts = 0;
	int ret;

	if ((ret = net_dump_links(&links, &nl)) < 0 ||
	    (ret = net_dump_addrs(&a, &na)) < 0)
		goto out;
	ret = -ENOMEM;
	ids = calloc(nl ? nl : 1, sizeof(*ids));
	counts = calloc(na ? na * 8 : 1, sizeof(*counts));
	if (!ids || !counts)
		goto out;
	for (size_t i = 0; i < nl; i++)
		ids[i] = identify(root, &links[i], ov, nov, vfs, nvfs);
	/* Number the addresses of each NIC and family from 0, in kernel order. */
	for (size_t i = 0; i < na; i++) {
		const char *fam = a[i].family == AF_INET ? "ipv4" : "ipv6";
		size_t nt = 0, li;

		for (li = 0; li < nl && links[li].ifindex != a[i].ifindex; li++)
			;
		if (li == nl)
			continue; /* the interface went away meanwhile */
		nics_under(links, ids, nl, li, 0, targets, &nt,
		           sizeof(targets) / sizeof(targets[0]));
		for (size_t t = 0; t < nt; t++) {
			struct counter *c = NULL;
			char key[96];

			for (size_t k = 0; k < ncounts && !c; k++)
				if (counts[k].nic.kind == targets[t].kind &&
				    counts[k].nic.id == targets[t].id &&
				    counts[k].family == a[i].family)
					c = &counts[k];
			if (!c) {
				c = &counts[ncounts++];
				c->nic = targets[t];
				c->family = a[i].family;
				c->next = 0;
			}
			snprintf(key, sizeof(key), "%s/%u/%s/%u",
			         targets[t].kind == NIC_VIF
			                 ? "attr/vif"
			                 : "xenserver/attr/net-sriov-vf",
			         targets[t].id, fam, c->next++);
			if ((ret = kv_add(l, key, "%s", a[i].text)) < 0)
				goto out;
		}
	}
	ret = 0;
out:
	free(counts);
	free(ids);
	free(links);
	free(a);
	return ret;
}
