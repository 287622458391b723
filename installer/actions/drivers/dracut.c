/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "strv.h"
#include "i18n.h"

/* dracut: add_drivers/force_drivers/drivers in dracut.conf or a drop-in. */
static int dracut_listed(struct planner *pl, bool listed[DRV_MAX_MODS])
{
	static const char *const dirs[] = { "/etc/dracut.conf.d",
		                            "/usr/lib/dracut/dracut.conf.d" };
	static const char *const keys[] = { "add_drivers", "force_drivers", "drivers" };
	char **files = NULL, **names = NULL, path[600];
	size_t nf = 0, n, i, d;
	int ret = 0;

	if (gt_strv_push(&files, &nf, "/etc/dracut.conf") < 0)
		return -ENOMEM;
	for (d = 0; d < 2; d++) {
		if (gt_root_list_dir(pl->root, dirs[d], &names, &n) < 0)
			continue;
		for (i = 0; i < n && ret == 0; i++) {
			size_t l = strlen(names[i]);

			if (l < 6 || strcmp(names[i] + l - 5, ".conf") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], names[i]);
			ret = gt_strv_push(&files, &nf, path);
		}
		gt_strv_free(names);
		names = NULL;
	}
	for (i = 0; i < nf && ret == 0; i++) {
		struct lines it;
		const char *s;
		size_t len, l;
		char *buf = drv_read_soft(pl, files[i], &len);

		drv_lines_init(&it, buf, len);
		while (drv_next_line(&it, &s, &l)) {
			const char *hash;
			size_t k;

			while (l && isspace((unsigned char)*s))
				s++, l--;
			for (k = 0; k < 3; k++) {
				size_t kl = strlen(keys[k]);
				const char *v = s + kl;

				if (l <= kl || memcmp(s, keys[k], kl) != 0)
					continue;
				if (*v == '+')
					v++;
				if (v >= s + l || *v != '=')
					continue;
				v++;
				/* A comment ends the value. */
				hash = memchr(v, '#', (size_t)(s + l - v));
				drv_words_name(pl, v, (size_t)((hash ? hash : s + l) - v),
				               listed);
			}
		}
		free(buf);
	}
	gt_strv_free(files);
	return ret;
}

/*
 * The image dracut should write for @kver: the one already there, named the
 * Red Hat, SUSE or Debian way; the Red Hat name for a new one.
 */
static char *dracut_image(struct planner *pl, const char *kver)
{
	/* Each name is prefix + kver + suffix. */
	static const char *const names[3][2] = { { "/boot/initramfs-", ".img" },
		                                 { "/boot/initrd-", "" },
		                                 { "/boot/initrd.img-", "" } };
	char path[600];
	size_t i;

	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s%s%s", names[i][0], kver, names[i][1]);
		if (gt_root_exists(pl->root, path))
			return strdup(path);
	}
	snprintf(path, sizeof(path), "%s%s%s", names[0][0], kver, names[0][1]);
	return strdup(path);
}

int drv_plan_dracut(struct planner *pl)
{
	bool listed[DRV_MAX_MODS] = { false };
	char *content;
	size_t i;
	int ret;

	ret = dracut_listed(pl, listed);
	if (ret < 0 || (drv_all_listed(pl, listed) && !pl->force_rebuild))
		return ret;
	/* The drop-in is ours, its whole content (its path is in the description). */
	if (!drv_all_listed(pl, listed)) {
		content = strdup(pl->ms->dracut_text);
		if (!content)
			return -ENOMEM;
		ret = drv_add_write(pl, pl->ms->dracut_conf, content,
		                    pl->ms->desc_dracut);
	}
	for (i = 0; i < pl->nk && ret == 0; i++) {
		char *img, **backups = NULL, desc[700], shown[700];
		size_t nb = 0;

		if (!drv_kernel_needs_initramfs(&pl->k[i]))
			continue;
		img = dracut_image(pl, pl->k[i].kver);
		if (!img || gt_strv_push(&backups, &nb, img) < 0) {
			free(img);
			return -ENOMEM;
		}
		snprintf(desc, sizeof(desc), "rebuild the initramfs of kernel %s (%s)",
		         pl->k[i].kver, img);
		snprintf(shown, sizeof(shown),
		         gt_tr("rebuild the initramfs of kernel %s (%s)"), pl->k[i].kver,
		         img);
		ret = drv_add_run_shown(
		        pl,
		        (const char *const[]){ "dracut", "-f", img, pl->k[i].kver, NULL },
		        backups, desc, shown);
		free(img);
	}
	return ret;
}
