/* SPDX-License-Identifier: MIT */
/*
 * Warnings about network configuration bound to an emulated NIC by its name
 * or MAC, in six formats: ifcfg, NetworkManager keyfiles, systemd-networkd,
 * ifupdown, netplan and udev rules (the PV NIC replaces the emulated one after
 * the reboot, possibly under another name).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions/drivers/planner.h"
#include "strv.h"

enum netfmt { NF_IFCFG, NF_KEYFILE, NF_NETWORKD, NF_IFUPDOWN, NF_NETPLAN, NF_UDEV };

static char *unquote(char *v)
{
	size_t l;

	v = gt_strip(v);
	l = strlen(v);
	if (l >= 2 && (v[0] == '"' || v[0] == '\'') && v[l - 1] == v[0]) {
		v[l - 1] = '\0';
		v++;
	}
	return v;
}

/* Whether @list (words) holds @name; case-insensitive for MACs. */
static bool list_has(const char *list, const char *name, bool nocase)
{
	size_t nl = strlen(name);

	while (*list) {
		size_t w;

		list += strspn(list, " \t,\"'");
		w = strcspn(list, " \t,\"'");
		if (w == nl &&
		    (nocase ? strncasecmp(list, name, nl) : strncmp(list, name, nl)) == 0)
			return true;
		list += w;
	}
	return false;
}

/* How @line binds @nic: "name", "MAC", or NULL. @line is trimmed and writable. */
static const char *line_binds(enum netfmt fmt, char *line, const struct nic *nic)
{
	const char *mac = nic->mac;
	char *eq, *key, *val, *save = NULL;

	if (!*line || *line == '#' || *line == ';')
		return NULL;
	switch (fmt) {
	case NF_IFCFG:
	case NF_KEYFILE:
	case NF_NETWORKD:
		eq = strchr(line, '=');
		if (!eq)
			return NULL;
		*eq = '\0';
		key = gt_strip(line);
		val = unquote(eq + 1);
		if (fmt == NF_IFCFG) {
			if (strcmp(key, "DEVICE") == 0 && strcmp(val, nic->name) == 0)
				return "name";
			if (mac && strcmp(key, "HWADDR") == 0 &&
			    strcasecmp(val, mac) == 0)
				return "MAC";
		} else if (fmt == NF_KEYFILE) {
			if (strcmp(key, "interface-name") == 0 &&
			    strcmp(val, nic->name) == 0)
				return "name";
			if (mac && strcmp(key, "mac-address") == 0 &&
			    strcasecmp(val, mac) == 0)
				return "MAC";
		} else {
			if ((strcmp(key, "Name") == 0 ||
			     strcmp(key, "OriginalName") == 0) &&
			    list_has(val, nic->name, false))
				return "name";
			if (mac &&
			    (strcmp(key, "MACAddress") == 0 ||
			     strcmp(key, "PermanentMACAddress") == 0) &&
			    list_has(val, mac, true))
				return "MAC";
		}
		return NULL;
	case NF_IFUPDOWN:
		/* "iface NAME inet ...", "auto NAME...", "allow-hotplug NAME...". */
		key = strtok_r(line, " \t", &save);
		if (!key)
			return NULL;
		if (strcmp(key, "iface") == 0) {
			val = strtok_r(NULL, " \t", &save);
			return val && strcmp(val, nic->name) == 0 ? "name" : NULL;
		}
		if (strcmp(key, "auto") == 0 || gt_startswith(key, "allow-"))
			while ((val = strtok_r(NULL, " \t", &save)))
				if (strcmp(val, nic->name) == 0)
					return "name";
		return NULL;
	case NF_NETPLAN:
		/* "ens4:" (the key of its section), "set-name: ens4", "macaddress: ...".
		 */
		eq = strchr(line, ':');
		if (!eq || (gt_startswith(line, "- ")))
			return NULL;
		val = unquote(eq + 1);
		*eq = '\0';
		key = unquote(line);
		if (!*val && strcmp(key, nic->name) == 0)
			return "name";
		if (strcmp(key, "set-name") == 0 && strcmp(val, nic->name) == 0)
			return "name";
		if (mac && strcmp(key, "macaddress") == 0 && strcasecmp(val, mac) == 0)
			return "MAC";
		return NULL;
	case NF_UDEV: {
		/* 70-persistent-net.rules: ATTR{address}=="mac", ..., NAME="eth0". */
		char want[300];

		snprintf(want, sizeof(want), "NAME=\"%s\"", nic->name);
		if (strstr(line, want))
			return "name";
		if (mac) {
			snprintf(want, sizeof(want), "\"%s\"", mac);
			if (strcasestr(line, want))
				return "MAC";
		}
		return NULL;
	}
	}
	return NULL;
}

static int net_file(struct planner *pl, const char *path, enum netfmt fmt)
{
	char *buf, line[1024];
	size_t len = 0, n, i;
	int ret = 0;

	buf = drv_read_soft(pl, path, &len);
	if (!buf)
		return 0;
	for (i = 0; i < pl->nnics && ret == 0; i++) {
		const struct nic *nic = &pl->nics[i];
		const char *how = NULL, *s;
		struct lines it;

		drv_lines_init(&it, buf, len);
		while (!how && drv_next_line(&it, &s, &n))
			how = line_binds(fmt, drv_line_str(s, n, line, sizeof(line)),
			                 nic);
		if (!how)
			continue;
		ret = warn(
		        pl, "nic-config-bound",
		        "%s line %zu binds the network configuration to %s by its %s%s%s: %s is an emulated NIC (driver %s) that the PV NIC replaces after the reboot, and the PV NIC may come up under another name; check this configuration after the reboot, or the guest may lose its network",
		        path, it.no, nic->name, how, strcmp(how, "MAC") == 0 ? " " : "",
		        strcmp(how, "MAC") == 0 ? nic->mac : "", nic->name, nic->driver);
	}
	free(buf);
	return ret;
}

static int net_dir(struct planner *pl, const char *dir, const char *prefix,
                   const char *const *suffixes, enum netfmt fmt)
{
	char **names = NULL, path[600];
	size_t i, n = 0, k;
	int ret = 0;

	if (gt_root_list_dir(pl->root, dir, &names, &n) < 0)
		return 0;
	for (i = 0; i < n && ret == 0; i++) {
		size_t l = strlen(names[i]);

		if (prefix && !gt_startswith(names[i], prefix))
			continue;
		for (k = 0; suffixes && suffixes[k]; k++) {
			size_t sl = strlen(suffixes[k]);

			if (l > sl && strcmp(names[i] + l - sl, suffixes[k]) == 0)
				break;
		}
		if (suffixes && !suffixes[k])
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		ret = net_file(pl, path, fmt);
	}
	gt_strv_free(names);
	return ret;
}

static int collect_nics(struct planner *pl)
{
	const struct gt_virt *v = pl->d->virt;
	size_t i;

	for (i = 0; i < v->ndevices; i++) {
		const struct gt_virt_device *dev = &v->devices[i];
		char path[300], *mac = NULL, *c;
		struct nic *nn;

		/* Only an emulated NIC is replaced by the PV one: not an unbound vif
		 * (the PV NIC itself), not a passed-through VF. */
		if (strcmp(dev->kind, "nic") != 0 || dev->pv || !dev->driver ||
		    (dev->role && strcmp(dev->role, "emulated") != 0))
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/address", dev->name);
		if (gt_root_read_line(pl->root, path, &mac) == 0)
			for (c = mac; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		nn = realloc(pl->nics, (pl->nnics + 1) * sizeof(*nn));
		if (!nn) {
			free(mac);
			return -ENOMEM;
		}
		pl->nics = nn;
		nn[pl->nnics].name = dev->name;
		nn[pl->nnics].driver = dev->driver;
		nn[pl->nnics].mac = mac && *mac ? mac : NULL;
		if (mac && !*mac)
			free(mac);
		pl->nnics++;
	}
	return 0;
}

int drv_nic_warnings(struct planner *pl)
{
	static const char *const yaml[] = { ".yaml", ".yml", NULL };
	static const char *const networkd[] = { ".network", ".link", NULL };
	static const char *const rules[] = { ".rules", NULL };
	int ret;

	ret = collect_nics(pl);
	if (ret < 0 || pl->nnics == 0)
		return ret;
	if ((ret = net_dir(pl, "/etc/sysconfig/network-scripts", "ifcfg-", NULL,
	                   NF_IFCFG)) < 0 ||
	    (ret = net_dir(pl, "/etc/sysconfig/network", "ifcfg-", NULL, NF_IFCFG)) < 0 ||
	    (ret = net_file(pl, "/etc/network/interfaces", NF_IFUPDOWN)) < 0 ||
	    (ret = net_dir(pl, "/etc/network/interfaces.d", NULL, NULL, NF_IFUPDOWN)) <
	            0 ||
	    (ret = net_dir(pl, "/etc/netplan", NULL, yaml, NF_NETPLAN)) < 0 ||
	    (ret = net_dir(pl, "/etc/NetworkManager/system-connections", NULL, NULL,
	                   NF_KEYFILE)) < 0 ||
	    (ret = net_dir(pl, "/etc/systemd/network", NULL, networkd, NF_NETWORKD)) <
	            0 ||
	    (ret = net_dir(pl, "/etc/udev/rules.d", NULL, rules, NF_UDEV)) < 0)
		return ret;
	return 0;
}
