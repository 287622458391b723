/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "actions/plan.h"
#include "error.h"
#include "log.h"
#include "strv.h"
#include "i18n.h"

/*
 * The payload family for @di: its own (rpm, deb) when the root holds that
 * family's database, else the tgz; any family when nothing is known.
 */
static enum gt_family payload_family(const struct gt_distro *di)
{
	if (strcmp(di->family, "unknown") == 0)
		return GT_FAMILY_NONE;
	if (strcmp(di->family, "tgz") == 0 || !di->package_tool)
		return GT_FAMILY_TGZ;
	return gt_manifest_family_parse(di->family);
}

int gt_plan_payload(const struct gt_manifest *m, const struct gt_detect *d,
                    const char *distro, int major, const struct gt_manifest_entry **out,
                    const char **why)
{
	struct gt_plan_query q = { 0 };
	struct utsname u;
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
	q.family = distro ? GT_FAMILY_NONE : payload_family(d->distro);
	/* Its own tool is there: a package of its family serves it even when
	 * the package names other distributions (lib/distro_family.c). */
	q.by_family = !distro && q.family != GT_FAMILY_TGZ && q.family != GT_FAMILY_NONE;
	if (gt_plan_find_payload(m, &q, out) == 0)
		return 0;
	/* No package of its family serves it: the tgz does (gt_plan_note says so). */
	if (q.family != GT_FAMILY_NONE && q.family != GT_FAMILY_TGZ) {
		q.family = GT_FAMILY_TGZ;
		q.by_family = false;
		if (gt_plan_find_payload(m, &q, out) == 0)
			return 0;
	}
	*why = "the media has no payload for this distribution, version, architecture and init system";
	return -GT_ENOTFOUND;
}

const char *gt_plan_note(const struct gt_distro *di, const struct gt_manifest_entry *e,
                         enum gt_lang lang, char *buf, size_t size)
{
	if (!e || e->family != GT_FAMILY_TGZ)
		return NULL;
	if (strcmp(di->family, "tgz") == 0 && di->package_tool)
		snprintf(
		        buf, size,
		        gt_tr_in(
		                lang,
		                "%s is this system's package tool and the media has no %s package: the agent is installed from %s, which %s will not list (installer uninstall removes it)"),
		        di->package_tool, di->package_tool, e->dest, di->package_tool);
	else if (strcmp(di->family, "tgz") == 0)
		return NULL;
	else if (strcmp(di->family, "unknown") == 0)
		snprintf(
		        buf, size,
		        gt_tr_in(
		                lang,
		                "the package family of this system is unknown (no ID_LIKE, package database or known ID): the agent is installed from %s, outside any package database"),
		        e->dest);
	else if (!di->package_tool)
		snprintf(
		        buf, size,
		        gt_tr_in(
		                lang,
		                "this system is %s-based (%s) but the root has no %s database: the agent is installed from %s instead, outside any package database"),
		        di->family, di->family_evidence ? di->family_evidence : "?",
		        strcmp(di->family, "deb") == 0 ? "dpkg" : di->family, e->dest);
	else
		snprintf(
		        buf, size,
		        gt_tr_in(
		                lang,
		                "no %s package on the media serves %s %s: the agent is installed from %s instead, which %s will not list (installer uninstall removes it)"),
		        di->family, di->id[0] ? di->id : "this distribution",
		        di->version_id, e->dest, di->package_tool);
	return buf;
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
		if (e->inits && !(e->inits & q->init))
			continue;
		rank = distro_rank(e, q);
		/*
		 * Version bounds are on the versions of the distributions the
		 * package names; one it does not name, served through its
		 * family's tool, has versions on another scale.
		 */
		if (rank < 0 && q->by_family && e->family == q->family)
			rank = 900;
		else if (bounded && (q->major < 0 ||
		                     (e->min_major >= 0 && q->major < e->min_major) ||
		                     (e->max_major >= 0 && q->major > e->max_major)))
			continue;
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
