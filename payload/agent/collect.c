/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include "collect.h"
#include "distro.h"
#include "error.h"
#include "net.h"
#include "strv.h"

#ifndef GT_BUILD_NUMBER
#define GT_BUILD_NUMBER "0"
#endif

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

int collect_os(const struct gt_root *root, struct kvlist *l)
{
	struct gt_distro *d = NULL;
	char *release = NULL;
	int ret, distro_err;

	ret = distro_err = gt_distro_detect(root, &d);
	if (ret == 0) {
		const char *name = d->pretty_name[0] ? d->pretty_name : d->name;

		if (d->id[0] && (ret = kv_add(l, "data/os_distro", "%s", d->id)) < 0)
			goto out;
		if (name[0] && (ret = kv_add(l, "data/os_name", "%s", name)) < 0)
			goto out;
		if (d->major >= 0 &&
		    (ret = kv_add(l, "data/os_majorver", "%d", d->major)) < 0)
			goto out;
		if (d->minor >= 0 &&
		    (ret = kv_add(l, "data/os_minorver", "%d", d->minor)) < 0)
			goto out;
	} else if (ret == -ENOMEM) {
		goto out;
	}
	/* The release of the kernel that runs: under --root, the fixture's. */
	if (gt_root_read_line(root, "/proc/sys/kernel/osrelease", &release) < 0 ||
	    !release[0]) {
		struct utsname u;

		free(release);
		release = NULL;
		if (uname(&u) == 0 && !(release = strdup(u.release))) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (release && (ret = kv_add(l, "data/os_uname", "%s", release)) < 0)
		goto out;
	/* A release file that exists but cannot be read: the kernel key is
	 * still published, and the caller learns why the others are missing. */
	ret = distro_err;
out:
	free(release);
	gt_distro_free(d);
	return ret;
}

/* "1.2.3" into v[0..2]; parts that are missing stay 0. */
static void version_parts(const char *s, unsigned int v[3])
{
	size_t i;

	for (i = 0; i < 3; i++) {
		char *end;
		unsigned long n = strtoul(s, &end, 10);

		if (end == s)
			break;
		v[i] = (unsigned int)n;
		if (*end != '.')
			break;
		s = end + 1;
	}
}

int collect_static(const struct gt_root *root, struct kvlist *l)
{
	unsigned int v[3] = { 0, 0, 0 };
	int ret;

	version_parts(GT_VERSION, v);
	if ((ret = kv_add(l, "attr/PVAddons/Installed", "1")) < 0 ||
	    (ret = kv_add(l, "attr/PVAddons/MajorVersion", "%u", v[0])) < 0 ||
	    (ret = kv_add(l, "attr/PVAddons/MinorVersion", "%u", v[1])) < 0 ||
	    (ret = kv_add(l, "attr/PVAddons/MicroVersion", "%u", v[2])) < 0 ||
	    (ret = kv_add(l, "attr/PVAddons/BuildVersion", "%s", GT_BUILD_NUMBER)) < 0)
		return ret;
	/* The toolstack may only balloon a guest whose kernel has the driver
	 * (xen_memory in sysfs, /proc/xen/balloon on old xenlinux kernels). */
	if (gt_root_exists(root, "/sys/devices/system/xen_memory/xen_memory0") ||
	    gt_root_exists(root, "/proc/xen/balloon"))
		return kv_add(l, "control/feature-balloon", "1");
	return 0;
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

/* The vif device id of interface @ifname, or -1 when it is not a Xen vif. */
static long vif_devid(const struct gt_root *root, const char *ifname,
                      const struct vif_override *ov, size_t nov)
{
	char path[128], *nodename = NULL, *end;
	long id = -1;

	for (size_t i = 0; i < nov; i++)
		if (strcmp(ov[i].ifname, ifname) == 0)
			return (long)ov[i].devid;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/nodename", ifname);
	if (gt_root_read_line(root, path, &nodename) < 0)
		return -1;
	if (gt_startswith(nodename, "device/vif/")) {
		const char *num = nodename + strlen("device/vif/");

		errno = 0;
		id = strtol(num, &end, 10);
		if (errno || end == num || *end || id < 0)
			id = -1;
	}
	free(nodename);
	return id;
}

int collect_vifs(const struct gt_root *root, const struct vif_override *ov, size_t nov,
                 struct kvlist *l)
{
	struct net_addr *a = NULL;
	size_t n = 0;
	long *ids = NULL;
	int ret;

	ret = net_dump(&a, &n);
	if (ret < 0)
		return ret;
	ret = -ENOMEM;
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		goto out;
	for (size_t i = 0; i < n; i++)
		ids[i] = vif_devid(root, a[i].ifname, ov, nov);
	/* Number the addresses of each vif and family from 0, in kernel order. */
	for (size_t i = 0; i < n; i++) {
		const char *fam = a[i].family == AF_INET ? "ipv4" : "ipv6";
		char key[96];
		unsigned int idx = 0;

		if (ids[i] < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i] && a[j].family == a[i].family)
				idx++;
		snprintf(key, sizeof(key), "attr/vif/%ld/%s/%u", ids[i], fam, idx);
		if ((ret = kv_add(l, key, "%s", a[i].text)) < 0)
			goto out;
	}
	ret = 0;
out:
	free(ids);
	free(a);
	return ret;
}
