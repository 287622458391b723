/* SPDX-License-Identifier: MIT */
/*
 * What the build adds to the image:
 *   Linux/CONTENTS  every file and link outside Linux/MANIFEST: those of
 *                   trees and the manifest's lines outside Linux/ (only
 *                   when there are any);
 *   Linux/MANIFEST  what the installer reads: the packages and the
 *                   manifest's lines below Linux/, with every size, sha256
 *                   and mode, and Linux/CONTENTS as a file (so that its
 *                   sha256, and the signature over this file, cover it);
 *   Linux/MANIFEST.sig with --sign;
 *   SHA256SUMS      every other file, in sha256sum -c format.
 * Their sizes are planned before mastering, every hash written as zeros:
 * hashes are 64 hex digits, so the text keeps its length once they are
 * known. Their content is made when libisofs reads them, after every input
 * (they sort last), from the hashes mastering took.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "log.h"

static const char *const gen_dest[GEN_COUNT] = {
	[GEN_CONTENTS] = GT_MANIFEST_CONTENTS_PATH,
	[GEN_MANIFEST] = GT_MANIFEST_ISO_PATH,
	[GEN_SIG] = GT_MANIFEST_SIG_PATH,
	[GEN_SUMS] = GT_MANIFEST_SUMS_PATH,
};

/* The content of an item's file: its first's, known once that is hashed. */
static const uint8_t *sha_of(const struct item *it)
{
	return it->first->sha256;
}

/* Digits of @v in decimal. */
static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Linux/CONTENTS: one line an item, sorted, sized exactly before writing. */
static int make_contents(struct build *b, char **out, size_t *len)
{
	static const char header[] = "guest-tools-manifest 1\n";
	size_t total = sizeof(header) - 1, used, i;
	char *buf;

	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];

		if (!it->in_contents)
			continue;
		if (it->type == GT_ENTRY_LINK)
			total += strlen("link  target=\n") + strlen(it->dest) +
			         strlen(it->target);
		else
			total += strlen("file  size= sha256= mode=0000\n") +
			         strlen(it->dest) + digits(it->size) + GT_SHA256_HEX_LEN;
	}
	buf = malloc(total + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, header, sizeof(header));
	used = sizeof(header) - 1;
	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];
		char hex[GT_SHA256_HEX_LEN + 1];
		int n;

		if (!it->in_contents)
			continue;
		if (it->type == GT_ENTRY_LINK) {
			n = snprintf(buf + used, total + 1 - used, "link %s target=%s\n",
			             it->dest, it->target);
		} else {
			gt_sha256_hex(sha_of(it), hex);
			n = snprintf(buf + used, total + 1 - used,
			             "file %s size=%llu sha256=%s mode=%04o\n", it->dest,
			             (unsigned long long)it->size, hex, it->mode);
		}
		if (n < 0 || (size_t)n > total - used) {
			free(buf);
			return -EINVAL;
		}
		used += (size_t)n;
	}
	*out = buf;
	*len = used;
	return 0;
}

/* Linux/MANIFEST: the manifest's lines it keeps, in their order, filled in. */
static int make_manifest(struct build *b, char **out, size_t *len)
{
	struct gt_manifest iso;
	struct gt_manifest_entry *v;
	size_t n = 0, i;
	int ret;

	v = calloc(b->m->n_entries + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < b->m->n_entries; i++) {
		const struct gt_manifest_entry *e = &b->m->entries[i];
		const struct item *it;

		if (e->type == GT_ENTRY_TREE || !(it = mk_item_at(b, e->dest)) ||
		    it->in_contents)
			continue;
		v[n] = *e; /* a shallow copy: the strings stay the manifest's */
		if (it->type != GT_ENTRY_LINK) {
			v[n].size = it->size;
			v[n].has_size = true;
			memcpy(v[n].sha256, sha_of(it), GT_SHA256_LEN);
			v[n].has_sha256 = true;
			v[n].mode = it->mode;
		}
		n++;
	}
	if (b->gen[GEN_CONTENTS].present) {
		v[n].type = GT_ENTRY_FILE;
		v[n].dest = (char *)GT_MANIFEST_CONTENTS_PATH;
		v[n].size = b->gen[GEN_CONTENTS].size;
		v[n].has_size = true;
		memcpy(v[n].sha256, b->gen[GEN_CONTENTS].sha256, GT_SHA256_LEN);
		v[n].has_sha256 = true;
		v[n].mode = 0644;
		v[n].min_major = v[n].max_major = -1;
		n++;
	}
	iso = *b->m;
	iso.kind = GT_MANIFEST_ISO;
	iso.version = b->version;
	iso.source_dir = NULL;
	/* When it was built (SOURCE_DATE_EPOCH when given): signed with the rest. */
	iso.has_built = true;
	iso.built = (long long)b->sde;
	iso.entries = v;
	iso.n_entries = n;
	/* -GT_ETOOBIG over the installer's bound: mk_plan_generated() says so. */
	ret = gt_manifest_format(&iso, out, len);
	free(v);
	return ret;
}

/* Linux/MANIFEST.sig: the signature of Linux/MANIFEST as it is now. */
static int make_sig(struct build *b, char **out, size_t *len)
{
	const struct gen *m = &b->gen[GEN_MANIFEST];
	struct gt_sig sig;
	char *buf = malloc(GT_SIG_MAX_FILE);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = gt_sig_sign(&b->sk, m->data ? m->data : "", m->data ? m->size : 0, &sig);
	if (ret == 0)
		ret = gt_sig_format_sig(&sig, buf, GT_SIG_MAX_FILE);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = (size_t)ret;
	return 0;
}

struct sum_line {
	const char *path;
	const uint8_t *sha256;
};

static int cmp_sum_line(const void *a, const void *b)
{
	return strcmp(((const struct sum_line *)a)->path,
	              ((const struct sum_line *)b)->path);
}

/* SHA256SUMS: "HEX  PATH" for every file but itself, sorted. */
static int make_sums(struct build *b, char **out, size_t *len)
{
	struct sum_line *lines;
	size_t n = 0, total = 0, used = 0, i;
	char *buf;
	int k;

	lines = calloc(b->n_files + GEN_COUNT, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];

		if (it->type == GT_ENTRY_LINK)
			continue;
		lines[n].path = it->dest;
		lines[n++].sha256 = sha_of(it);
	}
	for (k = 0; k < GEN_SUMS; k++) {
		if (!b->gen[k].present)
			continue;
		lines[n].path = gen_dest[k];
		lines[n++].sha256 = b->gen[k].sha256;
	}
	/* Items come sorted; the generated names go into their places. */
	qsort(lines, n, sizeof(*lines), cmp_sum_line);
	for (i = 0; i < n; i++)
		total += GT_SHA256_HEX_LEN + 3 + strlen(lines[i].path);
	buf = malloc(total + 1);
	if (!buf) {
		free(lines);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		size_t plen = strlen(lines[i].path);

		gt_sha256_hex(lines[i].sha256, buf + used);
		used += GT_SHA256_HEX_LEN;
		buf[used++] = ' ';
		buf[used++] = ' ';
		memcpy(buf + used, lines[i].path, plen);
		used += plen;
		buf[used++] = '\n';
	}
	buf[used] = '\0';
	free(lines);
	*out = buf;
	*len = used;
	return 0;
}

static int make_text(struct build *b, enum gen_file which, char **out, size_t *len)
{
	switch (which) {
	case GEN_CONTENTS:
		return make_contents(b, out, len);
	case GEN_MANIFEST:
		return make_manifest(b, out, len);
	case GEN_SIG:
		return make_sig(b, out, len);
	case GEN_SUMS:
	case GEN_COUNT:
		break;
	}
	return make_sums(b, out, len);
}

int mk_plan_generated(struct build *b)
{
	size_t i;
	int k, ret;

	for (i = 0; i < b->n_items; i++)
		if (b->items[i].in_contents)
			b->gen[GEN_CONTENTS].present = true;
	b->gen[GEN_MANIFEST].present = true;
	b->gen[GEN_SIG].present = b->sign_key != NULL;
	b->gen[GEN_SUMS].present = true;
	for (k = 0; k < GEN_COUNT; k++) {
		char *text = NULL;
		size_t len = 0;

		b->gen[k].dest = gen_dest[k];
		if (!b->gen[k].present)
			continue;
		ret = make_text(b, (enum gen_file)k, &text, &len);
		if (ret == -GT_ETOOBIG) {
			size_t n = 0;

			for (i = 0; i < b->n_items; i++)
				n += !b->items[i].in_contents;
			n += b->gen[GEN_CONTENTS].present;
			if (n > GT_MANIFEST_MAX_ENTRIES)
				mk_problem(
				        b, MK_EXIT_MANIFEST, 0,
				        "Linux/MANIFEST would list %zu entries; the installer reads at most %d entries and %d bytes: put what the installer does not need below Linux/ into a tree entry",
				        n, GT_MANIFEST_MAX_ENTRIES, GT_MANIFEST_MAX_SIZE);
			else
				mk_problem(
				        b, MK_EXIT_MANIFEST, 0,
				        "Linux/MANIFEST would list %zu entries in more than %d bytes; the installer reads at most %d entries and %d bytes: put what the installer does not need below Linux/ into a tree entry",
				        n, GT_MANIFEST_MAX_SIZE, GT_MANIFEST_MAX_ENTRIES,
				        GT_MANIFEST_MAX_SIZE);
			return MK_EXIT_MANIFEST;
		}
		if (ret < 0) {
			gt_err("%s: cannot write %s: %s", b->manifest_path, gen_dest[k],
			       gt_strerror(ret));
			return MK_EXIT_FAILURE;
		}
		/* The plan: this size, the text again once the hashes are known. */
		b->gen[k].size = len;
		if (k == GEN_MANIFEST)
			gt_info("%s: %zu bytes; %s: %zu bytes", GT_MANIFEST_ISO_PATH, len,
			        GT_MANIFEST_CONTENTS_PATH, b->gen[GEN_CONTENTS].size);
		free(text);
	}
	return 0;
}

// NOLINTNEXTLINE(misc-no-recursion): into earlier files only (GEN_COUNT)
int mk_make_generated(struct build *b, enum gen_file which)
{
	struct gen *g = &b->gen[which];
	size_t len = 0, i;
	char *text = NULL;
	int k, ret;

	if (g->data || g->written)
		return 0; /* made before (and maybe written: its hashes stay) */
	/* Every input must have been read: libisofs writes these last. */
	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];

		if (it->type != GT_ENTRY_LINK && !it->first->hashed &&
		    !it->first->read_error)
			return -EINVAL;
	}
	/* What this one names first: CONTENTS < MANIFEST < SIG < SUMS. */
	for (k = 0; k < (int)which; k++)
		if (b->gen[k].present &&
		    (ret = mk_make_generated(b, (enum gen_file)k)) < 0)
			return ret;
	ret = make_text(b, which, &text, &len);
	if (ret < 0)
		return ret;
	if (len != g->size) {
		free(text);
		return -EINVAL; /* the plan and the content disagree: a bug */
	}
	gt_sha256_buf(text, len, g->sha256);
	g->xxh = XXH3_128bits(text, len);
	g->data = text;
	return 0;
}
