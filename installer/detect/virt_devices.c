/* SPDX-License-Identifier: MIT */
/*
 * The device probe: the xenbus frontends (with their xenstore values), the
 * NICs and which of them carry the network, and the leaf disks under the
 * root filesystem; for each, the bus and the driver of the device or of the
 * controller behind it, read from sysfs as the kernel lays it out.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "detect/virt_probe.h"
#include "detect/virt_xenstore.h"

#define MAX_DEPTH  8  /* device-mapper/md stacks, and bridge/bond/VLAN stacks */
#define MAX_LEAVES 64 /* disks under one root */

static struct gt_virt_dev_facts *find_dev(struct gt_virt_facts *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->ndevs; i++)
		if (strcmp(f->devs[i].name, name) == 0)
			return &f->devs[i];
	return NULL;
}

static struct gt_virt_dev_facts *add_dev(struct gt_vprobe *p, const char *name,
                                         const char *kind)
{
	struct gt_virt_facts *f = p->f;
	struct gt_virt_dev_facts *d = realloc(f->devs, (f->ndevs + 1) * sizeof(*d));

	if (!d) {
		p->err = -ENOMEM;
		return NULL;
	}
	f->devs = d;
	d += f->ndevs;
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->xen_state = d->backend_state = -1;
	d->name = gt_vprobe_strdup(p, name);
	if (!d->name)
		return NULL;
	f->ndevs++;
	return d;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* "0000:00:04.0": a PCI function's sysfs name (drivers/pci/probe.c pci_setup_device). */
static bool pci_name(const char *s)
{
	static const char pattern[] = "hhhh:hh:hh.h";
	size_t i;

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (i = 0; pattern[i]; i++)
		if (pattern[i] == 'h' ? !strchr("0123456789abcdef", s[i]) || !s[i]
		                      : s[i] != pattern[i])
			return false;
	return true;
}

static bool numbered(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 && s[n] &&
	       strspn(s + n, "0123456789") == strlen(s + n);
}

static unsigned hex_attr(struct gt_vprobe *p, const char *dir, const char *attr)
{
	char path[600], *line;
	unsigned v = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, attr);
	line = gt_vprobe_line(p, path);
	if (line)
		v = (unsigned)strtoul(line, NULL, 16); /* pci-sysfs.c: "0x%04x" */
	free(line);
	return v;
}

/* Drivers of the SCSI/block class devices themselves: the controller is further up. */
static bool class_driver(const char *drv)
{
	return strcmp(drv, "sd") == 0 || strcmp(drv, "sr") == 0 ||
	       strcmp(drv, "st") == 0 || strcmp(drv, "ses") == 0;
}

/*
 * The bus and driver of the device at sysfs path @devdir (a link into
 * /sys/devices), or of the controller above it: up from the device, the
 * first xenbus frontend (vbd-N, vif-N), virtio device (virtioN: the
 * virtio_blk/net/scsi driver), VMBus device (a child of VMBUS:nn, or
 * vmbus_N), PCI function, or any other device with a driver that is not a
 * SCSI class driver (sd, sr). An ATA disk 0:0:0:0 under
 * 0000:00:01.1/ata1/host0/target0:0:0 gets the PCI function's ata_piix.
 */
static void identify(struct gt_vprobe *p, const char *devdir, struct gt_virt_dev_facts *d)
{
	char *rel = NULL, *cut;
	int depth;

	if (!gt_root_exists(p->root, devdir) ||
	    gt_root_resolve(p->root, devdir, true, &rel) < 0)
		return;
	d->bus = GT_BUS_OTHER;
	for (depth = 0; depth < 16 && strcmp(rel, "sys/devices") != 0 && strchr(rel, '/');
	     depth++) {
		const char *base = base_of(rel);
		char full[600], *drv;

		snprintf(full, sizeof(full), "/%s", rel);
		cut = strrchr(rel, '/');
		*cut = '\0';
		if (numbered(base, "vbd-") || numbered(base, "vif-")) {
			d->bus = GT_BUS_XEN;
		} else if (numbered(base, "virtio")) {
			d->bus = GT_BUS_VIRTIO;
		} else if (gt_startswith(base, "vmbus_") ||
		           gt_startswith(base_of(rel), "VMBUS:")) {
			d->bus = GT_BUS_VMBUS;
		} else if (pci_name(base)) {
			d->bus = GT_BUS_PCI;
			d->vendor = hex_attr(p, full, "vendor");
			d->device = hex_attr(p, full, "device");
		}
		drv = gt_vprobe_driver(p, full);
		if (d->bus != GT_BUS_OTHER) {
			d->driver = drv;
			break;
		}
		if (drv && !class_driver(drv)) {
			d->driver = drv;
			break;
		}
		free(drv);
	}
	free(rel);
}

/* ---- xenbus frontends ---- */

static int state_of(const char *v)
{
	char *end;
	long n = v ? strtol(v, &end, 10) : -1;

	return v && end != v && *end == '\0' && n >= 0 && n < 100 ? (int)n : -1;
}

/* The xenstore values of one frontend (drivers/xen/xenbus/xenbus_probe_frontend.c). */
static void frontend_values(struct gt_vprobe *p, struct gt_xenstore *xs,
                            const char *nodename, struct gt_virt_dev_facts *d)
{
	char *paths[3], *value = NULL, *bpath = NULL;
	int ret = gt_xenstore_frontend_paths(nodename, paths);
	size_t i;

	if (ret < 0) {
		if (ret == -ENOMEM)
			p->err = ret;
		return;
	}
	if (paths[0] && gt_xenstore_read(xs, paths[0], &value) == 0)
		d->xen_devtype = value;
	value = NULL;
	if (gt_xenstore_read(xs, paths[1], &value) == 0)
		d->xen_state = state_of(value);
	free(value);
	value = NULL;
	if (gt_xenstore_read(xs, paths[2], &value) == 0 &&
	    asprintf(&bpath, "%s/state", value) >= 0) {
		char *bstate = NULL;

		if (gt_xenstore_read(xs, bpath, &bstate) == 0)
			d->backend_state = state_of(bstate);
		free(bstate);
		free(bpath);
	}
	free(value);
	for (i = 0; i < 3; i++)
		free(paths[i]);
}

/*
 * /sys/bus/xen/devices/vbd-N and vif-N, bound or not: xenbus_probe_node()
 * registers every frontend xenstore lists under device/, whether a driver
 * takes it or not; a disk or NIC a driver made hangs below it (block/xvda,
 * net/eth0) and names the device.
 */
static void xenbus_frontends(struct gt_vprobe *p)
{
	struct gt_xenstore *xs = NULL;
	char **names = NULL;
	size_t i, n = 0;

	if (gt_root_list_dir(p->root, "/sys/bus/xen/devices", &names, &n) < 0)
		return;
	if (gt_xenstore_open(p->root, &xs) < 0) {
		p->err = -ENOMEM;
		gt_strv_free(names);
		return;
	}
	for (i = 0; i < n && !p->err; i++) {
		bool disk = gt_startswith(names[i], "vbd-"),
		     nic = gt_startswith(names[i], "vif-");
		char dir[300], sub[320], **kids = NULL, *nodename = NULL;
		struct gt_virt_dev_facts *d;

		if (!disk && !nic)
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/xen/devices/%s", names[i]);
		snprintf(sub, sizeof(sub), "%s/%s", dir, disk ? "block" : "net");
		if (gt_root_list_dir(p->root, sub, &kids, NULL) == 0 && kids[0])
			d = add_dev(p, kids[0], disk ? "disk" : "nic");
		else
			d = add_dev(p, names[i], disk ? "disk" : "nic");
		gt_strv_free(kids);
		if (!d)
			break;
		d->bus = GT_BUS_XEN;
		d->driver = gt_vprobe_driver(p, dir);
		if (gt_xenstore_nodename(p->root, names[i], &nodename) == 0)
			frontend_values(p, xs, nodename, d);
		if (d->driver)
			gt_vprobe_evidence(p, "%s: %s", dir, d->driver);
		else
			gt_vprobe_evidence(p, "%s: no driver bound", dir);
		if (d->xen_devtype)
			gt_vprobe_evidence(p, "xenstore %s: device-type %s", nodename,
			                   d->xen_devtype);
		if (d->xen_state >= 0 || d->backend_state >= 0)
			gt_vprobe_evidence(p, "xenstore %s: state %d, backend state %d",
			                   nodename, d->xen_state, d->backend_state);
		free(nodename);
	}
	gt_xenstore_close(xs);
	gt_strv_free(names);
}

/* ---- NICs ---- */

/* Every NIC with a device behind it (lo, bridges, bonds, VLANs have none). */
static void nics(struct gt_vprobe *p)
{
	char **names = NULL;
	size_t i, n = 0;

	if (gt_root_list_dir(p->root, "/sys/class/net", &names, &n) < 0)
		return;
	for (i = 0; i < n && !p->err; i++) {
		char dir[300];
		struct gt_virt_dev_facts *d;

		snprintf(dir, sizeof(dir), "/sys/class/net/%s/device", names[i]);
		if (find_dev(p->f, names[i]) || !gt_root_exists(p->root, dir))
			continue;
		d = add_dev(p, names[i], "nic");
		if (!d)
			break;
		identify(p, dir, d);
		gt_vprobe_evidence(p, "/sys/class/net/%s: driver %s", names[i],
		                   d->driver ? d->driver : "none bound");
	}
	gt_strv_free(names);
}

/* @s is exactly @digits hexadecimal digits: its value in *out. */
static bool hex_field(const char *s, size_t digits, unsigned *out)
{
	char *end;
	unsigned long v;

	if (strlen(s) != digits || strspn(s, "0123456789abcdefABCDEF") != digits)
		return false;
	v = strtoul(s, &end, 16);
	*out = (unsigned)v;
	return *end == '\0';
}

/* NIC drivers, for the PCI list of a dump without sysfs (see pci_list_nics). */
static const char *const nic_drivers[] = { "8139cp",  "8139too", "ne2k-pci", "e1000",
	                                   "e1000e",  "tulip",   "de2104x",  "pcnet32",
	                                   "ixgbevf", "igbvf",   "iavf",     "ena",
	                                   NULL };

/*
 * A dump with no /sys/bus/pci (the peer corpora's old lscpu dumps) still
 * lists in /proc/bus/pci/devices each function, its IDs and, as the last
 * field, the driver bound (drivers/pci/proc.c show_device). Its NICs are
 * taken from there, named by their PCI address.
 */
static void pci_list_nics(struct gt_vprobe *p)
{
	size_t len = 0, k;
	char *buf, *line, *save = NULL;

	if (gt_root_exists(p->root, "/sys/bus/pci/devices") ||
	    !(buf = gt_vprobe_whole(p, "/proc/bus/pci/devices", &len)))
		return;
	for (line = strtok_r(buf, "\n", &save); line && !p->err;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[20], *s = line, name[16];
		size_t nf = 0;
		unsigned bdf, ids;
		struct gt_virt_dev_facts *d;

		while (nf < 20 && s) {
			f[nf++] = s;
			s = strchr(s, '\t');
			if (s)
				*s++ = '\0';
		}
		if (nf < 18 || !hex_field(f[0], 4, &bdf) || !hex_field(f[1], 8, &ids))
			continue;
		for (k = 0; nic_drivers[k] && strcmp(nic_drivers[k], f[nf - 1]) != 0; k++)
			;
		if (!nic_drivers[k])
			continue;
		snprintf(name, sizeof(name), "0000:%02x:%02x.%x", (bdf >> 8) & 0xff,
		         (bdf >> 3) & 0x1f, bdf & 7);
		d = add_dev(p, name, "nic");
		if (!d)
			break;
		d->bus = GT_BUS_PCI;
		d->vendor = ids >> 16;
		d->device = ids & 0xffff;
		d->driver = gt_vprobe_strdup(p, f[nf - 1]);
		gt_vprobe_evidence(
		        p,
		        "/proc/bus/pci/devices: %04x:%04x bound to %s (no /sys/bus/pci: the PCI list stands in)",
		        d->vendor, d->device, d->driver);
	}
	free(buf);
}

/*
 * Mark NIC @name as carrying traffic; a bridge, bond or VLAN passes it on to
 * the NICs below it, which net/core/dev.c netdev_adjacent_sysfs_add() links
 * as /sys/class/net/<upper>/lower_<name>.
 */
// NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_DEPTH
static void mark(struct gt_vprobe *p, const char *name, enum gt_virt_carries how,
                 int depth)
{
	struct gt_virt_dev_facts *d = find_dev(p->f, name);
	char dir[300], **names = NULL;
	size_t i, n = 0;

	if (d) {
		if (strcmp(d->kind, "nic") == 0 &&
		    (d->carries == GT_CARRIES_NOTHING || how == GT_CARRIES_DEFAULT_ROUTE))
			d->carries = how;
		return;
	}
	snprintf(dir, sizeof(dir), "/sys/class/net/%s", name);
	if (depth >= MAX_DEPTH || gt_root_list_dir(p->root, dir, &names, &n) < 0)
		return;
	for (i = 0; i < n; i++)
		if (gt_startswith(names[i], "lower_") && names[i][6])
			mark(p, names[i] + 6, how, depth + 1);
	gt_strv_free(names);
}

static bool all_zero(const char *s)
{
	return *s && strspn(s, "0") == strlen(s);
}

/*
 * Which NICs carry the network: those with the default route or any route
 * (an IPv4 address with a prefix makes one) in /proc/net/route
 * (net/ipv4/fib_trie.c fib_route_seq_show), a global IPv6 address in
 * /proc/net/if_inet6 (net/ipv6/addrconf.c if6_seq_show: address, index,
 * prefix length, scope, flags, name; scope 00 is global) or the IPv6 default
 * route in /proc/net/ipv6_route. With none of the three readable, every NIC
 * counts.
 */
static void carriers(struct gt_vprobe *p)
{
	size_t len = 0, i;
	char *route = gt_vprobe_whole(p, "/proc/net/route", &len);
	char *inet6 = gt_vprobe_whole(p, "/proc/net/if_inet6", &len);
	char *route6 = gt_vprobe_whole(p, "/proc/net/ipv6_route", &len);
	char *line, *save = NULL;

	p->f->have_routes = route || inet6 || route6;
	if (!p->f->have_routes) {
		/* (An unbound vif has no net device: it carries nothing.) */
		for (i = 0; i < p->f->ndevs; i++)
			if (strcmp(p->f->devs[i].kind, "nic") == 0 &&
			    (p->f->devs[i].bus != GT_BUS_XEN || p->f->devs[i].driver))
				p->f->devs[i].carries = GT_CARRIES_UNKNOWN_ROUTES;
		if (p->f->ndevs)
			gt_vprobe_evidence(
			        p,
			        "no /proc/net/route, if_inet6 or ipv6_route: every NIC counts");
		return;
	}
	for (line = route ? strtok_r(route, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char iface[64], dest[16], gw[16], flags[16], refcnt[16], use[16],
		        metric[16], mask[16];

		if (sscanf(line, "%63s %15s %15s %15s %15s %15s %15s %15s", iface, dest,
		           gw, flags, refcnt, use, metric, mask) != 8 ||
		    strcmp(iface, "Iface") == 0)
			continue;
		if (all_zero(dest) && all_zero(mask)) {
			gt_vprobe_evidence(
			        p, "/proc/net/route: the default route is on %s", iface);
			mark(p, iface, GT_CARRIES_DEFAULT_ROUTE, 0);
		} else {
			mark(p, iface, GT_CARRIES_ADDRESS, 0);
		}
	}
	save = NULL;
	for (line = inet6 ? strtok_r(inet6, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char addr[40], idx[16], plen[8], scope[8], flags[8], name[64];

		if (sscanf(line, "%39s %15s %7s %7s %7s %63s", addr, idx, plen, scope,
		           flags, name) == 6 &&
		    strcmp(scope, "00") == 0)
			mark(p, name, GT_CARRIES_ADDRESS, 0);
	}
	save = NULL;
	for (line = route6 ? strtok_r(route6, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char dest[40], dplen[8], src[40], splen[8], hop[40], m[16], r[16], u[16],
		        fl[16], name[64];

		if (sscanf(line, "%39s %7s %39s %7s %39s %15s %15s %15s %15s %63s", dest,
		           dplen, src, splen, hop, m, r, u, fl, name) == 10 &&
		    all_zero(dest) && strcmp(dplen, "00") == 0 &&
		    strcmp(name, "lo") != 0) {
			gt_vprobe_evidence(
			        p, "/proc/net/ipv6_route: the default route is on %s",
			        name);
			mark(p, name, GT_CARRIES_DEFAULT_ROUTE, 0);
		}
	}
	free(route);
	free(inet6);
	free(route6);
}

/* ---- the disks under the root ---- */

/* The whole disk holding partition @dev ("xvda" for "xvda2"), or @dev itself. */
static char *whole_disk(struct gt_vprobe *p, const char *dev)
{
	char path[300], *target = NULL, *slash, *disk;

	snprintf(path, sizeof(path), "/sys/class/block/%s/partition", dev);
	if (!gt_root_exists(p->root, path))
		return gt_vprobe_strdup(p, dev);
	snprintf(path, sizeof(path), "/sys/class/block/%s", dev);
	if (gt_root_readlink(p->root, path, &target) < 0)
		return gt_vprobe_strdup(p, dev);
	slash = strrchr(target, '/');
	if (slash)
		*slash = '\0';
	disk = gt_vprobe_strdup(p, base_of(target));
	free(target);
	return disk;
}

static void leaf(struct gt_vprobe *p, const char *disk, const char *via)
{
	struct gt_virt_dev_facts *d = find_dev(p->f, disk);
	char dir[300];

	if (!d) {
		d = add_dev(p, disk, "disk");
		if (!d)
			return;
		snprintf(dir, sizeof(dir), "/sys/class/block/%s/device", disk);
		identify(p, dir, d);
	}
	if (d->carries == GT_CARRIES_ROOT)
		return;
	d->carries = GT_CARRIES_ROOT;
	d->via = gt_vprobe_strdup(p, via && *via ? via : NULL);
	if (via && *via)
		gt_vprobe_evidence(p, "root disk %s via %s: driver %s", disk, via,
		                   d->driver ? d->driver : "unknown");
	else
		gt_vprobe_evidence(p, "root disk %s: driver %s", disk,
		                   d->driver ? d->driver : "unknown");
}

/*
 * Down from @name to the leaf disks: a device-mapper (LVM, LUKS, multipath)
 * or md device lists what it sits on in /sys/class/block/<disk>/slaves/, one
 * link a lower device (block/holder.c bd_link_disk_holder, called by
 * drivers/md/dm.c and md.c), as lsblk walks it. A root on several leaves is
 * judged by all of them.
 */
// NOLINTNEXTLINE(misc-no-recursion): bounded by MAX_DEPTH and MAX_LEAVES
static void walk(struct gt_vprobe *p, const char *name, const char *via, int depth,
                 size_t *leaves)
{
	char *disk = whole_disk(p, name), path[300], **slaves = NULL, *next = NULL;
	size_t i, n = 0;

	if (!disk)
		return;
	if (asprintf(&next, "%s%s%s", via, *via ? " > " : "", name) < 0) {
		p->err = -ENOMEM;
		free(disk);
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/block/%s/slaves", disk);
	if (depth < MAX_DEPTH && gt_root_list_dir(p->root, path, &slaves, &n) == 0 &&
	    n > 0) {
		for (i = 0; i < n && *leaves < MAX_LEAVES && !p->err; i++)
			walk(p, slaves[i], next, depth + 1, leaves);
	} else if (*leaves < MAX_LEAVES) {
		(*leaves)++;
		/* A plain partition or disk root needs no "via"; a stack names its way
		 * down. */
		leaf(p, disk, depth > 0 || strcmp(disk, name) != 0 ? next : NULL);
	}
	gt_strv_free(slaves);
	free(next);
	free(disk);
}

void gt_vprobe_devices(struct gt_vprobe *p, const struct gt_rootfs *rootfs)
{
	size_t leaves = 0;

	xenbus_frontends(p);
	if (!p->err)
		nics(p);
	if (!p->err)
		pci_list_nics(p);
	if (!p->err)
		carriers(p);
	if (!p->err && rootfs && rootfs->device) {
		p->f->root_device = gt_vprobe_strdup(p, rootfs->device);
		walk(p, rootfs->device, "", 0, &leaves);
	}
}
