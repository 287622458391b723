/* SPDX-License-Identifier: MIT */
/*
 * A small streaming JSON writer. It places commas and colons itself, escapes
 * every string, and turns bytes that are not valid UTF-8 (binary garbage read
 * from /proc, say) into U+FFFD so that the output is always valid JSON.
 */
#ifndef GT_JSON_H
#define GT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define GT_JSON_MAX_DEPTH 32

struct gt_json {
	FILE *fp;
	int depth;
	bool has_items[GT_JSON_MAX_DEPTH]; /* a comma is due before the next value */
	bool after_key;                    /* the next value follows "key": */
	int err; /* first misuse (-EINVAL) seen, reported by finish */
};

/* gt_json_init - start a document written to @fp (not owned). */
void gt_json_init(struct gt_json *j, FILE *fp);

void gt_json_begin_object(struct gt_json *j);
void gt_json_end_object(struct gt_json *j);
void gt_json_begin_array(struct gt_json *j);
void gt_json_end_array(struct gt_json *j);
void gt_json_key(struct gt_json *j, const char *key);
/* gt_json_string - a string value; NULL writes null. */
void gt_json_string(struct gt_json *j, const char *s);
void gt_json_string_n(struct gt_json *j, const char *s, size_t len);
void gt_json_int(struct gt_json *j, long long v);
void gt_json_uint(struct gt_json *j, unsigned long long v);
void gt_json_bool(struct gt_json *j, bool v);
void gt_json_null(struct gt_json *j);

/* Key and value in one call. */
void gt_json_kv_string(struct gt_json *j, const char *key, const char *s);
void gt_json_kv_int(struct gt_json *j, const char *key, long long v);
void gt_json_kv_uint(struct gt_json *j, const char *key, unsigned long long v);
void gt_json_kv_bool(struct gt_json *j, const char *key, bool v);
/* gt_json_kv_strv - @key and an array of the strings of NULL-terminated @v (NULL: []). */
void gt_json_kv_strv(struct gt_json *j, const char *key, char *const *v);

/*
 * gt_json_finish - end the document with a newline and flush.
 * Returns 0, -EINVAL when objects were left open or the writer was misused,
 * or -EIO when the stream reported a write error.
 */
int gt_json_finish(struct gt_json *j);

/*
 * gt_json_escape - write @len bytes of @s as the inside of a JSON string
 * (no quotes) to @fp. Exposed for the unit tests and the fuzzer.
 */
void gt_json_escape(FILE *fp, const char *s, size_t len);

#endif
