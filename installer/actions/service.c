/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "transaction/fsops.h"
#include "log.h"
#include "actions/service.h"
#include "spawn.h"
#include "strv.h"

/* 0 when @r succeeded; -errno when the program could not run; -GT_ETOOL
 * (said in the log) when it failed. */
static int tool_result(const char *prog, struct gt_spawn_result r, char *output)
{
	char how[96];

	if (!gt_spawn_ok(r))
		gt_info("%s: %s%s%s", prog, gt_spawn_describe(r, how, sizeof(how)),
		        output && output[0] ? ": " : "", output ? gt_strip(output) : "");
	free(output);
	return gt_spawn_ok(r) ? 0 : r.err ? -r.err : -GT_ETOOL;
}

/* Commands run inside the guest's root: chrooted with --root. */
static int run_in(const struct gt_root *root, const char *const argv[])
{
	struct gt_spawn_opts o = { .capture = 1,
		                   .chroot_dir = root->host ? NULL : root->dir };
	struct gt_spawn_result r;

	gt_debug("running%s%s: %s %s %s", root->host ? "" : " in ",
	         root->host ? "" : root->dir, argv[0], argv[1] ? argv[1] : "",
	         argv[1] && argv[2] ? argv[2] : "");
	r = gt_spawn(argv, &o);
	return tool_result(argv[0], r, o.output);
}

static bool systemd_unit_linked(const struct gt_root *root, const char *name)
{
	static const char *const wants[] = { "multi-user.target.wants",
		                             "default.target.wants",
		                             "graphical.target.wants" };
	char path[512];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/etc/systemd/system/%s/%s.service",
		         wants[i], name);
		if (gt_root_exists(root, path))
			return true;
	}
	return false;
}

/*
 * What rc-update add/del does for the default runlevel, for a root that does
 * not have it (an image being prepared offline).
 */
static int openrc_link(const struct gt_root *root, const char *name, bool add)
{
	char path[512], target[300], *rel = NULL;
	int ret;

	snprintf(path, sizeof(path), "/etc/runlevels/default/%s", name);
	snprintf(target, sizeof(target), "/etc/init.d/%s", name);
	if (!add)
		return gt_fs_unlink(root, path);
	ret = gt_fs_mkdirs(root, "/etc/runlevels/default");
	if (ret == 0)
		ret = gt_root_resolve(root, path, false, &rel);
	if (ret == 0 && symlinkat(target, root->fd, rel) < 0 && errno != EEXIST)
		ret = -errno;
	free(rel);
	return ret;
}

bool gt_service_enabled(const struct gt_root *root, const char *name, const char *init)
{
	char path[512];
	int rl;

	if (strcmp(init, "systemd") == 0)
		return systemd_unit_linked(root, name);
	if (strcmp(init, "openrc") == 0) {
		snprintf(path, sizeof(path), "/etc/runlevels/default/%s", name);
		return gt_root_exists(root, path);
	}
	/* SysV: an S link in a multi-user runlevel (Debian rc2.d, Red Hat rc3.d). */
	for (rl = 2; rl <= 5; rl++) {
		char **names = NULL;
		size_t i, n = 0;
		bool found = false;

		snprintf(path, sizeof(path), "/etc/rc%d.d", rl);
		if (gt_root_list_dir(root, path, &names, &n) < 0) {
			snprintf(path, sizeof(path), "/etc/rc.d/rc%d.d", rl);
			if (gt_root_list_dir(root, path, &names, &n) < 0)
				continue;
		}
		for (i = 0; i < n; i++)
			if (names[i][0] == 'S' && strlen(names[i]) > 3 &&
			    strcmp(names[i] + 3, name) == 0)
				found = true;
		gt_strv_free(names);
		if (found)
			return true;
	}
	return false;
}

bool gt_service_running(const struct gt_root *root, const char *name, const char *init)
{
	if (!root->host)
		return false;
	if (strcmp(init, "systemd") == 0) {
		const char *argv[] = { "systemctl", "is-active", "--quiet", name, NULL };

		return run_in(root, argv) == 0;
	}
	if (strcmp(init, "openrc") == 0) {
		const char *argv[] = { "rc-service", name, "status", NULL };

		return run_in(root, argv) == 0;
	}
	{
		char script[300];

		snprintf(script, sizeof(script), "/etc/init.d/%s", name);
		const char *argv[] = { script, "status", NULL };

		return run_in(root, argv) == 0;
	}
}

int gt_service_enable(const struct gt_root *root, const char *name, const char *init)
{
	char rootopt[4200];

	if (strcmp(init, "systemd") == 0) {
		/* systemctl --root enables offline, without a running systemd. */
		snprintf(rootopt, sizeof(rootopt), "--root=%s",
		         root->host ? "/" : root->dir);
		const char *argv[] = { "systemctl", rootopt, "enable", name, NULL };
		struct gt_spawn_opts o = { .capture = 1 };
		struct gt_spawn_result r = gt_spawn(argv, &o);

		return tool_result(argv[0], r, o.output);
	}
	if (strcmp(init, "openrc") == 0) {
		const char *argv[] = { "rc-update", "add", name, "default", NULL };

		if (gt_which(root->host ? NULL : root->dir, "rc-update"))
			return run_in(root, argv);
		return openrc_link(root, name, true);
	}
	if (gt_which(root->host ? NULL : root->dir, "update-rc.d")) {
		const char *argv[] = { "update-rc.d", name, "defaults", NULL };

		return run_in(root, argv);
	}
	const char *argv[] = { "chkconfig", "--add", name, NULL };

	return run_in(root, argv);
}

int gt_service_start(const struct gt_root *root, const char *name, const char *init)
{
	if (!root->host)
		return 0;
	if (strcmp(init, "systemd") == 0) {
		const char *argv[] = { "systemctl", "start", name, NULL };

		return run_in(root, argv);
	}
	if (strcmp(init, "openrc") == 0) {
		const char *argv[] = { "rc-service", name, "start", NULL };

		return run_in(root, argv);
	}
	char script[300];

	snprintf(script, sizeof(script), "/etc/init.d/%s", name);
	const char *argv[] = { script, "start", NULL };

	return run_in(root, argv);
}

int gt_service_disable(const struct gt_root *root, const char *name, const char *init)
{
	char rootopt[4200];

	if (strcmp(init, "systemd") == 0) {
		if (root->host) {
			const char *stop[] = { "systemctl", "stop", name, NULL };

			run_in(root, stop);
		}
		snprintf(rootopt, sizeof(rootopt), "--root=%s",
		         root->host ? "/" : root->dir);
		const char *argv[] = { "systemctl", rootopt, "disable", name, NULL };
		struct gt_spawn_opts o = { .capture = 1 };
		struct gt_spawn_result r = gt_spawn(argv, &o);

		return tool_result(argv[0], r, o.output);
	}
	if (strcmp(init, "openrc") == 0) {
		const char *argv[] = { "rc-update", "del", name, "default", NULL };

		if (gt_which(root->host ? NULL : root->dir, "rc-update"))
			return run_in(root, argv);
		return openrc_link(root, name, false);
	}
	if (gt_which(root->host ? NULL : root->dir, "update-rc.d")) {
		const char *argv[] = { "update-rc.d", "-f", name, "remove", NULL };

		return run_in(root, argv);
	}
	const char *argv[] = { "chkconfig", "--del", name, NULL };

	return run_in(root, argv);
}
