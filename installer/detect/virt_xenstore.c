/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "xs.h"
#include "detect/virt_xenstore.h"

/* A store that takes longer than this is not waited for: detect must not hang. */
#define XENSTORE_TIMEOUT_MS 2000
#define VALUE_MAX           ((size_t)4096)

struct gt_xenstore {
	const struct gt_root *root;
	bool tried; /* the live store was tried (connected or not) */
	struct gt_xs_conn conn;
};

int gt_xenstore_open(const struct gt_root *root, struct gt_xenstore **out)
{
	struct gt_xenstore *xs = calloc(1, sizeof(*xs));

	if (!xs)
		return -ENOMEM;
	xs->root = root;
	xs->conn.fd = -1;
	*out = xs;
	return 0;
}

void gt_xenstore_close(struct gt_xenstore *xs)
{
	if (!xs)
		return;
	gt_xs_close(&xs->conn);
	free(xs);
}

static bool component_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' ||
		      s[i] == '.'))
			return false;
	return true;
}

bool gt_xenstore_path_ok(const char *path)
{
	const char *s = path;

	if (!path || strlen(path) > 255)
		return false;
	if (*s == '/') {
		if (!gt_startswith(s, "/local/domain/"))
			return false;
		s++;
	}
	for (;;) {
		size_t n = strcspn(s, "/");

		if (!component_ok(s, n))
			return false;
		if (!s[n])
			return true;
		s += n + 1;
	}
}

/* The live store: /dev/xen/xenbus (xenbus_dev_frontend.c), else /proc/xen/xenbus. */
static void connect_live(struct gt_xenstore *xs)
{
	static const char *const devices[] = { "dev/xen/xenbus", "proc/xen/xenbus" };
	size_t i;

	xs->tried = true;
	for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		char display[32];

		snprintf(display, sizeof(display), "/%s", devices[i]);
		if (gt_xs_open(&xs->conn, xs->root->fd, devices[i], display) == 0) {
			xs->conn.timeout_ms = XENSTORE_TIMEOUT_MS;
			return;
		}
	}
}

static int read_live(struct gt_xenstore *xs, const char *path, char **out)
{
	int ret;

	if (!xs->tried)
		connect_live(xs);
	if (xs->conn.fd < 0)
		return -ENOENT;
	ret = gt_xs_read(&xs->conn, path, out);
	if (gt_xs_conn_lost(ret)) {
		gt_xs_close(&xs->conn); /* one stuck store costs one timeout, not one per
		                           read */
		return -ENOENT;
	}
	return ret;
}

static int read_file(struct gt_xenstore *xs, const char *path, char **out)
{
	char *file = NULL, *buf = NULL;
	size_t len = 0;
	int ret;

	if (asprintf(&file, "/%s/%s", GT_XENSTORE_DIR, path[0] == '/' ? path + 1 : path) <
	    0)
		return -ENOMEM;
	ret = gt_root_read_file(xs->root, file, VALUE_MAX, &buf, &len);
	free(file);
	if (ret < 0)
		return ret == -ENOMEM ? ret : -ENOENT;
	/* A value written by hand may end in a newline; xenstore's never do here. */
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	*out = buf;
	return 0;
}

int gt_xenstore_read(struct gt_xenstore *xs, const char *path, char **out)
{
	*out = NULL;
	if (!gt_xenstore_path_ok(path))
		return -EINVAL;
	return xs->root->host ? read_live(xs, path, out) : read_file(xs, path, out);
}

int gt_xenstore_frontend_paths(const char *nodename, char *out[3])
{
	const char *type = nodename + strlen("device/");

	out[0] = out[1] = out[2] = NULL;
	if (!gt_startswith(nodename, "device/") || nodename[0] == '/' ||
	    !gt_xenstore_path_ok(nodename) || !strchr(type, '/') ||
	    strchr(strchr(type, '/') + 1, '/'))
		return -EINVAL;
	if ((gt_startswith(type, "vbd/") &&
	     asprintf(&out[0], "%s/device-type", nodename) < 0) ||
	    asprintf(&out[1], "%s/state", nodename) < 0 ||
	    asprintf(&out[2], "%s/backend", nodename) < 0) {
		free(out[0]);
		free(out[1]);
		out[0] = out[1] = out[2] = NULL;
		return -ENOMEM;
	}
	return 0;
}

int gt_xenstore_nodename(const struct gt_root *root, const char *busid, char **out)
{
	const char *dash = strchr(busid, '-');
	char path[300];

	snprintf(path, sizeof(path), "/sys/bus/xen/devices/%s/nodename", busid);
	if (gt_root_read_line(root, path, out) == 0) {
		if (gt_xenstore_path_ok(*out))
			return 0;
		free(*out);
		*out = NULL;
	}
	if (!dash || dash == busid)
		return -EINVAL;
	if (asprintf(out, "device/%.*s/%s", (int)(dash - busid), busid, dash + 1) < 0) {
		*out = NULL;
		return -ENOMEM;
	}
	if (!gt_xenstore_path_ok(*out)) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

static int push_pair(char ***v, size_t *n, const char *path, const char *value)
{
	return gt_strv_push(v, n, path) < 0 || gt_strv_push(v, n, value) < 0 ? -ENOMEM
	                                                                     : 0;
}

/* One frontend's values into the pair vector. */
static int snapshot_one(struct gt_xenstore *xs, const char *nodename, char ***v,
                        size_t *n)
{
	char *paths[3], *value = NULL, *bstate = NULL;
	int ret = gt_xenstore_frontend_paths(nodename, paths);
	size_t i;

	if (ret < 0)
		return ret == -ENOMEM ? ret : 0;
	for (i = 0; i < 3 && ret == 0; i++) {
		if (!paths[i] || gt_xenstore_read(xs, paths[i], &value) < 0)
			continue;
		ret = push_pair(v, n, paths[i], value);
		if (ret == 0 && i == 2 && asprintf(&bstate, "%s/state", value) >= 0) {
			char *bvalue = NULL;

			if (gt_xenstore_read(xs, bstate, &bvalue) == 0)
				ret = push_pair(v, n, bstate, bvalue);
			free(bvalue);
			free(bstate);
			bstate = NULL;
		}
		free(value);
		value = NULL;
	}
	for (i = 0; i < 3; i++)
		free(paths[i]);
	return ret;
}

int gt_xenstore_snapshot(const struct gt_root *root, char ***out)
{
	struct gt_xenstore *xs = NULL;
	char **names = NULL, **v = NULL;
	size_t i, count = 0, n = 0;
	int ret = gt_xenstore_open(root, &xs);

	if (ret < 0)
		return ret;
	if (gt_root_list_dir(root, "/sys/bus/xen/devices", &names, &count) == 0) {
		for (i = 0; i < count && ret == 0; i++) {
			char *nodename = NULL;

			if (!gt_startswith(names[i], "vbd-") &&
			    !gt_startswith(names[i], "vif-"))
				continue;
			ret = gt_xenstore_nodename(root, names[i], &nodename);
			if (ret < 0) {
				ret = ret == -ENOMEM ? ret : 0;
				continue;
			}
			ret = snapshot_one(xs, nodename, &v, &n);
			free(nodename);
		}
	}
	gt_strv_free(names);
	gt_xenstore_close(xs);
	if (ret == 0 && !v && !(v = calloc(1, sizeof(*v))))
		ret = -ENOMEM;
	if (ret < 0) {
		gt_strv_free(v);
		return ret;
	}
	*out = v;
	return 0;
}
