/* SPDX-License-Identifier: MIT */
/*
 * Warnings about network configuration bound to an emulated NIC by its name
 * or MAC (the PV NIC replaces the emulated one after the reboot, possibly
 * under another name); the formats are read by detect/netbind.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "actions/drivers/planner.h"
#include "detect/netbind.h"
#include "strv.h"

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

/* A binding found: the warning about the emulated NIC it names. */
static int warn_binding(void *arg, const char *path, size_t line,
                        const struct gt_netbind_nic *nic, const char *how)
{
	struct planner *pl = arg;
	const char *driver = "";

	for (size_t i = 0; i < pl->nnics; i++)
		if (strcmp(pl->nics[i].name, nic->name) == 0)
			driver = pl->nics[i].driver;
	return warn(
	        pl, "nic-config-bound",
	        "%s line %zu binds the network configuration to %s by its %s%s%s: %s is an emulated NIC (driver %s) that the PV NIC replaces after the reboot, and the PV NIC may come up under another name; check this configuration after the reboot, or the guest may lose its network",
	        path, line, nic->name, how, strcmp(how, "MAC") == 0 ? " " : "",
	        strcmp(how, "MAC") == 0 ? nic->mac : "", nic->name, driver);
}

int drv_nic_warnings(struct planner *pl)
{
	struct gt_netbind_nic *q;
	int ret;

	ret = collect_nics(pl);
	if (ret < 0 || pl->nnics == 0)
		return ret;
	q = calloc(pl->nnics, sizeof(*q));
	if (!q)
		return -ENOMEM;
	for (size_t i = 0; i < pl->nnics; i++) {
		q[i].name = pl->nics[i].name;
		q[i].mac = pl->nics[i].mac;
	}
	ret = gt_netbind_scan(pl->root, q, pl->nnics, warn_binding, pl);
	free(q);
	return ret;
}
