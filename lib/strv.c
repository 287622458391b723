/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

int gt_strv_push(char ***v, size_t *n, const char *s)
{
	char **nv;
	char *copy;

	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return -ENOMEM;
	}
	nv[(*n)++] = copy;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}

void gt_strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

bool gt_strv_contains(char *const *v, const char *s)
{
	size_t i;

	for (i = 0; v && v[i]; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

size_t gt_strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

char *gt_strip(char *s)
{
	size_t len;

	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

bool gt_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *gt_path_join(const char *a, const char *b)
{
	size_t la = strlen(a), size;
	char *out;

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	size = la + strlen(b) + 2;
	out = malloc(size);
	if (!out)
		return NULL;
	snprintf(out, size, "%.*s/%s", (int)la, a, b);
	return out;
}
