/* SPDX-License-Identifier: MIT */
/*
 * The build's directories and variables: the source directory (-s, the
 * manifest's source-dir, or its own directory), ${SOURCE_DIR},
 * ${MANIFEST_DIR}, ${BUILD} and -D definitions, expanded in src= and version.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "log.h"
#include "strv.h"

const char *mk_var_get(const struct build *b, const char *name, size_t len)
{
	size_t i;

	for (i = b->n_vars; i-- > 0;)
		if (strlen(b->vars[i].name) == len &&
		    memcmp(b->vars[i].name, name, len) == 0)
			return b->vars[i].value;
	return NULL;
}

int mk_var_set(struct build *b, const char *name, size_t len, const char *value)
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

bool mk_valid_var_name(const char *s, size_t len)
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
char *mk_expand(const struct build *b, const char *s, char *whybuf, size_t whysize,
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
			if (!close ||
			    !mk_valid_var_name(s + 2, (size_t)(close - s - 2))) {
				*why = "malformed ${NAME} (names are A-Z 0-9 _)";
				goto fail;
			}
			add = mk_var_get(b, s + 2, (size_t)(close - s - 2));
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

char *mk_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Source directory, ${SOURCE_DIR}, ${MANIFEST_DIR}, ${BUILD}, and the version. */
int mk_setup_dirs(struct build *b)
{
	char *mdir = mk_dir_of(b->manifest_path), *mdir_abs = NULL, *want = NULL;
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
			mk_problem(b, MK_EXIT_MANIFEST, b->m->source_dir_line,
			           "source directory %s: %s", want, strerror(errno));
		rc = b->source_dir_opt ? MK_EXIT_USAGE : MK_EXIT_MANIFEST;
		goto out;
	}
	/* Defaults go first: -D definitions come later in the list and win. */
	if (!mk_var_get(b, "SOURCE_DIR", 10) &&
	    mk_var_set(b, "SOURCE_DIR", 10, b->source_dir) < 0)
		goto out;
	if (!mk_var_get(b, "MANIFEST_DIR", 12) &&
	    mk_var_set(b, "MANIFEST_DIR", 12, mdir_abs) < 0)
		goto out;
	if (!mk_var_get(b, "BUILD", 5)) {
		char *def = gt_path_join(b->source_dir, "build");

		if (!def || mk_var_set(b, "BUILD", 5, def) < 0) {
			free(def);
			goto out;
		}
		free(def);
	}
	v = mk_var_get(b, "BUILD", 5);
	b->build_dir = realpath(v, NULL); /* may not exist: then nothing is inside it */
	b->version = mk_expand(b, b->m->version, whybuf, sizeof(whybuf), &why);
	if (!b->version) {
		mk_problem(b, MK_EXIT_MANIFEST, b->m->version_line, "version %s: %s",
		           b->m->version, why);
		rc = MK_EXIT_MANIFEST;
		goto out;
	}
	why = gt_manifest_check_version(b->version);
	if (why) {
		mk_problem(b, MK_EXIT_MANIFEST, b->m->version_line, "version '%s': %s",
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
