/* SPDX-License-Identifier: MIT */
/* prepare-hvm's plan: runs the parts (hvm_parts.h) and owns the result. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/hvm/hvm_parts.h"
#include "error.h"
#include "i18n.h"
#include "strv.h"

bool hvm_check_failed(const struct hvm *h, const char *id)
{
	const struct gt_pv_to_hvm_check *c =
	        h->ready ? gt_pv_to_hvm_find(h->ready, id) : NULL;

	return c && c->state == GT_P2H_NOT_OK;
}

int hvm_read(const struct hvm *h, const char *path, char **buf, size_t *len)
{
	int ret = gt_root_read_file(h->root, path, HVM_TEXT_MAX, buf, len);

	*len = ret == 0 ? *len : 0;
	if (ret == -ENOENT || ret == -ENOTDIR) {
		*buf = NULL;
		return 0;
	}
	return ret;
}

static struct gt_hvm_step *new_step(struct hvm *h, enum gt_hvm_step_kind kind,
                                    const char *check)
{
	struct gt_hvm_plan *p = h->p;
	struct gt_hvm_step *v = realloc(p->steps, (p->n_steps + 1) * sizeof(*v));

	if (!v)
		return NULL;
	p->steps = v;
	v = &p->steps[p->n_steps++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->check = check;
	return v;
}

/*
 * A step's description, made twice: English for JSON, and for people
 * gt_tr(@desc) (a literal description has its translation; a formatted one
 * gets it through hvm_step_shown()).
 */
static int describe(struct gt_hvm_step *s, const char *desc)
{
	s->description = strdup(desc);
	s->description_shown = strdup(gt_tr(desc));
	return s->description && s->description_shown ? 0 : -ENOMEM;
}

static int replace(char **dst, const char *s)
{
	char *c = strdup(s);

	if (!c)
		return -ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int hvm_step_shown(struct hvm *h, const char *shown)
{
	return replace(&h->p->steps[h->p->n_steps - 1].description_shown, shown);
}

int hvm_run_shown(struct hvm *h, const char *shown)
{
	struct gt_hvm_item *it;
	char *text = NULL;

	if (h->root->host)
		return hvm_step_shown(h, shown);
	/* Under --root the run is the last not_done item, made by hvm_add_run. */
	it = &h->p->not_done[h->p->n_not_done - 1];
	if (asprintf(
	            &text,
	            gt_tr("not done: %s: it runs the guest's own program; run '%s' in the guest"),
	            shown, it->command) < 0)
		return -ENOMEM;
	free(it->text_shown);
	it->text_shown = text;
	return 0;
}

int hvm_item_shown(struct hvm *h, bool cannot, const char *shown)
{
	struct gt_hvm_item *v = cannot ? h->p->cannot : h->p->not_done;
	size_t n = cannot ? h->p->n_cannot : h->p->n_not_done;

	return replace(&v[n - 1].text_shown, shown);
}

int hvm_add_write(struct hvm *h, const char *check, const char *path, char *content,
                  const char *desc)
{
	struct gt_hvm_step *s = new_step(h, GT_HVM_WRITE, check);

	if (!s) {
		free(content);
		return -ENOMEM;
	}
	s->content = content;
	if (!(s->path = strdup(path)) || describe(s, desc) < 0)
		return -ENOMEM;
	return 0;
}

int hvm_add_link(struct hvm *h, const char *check, const char *path, const char *target,
                 const char *desc)
{
	struct gt_hvm_step *s = new_step(h, GT_HVM_LINK, check);

	if (!s || !(s->path = strdup(path)) || !(s->content = strdup(target)) ||
	    describe(s, desc) < 0)
		return -ENOMEM;
	return 0;
}

/* @argv as one line, for the command to run by hand. */
static char *argv_line(const char *const *argv)
{
	size_t n = 1, i, at = 0, l;
	char *s;

	for (i = 0; argv[i]; i++)
		n += strlen(argv[i]) + 1;
	s = calloc(1, n);
	if (!s)
		return NULL;
	for (i = 0; argv[i]; i++) {
		if (i)
			s[at++] = ' ';
		l = strlen(argv[i]);
		memcpy(s + at, argv[i], l);
		at += l;
	}
	return s;
}

int hvm_add_run(struct hvm *h, const char *check, const char *const *argv, char **backups,
                const char *desc)
{
	struct gt_hvm_step *s;
	size_t n = 0;
	int ret;

	if (!h->root->host) {
		char *cmd = argv_line(argv);

		gt_strv_free(backups);
		if (!cmd)
			return -ENOMEM;
		ret = hvm_add_item(
		        h, false, check, cmd,
		        "not done: %s: it runs the guest's own program; run '%s' in the guest",
		        desc, cmd);
		free(cmd);
		return ret < 0 ? ret : hvm_run_shown(h, gt_tr(desc));
	}
	s = new_step(h, GT_HVM_RUN, check);
	if (!s) {
		gt_strv_free(backups);
		return -ENOMEM;
	}
	s->backups = backups;
	if (!s->backups && !(s->backups = calloc(1, sizeof(char *))))
		return -ENOMEM;
	for (; *argv; argv++)
		if (gt_strv_push(&s->argv, &n, *argv) < 0)
			return -ENOMEM;
	return describe(s, desc);
}

int hvm_add_item(struct hvm *h, bool cannot, const char *check, const char *command,
                 const char *fmt, ...)
{
	struct gt_hvm_item **v = cannot ? &h->p->cannot : &h->p->not_done, *it;
	size_t *n = cannot ? &h->p->n_cannot : &h->p->n_not_done;
	va_list ap;
	int ret, ret2;

	it = realloc(*v, (*n + 1) * sizeof(**v));
	if (!it)
		return -ENOMEM;
	*v = it;
	it = &(*v)[(*n)++];
	memset(it, 0, sizeof(*it));
	it->check = check;
	/* Formatted twice: English for JSON, for people in their language. */
	va_start(ap, fmt);
	ret = vasprintf(&it->text, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	ret2 = vasprintf(&it->text_shown, gt_tr(fmt), ap);
	va_end(ap);
	if (ret < 0)
		it->text = NULL;
	if (ret2 < 0)
		it->text_shown = NULL;
	if (ret < 0 || ret2 < 0)
		return -ENOMEM;
	if (command && !(it->command = strdup(command)))
		return -ENOMEM;
	return 0;
}

int gt_hvm_plan(const struct gt_root *root, const struct gt_detect *d,
                const struct gt_pv_to_hvm *ready, const char *disk,
                struct gt_hvm_plan **out)
{
	struct hvm h = { .root = root, .d = d, .ready = ready, .disk = disk };
	int ret;

	h.p = calloc(1, sizeof(*h.p));
	if (!h.p)
		return -ENOMEM;
	/* Names first: the root's UUID also goes on the boot loader's command line. */
	if ((ret = hvm_plan_names(&h)) < 0 || (ret = hvm_plan_initramfs(&h)) < 0 ||
	    (ret = hvm_plan_console(&h)) < 0 || (ret = hvm_plan_bootloader(&h)) < 0) {
		free(h.root_uuid);
		gt_hvm_plan_free(h.p);
		return ret;
	}
	free(h.root_uuid);
	*out = h.p;
	return 0;
}

static void items_free(struct gt_hvm_item *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].text);
		free(v[i].command);
		free(v[i].text_shown);
	}
	free(v);
}

void gt_hvm_plan_free(struct gt_hvm_plan *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_steps; i++) {
		free(p->steps[i].path);
		free(p->steps[i].content);
		gt_strv_free(p->steps[i].argv);
		gt_strv_free(p->steps[i].backups);
		gt_strv_free(p->steps[i].dirs);
		free(p->steps[i].disk);
		free(p->steps[i].description);
		free(p->steps[i].description_shown);
	}
	free(p->steps);
	items_free(p->not_done, p->n_not_done);
	items_free(p->cannot, p->n_cannot);
	free(p);
}

static void items_json(struct gt_json *j, const char *key, const struct gt_hvm_item *v,
                       size_t n)
{
	size_t i;

	gt_json_key(j, key);
	gt_json_begin_array(j);
	for (i = 0; i < n; i++) {
		gt_json_begin_object(j);
		gt_json_kv_string(j, "check", v[i].check);
		gt_json_kv_string(j, "text", v[i].text);
		gt_json_kv_string(j, "command", v[i].command);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
}

void gt_hvm_plan_json(const struct gt_hvm_plan *p, struct gt_json *j)
{
	static const char *const kinds[] = { "write", "link", "run", "bootloader" };
	size_t i;

	gt_json_key(j, "steps");
	gt_json_begin_array(j);
	for (i = 0; i < p->n_steps; i++) {
		const struct gt_hvm_step *s = &p->steps[i];

		gt_json_begin_object(j);
		gt_json_kv_string(j, "check", s->check);
		gt_json_kv_string(j, "kind", kinds[s->kind]);
		gt_json_kv_string(j, "path", s->path);
		if (s->argv)
			gt_json_kv_strv(j, "argv", s->argv);
		gt_json_kv_string(j, "disk", s->disk);
		gt_json_kv_string(j, "description", s->description);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
	items_json(j, "not_done", p->not_done, p->n_not_done);
	items_json(j, "cannot", p->cannot, p->n_cannot);
}
