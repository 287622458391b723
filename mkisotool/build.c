/* SPDX-License-Identifier: MIT */
/*
 * mkisotool build: manifest -> checked inputs -> reproducible ISO -> verify.
 *
 * Every input is opened, typed and hashed before anything is written, so a
 * bad manifest costs no disk space and names its line. The image is mastered
 * with the libisofs C API straight from the source files (no staging tree):
 * files with equal content share one libisofs stream and so one extent.
 * It is written to a hidden temporary file next to the output, read back and
 * verified, and only then renamed into place: a failed or interrupted build
 * leaves no output file behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* We read the image through libisofs' burn_source, without libburn. */
#define LIBISOFS_WITHOUT_LIBBURN
#include <libisofs/libisofs.h>

#include "error.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "mkisotool.h"
#include "sha256.h"
#include "strv.h"

#define PREPARER_ID "guest-tools mkisotool"
#define MAX_VARS    64

/* One file, link or directory on the ISO, in the order they are added. */
struct node {
	const char *dest;
	enum gt_manifest_type type;
	struct input *in;   /* files and packages from the manifest */
	unsigned char *mem; /* generated files: content (handed to libisofs) */
	size_t mem_len;
	const char *target; /* links */
};

struct input {
	struct gt_manifest_entry *e;
	char *path; /* absolute, links resolved */
	uint64_t size;
	uint8_t sha256[GT_SHA256_LEN];
	struct input *first; /* the first input with the same content (itself if none) */
	IsoFile *file;       /* its node in the image, once added */
};

struct var {
	char *name, *value;
};

struct build {
	const char *manifest_path;
	const char *out;
	const char *source_dir_opt;
	const char *sign_key; /* --sign: the secret key file */
	struct var vars[MAX_VARS];
	size_t n_vars;
	time_t sde;
	bool quiet, json;
	int verbosity;

	struct gt_manifest *m;
	char *source_dir; /* absolute */
	char *build_dir;  /* absolute, or NULL when it does not exist */
	char *version;    /* expanded */
	struct input *inputs;
	size_t n_inputs;
	uint64_t total_bytes, unique_bytes;
	size_t unique_files;
	int exit_code; /* the first problem's exit code */
	unsigned problems;
	struct mk_progress progress;
};

/* The temporary output, removed by the signal handler when interrupted. */
static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_active;

static void on_signal(int sig)
{
	if (tmp_active)
		unlink(tmp_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void usage(FILE *fp)
{
	fprintf(fp,
	        "Usage: mkisotool build -m MANIFEST -o OUT.iso [OPTIONS]\n\n"
	        "  -m, --manifest FILE        the build manifest (see manifest(5))\n"
	        "  -o, --output FILE          the ISO to write (replaced only on success)\n"
	        "  -s, --source-dir DIR       where relative sources are (default: the\n"
	        "                             manifest's source-dir, or its directory)\n"
	        "  -D, --define NAME=VALUE    set ${NAME} for src= and version\n"
	        "                             (BUILD defaults to SOURCE_DIR/build)\n"
	        "      --source-date-epoch N  the time stamped on every file and the volume\n"
	        "                             (default: $SOURCE_DATE_EPOCH, else now)\n"
	        "      --sign KEY.sec         sign Linux/MANIFEST into Linux/MANIFEST.sig\n"
	        "                             (a key from 'mkisotool keygen')\n"
	        "  -q, --quiet                no progress, no summary\n"
	        "  -v, --verbose              say what is done with every file\n"
	        "      --json                 print the summary as one JSON document\n"
	        "  -h, --help                 this text\n");
}

/* Records one problem; the first one decides the exit code. */
static void problem(struct build *b, int code, unsigned line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void problem(struct build *b, int code, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		gt_err("%s:%u: %s", b->manifest_path, line, msg);
	else
		gt_err("%s: %s", b->manifest_path, msg);
	if (!b->problems++)
		b->exit_code = code;
}

static const char *var_get(const struct build *b, const char *name, size_t len)
{
	size_t i;

	for (i = b->n_vars; i-- > 0;)
		if (strlen(b->vars[i].name) == len &&
		    memcmp(b->vars[i].name, name, len) == 0)
			return b->vars[i].value;
	return NULL;
}

static int var_set(struct build *b, const char *name, size_t len, const char *value)
{
	struct var *v;

	if (b->n_vars == MAX_VARS)
		return -GT_ETOOBIG;
	v = &b->vars[b->n_vars];
	v->name = strndup(name, len);
	/* Freed with the build (every vars[i] below n_vars). The analyzer's store
	 * to vars[] at a symbolic index drops the entry set by the call before. */
	v->value = strdup(value); // NOLINT(clang-analyzer-unix.Malloc)
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		return -ENOMEM;
	}
	b->n_vars++;
	return 0;
}

static bool valid_var_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		      s[i] == '_'))
			return false;
	return true;
}

/*
 * Expands ${NAME} in @s. Returns a new string, or NULL with *why set
 * (a static or @whybuf message) when a name is undefined or malformed.
 */
static char *expand(const struct build *b, const char *s, char *whybuf, size_t whysize,
                    const char **why)
{
	size_t cap = strlen(s) + 1, len = 0;
	char *out = malloc(cap);

	*why = "out of memory";
	if (!out)
		return NULL;
	while (*s) {
		const char *add = s, *close;
		size_t n = 1;

		if (s[0] == '$' && s[1] == '{') {
			close = strchr(s + 2, '}');
			if (!close || !valid_var_name(s + 2, (size_t)(close - s - 2))) {
				*why = "malformed ${NAME} (names are A-Z 0-9 _)";
				goto fail;
			}
			add = var_get(b, s + 2, (size_t)(close - s - 2));
			if (!add) {
				snprintf(
				        whybuf, whysize,
				        "undefined variable ${%.*s} (define it with -D %.*s=VALUE)",
				        (int)(close - s - 2), s + 2, (int)(close - s - 2),
				        s + 2);
				*why = whybuf;
				goto fail;
			}
			n = strlen(add);
			s = close + 1;
		} else if (s[0] == '$') {
			*why = "a '$' must start ${NAME}";
			goto fail;
		} else {
			s++;
		}
		if (len + n + 1 > cap) {
			char *bigger;

			cap = (len + n + 1) * 2;
			bigger = realloc(out, cap);
			if (!bigger)
				goto fail;
			out = bigger;
		}
		memcpy(out + len, add, n);
		len += n;
	}
	out[len] = '\0';
	*why = NULL;
	return out;
fail:
	free(out);
	return NULL;
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

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Reads the build manifest file, bounded. Returns 0 or -errno/-GT_E*. */
static int read_small_file(const char *path, char **buf, size_t *len)
{
	struct stat st;
	char *data = NULL;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -GT_ENOTREG;
		goto out;
	}
	if (st.st_size > GT_MANIFEST_MAX_SIZE) {
		ret = -GT_ETOOBIG;
		goto out;
	}
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		ret = -ENOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, data + got, (size_t)st.st_size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > (size_t)st.st_size) {
			ret = -GT_ETOOBIG; /* grew while we read it */
			goto out;
		}
	}
	*buf = data;
	*len = got;
	data = NULL;
	ret = 0;
out:
	free(data);
	close(fd);
	return ret;
}

/* Hashes @fd, reporting progress over the whole build's input bytes. */
static int hash_fd(struct build *b, int fd, uint8_t out[GT_SHA256_LEN], uint64_t *size,
                   uint64_t *done)
{
	enum { CHUNK = 1 << 20 };
	struct gt_sha256 *h = gt_sha256_new();
	char *buf = malloc(CHUNK);
	uint64_t n_total = 0;
	int ret = -ENOMEM;

	if (!h || !buf)
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		gt_sha256_update(h, buf, (size_t)n);
		n_total += (uint64_t)n;
		*done += (uint64_t)n;
		mk_progress_update(&b->progress, "hashing", *done, b->total_bytes);
	}
	gt_sha256_final(h, out);
	h = NULL;
	*size = n_total;
	ret = 0;
out:
	gt_sha256_free(h);
	free(buf);
	return ret;
}

/* Step 1: resolve, type, size and hash every source; all problems are reported. */
static int check_inputs(struct build *b)
{
	struct gt_manifest *m = b->m;
	uint64_t done = 0;
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
		expanded = expand(b, e->src, whybuf, sizeof(whybuf), &why);
		if (!expanded) {
			problem(b, MK_EXIT_MANIFEST, e->line, "%s: src=%s: %s", e->dest,
			        e->src, why);
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
			problem(b, MK_EXIT_INPUT, e->line, "%s: source %s: %s", e->dest,
			        joined ? joined : expanded, strerror(errno));
		} else if (stat(in->path, &st) < 0) {
			problem(b, MK_EXIT_INPUT, e->line, "%s: source %s: %s", e->dest,
			        in->path, strerror(errno));
		} else if (!S_ISREG(st.st_mode)) {
			problem(b, MK_EXIT_INPUT, e->line,
			        "%s: source %s is not a regular file", e->dest, in->path);
		} else if (!e->has_sha256 && !path_under(in->path, b->source_dir) &&
		           !(b->build_dir && path_under(in->path, b->build_dir))) {
			problem(b, MK_EXIT_MANIFEST, e->line,
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
			problem(b, MK_EXIT_INPUT, in->e->line, "%s: source %s: %s",
			        in->e->dest, in->path, strerror(errno));
			continue;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			problem(b, MK_EXIT_INPUT, in->e->line,
			        "%s: source %s is not a regular file", in->e->dest,
			        in->path);
			close(fd);
			continue;
		}
		ret = hash_fd(b, fd, in->sha256, &in->size, &done);
		close(fd);
		if (ret < 0) {
			problem(b, MK_EXIT_INPUT, in->e->line, "%s: reading %s: %s",
			        in->e->dest, in->path, gt_strerror(ret));
			continue;
		}
		if (in->size != (uint64_t)st.st_size) {
			problem(b, MK_EXIT_INPUT, in->e->line,
			        "%s: source %s changed while it was read", in->e->dest,
			        in->path);
			continue;
		}
		if (in->e->has_sha256 &&
		    memcmp(in->e->sha256, in->sha256, GT_SHA256_LEN) != 0) {
			char want[GT_SHA256_HEX_LEN + 1], got[GT_SHA256_HEX_LEN + 1];

			gt_sha256_hex(in->e->sha256, want);
			gt_sha256_hex(in->sha256, got);
			problem(b, MK_EXIT_INPUT, in->e->line,
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
			problem(b, MK_EXIT_MANIFEST, e->line,
			        "%s: target %s points outside the image", e->dest,
			        e->target);
		else if (!on_image(b->m, path))
			problem(b, MK_EXIT_MANIFEST, e->line,
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

/* Step 4's key: equal sha256 (and size) means one stored copy. */
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

struct sum_line {
	const char *path;
	uint8_t sha256[GT_SHA256_LEN];
};

static int cmp_sum_line(const void *a, const void *b)
{
	return strcmp(((const struct sum_line *)a)->path,
	              ((const struct sum_line *)b)->path);
}

/* SHA256SUMS: "HEX  PATH" for every file, sorted, in sha256sum -c format. */
static int make_sums(struct build *b, const char *manifest_buf, size_t manifest_len,
                     const char *sig_buf, size_t sig_len, char **out, size_t *out_len)
{
	struct sum_line *lines;
	size_t i, n = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	lines = calloc(b->n_inputs + 2, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < b->n_inputs; i++) {
		lines[n].path = b->inputs[i].e->dest;
		memcpy(lines[n++].sha256, b->inputs[i].sha256, GT_SHA256_LEN);
	}
	lines[n].path = GT_MANIFEST_ISO_PATH;
	gt_sha256_buf(manifest_buf, manifest_len, lines[n++].sha256);
	if (sig_buf) {
		lines[n].path = GT_MANIFEST_SIG_PATH;
		gt_sha256_buf(sig_buf, sig_len, lines[n++].sha256);
	}
	qsort(lines, n, sizeof(*lines), cmp_sum_line);
	fp = open_memstream(&buf, &len);
	if (!fp) {
		free(lines);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		char hex[GT_SHA256_HEX_LEN + 1];

		gt_sha256_hex(lines[i].sha256, hex);
		fprintf(fp, "%s  %s\n", hex, lines[i].path);
	}
	free(lines);
	if (fclose(fp) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* The on-ISO manifest: the build manifest with size, sha256 and mode filled in. */
static int make_iso_manifest(struct build *b, char **buf, size_t *len)
{
	struct gt_manifest iso;
	size_t i;

	for (i = 0; i < b->n_inputs; i++) {
		struct gt_manifest_entry *e = b->inputs[i].e;

		e->size = b->inputs[i].size;
		e->has_size = true;
		memcpy(e->sha256, b->inputs[i].sha256, GT_SHA256_LEN);
		e->has_sha256 = true;
	}
	iso = *b->m;
	iso.kind = GT_MANIFEST_ISO;
	iso.version = b->version;
	iso.source_dir = NULL;
	return gt_manifest_format(&iso, buf, len);
}

static int cmp_node(const void *a, const void *b)
{
	return strcmp(((const struct node *)a)->dest, ((const struct node *)b)->dest);
}

/* Owner root, the build's time on all three stamps, and the given mode. */
static void set_attrs(IsoNode *node, mode_t mode, time_t sde)
{
	iso_node_set_permissions(node, mode);
	iso_node_set_uid(node, 0);
	iso_node_set_gid(node, 0);
	iso_node_set_atime(node, sde);
	iso_node_set_mtime(node, sde);
	iso_node_set_ctime(node, sde);
}

static const char *iso_msg(int err)
{
	const char *s = iso_error_to_msg(err);

	return s ? s : "libisofs error";
}

/* The directory for @dest's parent, created (with fixed attributes) as needed. */
static int parent_dir(IsoImage *image, const char *dest, time_t sde, IsoDir **out,
                      const char **leaf)
{
	IsoDir *dir = iso_image_get_root(image);
	const char *p = dest, *slash;
	char name[GT_MANIFEST_MAX_NAME + 1];
	int ret;

	while ((slash = strchr(p, '/'))) {
		IsoNode *node = NULL;

		memcpy(name, p, (size_t)(slash - p));
		name[slash - p] = '\0';
		ret = iso_dir_get_node(dir, name, &node);
		if (ret == 1 && node && ISO_NODE_IS_DIR(node)) {
			dir = (IsoDir *)node;
		} else if (ret == 1) {
			return ISO_NODE_NAME_NOT_UNIQUE;
		} else {
			IsoDir *sub;

			ret = iso_image_add_new_dir(image, dir, name, &sub);
			if (ret < 0)
				return ret;
			set_attrs((IsoNode *)sub, 0755, sde);
			dir = sub;
		}
		p = slash + 1;
	}
	*out = dir;
	*leaf = p;
	return 0;
}

static int add_nodes(struct build *b, IsoImage *image, struct node *nodes, size_t n)
{
	size_t i;
	int ret;

	set_attrs((IsoNode *)iso_image_get_root(image), 0755, b->sde);
	for (i = 0; i < n; i++) {
		struct node *nd = &nodes[i];
		const char *leaf;
		IsoDir *dir;
		IsoNode *node = NULL;

		ret = parent_dir(image, nd->dest, b->sde, &dir, &leaf);
		if (ret < 0)
			goto fail;
		if (nd->type == GT_ENTRY_LINK) {
			IsoSymlink *link;

			ret = iso_image_add_new_symlink(image, dir, leaf, nd->target,
			                                &link);
			if (ret < 0)
				goto fail;
			set_attrs((IsoNode *)link, 0777, b->sde);
			continue;
		}
		if (nd->mem) {
			IsoStream *stream;
			IsoFile *file;

			ret = iso_memory_stream_new(nd->mem, nd->mem_len, &stream);
			if (ret < 0)
				goto fail;
			nd->mem = NULL; /* the stream owns it now */
			ret = iso_image_add_new_file(image, dir, leaf, stream, &file);
			if (ret < 0) {
				iso_stream_unref(stream);
				goto fail;
			}
			set_attrs((IsoNode *)file, 0644, b->sde);
			continue;
		}
		if (nd->in->first != nd->in) {
			/* Same content as an earlier file: share its stream, store it
			 * once. */
			IsoStream *stream = iso_file_get_stream(nd->in->first->file);

			iso_stream_ref(stream);
			ret = iso_image_add_new_file(image, dir, leaf, stream,
			                             &nd->in->file);
			if (ret < 0) {
				iso_stream_unref(stream);
				goto fail;
			}
			node = (IsoNode *)nd->in->file;
		} else {
			ret = iso_tree_add_new_node(image, dir, leaf, nd->in->path,
			                            &node);
			if (ret < 0)
				goto fail;
			if (!ISO_NODE_IS_FILE(node)) {
				ret = ISO_WRONG_ARG_VALUE;
				goto fail;
			}
			nd->in->file = (IsoFile *)node;
		}
		set_attrs(node, nd->in->e->mode, b->sde);
		continue;
	fail:
		gt_err("%s: %s", nd->dest, iso_msg(ret));
		return -1;
	}
	return 0;
}

/*
 * Creates the hidden temporary file next to @out (same file system, so the
 * final rename is atomic). Returns an fd or -errno.
 */
static int create_tmp(const char *out)
{
	char *dir = dir_of(out);
	const char *base = strrchr(out, '/');
	mode_t mask;
	int fd, n;

	if (!dir)
		return -ENOMEM;
	base = base ? base + 1 : out;
	n = snprintf(tmp_path, sizeof(tmp_path), "%s/.%s.XXXXXX", dir, base);
	free(dir);
	if (n < 0 || (size_t)n >= sizeof(tmp_path))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	tmp_active = 1;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0644 & ~mask) < 0) {
		int err = -errno;

		close(fd);
		unlink(tmp_path);
		tmp_active = 0;
		return err;
	}
	return fd;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The messages libisofs queued, for a failed write. */
static void report_iso_msgs(void)
{
	char text[4096], sev[80];
	int code, imgid, n = 0;

	while (n++ < 10 && iso_obtain_msgs("SORRY", &code, &imgid, text, sev) > 0)
		gt_err("libisofs: %s", text);
}

/*
 * Step 3: master the image into @fd. Returns 0, MK_EXIT_OUTPUT (a write
 * failed: disk full, I/O error) or MK_EXIT_FAILURE (libisofs failed).
 */
static int master(struct build *b, IsoImage *image, int fd, uint64_t *iso_size,
                  uint8_t sha256[GT_SHA256_LEN])
{
	enum { CHUNK = 64 * 2048 };
	struct burn_source *src = NULL;
	IsoWriteOpts *opts = NULL;
	struct gt_sha256 *h = NULL;
	unsigned char *buf = NULL;
	char uuid[80];
	struct tm tm;
	off_t total, done = 0;
	int ret, rc = MK_EXIT_FAILURE;

	ret = iso_write_opts_new(&opts, 0);
	if (ret < 0)
		goto iso_fail;
	iso_write_opts_set_iso_level(opts, 3); /* files over 4 GiB */
	iso_write_opts_set_rockridge(opts, 1);
	iso_write_opts_set_joliet(opts, 1);
	/* RRIP 1.12 records inode numbers, which differ from one build to the next. */
	iso_write_opts_set_rrip_version_1_10(opts, 1);
	iso_write_opts_set_always_gmt(opts, 1);
	/* The label as given ("guest-tools", what blkid and the installer see), not
	 * d-characters. */
	iso_write_opts_set_relaxed_vol_atts(opts, 1);
	/* Record each node's mtime (the build's time), not the time of writing. */
	iso_write_opts_set_dir_rec_mtime(opts, 1 | 2 | 4);
	/* Keep the modes, owners and times set on every node. */
	iso_write_opts_set_replace_mode(opts, 0, 0, 0, 0);
	gmtime_r(&b->sde, &tm);
	snprintf(uuid, sizeof(uuid), "%04d%02d%02d%02d%02d%02d00", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	iso_write_opts_set_pvd_times(opts, b->sde, b->sde, 0, 0, uuid);
	ret = iso_image_create_burn_source(image, opts, &src);
	if (ret < 0)
		goto iso_fail;
	total = src->get_size(src);
	buf = malloc(CHUNK);
	h = gt_sha256_new();
	if (!buf || !h) {
		gt_err("out of memory");
		goto out;
	}
	while (done < total) {
		/*
		 * Ask for exactly what is left: libisofs answers a request past
		 * the end with end-of-file, not with a short last chunk.
		 */
		int want = total - done < CHUNK ? (int)(total - done) : CHUNK;
		int n = src->read_xt(src, buf, want);

		if (n <= 0) {
			gt_err("%s: the image ended after %lld of %lld bytes", b->out,
			       (long long)done, (long long)total);
			report_iso_msgs();
			goto out;
		}
		ret = write_all(fd, buf, (size_t)n);
		if (ret < 0) {
			gt_err("%s: write failed: %s", b->out, gt_strerror(ret));
			rc = MK_EXIT_OUTPUT;
			goto out;
		}
		gt_sha256_update(h, buf, (size_t)n);
		done += n;
		mk_progress_update(&b->progress, "writing", (uint64_t)done,
		                   (uint64_t)total);
	}
	mk_progress_end(&b->progress);
	if (fsync(fd) < 0) {
		gt_err("%s: %s", b->out, strerror(errno));
		rc = MK_EXIT_OUTPUT;
		goto out;
	}
	gt_sha256_final(h, sha256);
	h = NULL;
	*iso_size = (uint64_t)total;
	rc = 0;
	goto out;
iso_fail:
	gt_err("%s: %s", b->out, iso_msg(ret));
	report_iso_msgs();
out:
	mk_progress_end(&b->progress);
	if (src) {
		/* Stop the writer thread before freeing what it reads. */
		if (rc != 0 && src->cancel)
			src->cancel(src);
		if (src->free_data)
			src->free_data(src);
		free(src);
	}
	gt_sha256_free(h);
	free(buf);
	iso_write_opts_free(opts);
	return rc;
}

static int parse_args(struct build *b, int argc, char **argv)
{
	enum { OPT_SDE = 256, OPT_SIGN, OPT_JSON };
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "source-dir", required_argument, NULL, 's' },
		{ "define", required_argument, NULL, 'D' },
		{ "source-date-epoch", required_argument, NULL, OPT_SDE },
		{ "sign", required_argument, NULL, OPT_SIGN },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	int c;

	b->verbosity = GT_LOG_WARN;
	while ((c = getopt_long(argc, argv, "m:o:s:D:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			b->manifest_path = optarg;
			break;
		case 'o':
			b->out = optarg;
			break;
		case 's':
			b->source_dir_opt = optarg;
			break;
		case 'D': {
			const char *eq = strchr(optarg, '=');

			if (!eq || !valid_var_name(optarg, (size_t)(eq - optarg))) {
				gt_err("-D %s: expected NAME=VALUE (NAME of A-Z 0-9 _)\n"
				       "Try 'mkisotool build --help'.",
				       optarg);
				return MK_EXIT_USAGE;
			}
			if (var_set(b, optarg, (size_t)(eq - optarg), eq + 1) < 0) {
				gt_err("-D %s: too many definitions", optarg);
				return MK_EXIT_USAGE;
			}
			break;
		}
		case OPT_SDE:
			sde = optarg;
			break;
		case OPT_SIGN:
			b->sign_key = optarg;
			break;
		case 'q':
			b->quiet = true;
			b->verbosity = GT_LOG_ERROR;
			break;
		case 'v':
			b->verbosity = GT_LOG_INFO;
			break;
		case OPT_JSON:
			b->json = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			fprintf(stderr, "Try 'mkisotool build --help'.\n");
			return MK_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gt_err("build: unexpected argument '%s'\nTry 'mkisotool build --help'.",
		       argv[optind]);
		return MK_EXIT_USAGE;
	}
	if (!b->manifest_path || !b->out) {
		gt_err("build: both -m MANIFEST and -o OUT.iso are needed\n"
		       "Try 'mkisotool build --help'.");
		return MK_EXIT_USAGE;
	}
	if (sde && *sde) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(sde, &end, 10);
		if (errno || *end || end == sde || v < 0 || v > 253402300799LL) {
			gt_err("source date epoch '%s': expected seconds since 1970 (up to year 9999)\nTry 'mkisotool build --help'.",
			       sde);
			return MK_EXIT_USAGE;
		}
		b->sde = (time_t)v;
	} else {
		b->sde = time(NULL);
	}
	return 0;
}

/* Source directory, ${SOURCE_DIR}, ${MANIFEST_DIR}, ${BUILD}, and the version. */
static int setup_dirs(struct build *b)
{
	char *mdir = dir_of(b->manifest_path), *mdir_abs = NULL, *want = NULL;
	char whybuf[160];
	const char *why, *v;
	int rc = MK_EXIT_FAILURE;

	if (!mdir)
		goto out;
	mdir_abs = realpath(mdir, NULL);
	if (!mdir_abs) {
		gt_err("%s: %s", mdir, strerror(errno));
		rc = MK_EXIT_MANIFEST;
		goto out;
	}
	if (b->source_dir_opt)
		want = strdup(b->source_dir_opt);
	else if (b->m->source_dir && b->m->source_dir[0] != '/')
		want = gt_path_join(mdir_abs, b->m->source_dir);
	else
		want = strdup(b->m->source_dir ? b->m->source_dir : mdir_abs);
	if (!want)
		goto out;
	b->source_dir = realpath(want, NULL);
	if (!b->source_dir) {
		if (b->source_dir_opt)
			gt_err("--source-dir %s: %s", want, strerror(errno));
		else
			problem(b, MK_EXIT_MANIFEST, b->m->source_dir_line,
			        "source directory %s: %s", want, strerror(errno));
		rc = b->source_dir_opt ? MK_EXIT_USAGE : MK_EXIT_MANIFEST;
		goto out;
	}
	/* Defaults go first: -D definitions come later in the list and win. */
	if (!var_get(b, "SOURCE_DIR", 10) &&
	    var_set(b, "SOURCE_DIR", 10, b->source_dir) < 0)
		goto out;
	if (!var_get(b, "MANIFEST_DIR", 12) &&
	    var_set(b, "MANIFEST_DIR", 12, mdir_abs) < 0)
		goto out;
	if (!var_get(b, "BUILD", 5)) {
		char *def = gt_path_join(b->source_dir, "build");

		if (!def || var_set(b, "BUILD", 5, def) < 0) {
			free(def);
			goto out;
		}
		free(def);
	}
	v = var_get(b, "BUILD", 5);
	b->build_dir = realpath(v, NULL); /* may not exist: then nothing is inside it */
	b->version = expand(b, b->m->version, whybuf, sizeof(whybuf), &why);
	if (!b->version) {
		problem(b, MK_EXIT_MANIFEST, b->m->version_line, "version %s: %s",
		        b->m->version, why);
		rc = MK_EXIT_MANIFEST;
		goto out;
	}
	why = gt_manifest_check_version(b->version);
	if (why) {
		problem(b, MK_EXIT_MANIFEST, b->m->version_line, "version '%s': %s",
		        b->version, why);
		rc = MK_EXIT_MANIFEST;
		goto out;
	}
	rc = 0;
out:
	if (rc == MK_EXIT_FAILURE)
		gt_err("out of memory");
	free(mdir);
	free(mdir_abs);
	free(want);
	return rc;
}

static void print_summary(struct build *b, size_t files, uint64_t iso_size,
                          const uint8_t sha256[GT_SHA256_LEN], double seconds)
{
	char hex[GT_SHA256_HEX_LEN + 1], s1[32], s2[32], s3[32];

	gt_sha256_hex(sha256, hex);
	if (b->json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "iso", b->out);
		gt_json_kv_bool(&j, "ok", true);
		gt_json_kv_string(&j, "label", b->m->label);
		gt_json_kv_string(&j, "version", b->version);
		gt_json_kv_uint(&j, "files", files);
		gt_json_kv_uint(&j, "unique_files", b->unique_files + 2);
		gt_json_kv_uint(&j, "bytes", b->total_bytes);
		gt_json_kv_uint(&j, "unique_bytes", b->unique_bytes);
		gt_json_kv_uint(&j, "iso_size", iso_size);
		gt_json_kv_string(&j, "sha256", hex);
		gt_json_kv_int(&j, "source_date_epoch", (long long)b->sde);
		gt_json_kv_uint(&j, "milliseconds", (unsigned long long)(seconds * 1000));
		gt_json_end_object(&j);
		gt_json_finish(&j);
		return;
	}
	if (b->quiet)
		return;
	printf("%s: %zu files, %s (%s unique), image %s, %.2f s\nsha256 %s\n", b->out,
	       files, mk_human_size(b->total_bytes, s1, sizeof(s1)),
	       mk_human_size(b->unique_bytes, s2, sizeof(s2)),
	       mk_human_size(iso_size, s3, sizeof(s3)), seconds, hex);
}

int cmd_build(int argc, char **argv)
{
	struct build b;
	char *mbuf = NULL, *iso_manifest = NULL, *sums = NULL, *sig_text = NULL;
	size_t mlen = 0, iso_manifest_len = 0, sums_len = 0, n_nodes = 0, i, files = 0;
	size_t sig_len = 0;
	struct gt_sig_seckey sk;
	struct gt_sig_pubkey pk;
	struct gt_manifest_error perr;
	struct node *nodes = NULL;
	IsoImage *image = NULL;
	bool iso_started = false;
	uint8_t sha256[GT_SHA256_LEN];
	uint64_t iso_size = 0;
	double t0 = mk_now();
	int ret, rc = MK_EXIT_FAILURE, fd = -1;

	memset(&b, 0, sizeof(b));
	ret = parse_args(&b, argc, argv);
	if (ret)
		return ret < 0 ? MK_EXIT_OK : ret;
	gt_log_init("mkisotool", b.verbosity);
	mk_progress_init(&b.progress, !b.quiet && isatty(STDERR_FILENO));
	/* The key first: a bad one should not cost a whole build. */
	if (b.sign_key) {
		rc = mk_read_seckey(b.sign_key, &sk);
		if (rc == 0 && gt_sig_public_of(&sk, &pk) < 0) {
			gt_err("%s: the secret key is inconsistent", b.sign_key);
			rc = MK_EXIT_INPUT;
		}
		if (rc)
			goto out;
	}

	ret = read_small_file(b.manifest_path, &mbuf, &mlen);
	if (ret < 0) {
		gt_err("%s: %s", b.manifest_path,
		       ret == -GT_ETOOBIG ? "larger than 1 MiB" : gt_strerror(ret));
		rc = MK_EXIT_MANIFEST;
		goto out;
	}
	ret = gt_manifest_parse(mbuf, mlen, GT_MANIFEST_BUILD, &b.m, &perr);
	if (ret < 0) {
		if (ret == -ENOMEM)
			gt_err("out of memory");
		else
			problem(&b, MK_EXIT_MANIFEST, perr.line, "%s", perr.msg);
		rc = ret == -ENOMEM ? MK_EXIT_FAILURE : MK_EXIT_MANIFEST;
		goto out;
	}
	rc = setup_dirs(&b);
	if (rc)
		goto out;
	rc = MK_EXIT_FAILURE;

	/* 1. Check every input before writing anything. */
	if (check_inputs(&b) < 0 || check_links(&b) < 0 || find_duplicates(&b) < 0) {
		gt_err("out of memory");
		goto out;
	}
	if (b.problems) {
		gt_err("%s: %u problem%s: no image written", b.manifest_path, b.problems,
		       b.problems == 1 ? "" : "s");
		rc = b.exit_code;
		goto out;
	}

	/* 2. The on-ISO manifest and SHA256SUMS. */
	ret = make_iso_manifest(&b, &iso_manifest, &iso_manifest_len);
	if (ret < 0) {
		gt_err("%s: cannot write the on-ISO manifest: %s", b.manifest_path,
		       gt_strerror(ret));
		goto out;
	}
	if (b.sign_key) {
		struct gt_sig sig;

		sig_text = malloc(GT_SIG_MAX_FILE);
		if (!sig_text ||
		    gt_sig_sign(&sk, iso_manifest, iso_manifest_len, &sig) < 0 ||
		    (ret = gt_sig_format_sig(&sig, sig_text, GT_SIG_MAX_FILE)) < 0) {
			gt_err("%s: cannot sign the manifest", b.sign_key);
			goto out;
		}
		sig_len = (size_t)ret;
		gt_info("%s: signed by key %s", GT_MANIFEST_SIG_PATH, sig.id);
	}
	ret = make_sums(&b, iso_manifest, iso_manifest_len, sig_text, sig_len, &sums,
	                &sums_len);
	if (ret < 0) {
		gt_err("out of memory");
		goto out;
	}

	/* 3. Master the image, entries in sorted order. */
	nodes = calloc(b.m->n_entries + 3, sizeof(*nodes));
	if (!nodes) {
		gt_err("out of memory");
		goto out;
	}
	for (i = 0; i < b.n_inputs; i++) {
		nodes[n_nodes].dest = b.inputs[i].e->dest;
		nodes[n_nodes].type = b.inputs[i].e->type;
		nodes[n_nodes++].in = &b.inputs[i];
	}
	for (i = 0; i < b.m->n_entries; i++) {
		if (b.m->entries[i].type != GT_ENTRY_LINK)
			continue;
		nodes[n_nodes].dest = b.m->entries[i].dest;
		nodes[n_nodes].type = GT_ENTRY_LINK;
		nodes[n_nodes++].target = b.m->entries[i].target;
	}
	nodes[n_nodes].dest = GT_MANIFEST_ISO_PATH;
	nodes[n_nodes].mem = (unsigned char *)iso_manifest;
	nodes[n_nodes++].mem_len = iso_manifest_len;
	iso_manifest = NULL; /* owned by the node, then by libisofs */
	nodes[n_nodes].dest = GT_MANIFEST_SUMS_PATH;
	nodes[n_nodes].mem = (unsigned char *)sums;
	nodes[n_nodes++].mem_len = sums_len;
	sums = NULL;
	if (sig_text) {
		nodes[n_nodes].dest = GT_MANIFEST_SIG_PATH;
		nodes[n_nodes].mem = (unsigned char *)sig_text;
		nodes[n_nodes++].mem_len = sig_len;
		sig_text = NULL;
	}
	qsort(nodes, n_nodes, sizeof(*nodes), cmp_node);
	/* The on-ISO manifest again, for the read-back comparison. */
	for (i = 0; i < n_nodes; i++)
		if (strcmp(nodes[i].dest, GT_MANIFEST_ISO_PATH) == 0) {
			iso_manifest = malloc(nodes[i].mem_len ? nodes[i].mem_len : 1);
			if (!iso_manifest) {
				gt_err("out of memory");
				goto out;
			}
			memcpy(iso_manifest, nodes[i].mem, nodes[i].mem_len);
			iso_manifest_len = nodes[i].mem_len;
			break; /* dests are unique */
		}

	ret = iso_init();
	if (ret < 0) {
		gt_err("libisofs: %s", iso_msg(ret));
		goto out;
	}
	iso_started = true;
	/* Problems come back as return values and are reported by us. */
	iso_set_msgs_severities("SORRY", "NEVER", "mkisotool");
	/* Every time stamp libisofs takes by itself is the build's time. */
	iso_nowtime(&b.sde, 1);
	ret = iso_image_new(b.m->label, &image);
	if (ret < 0) {
		gt_err("libisofs: %s", iso_msg(ret));
		goto out;
	}
	iso_image_set_data_preparer_id(image, PREPARER_ID);
	iso_image_set_application_id(image, "guest-tools");
	iso_image_set_system_id(image, "LINUX");
	iso_image_set_ignore_aclea(image, 3);
	iso_tree_set_follow_symlinks(image, 0);
	if (add_nodes(&b, image, nodes, n_nodes) < 0)
		goto out;

	/* 5. Into a temporary file, renamed at the end. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	fd = create_tmp(b.out);
	if (fd < 0) {
		gt_err("%s: cannot create the output: %s", b.out, gt_strerror(fd));
		rc = MK_EXIT_OUTPUT;
		goto out;
	}
	rc = master(&b, image, fd, &iso_size, sha256);
	if (rc)
		goto out;
	if (close(fd) < 0) {
		fd = -1;
		gt_err("%s: %s", b.out, strerror(errno));
		rc = MK_EXIT_OUTPUT;
		goto out;
	}
	fd = -1;

	/* 6. Read the image back before anyone sees it. */
	mk_progress_init(&b.progress, b.progress.enabled);
	ret = mk_verify_image(tmp_path, b.out, iso_manifest, iso_manifest_len,
	                      b.sign_key ? &pk : NULL, NULL, &b.progress, &files);
	if (ret != 0) {
		gt_err("%s: the image failed verification: not written", b.out);
		rc = ret < 0 ? MK_EXIT_FAILURE : MK_EXIT_VERIFY;
		goto out;
	}
	if (rename(tmp_path, b.out) < 0) {
		gt_err("%s: %s", b.out, strerror(errno));
		rc = MK_EXIT_OUTPUT;
		goto out;
	}
	tmp_active = 0;
	{
		/* Make the rename itself durable. */
		char *dir = dir_of(b.out);
		int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	print_summary(&b, files, iso_size, sha256, mk_now() - t0);
	rc = MK_EXIT_OK;
out:
	if (b.json && rc != MK_EXIT_OK) {
		/* With --json, stdout always holds one document, even on failure. */
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "iso", b.out);
		gt_json_kv_bool(&j, "ok", false);
		gt_json_kv_int(&j, "exit", rc);
		gt_json_kv_uint(&j, "problems", b.problems ? b.problems : 1);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	}
	if (fd >= 0)
		close(fd);
	if (tmp_active) {
		unlink(tmp_path);
		tmp_active = 0;
	}
	if (image)
		iso_image_unref(image);
	if (iso_started)
		iso_finish();
	for (i = 0; nodes && i < n_nodes; i++)
		free(nodes[i].mem);
	free(nodes);
	for (i = 0; i < b.n_inputs; i++)
		free(b.inputs[i].path);
	free(b.inputs);
	for (i = 0; i < b.n_vars; i++) {
		free(b.vars[i].name);
		free(b.vars[i].value);
	}
	free(b.source_dir);
	free(b.build_dir);
	free(b.version);
	gt_manifest_free(b.m);
	free(mbuf);
	free(iso_manifest);
	free(sums);
	free(sig_text);
	memset(&sk, 0, sizeof(sk));
	return rc;
}
