/* SPDX-License-Identifier: MIT */
/*
 * The PV-driver plan: runs the parts in actions/drivers/ (planner.h says
 * which file does what) and owns the public plan (drivers.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/drivers/planner.h"
#include "strv.h"
#include "i18n.h"

bool gt_drivers_cover_emulated(const struct gt_virt *v, const struct gt_driver_plan *p)
{
	bool disk = false, nic = false;
	size_t i;

	for (i = 0; i < v->ndevices; i++) {
		if (!v->devices[i].judged || strcmp(v->devices[i].role, "emulated") != 0)
			continue;
		if (strcmp(v->devices[i].kind, "disk") == 0)
			disk = true;
		else
			nic = true;
	}
	return (!disk || p->blkfront_available) && (!nic || p->netfront_available);
}

/*
 * A reboot after the steps switches @v to PVHVM (verify.c's rule, the steps
 * done): the verdict says the frontends the emulated root disk and NICs
 * need are on offer and not loaded yet, and the kernels have them.
 */
static bool reboot_switches(const struct gt_virt *v, const struct gt_driver_plan *p)
{
	return v->reboot_may_switch && gt_drivers_cover_emulated(v, p);
}

/* Frees what the planner found; hands the plan over, or frees it on @ret < 0. */
static int planner_finish(struct planner *pl, int ret, struct gt_driver_plan **out)
{
	size_t i;

	for (i = 0; i < pl->nk; i++)
		free(pl->k[i].kver);
	free(pl->k);
	for (i = 0; i < pl->nnics; i++)
		free(pl->nics[i].mac);
	free(pl->nics);
	if (ret < 0) {
		gt_drivers_plan_free(pl->p);
		return ret;
	}
	*out = pl->p;
	return 0;
}

int gt_drivers_plan(const struct gt_root *root, const struct gt_detect *d,
                    struct gt_driver_plan **out)
{
	struct planner pl = { .root = root, .d = d, .ms = &drv_pv_modset };
	const struct gt_virt *v = d->virt;
	bool hvm;
	size_t i;
	int ret = 0;

	pl.p = calloc(1, sizeof(*pl.p));
	if (!pl.p)
		return -ENOMEM;
	if (strcmp(v->hypervisor, "none") == 0 || strcmp(v->hypervisor, "container") == 0)
		goto done;
	if (strcmp(v->hypervisor, "xen") != 0) {
		if ((ret = drv_list_kernels(&pl)) == 0)
			ret = drv_plan_platform(&pl);
		goto done;
	}
	/* dom0 is no guest; PV and PVH have no emulated devices; PVHVM is done. */
	hvm = strcmp(v->mode, "hvm") == 0;
	if (strcmp(v->mode, "dom0") == 0)
		goto done;
	if ((ret = drv_list_kernels(&pl)) < 0)
		goto done;
	for (i = 0; i < pl.nk && ret == 0; i++)
		ret = drv_kernel_frontends(&pl, &pl.k[i]);
	if (ret < 0)
		goto done;
	pl.p->blkfront_available = pl.p->netfront_available = pl.p->builtin = pl.nk > 0;
	for (i = 0; i < pl.nk; i++) {
		pl.p->blkfront_available &= pl.k[i].fe[0] != FE_ABSENT;
		pl.p->netfront_available &= pl.k[i].fe[1] != FE_ABSENT;
		pl.p->builtin &=
		        pl.k[i].fe[0] == FE_BUILTIN && pl.k[i].fe[1] == FE_BUILTIN;
	}
	if (!hvm)
		goto done;
	pl.p->reboot_needed = reboot_switches(v, pl.p);
	if ((ret = drv_kernel_warnings(&pl)) < 0 || (ret = drv_plan_initramfs(&pl)) < 0 ||
	    (ret = drv_fstab_warnings(&pl)) < 0 ||
	    (ret = drv_bootloader_warnings(&pl)) < 0 || (ret = drv_nic_warnings(&pl)) < 0)
		goto done;
done:
	return planner_finish(&pl, ret, out);
}

int gt_drivers_plan_hvm(const struct gt_root *root, bool rebuild,
                        struct gt_driver_plan **out)
{
	struct planner pl = { .root = root,
		              .ms = &drv_hvm_modset,
		              .force_rebuild = rebuild };
	enum fe_state st[DRV_MAX_MODS];
	size_t i, f;
	int ret;

	pl.p = calloc(1, sizeof(*pl.p));
	if (!pl.p)
		return -ENOMEM;
	ret = drv_list_kernels(&pl);
	for (i = 0; i < pl.nk && ret == 0; i++) {
		ret = drv_kernel_modules(&pl, pl.k[i].kver, pl.ms->mods, pl.ms->n, st);
		for (f = 0; f < pl.ms->n && ret == 0; f++)
			pl.k[i].initramfs |= st[f] == FE_MODULE;
	}
	if (ret == 0 && pl.nk == 0)
		ret = warn(
		        &pl, "no-kernel-found",
		        "no installed kernel was found (/lib/modules/<version>, /boot/vmlinuz-<version>): install the distribution's kernel package before switching to HVM");
	if (ret == 0)
		ret = drv_plan_initramfs(&pl);
	return planner_finish(&pl, ret, out);
}

void gt_drivers_plan_free(struct gt_driver_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++) {
		free(p->steps[i].path);
		free(p->steps[i].content);
		gt_strv_free(p->steps[i].argv);
		gt_strv_free(p->steps[i].backups);
		free(p->steps[i].description);
		free(p->steps[i].shown);
	}
	free(p->steps);
	gt_warnings_free(p->warnings, p->n_warnings);
	if (p->platform)
		free(p->platform->kernel);
	free(p->platform);
	free(p);
}

static void platform_json(const struct gt_platform_advice *a, struct gt_json *j)
{
	size_t i;

	gt_json_begin_object(j);
	gt_json_kv_string(j, "hypervisor", a->hypervisor);
	gt_json_kv_string(j, "name", a->name);
	gt_json_kv_bool(j, "xen_agent_idle", true);
	gt_json_key(j, "tools");
	gt_json_begin_object(j);
	gt_json_kv_string(j, "name", a->tools);
	gt_json_kv_string(j, "how", a->tools_how);
	gt_json_kv_bool(j, "installed", a->tools_found != NULL);
	gt_json_kv_string(j, "found", a->tools_found);
	gt_json_end_object(j);
	gt_json_kv_string(j, "kernel", a->kernel);
	gt_json_key(j, "pv_drivers");
	gt_json_begin_array(j);
	for (i = 0; i < a->ndrivers; i++) {
		gt_json_begin_object(j);
		gt_json_kv_string(j, "module", a->drivers[i].module);
		gt_json_kv_string(j, "state", a->drivers[i].state);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	gt_json_end_object(j);
}

void gt_drivers_plan_json(const struct gt_driver_plan *p, struct gt_json *j)
{
	size_t i;

	gt_json_begin_object(j);
	gt_json_kv_bool(j, "blkfront_available", p->blkfront_available);
	gt_json_kv_bool(j, "netfront_available", p->netfront_available);
	gt_json_kv_bool(j, "builtin", p->builtin);
	gt_json_kv_bool(j, "reboot_needed", p->reboot_needed);
	gt_json_key(j, "steps");
	gt_json_begin_array(j);
	for (i = 0; i < p->n_steps; i++) {
		const struct gt_driver_step *s = &p->steps[i];

		gt_json_begin_object(j);
		if (s->kind == GT_STEP_WRITE_FILE) {
			gt_json_kv_string(j, "kind", "write");
			gt_json_kv_string(j, "path", s->path);
			gt_json_kv_string(j, "content", s->content);
		} else {
			gt_json_kv_string(j, "kind", "run");
			gt_json_kv_strv(j, "argv", s->argv);
			gt_json_kv_strv(j, "backups", s->backups);
		}
		gt_json_kv_string(j, "description", s->description);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	gt_json_key(j, "warnings");
	gt_json_begin_array(j);
	for (i = 0; i < p->n_warnings; i++) {
		gt_json_begin_object(j);
		gt_json_kv_string(j, "code", p->warnings[i].code);
		gt_json_kv_string(j, "message", p->warnings[i].message);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	gt_json_key(j, "platform");
	if (p->platform)
		platform_json(p->platform, j);
	else
		gt_json_null(j);
	gt_json_end_object(j);
}

void gt_drivers_plan_print(const struct gt_driver_plan *p, FILE *fp)
{
	size_t i;

	for (i = 0; i < p->n_steps; i++)
		fprintf(fp, "  %zu. %s\n", i + 1, p->steps[i].shown);
	for (i = 0; i < p->n_warnings; i++)
		fprintf(fp, gt_tr("Warning: %s\n"), p->warnings[i].shown);
	if (p->reboot_needed && p->blkfront_available && p->netfront_available)
		fprintf(fp, gt_tr("Reboot to switch to the PV drivers (PVHVM).\n"));
}
