/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transaction/journal.h"
#include "actions/drivers.h"
#include "actions/pkg.h"
#include "actions/service.h"
#include "strv.h"
#include "actions/verify.h"
#include "i18n.h"

static char *dup_field(char *const *f, size_t i)
{
	return i < gt_strv_len(f) ? strdup(f[i]) : NULL;
}

/*
 * A reboot is due only when it can change the verdict: a Xen HVM guest whose
 * blocking devices have PV frontends on offer, not taken because their
 * driver is not loaded yet (the verdict's reboot_may_switch), and whose
 * installed kernels have those frontends with nothing left to add to the
 * initramfs (the driver plan is empty). Never for a guest that is PVHVM, not
 * Xen, or HVM for a reason a reboot does not touch (a loaded driver that
 * left the device alone, xen_emul_unplug=never, no PV device on offer).
 */
static int reboot_can_switch(const struct gt_root *root, const struct gt_detect *d,
                             bool *yes)
{
	const struct gt_virt *v = d->virt;
	struct gt_driver_plan *p = NULL;
	int ret;

	*yes = false;
	if (strcmp(v->hypervisor, "xen") != 0 || strcmp(v->mode, "hvm") != 0 ||
	    !v->reboot_may_switch)
		return 0;
	ret = gt_drivers_plan(root, d, &p);
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0)
		return 0; /* the kernels cannot be read: no promise */
	*yes = gt_drivers_cover_emulated(v, p) && p->n_steps == 0;
	gt_drivers_plan_free(p);
	return 0;
}

int gt_verify_run(const struct gt_root *root, const struct gt_detect *d,
                  struct gt_verify **out)
{
	struct gt_journal_log *log = NULL;
	struct gt_verify *v = calloc(1, sizeof(*v));
	size_t i;

	if (!v)
		return -ENOMEM;
	if (gt_journal_read(root, true, &log) == 0) {
		v->recorded = true;
		for (i = 0; i < log->count; i++) {
			const struct gt_journal_record *r = &log->records[i];

			/* The last run says (an upgrade's record holds several). */
			if (strcmp(r->kind, "begin") == 0) {
				free(v->run_id);
				free(v->iso_version);
				free(v->payload);
				v->run_id = dup_field(r->fields, 0);
				v->iso_version = dup_field(r->fields, 1);
				v->payload = dup_field(r->fields, 2);
			} else if (strcmp(r->kind, "pkg") == 0) {
				free(v->family);
				free(v->package);
				free(v->version);
				v->family = dup_field(r->fields, 0);
				v->package = dup_field(r->fields, 1);
				v->version = dup_field(r->fields, 3);
			}
		}
		gt_journal_log_free(log);
	}
	if (v->package && v->family) {
		gt_pkg_installed_version(root, v->family, v->package,
		                         &v->installed_version);
		v->enabled = gt_service_enabled(root, v->package, d->init);
		v->running = gt_service_running(root, v->package, d->init);
	}
	v->running_expected = strcmp(d->virt->hypervisor, "xen") == 0 &&
	                      strcmp(d->virt->mode, "dom0") != 0;
	if (reboot_can_switch(root, d, &v->reboot_needed) < 0) {
		gt_verify_free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

void gt_verify_free(struct gt_verify *v)
{
	if (!v)
		return;
	free(v->run_id);
	free(v->iso_version);
	free(v->payload);
	free(v->family);
	free(v->package);
	free(v->version);
	free(v->installed_version);
	free(v);
}

bool gt_verify_ok(const struct gt_verify *v, const struct gt_root *root)
{
	return v->installed_version && v->enabled &&
	       (!root->host || v->running || !v->running_expected);
}

void gt_verify_json(struct gt_json *j, const struct gt_verify *v)
{
	gt_json_begin_object(j);
	gt_json_kv_bool(j, "recorded", v->recorded);
	gt_json_kv_string(j, "run_id", v->run_id);
	gt_json_kv_string(j, "iso_version", v->iso_version);
	gt_json_kv_string(j, "payload", v->payload);
	gt_json_kv_string(j, "family", v->family);
	gt_json_kv_string(j, "package", v->package);
	gt_json_kv_string(j, "version", v->installed_version);
	gt_json_kv_bool(j, "installed", v->installed_version != NULL);
	gt_json_kv_bool(j, "enabled", v->enabled);
	gt_json_kv_bool(j, "running", v->running);
	gt_json_kv_bool(j, "running_expected", v->running_expected);
	gt_json_kv_bool(j, "reboot_needed", v->reboot_needed);
	gt_json_end_object(j);
}

void gt_verify_human(FILE *fp, const struct gt_verify *v, const struct gt_root *root)
{
	/* A record with no package: prepare-hvm's changes alone (status lists them). */
	if (!v->recorded || !v->package) {
		fprintf(fp, gt_tr("Agent:          not installed by guest-tools\n"));
		return;
	}
	fprintf(fp, gt_tr("Agent:          %s %s (%s), %s, %s%s\n"),
	        v->package ? v->package : "?",
	        v->installed_version ? v->installed_version : gt_tr("(missing!)"),
	        v->family ? v->family : "?",
	        v->enabled ? gt_tr("enabled") : gt_tr("NOT enabled"),
	        !root->host  ? gt_tr("not started (--root)")
	        : v->running ? gt_tr("running")
	        : v->running_expected
	                ? gt_tr("NOT running")
	                : gt_tr("not running (it runs only on Xen: expected here)"),
	        "");
	fprintf(fp, gt_tr("Installed by:   run %s from guest-tools %s\n"),
	        v->run_id ? v->run_id : "?", v->iso_version ? v->iso_version : "?");
	if (v->reboot_needed)
		fprintf(fp,
		        gt_tr("Reboot:         needed, to switch to the PV drivers (PVHVM)\n"));
	else
		fprintf(fp, gt_tr("Reboot:         not needed\n"));
}
