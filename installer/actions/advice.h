/* SPDX-License-Identifier: MIT */
/*
 * What install says about this guest before it changes anything, beyond the
 * plan: that the tgz serves a guest whose package tool has no package on the
 * media, and, on another hypervisor than Xen, that the Xen agent would stay
 * idle there and what to use instead (installer(8), HYPERVISORS).
 */
#ifndef GT_ADVICE_H
#define GT_ADVICE_H

#include <stdio.h>

#include "actions/drivers.h"
#include "i18n.h"
#include "detect/detect.h"
#include "manifest.h"

/*
 * gt_advice_payload_note - add the tgz payload's note (gt_plan_note, code
 * "tgz-payload") to @p's warnings, if it has one. Returns 0 or -ENOMEM.
 */
int gt_advice_payload_note(struct gt_driver_plan *p, const struct gt_detect *d,
                           const struct gt_manifest_entry *payload);

/*
 * gt_advice_install - gt_advice_payload_note(), then, when @p has platform advice, print
 * it for a person to @out (NULL: not at all, as with --json): the platform and its tools,
 * the PV drivers of the newest kernel, each device that carries the root or the network
 * with its role, the verdict's reasons, and the --force rule. Returns 1 when the guest
 * runs on another hypervisor than Xen, 0 when not, or -ENOMEM.
 */
int gt_advice_install(struct gt_driver_plan *p, const struct gt_detect *d,
                      const struct gt_manifest_entry *payload, FILE *out);

/*
 * gt_advice_refusal - the one line install fails with on another hypervisor
 * without --force, into @buf. Returns @buf.
 */
const char *gt_advice_refusal(const struct gt_driver_plan *p, enum gt_lang lang,
                              char *buf, size_t size);

#endif
