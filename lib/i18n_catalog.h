/* SPDX-License-Identifier: MIT */
/*
 * The compiled catalogs: generated from po/ja.po and po/fr.po by
 * scripts/po2c.py into $(BUILD)/gen/i18n_catalog.c (lib/build.mk).
 */
#ifndef GT_I18N_CATALOG_H
#define GT_I18N_CATALOG_H

#include <stddef.h>

struct gt_i18n_entry {
	const char *msgid; /* English, the key; the table is sorted by strcmp */
	const char *ja;    /* NULL: not translated (English is shown) */
	const char *fr;
};

extern const struct gt_i18n_entry gt_i18n_catalog[];
extern const size_t gt_i18n_catalog_len;

#endif
