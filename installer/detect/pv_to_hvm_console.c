/* SPDX-License-Identifier: MIT */
/*
 * console: under HVM the console the admin sees is the emulated VGA (tty0)
 * or the emulated serial port (ttyS0); hvc0 is the PV console. A guest
 * whose kernel command line and login prompt are on hvc0 only boots to a
 * blank console tab.
 *
 * The kernel: "console=" on the default entry's command line; none means
 * tty0 (Documentation/admin-guide/serial-console.rst). The login prompt:
 *  - systemd: getty@ttyN or serial-getty@ttyS0 enabled (a link in
 *    /etc/systemd/system/getty.target.wants/ or multi-user.target.wants/),
 *    or console=ttyS0 on the command line, for which
 *    systemd-getty-generator starts serial-getty@ttyS0 itself
 *    (src/getty-generator/getty-generator.c);
 *  - sysvinit: a "respawn" getty line on ttyN or ttyS0 in /etc/inittab
 *    (RHEL 5 PV guests have "co:2345:respawn:/sbin/agetty xvc0 ...");
 *  - upstart (RHEL 6): /etc/init/start-ttys.conf with ACTIVE_CONSOLES in
 *    /etc/sysconfig/init naming /dev/ttyN; Ubuntu's /etc/init/ttyN.conf.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/pv_to_hvm_parts.h"
#include "strv.h"

static bool hvm_tty(const char *t, size_t n)
{
	if (n >= 4 && strncmp(t, "ttyS", 4) == 0)
		return true;
	return n >= 4 && strncmp(t, "tty", 3) == 0 && isdigit((unsigned char)t[3]);
}

/* The console= values of @cmdline: whether any is tty0/ttyN/ttySN, and all. */
static void cmdline_consoles(const char *cmdline, bool *any, bool *hvm, bool *serial,
                             char *list, size_t size)
{
	*any = *hvm = *serial = false;
	*list = '\0';
	for (const char *p = cmdline; p && (p = strstr(p, "console=")); p += 8) {
		size_t n;

		if (p != cmdline && !isspace((unsigned char)p[-1]))
			continue;
		n = strcspn(p + 8, " \t,");
		*any = true;
		if (hvm_tty(p + 8, n))
			*hvm = true;
		if (n >= 4 && strncmp(p + 8, "ttyS", 4) == 0)
			*serial = true;
		snprintf(list + strlen(list), size - strlen(list), "%s%.*s",
		         *list ? " " : "", (int)n, p + 8);
	}
}

/* systemd: an enabled getty on a tty HVM shows. */
static const char *systemd_getty(const struct p2h *x, char *found, size_t size)
{
	static const char *const dirs[] = { "/etc/systemd/system/getty.target.wants",
		                            "/etc/systemd/system/multi-user.target.wants",
		                            NULL };

	for (size_t d = 0; dirs[d]; d++) {
		char **names = NULL;
		size_t n = 0;

		if (gt_root_list_dir(x->root, dirs[d], &names, &n) < 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			const char *at = strchr(names[i], '@');

			if ((gt_startswith(names[i], "getty@") ||
			     gt_startswith(names[i], "serial-getty@")) &&
			    at && hvm_tty(at + 1, strcspn(at + 1, "."))) {
				snprintf(found, size, "%s/%s", dirs[d], names[i]);
				gt_strv_free(names);
				return found;
			}
		}
		gt_strv_free(names);
	}
	return NULL;
}

/* sysvinit: "id:runlevels:respawn:/sbin/getty 38400 tty1" on a tty HVM shows. */
static const char *inittab_getty(const char *inittab, char *found, size_t size)
{
	size_t no = 0;

	for (const char *p = inittab; p && *p; no++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[512], *save = NULL;

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		p = nl ? nl + 1 : NULL;
		if (line[0] == '#' || !strstr(line, ":respawn:") ||
		    !strstr(line, "getty"))
			continue;
		for (char *w = strtok_r(line, " \t:", &save); w;
		     w = strtok_r(NULL, " \t:", &save))
			if (hvm_tty(w, strlen(w))) {
				snprintf(found, size, "/etc/inittab line %zu (%s)",
				         no + 1, w);
				return found;
			}
	}
	return NULL;
}

static const char *const fix_console = N_(
        "put console=tty0 on the kernel command line (with console=hvc0 after it to keep the PV console: GRUB_CMDLINE_LINUX in /etc/default/grub then update-grub or grub2-mkconfig, or the kernel line of menu.lst) and enable a login prompt on tty1 or ttyS0 (systemd: systemctl enable getty@tty1; sysvinit: a getty line for tty1 in /etc/inittab); installer prepare-hvm does both");

int p2h_check_console(struct p2h *x)
{
	struct gt_pv_to_hvm_check *c = &x->p->checks[GT_P2H_CONSOLE];
	const char *cmdline = x->p->facts.default_cmdline, *getty = NULL, *init;
	char list[256], found[600], *buf;
	bool any, hvm, serial, known = true;
	size_t len;
	int ret;

	if (!cmdline)
		return p2h_set(
		        c, GT_P2H_UNKNOWN, N_("fix the kernel check first"),
		        "no default boot entry was found, so its console= cannot be read (see the kernel check)");
	cmdline_consoles(cmdline, &any, &hvm, &serial, list, sizeof(list));
	init = x->d && x->d->init ? x->d->init : "unknown";
	if (serial && strcmp(init, "systemd") == 0) {
		getty = "console=ttyS0 (systemd-getty-generator starts serial-getty@ttyS0)";
	} else if (strcmp(init, "systemd") == 0) {
		getty = systemd_getty(x, found, sizeof(found));
	} else if (strcmp(init, "sysvinit") == 0 || strcmp(init, "upstart") == 0 ||
	           strcmp(init, "unknown") == 0) {
		buf = p2h_read(x, "/etc/inittab", &len);
		getty = buf ? inittab_getty(buf, found, sizeof(found)) : NULL;
		free(buf);
		if (!getty && gt_root_exists(x->root, "/etc/init/start-ttys.conf")) {
			buf = p2h_read(x, "/etc/sysconfig/init", &len);
			if (buf && strstr(buf, "ACTIVE_CONSOLES=/dev/tty"))
				getty = "/etc/init/start-ttys.conf with ACTIVE_CONSOLES=/dev/tty... in /etc/sysconfig/init";
			free(buf);
		}
		if (!getty && gt_root_exists(x->root, "/etc/init/tty1.conf"))
			getty = "/etc/init/tty1.conf";
		if (!getty && strcmp(init, "unknown") == 0)
			known = false;
	} else {
		known = false;
	}
	/* Whole messages: the words in parentheses are translated with them. */
	ret = any ? p2h_detail(c, "kernel command line: %s", list)
	          : p2h_detail(c, "kernel command line: no console= (tty0)");
	if (ret == 0 && getty)
		ret = p2h_detail(c, "login prompt on tty0/ttyS0 (%s): %s", init, getty);
	else if (ret == 0 && known)
		ret = p2h_detail(c, "login prompt on tty0/ttyS0 (%s): none found", init);
	else if (ret == 0)
		ret = p2h_detail(c, "login prompt on tty0/ttyS0 (%s): cannot be told",
		                 init);
	if (ret < 0)
		return ret;
	if (any && !hvm)
		return p2h_set(
		        c, GT_P2H_NOT_OK, fix_console,
		        "the kernel console is only on %s: under HVM the console shows nothing",
		        list);
	if (!getty && known)
		return p2h_set(
		        c, GT_P2H_NOT_OK, fix_console,
		        "no login prompt is enabled on tty1 or ttyS0 (%s): under HVM the console has no login",
		        init);
	if (!getty)
		return p2h_set(
		        c, GT_P2H_UNKNOWN,
		        N_("check that a login prompt runs on tty1 or ttyS0 under this init system"),
		        "the kernel console includes tty0 or ttyS0, but the init system (%s) is not one whose login prompts can be read",
		        init);
	if (!any)
		return p2h_set(
		        c, GT_P2H_OK, NULL,
		        "the kernel console (tty0 by default) and a login prompt (%s) are on consoles HVM shows",
		        getty);
	return p2h_set(
	        c, GT_P2H_OK, NULL,
	        "the kernel console (%s) and a login prompt (%s) are on consoles HVM shows",
	        list, getty);
}
