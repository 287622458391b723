/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "error.h"
#include "strv.h"
#include "i18n.h"

/*
 * mkinitcpio: the last MODULES= assignment of /etc/mkinitcpio.conf wins (it
 * is sourced by bash). Its value is an array "(a b)" (possibly over several
 * lines), an old-style string "a b", or empty. Missing modules go at its end;
 * everything else stays byte for byte.
 */
static int mkinitcpio_content(const struct planner *pl, const char *buf, size_t len,
                              char **out)
{
	const char *val = NULL, *s, *close = NULL, *p, *end = buf + len;
	bool listed[DRV_MAX_MODS] = { false };
	char add[32 * DRV_MAX_MODS] = "", *c;
	size_t n, f, at;
	struct lines it;

	drv_lines_init(&it, buf, len);
	while (drv_next_line(&it, &s, &n)) {
		const char *e = s + n;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		if ((size_t)(e - s) >= 8 && memcmp(s, "MODULES=", 8) == 0)
			val = s + 8;
	}
	if (val && val < end && *val == '(') {
		/* Words until ")", skipping comments ("#" starts one at a word). */
		for (p = val + 1; p < end && *p != ')'; p++) {
			if (*p == '#' &&
			    (isspace((unsigned char)p[-1]) || p[-1] == '(')) {
				while (p < end && *p != '\n')
					p++;
				if (p == end)
					break;
			}
		}
		if (p >= end)
			return -GT_EPARSE;
		close = p;
		drv_words_name(pl, val + 1, (size_t)(close - val - 1), listed);
	} else if (val && val < end && (*val == '"' || *val == '\'')) {
		close = memchr(val + 1, *val, (size_t)(end - val - 1));
		if (!close)
			return -GT_EPARSE;
		drv_words_name(pl, val + 1, (size_t)(close - val - 1), listed);
	} else if (val) {
		/* "MODULES=" or "MODULES=word": only the empty form is ours to fix. */
		p = val;
		while (p < end && !isspace((unsigned char)*p) && *p != '#')
			p++;
		if (p != val)
			return -GT_EPARSE;
	}
	if (drv_all_listed(pl, listed)) {
		*out = NULL;
		return 0;
	}
	for (f = 0; f < pl->ms->n; f++) {
		size_t used = strlen(add);

		if (!listed[f])
			snprintf(add + used, sizeof(add) - used, "%s%s", used ? " " : "",
			         pl->ms->mods[f].module);
	}
	c = malloc(len + sizeof(add) + 16);
	if (!c)
		return -ENOMEM;
	if (close) {
		/* Right after the last word: "(ext4)" -> "(ext4 xen-...)". */
		for (p = close; p > val + 1 && isspace((unsigned char)p[-1]); p--)
			;
		at = (size_t)(p - buf);
		n = (size_t)sprintf(c, "%.*s%s%s", (int)at, buf, p > val + 1 ? " " : "",
		                    add);
	} else if (val) {
		at = (size_t)(val - buf);
		n = (size_t)sprintf(c, "%.*s(%s)", (int)at, buf, add);
	} else {
		at = len;
		n = (size_t)sprintf(c, "%.*s%sMODULES=(%s)\n", (int)len, buf,
		                    len && buf[len - 1] != '\n' ? "\n" : "", add);
	}
	memcpy(c + n, buf + at, len - at);
	c[n + len - at] = '\0';
	*out = c;
	return 0;
}

int drv_plan_mkinitcpio(struct planner *pl)
{
	static const char *const conf = "/etc/mkinitcpio.conf";
	char *buf = NULL, *content = NULL, **backups = NULL, **names = NULL, path[600];
	size_t len = 0, nb = 0, n = 0, i;
	int ret;

	ret = drv_read_opt(pl, conf, TEXT_MAX, &buf, &len);
	if (ret < 0 || !buf)
		goto out;
	ret = mkinitcpio_content(pl, buf, len, &content);
	if (ret < 0 || (!content && !pl->force_rebuild))
		goto out;
	if (content) {
		ret = drv_add_write(pl, conf, content, pl->ms->desc_mkinitcpio);
		content = NULL;
		if (ret < 0)
			goto out;
	}
	/* mkinitcpio -P rebuilds every preset; its images are named by preset. */
	if (gt_root_list_dir(pl->root, "/boot", &names, &n) == 0) {
		for (i = 0; i < n && ret == 0; i++) {
			size_t l = strlen(names[i]);

			if (!gt_startswith(names[i], "initramfs-") || l < 15 ||
			    strcmp(names[i] + l - 4, ".img") != 0)
				continue;
			snprintf(path, sizeof(path), "/boot/%s", names[i]);
			ret = gt_strv_push(&backups, &nb, path);
		}
	}
	if (ret == 0)
		ret = drv_add_run(
		        pl, (const char *const[]){ "mkinitcpio", "-P", NULL }, backups,
		        N_("rebuild the initramfs of every kernel preset (mkinitcpio -P)"));
	else
		gt_strv_free(backups);
out:
	gt_strv_free(names);
	free(buf);
	free(content);
	return ret;
}
