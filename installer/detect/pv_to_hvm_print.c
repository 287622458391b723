/* SPDX-License-Identifier: MIT */
/* The PV-to-HVM readiness check for scripts (JSON) and for people. */
#include <stdio.h>

#include "detect/labels.h"
#include "detect/pv_to_hvm.h"
#include "i18n.h"

void gt_pv_to_hvm_print_json(const struct gt_pv_to_hvm *p, struct gt_json *j)
{
	const struct gt_pv_to_hvm_facts *f = &p->facts;

	gt_json_begin_object(j);
	gt_json_kv_bool(j, "ready", p->ready);
	gt_json_kv_string(j, "disk", f->disk);
	gt_json_kv_string(j, "disk_source", f->disk_source);
	gt_json_kv_string(j, "partition_table", f->partition_table);
	gt_json_kv_string(j, "mbr_boot_code", f->mbr_boot_code);
	gt_json_kv_string(j, "esp_loader", f->esp_loader_path);
	gt_json_kv_string(j, "bootloader_config", f->bootloader_config);
	gt_json_kv_string(j, "default_kernel", f->default_kernel);
	gt_json_kv_string(j, "default_initrd", f->default_initrd);
	gt_json_kv_string(j, "kernel_version", f->kernel_version);
	gt_json_key(j, "checks");
	gt_json_begin_array(j);
	for (size_t i = 0; i < GT_P2H_NCHECKS; i++) {
		const struct gt_pv_to_hvm_check *c = &p->checks[i];

		gt_json_begin_object(j);
		gt_json_kv_string(j, "id", c->id);
		gt_json_key(j, "ok");
		if (c->state == GT_P2H_UNKNOWN)
			gt_json_null(j);
		else
			gt_json_bool(j, c->state == GT_P2H_OK);
		gt_json_kv_string(j, "evidence", c->evidence);
		gt_json_kv_string(j, "fix", c->fix);
		gt_json_kv_strv(j, "details", c->details);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	gt_json_end_object(j);
}

void gt_pv_to_hvm_print_human(const struct gt_pv_to_hvm *p, FILE *fp)
{
	size_t bad = 0, unknown = 0;

	for (size_t i = 0; i < GT_P2H_NCHECKS; i++) {
		bad += p->checks[i].state == GT_P2H_NOT_OK;
		unknown += p->checks[i].state == GT_P2H_UNKNOWN;
	}
	if (p->ready)
		fprintf(fp, gt_tr("PV to HVM:      ready: every check below is ok\n"));
	else
		fprintf(fp,
		        gt_tr("PV to HVM:      not ready: %zu check(s) not ok, %zu unknown; fix them before switching this guest to HVM, or it may not boot\n"),
		        bad, unknown);
	for (size_t i = 0; i < GT_P2H_NCHECKS; i++) {
		const struct gt_pv_to_hvm_check *c = &p->checks[i];

		fprintf(fp, "  %-17s %-7s %s\n", c->id,
		        gt_label("check", gt_p2h_state_name(c->state)),
		        c->evidence ? c->evidence : "");
		for (size_t k = 0; c->details && c->details[k]; k++)
			fprintf(fp, "    %s\n", c->details[k]);
		if (c->fix)
			fprintf(fp, gt_tr("    fix: %s\n"), c->fix);
	}
}
