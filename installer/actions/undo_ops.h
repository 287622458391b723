/* SPDX-License-Identifier: MIT */
/*
 * The package tools' and init systems' side of undo (transaction/rollback.h):
 * dpkg and rpm through actions/pkg, systemd, OpenRC, SysV through
 * actions/service. The front end hands these to the rollback, so that the
 * transaction layer calls no action directly.
 */
#ifndef GT_UNDO_OPS_H
#define GT_UNDO_OPS_H

#include "transaction/rollback.h"

extern const struct gt_undo_ops gt_actions_undo_ops;

#endif
