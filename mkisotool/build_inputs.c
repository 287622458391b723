/* SPDX-License-Identifier: MIT */
/*
 * Every file, package and link on the image, from the manifest's lines and
 * its trees: resolved, typed and checked before anything is written, so a
 * bad manifest costs no disk space and names its line. Then sorted by
 * destination, which is the order of everything after: the image tree,
 * the listings, the read-back.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "log.h"
#include "strv.h"

struct item *mk_item_new(struct build *b)
{
	struct item *it;

	if (b->n_items == b->cap_items) {
		size_t cap = b->cap_items ? b->cap_items * 2 : 64;
		struct item *bigger = NULL;

		if (cap <= SIZE_MAX / sizeof(*bigger))
			bigger = realloc(b->items, cap * sizeof(*bigger));
		if (!bigger)
			return NULL;
		b->items = bigger;
		b->cap_items = cap;
	}
	it = &b->items[b->n_items++];
	memset(it, 0, sizeof(*it));
	return it;
}

const char *mk_item_source(const struct item *it, char *buf, size_t size)
{
	if (it->path)
		return it->path;
	snprintf(buf, size, "%s/%s", it->tree->root, it->dest + it->tree->dest_len + 1);
	return buf;
}

int mk_item_open(const struct item *it)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	int fd;

	/* A tree's files by their path below its root, never through a link. */
	if (it->tree)
		fd = openat(it->tree->dirfd, it->dest + it->tree->dest_len + 1,
		            flags | O_NOFOLLOW);
	else
		fd = open(it->path, flags);
	return fd < 0 ? -errno : fd;
}

/* True when @path is @dir or lies below it (both absolute, normalised). */
static bool path_under(const char *path, const char *dir)
{
	size_t n;

	if (!dir)
		return false;
	n = strlen(dir);
	if (n == 1 && dir[0] == '/')
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

bool mk_path_inside(const struct build *b, const char *path)
{
	return path_under(path, b->source_dir) ||
	       (b->build_dir && path_under(path, b->build_dir));
}

/*
 * realpath(3) of @path, its directory's taken from the last call when it is
 * the same one (manifests name many files of one directory; realpath reads
 * every component's link anew). A last component that is a link is resolved
 * whole. Returns a new string, or NULL with errno set.
 */
static char *resolve(struct build *b, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	struct stat st;
	char *out;

	if (!slash || dlen == 0)
		return realpath(path, NULL);
	if (!b->last_dir || strlen(b->last_dir) != dlen ||
	    strncmp(b->last_dir, path, dlen) != 0) {
		char *dir = strndup(path, dlen), *real = dir ? realpath(dir, NULL) : NULL;

		free(b->last_dir);
		free(b->last_real);
		b->last_dir = real ? dir : NULL;
		b->last_real = real;
		if (!real) {
			free(dir);
			return realpath(path, NULL); /* for its errno */
		}
	}
	if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode) || strcmp(slash + 1, ".") == 0 ||
	    strcmp(slash + 1, "..") == 0)
		return realpath(path, NULL);
	out = gt_path_join(b->last_real, slash + 1);
	if (!out)
		errno = ENOMEM;
	return out;
}

/* A file or package line: its source resolved, typed and sized. */
static int add_file_entry(struct build *b, struct gt_manifest_entry *e)
{
	char whybuf[160], *expanded = NULL, *joined = NULL, *path = NULL;
	const char *why;
	struct item *it;
	struct stat st;
	int ret = -ENOMEM;

	expanded = mk_expand(b, e->src, whybuf, sizeof(whybuf), &why);
	if (!expanded) {
		if (strcmp(why, "out of memory") == 0)
			return -ENOMEM;
		mk_problem(b, MK_EXIT_MANIFEST, e->line, "%s: src=%s: %s", e->dest,
		           e->src, why);
		return 0;
	}
	if (expanded[0] != '/') {
		joined = gt_path_join(b->source_dir, expanded);
		if (!joined)
			goto out;
	}
	path = resolve(b, joined ? joined : expanded);
	ret = 0;
	if (!path) {
		mk_problem(b, MK_EXIT_INPUT, e->line, "%s: source %s: %s", e->dest,
		           joined ? joined : expanded, strerror(errno));
	} else if (stat(path, &st) < 0) {
		mk_problem(b, MK_EXIT_INPUT, e->line, "%s: source %s: %s", e->dest, path,
		           strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		mk_problem(b, MK_EXIT_INPUT, e->line,
		           "%s: source %s is not a regular file", e->dest, path);
	} else if (!e->has_sha256 && !mk_path_inside(b, path)) {
		mk_problem(
		        b, MK_EXIT_MANIFEST, e->line,
		        "%s: source %s is outside the source tree (%s) and the build directory: pin it with sha256=",
		        e->dest, path, b->source_dir);
	} else if (!(it = mk_item_new(b))) {
		ret = -ENOMEM;
	} else {
		it->dest = e->dest;
		it->e = e;
		it->type = e->type;
		it->path = path;
		path = NULL;
		it->mode = e->mode ? e->mode : (st.st_mode & 0111) ? 0755 : 0644;
		it->size = (uint64_t)st.st_size;
		it->dev = st.st_dev;
		it->ino = st.st_ino;
		it->sparse = (uint64_t)st.st_blocks * 512 < (uint64_t)st.st_size;
	}
out:
	free(path);
	free(expanded);
	free(joined);
	return ret;
}

/* The manifest's own lines; trees are walked by build_tree.c. */
static int add_entries(struct build *b)
{
	size_t i;
	int ret;

	for (i = 0; i < b->m->n_entries; i++) {
		struct gt_manifest_entry *e = &b->m->entries[i];
		struct item *it;

		switch (e->type) {
		case GT_ENTRY_FILE:
		case GT_ENTRY_PACKAGE:
			ret = add_file_entry(b, e);
			if (ret < 0)
				return ret;
			break;
		case GT_ENTRY_LINK:
			it = mk_item_new(b);
			if (!it)
				return -ENOMEM;
			it->dest = e->dest;
			it->target = e->target;
			it->e = e;
			it->type = GT_ENTRY_LINK;
			it->mode = 0777;
			break;
		case GT_ENTRY_TREE:
			break;
		}
	}
	return 0;
}

/* By destination; equal ones (reported) by their line, so messages are stable. */
static int cmp_item_dest(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->dest, y->dest);

	if (c)
		return c;
	return x->e->line < y->e->line ? -1 : x->e->line > y->e->line;
}

static int cmp_ptr_casedest(const void *a, const void *b)
{
	const struct item *const *x = a, *const *y = b;
	int c = strcasecmp((*x)->dest, (*y)->dest);

	return c ? c : strcmp((*x)->dest, (*y)->dest);
}

struct item *mk_item_at(const struct build *b, const char *dest)
{
	size_t lo = 0, hi = b->n_items;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->items[mid].dest, dest);

		if (c == 0)
			return &b->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const char *const generated[] = { GT_MANIFEST_ISO_PATH, GT_MANIFEST_SUMS_PATH,
	                                 GT_MANIFEST_SIG_PATH,
	                                 GT_MANIFEST_CONTENTS_PATH };

bool mk_on_image(const struct build *b, const char *path)
{
	size_t n = strlen(path), lo = 0, hi = b->n_items, i;

	if (n == 0 || mk_item_at(b, path))
		return true; /* the root, or an item */
	for (i = 0; i < sizeof(generated) / sizeof(generated[0]); i++)
		if (strncmp(generated[i], path, n) == 0 &&
		    (generated[i][n] == '\0' || generated[i][n] == '/'))
			return true;
	/* A directory: the first item at or after "path/" lies below it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(b->items[mid].dest, path, n);

		if (c < 0 || (c == 0 && (unsigned char)b->items[mid].dest[n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->n_items && strncmp(b->items[lo].dest, path, n) == 0 &&
	       b->items[lo].dest[n] == '/';
}

/* Where an item comes from, for a message about two of them. */
static const char *origin(const struct item *it)
{
	return it->tree ? "from the tree on line" : "on line";
}

/*
 * No two items on one destination, nor differing only in case, none on a
 * name mkisotool writes, and none below a file or link. The manifest's own
 * lines were checked by the parser; these also catch what trees bring.
 */
static int check_destinations(struct build *b)
{
	const struct item **v;
	const char *ok_dir = NULL; /* the last parent found free of files */
	size_t ok_len = 0, i, k;

	for (i = 0; i + 1 < b->n_items; i++) {
		const struct item *x = &b->items[i], *y = &b->items[i + 1];

		if (strcmp(x->dest, y->dest) == 0)
			mk_problem(b, MK_EXIT_MANIFEST, y->e->line,
			           "%s: destination also used %s %u", y->dest, origin(x),
			           x->e->line);
	}
	v = calloc(b->n_items ? b->n_items : 1, sizeof(struct item *));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < b->n_items; i++)
		v[i] = &b->items[i];
	qsort(v, b->n_items, sizeof(struct item *), cmp_ptr_casedest);
	for (i = 0; i + 1 < b->n_items; i++)
		if (strcasecmp(v[i]->dest, v[i + 1]->dest) == 0 &&
		    strcmp(v[i]->dest, v[i + 1]->dest) != 0)
			mk_problem(
			        b, MK_EXIT_MANIFEST, v[i + 1]->e->line,
			        "%s: differs only in case from %s (%s %u) (Joliet readers cannot tell them apart)",
			        v[i + 1]->dest, v[i]->dest, origin(v[i]), v[i]->e->line);
	free(v);
	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];
		const char *slash;

		for (k = 0; k < sizeof(generated) / sizeof(generated[0]); k++)
			if (it->tree && strcasecmp(it->dest, generated[k]) == 0)
				mk_problem(
				        b, MK_EXIT_MANIFEST, it->e->line,
				        "%s: destination reserved (mkisotool writes %s)",
				        it->dest, generated[k]);
		slash = strrchr(it->dest, '/');
		if (!slash)
			continue;
		/* Items come sorted: most share the parent checked last. */
		if (ok_dir && (size_t)(slash - it->dest) == ok_len &&
		    strncmp(it->dest, ok_dir, ok_len) == 0)
			continue;
		for (slash = strchr(it->dest, '/'); slash;
		     slash = strchr(slash + 1, '/')) {
			char prefix[GT_MANIFEST_MAX_PATH + 1];
			const struct item *hit;

			memcpy(prefix, it->dest, (size_t)(slash - it->dest));
			prefix[slash - it->dest] = '\0';
			hit = mk_item_at(b, prefix);
			for (k = 0; !hit && k < sizeof(generated) / sizeof(generated[0]);
			     k++)
				if (strcmp(prefix, generated[k]) == 0)
					mk_problem(
					        b, MK_EXIT_MANIFEST, it->e->line,
					        "%s: '%s' is in the way: mkisotool writes it",
					        it->dest, prefix);
			if (hit)
				mk_problem(
				        b, MK_EXIT_MANIFEST, it->e->line,
				        "%s: '%s' (line %u) is a %s, but this puts a directory there",
				        it->dest, hit->dest, hit->e->line,
				        hit->type == GT_ENTRY_LINK ? "link" : "file");
		}
		ok_dir = it->dest;
		ok_len = (size_t)(strrchr(it->dest, '/') - it->dest);
	}
	return 0;
}

/*
 * Resolves @target from the directory of @dest into @out (a path on the
 * image). Returns 0, or -1 when it climbs above the image's root.
 */
static int resolve_target(const char *dest, const char *target, char *out, size_t size)
{
	const char *slash = strrchr(dest, '/'), *p = target;
	size_t len = slash ? (size_t)(slash - dest) : 0;

	if (len >= size)
		return -1;
	memcpy(out, dest, len);
	out[len] = '\0';
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t clen = (size_t)(end - p);

		if (clen == 2 && p[0] == '.' && p[1] == '.') {
			char *up;

			if (len == 0)
				return -1;
			up = strrchr(out, '/');
			len = up ? (size_t)(up - out) : 0;
			out[len] = '\0';
		} else if (clen > 0 && !(clen == 1 && p[0] == '.')) {
			if (len + 1 + clen >= size)
				return -1;
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, clen);
			len += clen;
			out[len] = '\0';
		}
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* A link must point at something on the image, never above its root. */
static void check_links(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];
		char path[GT_MANIFEST_MAX_PATH + GT_MANIFEST_MAX_VALUE + 2];

		if (it->type != GT_ENTRY_LINK)
			continue;
		if (resolve_target(it->dest, it->target, path, sizeof(path)) < 0)
			mk_problem(b, MK_EXIT_MANIFEST, it->e->line,
			           "%s: target %s points outside the image", it->dest,
			           it->target);
		else if (!mk_on_image(b, path))
			mk_problem(b, MK_EXIT_MANIFEST, it->e->line,
			           "%s: target %s: nothing on the image at '%s'",
			           it->dest, it->target, path);
	}
}

/*
 * What Linux/MANIFEST lists (what the installer reads): every package and
 * the manifest's own lines below Linux/. Everything else is in
 * Linux/CONTENTS.
 */
static void route(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_items; i++) {
		struct item *it = &b->items[i];

		it->in_contents = it->type != GT_ENTRY_PACKAGE &&
		                  (it->tree || strncmp(it->dest, "Linux/", 6) != 0);
		if (it->type != GT_ENTRY_LINK) {
			b->n_files++;
			b->total_bytes += it->size;
		}
	}
}

static int stop(struct build *b)
{
	gt_err("%s: %u problem%s: no image written", b->manifest_path, b->problems,
	       b->problems == 1 ? "" : "s");
	return b->exit_code;
}

int mk_check_inputs(struct build *b)
{
	if (add_entries(b) < 0 || mk_walk_trees(b) < 0)
		goto nomem;
	if (b->problems)
		return stop(b);
	if (b->n_items) {
		struct item *fit = realloc(b->items, b->n_items * sizeof(*fit));

		if (fit) { /* no room kept for more: the walk is over */
			b->items = fit;
			b->cap_items = b->n_items;
		}
		qsort(b->items, b->n_items, sizeof(*b->items), cmp_item_dest);
	}
	if (check_destinations(b) < 0)
		goto nomem;
	check_links(b);
	if (b->problems)
		return stop(b);
	route(b);
	if (mk_plan_contents(b) < 0)
		goto nomem;
	if (b->problems)
		return stop(b);
	return 0;
nomem:
	gt_err("out of memory");
	return MK_EXIT_FAILURE;
}
