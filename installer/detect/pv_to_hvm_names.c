/* SPDX-License-Identifier: MIT */
/*
 * root_names: the root, resume and fstab devices are named so that the
 * names survive the change of disk driver. Under PV the disk is /dev/xvdX
 * (xen-blkfront); the first HVM boot may see it as /dev/sdX or /dev/hdX
 * (the emulated controller) until the PV driver takes over. Kernel names
 * change; UUID=, LABEL=, PARTUUID=, LVM and md names do not
 * (detect/devnames.h).
 *
 * nics: network configuration bound to a NIC by a name that changes. The
 * toolstack gives the emulated NIC the vif's MAC, so MAC bindings hold, and
 * an "eth0" stays "eth0"; but systemd names a Xen PV NIC "enX0"
 * (src/udev/udev-builtin-net_id.c, names_xen, systemd 250 and later) and an
 * emulated PCI NIC "ens3"/"enp0s3", so configuration bound to "enXN" loses
 * its NIC until the PV driver takes over. The bindings are found by
 * detect/netbind.c, which the PV-driver planner's NIC warnings use too.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/devnames.h"
#include "detect/netbind.h"
#include "detect/pv_to_hvm_parts.h"
#include "strv.h"

/*
 * Adds "@cfg default entry: @key=@val" (@cfg non-NULL) or "/etc/fstab line
 * @line: @val" to the details, each a whole message; counts the names that
 * change.
 */
static int note_name(struct gt_pv_to_hvm_check *c, const char *cfg, size_t line,
                     const char *key, const char *val, size_t vlen, size_t *changing,
                     size_t *seen)
{
	bool changes = gt_devname_kernel(val, vlen);

	(*seen)++;
	if (changes)
		(*changing)++;
	if (cfg && changes)
		return p2h_detail(
		        c,
		        "%s default entry: %s%s%.*s (a kernel name: changes with the disk driver)",
		        cfg, key ? key : "", key ? "=" : "", (int)vlen, val);
	if (cfg)
		return p2h_detail(c, "%s default entry: %s%s%.*s (stays)", cfg,
		                  key ? key : "", key ? "=" : "", (int)vlen, val);
	if (changes)
		return p2h_detail(
		        c,
		        "/etc/fstab line %zu: %.*s (a kernel name: changes with the disk driver)",
		        line, (int)vlen, val);
	return p2h_detail(c, "/etc/fstab line %zu: %.*s (stays)", line, (int)vlen, val);
}

int p2h_check_root_names(struct p2h *x)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_ROOT_NAMES];
	const char *cmdline = x->p->facts.default_cmdline, *key, *val;
	size_t changing = 0, seen = 0, pos = 0, vlen, len, no = 0;
	const char *cfg = x->p->facts.bootloader_config ? x->p->facts.bootloader_config
	                                                : "boot loader";
	char *fstab;
	int ret = 0;

	if (cmdline)
		while (ret == 0 && gt_cmdline_next_device(cmdline, strlen(cmdline), &pos,
		                                          &key, &val, &vlen))
			ret = note_name(c, cfg, 0, key, val, vlen, &changing, &seen);
	fstab = p2h_read(x, "/etc/fstab", &len);
	for (const char *p = fstab; ret == 0 && p && p < fstab + len;) {
		const char *nl = memchr(p, '\n', (size_t)(fstab + len - p));
		const char *s = p, *e = nl ? nl : fstab + len;
		size_t w;

		p = nl ? nl + 1 : fstab + len;
		no++;
		while (s < e && isspace((unsigned char)*s))
			s++;
		w = strcspn(s, " \t\n");
		if (s >= e || *s == '#' || w == 0)
			continue;
		/* Devices only: not proc, tmpfs, none, nfs "host:/path"... */
		if (!gt_startswith(s, "/dev/") && !gt_startswith(s, "UUID=") &&
		    !gt_startswith(s, "LABEL=") && !gt_startswith(s, "PARTUUID=") &&
		    !gt_startswith(s, "PARTLABEL="))
			continue;
		ret = note_name(c, NULL, no, NULL, s, w, &changing, &seen);
	}
	free(fstab);
	if (ret < 0)
		return ret;
	if (changing)
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("name these devices by UUID (blkid -s UUID -o value DEVICE prints it): UUID=... in /etc/fstab and root=UUID=... on the kernel command line, then regenerate the boot loader configuration; installer prepare-hvm does it"),
		        "%zu of %zu device names in root=, resume= and /etc/fstab are kernel names that change when the disk driver changes",
		        changing, seen);
	if (!seen)
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("check /etc/fstab and the kernel command line"),
		        "no root=, resume= or /etc/fstab device was found to check");
	return p2h_set(
	        c, GT_P2H_OK, NULL,
	        "the %zu device names in root=, resume= and /etc/fstab stay the same under HVM",
	        seen);
}

struct nic_scan {
	struct gt_pv_to_hvm_check *c;
	size_t changing;
};

/* systemd's name for a Xen PV NIC: "enX" and a number. */
static bool xen_pv_name(const char *name)
{
	size_t i = 3;

	if (strncmp(name, "enX", 3) != 0 || !name[3])
		return false;
	while (isdigit((unsigned char)name[i]))
		i++;
	return name[i] == '\0';
}

static int found_binding(void *arg, const char *path, size_t line,
                         const struct gt_netbind_nic *nic, const char *how)
{
	struct nic_scan *s = arg;
	bool changes = strcmp(how, "name") == 0 && xen_pv_name(nic->name);

	if (changes)
		s->changing++;
	if (changes)
		return p2h_detail(
		        s->c,
		        "%s line %zu binds %s by its %s (a Xen PV name: an emulated NIC gets another)",
		        path, line, nic->name, how);
	return p2h_detail(s->c, "%s line %zu binds %s by its %s (holds under HVM)", path,
	                  line, nic->name, how);
}

int p2h_check_nics(struct p2h *x)
{
	static const char *const pv_names[] = { "enX0", "enX1", "enX2", "enX3" };
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_NICS];
	struct nic_scan s = { .c = c };
	struct gt_netbind_nic q[16];
	char *macs[16] = { NULL };
	size_t n = 0, i;
	int ret;

	/* This guest's NICs, with their MACs when sysfs says. */
	for (i = 0; x->d && i < x->d->virt->ndevices && n < 12; i++) {
		const struct gt_virt_device *dev = &x->d->virt->devices[i];
		char path[300];

		if (strcmp(dev->kind, "nic") != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev->name);
		if (gt_root_read_line(x->root, path, &macs[n]) == 0)
			for (char *m = macs[n]; *m; m++)
				*m = (char)tolower((unsigned char)*m);
		q[n].name = dev->name;
		q[n].mac = macs[n] && *macs[n] ? macs[n] : NULL;
		n++;
	}
	/* The names systemd gives Xen PV NICs, whether or not sysfs lists them
	 * (an offline image has no sysfs). */
	for (i = 0; i < sizeof(pv_names) / sizeof(pv_names[0]); i++) {
		bool dup = false;

		for (size_t k = 0; k < n; k++)
			dup = dup || strcmp(q[k].name, pv_names[i]) == 0;
		if (!dup) {
			q[n].name = pv_names[i];
			q[n].mac = NULL;
			n++;
		}
	}
	ret = gt_netbind_scan(x->root, q, n, found_binding, &s);
	for (i = 0; i < 16; i++)
		free(macs[i]);
	if (ret < 0)
		return ret;
	if (s.changing)
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("bind that configuration by MAC address instead (HWADDR=, [Match] MACAddress=, netplan match: macaddress:), or name the interface with a .link file matched by MAC, so that it holds whatever the driver names the NIC"),
		        "%zu network configuration file(s) bind a NIC by its Xen PV name (enXN), which an emulated NIC does not get: the guest may boot as HVM without network",
		        s.changing);
	return p2h_set(
	        c, GT_P2H_OK, NULL,
	        "no network configuration binds a NIC by a name that changes under HVM (bindings by MAC hold: the emulated NIC has the vif's MAC)");
}
