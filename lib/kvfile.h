/* SPDX-License-Identifier: MIT */
/*
 * KEY=VALUE files in the shell-like syntax of os-release(5) and
 * /etc/lsb-release: optional single or double quotes, backslash escapes in
 * double quotes, comments. The parser is tolerant the way systemd's is: a
 * line it cannot read is skipped, an unclosed quote ends at the line's end,
 * a line holding a NUL byte is ignored. It is also bounded.
 */
#ifndef GT_KVFILE_H
#define GT_KVFILE_H

#include <stdbool.h>
#include <stddef.h>

struct gt_kv {
	char *key;
	char *value;
};

struct gt_kvfile {
	struct gt_kv *items;
	size_t count;
	size_t bad_line;   /* first line that is not an assignment, comment or blank
	                      (1-based) */
	bool unterminated; /* that line has a quote that never closes (a truncated file?)
	                    */
};

/* The most assignments we keep from one file: real ones hold about twenty. */
#define GT_KVFILE_MAX_ITEMS 256

/*
 * gt_kvfile_parse - parse @len bytes of @buf.
 * On success *out (free with gt_kvfile_free) holds the assignments in file
 * order; a key given twice keeps its last value. Returns 0 or -ENOMEM.
 */
int gt_kvfile_parse(const char *buf, size_t len, struct gt_kvfile **out);
void gt_kvfile_free(struct gt_kvfile *kv);

/* gt_kvfile_get - the value of @key, or NULL (empty values count as absent). */
const char *gt_kvfile_get(const struct gt_kvfile *kv, const char *key);

#endif
