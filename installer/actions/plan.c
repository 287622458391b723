/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <sys/utsname.h>

#include "error.h"
#include "log.h"
#include "actions/plan.h"

int gt_plan_payload(const struct gt_manifest *m, const struct gt_detect *d,
                    const char *distro, int major, const struct gt_manifest_entry **out,
                    const char **why)
{
	struct gt_manifest_query q = { 0 };
	struct utsname u;
	const char *family = d->distro->family;

	q.arch = gt_manifest_arch_from_machine(d->arch);
	/* A root with no ELF binary to read: assume it runs on this machine. */
	if (q.arch == GT_ARCH_NONE && strcmp(d->arch, "unknown") == 0 && uname(&u) == 0) {
		gt_warn("the architecture of the root is unknown (no /bin/sh): assuming %s, this machine's",
		        u.machine);
		q.arch = gt_manifest_arch_from_machine(u.machine);
	}
	if (q.arch == GT_ARCH_NONE) {
		*why = "no payload is built for this architecture";
		return -GT_EUNSUPPORTED;
	}
	q.id = distro ? distro : d->distro->id;
	q.like = distro ? NULL : d->distro->like;
	q.major = distro ? major : d->distro->major;
	q.init = gt_manifest_init_parse(strcmp(d->init, "sysvinit") == 0 ? "sysv"
	                                                                 : d->init);
	/* An unknown distribution may still take a generic (tgz) payload. */
	q.family = strcmp(family, "unknown") == 0 || distro
	                   ? GT_FAMILY_NONE
	                   : gt_manifest_family_parse(family);
	if (gt_manifest_find_payload(m, &q, out) == 0)
		return 0;
	*why = "the media has no payload for this distribution, version, architecture and init system";
	return -GT_ENOTFOUND;
}
