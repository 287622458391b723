/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/warning.h"
#include "i18n.h"

/* Appends (@code, @msg, @shown), taking both strings; frees them on failure. */
static int append(struct gt_warning **v, size_t *n, const char *code, char *msg,
                  char *shown)
{
	struct gt_warning *w = realloc(*v, (*n + 1) * sizeof(*w));

	if (!w) {
		free(msg);
		free(shown);
		return -ENOMEM;
	}
	w[*n].code = code;
	w[*n].message = msg;
	w[*n].shown = shown;
	*v = w;
	(*n)++;
	return 0;
}

int gt_warning_add_said(struct gt_warning **v, size_t *n, const char *code,
                        const char *message, const char *shown)
{
	char *msg = strdup(message), *sh = strdup(shown);

	if (!msg || !sh) {
		free(msg);
		free(sh);
		return -ENOMEM;
	}
	return append(v, n, code, msg, sh);
}

int gt_warning_add(struct gt_warning **v, size_t *n, const char *code, const char *fmt,
                   ...)
{
	char *msg = NULL, *shown = NULL;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (len < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	len = vasprintf(&shown, gt_tr(fmt), ap);
	va_end(ap);
	if (len < 0) {
		free(msg);
		return -ENOMEM;
	}
	return append(v, n, code, msg, shown);
}

void gt_warnings_free(struct gt_warning *v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++) {
		free(v[i].message);
		free(v[i].shown);
	}
	free(v);
}
