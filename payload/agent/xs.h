/* SPDX-License-Identifier: MIT */
/*
 * A minimal xenstore client speaking the wire protocol of Xen's
 * docs/misc/xenstore.txt directly, so the agent needs no libxenstore and
 * links statically. Each message is a header of four native-endian 32-bit
 * words (type, req_id, tx_id, len) followed by len bytes of payload; the
 * same framing works on the kernel's xenbus device (/dev/xen/xenbus,
 * /proc/xen/xenbus) and on xenstored's unix socket.
 */
#ifndef GT_AGENT_XS_H
#define GT_AGENT_XS_H

#include <stddef.h>
#include <stdint.h>

/* Message types used here (the numbering is the protocol's). */
enum xs_type {
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_WRITE = 11,
	XS_RM = 13,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
};

/* The protocol's limit on a payload (XENSTORE_PAYLOAD_MAX). */
#define XS_PAYLOAD_MAX 4096

struct xs_conn {
	int fd;
	uint32_t req_id;
	uint32_t tx; /* the open transaction, 0 for none */
	char *where; /* the device or socket path, for messages */
};

/*
 * xs_open - connect to @path: a unix socket when it is one, otherwise the
 * xenbus character device (opened read-write). @dirfd is the directory
 * relative paths are opened from (a --root fd, or AT_FDCWD).
 * Returns 0 and fills @c, or -errno.
 */
int xs_open(struct xs_conn *c, int dirfd, const char *path, const char *display);
void xs_close(struct xs_conn *c);

/*
 * xs_read - the value of @path (relative paths are under the domain's home).
 * *out is NUL-terminated and owned by the caller.
 * Returns 0, -ENOENT, another -errno from the store (EACCES, EAGAIN...), or
 * -EPIPE/-ECONNRESET/-EIO when the connection failed.
 */
int xs_read(struct xs_conn *c, const char *path, char **out);
/* xs_write - set @path to @value. Same returns as xs_read(). */
int xs_write(struct xs_conn *c, const char *path, const char *value);
/* xs_rm - remove @path and everything under it; a missing node is not an error. */
int xs_rm(struct xs_conn *c, const char *path);
/*
 * xs_directory - the children of @path as a NULL-terminated vector (free it
 * with gt_strv_free()). A missing node gives -ENOENT.
 */
int xs_directory(struct xs_conn *c, const char *path, char ***out);

/* xs_transaction_start - open a transaction; later calls run inside it. */
int xs_transaction_start(struct xs_conn *c);
/*
 * xs_transaction_end - commit (@commit true) or abort the open transaction.
 * -EAGAIN means another writer got in first: start again.
 */
int xs_transaction_end(struct xs_conn *c, int commit);

/* xs_errno - the errno value of a xenstore error name ("EACCES"), EIO if unknown. */
int xs_errno(const char *name);

/* xs_conn_lost - true when @err means the connection is unusable. */
int xs_conn_lost(int err);

#endif
