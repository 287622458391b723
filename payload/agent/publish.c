/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "osinfo.h"
#include "publish.h"
#include "say.h"
#include "strv.h"
#include "watch.h"

#define TX_ATTEMPTS 5 /* commits refused with EAGAIN before backing off */
#define VFS_MAX     64

/* Subtrees rewritten whole when any of their keys changed: a removed
 * address must not leave its index behind. */
static const char *const subtrees[] = { "attr/vif", "xenserver/attr/net-sriov-vf",
	                                "data/service/guest-agent" };

/* Every key the agent may publish besides those subtrees: a fresh start
 * removes those it no longer has (a balloon driver gone, a version now
 * unknown, a domain name no longer set). */
static const char *const managed_keys[] = {
	"data/os_distro",          "data/os_name",       "data/os_majorver",
	"data/os_minorver",        "data/os_uname",      "data/meminfo_total",
	"data/meminfo_free",       "data/host_name_dns", "data/domain",
	"control/feature-balloon", "attr/PVAddons",
};

const char *publish_find_xenbus(const struct gt_root *root)
{
	static const char *const devices[] = { "/dev/xen/xenbus", "/proc/xen/xenbus" };

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (gt_root_exists(root, devices[i]))
			return devices[i];
	return NULL;
}

void publish_forget(struct agent *a)
{
	kv_clear(&a->last);
}

int publish_connect(struct agent *a)
{
	char disp[PATH_MAX];
	struct gt_root_at at;
	const char *dev;
	int ret;

	if (a->xs.fd >= 0)
		return 0;
	publish_forget(a);
	a->watching = false;
	if (a->xs_path)
		return gt_xs_open(&a->xs, AT_FDCWD, a->xs_path, a->xs_path);
	dev = publish_find_xenbus(a->root);
	if (!dev)
		return -ENOENT;
	/* Resolved inside the root once; gt_xs_open acts on the held directory. */
	ret = gt_root_at(a->root, dev, GT_AT_FOLLOW, &at);
	if (ret < 0)
		return ret;
	ret = gt_xs_open(&a->xs, at.dirfd, at.name,
	                 gt_root_display(a->root, dev, disp, sizeof(disp)));
	gt_root_at_close(&at);
	return ret;
}

void publish_disconnect(struct agent *a)
{
	gt_xs_close(&a->xs);
	a->watching = false;
	publish_forget(a);
}

const char *publish_where(const struct agent *a, int err)
{
	if (a->xs.where)
		return a->xs.where;
	if (a->xs_path)
		return a->xs_path;
	if (err == -ENOENT)
		return "xenstore: no /dev/xen/xenbus or /proc/xen/xenbus (is xenfs mounted on /proc/xen?)";
	return "xenstore";
}

/*
 * The SR-IOV VFs the toolstack gave the guest: xenserver/device/net-sriov-vf/<id>/mac
 * (xenopsd writes them; xe-guest-utilities getSriovVifId reads them the same way).
 * None is the normal case (-ENOENT); only a lost connection is an error.
 */
static int read_vfs(struct agent *a, struct sriov_vf *vfs, size_t *n)
{
	char **ids = NULL;
	int ret;

	*n = 0;
	ret = gt_xs_directory(&a->xs, "xenserver/device/net-sriov-vf", &ids);
	if (ret < 0)
		return gt_xs_conn_lost(ret) ? ret : 0;
	for (size_t i = 0; ids[i] && *n < VFS_MAX; i++) {
		char path[128], *mac = NULL, *end;
		unsigned long id;

		errno = 0;
		id = strtoul(ids[i], &end, 10);
		if (errno || end == ids[i] || *end || id > 0xffffff)
			continue; /* xapi would refuse the index too */
		snprintf(path, sizeof(path), "xenserver/device/net-sriov-vf/%s/mac",
		         ids[i]);
		ret = gt_xs_read(&a->xs, path, &mac);
		if (ret < 0) {
			if (gt_xs_conn_lost(ret))
				goto out;
			continue;
		}
		vfs[*n].id = (unsigned int)id;
		snprintf(vfs[*n].mac, sizeof(vfs[*n].mac), "%s", mac);
		for (char *p = vfs[*n].mac; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		free(mac);
		(*n)++;
	}
	ret = 0;
out:
	gt_strv_free(ids);
	return ret;
}

int publish_collect(struct agent *a, struct kvlist *now)
{
	struct sriov_vf vfs[VFS_MAX];
	size_t nvfs = 0;
	int ret;

	for (size_t i = 0; i < a->os.n; i++)
		if ((ret = kv_add(now, a->os.v[i].key, "%s", a->os.v[i].value)) < 0)
			return ret;
	if ((ret = osinfo_pvaddons(now)) < 0 ||
	    (!a->balloon_denied && (ret = collect_balloon(a->root, now)) < 0) ||
	    (ret = collect_host(a->root, now)) < 0 ||
	    (ret = collect_service(a->domain_id, now)) < 0)
		return ret;
	ret = collect_mem(a->root, now);
	if (ret < 0 && ret != -ENOENT && ret != -GT_EPARSE)
		return ret;
	if (ret < 0)
		say(LOG_WARNING, "proc/meminfo: %s: memory not published",
		    gt_strerror(ret));
	if (a->xs.fd >= 0 && (ret = read_vfs(a, vfs, &nvfs)) < 0)
		return ret;
	if ((ret = collect_addrs(a->root, a->ov, a->nov, vfs, nvfs, now)) < 0) {
		say(LOG_WARNING, "netlink: %s: addresses not published",
		    gt_strerror(ret));
		return ret;
	}
	kv_sort(now);
	return 0;
}

static const char *subtree_of(const char *key)
{
	for (size_t i = 0; i < sizeof(subtrees) / sizeof(subtrees[0]); i++) {
		size_t len = strlen(subtrees[i]);

		if (strncmp(key, subtrees[i], len) == 0 && key[len] == '/')
			return subtrees[i];
	}
	return NULL;
}

/* True when the keys of subtree @st differ between the two sorted lists. */
static bool subtree_differs(const char *st, const struct kvlist *x,
                            const struct kvlist *y)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < x->n && subtree_of(x->v[i].key) != st)
			i++;
		while (j < y->n && subtree_of(y->v[j].key) != st)
			j++;
		if (i == x->n || j == y->n)
			return i != x->n || j != y->n;
		if (strcmp(x->v[i].key, y->v[j].key) != 0 ||
		    strcmp(x->v[i].value, y->v[j].value) != 0)
			return true;
		i++, j++;
	}
}

/*
 * Write one key. control/feature-balloon is the toolstack's own node
 * under libxl, which keeps it read-only (xen-guest-agent
 * src/publisher/xenstore/std.rs says so): EACCES there means "not ours to
 * say", and the rest of the publication goes on without it.
 */
static int write_key(struct agent *a, const struct kv *k, bool *denied)
{
	int ret = gt_xs_write(&a->xs, k->key, k->value);

	if (ret == -EACCES && strcmp(k->key, "control/feature-balloon") == 0) {
		say(LOG_WARNING,
		    "control/feature-balloon: the toolstack keeps it read-only: not published (memory ballooning is the toolstack's to enable)");
		a->balloon_denied = *denied = true;
		return 0;
	}
	if (ret == 0)
		say(LOG_DEBUG, "write %s = %s", k->key, k->value);
	return ret;
}

/*
 * One publication in one transaction: readers (xapi) see either the old or
 * the new state, never a half-removed address list. A subtree is rewritten
 * whole when it changed, which also removes stale addresses and the
 * leftovers of an earlier run; other keys are written when they differ.
 */
static int publish_tx(struct agent *a, const struct kvlist *now, bool *denied)
{
	bool fresh = a->last.n == 0, rewrite[sizeof(subtrees) / sizeof(subtrees[0])];
	char stamp[32];
	int ret;

	ret = gt_xs_transaction_start(&a->xs);
	if (ret < 0)
		return ret;
	for (size_t s = 0; s < sizeof(subtrees) / sizeof(subtrees[0]); s++) {
		rewrite[s] = fresh || subtree_differs(subtrees[s], now, &a->last);
		/* EACCES: the toolstack gave us no such subtree (libxl has no
		 * xenserver/): there is nothing of ours to remove either. */
		if (rewrite[s] && (ret = gt_xs_rm(&a->xs, subtrees[s])) < 0 &&
		    ret != -EACCES)
			goto abort;
	}
	for (size_t i = 0; i < now->n; i++) {
		const char *st = subtree_of(now->v[i].key), *old;
		size_t s = 0;

		if (st) {
			while (subtrees[s] != st)
				s++;
			if (!rewrite[s])
				continue;
		} else if ((old = kv_get(&a->last, now->v[i].key)) &&
		           strcmp(old, now->v[i].value) == 0) {
			continue;
		}
		if ((ret = write_key(a, &now->v[i], denied)) < 0)
			goto abort;
	}
	/* After a (re)start or a new domain we do not know what is left behind. */
	for (size_t i = 0; fresh && i < sizeof(managed_keys) / sizeof(managed_keys[0]);
	     i++) {
		bool have = false;

		for (size_t j = 0; j < now->n && !have; j++)
			have = gt_startswith(now->v[j].key, managed_keys[i]);
		if (!have && (ret = gt_xs_rm(&a->xs, managed_keys[i])) < 0 &&
		    ret != -EACCES)
			goto abort;
	}
	/* Keys we wrote before that no longer apply (a version now unknown). */
	for (size_t i = 0; i < a->last.n; i++) {
		if (subtree_of(a->last.v[i].key) || kv_get(now, a->last.v[i].key))
			continue;
		if ((ret = gt_xs_rm(&a->xs, a->last.v[i].key)) < 0)
			goto abort;
	}
	/* squeezed takes data/updated for "the guest agent runs" (squeeze_xen.ml
	 * get_guest_agent); older xapi re-read the guest's keys when it changed. */
	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	if ((ret = gt_xs_write(&a->xs, "data/updated", stamp)) < 0)
		goto abort;
	return gt_xs_transaction_end(&a->xs, 1);
abort:
	if (!gt_xs_conn_lost(ret))
		gt_xs_transaction_end(&a->xs, 0);
	return ret;
}

int publish(struct agent *a)
{
	struct kvlist now = { 0 };
	bool fresh, denied = false;
	int ret, attempt;

	ret = publish_connect(a);
	if (ret < 0)
		goto out;
	/* The poll of every interval, for kernels whose watches do not survive
	 * a resume; on a watch event the loop runs it at once. */
	ret = watch_setup(a);
	if (ret == 0)
		ret = watch_verify(a);
	if (ret == 0 || ret == 1)
		ret = watch_setup(a); /* again when the domain changed */
	if (ret < 0)
		goto lost;
	ret = publish_collect(a, &now);
	if (ret < 0)
		goto lost;
	if (a->last.n && kv_same(&now, &a->last)) {
		ret = 0;
		goto out;
	}
	fresh = a->last.n == 0;
	for (attempt = 1;; attempt++) {
		ret = publish_tx(a, &now, &denied);
		/* EAGAIN: another writer committed first; redo ours at once. */
		if (ret != -EAGAIN || attempt == TX_ATTEMPTS)
			break;
	}
	if (ret < 0)
		goto lost;
	if (denied)
		kv_remove(&now, "control/feature-balloon");
	kv_clear(&a->last);
	a->last = now;
	memset(&now, 0, sizeof(now));
	if (!a->published || a->last_err)
		say(LOG_NOTICE, "published to %s", a->xs.where);
	else if (fresh)
		say(LOG_INFO, "published every key again");
	a->published = true;
	ret = 0;
	goto out;
lost:
	if (gt_xs_conn_lost(ret))
		publish_disconnect(a);
out:
	kv_clear(&now);
	return ret;
}

void publish_stopped(struct agent *a)
{
	if (a->xs.fd < 0 || !a->published)
		return;
	if (gt_xs_write(&a->xs, "data/service/guest-agent/state", "stopped") < 0)
		say(LOG_INFO, "%s: data/service/guest-agent/state not set to stopped",
		    a->xs.where);
}
