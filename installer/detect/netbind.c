/* SPDX-License-Identifier: MIT */
/*
 * Which network configuration binds a NIC by its name or its MAC, in six
 * formats: ifcfg, NetworkManager keyfiles, systemd-networkd, ifupdown,
 * netplan and udev rules. Shared by the PV-driver planner (the emulated NIC
 * that the PV NIC replaces) and the PV-to-HVM check (the PV NIC that an
 * emulated one replaces).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/netbind.h"
#include "strv.h"

#define TEXT_MAX ((size_t)1024 * 1024)

struct scan {
	const struct gt_root *root;
	const struct gt_netbind_nic *nics;
	size_t n;
	gt_netbind_fn found;
	void *arg;
};

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
static const char *line_binds(enum netfmt fmt, char *line,
                              const struct gt_netbind_nic *nic)
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

static int net_file(const struct scan *sc, const char *path, enum netfmt fmt)
{
	char *buf = NULL, line[1024];
	size_t len = 0, n, i;
	int ret = 0;

	if (gt_root_read_file(sc->root, path, TEXT_MAX, &buf, &len) < 0)
		return 0; /* absent or unreadable: nothing binds there */
	for (i = 0; i < sc->n && ret == 0; i++) {
		const struct gt_netbind_nic *nic = &sc->nics[i];
		const char *how = NULL, *s;
		size_t no = 0;

		for (const char *p = buf, *end = buf + len; !how && p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			s = p;
			n = (size_t)((nl ? nl : end) - p);
			p = nl ? nl + 1 : end;
			no++;
			/* Long lines are cut: none that binds a NIC is long. */
			if (n >= sizeof(line))
				n = sizeof(line) - 1;
			memcpy(line, s, n);
			line[n] = '\0';
			how = line_binds(fmt, gt_strip(line), nic);
		}
		if (how)
			ret = sc->found(sc->arg, path, no, nic, how);
	}
	free(buf);
	return ret;
}

static int net_dir(const struct scan *sc, const char *dir, const char *prefix,
                   const char *const *suffixes, enum netfmt fmt)
{
	char **names = NULL, path[600];
	size_t i, n = 0, k;
	int ret = 0;

	if (gt_root_list_dir(sc->root, dir, &names, &n) < 0)
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
		ret = net_file(sc, path, fmt);
	}
	gt_strv_free(names);
	return ret;
}

int gt_netbind_scan(const struct gt_root *root, const struct gt_netbind_nic *nics,
                    size_t n, gt_netbind_fn found, void *arg)
{
	static const char *const yaml[] = { ".yaml", ".yml", NULL };
	static const char *const networkd[] = { ".network", ".link", NULL };
	static const char *const rules[] = { ".rules", NULL };
	const struct scan s = { root, nics, n, found, arg };
	const struct scan *sc = &s;
	int ret;

	if (n == 0)
		return 0;
	if ((ret = net_dir(sc, "/etc/sysconfig/network-scripts", "ifcfg-", NULL,
	                   NF_IFCFG)) < 0 ||
	    (ret = net_dir(sc, "/etc/sysconfig/network", "ifcfg-", NULL, NF_IFCFG)) < 0 ||
	    (ret = net_file(sc, "/etc/network/interfaces", NF_IFUPDOWN)) < 0 ||
	    (ret = net_dir(sc, "/etc/network/interfaces.d", NULL, NULL, NF_IFUPDOWN)) <
	            0 ||
	    (ret = net_dir(sc, "/etc/netplan", NULL, yaml, NF_NETPLAN)) < 0 ||
	    (ret = net_dir(sc, "/etc/NetworkManager/system-connections", NULL, NULL,
	                   NF_KEYFILE)) < 0 ||
	    (ret = net_dir(sc, "/etc/systemd/network", NULL, networkd, NF_NETWORKD)) <
	            0 ||
	    (ret = net_dir(sc, "/etc/udev/rules.d", NULL, rules, NF_UDEV)) < 0)
		return ret;
	return 0;
}
