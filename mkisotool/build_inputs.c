/* SPDX-License-Identifier: MIT */
/*
 * Every input is opened, typed and hashed before anything is written, so a
 * bad manifest costs no disk space and names its line. Files with equal
 * content are found here, to be stored once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "io.h"
#include "log.h"
#include "strv.h"

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

/* Progress over the whole build's input bytes (gt_hash_fd()'s callback). */
struct hashing {
	struct build *b;
	uint64_t done;
};

static void hashed(void *ctx, uint64_t bytes)
{
	struct hashing *hs = ctx;

	hs->done += bytes;
	mk_progress_update(&hs->b->progress, "hashing", hs->done, hs->b->total_bytes);
}

/* Resolve, type, size and hash every source; all problems are reported. */
static int check_inputs(struct build *b)
{
	struct gt_manifest *m = b->m;
	struct hashing hs = { b, 0 };
	size_t i;

	b->n_inputs = 0;
	b->inputs = calloc(m->n_entries ? m->n_entries : 1, sizeof(*b->inputs));
	if (!b->inputs)
		return -ENOMEM;
	/* First pass: resolve and stat, so that progress knows the total. */
	for (i = 0; i < m->n_entries; i++) {
		struct gt_manifest_entry *e = &m->entries[i];
		struct input *in = &b->inputs[b->n_inputs];
		char whybuf[160], *expanded = NULL, *joined = NULL;
		const char *why;
		struct stat st;

		if (e->type == GT_ENTRY_LINK)
			continue;
		in->e = e;
		expanded = mk_expand(b, e->src, whybuf, sizeof(whybuf), &why);
		if (!expanded) {
			mk_problem(b, MK_EXIT_MANIFEST, e->line, "%s: src=%s: %s",
			           e->dest, e->src, why);
			continue;
		}
		if (expanded[0] != '/') {
			joined = gt_path_join(b->source_dir, expanded);
			if (!joined) {
				free(expanded);
				return -ENOMEM;
			}
		}
		in->path = realpath(joined ? joined : expanded, NULL);
		if (!in->path) {
			mk_problem(b, MK_EXIT_INPUT, e->line, "%s: source %s: %s",
			           e->dest, joined ? joined : expanded, strerror(errno));
		} else if (stat(in->path, &st) < 0) {
			mk_problem(b, MK_EXIT_INPUT, e->line, "%s: source %s: %s",
			           e->dest, in->path, strerror(errno));
		} else if (!S_ISREG(st.st_mode)) {
			mk_problem(b, MK_EXIT_INPUT, e->line,
			           "%s: source %s is not a regular file", e->dest,
			           in->path);
		} else if (!e->has_sha256 && !path_under(in->path, b->source_dir) &&
		           !(b->build_dir && path_under(in->path, b->build_dir))) {
			mk_problem(
			        b, MK_EXIT_MANIFEST, e->line,
			        "%s: source %s is outside the source tree (%s) and the build directory: pin it with sha256=",
			        e->dest, in->path, b->source_dir);
		} else {
			b->total_bytes += (uint64_t)st.st_size;
			if (!e->mode)
				e->mode = (st.st_mode & 0111) ? 0755 : 0644;
			b->n_inputs++;
			free(expanded);
			free(joined);
			continue;
		}
		free(in->path);
		memset(in, 0, sizeof(*in));
		free(expanded);
		free(joined);
	}
	/* Second pass: hash. */
	for (i = 0; i < b->n_inputs; i++) {
		struct input *in = &b->inputs[i];
		struct stat st;
		int fd, ret;

		fd = open(in->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd < 0) {
			mk_problem(b, MK_EXIT_INPUT, in->e->line, "%s: source %s: %s",
			           in->e->dest, in->path, strerror(errno));
			continue;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			mk_problem(b, MK_EXIT_INPUT, in->e->line,
			           "%s: source %s is not a regular file", in->e->dest,
			           in->path);
			close(fd);
			continue;
		}
		ret = gt_hash_fd(fd, in->sha256, &in->size, hashed, &hs);
		close(fd);
		if (ret < 0) {
			mk_problem(b, MK_EXIT_INPUT, in->e->line, "%s: reading %s: %s",
			           in->e->dest, in->path, gt_strerror(ret));
			continue;
		}
		if (in->size != (uint64_t)st.st_size) {
			mk_problem(b, MK_EXIT_INPUT, in->e->line,
			           "%s: source %s changed while it was read", in->e->dest,
			           in->path);
			continue;
		}
		if (in->e->has_sha256 &&
		    memcmp(in->e->sha256, in->sha256, GT_SHA256_LEN) != 0) {
			char want[GT_SHA256_HEX_LEN + 1], got[GT_SHA256_HEX_LEN + 1];

			gt_sha256_hex(in->e->sha256, want);
			gt_sha256_hex(in->sha256, got);
			mk_problem(
			        b, MK_EXIT_INPUT, in->e->line,
			        "%s: source %s: sha256 mismatch: the manifest says %s, the file has %s",
			        in->e->dest, in->path, want, got);
			continue;
		}
		gt_info("%s: %s (%llu bytes)", in->e->dest, in->path,
		        (unsigned long long)in->size);
	}
	mk_progress_end(&b->progress);
	return 0;
}

/* True when @path is an entry, one of our two files, or a directory holding one. */
static bool on_image(const struct gt_manifest *m, const char *path)
{
	static const char *const ours[] = { GT_MANIFEST_ISO_PATH, GT_MANIFEST_SUMS_PATH,
		                            GT_MANIFEST_SIG_PATH };
	size_t n = strlen(path), i;

	if (n == 0)
		return true; /* the root */
	for (i = 0; i < m->n_entries + 3; i++) {
		const char *d =
		        i < m->n_entries ? m->entries[i].dest : ours[i - m->n_entries];

		if (strncmp(d, path, n) == 0 && (d[n] == '\0' || d[n] == '/'))
			return true;
	}
	return false;
}

/* A link must point at something on the image, never above its root. */
static int check_links(struct build *b)
{
	size_t i;

	for (i = 0; i < b->m->n_entries; i++) {
		const struct gt_manifest_entry *e = &b->m->entries[i];
		char *path, *slash, *p, *comp;
		size_t len, clen;
		bool escapes = false;

		if (e->type != GT_ENTRY_LINK)
			continue;
		/* The link's directory, then each component of the target. */
		len = strlen(e->dest);
		path = malloc(len + strlen(e->target) + 2);
		p = strdup(e->target);
		if (!path || !p) {
			free(path);
			free(p);
			return -ENOMEM;
		}
		memcpy(path, e->dest, len + 1);
		slash = strrchr(path, '/');
		len = slash ? (size_t)(slash - path) : 0;
		path[len] = '\0';
		for (comp = strtok(p, "/"); comp; comp = strtok(NULL, "/")) {
			if (strcmp(comp, ".") == 0)
				continue;
			if (strcmp(comp, "..") == 0) {
				if (len == 0) {
					escapes = true;
					break;
				}
				slash = strrchr(path, '/');
				len = slash ? (size_t)(slash - path) : 0;
				path[len] = '\0';
				continue;
			}
			if (len)
				path[len++] = '/';
			clen = strlen(comp);
			memcpy(path + len, comp, clen + 1);
			len += clen;
		}
		if (escapes)
			mk_problem(b, MK_EXIT_MANIFEST, e->line,
			           "%s: target %s points outside the image", e->dest,
			           e->target);
		else if (!on_image(b->m, path))
			mk_problem(b, MK_EXIT_MANIFEST, e->line,
			           "%s: target %s: nothing on the image at '%s'", e->dest,
			           e->target, path);
		free(path);
		free(p);
	}
	return 0;
}

static int cmp_input_content(const void *a, const void *b)
{
	const struct input *const *x = a, *const *y = b;
	int c = memcmp((*x)->sha256, (*y)->sha256, GT_SHA256_LEN);

	if (c)
		return c;
	return strcmp((*x)->e->dest, (*y)->e->dest);
}

/* Equal sha256 (and size) means one stored copy: the image shares its stream. */
static int find_duplicates(struct build *b)
{
	struct input **v;
	size_t i;

	v = calloc(b->n_inputs ? b->n_inputs : 1, sizeof(struct input *));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < b->n_inputs; i++)
		v[i] = &b->inputs[i];
	qsort(v, b->n_inputs, sizeof(struct input *), cmp_input_content);
	for (i = 0; i < b->n_inputs; i++) {
		if (i > 0 && memcmp(v[i]->sha256, v[i - 1]->sha256, GT_SHA256_LEN) == 0 &&
		    v[i]->size == v[i - 1]->size) {
			v[i]->first = v[i - 1]->first;
			gt_info("%s: same content as %s: stored once", v[i]->e->dest,
			        v[i]->first->e->dest);
		} else {
			v[i]->first = v[i];
			b->unique_bytes += v[i]->size;
			b->unique_files++;
		}
	}
	free(v);
	return 0;
}

int mk_check_inputs(struct build *b)
{
	if (check_inputs(b) < 0 || check_links(b) < 0 || find_duplicates(b) < 0) {
		gt_err("out of memory");
		return MK_EXIT_FAILURE;
	}
	if (b->problems) {
		gt_err("%s: %u problem%s: no image written", b->manifest_path,
		       b->problems, b->problems == 1 ? "" : "s");
		return b->exit_code;
	}
	return 0;
}
