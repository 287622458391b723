/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transaction/journal.h"
#include "actions/pkg.h"
#include "actions/service.h"
#include "strv.h"
#include "actions/verify.h"

static char *dup_field(char *const *f, size_t i)
{
	return i < gt_strv_len(f) ? strdup(f[i]) : NULL;
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
	v->reboot_needed = strcmp(d->virt->hypervisor, "xen") == 0 &&
	                   strcmp(d->virt->mode, "hvm") == 0;
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
	if (!v->recorded) {
		fprintf(fp, "Agent:          not installed by guest-tools\n");
		return;
	}
	fprintf(fp, "Agent:          %s %s (%s), %s, %s%s\n",
	        v->package ? v->package : "?",
	        v->installed_version ? v->installed_version : "(missing!)",
	        v->family ? v->family : "?", v->enabled ? "enabled" : "NOT enabled",
	        !root->host  ? "not started (--root)"
	        : v->running ? "running"
	        : v->running_expected
	                ? "NOT running"
	                : "not running (it runs only on Xen: expected here)",
	        "");
	fprintf(fp, "Installed by:   run %s from guest-tools %s\n",
	        v->run_id ? v->run_id : "?", v->iso_version ? v->iso_version : "?");
	if (v->reboot_needed)
		fprintf(fp,
		        "Reboot:         needed, to switch to the PV drivers (PVHVM)\n");
}
