/* SPDX-License-Identifier: MIT */
/*
 * A console the HVM console tab shows: a getty on ttyS0 (and tty1), and
 * console=tty0 console=hvc0 on the kernel command line (hvc0 kept last, so
 * that a PV boot still has its console), each the distribution's way.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "actions/hvm/edit.h"
#include "actions/hvm/hvm_parts.h"
#include "error.h"
#include "strv.h"

#define CHECK "console"

static bool lexists(const struct hvm *h, const char *path)
{
	struct stat st;

	return gt_root_stat(h->root, path, false, &st) == 0;
}

static bool is_link(const struct hvm *h, const char *path)
{
	struct stat st;

	return gt_root_stat(h->root, path, false, &st) == 0 && S_ISLNK(st.st_mode);
}

static const char *first_present(const struct hvm *h, const char *const *paths)
{
	for (; *paths; paths++)
		if (gt_root_exists(h->root, *paths))
			return *paths;
	return NULL;
}

/*
 * systemd: what "systemctl enable serial-getty@ttyS0.service" makes, a link
 * in getty.target.wants (the template's [Install] WantedBy=getty.target; the
 * units' own files, units/serial-getty@.service.in in systemd's sources).
 */
static int systemd_getty(struct hvm *h, const char *unit, const char *tmpl_name)
{
	static const char *const dirs[] = { "/lib/systemd/system/",
		                            "/usr/lib/systemd/system/" };
	char link[200], tmpl[200], desc[300], shown[600];
	int ret;
	size_t i;

	snprintf(link, sizeof(link), "/etc/systemd/system/getty.target.wants/%s", unit);
	if (lexists(h, link))
		return 0;
	for (i = 0; i < 2; i++) {
		snprintf(tmpl, sizeof(tmpl), "%s%s", dirs[i], tmpl_name);
		if (gt_root_exists(h->root, tmpl))
			break;
	}
	if (i == 2)
		return hvm_add_item(
		        h, false, CHECK, NULL,
		        "not done: %s: systemd's %s is not installed in the guest", unit,
		        tmpl_name);
	snprintf(desc, sizeof(desc),
	         "enable %s (a link in getty.target.wants, as systemctl enable makes)",
	         unit);
	snprintf(
	        shown, sizeof(shown),
	        gt_tr("enable %s (a link in getty.target.wants, as systemctl enable makes)"),
	        unit);
	ret = hvm_add_link(h, CHECK, link, tmpl, desc);
	return ret < 0 ? ret : hvm_step_shown(h, shown);
}

/* An uncommented inittab entry whose process runs on @tty. */
static bool inittab_has(const char *buf, size_t len, const char *tty, const char *id)
{
	const char *p = buf, *end = buf + len, *nl;

	for (; p < end; p = nl + 1) {
		const char *s = p, *colon;
		size_t tl = strlen(tty), il = strlen(id);

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		while (s < nl && isspace((unsigned char)*s))
			s++;
		if (s == nl || *s == '#')
			continue;
		colon = memchr(s, ':', (size_t)(nl - s));
		if (colon && (size_t)(colon - s) == il && memcmp(s, id, il) == 0)
			return true; /* the id is taken: treated as there */
		for (; s + tl <= nl; s++)
			if (memcmp(s, tty, tl) == 0 &&
			    (s + tl == nl || isspace((unsigned char)s[tl])))
				return true;
	}
	return false;
}

/* SysV init (and busybox, OpenRC): a respawn line in /etc/inittab. */
static int inittab_getty(struct hvm *h)
{
	static const char *const gettys[] = { "/sbin/getty", "/sbin/agetty", NULL };
	const char *getty = first_present(h, gettys);
	char *buf = NULL, *content;
	size_t len = 0;
	bool s0, t1;
	int ret = hvm_read(h, "/etc/inittab", &buf, &len);

	if (ret < 0 || !buf)
		return ret;
	s0 = inittab_has(buf, len, "ttyS0", "gtS0");
	t1 = inittab_has(buf, len, "tty1", "gt1");
	if ((s0 && t1) || !getty) {
		free(buf);
		return s0 && t1
		               ? 0
		               : hvm_add_item(
		                         h, false, CHECK, NULL,
		                         "not done: /etc/inittab has no getty on %s, and neither /sbin/getty nor /sbin/agetty is in the guest: add one by hand",
		                         s0 ? "tty1" : "ttyS0");
	}
	if (asprintf(&content, "%s%s%s%s%s%s%s", buf,
	             len && buf[len - 1] != '\n' ? "\n" : "",
	             "# Added by guest-tools (prepare-hvm): consoles for HVM\n",
	             s0 ? "" : "gtS0:2345:respawn:", s0 ? "" : getty,
	             s0 ? "" : " -L ttyS0 115200 vt100\n", "") < 0) {
		free(buf);
		return -ENOMEM;
	}
	free(buf);
	if (!t1) {
		char *more;

		if (asprintf(&more, "%sgt1:2345:respawn:%s 38400 tty1\n", content,
		             getty) < 0) {
			free(content);
			return -ENOMEM;
		}
		free(content);
		content = more;
	}
	return hvm_add_write(
	        h, CHECK, "/etc/inittab", content,
	        "add a getty on ttyS0 and tty1 to /etc/inittab where missing");
}

static int getty(struct hvm *h)
{
	int ret;

	if (strcmp(h->d->init, "systemd") == 0) {
		ret = systemd_getty(h, "serial-getty@ttyS0.service",
		                    "serial-getty@.service");
		return ret < 0 ? ret
		               : systemd_getty(h, "getty@tty1.service", "getty@.service");
	}
	if (gt_root_exists(h->root, "/etc/inittab"))
		return inittab_getty(h);
	return hvm_add_item(
	        h, false, CHECK, NULL,
	        "not done: a getty on ttyS0 for the %s init system: add one by hand",
	        h->d->init);
}

/* The generated grub.cfg @path boots with a console the HVM console tab shows. */
static bool grub_cfg_has_console(const struct hvm *h, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	bool has;

	if (hvm_read(h, path, &buf, &len) < 0 || !buf)
		return false;
	has = strstr(buf, "console=tty0") || strstr(buf, "console=ttyS");
	free(buf);
	return has;
}

/* GRUB 2 the distribution's way: /etc/default/grub, then its own generator. */
static int default_grub(struct hvm *h)
{
	static const char *const gens[][4] = {
		{ "/usr/sbin/update-grub", "update-grub", NULL, "/boot/grub/grub.cfg" },
		{ "/usr/sbin/grub2-mkconfig", "grub2-mkconfig", "-o",
		  "/boot/grub2/grub.cfg" },
		{ "/usr/sbin/grub-mkconfig", "grub-mkconfig", "-o",
		  "/boot/grub/grub.cfg" },
	};
	char *buf = NULL, *fixed = NULL, **backups = NULL;
	bool edited;
	size_t len = 0, i, nb = 0;
	int ret = hvm_read(h, "/etc/default/grub", &buf, &len);

	if (ret < 0)
		return ret;
	ret = gt_hvm_default_grub_fix(buf, len, &fixed);
	free(buf);
	if (ret == -GT_EPARSE)
		return hvm_add_item(
		        h, false, CHECK, NULL,
		        "not done: GRUB_CMDLINE_LINUX in /etc/default/grub is not a plain quoted value: add console=tty0 console=hvc0 to it by hand, then run update-grub");
	if (ret < 0)
		return ret;
	edited = fixed != NULL;
	if (fixed) { /* taken by the step */
		ret = hvm_add_write(
		        h, CHECK, "/etc/default/grub", fixed,
		        "add console=tty0 console=hvc0 to GRUB_CMDLINE_LINUX in /etc/default/grub");
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < 3; i++)
		if (gt_root_exists(h->root, gens[i][0]))
			break;
	/* Set already: written again only when grub.cfg does not have it yet. */
	if (!edited && (i == 3 || grub_cfg_has_console(h, gens[i][3])))
		return 0;
	if (i == 3)
		return hvm_add_item(
		        h, false, CHECK, "update-grub",
		        "not done: no grub-mkconfig in the guest to write grub.cfg from /etc/default/grub");
	if (gt_strv_push(&backups, &nb, gens[i][3]) < 0)
		return -ENOMEM;
	return hvm_add_run(h, CHECK,
	                   gens[i][2] ? (const char *const[]){ gens[i][1], gens[i][2],
	                                                       gens[i][3], NULL }
	                              : (const char *const[]){ gens[i][1], NULL },
	                   backups, "write grub.cfg again from /etc/default/grub");
}

/*
 * A configuration no generator owns: GRUB legacy's menu.lst/grub.conf, or a
 * grub.cfg written by hand for pygrub (no /etc/default/grub). A link is
 * left alone: the file it names is in the list too.
 */
static int boot_configs(struct hvm *h, bool grub2_generated)
{
	static const char *const paths[] = { "/boot/grub/menu.lst",
		                             "/boot/grub/grub.conf",
		                             "/boot/grub/grub.cfg",
		                             "/boot/grub2/grub.cfg" };
	size_t i;
	int ret = 0;

	for (i = 0; i < 4 && ret == 0; i++) {
		char *buf = NULL, *fixed = NULL, desc[300], shown[600];
		size_t len = 0;

		if ((grub2_generated && i >= 2) || is_link(h, paths[i]))
			continue;
		ret = hvm_read(h, paths[i], &buf, &len);
		if (ret < 0 || !buf)
			continue;
		ret = gt_hvm_bootcfg_fix(buf, len, h->root_uuid, &fixed);
		free(buf);
		if (ret < 0 || !fixed)
			continue;
		if (h->root_uuid) {
			snprintf(
			        desc, sizeof(desc),
			        "add console=tty0 console=hvc0 and root=UUID to the kernel lines of %s",
			        paths[i]);
			snprintf(
			        shown, sizeof(shown),
			        gt_tr("add console=tty0 console=hvc0 and root=UUID to the kernel lines of %s"),
			        paths[i]);
		} else {
			snprintf(
			        desc, sizeof(desc),
			        "add console=tty0 console=hvc0 to the kernel lines of %s",
			        paths[i]);
			snprintf(
			        shown, sizeof(shown),
			        gt_tr("add console=tty0 console=hvc0 to the kernel lines of %s"),
			        paths[i]);
		}
		ret = hvm_add_write(h, CHECK, paths[i], fixed, desc);
		if (ret == 0)
			ret = hvm_step_shown(h, shown);
	}
	return ret;
}

int hvm_plan_console(struct hvm *h)
{
	bool generated = gt_root_exists(h->root, "/etc/default/grub");
	int ret = getty(h);

	if (ret == 0 && generated)
		ret = default_grub(h);
	return ret < 0 ? ret : boot_configs(h, generated);
}
