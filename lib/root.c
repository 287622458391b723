/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "root.h"
#include "strv.h"

int gt_root_open(const char *dir, struct gt_root **out)
{
	struct gt_root *root;
	int fd;

	fd = open(dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	root = calloc(1, sizeof(*root));
	if (!root || !(root->dir = strdup(dir ? dir : "/"))) {
		free(root);
		close(fd);
		return -ENOMEM;
	}
	root->fd = fd;
	root->host = dir == NULL;
	*out = root;
	return 0;
}

void gt_root_close(struct gt_root *root)
{
	if (!root)
		return;
	close(root->fd);
	free(root->dir);
	free(root);
}

/* Drop the last component of @s (a relative path with no trailing slash). */
static void pop_component(char *s)
{
	char *slash = strrchr(s, '/');

	if (slash)
		*slash = '\0';
	else
		s[0] = '\0';
}

/* Replace *@rest by "@target/@tail", freeing the old one. */
static int splice_rest(char **rest, const char *target, const char *tail)
{
	size_t len = strlen(target) + strlen(tail) + 2;
	char *n;

	if (len > PATH_MAX)
		return -ENAMETOOLONG;
	n = malloc(len);
	if (!n)
		return -ENOMEM;
	snprintf(n, len, "%s/%s", target, tail);
	free(*rest);
	*rest = n;
	return 0;
}

int gt_root_resolve(const struct gt_root *root, const char *path, bool follow_last,
                    char **out)
{
	char *rest = NULL, *done = NULL, *p;
	char target[PATH_MAX];
	int links = 0, ret = -ENOMEM;
	struct stat st;

	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	rest = strdup(path);
	/* done never outgrows PATH_MAX: checked at each component. */
	done = calloc(1, PATH_MAX);
	if (!rest || !done)
		goto out;
	p = rest;
	for (;;) {
		char *comp, *next;
		size_t dlen;
		bool last;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		comp = p;
		next = strchr(p, '/');
		if (next)
			*next++ = '\0';
		else
			next = p + strlen(p);
		p = next;
		while (*next == '/')
			next++;
		last = *next == '\0';

		if (strlen(comp) > NAME_MAX) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			pop_component(done); /* ".." at the root stays at the root */
			continue;
		}
		dlen = strlen(done);
		if (dlen + 1 + strlen(comp) >= PATH_MAX) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		snprintf(done + dlen, PATH_MAX - dlen, "%s%s", dlen ? "/" : "", comp);
		if (last && !follow_last)
			break;
		/* Missing (or under a missing one): kept as written, and a
		 * later ".." removes it again; what follows is looked up. */
		if (fstatat(root->fd, done, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISLNK(st.st_mode))
			continue;
		if (++links > 40) {
			ret = -ELOOP;
			goto out;
		}
		n = readlinkat(root->fd, done, target, sizeof(target));
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if ((size_t)n >= sizeof(target)) {
			ret = -ENAMETOOLONG;
			goto out;
		}
		target[n] = '\0';
		pop_component(done);
		if (target[0] == '/')
			done[0] = '\0';
		ret = splice_rest(&rest, target, p);
		if (ret < 0)
			goto out;
		p = rest;
	}
	if (!done[0])
		snprintf(done, PATH_MAX, ".");
	*out = done;
	done = NULL;
	ret = 0;
out:
	free(rest);
	free(done);
	return ret;
}

int gt_root_open_file(const struct gt_root *root, const char *path, int flags)
{
	return gt_root_openat(root, path, flags, 0);
}

int gt_root_read_file(const struct gt_root *root, const char *path, size_t max,
                      char **buf, size_t *len)
{
	char *data = NULL, *bigger;
	size_t used = 0, cap = 4096;
	struct stat st;
	int fd, ret;

	/* O_NONBLOCK: a FIFO planted in a guest tree must not hang us. */
	fd = gt_root_open_file(root, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = S_ISDIR(st.st_mode) ? -EISDIR : -GT_ENOTREG;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		ret = -GT_ETOOBIG;
		goto out;
	}
	if ((size_t)st.st_size + 1 > cap)
		cap = (size_t)st.st_size + 1;
	ret = -ENOMEM;
	data = malloc(cap);
	if (!data)
		goto out;
	for (;;) {
		ssize_t n;

		if (used + 1 >= cap) {
			if (cap > max + 1) {
				ret = -GT_ETOOBIG;
				goto out;
			}
			cap *= 2;
			bigger = realloc(data, cap);
			if (!bigger) {
				ret = -ENOMEM;
				goto out;
			}
			data = bigger;
		}
		n = read(fd, data + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			ret = -GT_ETOOBIG;
			goto out;
		}
	}
	data[used] = '\0';
	*buf = data;
	data = NULL;
	if (len)
		*len = used;
	ret = 0;
out:
	free(data);
	close(fd);
	return ret;
}

int gt_root_read_line(const struct gt_root *root, const char *path, char **out)
{
	char *buf = NULL, *line, *nl, *copy;
	int ret;

	/* A sysfs attribute fits in a page; anything larger is not one. */
	ret = gt_root_read_file(root, path, 65536, &buf, NULL);
	if (ret < 0)
		return ret;
	/* buf is set on success; the analyzer's path has a failed fstat() leave
	 * errno 0, so that -errno passes for success. */
	nl = strchr(buf, '\n'); // NOLINT(clang-analyzer-core.NonNullParamChecker)
	if (nl)
		*nl = '\0';
	line = gt_strip(buf);
	copy = strdup(line);
	free(buf);
	if (!copy)
		return -ENOMEM;
	*out = copy;
	return 0;
}

int gt_root_readlink(const struct gt_root *root, const char *path, char **out)
{
	char target[PATH_MAX];
	struct gt_root_at at;
	ssize_t n;
	int ret;

	ret = gt_root_at(root, path, 0, &at);
	if (ret < 0)
		return ret;
	n = readlinkat(at.dirfd, at.name, target, sizeof(target));
	ret = n < 0 ? -errno : 0;
	gt_root_at_close(&at);
	if (ret < 0)
		return ret;
	if ((size_t)n >= sizeof(target))
		return -ENAMETOOLONG;
	target[n] = '\0';
	*out = strdup(target);
	return *out ? 0 : -ENOMEM;
}

int gt_root_stat(const struct gt_root *root, const char *path, bool follow_last,
                 struct stat *st)
{
	struct gt_root_at at;
	int ret;

	ret = gt_root_at(root, path, follow_last ? GT_AT_FOLLOW : 0, &at);
	if (ret < 0)
		return ret;
	ret = fstatat(at.dirfd, at.name, st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
	gt_root_at_close(&at);
	return ret;
}

bool gt_root_exists(const struct gt_root *root, const char *path)
{
	struct stat st;

	return gt_root_stat(root, path, true, &st) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int gt_root_list_dir(const struct gt_root *root, const char *path, char ***names,
                     size_t *count)
{
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int fd, ret = 0;

	fd = gt_root_open_file(root, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ret = gt_strv_push(&v, &n, de->d_name);
		if (ret < 0)
			break;
	}
	closedir(d);
	if (ret < 0) {
		gt_strv_free(v);
		return ret;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	qsort(v, n, sizeof(*v), cmp_names);
	*names = v;
	if (count)
		*count = n;
	return 0;
}

const char *gt_root_display(const struct gt_root *root, const char *path, char *buf,
                            size_t size)
{
	while (*path == '/')
		path++;
	if (root->host || strcmp(root->dir, "/") == 0)
		snprintf(buf, size, "/%s", path);
	else
		snprintf(buf, size, "%s/%s", root->dir, path);
	return buf;
}
