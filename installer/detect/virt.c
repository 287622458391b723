/* SPDX-License-Identifier: MIT */
/* The verdict end to end: probe the facts, decide, free the facts. */
#include <errno.h>
#include <stdlib.h>

#include "strv.h"
#include "detect/virt_facts.h"

void gt_virt_facts_free(struct gt_virt_facts *f)
{
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->ncpuid; i++)
		free(f->cpuid[i]);
	free(f->dmi_vendor);
	free(f->dmi_product);
	free(f->hypervisor_type);
	free(f->guest_type);
	free(f->capabilities);
	free(f->root_device);
	for (i = 0; i < f->ndevs; i++) {
		free(f->devs[i].name);
		free(f->devs[i].driver);
		free(f->devs[i].xen_devtype);
		free(f->devs[i].via);
	}
	free(f->devs);
	gt_strv_free(f->evidence);
	gt_strv_free(f->evidence_shown);
}

int gt_virt_detect(const struct gt_root *root, const char *arch,
                   const struct gt_rootfs *rootfs, struct gt_virt **out)
{
	struct gt_virt_facts f = { 0 };
	int ret = gt_virt_probe(root, arch, rootfs, &f);

	if (ret == 0)
		ret = gt_virt_decide(&f, out);
	gt_virt_facts_free(&f);
	return ret;
}

void gt_virt_free(struct gt_virt *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->ndevices; i++) {
		free(v->devices[i].name);
		free(v->devices[i].driver);
		free(v->devices[i].note);
		free(v->devices[i].note_shown);
	}
	free(v->devices);
	gt_strv_free(v->evidence);
	gt_strv_free(v->reasons);
	gt_strv_free(v->evidence_shown);
	gt_strv_free(v->reasons_shown);
	gt_strv_free(v->emulated_in_use);
	free(v->cpuid);
	free(v);
}
