/* SPDX-License-Identifier: MIT */
/*
 * The installed kernels, and whether each has a driver built in, as a
 * module, or not at all: xen-blkfront and xen-netfront for Xen, the
 * platform's PV drivers elsewhere (platform.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "strv.h"

/* Bounds on what we read: a kernel config is ~250 KiB, modules.dep ~1 MiB. */
#define CONF_MAX ((size_t)4 * 1024 * 1024)
#define DEP_MAX  ((size_t)32 * 1024 * 1024)

static const char *const ko_suffixes[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", NULL };

static bool have_kernel(const struct planner *pl, const char *kver)
{
	size_t i;

	for (i = 0; i < pl->nk; i++)
		if (strcmp(pl->k[i].kver, kver) == 0)
			return true;
	return false;
}

static int add_kernel(struct planner *pl, const char *kver)
{
	struct kernel *k;

	if (have_kernel(pl, kver))
		return 0;
	k = realloc(pl->k, (pl->nk + 1) * sizeof(*k));
	if (!k)
		return -ENOMEM;
	pl->k = k;
	k += pl->nk;
	memset(k, 0, sizeof(*k));
	if (!(k->kver = strdup(kver)))
		return -ENOMEM;
	pl->nk++;
	return 0;
}

static int cmp_kernel(const void *a, const void *b)
{
	return strverscmp(((const struct kernel *)a)->kver,
	                  ((const struct kernel *)b)->kver);
}

/*
 * A kernel is installed when it can boot: /lib/modules/<kver> with an image
 * (/boot/vmlinuz-<kver>, /boot/vmlinux-<kver>, or Arch's and Fedora's
 * /lib/modules/<kver>/vmlinuz) — a modules directory left behind by a
 * removed kernel has none —, or /boot/vmlinuz-<kver> with its config and no
 * modules at all. Arch's /boot/vmlinuz-linux names a package, not a
 * version: its modules directory counts instead.
 */
int drv_list_kernels(struct planner *pl)
{
	char **names = NULL, path[512];
	size_t i, n = 0;
	int ret = 0;

	if (gt_root_list_dir(pl->root, "/lib/modules", &names, &n) == 0) {
		for (i = 0; i < n && ret == 0; i++) {
			/* Each image path is prefix + kver + suffix. */
			static const char *const images[3][2] = {
				{ "/boot/vmlinuz-", "" },
				{ "/boot/vmlinux-", "" },
				{ "/lib/modules/", "/vmlinuz" },
			};
			size_t m;

			for (m = 0; m < 3; m++) {
				snprintf(path, sizeof(path), "%s%s%s", images[m][0],
				         names[i], images[m][1]);
				if (gt_root_exists(pl->root, path))
					break;
			}
			if (m < 3)
				ret = add_kernel(pl, names[i]);
		}
		gt_strv_free(names);
		names = NULL;
	}
	if (ret == 0 && gt_root_list_dir(pl->root, "/boot", &names, &n) == 0) {
		for (i = 0; i < n && ret == 0; i++) {
			const char *kver = names[i] + 8;
			char cfg[512];

			if (!gt_startswith(names[i], "vmlinuz-") || !*kver)
				continue;
			snprintf(path, sizeof(path), "/lib/modules/%s", kver);
			snprintf(cfg, sizeof(cfg), "/boot/config-%s", kver);
			if (gt_root_exists(pl->root, path) ||
			    gt_root_exists(pl->root, cfg))
				ret = add_kernel(pl, kver);
		}
		gt_strv_free(names);
	}
	if (pl->nk > 1)
		qsort(pl->k, pl->nk, sizeof(*pl->k), cmp_kernel);
	return ret;
}

/* "CONFIG_X=y" -> 'y', "=m" -> 'm', else 0. */
static char config_value(const char *buf, size_t len, const char *sym)
{
	struct lines it;
	const char *s;
	size_t n, sl = strlen(sym);

	drv_lines_init(&it, buf, len);
	while (drv_next_line(&it, &s, &n))
		if (n == sl + 2 && memcmp(s, sym, sl) == 0 && s[sl] == '=')
			return s[sl + 1];
	return 0;
}

/* modules.builtin lists "kernel/drivers/block/xen-blkfront.ko". */
static bool builtin_lists(const char *buf, size_t len, const char *path)
{
	struct lines it;
	const char *s;
	size_t n, pl = strlen(path);

	drv_lines_init(&it, buf, len);
	while (drv_next_line(&it, &s, &n))
		if (n == pl + 3 && memcmp(s, path, pl) == 0 &&
		    memcmp(s + pl, ".ko", 3) == 0)
			return true;
	return false;
}

/* modules.dep lines are "path/name.ko[.xz]: deps..."; match the module name. */
static bool dep_lists(const char *buf, size_t len, const char *module)
{
	struct lines it;
	const char *s;
	size_t n, i;

	drv_lines_init(&it, buf, len);
	while (drv_next_line(&it, &s, &n)) {
		const char *colon = memchr(s, ':', n), *base = s, *p;

		if (!colon)
			continue;
		for (p = s; p < colon; p++)
			if (*p == '/')
				base = p + 1;
		for (i = 0; ko_suffixes[i]; i++) {
			size_t sl = strlen(ko_suffixes[i]), bl = (size_t)(colon - base);

			if (bl > sl && memcmp(colon - sl, ko_suffixes[i], sl) == 0 &&
			    drv_same_module(base, bl - sl, module))
				return true;
		}
	}
	return false;
}

int drv_kernel_modules(const struct planner *pl, const char *kver,
                       const struct frontend *mods, size_t n, enum fe_state *out)
{
	char path[600], *config = NULL, *builtin = NULL, *dep = NULL;
	size_t clen = 0, blen = 0, dlen = 0, f, i;
	bool moddir;
	int ret;

	snprintf(path, sizeof(path), "/boot/config-%s", kver);
	if ((ret = drv_read_opt(pl, path, CONF_MAX, &config, &clen)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.builtin", kver);
	if ((ret = drv_read_opt(pl, path, CONF_MAX, &builtin, &blen)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/lib/modules/%s/modules.dep", kver);
	if ((ret = drv_read_opt(pl, path, DEP_MAX, &dep, &dlen)) < 0)
		goto out;
	snprintf(path, sizeof(path), "/lib/modules/%s", kver);
	moddir = drv_is_dir(pl, path);
	for (f = 0; f < n; f++) {
		const struct frontend *fe = &mods[f];
		char v = 0;

		if (config)
			v = config_value(config, clen, fe->config);
		out[f] = FE_ABSENT;
		if (v == 'y' || (builtin && builtin_lists(builtin, blen, fe->path))) {
			out[f] = FE_BUILTIN;
			continue;
		}
		if (dep && dep_lists(dep, dlen, fe->module)) {
			out[f] = FE_MODULE;
			continue;
		}
		for (i = 0; ko_suffixes[i]; i++) {
			snprintf(path, sizeof(path), "/lib/modules/%s/%s%s", kver,
			         fe->path, ko_suffixes[i]);
			if (gt_root_exists(pl->root, path))
				break;
		}
		/*
		 * "=m" alone is not enough when the modules are there to look at:
		 * Ubuntu ships some modules in a separate package.
		 */
		if (ko_suffixes[i] || (v == 'm' && !moddir))
			out[f] = FE_MODULE;
	}
	ret = 0;
out:
	free(config);
	free(builtin);
	free(dep);
	return ret;
}

int drv_kernel_frontends(struct planner *pl, struct kernel *k)
{
	int ret = drv_kernel_modules(pl, k->kver, drv_frontends, NFE, k->fe);

	k->initramfs = k->fe[0] == FE_MODULE || k->fe[1] == FE_MODULE;
	return ret;
}

bool drv_kernel_needs_initramfs(const struct kernel *k)
{
	return k->initramfs;
}

int drv_kernel_warnings(struct planner *pl)
{
	size_t i;
	int ret = 0;

	if (pl->nk == 0)
		return warn(
		        pl, "no-kernel-found",
		        "no installed kernel was found (/lib/modules/<version>, /boot/vmlinuz-<version>): cannot check that the kernel has xen-blkfront and xen-netfront; check it before rebooting");
	for (i = 0; i < pl->nk && ret == 0; i++) {
		const struct kernel *k = &pl->k[i];

		if (k->fe[0] == FE_ABSENT && k->fe[1] == FE_ABSENT)
			ret = warn(
			        pl, "no-xen-frontends",
			        "kernel %s has neither xen-blkfront nor xen-netfront (not in /boot/config-%s, modules.builtin or modules.dep): it cannot switch to PVHVM; install a kernel with Xen support (CONFIG_XEN_BLKDEV_FRONTEND, CONFIG_XEN_NETDEV_FRONTEND)",
			        k->kver, k->kver);
		else if (k->fe[0] == FE_ABSENT || k->fe[1] == FE_ABSENT)
			ret = warn(
			        pl, "missing-xen-frontend",
			        "kernel %s has no %s: its %s stays emulated after the reboot; install the kernel's extra modules or a kernel with Xen support",
			        k->kver,
			        drv_frontends[k->fe[0] == FE_ABSENT ? 0 : 1].module,
			        k->fe[0] == FE_ABSENT ? "disk" : "NIC");
	}
	return ret;
}
