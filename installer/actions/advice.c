/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actions/advice.h"
#include "actions/plan.h"
#include "detect/labels.h"
#include "i18n.h"

static void print_platform(const struct gt_platform_advice *a, const struct gt_virt *v,
                           FILE *out)
{
	size_t i;

	fprintf(out,
	        gt_tr("This guest runs on %s, not Xen: the Xen guest agent on this media would stay idle here (it talks to Xen's xenstore, which %s does not have).\n"),
	        a->name, a->name);
	if (a->tools && a->tools_found)
		fprintf(out, gt_tr("  %s's own guest tools: %s, installed (%s).\n"),
		        a->name, a->tools, a->tools_found);
	else if (a->tools)
		fprintf(out, gt_tr("  %s's own guest tools: %s, not installed: %s.\n"),
		        a->name, a->tools, a->tools_how);
	else
		fprintf(out,
		        gt_tr("  This media knows no guest tools for this hypervisor.\n"));
	if (a->ndrivers > 0 && a->kernel) {
		fprintf(out, gt_tr("  PV drivers in kernel %s:"), a->kernel);
		for (i = 0; i < a->ndrivers; i++)
			fprintf(out, "%s %s %s", i ? "," : "", a->drivers[i].module,
			        gt_label("driver state", a->drivers[i].state));
		fputs(".\n", out);
	} else if (a->ndrivers > 0) {
		fprintf(out,
		        gt_tr("  PV drivers in the kernel: unknown (no installed kernel was found under /lib/modules or /boot).\n"));
	}
	for (i = 0; i < v->ndevices; i++) {
		const struct gt_virt_device *dev = &v->devices[i];

		if (!dev->judged)
			continue;
		fprintf(out, gt_tr("  %s %s: driver %s, %s%s (%s).\n"),
		        gt_label("kind", dev->kind), dev->name,
		        dev->driver ? dev->driver : gt_tr("unknown"),
		        gt_label("role", dev->role),
		        strcmp(dev->role, "pv") == 0 ? gt_tr(", driven by the PV drivers")
		        : strcmp(dev->role, "emulated") == 0
		                ? gt_tr(", not driven by the PV drivers")
		                : "",
		        dev->note_shown ? dev->note_shown : dev->note);
	}
	fprintf(out, gt_tr("  Paravirtual: %s.\n"),
	        gt_label("paravirtual", v->paravirtual));
	for (i = 0; (v->reasons_shown ? v->reasons_shown : v->reasons)[i]; i++)
		fprintf(out, gt_tr("  why: %s\n"),
		        (v->reasons_shown ? v->reasons_shown : v->reasons)[i]);
	fprintf(out,
	        gt_tr("installer install puts the Xen agent on this guest only with --force; without it, it stops before any change (exit 14).\n"));
}

int gt_advice_payload_note(struct gt_driver_plan *p, const struct gt_detect *d,
                           const struct gt_manifest_entry *payload)
{
	char buf[600], shown[1200];
	const char *note = gt_plan_note(d->distro, payload, GT_LANG_EN, buf, sizeof(buf));

	/* English for the JSON, the user's language on the terminal. */
	if (note &&
	    gt_warning_add_said(&p->warnings, &p->n_warnings, "tgz-payload", note,
	                        gt_plan_note(d->distro, payload, gt_i18n_choice()->lang,
	                                     shown, sizeof(shown))) < 0)
		return -ENOMEM;
	return 0;
}

int gt_advice_install(struct gt_driver_plan *p, const struct gt_detect *d,
                      const struct gt_manifest_entry *payload, FILE *out)
{
	if (gt_advice_payload_note(p, d, payload) < 0)
		return -ENOMEM;
	if (!p->platform)
		return 0;
	if (out)
		print_platform(p->platform, d->virt, out);
	return 1;
}

const char *gt_advice_refusal(const struct gt_driver_plan *p, enum gt_lang lang,
                              char *buf, size_t size)
{
	const struct gt_platform_advice *a = p->platform;

	if (a->tools)
		snprintf(
		        buf, size,
		        gt_tr_in(
		                lang,
		                "this guest runs on %s, not Xen: the Xen agent would stay idle here, so nothing was changed. Use %s instead. To install it anyway, run again with --force"),
		        a->name, a->tools);
	else
		snprintf(
		        buf, size,
		        gt_tr_in(
		                lang,
		                "this guest runs on %s, not Xen: the Xen agent would stay idle here, so nothing was changed. To install it anyway, run again with --force"),
		        a->name);
	return buf;
}
