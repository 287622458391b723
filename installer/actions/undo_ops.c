/* SPDX-License-Identifier: MIT */
#include "actions/pkg.h"
#include "actions/service.h"
#include "actions/undo_ops.h"

const struct gt_undo_ops gt_actions_undo_ops = {
	.pkg_remove = gt_pkg_remove,
	.pkg_query = gt_pkg_query,
	.service_enabled = gt_service_enabled,
	.service_enable = gt_service_enable,
	.service_disable = gt_service_disable,
};
