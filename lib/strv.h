/* SPDX-License-Identifier: MIT */
/* Small string helpers: NULL-terminated string vectors and trimming. */
#ifndef GT_STRV_H
#define GT_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* gt_strv_push - append a copy of @s to *@v (of *@n items). Returns 0 or -ENOMEM. */
int gt_strv_push(char ***v, size_t *n, const char *s);
/* gt_strv_free - free a NULL-terminated vector and its strings (NULL is fine). */
void gt_strv_free(char **v);
/* gt_strv_contains - true when @v holds a string equal to @s. */
bool gt_strv_contains(char *const *v, const char *s);
/* gt_strv_len - the number of strings in @v (NULL counts as 0). */
size_t gt_strv_len(char *const *v);

/* gt_strip - remove leading and trailing white space in place; returns @s moved. */
char *gt_strip(char *s);
/* gt_startswith - true when @s begins with @prefix. */
bool gt_startswith(const char *s, const char *prefix);
/* gt_path_join - "@a/@b" newly allocated (one slash between), or NULL. */
char *gt_path_join(const char *a, const char *b);

#endif
