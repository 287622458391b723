/* SPDX-License-Identifier: MIT */
/*
 * tree DEST src=DIR: the directory walked recursively in sorted order
 * (never through a symbolic link), every regular file an item with its
 * mode, every symbolic link an item with its target, what exclude= matches
 * left out. What the image cannot hold as it is (a name Joliet or Windows
 * would change, a path too long or too deep, a set-id bit, a link leaving
 * the tree, a device or FIFO) is reported with its path, never changed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "log.h"
#include "strv.h"

/* A walk's place: the tree and the path below its root ("" at the root). */
struct walk {
	struct build *b;
	struct tree *t;
	char rel[PATH_MAX];
	size_t rel_len;
};

/* True when an exclude= pattern matches the name or (with a '/') the path. */
static bool excluded(const struct tree *t, const char *name, const char *rel)
{
	char **p;

	for (p = t->e->excludes; p && *p; p++)
		if (strchr(*p, '/') ? fnmatch(*p, rel, FNM_PATHNAME) == 0
		                    : fnmatch(*p, name, 0) == 0)
			return true;
	return false;
}

static void problem(struct walk *w, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* "manifest:LINE: tree DEST: SOURCE: what", exit 5 (the source tree is the input). */
static void problem(struct walk *w, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mk_problem(w->b, MK_EXIT_INPUT, w->t->e->line, "tree %s: %s/%s: %s",
	           w->t->e->dest, w->t->root, w->rel, msg);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory @fd (which it closes), sorted. */
static int read_names(int fd, char ***out, size_t *n)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	char **v = NULL;
	int ret = 0;

	*n = 0;
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
	errno = 0;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		ret = gt_strv_push(&v, n, de->d_name);
		if (ret < 0)
			break;
		errno = 0;
	}
	if (ret == 0 && errno)
		ret = -errno;
	closedir(d);
	if (ret < 0) {
		gt_strv_free(v);
		return ret;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_name);
	*out = v;
	return 0;
}

/* The image path of w->rel: the tree's DEST, '/', the path below its root. */
static char *dest_of(const struct walk *w)
{
	size_t n = w->t->dest_len + 1 + w->rel_len + 1;
	char *d = malloc(n);

	if (d)
		snprintf(d, n, "%s/%s", w->t->e->dest, w->rel);
	return d;
}

/* A new item of the tree being walked, owning @dest (freed when there is no
 * memory for the item). */
static struct item *tree_item(struct walk *w, char *dest, enum gt_manifest_type type)
{
	struct item *it = mk_item_new(w->b);

	if (!it) {
		free(dest);
		return NULL;
	}
	it->dest = dest;
	it->owned = true;
	it->e = w->t->e;
	it->tree = w->t;
	it->type = type;
	return it;
}

/* A symbolic link: kept as it is when it stays inside the tree. */
static int add_link(struct walk *w, int dfd, const char *name, char *dest)
{
	char target[PATH_MAX];
	const char *why, *p;
	struct item *it;
	ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
	long depth = 0;

	if (n < 0) {
		problem(w, "%s", strerror(errno));
		free(dest);
		return 0;
	}
	target[n] = '\0';
	/* Its directory's depth below the root, then each step of the target. */
	for (p = w->rel; (p = strchr(p, '/')); p++)
		depth++;
	for (p = target; *p && depth >= 0;) {
		const char *end = strchrnul(p, '/');
		size_t len = (size_t)(end - p);

		if (len == 2 && p[0] == '.' && p[1] == '.')
			depth--;
		else if (len > 0 && !(len == 1 && p[0] == '.'))
			depth++;
		p = *end ? end + 1 : end;
	}
	if (target[0] == '/' || depth < 0) {
		problem(w,
		        "a symbolic link to %s, outside the tree: not kept; exclude it or copy what it names into the tree",
		        target);
		free(dest);
		return 0;
	}
	why = gt_manifest_check_target(target);
	if (why) {
		problem(w, "a symbolic link to a target the image cannot hold: %s", why);
		free(dest);
		return 0;
	}
	it = tree_item(w, dest, GT_ENTRY_LINK);
	if (!it || !(it->target = strdup(target)))
		return -ENOMEM;
	it->mode = 0777;
	w->t->links++;
	return 0;
}

/* A regular file, with its mode. */
static int add_file(struct walk *w, const struct stat *st, char *dest)
{
	unsigned mode = st->st_mode & 07777;
	struct item *it;

	if (mode & 07000) {
		char m[16];

		snprintf(m, sizeof(m), "%04o", mode);
		problem(w,
		        "mode %s: set-id and sticky bits cannot be kept on the image; clear them (chmod) or exclude the file",
		        m);
		free(dest);
		return 0;
	}
	if (!(mode & 0400)) {
		char m[16];

		snprintf(m, sizeof(m), "%04o", mode);
		problem(w,
		        "mode %s: its owner cannot read it (the image keeps modes 0400 to 0777); chmod u+r or exclude it",
		        m);
		free(dest);
		return 0;
	}
	it = tree_item(w, dest, GT_ENTRY_FILE);
	if (!it)
		return -ENOMEM;
	it->mode = mode;
	it->size = (uint64_t)st->st_size;
	it->dev = st->st_dev;
	it->ino = st->st_ino;
	it->sparse = (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size;
	w->t->files++;
	return 0;
}

static int walk_dir(struct walk *w, int fd, unsigned depth);

/* One name in a directory: excluded, or walked into items. */
// NOLINTNEXTLINE(misc-no-recursion): bounded by GT_MANIFEST_MAX_DEPTH (walk_dir)
static int walk_name(struct walk *w, int dfd, const char *name, unsigned depth)
{
	struct stat st;
	const char *why;
	char *dest;
	int fd;

	if (excluded(w->t, name, w->rel)) {
		w->t->excluded++;
		return 0;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		problem(w, "%s", strerror(errno));
		return 0;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
		problem(w,
		        "%s: only files, directories and symbolic links can be on the image; exclude it",
		        S_ISFIFO(st.st_mode)   ? "a FIFO"
		        : S_ISSOCK(st.st_mode) ? "a socket"
		                               : "a device");
		return 0;
	}
	dest = dest_of(w);
	if (!dest)
		return -ENOMEM;
	why = gt_manifest_check_dest(dest);
	if (why) {
		problem(w,
		        "the image cannot hold this name as it is: %s; rename it or exclude it",
		        why);
		free(dest);
		return 0;
	}
	if (S_ISREG(st.st_mode))
		return add_file(w, &st, dest);
	if (S_ISLNK(st.st_mode))
		return add_link(w, dfd, name, dest);
	free(dest);
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		problem(w, "%s", strerror(errno));
		return 0;
	}
	return walk_dir(w, fd, depth + 1);
}

/*
 * The directory @fd (closed here), at w->rel, @depth components below the
 * image's root. Empty directories are counted: the manifest lists files and
 * links only, so they are not on the image.
 */
// NOLINTNEXTLINE(misc-no-recursion): at most GT_MANIFEST_MAX_DEPTH deep
static int walk_dir(struct walk *w, int fd, unsigned depth)
{
	char **names = NULL;
	size_t n = 0, i, before = w->b->n_items, rel_len = w->rel_len;
	int dfd = dup(fd), ret;

	/* read_names() closes @fd; the copy is the directory for *at() below. */
	ret = dfd < 0 ? -errno : read_names(fd, &names, &n);
	if (dfd < 0)
		close(fd);
	if (ret < 0) {
		problem(w, "%s", gt_strerror(ret));
		if (dfd >= 0)
			close(dfd);
		return ret == -ENOMEM ? ret : 0;
	}
	if (n && depth >= GT_MANIFEST_MAX_DEPTH) {
		problem(w,
		        "what this directory holds would be more than 8 levels deep (the ISO 9660 limit); move it up or exclude it");
		n = 0;
	}
	for (i = 0; i < n && ret == 0; i++) {
		size_t len = strlen(names[i]);

		if (rel_len + 1 + len >= sizeof(w->rel)) {
			problem(w, "a path below it is too long");
			continue;
		}
		w->rel_len = rel_len ? rel_len + 1 + len : len;
		if (rel_len)
			w->rel[rel_len] = '/';
		memcpy(w->rel + (rel_len ? rel_len + 1 : 0), names[i], len + 1);
		ret = walk_name(w, dfd, names[i], depth);
		w->rel_len = rel_len;
		w->rel[rel_len] = '\0';
	}
	close(dfd);
	gt_strv_free(names);
	if (ret == 0 && w->b->n_items == before && rel_len) {
		w->t->empty_dirs++;
		if (!w->t->first_empty && !(w->t->first_empty = strdup(w->rel)))
			ret = -ENOMEM;
	}
	return ret;
}

/* One tree entry: its directory resolved, opened and walked. */
static int walk_tree(struct build *b, struct tree *t)
{
	struct gt_manifest_entry *e = t->e;
	char whybuf[160], *expanded, *joined = NULL;
	const char *why;
	struct walk *w;
	struct stat st;
	unsigned depth = 1;
	int fd, ret = 0;

	expanded = mk_expand(b, e->src, whybuf, sizeof(whybuf), &why);
	if (!expanded) {
		if (strcmp(why, "out of memory") == 0)
			return -ENOMEM;
		mk_problem(b, MK_EXIT_MANIFEST, e->line, "tree %s: src=%s: %s", e->dest,
		           e->src, why);
		return 0;
	}
	if (expanded[0] != '/' && !(joined = gt_path_join(b->source_dir, expanded))) {
		free(expanded);
		return -ENOMEM;
	}
	t->root = realpath(joined ? joined : expanded, NULL);
	if (!t->root || stat(t->root, &st) < 0) {
		mk_problem(b, MK_EXIT_INPUT, e->line, "tree %s: source %s: %s", e->dest,
		           joined ? joined : expanded, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		mk_problem(b, MK_EXIT_INPUT, e->line,
		           "tree %s: source %s is not a directory", e->dest, t->root);
	} else if (!mk_path_inside(b, t->root)) {
		mk_problem(
		        b, MK_EXIT_MANIFEST, e->line,
		        "tree %s: source %s is outside the source tree (%s) and the build directory (a tree cannot be pinned by sha256=)",
		        e->dest, t->root, b->source_dir);
	} else if ((t->dirfd = open(t->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		mk_problem(b, MK_EXIT_INPUT, e->line, "tree %s: source %s: %s", e->dest,
		           t->root, strerror(errno));
	} else if (!(w = calloc(1, sizeof(*w)))) {
		ret = -ENOMEM;
	} else {
		size_t before = b->n_items;

		w->b = b;
		w->t = t;
		for (why = e->dest; (why = strchr(why, '/')); why++)
			depth++;
		fd = dup(t->dirfd);
		ret = fd < 0 ? -errno : walk_dir(w, fd, depth);
		free(w);
		gt_info("tree %s: %zu files and %zu links from %s (%zu excluded)",
		        e->dest, t->files, t->links, t->root, t->excluded);
		if (ret == 0 && b->n_items == before && !b->problems)
			gt_warn("%s:%u: tree %s: %s holds no file or link%s: nothing of it is on the image",
			        b->manifest_path, e->line, e->dest, t->root,
			        t->excluded ? " that is not excluded" : "");
		if (t->empty_dirs)
			gt_warn("%s:%u: tree %s: %zu empty director%s not on the image (the manifest lists files and links), the first %s/%s",
			        b->manifest_path, e->line, e->dest, t->empty_dirs,
			        t->empty_dirs == 1 ? "y is" : "ies are", t->root,
			        t->first_empty);
	}
	free(expanded);
	free(joined);
	return ret;
}

int mk_walk_trees(struct build *b)
{
	size_t i, n = 0;
	int ret;

	for (i = 0; i < b->m->n_entries; i++)
		n += b->m->entries[i].type == GT_ENTRY_TREE;
	if (n == 0)
		return 0;
	b->trees = calloc(n, sizeof(*b->trees));
	if (!b->trees)
		return -ENOMEM;
	for (i = 0; i < b->m->n_entries; i++) {
		struct tree *t;

		if (b->m->entries[i].type != GT_ENTRY_TREE)
			continue;
		t = &b->trees[b->n_trees++];
		t->e = &b->m->entries[i];
		t->dirfd = -1;
		t->dest_len = strlen(t->e->dest);
		ret = walk_tree(b, t);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void mk_trees_free(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_trees; i++) {
		if (b->trees[i].dirfd >= 0)
			close(b->trees[i].dirfd);
		free(b->trees[i].root);
		free(b->trees[i].first_empty);
	}
	free(b->trees);
	b->trees = NULL;
	b->n_trees = 0;
}
