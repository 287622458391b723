/* SPDX-License-Identifier: MIT */
/*
 * The initramfs of every installed kernel holds what the first HVM boot
 * needs: the PV-driver planners (actions/drivers.h), with the HVM module set.
 */
#include <errno.h>
#include <string.h>

#include "actions/drivers.h"
#include "actions/hvm/hvm_parts.h"
#include "strv.h"

#define CHECK "initramfs_drivers"

int hvm_plan_initramfs(struct hvm *h)
{
	struct gt_driver_plan *dp = NULL;
	size_t i;
	int ret = gt_drivers_plan_hvm(h->root, hvm_check_failed(h, CHECK), &dp);

	if (ret < 0)
		return ret;
	for (i = 0; i < dp->n_steps && ret == 0; i++) {
		struct gt_driver_step *s = &dp->steps[i];

		if (s->kind == GT_STEP_WRITE_FILE) {
			ret = hvm_add_write(h, CHECK, s->path, s->content,
			                    s->description);
			s->content = NULL; /* taken */
			if (ret == 0 && s->shown)
				ret = hvm_step_shown(h, s->shown);
		} else {
			ret = hvm_add_run(h, CHECK, (const char *const *)s->argv,
			                  s->backups, s->description);
			s->backups = NULL; /* taken */
			if (ret == 0 && s->shown)
				ret = hvm_run_shown(h, s->shown);
		}
	}
	for (i = 0; i < dp->n_warnings && ret == 0; i++) {
		ret = hvm_add_item(h, true, CHECK, NULL, "%s", dp->warnings[i].message);
		if (ret == 0 && dp->warnings[i].shown)
			ret = hvm_item_shown(h, true, dp->warnings[i].shown);
	}
	gt_drivers_plan_free(dp);
	return ret;
}
