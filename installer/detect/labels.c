/* SPDX-License-Identifier: MIT */
/*
 * Labels of enumerated values. A msgid is "what|value" (the context keeps
 * apart words that translate differently: the French "inconnu" of a mode,
 * "inconnue" of a level); English is the value after the '|'.
 */
#include <string.h>

#include "i18n.h"
#include "detect/labels.h"

static const char *const labels[] = {
	N_("kind|disk"),
	N_("kind|nic"),
	N_("role|pv"),
	N_("role|emulated"),
	N_("role|passthrough"),
	N_("role|ignored"),
	N_("mode|pv"),
	N_("mode|hvm"),
	N_("mode|pvhvm"),
	N_("mode|pvh"),
	N_("mode|dom0"),
	N_("mode|unknown"),
	N_("paravirtual|full"),
	N_("paravirtual|partial"),
	N_("paravirtual|none"),
	N_("paravirtual|unknown"),
	N_("hypervisor|container"),
	N_("hypervisor|none"),
	N_("hypervisor|other"),
	N_("init|unknown"),
	N_("check|ok"),
	N_("check|not ok"),
	N_("check|unknown"),
	N_("driver state|built in"),
	N_("driver state|module"),
	N_("driver state|absent"),
	N_("driver state|unknown"),
};

const char *gt_label(const char *what, const char *value)
{
	size_t i, n;
	const char *shown;

	if (!what || !value)
		return value;
	n = strlen(what);
	for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		if (strncmp(labels[i], what, n) != 0 || labels[i][n] != '|' ||
		    strcmp(labels[i] + n + 1, value) != 0)
			continue;
		shown = gt_tr(labels[i]);
		/* Untranslated (English, or a catalog without it): the value. */
		return strchr(shown, '|') ? value : shown;
	}
	return value;
}
