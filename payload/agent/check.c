/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "collect.h"
#include "error.h"
#include "i18n.h"
#include "json.h"
#include "loop.h"
#include "publish.h"
#include "say.h"
#include "strv.h"

/* A store that is not ours could hold anything: stop reading past this many keys. */
#define VIEW_MAX 4096

struct problem {
	const char *code;
	char *text;  /* English: the JSON */
	char *shown; /* the same in the user's language (lib/i18n.h) */
};

struct report {
	struct kvlist view; /* what xapi reads, sorted */
	struct problem *p;
	size_t np;
};

static void report_clear(struct report *r)
{
	kv_clear(&r->view);
	for (size_t i = 0; i < r->np; i++) {
		free(r->p[i].text);
		free(r->p[i].shown);
	}
	free(r->p);
	memset(r, 0, sizeof(*r));
}

__attribute__((format(printf, 3, 4))) static int
problem(struct report *r, const char *code, const char *fmt, ...)
{
	struct problem *bigger = realloc(r->p, (r->np + 1) * sizeof(*r->p));
	va_list ap;
	int ret;

	if (!bigger)
		return -ENOMEM;
	r->p = bigger;
	va_start(ap, fmt);
	ret = vasprintf(&r->p[r->np].text, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	ret = vasprintf(&r->p[r->np].shown, gt_tr(fmt), ap);
	va_end(ap);
	if (ret < 0) {
		free(r->p[r->np].text);
		return -ENOMEM;
	}
	r->p[r->np++].code = code;
	return 0;
}

/*
 * xenopsd's ls_lR (xenops_server_xen.ml): the value of @dir, and below it
 * to @depth levels of directories (keys one level further are still read).
 */
// NOLINTNEXTLINE(misc-no-recursion): bounded by @depth (3 at most, snapshot())
static int ls_lr(struct agent *a, const char *dir, int depth, struct kvlist *view)
{
	char **kids = NULL, *value = NULL;
	int ret;

	if (view->n >= VIEW_MAX)
		return 0;
	if (strcmp(dir, "attr/os/hotfixes") == 0)
		return 0; /* xenopsd skips it: it can fill the quota alone */
	ret = gt_xs_read(&a->xs, dir, &value);
	if (ret == 0) {
		ret = kv_add(view, dir, "%s", value);
		free(value);
		if (ret < 0)
			return ret;
	} else if (gt_xs_conn_lost(ret) || ret == -ENOMEM) {
		return ret;
	}
	if (depth < 0)
		return 0;
	ret = gt_xs_directory(&a->xs, dir, &kids);
	if (ret < 0)
		return gt_xs_conn_lost(ret) ? ret : 0;
	for (size_t i = 0; kids[i] && ret >= 0; i++) {
		char *child = NULL;

		if (asprintf(&child, "%s/%s", dir, kids[i]) < 0) {
			ret = -ENOMEM;
			break;
		}
		ret = ls_lr(a, child, depth - 1, view);
		free(child);
	}
	gt_strv_free(kids);
	return ret < 0 ? ret : 0;
}

/* What xapi gets to read: the subtrees xenopsd lists for it, at its depths. */
static int snapshot(struct agent *a, struct kvlist *view)
{
	static const struct {
		const char *dir;
		int depth;
	} trees[] = {
		{ "control", 0 },      { "feature/hotplug", 0 }, { "xenserver/attr", 3 },
		{ "attr", 3 },         { "drivers", 0 },         { "data", 0 },
		{ "data/service", 1 }, { KEY_DOMAIN_ID, 0 },
	};
	int ret;

	for (size_t i = 0; i < sizeof(trees) / sizeof(trees[0]); i++)
		if ((ret = ls_lr(a, trees[i].dir, trees[i].depth, view)) < 0)
			return ret;
	kv_sort(view);
	/* data/service is read twice (depth 0 from data, 1 of its own): once is enough.
	 */
	for (size_t i = 1; i < view->n;) {
		if (strcmp(view->v[i].key, view->v[i - 1].key) == 0)
			kv_remove(view, view->v[i].key);
		else
			i++;
	}
	return 0;
}

/* OCaml's int_of_string takes more (0x1f, 1_000), but a PV-addons part is decimal. */
static bool is_integer(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static int check_pvaddons(const struct kvlist *view, struct report *r)
{
	static const char *const parts[] = { "MajorVersion", "MinorVersion",
		                             "MicroVersion", "BuildVersion" };
	int ret = 0;

	for (size_t i = 0; i < 4 && ret == 0; i++) {
		char key[64];
		const char *v;

		snprintf(key, sizeof(key), "attr/PVAddons/%s", parts[i]);
		v = kv_get(view, key);
		if (!v && i < 2)
			ret = problem(
			        r, "pvaddons-missing",
			        "%s is missing: xapi records no PV-drivers version (xapi_guest_agent.ml pv_drivers_version) and Xen Orchestra shows \"Management agent not detected\"",
			        key);
		else if (v && !is_integer(v))
			ret = problem(
			        r, "pvaddons-not-integer",
			        "%s is '%s', not an integer: xapi's int_of_string fails (xapi_pv_driver_version.ml get_drivers_version), the PV drivers count as Unknown and VIF and VBD hot-plug are refused on an HVM guest (VM_MISSING_PV_DRIVERS)",
			        key, v);
		else if (v && i == 0 && strtol(v, NULL, 10) < 1)
			ret = problem(
			        r, "pvaddons-major-zero",
			        "%s is %s: Xen Orchestra shows the management agent without a version (it hides a major version below 1)",
			        key, v);
	}
	return ret;
}

/* "attr/vif/0" for "attr/vif/0/ipv4/1"; false for keys that are no address. */
static bool nic_of(const char *key, char *nic, size_t size)
{
	static const char *const roots[] = { "attr/vif/",
		                             "xenserver/attr/net-sriov-vf/" };

	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(roots[i]);
		const char *id = key + len, *slash;

		if (strncmp(key, roots[i], len) != 0 || !(slash = strchr(id, '/')))
			continue;
		if (strncmp(slash, "/ipv4/", 6) != 0 && strncmp(slash, "/ipv6/", 6) != 0)
			return false;
		snprintf(nic, size, "%.*s", (int)(slash - key), key);
		return true;
	}
	return false;
}

/* The addresses under @nic in @l, sorted, space separated ("" for none). */
static char *addresses(const struct kvlist *l, const char *nic)
{
	char **v = NULL, *out = NULL, buf[96];
	size_t n = 0, len = 0;

	for (size_t i = 0; i < l->n; i++)
		if (nic_of(l->v[i].key, buf, sizeof(buf)) && strcmp(buf, nic) == 0 &&
		    l->v[i].value[0] && gt_strv_push(&v, &n, l->v[i].value) < 0)
			goto out;
	for (size_t i = 1; i < n; i++) /* few addresses: insertion sort */
		for (size_t j = i; j > 0 && strcmp(v[j - 1], v[j]) > 0; j--) {
			char *t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	out = calloc(1, len + 1);
	len = 0;
	for (size_t i = 0; out && i < n; i++) {
		size_t vlen = strlen(v[i]);

		if (i > 0)
			out[len++] = ' ';
		memcpy(out + len, v[i], vlen + 1);
		len += vlen;
	}
out:
	gt_strv_free(v);
	return out;
}

static int check_addresses(const struct kvlist *view, const struct kvlist *want,
                           struct report *r)
{
	char nic[96], last[96] = "";
	bool any = false;
	int ret = 0;

	/* xapi sorts the indexes as integers; one that is not one loses the VIF's
	 * addresses. */
	for (size_t i = 0; i < view->n && ret == 0; i++) {
		const char *idx = strrchr(view->v[i].key, '/');

		if (nic_of(view->v[i].key, nic, sizeof(nic)) && idx &&
		    !is_integer(idx + 1))
			ret = problem(
			        r, "vif-bad-index",
			        "%s: index '%s' is not an integer: xapi drops every address of %s (xapi_guest_agent.ml networks)",
			        view->v[i].key, idx + 1, nic);
	}
	for (size_t i = 0; i < want->n && ret == 0; i++) {
		char *have = NULL, *should = NULL;

		if (!nic_of(want->v[i].key, nic, sizeof(nic)) || strcmp(nic, last) == 0)
			continue;
		any = true;
		snprintf(last, sizeof(last), "%s", nic);
		have = addresses(view, nic);
		should = addresses(want, nic);
		if (!have || !should)
			ret = -ENOMEM;
		else if (!have[0])
			ret = problem(
			        r, "vif-missing",
			        "%s is missing: this guest has %s there, so Xen Orchestra shows no IP for that VIF (is the agent running?)",
			        nic, should);
		else if (strcmp(have, should) != 0)
			ret = problem(
			        r, "vif-stale",
			        "%s holds %s but this guest has %s: Xen Orchestra shows addresses that are stale",
			        nic, have, should);
		free(have);
		free(should);
	}
	if (ret == 0 && !any)
		ret = problem(
		        r, "no-address",
		        "no address to publish: no interface backed by a Xen vif (nor a bridge, bond or VLAN over one) has an IPv4 or a usable IPv6 address, so Xen Orchestra shows no IP");
	return ret;
}

static int check_agent(struct agent *a, const struct kvlist *view, struct report *r)
{
	const char *domain = kv_get(view, KEY_DOMAIN_ID);
	const char *ours = kv_get(view, "data/service/guest-agent/unique-domain-id");
	const char *state = kv_get(view, "data/service/guest-agent/state");
	bool balloon = kv_get(view, "control/feature-balloon") != NULL;
	bool driver = collect_has_balloon(a->root);
	int ret = 0;

	if (!state)
		ret = problem(
		        r, "agent-not-publishing",
		        "data/service/guest-agent/state is missing: no guest-agent has published in this domain (is it running? systemctl status guest-agent)");
	else if (strcmp(state, "running") != 0)
		ret = problem(
		        r, "agent-stopped",
		        "data/service/guest-agent/state is '%s': the agent is not running, and what it published may be stale",
		        state);
	if (ret == 0 && domain && ours && strcmp(domain, ours) != 0)
		ret = problem(
		        r, "stale-domain-id",
		        "data/service/guest-agent/unique-domain-id is '%s' but the domain's unique-domain-id is '%s': the agent has not published again since this domain started (a migration, a resume, a clone)",
		        ours, domain);
	if (ret == 0 && driver && !balloon && !a->balloon_denied)
		ret = problem(
		        r, "no-feature-balloon",
		        "control/feature-balloon is missing though the kernel has the balloon driver: squeezed will not balloon this VM (squeeze_xen.ml get_feature_balloon)");
	if (ret == 0 && balloon && !driver)
		ret = problem(
		        r, "feature-balloon-without-driver",
		        "control/feature-balloon is set but the kernel has no balloon driver: squeezed sets memory targets this guest cannot meet");
	if (ret == 0 && !kv_get(view, "data/updated") && !balloon)
		ret = problem(
		        r, "no-data-updated",
		        "data/updated is missing: squeezed does not count this guest as booted (squeeze_xen.ml get_guest_agent)");
	return ret;
}

/* One look: the snapshot and its problems. Returns 0, or -errno when the store failed. */
static int check_once(struct agent *a, struct report *r)
{
	struct kvlist want = { 0 };
	int ret;

	report_clear(r);
	if ((ret = publish_connect(a)) < 0)
		return ret;
	if ((ret = snapshot(a, &r->view)) < 0)
		goto out;
	free(a->domain_id);
	a->domain_id = strdup(
	        kv_get(&r->view, KEY_DOMAIN_ID) ? kv_get(&r->view, KEY_DOMAIN_ID) : "");
	if (!a->domain_id || (ret = publish_collect(a, &want)) < 0) {
		ret = ret < 0 ? ret : -ENOMEM;
		goto out;
	}
	if ((ret = check_pvaddons(&r->view, r)) < 0 ||
	    (ret = check_addresses(&r->view, &want, r)) < 0 ||
	    (ret = check_agent(a, &r->view, r)) < 0)
		goto out;
out:
	kv_clear(&want);
	if (gt_xs_conn_lost(ret))
		publish_disconnect(a);
	return ret;
}

static void print_json(const struct agent *a, const struct report *r, int err)
{
	struct gt_json j;

	gt_json_init(&j, stdout);
	gt_json_begin_object(&j);
	gt_json_kv_int(&j, "schema", 1);
	gt_json_kv_string(&j, "store", publish_where(a, err));
	gt_json_kv_bool(&j, "ok", err == 0 && r->np == 0);
	gt_json_kv_string(&j, "error", err < 0 ? gt_strerror(err) : NULL);
	gt_json_key(&j, "keys");
	gt_json_begin_object(&j);
	for (size_t i = 0; i < r->view.n; i++)
		gt_json_kv_string(&j, r->view.v[i].key, r->view.v[i].value);
	gt_json_end_object(&j);
	gt_json_key(&j, "problems");
	gt_json_begin_array(&j);
	for (size_t i = 0; i < r->np; i++) {
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "code", r->p[i].code);
		gt_json_kv_string(&j, "message", r->p[i].text);
		gt_json_end_object(&j);
	}
	gt_json_end_array(&j);
	gt_json_end_object(&j);
	gt_json_finish(&j);
}

static void print_human(const struct agent *a, const struct report *r)
{
	printf(gt_tr("What xapi reads from %s:\n"),
	       a->xs.where ? a->xs.where : gt_tr("the store"));
	for (size_t i = 0; i < r->view.n; i++)
		if (r->view.v[i].value[0])
			printf("  %-44s %s\n", r->view.v[i].key, r->view.v[i].value);
	if (r->np == 0) {
		fputs(gt_tr("No problem: Xen Orchestra sees the management agent and this guest's addresses.\n"),
		      stdout);
		return;
	}
	printf(gt_tr("Problems (%zu):\n"), r->np);
	for (size_t i = 0; i < r->np; i++)
		printf("  %s: %s\n", r->p[i].code, r->p[i].shown);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int check_run(struct agent *a, bool json, int wait_s)
{
	struct report r = { 0 };
	long long until = now_ms() + (long long)wait_s * 1000;
	int ret, rc;

	if ((ret = loop_load_os(a)) < 0)
		goto out;
	for (;;) {
		ret = check_once(a, &r);
		if ((ret == 0 && r.np == 0) || now_ms() >= until)
			break;
		nanosleep(&(struct timespec){ 0, 500L * 1000 * 1000 }, NULL);
	}
out:
	if (json)
		print_json(a, &r, ret);
	else if (ret < 0)
		say(LOG_ERR, gt_tr("%s: %s: cannot check what xapi reads"),
		    publish_where(a, ret), gt_strerror(ret));
	else
		print_human(a, &r);
	rc = ret == 0 && r.np == 0 ? EXIT_OK : EXIT_FAIL;
	report_clear(&r);
	return rc;
}
