/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "json.h"

void gt_json_init(struct gt_json *j, FILE *fp)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
}

/* Called before every value: writes the separating comma where one is due. */
static void before_value(struct gt_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->has_items[j->depth - 1])
		fputc(',', j->fp);
	if (j->depth > 0)
		j->has_items[j->depth - 1] = true;
}

static void open_container(struct gt_json *j, char c)
{
	before_value(j);
	if (j->depth >= GT_JSON_MAX_DEPTH) {
		j->err = -EINVAL;
		return;
	}
	fputc(c, j->fp);
	j->has_items[j->depth++] = false;
}

static void close_container(struct gt_json *j, char c)
{
	if (j->depth == 0 || j->after_key) {
		j->err = -EINVAL;
		return;
	}
	j->depth--;
	fputc(c, j->fp);
}

void gt_json_begin_object(struct gt_json *j)
{
	open_container(j, '{');
}

void gt_json_end_object(struct gt_json *j)
{
	close_container(j, '}');
}

void gt_json_begin_array(struct gt_json *j)
{
	open_container(j, '[');
}

void gt_json_end_array(struct gt_json *j)
{
	close_container(j, ']');
}

/* Length of the valid UTF-8 sequence at @s (at most @len bytes), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void gt_json_escape(FILE *fp, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while (i < len) {
		unsigned char c = s[i];

		switch (c) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(fp, "\\u%04x", c);
				break;
			}
			n = utf8_seq_len(s + i, len - i);
			if (n == 0) {
				fputs("\\ufffd", fp);
				break;
			}
			/* Errors stick to the stream, as for the fputs above:
			 * gt_json_finish() checks ferror() once. */
			(void)fwrite(s + i, 1, n, fp);
			i += n;
			continue;
		}
		i++;
	}
}

void gt_json_key(struct gt_json *j, const char *key)
{
	if (j->depth == 0 || j->after_key) {
		j->err = -EINVAL;
		return;
	}
	before_value(j);
	fputc('"', j->fp);
	gt_json_escape(j->fp, key, strlen(key));
	fputs("\":", j->fp);
	j->after_key = true;
}

void gt_json_string_n(struct gt_json *j, const char *s, size_t len)
{
	before_value(j);
	fputc('"', j->fp);
	gt_json_escape(j->fp, s, len);
	fputc('"', j->fp);
}

void gt_json_string(struct gt_json *j, const char *s)
{
	if (!s) {
		gt_json_null(j);
		return;
	}
	gt_json_string_n(j, s, strlen(s));
}

void gt_json_int(struct gt_json *j, long long v)
{
	before_value(j);
	fprintf(j->fp, "%lld", v);
}

void gt_json_uint(struct gt_json *j, unsigned long long v)
{
	before_value(j);
	fprintf(j->fp, "%llu", v);
}

void gt_json_bool(struct gt_json *j, bool v)
{
	before_value(j);
	fputs(v ? "true" : "false", j->fp);
}

void gt_json_null(struct gt_json *j)
{
	before_value(j);
	fputs("null", j->fp);
}

void gt_json_kv_string(struct gt_json *j, const char *key, const char *s)
{
	gt_json_key(j, key);
	gt_json_string(j, s);
}

void gt_json_kv_int(struct gt_json *j, const char *key, long long v)
{
	gt_json_key(j, key);
	gt_json_int(j, v);
}

void gt_json_kv_uint(struct gt_json *j, const char *key, unsigned long long v)
{
	gt_json_key(j, key);
	gt_json_uint(j, v);
}

void gt_json_kv_bool(struct gt_json *j, const char *key, bool v)
{
	gt_json_key(j, key);
	gt_json_bool(j, v);
}

void gt_json_kv_strv(struct gt_json *j, const char *key, char *const *v)
{
	gt_json_key(j, key);
	gt_json_begin_array(j);
	for (; v && *v; v++)
		gt_json_string(j, *v);
	gt_json_end_array(j);
}

int gt_json_finish(struct gt_json *j)
{
	fputc('\n', j->fp);
	if (fflush(j->fp) != 0 || ferror(j->fp))
		return -EIO;
	if (j->err)
		return j->err;
	return j->depth == 0 && !j->after_key ? 0 : -EINVAL;
}
