/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "detect/initsys.h"
#include "strv.h"

static bool is_dir(const struct gt_root *root, const char *path)
{
	struct stat st;

	return gt_root_stat(root, path, true, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The name pid 1 runs under, when /proc is there to say it. */
static const char *from_pid1(const struct gt_root *root)
{
	static const char *const names[] = { "systemd", "openrc-init", "runit",
		                             "runsvdir", NULL };
	static const char *const systems[] = { "systemd", "openrc", "runit", "runit" };
	char *comm = NULL;
	const char *found = NULL;
	size_t i;

	if (gt_root_read_line(root, "/proc/1/comm", &comm) < 0)
		return NULL;
	for (i = 0; names[i]; i++)
		if (strcmp(comm, names[i]) == 0)
			found = systems[i];
	free(comm);
	return found;
}

const char *gt_initsys_detect(const struct gt_root *root, const char **evidence)
{
	const char *pid1, *ev = NULL, *sys = "unknown";
	char *target = NULL;

	/* sd_booted(3): the test systemd itself documents. */
	if (is_dir(root, "/run/systemd/system")) {
		sys = "systemd";
		ev = "/run/systemd/system is a directory";
	} else if ((pid1 = from_pid1(root))) {
		sys = pid1;
		ev = "/proc/1/comm";
	} else if (gt_root_exists(root, "/sbin/openrc") ||
	           gt_root_exists(root, "/sbin/openrc-run") ||
	           is_dir(root, "/etc/runlevels")) {
		sys = "openrc";
		ev = "OpenRC is installed (/sbin/openrc or /etc/runlevels)";
	} else if (gt_root_exists(root, "/sbin/initctl") && is_dir(root, "/etc/init") &&
	           !gt_root_exists(root, "/lib/systemd/systemd")) {
		sys = "upstart";
		ev = "/sbin/initctl and /etc/init (Upstart)";
	} else if (gt_root_exists(root, "/sbin/runit") ||
	           gt_root_exists(root, "/etc/runit/1")) {
		sys = "runit";
		ev = "runit is installed";
	} else if (gt_root_readlink(root, "/sbin/init", &target) == 0 &&
	           strstr(target, "systemd")) {
		sys = "systemd";
		ev = "/sbin/init links to systemd";
	} else if (gt_root_exists(root, "/lib/systemd/systemd") &&
	           !gt_root_exists(root, "/etc/inittab")) {
		sys = "systemd";
		ev = "/lib/systemd/systemd is installed and there is no /etc/inittab";
	} else if (gt_root_exists(root, "/etc/inittab") || is_dir(root, "/etc/init.d") ||
	           is_dir(root, "/etc/rc.d")) {
		sys = "sysvinit";
		ev = "/etc/inittab or /etc/init.d (SysV init)";
	}
	free(target);
	if (evidence)
		*evidence = ev;
	return sys;
}
