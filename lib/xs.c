/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "io.h"
#include "strv.h"
#include "xs.h"

struct xs_hdr {
	uint32_t type, req_id, tx_id, len;
};

static const struct {
	const char *name;
	int value;
} xs_errors[] = {
	{ "EINVAL", EINVAL }, { "EACCES", EACCES },   { "EEXIST", EEXIST },
	{ "EISDIR", EISDIR }, { "ENOENT", ENOENT },   { "ENOMEM", ENOMEM },
	{ "ENOSPC", ENOSPC }, { "EIO", EIO },         { "ENOTEMPTY", ENOTEMPTY },
	{ "ENOSYS", ENOSYS }, { "EROFS", EROFS },     { "EBUSY", EBUSY },
	{ "EAGAIN", EAGAIN }, { "EISCONN", EISCONN }, { "E2BIG", E2BIG },
	{ "EPERM", EPERM },   { "EQUOTA", EDQUOT },
};

int gt_xs_errno(const char *name)
{
	for (size_t i = 0; i < sizeof(xs_errors) / sizeof(xs_errors[0]); i++)
		if (strcmp(name, xs_errors[i].name) == 0)
			return xs_errors[i].value;
	return EIO;
}

int gt_xs_conn_lost(int err)
{
	return err == -EPIPE || err == -ECONNRESET || err == -ETIMEDOUT ||
	       err == -EBADF || err == -ENOTCONN || err == -EPROTO;
}

int gt_xs_open(struct gt_xs_conn *c, int dirfd, const char *path, const char *display)
{
	struct stat st;
	int fd = -1, ret;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (fstatat(dirfd, path, &st, 0) < 0)
		return -errno;
	if (S_ISSOCK(st.st_mode)) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int n;

		/* A socket named relative to a --root fd is reached through
		 * /proc/self/fd, which also keeps long paths within sun_path. */
		if (path[0] != '/' && dirfd >= 0)
			n = snprintf(sa.sun_path, sizeof(sa.sun_path),
			             "/proc/self/fd/%d/%s", dirfd, path);
		else
			n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
	} else if (S_ISCHR(st.st_mode) || S_ISREG(st.st_mode)) {
		/* /proc/xen/xenbus shows as a regular file of size 0. */
		fd = openat(dirfd, path, O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
	} else {
		return -ENOTSUP;
	}
	c->where = strdup(display ? display : path);
	if (!c->where) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	return 0;
}

void gt_xs_event_free(struct gt_xs_event *ev)
{
	free(ev->path);
	free(ev->token);
	ev->path = ev->token = NULL;
}

void gt_xs_close(struct gt_xs_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->tx = 0;
	free(c->where);
	c->where = NULL;
	for (unsigned int i = 0; i < c->nevents; i++)
		gt_xs_event_free(&c->events[i]);
	c->nevents = 0;
	c->events_lost = false;
}

static int read_all(int fd, void *buf, size_t len, int timeout_ms)
{
	char *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int r = poll(&pfd, 1, timeout_ms);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			return -ETIMEDOUT;
		n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET; /* the store went away */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Split a WATCH_EVENT payload ("path\0token\0") into @ev. */
static int parse_event(const char *body, size_t len, struct gt_xs_event *ev)
{
	size_t plen = strnlen(body, len);

	if (plen == 0 || plen == len)
		return -EPROTO;
	ev->path = strdup(body);
	ev->token = strndup(body + plen + 1, len - plen - 1);
	if (!ev->path || !ev->token) {
		gt_xs_event_free(ev);
		return -ENOMEM;
	}
	return 0;
}

/* Keep an event that arrived while a reply was awaited. */
static void queue_event(struct gt_xs_conn *c, const char *body, size_t len)
{
	struct gt_xs_event ev = { NULL, NULL };

	if (c->nevents == GT_XS_EVENTS_MAX || parse_event(body, len, &ev) < 0) {
		c->events_lost = true;
		return;
	}
	c->events[c->nevents++] = ev;
}

/* Read one whole message: its header into @h, its payload (NUL-terminated) into *body. */
static int read_msg(struct gt_xs_conn *c, struct xs_hdr *h, char **body, int timeout)
{
	int ret = read_all(c->fd, h, sizeof(*h), timeout);

	*body = NULL;
	if (ret < 0)
		return ret;
	/* h is filled on success; the analyzer's path has a failed poll()
	 * leave errno 0, so that -errno passes for success. */
	// NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult)
	if (h->len > GT_XS_PAYLOAD_MAX)
		return -EPROTO;
	*body = malloc(h->len + 1);
	if (!*body)
		return -ENOMEM;
	ret = read_all(c->fd, *body, h->len, timeout);
	if (ret < 0) {
		free(*body);
		*body = NULL;
		return ret;
	}
	(*body)[h->len] = '\0';
	return 0;
}

/*
 * Send one request whose payload is the concatenation of @parts (each with
 * its length in @lens) and wait for its reply. *reply (NUL-terminated, owned
 * by the caller) and *rlen receive the payload of a successful reply.
 */
static int talk(struct gt_xs_conn *c, enum gt_xs_type type, const char *const *parts,
                const size_t *lens, size_t nparts, char **reply, size_t *rlen)
{
	char buf[sizeof(struct xs_hdr) + GT_XS_PAYLOAD_MAX];
	struct xs_hdr h = { .type = type, .tx_id = c->tx };
	size_t len = 0;
	char *body = NULL;
	int ret, timeout = c->timeout_ms > 0 ? c->timeout_ms : GT_XS_REPLY_TIMEOUT_MS;

	if (c->fd < 0)
		return -ENOTCONN;
	for (size_t i = 0; i < nparts; i++) {
		if (len + lens[i] > GT_XS_PAYLOAD_MAX)
			return -E2BIG;
		memcpy(buf + sizeof(h) + len, parts[i], lens[i]);
		len += lens[i];
	}
	h.req_id = ++c->req_id;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	/* The xenbus device wants a whole message in one write(). */
	ret = gt_write_full(c->fd, buf, sizeof(h) + len);
	if (ret == -ECONNREFUSED)
		ret = -ECONNRESET;
	if (ret < 0)
		return ret;
	for (;;) {
		struct xs_hdr r;

		ret = read_msg(c, &r, &body, timeout);
		if (ret < 0)
			return ret;
		/* Events come between replies: keep them for gt_xs_next_event(). */
		if (r.type == GT_XS_WATCH_EVENT) {
			queue_event(c, body, r.len);
			free(body);
			body = NULL;
			continue;
		}
		/* A reply to an earlier request that timed out: not ours. */
		if (r.req_id != h.req_id) {
			free(body);
			body = NULL;
			continue;
		}
		if (r.type == GT_XS_ERROR) {
			ret = -gt_xs_errno(body);
			free(body);
			return ret;
		}
		if (r.type != (uint32_t)type) {
			free(body);
			return -EPROTO;
		}
		if (reply) {
			*reply = body;
			if (rlen)
				*rlen = r.len;
		} else {
			free(body);
		}
		return 0;
	}
}

int gt_xs_read(struct gt_xs_conn *c, const char *path, char **out)
{
	const char *parts[] = { path };
	size_t lens[] = { strlen(path) + 1 };

	return talk(c, GT_XS_READ, parts, lens, 1, out, NULL);
}

int gt_xs_write(struct gt_xs_conn *c, const char *path, const char *value)
{
	const char *parts[] = { path, value };
	size_t lens[] = { strlen(path) + 1, strlen(value) };

	return talk(c, GT_XS_WRITE, parts, lens, 2, NULL, NULL);
}

int gt_xs_rm(struct gt_xs_conn *c, const char *path)
{
	const char *parts[] = { path };
	size_t lens[] = { strlen(path) + 1 };
	int ret = talk(c, GT_XS_RM, parts, lens, 1, NULL, NULL);

	return ret == -ENOENT ? 0 : ret;
}

int gt_xs_directory(struct gt_xs_conn *c, const char *path, char ***out)
{
	const char *parts[] = { path };
	size_t lens[] = { strlen(path) + 1 };
	char *body = NULL, **v = NULL;
	size_t len = 0, n = 0;
	int ret;

	ret = talk(c, GT_XS_DIRECTORY, parts, lens, 1, &body, &len);
	if (ret < 0)
		return ret;
	for (size_t off = 0; off < len;) {
		size_t l = strnlen(body + off, len - off);

		if (l > 0 && (ret = gt_strv_push(&v, &n, body + off)) < 0)
			goto out;
		off += l + 1;
	}
	if (!v && !(v = calloc(1, sizeof(*v)))) {
		ret = -ENOMEM;
		goto out;
	}
	*out = v;
	v = NULL;
	ret = 0;
out:
	gt_strv_free(v);
	free(body);
	return ret;
}

int gt_xs_transaction_start(struct gt_xs_conn *c)
{
	const char *parts[] = { "" };
	size_t lens[] = { 1 };
	char *body = NULL, *end;
	unsigned long id;
	int ret;

	c->tx = 0;
	ret = talk(c, GT_XS_TRANSACTION_START, parts, lens, 1, &body, NULL);
	if (ret < 0)
		return ret;
	if (!body) /* talk() fills it on success; said for the analyzer */
		return -EPROTO;
	errno = 0;
	id = strtoul(body, &end, 10);
	ret = (errno || end == body || id == 0 || id > UINT32_MAX) ? -EPROTO : 0;
	if (ret == 0)
		c->tx = (uint32_t)id;
	free(body);
	return ret;
}

int gt_xs_transaction_end(struct gt_xs_conn *c, int commit)
{
	const char *parts[] = { commit ? "T" : "F" };
	size_t lens[] = { 2 };
	int ret;

	ret = talk(c, GT_XS_TRANSACTION_END, parts, lens, 1, NULL, NULL);
	c->tx = 0;
	return ret;
}

int gt_xs_watch(struct gt_xs_conn *c, const char *path, const char *token)
{
	const char *parts[] = { path, token };
	size_t lens[] = { strlen(path) + 1, strlen(token) + 1 };

	return talk(c, GT_XS_WATCH, parts, lens, 2, NULL, NULL);
}

int gt_xs_unwatch(struct gt_xs_conn *c, const char *path, const char *token)
{
	const char *parts[] = { path, token };
	size_t lens[] = { strlen(path) + 1, strlen(token) + 1 };

	return talk(c, GT_XS_UNWATCH, parts, lens, 2, NULL, NULL);
}

bool gt_xs_events_queued(const struct gt_xs_conn *c)
{
	return c->nevents > 0;
}

int gt_xs_next_event(struct gt_xs_conn *c, struct gt_xs_event *ev)
{
	ev->path = ev->token = NULL;
	if (c->nevents) {
		*ev = c->events[0];
		memmove(&c->events[0], &c->events[1],
		        --c->nevents * sizeof(c->events[0]));
		return 1;
	}
	if (c->fd < 0)
		return -ENOTCONN;
	for (;;) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		struct xs_hdr h;
		char *body = NULL;
		int ret = poll(&pfd, 1, 0);

		if (ret < 0)
			return errno == EINTR ? 0 : -errno;
		if (ret == 0)
			return 0;
		/* Something is there: a whole message follows without delay. */
		ret = read_msg(c, &h, &body,
		               c->timeout_ms > 0 ? c->timeout_ms
		                                 : GT_XS_REPLY_TIMEOUT_MS);
		if (ret < 0)
			return ret;
		if (h.type != GT_XS_WATCH_EVENT) {
			free(body); /* a late reply to a request that timed out */
			continue;
		}
		ret = parse_event(body, h.len, ev);
		free(body);
		return ret < 0 ? ret : 1;
	}
}
