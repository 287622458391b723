/* SPDX-License-Identifier: MIT */
/* The PV-to-HVM readiness check: runs the parts, owns the result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/pv_to_hvm_parts.h"
#include "error.h"
#include "i18n.h"
#include "strv.h"

static const char *const check_ids[GT_P2H_NCHECKS] = {
	[GT_P2H_BOOT_CODE] = "boot_code",
	[GT_P2H_KERNEL] = "kernel",
	[GT_P2H_INITRAMFS_DRIVERS] = "initramfs_drivers",
	[GT_P2H_CONSOLE] = "console",
	[GT_P2H_ROOT_NAMES] = "root_names",
	[GT_P2H_NICS] = "nics",
};

/*
 * Each evidence, fix and detail is formatted twice as it is made: English
 * for JSON, and in the chosen language (gt_tr) for people (docs/HACKING.md,
 * "Languages").
 */
int p2h_set(struct gt_pv_to_hvm_check *c, enum gt_p2h_state s, const char *fix,
            const char *fmt, ...)
{
	char *ev = NULL, *ev_shown = NULL, *f = NULL, *f_shown = NULL;
	va_list ap, ap2;
	int n, n2;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vasprintf(&ev, fmt, ap);
	n2 = vasprintf(&ev_shown, gt_tr(fmt), ap2);
	va_end(ap2);
	va_end(ap);
	if (n < 0 || n2 < 0 ||
	    (fix && (!(f = strdup(fix)) || !(f_shown = strdup(gt_tr(fix)))))) {
		if (n >= 0)
			free(ev);
		if (n2 >= 0)
			free(ev_shown);
		free(f);
		free(f_shown);
		return -ENOMEM;
	}
	free(c->evidence);
	free(c->evidence_shown);
	free(c->fix);
	free(c->fix_shown);
	c->state = s;
	c->evidence = ev;
	c->evidence_shown = ev_shown;
	c->fix = f;
	c->fix_shown = f_shown;
	return 0;
}

static int push_line(char ***vec, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
static int push_line(char ***vec, const char *fmt, va_list ap)
{
	size_t n = gt_strv_len(*vec);
	char *line = NULL;
	int ret;

	if (vasprintf(&line, fmt, ap) < 0)
		return -ENOMEM;
	ret = gt_strv_push(vec, &n, line);
	free(line);
	return ret;
}

int p2h_detail(struct gt_pv_to_hvm_check *c, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = push_line(&c->details, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	va_start(ap, fmt);
	ret = push_line(&c->details_shown, gt_tr(fmt), ap);
	va_end(ap);
	return ret;
}

int p2h_strdup_set(char **dst, const char *s)
{
	char *c = s ? strdup(s) : NULL;

	if (s && !c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

char *p2h_read(const struct p2h *x, const char *path, size_t *len)
{
	char *buf = NULL;

	*len = 0;
	if (gt_root_read_file(x->root, path, P2H_TEXT_MAX, &buf, len) < 0)
		return NULL;
	return buf;
}

/* The configuration kind the MBR's boot loader reads, or -1. */
static int loader_kind(const char *mbr)
{
	if (!mbr)
		return -1;
	if (strcmp(mbr, "grub2") == 0)
		return GT_BOOTCFG_GRUB2;
	if (strcmp(mbr, "grub-legacy") == 0)
		return GT_BOOTCFG_GRUB_LEGACY;
	if (strcmp(mbr, "syslinux") == 0)
		return GT_BOOTCFG_EXTLINUX;
	return -1;
}

const char *gt_p2h_state_name(enum gt_p2h_state s)
{
	return s == GT_P2H_OK ? "ok" : s == GT_P2H_NOT_OK ? "not ok" : "unknown";
}

const struct gt_pv_to_hvm_check *gt_pv_to_hvm_find(const struct gt_pv_to_hvm *p,
                                                   const char *id)
{
	for (size_t i = 0; i < GT_P2H_NCHECKS; i++)
		if (strcmp(p->checks[i].id, id) == 0)
			return &p->checks[i];
	return NULL;
}

/* The checks, by id; run in the order gt_pv_to_hvm_check gives. */
static int (*const parts[GT_P2H_NCHECKS])(struct p2h *) = {
	[GT_P2H_BOOT_CODE] = p2h_check_boot_code,
	[GT_P2H_KERNEL] = p2h_check_kernel,
	[GT_P2H_INITRAMFS_DRIVERS] = p2h_check_initramfs,
	[GT_P2H_CONSOLE] = p2h_check_console,
	[GT_P2H_ROOT_NAMES] = p2h_check_root_names,
	[GT_P2H_NICS] = p2h_check_nics,
};

int gt_pv_to_hvm_check(const struct gt_root *root, const struct gt_detect *d,
                       const char *disk_path, struct gt_pv_to_hvm **out)
{
	struct p2h x = { .root = root, .d = d, .disk_path = disk_path };
	int ret = 0;
	size_t i;

	x.p = calloc(1, sizeof(*x.p));
	if (!x.p)
		return -ENOMEM;
	for (i = 0; i < GT_P2H_NCHECKS; i++) {
		x.p->checks[i].id = check_ids[i];
		x.p->checks[i].details = calloc(1, sizeof(char *));
		x.p->checks[i].details_shown = calloc(1, sizeof(char *));
		if (!x.p->checks[i].details || !x.p->checks[i].details_shown)
			ret = -ENOMEM;
	}
	/* The boot code first: it says which boot loader's configuration
	 * counts. Then the kernel: the initramfs and console checks use its
	 * entry. */
	if (ret == 0)
		ret = parts[GT_P2H_BOOT_CODE](&x);
	if (ret == 0) {
		x.cfg_err = gt_bootcfg_read(root, loader_kind(x.p->facts.mbr_boot_code),
		                            &x.cfg);
		/* The kernel check says what is missing or unreadable. */
		ret = x.cfg_err == -ENOMEM ? -ENOMEM : 0;
	}
	if (ret == 0)
		ret = parts[GT_P2H_KERNEL](&x);
	for (i = GT_P2H_KERNEL + 1; ret == 0 && i < GT_P2H_NCHECKS; i++)
		ret = parts[i](&x);
	gt_bootcfg_free(x.cfg);
	if (ret < 0) {
		gt_pv_to_hvm_free(x.p);
		return ret;
	}
	x.p->ready = true;
	for (i = 0; i < GT_P2H_NCHECKS; i++)
		if (x.p->checks[i].state != GT_P2H_OK)
			x.p->ready = false;
	*out = x.p;
	return 0;
}

void gt_pv_to_hvm_free(struct gt_pv_to_hvm *p)
{
	struct gt_pv_to_hvm_facts *f;

	if (!p)
		return;
	for (size_t i = 0; i < GT_P2H_NCHECKS; i++) {
		free(p->checks[i].evidence);
		free(p->checks[i].fix);
		free(p->checks[i].evidence_shown);
		free(p->checks[i].fix_shown);
		gt_strv_free(p->checks[i].details);
		gt_strv_free(p->checks[i].details_shown);
	}
	f = &p->facts;
	free(f->disk);
	free(f->esp_loader_path);
	free(f->bootloader_config);
	free(f->default_kernel);
	free(f->default_initrd);
	free(f->default_cmdline);
	free(f->kernel_version);
	free(p);
}
