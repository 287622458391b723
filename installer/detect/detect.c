/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/arch.h"
#include "detect/detect.h"
#include "detect/initsys.h"
#include "detect/pv_to_hvm.h"
#include "json.h"
#include "log.h"
#include "i18n.h"
#include "detect/labels.h"

/* Every warning of detect goes through here (codes documented in detect.h). */
#define warn(d, code, ...)                                                               \
	gt_warning_add(&(d)->warnings, &(d)->nwarnings, code, __VA_ARGS__)

static int add_warnings(struct gt_detect *d)
{
	const struct gt_virt *v = d->virt;
	const char *t;
	int ret = 0;

	if (d->rootfs->flagged) {
		t = d->rootfs->on_disk_type ? d->rootfs->on_disk_type : d->rootfs->type;
		ret = warn(
		        d, "ext-rootfs",
		        "the root filesystem is %s: ext2/3/4 are discouraged on shared virtual storage, where one guest's heavy I/O delays its neighbours (the provider's guide); consider XFS for new guests",
		        t);
	}
	if (ret == 0 && strcmp(v->hypervisor, "xen") == 0 && strcmp(v->mode, "pv") == 0)
		ret = warn(
		        d, "xen-pv",
		        "this Xen guest runs in legacy PV mode; HVM with PV drivers (PVHVM) is faster and safer");
	if (ret == 0 && strcmp(v->hypervisor, "xen") == 0 && strcmp(v->mode, "hvm") == 0)
		ret = warn(
		        d, "xen-hvm",
		        "this Xen guest's root disk or network runs on emulated devices; see virt.reasons for what keeps it from PVHVM");
	if (ret == 0 && strcmp(v->mode, "dom0") == 0)
		ret = warn(d, "xen-dom0",
		           "this is a Xen control domain (dom0), not a guest");
	if (ret == 0 && strcmp(v->hypervisor, "container") == 0)
		ret = warn(
		        d, "container",
		        "this is a container: it shares the host's kernel, so there are no drivers to install");
	if (ret == 0 && v->legacy_nic)
		ret = warn(d, "hyperv-legacy-nic",
		           "a Hyper-V legacy network adapter is in use");
	/* Any other hypervisor: an emulated device carries the root or the network
	 * (the legacy adapter alone has its warning above). */
	if (ret == 0 && strcmp(v->hypervisor, "xen") != 0 &&
	    (strcmp(v->paravirtual, "partial") == 0 ||
	     strcmp(v->paravirtual, "none") == 0) &&
	    !(v->legacy_nic && v->nemulated_in_use == 1))
		ret = warn(
		        d, "emulated-io",
		        "this %s guest's root disk or network runs on emulated devices (paravirtual: %s); see virt.reasons for what to switch",
		        v->hypervisor, v->paravirtual);
	if (ret == 0 && d->distro->problem)
		ret = warn(d, "malformed-file", "%s", d->distro->problem);
	if (ret == 0 && d->rootfs->problem)
		ret = warn(d, "malformed-file", "%s", d->rootfs->problem);
	if (ret == 0 && strcmp(d->distro->family, "unknown") == 0)
		ret = warn(
		        d, "unknown-distro",
		        "the distribution is not recognised (no usable os-release or release file); the tgz payload can still be used with -d/-m");
	return ret;
}

int gt_detect_run(const struct gt_root *root, struct gt_detect **out, const char **what)
{
	struct gt_detect *d;
	int ret;

	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	*what = "distribution";
	ret = gt_distro_detect(root, &d->distro);
	if (ret < 0)
		goto fail;
	d->arch = gt_arch_detect(root);
	d->init = gt_initsys_detect(root, &d->init_evidence);
	*what = "root filesystem";
	ret = gt_rootfs_detect(root, &d->rootfs);
	if (ret < 0)
		goto fail;
	*what = "virtualization";
	ret = gt_virt_detect(root, d->arch, d->rootfs, &d->virt);
	if (ret < 0)
		goto fail;
	*what = "warnings";
	ret = add_warnings(d);
	if (ret < 0)
		goto fail;
	*out = d;
	return 0;
fail:
	gt_detect_free(d);
	return ret;
}

void gt_detect_free(struct gt_detect *d)
{
	if (!d)
		return;
	gt_distro_free(d->distro);
	gt_rootfs_free(d->rootfs);
	gt_virt_free(d->virt);
	gt_warnings_free(d->warnings, d->nwarnings);
	gt_pv_to_hvm_free(d->pv_to_hvm);
	free(d);
}

/* -1 (unknown) is written as null. */
static void json_num_or_null(struct gt_json *j, const char *key, int n)
{
	gt_json_key(j, key);
	if (n < 0)
		gt_json_null(j);
	else
		gt_json_int(j, n);
}

int gt_detect_print_json(const struct gt_detect *d, FILE *fp)
{
	const struct gt_distro *di = d->distro;
	const struct gt_virt *v = d->virt;
	const struct gt_rootfs *r = d->rootfs;
	struct gt_json j;
	size_t i;

	gt_json_init(&j, fp);
	gt_json_begin_object(&j);
	gt_json_kv_int(&j, "schema", 1);
	gt_json_key(&j, "distro");
	gt_json_begin_object(&j);
	gt_json_kv_string(&j, "id", di->id);
	gt_json_kv_string(&j, "version_id", di->version_id);
	json_num_or_null(&j, "major", di->major);
	json_num_or_null(&j, "minor", di->minor);
	gt_json_kv_strv(&j, "like", di->like);
	gt_json_kv_string(&j, "name", di->name);
	gt_json_kv_string(&j, "pretty_name", di->pretty_name);
	gt_json_kv_string(&j, "codename", di->codename);
	gt_json_kv_string(&j, "family", di->family);
	gt_json_kv_string(&j, "family_source", di->family_source);
	gt_json_kv_string(&j, "family_evidence", di->family_evidence);
	gt_json_kv_string(&j, "package_tool", di->package_tool);
	gt_json_kv_string(&j, "package_db", di->package_db);
	gt_json_kv_string(&j, "source", di->source);
	gt_json_end_object(&j);
	gt_json_kv_string(&j, "arch", d->arch);
	gt_json_kv_string(&j, "init", d->init);
	gt_json_key(&j, "virt");
	gt_json_begin_object(&j);
	gt_json_kv_string(&j, "hypervisor", v->hypervisor);
	gt_json_kv_string(&j, "mode", v->mode);
	gt_json_kv_string(&j, "cpuid", v->cpuid);
	gt_json_kv_string(&j, "paravirtual", v->paravirtual);
	gt_json_kv_strv(&j, "emulated_in_use", v->emulated_in_use);
	gt_json_key(&j, "devices");
	gt_json_begin_array(&j);
	for (i = 0; i < v->ndevices; i++) {
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "name", v->devices[i].name);
		gt_json_kv_string(&j, "kind", v->devices[i].kind);
		gt_json_kv_string(&j, "driver", v->devices[i].driver);
		gt_json_kv_bool(&j, "pv", v->devices[i].pv);
		gt_json_kv_string(&j, "role", v->devices[i].role);
		gt_json_kv_bool(&j, "judged", v->devices[i].judged);
		gt_json_kv_string(&j, "note", v->devices[i].note);
		gt_json_end_object(&j);
	}
	gt_json_end_array(&j);
	gt_json_kv_strv(&j, "evidence", v->evidence);
	gt_json_kv_strv(&j, "reasons", v->reasons);
	gt_json_end_object(&j);
	gt_json_key(&j, "rootfs");
	gt_json_begin_object(&j);
	gt_json_kv_string(&j, "source", r->source);
	gt_json_kv_string(&j, "type", r->type);
	gt_json_kv_string(&j, "on_disk_type", r->on_disk_type);
	gt_json_kv_string(&j, "device", r->device);
	gt_json_kv_string(&j, "disk", r->disk);
	gt_json_kv_bool(&j, "flagged", r->flagged);
	gt_json_end_object(&j);
	gt_json_key(&j, "warnings");
	gt_json_begin_array(&j);
	for (i = 0; i < d->nwarnings; i++) {
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "code", d->warnings[i].code);
		gt_json_kv_string(&j, "message", d->warnings[i].message);
		gt_json_end_object(&j);
	}
	gt_json_end_array(&j);
	if (d->pv_to_hvm) {
		gt_json_key(&j, "pv_to_hvm");
		gt_pv_to_hvm_print_json(d->pv_to_hvm, &j);
	}
	gt_json_end_object(&j);
	return gt_json_finish(&j);
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

void gt_detect_print_human(const struct gt_detect *d, FILE *fp)
{
	const struct gt_distro *di = d->distro;
	const struct gt_virt *v = d->virt;
	/* The user's-language lines; English when a verdict was made without them. */
	char *const *shown_reasons = v->reasons_shown ? v->reasons_shown : v->reasons;
	char *const *shown_evidence = v->evidence_shown ? v->evidence_shown : v->evidence;
	size_t i;

	fprintf(fp, gt_tr("Distribution:   %s"),
	        or_dash(di->pretty_name[0] ? di->pretty_name : di->name));
	fprintf(fp, gt_tr(" (id %s, version %s, from %s)\n"), or_dash(di->id),
	        or_dash(di->version_id), di->source);
	fprintf(fp, gt_tr("Family:         %s (%s)"), di->family,
	        di->family_evidence_shown ? di->family_evidence_shown
	        : di->family_evidence     ? di->family_evidence
	                                  : gt_tr("nothing says"));
	if (strcmp(di->family, "tgz") == 0)
		fprintf(fp, gt_tr(": the agent comes as a tgz%s%s%s\n"),
		        di->package_tool ? gt_tr(", which ") : "",
		        di->package_tool ? di->package_tool : "",
		        di->package_tool ? gt_tr(" does not track") : "");
	else if (strcmp(di->family, "unknown") == 0)
		fprintf(fp, gt_tr(": only the tgz payload can serve it\n"));
	else if (di->package_tool)
		fprintf(fp, gt_tr(", package tool %s\n"), di->package_tool);
	else
		fprintf(fp,
		        gt_tr(", but no %s database in the root: the tgz payload is used\n"),
		        strcmp(di->family, "deb") == 0 ? "dpkg" : di->family);
	fprintf(fp, gt_tr("Architecture:   %s\n"), d->arch);
	fprintf(fp, gt_tr("Init system:    %s\n"), gt_label("init", d->init));
	fprintf(fp, gt_tr("Virtualization: %s"), gt_label("hypervisor", v->hypervisor));
	if (strcmp(v->mode, "n/a") != 0)
		fprintf(fp, gt_tr(", mode %s"), gt_label("mode", v->mode));
	if (strcmp(v->paravirtual, "n/a") != 0)
		fprintf(fp, gt_tr(", paravirtual %s"),
		        gt_label("paravirtual", v->paravirtual));
	for (i = 0; v->emulated_in_use[i]; i++)
		fprintf(fp, "%s%s", i ? ", " : gt_tr(" (emulated: "),
		        v->emulated_in_use[i]);
	fputs(i ? ")\n" : "\n", fp);
	for (i = 0; i < v->ndevices; i++)
		fprintf(fp, gt_tr("  %-4s %-12s driver %-12s %-11s %s\n"),
		        gt_label("kind", v->devices[i].kind), v->devices[i].name,
		        or_dash(v->devices[i].driver),
		        gt_label("role", v->devices[i].role),
		        or_dash(v->devices[i].note_shown ? v->devices[i].note_shown
		                                         : v->devices[i].note));
	for (i = 0; shown_reasons[i]; i++)
		fprintf(fp, gt_tr("  why: %s\n"), shown_reasons[i]);
	fprintf(fp, gt_tr("Root fs:        %s on %s"), or_dash(d->rootfs->type),
	        or_dash(d->rootfs->source));
	if (d->rootfs->on_disk_type && d->rootfs->type &&
	    strcmp(d->rootfs->on_disk_type, d->rootfs->type) != 0)
		fprintf(fp, gt_tr(" (%s on disk)"), d->rootfs->on_disk_type);
	fputc('\n', fp);
	for (i = 0; i < d->nwarnings; i++)
		fprintf(fp, gt_tr("Warning: %s\n"), d->warnings[i].shown);
	if (d->pv_to_hvm)
		gt_pv_to_hvm_print_human(d->pv_to_hvm, fp);
	if (gt_log_verbosity() >= 2)
		for (i = 0; shown_evidence[i]; i++)
			fprintf(fp, gt_tr("  evidence: %s\n"), shown_evidence[i]);
}
