/* SPDX-License-Identifier: MIT */
/*
 * A minimal xenstore client speaking the wire protocol of Xen's
 * docs/misc/xenstore.txt directly, so neither the agent nor the installer
 * needs libxenstore and both link statically. Each message is a header of four
 * native-endian 32-bit words (type, req_id, tx_id, len) followed by len bytes of payload;
 * the same framing works on the kernel's xenbus device (/dev/xen/xenbus,
 * /proc/xen/xenbus) and on xenstored's unix socket.
 */
#ifndef GT_XS_H
#define GT_XS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Message types used here (the numbering is the protocol's). */
enum gt_xs_type {
	GT_XS_DIRECTORY = 1,
	GT_XS_READ = 2,
	GT_XS_WATCH = 4,
	GT_XS_UNWATCH = 5,
	GT_XS_TRANSACTION_START = 6,
	GT_XS_TRANSACTION_END = 7,
	GT_XS_WRITE = 11,
	GT_XS_RM = 13,
	GT_XS_WATCH_EVENT = 15,
	GT_XS_ERROR = 16,
};

/* The protocol's limit on a payload (XENSTORE_PAYLOAD_MAX). */
#define GT_XS_PAYLOAD_MAX 4096

/* Watch events kept while a reply is awaited; more are dropped and counted lost. */
#define GT_XS_EVENTS_MAX 16

/* A watch event: the path that changed (relative when the watch was) and its token. */
struct gt_xs_event {
	char *path;
	char *token;
};

struct gt_xs_conn {
	int fd;
	uint32_t req_id;
	uint32_t tx;    /* the open transaction, 0 for none */
	char *where;    /* the device or socket path, for messages */
	int timeout_ms; /* how long to wait for a reply; 0: GT_XS_REPLY_TIMEOUT_MS */
	/*
	 * Events that arrived while a reply was awaited, oldest first: the
	 * store interleaves them with replies on the same connection
	 * (xenstored_watch.c send_event). A full queue sets events_lost, which
	 * tells the caller to recheck everything it watches; it clears it.
	 */
	struct gt_xs_event events[GT_XS_EVENTS_MAX];
	unsigned int nevents;
	bool events_lost;
};

/* A store that answers nothing within this long is treated as gone. */
#define GT_XS_REPLY_TIMEOUT_MS 15000

/*
 * gt_xs_open - connect to @path: a unix socket when it is one, otherwise the
 * xenbus character device (opened read-write). @dirfd is the directory
 * relative paths are opened from (a --root fd, or AT_FDCWD). @c starts
 * with the default reply timeout; set c->timeout_ms after this to change it.
 * Returns 0 and fills @c, or -errno.
 */
int gt_xs_open(struct gt_xs_conn *c, int dirfd, const char *path, const char *display);
void gt_xs_close(struct gt_xs_conn *c);

/*
 * gt_xs_read - the value of @path (relative paths are under the domain's home).
 * *out is NUL-terminated and owned by the caller.
 * Returns 0, -ENOENT, another -errno from the store (EACCES, EAGAIN...), or
 * -EPIPE/-ECONNRESET/-EIO when the connection failed.
 */
int gt_xs_read(struct gt_xs_conn *c, const char *path, char **out);
/* gt_xs_write - set @path to @value. Same returns as gt_xs_read(). */
int gt_xs_write(struct gt_xs_conn *c, const char *path, const char *value);
/* gt_xs_rm - remove @path and everything under it; a missing node is not an error. */
int gt_xs_rm(struct gt_xs_conn *c, const char *path);
/*
 * gt_xs_directory - the children of @path as a NULL-terminated vector (free it
 * with gt_strv_free()). A missing node gives -ENOENT.
 */
int gt_xs_directory(struct gt_xs_conn *c, const char *path, char ***out);

/* gt_xs_transaction_start - open a transaction; later calls run inside it. */
int gt_xs_transaction_start(struct gt_xs_conn *c);
/*
 * gt_xs_transaction_end - commit (@commit true) or abort the open transaction.
 * -EAGAIN means another writer got in first: start again.
 */
int gt_xs_transaction_end(struct gt_xs_conn *c, int commit);

/*
 * gt_xs_watch - ask the store to report changes to @path and everything
 * under it, with @token. The store fires every new watch once at once
 * (xenstored_watch.c do_watch, "we fire once up front"), and the Linux
 * xenbus driver registers every watch again after a resume or a migration
 * (drivers/xen/xenbus/xenbus_xs.c xs_resume), so each fires then too.
 * Same returns as gt_xs_read() (-EEXIST: already watched with that token).
 */
int gt_xs_watch(struct gt_xs_conn *c, const char *path, const char *token);

/* gt_xs_unwatch - remove the watch set with @path and @token (-ENOENT: none). */
int gt_xs_unwatch(struct gt_xs_conn *c, const char *path, const char *token);

/*
 * gt_xs_next_event - the oldest queued event, else one the store has sent
 * since (read without blocking). Fills @ev (free with gt_xs_event_free())
 * and returns 1; returns 0 when there is none, or a connection error
 * (-ECONNRESET...). A message that is not an event is skipped.
 */
int gt_xs_next_event(struct gt_xs_conn *c, struct gt_xs_event *ev);
void gt_xs_event_free(struct gt_xs_event *ev);

/* gt_xs_events_queued - true when gt_xs_next_event() has queued events to give. */
bool gt_xs_events_queued(const struct gt_xs_conn *c);

/* gt_xs_errno - the errno value of a xenstore error name ("EACCES"), EIO if unknown. */
int gt_xs_errno(const char *name);

/* gt_xs_conn_lost - true when @err means the connection is unusable. */
int gt_xs_conn_lost(int err);

#endif
