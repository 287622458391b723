/* SPDX-License-Identifier: MIT */
/*
 * The words of detect's enumerations (a device's kind and role, the Xen
 * mode, the paravirtual level, a driver's state) as a person reads them.
 * JSON keeps the values themselves; these are for the human output only.
 */
#ifndef GT_LABELS_H
#define GT_LABELS_H

/*
 * gt_label - @value of the enumeration @what ("kind", "role", "mode",
 * "paravirtual", "hypervisor", "init", "check" (pv_to_hvm), "driver state") in the user's
 * language, or
 * @value itself when it has no label (a name such as "xen" or "vbd"). Never
 * NULL for a non-NULL @value; static.
 */
const char *gt_label(const char *what, const char *value);

#endif
