/* SPDX-License-Identifier: MIT */
/* Warnings shown to the user: a stable code for scripts and a sentence for people. */
#ifndef GT_WARNING_H
#define GT_WARNING_H

#include <stddef.h>

struct gt_warning {
	const char *code; /* "ext-rootfs", "fstab-device-name"... (static) */
	char *message;    /* owned: English, for JSON and logs */
	char *shown;      /* owned: the same in the user's language (lib/i18n.h) */
};

/*
 * gt_warning_add - append a warning with @code and a formatted message to
 * the array *@v of *@n items, formatted twice: ->message in English and
 * ->shown with the translation of @fmt (gt_tr), printed for a person.
 * Returns 0 or -ENOMEM (the array unchanged).
 */
int gt_warning_add(struct gt_warning **v, size_t *n, const char *code, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));

/*
 * gt_warning_add_said - the same with the English @message and its
 * translation @shown already made. Returns 0 or -ENOMEM.
 */
int gt_warning_add_said(struct gt_warning **v, size_t *n, const char *code,
                        const char *message, const char *shown);

/* gt_warnings_free - free @n warnings and the array @v (NULL is fine). */
void gt_warnings_free(struct gt_warning *v, size_t n);

#endif
