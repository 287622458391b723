/* SPDX-License-Identifier: MIT */
/*
 * kernel: the boot loader's default entry boots a kernel that can run as
 * HVM, with its initramfs. A xenlinux kernel (the pre-pvops Xen port:
 * RHEL 5's kernel-xen "2.6.18-419.el5xen", SLES 10/11's -xen flavour) runs
 * only as a PV guest or dom0; a pvops kernel (mainline since 2.6.24 with
 * CONFIG_XEN under CONFIG_PARAVIRT) runs on bare metal and HVM too.
 *
 * Told from /boot/config-VERSION: xenlinux's arch/i386/Kconfig and
 * arch/x86_64/Kconfig (linux-2.6.18-xen.hg) make Xen a subarchitecture,
 * CONFIG_X86_XEN=y or CONFIG_X86_64_XEN=y; SUSE's forward ports keep
 * CONFIG_XEN=y without CONFIG_PARAVIRT (which pvops Xen depends on,
 * arch/x86/xen/Kconfig). CONFIG_XEN_PRIVILEGED_GUEST alone says nothing:
 * pvops kernels (Ubuntu 3.8) set it too. With no config, the flavour in the
 * version ("el5xen", "-xen") is the evidence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/pv_to_hvm_parts.h"
#include "error.h"
#include "strv.h"

#define CONFIG_MAX ((size_t)4 * 1024 * 1024)

enum flavour { FL_UNKNOWN, FL_HVM_CAPABLE, FL_PV_ONLY };

/* A config line "SYM=y" present (whole line). */
static bool config_y(const char *cfg, const char *sym)
{
	size_t l = strlen(sym);

	for (const char *p = cfg; (p = strstr(p, sym)); p += l)
		if ((p == cfg || p[-1] == '\n') && strncmp(p + l, "=y", 2) == 0 &&
		    (p[l + 2] == '\n' || p[l + 2] == '\0'))
			return true;
	return false;
}

static bool name_says_xen(const char *ver)
{
	size_t l = strlen(ver);

	return (l > 3 && strcmp(ver + l - 3, "xen") == 0) || strstr(ver, "-xen") != NULL;
}

/* The flavour of kernel @ver, with what told it in @why. */
static enum flavour kernel_flavour(const struct p2h *x, const char *ver, const char **why)
{
	char path[300], *cfg;
	size_t len;
	enum flavour f;

	snprintf(path, sizeof(path), "/boot/config-%s", ver);
	cfg = p2h_read(x, path, &len);
	if (!cfg) {
		*why = name_says_xen(ver) ? "its name (no /boot/config-VERSION to read)"
		                          : "nothing: no /boot/config-VERSION to read";
		return name_says_xen(ver) ? FL_PV_ONLY : FL_UNKNOWN;
	}
	if (config_y(cfg, "CONFIG_X86_XEN") || config_y(cfg, "CONFIG_X86_64_XEN")) {
		*why = "its config: CONFIG_X86_XEN or CONFIG_X86_64_XEN (the xenlinux subarchitecture)";
		f = FL_PV_ONLY;
	} else if (config_y(cfg, "CONFIG_XEN") && !config_y(cfg, "CONFIG_PARAVIRT")) {
		*why = "its config: CONFIG_XEN=y without CONFIG_PARAVIRT (a xenlinux port)";
		f = FL_PV_ONLY;
	} else {
		*why = "its config: no xenlinux subarchitecture";
		f = FL_HVM_CAPABLE;
	}
	free(cfg);
	return f;
}

/* @img as written in the entry, found in the root: as is, or under /boot
 * (GRUB legacy paths are relative to a separate /boot partition). */
static bool find_in_root(const struct p2h *x, const char *img, char *out, size_t size)
{
	const char *p = img;

	/* GRUB device prefixes: "(hd0,0)/vmlinuz", "($root)/boot/vmlinuz". */
	if (*p == '(' && strchr(p, ')'))
		p = strchr(p, ')') + 1;
	snprintf(out, size, "%s", p);
	if (*p == '/' && gt_root_exists(x->root, out))
		return true;
	snprintf(out, size, "/boot%s%s", *p == '/' ? "" : "/", p);
	return gt_root_exists(x->root, out);
}

/* The version of image @path: "/boot/vmlinuz-6.1.0-13-amd64" -> "6.1.0-13-amd64". */
static const char *version_of(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b ? b + 1 : path;
	if (gt_startswith(b, "vmlinuz-") || gt_startswith(b, "vmlinux-"))
		return b + 8;
	return NULL;
}

/* The HVM-capable kernels in /boot, for the fix. */
static int list_capable(const struct p2h *x, struct gt_pv_to_hvm_check *c)
{
	char **names = NULL;
	size_t n = 0;
	int ret = 0;

	if (gt_root_list_dir(x->root, "/boot", &names, &n) < 0)
		return 0;
	for (size_t i = 0; i < n && ret == 0; i++) {
		const char *ver = version_of(names[i]), *why;

		if (ver && kernel_flavour(x, ver, &why) == FL_HVM_CAPABLE)
			ret = p2h_detail(c, "/boot/%s can boot as HVM (%s)", names[i],
			                 why);
	}
	gt_strv_free(names);
	return ret;
}

int p2h_check_kernel(struct p2h *x)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_KERNEL];
	struct gt_pv_to_hvm_facts *f = &x->p->facts;
	const struct gt_bootcfg_entry *e;
	char img[600], ird[600];
	const char *ver, *why;
	enum flavour fl;
	int ret;

	if (!x->cfg && x->cfg_err == -ENOENT)
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("install the distribution's boot loader package and write its configuration (grub-mkconfig -o /boot/grub/grub.cfg, or the distribution's equivalent) before switching"),
		        "no boot loader configuration in the root (grub.cfg, menu.lst, grub.conf or extlinux.conf under /boot): the kernel is handed over by the host, and the firmware's boot loader would have nothing to boot");
	if (!x->cfg)
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("make the boot loader configuration readable and run detect again"),
		        "the boot loader configuration cannot be read: %s",
		        gt_strerror(x->cfg_err));
	if (p2h_strdup_set(&f->bootloader_config, x->cfg->path) < 0)
		return -ENOMEM;
	if (x->cfg->default_index < 0)
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("set the default entry of the boot loader configuration to an entry that boots an installed kernel"),
		        "%s (%s): the default entry \"%s\" matches none of its %zu entries, so which kernel boots cannot be told",
		        x->cfg->path, gt_bootcfg_kind_name(x->cfg->kind),
		        x->cfg->default_spec ? x->cfg->default_spec : "0",
		        x->cfg->nentries);
	e = &x->cfg->entries[x->cfg->default_index];
	if ((ret = p2h_detail(c, "%s (%s), default entry %d: \"%s\"", x->cfg->path,
	                      gt_bootcfg_kind_name(x->cfg->kind), x->cfg->default_index,
	                      e->title)) < 0)
		return ret;
	if (!e->kernel)
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("give the default entry a kernel, or make an entry with one the default"),
		        "%s: the default entry \"%s\" boots no Linux kernel",
		        x->cfg->path, e->title);
	if (!find_in_root(x, e->kernel, img, sizeof(img)))
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("regenerate the boot loader configuration from the installed kernels (grub-mkconfig, grubby, update-grub)"),
		        "%s line %zu boots %s, which is not in the root", x->cfg->path,
		        e->line, e->kernel);
	if (p2h_strdup_set(&f->default_kernel, img) < 0 ||
	    p2h_strdup_set(&f->default_cmdline, e->cmdline) < 0)
		return -ENOMEM;
	ver = version_of(img);
	if (ver && p2h_strdup_set(&f->kernel_version, ver) < 0)
		return -ENOMEM;
	fl = ver ? kernel_flavour(x, ver, &why) : FL_UNKNOWN;
	if (!ver)
		why = "nothing: the image is not named vmlinuz-VERSION";
	if (e->initrd && !find_in_root(x, e->initrd, ird, sizeof(ird)))
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("rebuild the initramfs of that kernel (update-initramfs -c -k VERSION, dracut -f, mkinitrd) and point the entry at it"),
		        "the default entry's initramfs %s is not in the root", e->initrd);
	if (e->initrd && p2h_strdup_set(&f->default_initrd, ird) < 0)
		return -ENOMEM;
	if (fl == FL_PV_ONLY) {
		if ((ret = list_capable(x, c)) < 0)
			return ret;
		return p2h_set(
		        c, GT_P2H_NOT_OK,
		        N_("install the distribution's standard kernel (RHEL/CentOS 5: yum install kernel; SLES: zypper install kernel-default), make it the default entry, and keep the Xen kernel only until the switch"),
		        "the default entry boots %s, a PV-only Xen kernel (xenlinux), told by %s: it cannot boot as HVM",
		        img, why);
	}
	if (fl == FL_UNKNOWN)
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("check that the default kernel is the distribution's standard flavour, not a Xen-only one"),
		        "the default entry boots %s, whose flavour cannot be told: %s",
		        img, why);
	if (e->initrd)
		return p2h_set(
		        c, GT_P2H_OK, NULL,
		        "the default entry boots %s with %s, which can boot as HVM (%s)",
		        img, ird, why);
	return p2h_set(
	        c, GT_P2H_OK, NULL,
	        "the default entry boots %s (no initramfs), which can boot as HVM (%s)",
	        img, why);
}
