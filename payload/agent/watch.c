/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "publish.h"
#include "say.h"
#include "watch.h"

const char *const watch_sentinels[] = {
	"attr/PVAddons/Installed",        /* attr/: xapi's PV_drivers_version, XO's "agent
	                                     detected" */
	"data/service/guest-agent/state", /* data/ */
	"control/feature-balloon", /* squeezed's "may balloon"; a soft reset removes it */
	NULL,
};

/* The token says nothing the path does not: one is enough. */
#define TOKEN "guest-agent"

static const char *const watched[] = { KEY_DOMAIN_ID, "attr/PVAddons",
	                               "data/service/guest-agent",
	                               "control/feature-balloon" };

int watch_setup(struct agent *a)
{
	int ret;

	if (a->watching)
		return 0;
	for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); i++) {
		/* Set again after a new domain: a kernel whose watches did not
		 * survive the resume has none, one that re-registered them has
		 * them once (the xenbus device would otherwise keep two). */
		ret = gt_xs_unwatch(&a->xs, watched[i], TOKEN);
		if (ret < 0 && gt_xs_conn_lost(ret))
			return ret;
		ret = gt_xs_watch(&a->xs, watched[i], TOKEN);
		/* EEXIST: set already (a shared xenbus connection); fine. */
		if (ret < 0 && ret != -EEXIST) {
			if (gt_xs_conn_lost(ret))
				return ret;
			/* A store that refuses watches (a quota): the poll still works.
			 */
			say(LOG_WARNING,
			    "%s: watch on %s: %s: changes seen at the next poll only",
			    a->xs.where, watched[i], gt_strerror(ret));
		}
	}
	a->watching = true;
	return 0;
}

int watch_verify(struct agent *a)
{
	char *id = NULL;
	int ret;

	ret = gt_xs_read(&a->xs, KEY_DOMAIN_ID, &id);
	if (ret == -ENOENT) /* libxl writes none */
		id = strdup("");
	else if (ret < 0)
		return gt_xs_conn_lost(ret) ? ret : 0;
	if (!id)
		return -ENOMEM;
	if (!a->domain_id || strcmp(a->domain_id, id) != 0) {
		bool first = !a->domain_id;

		free(a->domain_id);
		a->domain_id = id;
		if (!first) {
			say(LOG_NOTICE,
			    "unique-domain-id is now '%s': a new domain (a migration, a resume, a clone): publishing everything again",
			    id);
			a->balloon_denied = false; /* a new toolstack may allow it */
			a->watching = false;       /* set them again (watch_setup) */
			publish_forget(a);
			return 1;
		}
	} else {
		free(id);
	}
	if (a->last.n == 0)
		return 1; /* everything is due anyway */
	for (size_t i = 0; watch_sentinels[i]; i++) {
		const char *want = kv_get(&a->last, watch_sentinels[i]);
		char *have = NULL;

		if (!want)
			continue;
		ret = gt_xs_read(&a->xs, watch_sentinels[i], &have);
		if (ret < 0 && ret != -ENOENT)
			return gt_xs_conn_lost(ret) ? ret : 0;
		if (ret == 0 && strcmp(have, want) == 0) {
			free(have);
			continue;
		}
		if (ret == -ENOENT)
			say(LOG_NOTICE,
			    "%s was removed by the toolstack (a resume, a soft reset): publishing everything again",
			    watch_sentinels[i]);
		else
			say(LOG_NOTICE,
			    "%s was changed by the toolstack (a resume, a soft reset): publishing everything again",
			    watch_sentinels[i]);
		free(have);
		publish_forget(a);
		return 1;
	}
	return 0;
}

int watch_drain(struct agent *a)
{
	struct gt_xs_event ev;
	int any = 0, ret;

	while ((ret = gt_xs_next_event(&a->xs, &ev)) == 1) {
		say(LOG_DEBUG, "watch fired: %s", ev.path);
		gt_xs_event_free(&ev);
		any = 1;
	}
	if (a->xs.events_lost) {
		a->xs.events_lost = false;
		any = 1;
	}
	if (ret == -EPROTO)
		return any; /* a malformed event: still an event */
	return ret < 0 ? ret : any;
}
