/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/utsname.h>

#include "actions/plan.h"
#include "error.h"
#include "log.h"
#include "strv.h"

int gt_plan_payload(const struct gt_manifest *m, const struct gt_detect *d,
                    const char *distro, int major, const struct gt_manifest_entry **out,
                    const char **why)
{
	struct gt_plan_query q = { 0 };
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
	if (gt_plan_find_payload(m, &q, out) == 0)
		return 0;
	*why = "the media has no payload for this distribution, version, architecture and init system";
	return -GT_ENOTFOUND;
}

/* How well @e serves @q's distro: lower is better; -1 when it does not. */
static int distro_rank(const struct gt_manifest_entry *e, const struct gt_plan_query *q)
{
	size_t i;

	if (!e->distros && !e->likes)
		return 1000; /* generic */
	if (q->id && gt_strv_contains(e->distros, q->id))
		return 0;
	if (q->id && gt_strv_contains(e->likes, q->id))
		return 1;
	for (i = 0; q->like && q->like[i] && i < 900; i++)
		if (gt_strv_contains(e->likes, q->like[i]))
			return 2 + (int)i;
	return -1;
}

int gt_plan_find_payload(const struct gt_manifest *m, const struct gt_plan_query *q,
                         const struct gt_manifest_entry **out)
{
	const struct gt_manifest_entry *best = NULL;
	int best_rank = 0;
	bool best_bounded = false;
	size_t i;

	if (!q->arch)
		return -EINVAL;
	for (i = 0; i < m->n_entries; i++) {
		const struct gt_manifest_entry *e = &m->entries[i];
		bool bounded = e->min_major >= 0 || e->max_major >= 0;
		int rank;

		if (e->type != GT_ENTRY_PACKAGE || e->arch != q->arch ||
		    (q->family && e->family != q->family))
			continue;
		if (bounded &&
		    (q->major < 0 || (e->min_major >= 0 && q->major < e->min_major) ||
		     (e->max_major >= 0 && q->major > e->max_major)))
			continue;
		if (e->inits && !(e->inits & q->init))
			continue;
		rank = distro_rank(e, q);
		if (rank < 0)
			continue;
		if (!best || rank < best_rank ||
		    (rank == best_rank && bounded && !best_bounded)) {
			best = e;
			best_rank = rank;
			best_bounded = bounded;
		}
	}
	if (!best)
		return -GT_ENOTFOUND;
	*out = best;
	return 0;
}
