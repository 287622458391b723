/* SPDX-License-Identifier: MIT */
/*
 * What the agent publishes, gathered as a list of (xenstore key, value)
 * pairs relative to the domain's home path. Collecting is separate from
 * publishing so that one publication is one comparison and one transaction.
 * The distribution and the agent's version are osinfo.h's.
 */
#ifndef GT_AGENT_COLLECT_H
#define GT_AGENT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>

#include "root.h"

struct kv {
	char *key;
	char *value;
};

struct kvlist {
	struct kv *v;
	size_t n, cap;
};

/* A NIC named by the user: --vif IFNAME=DEVID overrides sysfs. */
struct vif_override {
	const char *ifname;
	unsigned int devid;
};

/* An SR-IOV virtual function the toolstack gave the guest, from
 * xenserver/device/net-sriov-vf/<id>/mac. */
struct sriov_vf {
	unsigned int id;
	char mac[64]; /* lower case */
};

int kv_add(struct kvlist *l, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* kv_get - the value of @key in @l, or NULL. */
const char *kv_get(const struct kvlist *l, const char *key);
/* kv_remove - drop @key from @l (its order is kept); no-op when absent. */
void kv_remove(struct kvlist *l, const char *key);
void kv_clear(struct kvlist *l);
/* kv_sort - order by key, so that two lists compare item by item. */
void kv_sort(struct kvlist *l);
/* kv_same - the two sorted lists hold the same keys and values. */
bool kv_same(const struct kvlist *x, const struct kvlist *y);

/* The toolstack's balloon driver node: the kernel's xen_memory device, or
 * /proc/xen/balloon on old xenlinux kernels. */
bool collect_has_balloon(const struct gt_root *root);

/* collect_balloon - control/feature-balloon = 1 when the kernel has the balloon driver.
 */
int collect_balloon(const struct gt_root *root, struct kvlist *l);

/* collect_mem - data/meminfo_total and data/meminfo_free (kB) from proc/meminfo. */
int collect_mem(const struct gt_root *root, struct kvlist *l);

/*
 * collect_host - data/host_name_dns (the host name's first label) and
 * data/domain (the rest of it, or the DNS domain the hosts file gives the
 * host name, as `hostname --domain` finds it without asking DNS). xapi
 * joins them into the guest's host name (xapi_guest_agent.ml,
 * netbios_name). Under @root the host name is proc/sys/kernel/hostname.
 */
int collect_host(const struct gt_root *root, struct kvlist *l);

/*
 * collect_service - data/service/guest-agent/version, state ("running"),
 * and unique-domain-id (@domain_id, the domain this publication is for;
 * left out when NULL or ""). xapi copies data/service/<name>/<key> into
 * VM_guest_metrics.services (get_guest_services).
 */
int collect_service(const char *domain_id, struct kvlist *l);

/*
 * collect_addrs - attr/vif/<devid>/ipv4/<n> and ipv6/<n> for every
 * address (net.h says which) of a Xen vif, and
 * xenserver/attr/net-sriov-vf/<id>/ipv4|ipv6/<n> for an SR-IOV virtual
 * function in @vfs (matched by MAC, as xe-guest-utilities does). A vif's
 * devid comes from @ov, else sys/class/net/<if>/device/nodename
 * ("device/vif/<devid>") under @root. An address on a bridge, bond, VLAN
 * or macvlan built over such NICs is published for each of them.
 */
int collect_addrs(const struct gt_root *root, const struct vif_override *ov, size_t nov,
                  const struct sriov_vf *vfs, size_t nvfs, struct kvlist *l);

#endif
