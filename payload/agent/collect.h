/* SPDX-License-Identifier: MIT */
/*
 * What the agent publishes, gathered as a list of (xenstore key, value)
 * pairs relative to the domain's home path. Collecting is separate from
 * publishing so that one publication is one comparison and one transaction.
 */
#ifndef GT_AGENT_COLLECT_H
#define GT_AGENT_COLLECT_H

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

int kv_add(struct kvlist *l, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* kv_get - the value of @key in @l, or NULL. */
const char *kv_get(const struct kvlist *l, const char *key);
void kv_clear(struct kvlist *l);
/* kv_sort - order by key, so that two lists compare item by item. */
void kv_sort(struct kvlist *l);

/*
 * collect_os - data/os_* from lib/distro (the installer's detection) and
 * the kernel release (@root's proc/sys/kernel/osrelease, else uname(2)).
 * Returns 0 or -errno (a broken release file is reported, not fatal: the
 * keys it would give are left out).
 */
int collect_os(const struct gt_root *root, struct kvlist *l);

/* collect_static - the attr/PVAddons keys and control/feature-balloon. */
int collect_static(const struct gt_root *root, struct kvlist *l);

/* collect_mem - data/meminfo_total and data/meminfo_free (kB) from proc/meminfo. */
int collect_mem(const struct gt_root *root, struct kvlist *l);

/*
 * collect_vifs - attr/vif/<devid>/ipv4/<n> and ipv6/<n> for every address
 * (from netlink) of an interface backed by a Xen vif: its devid comes from
 * @ov, else from sys/class/net/<if>/device/nodename ("device/vif/<devid>")
 * under @root. Interfaces that are not vifs are skipped.
 */
int collect_vifs(const struct gt_root *root, const struct vif_override *ov, size_t nov,
                 struct kvlist *l);

#endif
