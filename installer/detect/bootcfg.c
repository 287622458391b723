/* SPDX-License-Identifier: MIT */
/*
 * Boot loader configurations, read for the default entry only. Modelled on
 * what writes and reads them: GRUB 2's util/grub.d/00_header.in (the
 * "set default=" lines, "${saved_entry}", "${next_entry}") and
 * 10_linux.in (menuentry/submenu blocks, linux and initrd lines, the
 * "$menuentry_id_option 'gnulinux-...'" ids); GRUB 0.97's stage2 builtins
 * (default N|saved, title, kernel, initrd; "default=0" as RHEL writes it);
 * syslinux's doc/syslinux.txt (DEFAULT, LABEL, KERNEL/LINUX, INITRD,
 * APPEND, MENU DEFAULT); and pygrub's search order
 * (tools/pygrub/src/pygrub, Grub.read_config).
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "detect/bootcfg.h"
#include "strv.h"

#define CFG_MAX ((size_t)4 * 1024 * 1024)

const char *gt_bootcfg_kind_name(enum gt_bootcfg_kind k)
{
	return k == GT_BOOTCFG_GRUB2         ? "grub2"
	       : k == GT_BOOTCFG_GRUB_LEGACY ? "grub-legacy"
	                                     : "extlinux";
}

/* An entry in the making: where GRUB 2's menu tree puts it. */
struct node {
	int top;         /* its top-level index */
	int sub;         /* its index inside a submenu, or -1 */
	char *id;        /* its --id / $menuentry_id_option, or NULL */
	char *sub_id;    /* the id of its submenu, or NULL */
	char *sub_title; /* the title of its submenu, or NULL */
};

struct building {
	struct gt_bootcfg *c;
	struct node *nodes; /* one per entry of c */
};

/* The next line of *@p, cut at its newline (empty lines too, so that line
 * numbers hold, unlike strtok); NULL at the end. */
static char *next_line(char **p)
{
	char *line = *p, *nl;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = line + strlen(line);
	}
	return line;
}

/* The next word of @p (quotes removed, "\'" kept), advanced; NULL at the end. */
static char *next_word(const char **p)
{
	const char *s = *p;
	char *w, *o;
	char q = 0;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '{') {
		*p = s;
		return NULL;
	}
	w = o = calloc(strlen(s) + 1, 1); /* calloc: cppcheck took the writes for reads */
	if (!w)
		return NULL;
	for (; *s && (q || (!isspace((unsigned char)*s) && *s != '{')); s++) {
		if (q) {
			if (*s == q)
				q = 0;
			else
				*o++ = *s;
		} else if (*s == '\'' || *s == '"') {
			q = *s;
		} else if (*s == '\\' && s[1]) {
			*o++ = *++s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
	*p = s;
	return w;
}

static int add_entry(struct building *b, const char *title, int top, int sub,
                     const char *id, const char *sub_id, const char *sub_title)
{
	struct gt_bootcfg *c = b->c;
	size_t n = c->nentries;
	struct gt_bootcfg_entry *e = realloc(c->entries, (n + 1) * sizeof(*e));
	struct node *nd;

	if (!e)
		return -ENOMEM;
	c->entries = e;
	memset(&e[n], 0, sizeof(e[n]));
	nd = realloc(b->nodes, (n + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	b->nodes = nd;
	b->nodes[n].top = top;
	b->nodes[n].sub = sub;
	b->nodes[n].id = id ? strdup(id) : NULL;
	b->nodes[n].sub_id = sub_id ? strdup(sub_id) : NULL;
	b->nodes[n].sub_title = sub_title ? strdup(sub_title) : NULL;
	e[n].title = strdup(title ? title : "");
	e[n].cmdline = strdup("");
	c->nentries++;
	if (!e[n].title || !e[n].cmdline || (id && !b->nodes[n].id) ||
	    (sub_id && !b->nodes[n].sub_id) || (sub_title && !b->nodes[n].sub_title))
		return -ENOMEM;
	return 0;
}

/* The nodes of @b's first @n entries, and their strings. */
static void building_free(struct building *b, size_t n)
{
	for (size_t i = 0; b->nodes && i < n; i++) {
		free(b->nodes[i].id);
		free(b->nodes[i].sub_id);
		free(b->nodes[i].sub_title);
	}
	free(b->nodes);
}

/* An entry with no menu tree (GRUB legacy, extlinux): one top-level item. */
static int add_plain_entry(struct gt_bootcfg *c, const char *title)
{
	struct building b = { .c = c };
	int ret = add_entry(&b, title, (int)c->nentries, -1, NULL, NULL, NULL);

	free(b.nodes); /* a plain entry's node holds no string */
	return ret;
}

/* "linux PATH ARGS...": the image and the rest of the line. */
static int set_kernel(struct gt_bootcfg_entry *e, const char *rest, size_t line)
{
	const char *p = rest;
	char *img = next_word(&p);

	if (!img)
		return 0;
	while (*p && isspace((unsigned char)*p))
		p++;
	free(e->kernel);
	free(e->cmdline);
	e->kernel = img;
	e->cmdline = strdup(p);
	e->line = line;
	if (e->cmdline) {
		size_t l = strlen(e->cmdline);

		while (l && isspace((unsigned char)e->cmdline[l - 1]))
			e->cmdline[--l] = '\0';
	}
	return e->cmdline ? 0 : -ENOMEM;
}

/* "initrd A [B...]": the last image is the initramfs (microcode comes first). */
static int set_initrd(struct gt_bootcfg_entry *e, const char *rest)
{
	const char *p = rest;
	char *w, *last = NULL;

	while ((w = next_word(&p))) {
		free(last);
		last = w;
	}
	if (!last)
		return 0;
	free(e->initrd);
	e->initrd = last;
	return 0;
}

/* The keyword of @line in @kw (lower-cased), the rest in *rest. */
static bool keyword(const char *line, char *kw, size_t size, const char **rest)
{
	size_t i = 0;

	while (*line && isspace((unsigned char)*line))
		line++;
	if (!*line || *line == '#')
		return false;
	while (line[i] && !isspace((unsigned char)line[i]) && line[i] != '=' &&
	       i + 1 < size) {
		kw[i] = (char)tolower((unsigned char)line[i]);
		i++;
	}
	kw[i] = '\0';
	line += i;
	while (*line && (isspace((unsigned char)*line) || *line == '='))
		line++;
	*rest = line;
	return true;
}

static int parse_grub2(struct building *b, char *text, const char *saved)
{
	struct gt_bootcfg *c = b->c;
	int depth = 0, top = -1, sub = -1, in_entry = 0, sub_depth = -1;
	char *sub_id = NULL, *sub_title = NULL, *save = NULL, *line, kw[32];
	size_t no = 0;
	int ret = 0;

	for (save = text; ret == 0 && (line = next_line(&save));) {
		const char *rest;

		no++;
		if (!keyword(line, kw, sizeof(kw), &rest)) {
			continue;
		}
		if (strcmp(kw, "menuentry") == 0 || strcmp(kw, "submenu") == 0) {
			const char *p = rest;
			char *title = next_word(&p), *w, *id = NULL;
			bool is_sub = kw[0] == 's';

			while ((w = next_word(&p))) {
				if ((strcmp(w, "--id") == 0 ||
				     strcmp(w, "$menuentry_id_option") == 0) &&
				    !id)
					id = next_word(&p);
				free(w);
			}
			if (sub_depth < 0 || depth <= sub_depth) {
				top++;
				sub = -1;
			} else {
				sub++;
			}
			if (is_sub) {
				free(sub_id);
				free(sub_title);
				sub_id = id;
				sub_title = title;
				sub_depth = depth;
				sub = -1;
				id = title = NULL;
			} else {
				ret = add_entry(
				        b, title, top,
				        sub_depth >= 0 && depth > sub_depth ? sub : -1,
				        id,
				        sub_depth >= 0 && depth > sub_depth ? sub_id
				                                            : NULL,
				        sub_depth >= 0 && depth > sub_depth ? sub_title
				                                            : NULL);
				in_entry = depth + 1;
			}
			free(title);
			free(id);
			if (strchr(rest, '{'))
				depth++;
			continue;
		}
		if (strcmp(kw, "}") == 0 || rest[0] == '}' || kw[0] == '}') {
			depth--;
			if (in_entry && depth < in_entry)
				in_entry = 0;
			if (sub_depth >= 0 && depth <= sub_depth)
				sub_depth = -1;
			continue;
		}
		if (in_entry && c->nentries &&
		    (strcmp(kw, "linux") == 0 || strcmp(kw, "linux16") == 0 ||
		     strcmp(kw, "linuxefi") == 0))
			ret = set_kernel(&c->entries[c->nentries - 1], rest, no);
		else if (in_entry && c->nentries &&
		         (strcmp(kw, "initrd") == 0 || strcmp(kw, "initrd16") == 0 ||
		          strcmp(kw, "initrdefi") == 0))
			ret = set_initrd(&c->entries[c->nentries - 1], rest);
		else if (strcmp(kw, "set") == 0 && strncmp(rest, "default", 7) == 0 &&
		         rest[7] == '=') {
			const char *p = rest + 8;
			char *v = next_word(&p);

			if (v && strcmp(v, "${next_entry}") != 0) {
				free(c->default_spec);
				c->default_spec = v;
				v = NULL;
			}
			free(v);
		} else if (strchr(line, '{')) {
			depth++; /* if/for/function blocks keep the count right */
		} else if (strcmp(kw, "fi") == 0 || strcmp(kw, "done") == 0) {
			;
		}
	}
	free(sub_id);
	free(sub_title);
	if (ret == 0 && c->default_spec &&
	    strcmp(c->default_spec, "${saved_entry}") == 0) {
		free(c->default_spec);
		c->default_spec = strdup(saved ? saved : "saved");
		if (!c->default_spec)
			ret = -ENOMEM;
	}
	return ret;
}

/* Entry @i matches a GRUB 2 default component at its level? */
static bool grub2_match(const struct building *b, size_t i, const char *want, bool in_sub)
{
	const char *title = in_sub                 ? b->c->entries[i].title
	                    : b->nodes[i].sub >= 0 ? b->nodes[i].sub_title
	                                           : b->c->entries[i].title;
	const char *id = in_sub                 ? b->nodes[i].id
	                 : b->nodes[i].sub >= 0 ? b->nodes[i].sub_id
	                                        : b->nodes[i].id;
	char *end;
	long n = strtol(want, &end, 10);

	if (*want && !*end)
		return in_sub ? b->nodes[i].sub == n : b->nodes[i].top == n;
	return (id && strcmp(id, want) == 0) || (title && strcmp(title, want) == 0);
}

static int resolve_grub2(const struct building *b, const char *spec)
{
	const char *gt = strchr(spec, '>');
	char first[512];

	snprintf(first, sizeof(first), "%.*s", gt ? (int)(gt - spec) : (int)strlen(spec),
	         spec);
	for (size_t i = 0; i < b->c->nentries; i++) {
		if (!grub2_match(b, i, first, false))
			continue;
		if (!gt)
			return b->nodes[i].sub < 0 ? (int)i
			                           : -1; /* a submenu is no kernel */
		for (size_t k = i;
		     k < b->c->nentries && b->nodes[k].top == b->nodes[i].top; k++)
			if (b->nodes[k].sub >= 0 && grub2_match(b, k, gt + 1, true))
				return (int)k;
		return -1;
	}
	return -1;
}

static int parse_legacy(struct gt_bootcfg *c, char *text, const char *saved)
{
	char *save = NULL, *line, kw[32];
	size_t no = 0;
	int ret = 0;

	for (save = text; ret == 0 && (line = next_line(&save));) {
		const char *rest;

		no++;
		if (!keyword(line, kw, sizeof(kw), &rest))
			continue;
		if (strcmp(kw, "title") == 0) {
			/* A title is the rest of the line, spaces and all. */
			ret = add_plain_entry(c, rest);
		} else if (strcmp(kw, "default") == 0 && !c->nentries) {
			const char *p = rest;

			free(c->default_spec);
			c->default_spec = next_word(&p);
			if (c->default_spec && strcmp(c->default_spec, "saved") == 0 &&
			    saved) {
				free(c->default_spec);
				c->default_spec = strdup(saved);
			}
		} else if (c->nentries && strcmp(kw, "kernel") == 0) {
			ret = set_kernel(&c->entries[c->nentries - 1], rest, no);
		} else if (c->nentries && strcmp(kw, "initrd") == 0) {
			ret = set_initrd(&c->entries[c->nentries - 1], rest);
		}
	}
	return ret;
}

static int parse_extlinux(struct gt_bootcfg *c, char *text)
{
	char *save = NULL, *line, kw[32], *global_append = NULL;
	int menu_default = -1, ret = 0;
	size_t no = 0;

	for (save = text; ret == 0 && (line = next_line(&save));) {
		struct gt_bootcfg_entry *e =
		        c->nentries ? &c->entries[c->nentries - 1] : NULL;
		const char *rest;

		no++;
		if (!keyword(line, kw, sizeof(kw), &rest))
			continue;
		if (strcmp(kw, "label") == 0) {
			ret = add_plain_entry(c, rest);
		} else if (strcmp(kw, "default") == 0) {
			const char *p = rest;

			free(c->default_spec);
			c->default_spec = next_word(&p);
		} else if (strcmp(kw, "menu") == 0 && e &&
		           strncasecmp(rest, "default", 7) == 0) {
			menu_default = (int)c->nentries - 1;
		} else if (e && (strcmp(kw, "kernel") == 0 || strcmp(kw, "linux") == 0)) {
			const char *p = rest;

			free(e->kernel);
			e->kernel = next_word(&p);
			e->line = no;
		} else if (e && strcmp(kw, "initrd") == 0) {
			const char *p = rest;

			free(e->initrd);
			e->initrd = next_word(&p);
		} else if (strcmp(kw, "append") == 0) {
			char *v = strdup(rest);

			if (!v) {
				ret = -ENOMEM;
			} else if (e) {
				free(e->cmdline);
				e->cmdline = v;
			} else {
				free(global_append);
				global_append = v;
			}
		}
	}
	/* APPEND before any LABEL applies to the labels that set none; an
	 * "initrd=" in APPEND names the initramfs too (syslinux.txt). */
	for (size_t i = 0; ret == 0 && c->entries && i < c->nentries; i++) {
		struct gt_bootcfg_entry *e = &c->entries[i];
		const char *ir;

		if (e->cmdline && !*e->cmdline && global_append) {
			free(e->cmdline);
			if (!(e->cmdline = strdup(global_append)))
				ret = -ENOMEM;
		}
		if (ret == 0 && !e->initrd && e->cmdline &&
		    (ir = strstr(e->cmdline, "initrd="))) {
			size_t l = strcspn(ir + 7, " \t,");

			if (!(e->initrd = strndup(ir + 7, l)))
				ret = -ENOMEM;
		}
	}
	free(global_append);
	if (ret == 0 && !c->default_spec && menu_default >= 0)
		c->default_index = menu_default;
	return ret;
}

int gt_bootcfg_parse(enum gt_bootcfg_kind kind, const char *text, size_t len,
                     const char *saved_entry, struct gt_bootcfg **out)
{
	struct building b = { 0 };
	struct gt_bootcfg *c;
	char *copy;
	int ret;

	c = calloc(1, sizeof(*c));
	copy = strndup(text, len);
	if (!c || !copy) {
		free(c);
		free(copy);
		return -ENOMEM;
	}
	c->kind = kind;
	c->default_index = -1;
	b.c = c;
	if (kind == GT_BOOTCFG_GRUB2)
		ret = parse_grub2(&b, copy, saved_entry);
	else if (kind == GT_BOOTCFG_GRUB_LEGACY)
		ret = parse_legacy(c, copy, saved_entry);
	else
		ret = parse_extlinux(c, copy);
	free(copy);
	if (ret == 0 && kind == GT_BOOTCFG_GRUB2) {
		c->default_index =
		        resolve_grub2(&b, c->default_spec ? c->default_spec : "0");
	} else if (ret == 0 && kind == GT_BOOTCFG_GRUB_LEGACY) {
		char *end;
		long n = strtol(c->default_spec ? c->default_spec : "0", &end, 10);

		if (!*end && n >= 0 && (size_t)n < c->nentries)
			c->default_index = (int)n;
	} else if (ret == 0 && c->default_spec) {
		for (size_t i = 0; i < c->nentries; i++)
			if (strcasecmp(c->entries[i].title, c->default_spec) == 0)
				c->default_index = (int)i;
	} else if (ret == 0 && c->default_index < 0 && c->nentries) {
		c->default_index = 0; /* no DEFAULT: the first label */
	}
	building_free(&b, c->nentries);
	if (ret < 0) {
		gt_bootcfg_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

/* The value of "key=" in an environment file (grubenv), or its first line. */
static char *env_value(const struct gt_root *root, const char *path, const char *key)
{
	char *buf = NULL, *v = NULL, *save = NULL, *line;
	size_t len = 0, kl = key ? strlen(key) : 0;

	if (gt_root_read_file(root, path, (size_t)64 * 1024, &buf, &len) < 0)
		return NULL;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!key) {
			v = strdup(gt_strip(line));
			break;
		}
		if (strncmp(line, key, kl) == 0 && line[kl] == '=') {
			v = strdup(line + kl + 1);
			break;
		}
	}
	free(buf);
	return v;
}

int gt_bootcfg_read(const struct gt_root *root, int prefer, struct gt_bootcfg **out)
{
	static const struct {
		const char *path;
		enum gt_bootcfg_kind kind;
	} files[] = {
		{ "/boot/grub/grub.cfg", GT_BOOTCFG_GRUB2 },
		{ "/grub/grub.cfg", GT_BOOTCFG_GRUB2 },
		{ "/boot/grub2/grub.cfg", GT_BOOTCFG_GRUB2 },
		{ "/grub2/grub.cfg", GT_BOOTCFG_GRUB2 },
		{ "/boot/extlinux/extlinux.conf", GT_BOOTCFG_EXTLINUX },
		{ "/boot/extlinux.conf", GT_BOOTCFG_EXTLINUX },
		{ "/extlinux/extlinux.conf", GT_BOOTCFG_EXTLINUX },
		{ "/extlinux.conf", GT_BOOTCFG_EXTLINUX },
		{ "/boot/grub/menu.lst", GT_BOOTCFG_GRUB_LEGACY },
		{ "/boot/grub/grub.conf", GT_BOOTCFG_GRUB_LEGACY },
		{ "/grub/menu.lst", GT_BOOTCFG_GRUB_LEGACY },
		{ "/grub/grub.conf", GT_BOOTCFG_GRUB_LEGACY },
	};
	int ret = -ENOENT;

	*out = NULL;
	for (int pass = prefer >= 0 ? 0 : 1; pass < 2 && ret == -ENOENT; pass++) {
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			char *buf = NULL, *saved = NULL;
			size_t len = 0;

			if (pass == 0 && (int)files[i].kind != prefer)
				continue;
			ret = gt_root_read_file(root, files[i].path, CFG_MAX, &buf, &len);
			if (ret == -ENOENT || ret == -ENOTDIR)
				continue;
			if (ret < 0)
				return ret;
			if (files[i].kind == GT_BOOTCFG_GRUB2)
				saved = env_value(root, "/boot/grub/grubenv",
				                  "saved_entry");
			else if (files[i].kind == GT_BOOTCFG_GRUB_LEGACY)
				saved = env_value(root, "/boot/grub/default", NULL);
			ret = gt_bootcfg_parse(files[i].kind, buf, len, saved, out);
			free(buf);
			free(saved);
			if (ret == 0 && !((*out)->path = strdup(files[i].path))) {
				gt_bootcfg_free(*out);
				*out = NULL;
				ret = -ENOMEM;
			}
			return ret;
		}
		ret = -ENOENT;
	}
	return ret;
}

void gt_bootcfg_free(struct gt_bootcfg *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nentries; i++) {
		free(c->entries[i].title);
		free(c->entries[i].kernel);
		free(c->entries[i].initrd);
		free(c->entries[i].cmdline);
	}
	free(c->entries);
	free(c->path);
	free(c->default_spec);
	free(c);
}
