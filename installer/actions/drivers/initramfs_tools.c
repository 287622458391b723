/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "strv.h"
#include "i18n.h"

/* initramfs-tools: one module a line in /etc/initramfs-tools/modules. */
int drv_plan_initramfs_tools(struct planner *pl)
{
	static const char *const conf = "/etc/initramfs-tools/modules";
	bool listed[DRV_MAX_MODS] = { false };
	char *buf = NULL, *content = NULL, line[512];
	size_t len = 0, n, i, f;
	struct lines it;
	const char *s;
	int ret;

	ret = drv_read_opt(pl, conf, TEXT_MAX, &buf, &len);
	if (ret < 0)
		return ret;
	drv_lines_init(&it, buf, len);
	while (drv_next_line(&it, &s, &n)) {
		char *t = drv_line_str(s, n, line, sizeof(line)), *hash = strchr(t, '#'),
		     *sp;

		if (hash)
			*hash = '\0';
		sp = t + strcspn(t, " \t");
		for (f = 0; f < pl->ms->n; f++)
			if (drv_same_module(t, (size_t)(sp - t), pl->ms->mods[f].module))
				listed[f] = true;
	}
	if (drv_all_listed(pl, listed) && !pl->force_rebuild)
		goto out;
	/* The existing content is kept byte for byte; the missing lines go after it. */
	ret = -ENOMEM;
	content = malloc(len + (size_t)32 * DRV_MAX_MODS);
	if (!content)
		goto out;
	memcpy(content, buf ? buf : "", len);
	n = len;
	if (n && content[n - 1] != '\n')
		content[n++] = '\n';
	for (f = 0; f < pl->ms->n; f++)
		if (!listed[f])
			n += (size_t)sprintf(content + n, "%s\n", pl->ms->mods[f].module);
	content[n] = '\0';
	if (drv_all_listed(pl, listed)) {
		ret = 0; /* listed already: only the images are rebuilt */
	} else {
		ret = drv_add_write(pl, conf, content, pl->ms->desc_initramfs_tools);
		content = NULL;
	}
	for (i = 0; i < pl->nk && ret == 0; i++) {
		char **backups = NULL, img[600], desc[700], shown[700];
		size_t nb = 0;

		if (!drv_kernel_needs_initramfs(&pl->k[i]))
			continue;
		snprintf(img, sizeof(img), "/boot/initrd.img-%s", pl->k[i].kver);
		if (gt_strv_push(&backups, &nb, img) < 0) {
			ret = -ENOMEM;
			break;
		}
		snprintf(desc, sizeof(desc), "rebuild the initramfs of kernel %s (%s)",
		         pl->k[i].kver, img);
		snprintf(shown, sizeof(shown),
		         gt_tr("rebuild the initramfs of kernel %s (%s)"), pl->k[i].kver,
		         img);
		/* -u only updates an image that exists; -c creates a missing one. */
		ret = drv_add_run_shown(
		        pl,
		        (const char *const[]){ "update-initramfs",
		                               gt_root_exists(pl->root, img) ? "-u"
		                                                             : "-c",
		                               "-k", pl->k[i].kver, NULL },
		        backups, desc, shown);
	}
out:
	free(buf);
	free(content);
	return ret;
}
