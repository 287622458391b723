/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "actions/hvm/edit.h"
#include "error.h"

/* A growing text. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->oom || n == 0)
		return;
	if (!t->s || t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->s, cap);

		if (!p) {
			t->oom = true;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* Hands the text over (or frees it when out of memory). */
static int finish(struct text *t, char **out)
{
	if (t->oom) {
		free(t->s);
		return -ENOMEM;
	}
	if (!t->s)
		t->s = calloc(1, 1);
	if (!t->s)
		return -ENOMEM;
	*out = t->s;
	return 0;
}

bool gt_hvm_name_changes(const char *spec)
{
	static const char *const prefixes[] = { "/dev/xvd", "/dev/sd", "/dev/hd",
		                                "/dev/vd" };
	size_t i, n, len = strlen(spec);

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		n = strlen(prefixes[i]);
		if (len <= n || strncmp(spec, prefixes[i], n) != 0 ||
		    !islower((unsigned char)spec[n]))
			continue;
		for (n++; islower((unsigned char)spec[n]); n++)
			;
		while (isdigit((unsigned char)spec[n]))
			n++;
		return spec[n] == '\0';
	}
	return false;
}

/* The words of a command line, as spans of @s. */
static bool next_word(const char *s, size_t len, size_t *at, size_t *start, size_t *wlen)
{
	size_t i = *at;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i >= len)
		return false;
	*start = i;
	while (i < len && !isspace((unsigned char)s[i]))
		i++;
	*wlen = i - *start;
	*at = i;
	return true;
}

static bool word_is(const char *w, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && memcmp(w, prefix, pl) == 0;
}

/* console=ttyN (a virtual terminal) or console=ttySN[,...]: seen without hvc0. */
static bool console_covers_hvm(const char *w, size_t n)
{
	size_t i;

	if (!word_is(w, n, "console=tty") || n < 12)
		return false;
	if (w[11] == 'S')
		return true;
	for (i = 11; i < n && isdigit((unsigned char)w[i]); i++)
		;
	return i > 11 && (i == n || w[i] == ',');
}

static bool console_is_hvc0(const char *w, size_t n)
{
	return word_is(w, n, "console=hvc0") && (n == 12 || w[12] == ',');
}

/* What a command line (and its @also part) says of its consoles. */
static void consoles_of(const char *s, size_t len, bool *vt, bool *hvc)
{
	size_t at = 0, start, n;

	while (next_word(s, len, &at, &start, &n)) {
		*vt |= console_covers_hvm(s + start, n);
		*hvc |= console_is_hvc0(s + start, n);
	}
}

int gt_hvm_cmdline_fix(const char *cmdline, size_t len, const char *also,
                       const char *root_uuid, char **out)
{
	struct text t = { 0 };
	bool vt = false, hvc = false, changed = false, vt_put = false;
	size_t at = 0, start, n, done = 0;

	consoles_of(cmdline, len, &vt, &hvc);
	if (also)
		consoles_of(also, strlen(also), &vt, &hvc);
	while (next_word(cmdline, len, &at, &start, &n)) {
		const char *w = cmdline + start;

		if (!vt && !vt_put && word_is(w, n, "console=")) {
			put(&t, cmdline + done, start - done);
			puts_(&t, "console=tty0 ");
			done = start;
			vt_put = changed = true;
		}
		if (root_uuid && word_is(w, n, "root=")) {
			char name[256];

			if (n - 5 < sizeof(name)) {
				memcpy(name, w + 5, n - 5);
				name[n - 5] = '\0';
				if (gt_hvm_name_changes(name)) {
					put(&t, cmdline + done, start - done);
					puts_(&t, "root=UUID=");
					puts_(&t, root_uuid);
					done = start + n;
					changed = true;
				}
			}
		}
	}
	/* Trailing blanks stay after the words added at the end. */
	for (n = len; n > done && isspace((unsigned char)cmdline[n - 1]); n--)
		;
	put(&t, cmdline + done, n - done);
	if (!vt && !vt_put) {
		puts_(&t, n > 0 ? " console=tty0" : "console=tty0");
		changed = true;
	}
	if (!hvc) {
		puts_(&t, t.len > 0 ? " console=hvc0" : "console=hvc0");
		changed = true;
	}
	put(&t, cmdline + n, len - n);
	if (!changed) {
		free(t.s);
		*out = NULL;
		return 0;
	}
	return finish(&t, out);
}

/* ---- /etc/default/grub ---- */

/* A line of @text: [*s, *s + *n), without its newline. */
struct line_it {
	const char *p, *end;
};

static bool next_line(struct line_it *it, const char **s, size_t *n, bool *nl)
{
	const char *e;

	if (it->p >= it->end)
		return false;
	e = memchr(it->p, '\n', (size_t)(it->end - it->p));
	*s = it->p;
	*n = (size_t)((e ? e : it->end) - it->p);
	*nl = e != NULL;
	it->p = e ? e + 1 : it->end;
	return true;
}

/*
 * The value of "NAME=value" on line @s (after blanks): its span inside the
 * quotes, and the quote (0 when unquoted). Returns 1 when the line assigns
 * @name, 0 when not, -GT_EPARSE for a value this cannot edit.
 */
static int shell_value(const char *s, size_t n, const char *name, size_t *vstart,
                       size_t *vlen, char *quote)
{
	size_t i = 0, nl = strlen(name), j;
	char q;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < nl + 1 || memcmp(s + i, name, nl) != 0 || s[i + nl] != '=')
		return 0;
	i += nl + 1;
	q = '\0';
	if (i < n && (s[i] == '"' || s[i] == '\'')) {
		q = s[i];
		i++;
	}
	for (j = i; j < n; j++) {
		if (q ? s[j] == q
		      : isspace((unsigned char)s[j]) || s[j] == '#' || s[j] == ';')
			break;
		/* Expansion or escapes: what the shell makes of it is not this text. */
		if (s[j] == '\\' || s[j] == '`' || (s[j] == '$' && q != '\''))
			return -GT_EPARSE;
		if (!q && (s[j] == '"' || s[j] == '\''))
			return -GT_EPARSE;
	}
	if (q && j >= n)
		return -GT_EPARSE; /* a value over several lines */
	*vstart = i;
	*vlen = j - i;
	*quote = q;
	return 1;
}

int gt_hvm_default_grub_fix(const char *text, size_t len, char **out)
{
	struct line_it it = { text, text + len };
	const char *s, *line = NULL, *dflt = NULL;
	size_t n, vs = 0, vl = 0, dvs = 0, dvl = 0, lvs, lvl;
	char q = 0, dq, *fixed = NULL, *also = NULL;
	bool nl;
	int ret;
	struct text t = { 0 };

	while (next_line(&it, &s, &n, &nl)) {
		ret = shell_value(s, n, "GRUB_CMDLINE_LINUX", &lvs, &lvl, &dq);
		if (ret < 0)
			return ret;
		if (ret == 1) {
			line = s, vs = lvs, vl = lvl, q = dq;
			continue;
		}
		ret = shell_value(s, n, "GRUB_CMDLINE_LINUX_DEFAULT", &lvs, &lvl, &dq);
		if (ret < 0)
			return ret;
		if (ret == 1)
			dflt = s, dvs = lvs, dvl = lvl;
	}
	if (dflt) {
		also = strndup(dflt + dvs, dvl);
		if (!also)
			return -ENOMEM;
	}
	ret = gt_hvm_cmdline_fix(line ? line + vs : "", line ? vl : 0, also, NULL,
	                         &fixed);
	free(also);
	if (ret < 0 || !fixed) {
		*out = NULL;
		return ret;
	}
	if (line) {
		size_t at = (size_t)(line - text) + vs;

		put(&t, text, at);
		if (!q) /* unquoted: the words need quotes now */
			puts_(&t, "\"");
		puts_(&t, fixed);
		if (!q)
			puts_(&t, "\"");
		put(&t, text + at + vl, len - at - vl);
	} else {
		put(&t, text, len);
		if (len && text[len - 1] != '\n')
			puts_(&t, "\n");
		puts_(&t, "GRUB_CMDLINE_LINUX=\"");
		puts_(&t, fixed);
		puts_(&t, "\"\n");
	}
	free(fixed);
	return finish(&t, out);
}

/* ---- menu.lst, grub.cfg ---- */

/* The statements that load a kernel, in menu.lst and in grub.cfg. */
static bool kernel_keyword(const char *w, size_t n)
{
	static const char *const words[] = { "kernel", "linux", "linux16", "linuxefi" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (n == strlen(words[i]) && memcmp(w, words[i], n) == 0)
			return true;
	return false;
}

int gt_hvm_bootcfg_fix(const char *text, size_t len, const char *root_uuid, char **out)
{
	struct line_it it = { text, text + len };
	struct text t = { 0 };
	bool changed = false, nl;
	const char *s;
	size_t n;
	int ret;

	while (next_line(&it, &s, &n, &nl)) {
		size_t i = 0, at, start, wl;
		char *fixed = NULL;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		/* "kernel [--options] /vmlinuz-x args": the arguments after the image. */
		at = i;
		if (!(next_word(s, n, &at, &start, &wl) &&
		      kernel_keyword(s + start, wl))) {
			put(&t, s, n + nl);
			continue;
		}
		bool image;

		while ((image = next_word(s, n, &at, &start, &wl)) && wl > 1 &&
		       s[start] == '-' && s[start + 1] == '-')
			;
		if (!image) {
			put(&t, s, n + nl);
			continue;
		}
		ret = gt_hvm_cmdline_fix(s + at, n - at, NULL, root_uuid, &fixed);
		if (ret < 0) {
			free(t.s);
			return ret;
		}
		if (!fixed) {
			put(&t, s, n + nl);
			continue;
		}
		put(&t, s, at);
		/* The words added after the image need a blank before them. */
		if (fixed[0] && !isspace((unsigned char)fixed[0]))
			puts_(&t, " ");
		puts_(&t, fixed);
		if (nl)
			puts_(&t, "\n");
		free(fixed);
		changed = true;
	}
	if (!changed) {
		free(t.s);
		*out = NULL;
		return 0;
	}
	return finish(&t, out);
}

/* ---- /etc/fstab ---- */

int gt_hvm_fstab_fix(const char *text, size_t len, gt_hvm_uuid_fn *lookup, void *ctx,
                     char **out, size_t *unresolved)
{
	struct line_it it = { text, text + len };
	struct text t = { 0 };
	bool changed = false, nl;
	size_t missed = 0, n;
	const char *s;

	while (next_line(&it, &s, &n, &nl)) {
		size_t at = 0, start, wl;
		char spec[256] = "", uuid[80];

		/* A comment or a blank line; else the first field is the device. */
		if (!next_word(s, n, &at, &start, &wl) || s[start] == '#' ||
		    wl >= sizeof(spec)) {
			put(&t, s, n + nl);
			continue;
		}
		memcpy(spec, s + start, wl);
		spec[wl] = '\0';
		if (!gt_hvm_name_changes(spec)) {
			put(&t, s, n + nl);
			continue;
		}
		if (lookup(spec, uuid, sizeof(uuid), ctx) < 0) {
			missed++;
			put(&t, s, n + nl);
			continue;
		}
		put(&t, s, start);
		puts_(&t, "UUID=");
		puts_(&t, uuid);
		put(&t, s + start + wl, n - start - wl + nl);
		changed = true;
	}
	if (unresolved)
		*unresolved = missed;
	if (!changed) {
		free(t.s);
		*out = NULL;
		return 0;
	}
	return finish(&t, out);
}
