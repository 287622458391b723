/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvfile.h"

static int is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Unquote the value in [s, end) into a new string, or NULL when out of memory. */
static char *unquote(const char *s, const char *end, bool *unterminated)
{
	char *out = malloc((size_t)(end - s) + 1), *o = out;
	char quote = 0;

	if (!out)
		return NULL;
	while (s < end) {
		char c = *s++;

		if (quote) {
			if (c == quote) {
				quote = 0;
				continue;
			}
			/* Inside double quotes, a backslash escapes " \ $ ` only. */
			if (quote == '"' && c == '\\' && s < end && strchr("\"\\$`", *s))
				c = *s++;
			*o++ = c;
			continue;
		}
		if (c == '"' || c == '\'') {
			quote = c;
			continue;
		}
		if (c == '\\' && s < end) {
			*o++ = *s++;
			continue;
		}
		if (isspace((unsigned char)c))
			break; /* an unquoted blank ends the value (shell rules) */
		*o++ = c;
	}
	*o = '\0';
	*unterminated = quote != 0;
	return out;
}

static int set_item(struct gt_kvfile *kv, char *key, char *value)
{
	struct gt_kv *items;
	size_t i;

	for (i = 0; i < kv->count; i++) {
		if (strcmp(kv->items[i].key, key) == 0) {
			free(kv->items[i].value);
			free(key);
			kv->items[i].value = value;
			return 0;
		}
	}
	if (kv->count >= GT_KVFILE_MAX_ITEMS) {
		free(key);
		free(value);
		return 0;
	}
	items = realloc(kv->items, (kv->count + 1) * sizeof(*items));
	if (!items) {
		free(key);
		free(value);
		return -ENOMEM;
	}
	kv->items = items;
	kv->items[kv->count].key = key;
	kv->items[kv->count].value = value;
	kv->count++;
	return 0;
}

int gt_kvfile_parse(const char *buf, size_t len, struct gt_kvfile **out)
{
	const char *p = buf, *end = buf + len;
	struct gt_kvfile *kv;
	int ret = 0;

	kv = calloc(1, sizeof(*kv));
	if (!kv)
		return -ENOMEM;
	size_t lineno = 0;

	while (p < end && ret == 0) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *line = p, *key, *keyend;
		bool unterminated = false;
		char *k, *v;

		if (!eol)
			eol = end;
		p = eol + 1;
		lineno++;
		if (memchr(line, '\0', (size_t)(eol - line))) {
			if (!kv->bad_line)
				kv->bad_line = lineno;
			continue;
		}
		while (line < eol && isspace((unsigned char)*line))
			line++;
		if (line == eol || *line == '#')
			continue;
		/* Length first: @buf need not be NUL-terminated (found by fuzz_kvfile).
		 */
		if (eol - line > 7 && memcmp(line, "export ", 7) == 0)
			line += 7;
		key = line;
		while (line < eol && is_key_char(*line))
			line++;
		keyend = line;
		if (keyend == key || line >= eol || *line != '=') {
			if (!kv->bad_line)
				kv->bad_line = lineno;
			continue;
		}
		k = strndup(key, (size_t)(keyend - key));
		v = unquote(line + 1, eol, &unterminated);
		if (unterminated && !kv->bad_line) {
			kv->bad_line = lineno;
			kv->unterminated = true;
		}
		if (!k || !v) {
			free(k);
			free(v);
			ret = -ENOMEM;
			break;
		}
		ret = set_item(kv, k, v);
	}
	if (ret < 0) {
		gt_kvfile_free(kv);
		return ret;
	}
	*out = kv;
	return 0;
}

void gt_kvfile_free(struct gt_kvfile *kv)
{
	size_t i;

	if (!kv)
		return;
	for (i = 0; i < kv->count; i++) {
		free(kv->items[i].key);
		free(kv->items[i].value);
	}
	free(kv->items);
	free(kv);
}

const char *gt_kvfile_get(const struct gt_kvfile *kv, const char *key)
{
	size_t i;

	for (i = 0; kv && i < kv->count; i++)
		if (strcmp(kv->items[i].key, key) == 0)
			return kv->items[i].value[0] ? kv->items[i].value : NULL;
	return NULL;
}
