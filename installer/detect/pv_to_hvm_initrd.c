/* SPDX-License-Identifier: MIT */
/*
 * initramfs_drivers: the first HVM boot finds its root disk. With the PV
 * drivers, xen-blkfront takes the disk once the platform device unplugs the
 * emulated one; without them, the emulated IDE or AHCI controller (QEMU's
 * PIIX3 IDE: ata_piix; AHCI: ahci) and the SCSI disk driver (sd_mod) must
 * be there. Each is needed in the default kernel's initramfs unless that
 * kernel has it built in (/lib/modules/VERSION/modules.builtin, or =y in
 * /boot/config-VERSION).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/initramfs_list.h"
#include "detect/pv_to_hvm_parts.h"
#include "error.h"
#include "strv.h"

#define BUILTIN_MAX ((size_t)4 * 1024 * 1024)

struct driver {
	const char *module; /* as the list writes it: "_" for "-" */
	const char *config; /* its Kconfig symbol */
};

/* Each group needs one of its drivers (the kernel's own Kconfig names). */
static const struct driver blkfront[] = {
	{ "xen_blkfront", "CONFIG_XEN_BLKDEV_FRONTEND" }, { NULL, NULL }
};
static const struct driver controller[] = { { "ata_piix", "CONFIG_ATA_PIIX" },
	                                    { "ahci", "CONFIG_SATA_AHCI" },
	                                    { NULL, NULL } };
static const struct driver disk[] = { { "sd_mod", "CONFIG_BLK_DEV_SD" }, { NULL, NULL } };
static const struct {
	const char *what;
	const struct driver *any;
} groups[] = {
	{ "xen-blkfront", blkfront },
	{ "ata_piix or ahci", controller },
	{ "sd_mod", disk },
};
#define NGROUPS (sizeof(groups) / sizeof(groups[0]))

/* @mod is built into the kernel: modules.builtin names it, or its config =y. */
static bool builtin(const char *builtins, const char *config, const struct driver *d)
{
	char want[300];

	if (config) {
		snprintf(want, sizeof(want), "\n%s=y\n", d->config);
		if (strstr(config, want))
			return true;
	}
	if (builtins) {
		/* "kernel/drivers/ata/ata_piix.ko" lines; "-" and "_" alike. */
		for (const char *p = builtins; *p;) {
			const char *nl = strchr(p, '\n'), *e = nl ? nl : p + strlen(p);
			const char *b = p;
			size_t ml = strlen(d->module), k;

			for (const char *q = p; q < e; q++)
				if (*q == '/')
					b = q + 1;
			if ((size_t)(e - b) == ml + 3 && memcmp(b + ml, ".ko", 3) == 0) {
				for (k = 0; k < ml; k++)
					if (b[k] != d->module[k] &&
					    !(b[k] == '-' && d->module[k] == '_'))
						break;
				if (k == ml)
					return true;
			}
			p = nl ? nl + 1 : e;
		}
	}
	return false;
}

static const char *const fix_initramfs = N_(
        "add the missing drivers to the initramfs and rebuild it: initramfs-tools: list them in /etc/initramfs-tools/modules, then update-initramfs -u -k VERSION; dracut: add_drivers+=\" ... \" in /etc/dracut.conf.d/, then dracut -f --kver VERSION; RHEL 5 mkinitrd: mkinitrd -f --with=ata_piix --with=sd_mod IMAGE VERSION; installer prepare-hvm does it");

int p2h_check_initramfs(struct p2h *x)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_INITRAMFS_DRIVERS];
	const struct gt_pv_to_hvm_facts *f = &x->p->facts;
	char path[300], *builtins = NULL, *config = NULL, *cfgnl = NULL, **mods = NULL;
	char missing[200] = "";
	const char *why = NULL;
	bool need_image = false, have[NGROUPS] = { false };
	size_t len, g;
	int ret = 0;

	if (!f->kernel_version)
		return p2h_set(
		        c, GT_P2H_UNKNOWN, N_("fix the kernel check first"),
		        "no default kernel was found to check (see the kernel check)");
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin",
	         f->kernel_version);
	builtins = p2h_read(x, path, &len);
	snprintf(path, sizeof(path), "/boot/config-%s", f->kernel_version);
	config = p2h_read(x, path, &len);
	if (config && asprintf(&cfgnl, "\n%s\n", config) < 0)
		cfgnl = NULL;
	for (g = 0; g < NGROUPS; g++) {
		for (const struct driver *d = groups[g].any; d->module && !have[g]; d++)
			if (builtin(builtins, cfgnl, d)) {
				have[g] = true;
				ret = ret ? ret
				          : p2h_detail(c, "%s: built into %s", d->module,
				                       f->kernel_version);
			}
		need_image = need_image || !have[g];
	}
	if (ret == 0 && need_image && !f->default_initrd) {
		ret = p2h_set(
		        c, GT_P2H_NOT_OK, fix_initramfs,
		        "the default entry boots %s with no initramfs, and the kernel does not have every disk driver built in",
		        f->kernel_version);
		goto out;
	}
	if (ret == 0 && need_image) {
		ret = gt_initramfs_modules(x->root, f->default_initrd, &mods, &why);
		if (ret == -EPROTONOSUPPORT) {
			ret = p2h_set(
			        c, GT_P2H_UNKNOWN,
			        N_("list the image with the guest's own tool (lsinitramfs IMAGE, lsinitrd IMAGE) and check for xen-blkfront, ata_piix or ahci, and sd_mod"),
			        "%s is compressed with %s, which this build cannot read",
			        f->default_initrd, why);
			goto out;
		}
		if (ret < 0 && ret != -ENOMEM) {
			ret = p2h_set(
			        c, GT_P2H_UNKNOWN,
			        N_("rebuild the initramfs of the default kernel and run detect again"),
			        "%s cannot be read as an initramfs: %s",
			        f->default_initrd, why ? why : gt_strerror(ret));
			goto out;
		}
	}
	for (g = 0; ret == 0 && g < NGROUPS; g++) {
		for (const struct driver *d = groups[g].any;
		     d->module && !have[g] && mods; d++)
			if (gt_strv_contains(mods, d->module)) {
				have[g] = true;
				ret = p2h_detail(c, "%s: in %s", d->module,
				                 f->default_initrd);
			}
		if (!have[g])
			snprintf(missing + strlen(missing),
			         sizeof(missing) - strlen(missing), "%s%s",
			         *missing ? ", " : "", groups[g].what);
	}
	if (ret < 0)
		goto out;
	if (*missing)
		ret = p2h_set(
		        c, GT_P2H_NOT_OK, fix_initramfs,
		        "%s lacks %s, and kernel %s does not have it built in: the first HVM boot may not find its root disk",
		        f->default_initrd, missing, f->kernel_version);
	else
		ret = p2h_set(
		        c, GT_P2H_OK, NULL,
		        "kernel %s finds its disk under HVM: xen-blkfront, an emulated disk controller and sd_mod are in its initramfs or built in",
		        f->kernel_version);
out:
	gt_strv_free(mods);
	free(builtins);
	free(config);
	free(cfgnl);
	return ret;
}
