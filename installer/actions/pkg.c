/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transaction/names.h"
#include "actions/pkg.h"
#include "actions/tgz.h"
#include "error.h"
#include "log.h"
#include "spawn.h"
#include "strv.h"

void gt_pkg_info_clear(struct gt_pkg_info *info)
{
	free(info->name);
	free(info->version);
	free(info->arch);
	info->name = info->version = info->arch = NULL;
}

static const char *root_arg(const struct gt_root *root)
{
	return root->host ? "/" : root->dir;
}

/*
 * Run @argv capturing its output; *out gets it when not NULL. Returns 0,
 * -errno when it cannot be run (-ENOENT: not installed), or -GT_ETOOL when
 * it failed; @how (may be NULL) then says how ("dpkg: exit status 1").
 */
static int run_capture(const char *const argv[], char **out, char *how, size_t howlen)
{
	struct gt_spawn_opts o = { .capture = 1 };
	struct gt_spawn_result r;
	char desc[96];

	gt_debug("running: %s %s %s %s", argv[0], argv[1] ? argv[1] : "",
	         argv[1] && argv[2] ? argv[2] : "",
	         argv[1] && argv[2] && argv[3] ? argv[3] : "");
	r = gt_spawn(argv, &o);
	if (how && howlen)
		snprintf(how, howlen, "%s: %s", argv[0],
		         gt_spawn_describe(r, desc, sizeof(desc)));
	if (out)
		*out = o.output;
	else
		free(o.output);
	return gt_spawn_ok(r) ? 0 : r.err ? -r.err : -GT_ETOOL;
}

/* Two lines of output: name, version. */
static int two_lines(char *text, struct gt_pkg_info *out)
{
	char *nl = text ? strchr(text, '\n') : NULL, *end;

	if (!nl)
		return -GT_EPARSE;
	*nl = '\0';
	end = strchr(nl + 1, '\n');
	if (end)
		*end = '\0';
	out->name = strdup(gt_strip(text));
	out->version = strdup(gt_strip(nl + 1));
	if (!out->name || !out->version) {
		gt_pkg_info_clear(out);
		return -ENOMEM;
	}
	return out->name[0] && out->version[0] ? 0 : -GT_EPARSE;
}

/* The control member of a .deb is small; anything bigger is not one. */
#define DEB_CONTROL_MAX (1 << 20)

/* Read all of the current entry of @a (at most @max bytes) into a new buffer. */
static int read_entry(struct archive *a, size_t max, char **buf, size_t *len)
{
	char *data = NULL, *bigger;
	size_t used = 0;
	ssize_t n;
	char chunk[16384];

	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		if (used + (size_t)n > max) {
			free(data);
			return -GT_ETOOBIG;
		}
		bigger = realloc(data, used + (size_t)n + 1);
		if (!bigger) {
			free(data);
			return -ENOMEM;
		}
		data = bigger;
		memcpy(data + used, chunk, (size_t)n);
		used += (size_t)n;
	}
	if (n < 0 || !data) {
		free(data);
		return n < 0 ? -GT_EPARSE : -ENOENT;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	return 0;
}

/* The value of control field @key ("Package") in @text, newly allocated, or NULL. */
static char *control_field(const char *text, const char *key)
{
	size_t k = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, key, k) == 0 && p[k] == ':') {
			const char *v = p + k + 1, *end = strchr(v, '\n');
			char *out = strndup(v, end ? (size_t)(end - v) : strlen(v)), *s;

			if (!out)
				return NULL;
			s = gt_strip(out);
			memmove(out, s, strlen(s) + 1);
			return out;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/*
 * Name and version of a .deb read in-process: the deb is an ar archive whose
 * control.tar.* member holds ./control. Saves starting dpkg-deb (and the tar
 * and rm it starts) on the install path.
 */
static int inspect_deb(const char *file, struct gt_pkg_info *out)
{
	struct archive *ar = archive_read_new(), *tar = NULL;
	struct archive_entry *e;
	char *member = NULL, *control = NULL;
	size_t mlen = 0, clen = 0;
	int ret = -GT_EPARSE;

	if (!ar)
		return -ENOMEM;
	archive_read_support_format_ar(ar);
	if (archive_read_open_filename(ar, file, 65536) != ARCHIVE_OK)
		goto out;
	while (archive_read_next_header(ar, &e) == ARCHIVE_OK) {
		if (gt_startswith(archive_entry_pathname(e), "control.tar")) {
			ret = read_entry(ar, DEB_CONTROL_MAX, &member, &mlen);
			break;
		}
	}
	if (!member)
		goto out;
	ret = -ENOMEM;
	tar = archive_read_new();
	if (!tar)
		goto out;
	archive_read_support_format_tar(tar);
	archive_read_support_filter_gzip(tar);
	archive_read_support_filter_xz(tar);
	archive_read_support_filter_zstd(tar);
	ret = -GT_EPARSE;
	if (archive_read_open_memory(tar, member, mlen) != ARCHIVE_OK)
		goto out;
	while (archive_read_next_header(tar, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);

		if (strcmp(name, "./control") == 0 || strcmp(name, "control") == 0) {
			ret = read_entry(tar, DEB_CONTROL_MAX, &control, &clen);
			break;
		}
	}
	if (!control)
		goto out;
	out->name = control_field(control, "Package");
	out->version = control_field(control, "Version");
	out->arch = control_field(control, "Architecture");
	ret = out->name && out->version && out->name[0] && out->version[0] ? 0
	                                                                   : -GT_EPARSE;
	if (ret < 0)
		gt_pkg_info_clear(out);
out:
	if (tar)
		archive_read_free(tar);
	archive_read_free(ar);
	free(member);
	free(control);
	return ret;
}

/*
 * A tgz named NAME.ARCH.tgz or NAME-ARCH.tgz carries no version: the name
 * alone, with an empty version that the caller takes from the manifest.
 */
static int tgz_name_only(const char *base, struct gt_pkg_info *out)
{
	static const char *const suffixes[] = { ".tgz", ".tar.gz", NULL };
	static const char *const arches[] = { "x86_64", "i686", "aarch64", NULL };
	size_t n = strlen(base), i;

	for (i = 0; suffixes[i]; i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && strcmp(base + n - k, suffixes[i]) == 0) {
			n -= k;
			break;
		}
	}
	for (i = 0; arches[i]; i++) {
		size_t k = strlen(arches[i]);

		if (n > k + 1 && strncmp(base + n - k, arches[i], k) == 0 &&
		    (base[n - k - 1] == '.' || base[n - k - 1] == '-')) {
			n -= k + 1;
			break;
		}
	}
	out->name = strndup(base, n);
	out->version = strdup("");
	if (!out->name || !out->version) {
		gt_pkg_info_clear(out);
		return -ENOMEM;
	}
	return out->name[0] ? 0 : -GT_EPARSE;
}

/*
 * The name and version go into the journal and, read back, to the package
 * tool: a package whose name its own family's tool would not have made is
 * refused here, before any change.
 */
static int check_names(const char *family, struct gt_pkg_info *info)
{
	if (gt_name_package_valid(family, info->name) &&
	    (!info->version[0] || gt_name_version_valid(info->version)))
		return 0;
	gt_pkg_info_clear(info);
	return -GT_EPARSE;
}

int gt_pkg_inspect(const char *family, const char *file, struct gt_pkg_info *out)
{
	char *text = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (strcmp(family, "deb") == 0) {
		ret = inspect_deb(file, out);
		return ret == 0 ? check_names(family, out) : ret;
	} else if (strcmp(family, "rpm") == 0) {
		const char *argv[] = { "rpm",
			               "-qp",
			               "--nosignature",
			               "--qf",
			               "%{NAME}\\n%{VERSION}-%{RELEASE}\\n",
			               "--",
			               file,
			               NULL };

		ret = run_capture(argv, &text, NULL, 0);
	} else {
		/* tgz: NAME-VERSION[-ARCH].tgz, as payload/packaging names them. */
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file, *p;
		size_t n;

		for (p = base; *p && !(*p == '-' && p[1] >= '0' && p[1] <= '9'); p++)
			;
		if (!*p) {
			ret = tgz_name_only(base, out);
			return ret == 0 ? check_names(family, out) : ret;
		}
		n = strcspn(p + 1, "-");
		if (asprintf(&text, "%.*s\n%.*s\n", (int)(p - base), base, (int)n,
		             p + 1) < 0)
			return -ENOMEM;
		ret = 0;
	}
	if (ret == 0)
		ret = two_lines(text, out);
	else if (ret == -GT_ETOOL)
		ret = -GT_EPARSE;
	free(text);
	return ret == 0 ? check_names(family, out) : ret;
}

int gt_pkg_check_arch(const struct gt_root *root, const char *family,
                      const struct gt_pkg_info *info, char **accepted)
{
	char rootopt[4200], *native = NULL, *foreign = NULL, *tok, *save = NULL;
	int ret = 0;

	*accepted = NULL;
	if (strcmp(family, "deb") != 0 || !info->arch || !info->arch[0] ||
	    strcmp(info->arch, "all") == 0)
		return 0;
	snprintf(rootopt, sizeof(rootopt), "--root=%s", root_arg(root));
	{
		const char *argv[] = { "dpkg", rootopt, "--print-architecture", NULL };
		const char *argv2[] = { "dpkg", rootopt, "--print-foreign-architectures",
			                NULL };

		if (run_capture(argv, &native, NULL, 0) != 0 || !native ||
		    run_capture(argv2, &foreign, NULL, 0) != 0)
			goto out; /* dpkg cannot tell: let the install say what it says */
	}
	if (strcmp(gt_strip(native), info->arch) == 0)
		goto out;
	for (tok = foreign ? strtok_r(foreign, "\n", &save) : NULL; tok;
	     tok = strtok_r(NULL, "\n", &save))
		if (strcmp(gt_strip(tok), info->arch) == 0)
			goto out;
	ret = -GT_EUNSUPPORTED;
	*accepted = strdup(gt_strip(native));
	if (!*accepted)
		ret = -ENOMEM;
out:
	free(native);
	free(foreign);
	return ret;
}

int gt_pkg_query(const struct gt_root *root, const char *family, const char *name,
                 char **state, char **version)
{
	char *text = NULL, admindir[4200], how[128];
	int ret;

	*state = *version = NULL;
	if (!gt_name_package_valid(family, name))
		return -EINVAL;
	if (strcmp(family, "deb") == 0) {
		snprintf(admindir, sizeof(admindir), "--admindir=%s/var/lib/dpkg",
		         root->host ? "" : root->dir);
		const char *argv[] = {
			"dpkg-query", admindir,
			"-W",         "-f=${db:Status-Status}\\n${Version}\\n",
			"--",         name,
			NULL
		};

		/* Exit 1 with "no packages found matching": dpkg never knew it. */
		ret = run_capture(argv, &text, how, sizeof(how));
		if (ret == -GT_ETOOL && text && strstr(text, "no packages found"))
			ret = 0;
		else if (ret == 0 && text && strchr(text, '\n')) {
			char *nl = strchr(text, '\n');

			*nl = '\0';
			*state = strdup(gt_strip(text));
			if (strcmp(*state ? *state : "", "not-installed") != 0)
				*version = strdup(gt_strip(nl + 1));
		} else if (ret == 0) {
			ret = -GT_EPARSE;
		}
	} else if (strcmp(family, "rpm") == 0) {
		const char *argv[] = {
			"rpm",      "-q",           "--root", root_arg(root),
			"--dbpath", "/var/lib/rpm", "--qf",   "%{VERSION}-%{RELEASE}",
			"--",       name,           NULL
		};

		/* rpm -q exits 1 and says "package X is not installed". */
		ret = run_capture(argv, &text, how, sizeof(how));
		if (ret == -GT_ETOOL && text && strstr(text, "is not installed"))
			ret = 0;
		else if (ret == 0 && text) {
			*state = strdup("installed");
			*version = strdup(gt_strip(text));
		}
	} else {
		ret = gt_tgz_installed_version(root, name, version);
		if (ret == 0 && *version && !(*state = strdup("installed")))
			ret = -ENOMEM;
	}
	if (ret == -GT_ETOOL)
		gt_info("%s: %s", how, text ? gt_strip(text) : "");
	free(text);
	if (ret == 0 && !*state && !(*state = strdup("not-installed")))
		ret = -ENOMEM;
	if (ret != 0 || !*state) {
		free(*state);
		free(*version);
		*state = *version = NULL;
		return ret < 0 ? ret : -ENOMEM;
	}
	return 0;
}

int gt_pkg_installed_version(const struct gt_root *root, const char *family,
                             const char *name, char **version)
{
	char *state = NULL;
	int ret;

	*version = NULL;
	if (strcmp(family, "tgz") == 0)
		return gt_tgz_installed_version(root, name, version);
	ret = gt_pkg_query(root, family, name, &state, version);
	if (ret == 0 && strcmp(state, "installed") != 0) {
		free(*version);
		*version = NULL;
	}
	free(state);
	return ret;
}

int gt_pkg_install(const struct gt_root *root, const char *family, const char *file,
                   struct gt_journal *j, char **output, char *how, size_t howlen)
{
	if (output)
		*output = NULL;
	if (how && howlen)
		how[0] = '\0';
	if (strcmp(family, "deb") == 0) {
		char rootopt[4200];

		snprintf(rootopt, sizeof(rootopt), "--root=%s", root_arg(root));
		const char *argv[] = { "dpkg", rootopt, "--force-confold", "-i", "--",
			               file,   NULL };

		return run_capture(argv, output, how, howlen);
	}
	if (strcmp(family, "rpm") == 0) {
		const char *argv[] = { "rpm",
			               "-U",
			               "--root",
			               root_arg(root),
			               "--dbpath",
			               "/var/lib/rpm",
			               "--nosignature",
			               "--",
			               file,
			               NULL };

		return run_capture(argv, output, how, howlen);
	}
	if (strcmp(family, "tgz") == 0)
		return gt_tgz_install(root, file, j, how, howlen);
	return -GT_EUNSUPPORTED;
}

int gt_pkg_remove(const struct gt_root *root, const char *family, const char *name,
                  char *how, size_t howlen)
{
	char *state = NULL, *version = NULL, *output = NULL, rootopt[4200];
	int ret;

	if (how && howlen)
		how[0] = '\0';
	if (strcmp(family, "tgz") == 0)
		return 0;
	if (!gt_name_package_valid(family, name))
		return -EINVAL;
	/*
	 * dpkg: purge whatever state the package is in (a failed postinst leaves
	 * it half-configured, and that must go too); purging an unknown package
	 * only warns. rpm: only what rpm -q knows.
	 */
	if (strcmp(family, "rpm") == 0) {
		ret = gt_pkg_query(root, family, name, &state, &version);
		if (ret < 0 || strcmp(state, "installed") != 0) {
			free(state);
			free(version);
			return ret;
		}
		free(state);
		free(version);
	}
	snprintf(rootopt, sizeof(rootopt), "--root=%s", root_arg(root));
	if (strcmp(family, "deb") == 0) {
		const char *argv[] = { "dpkg", rootopt, "--purge", "--", name, NULL };

		ret = run_capture(argv, &output, how, howlen);
	} else {
		const char *argv[] = { "rpm",          "-e",       "--root",
			               root_arg(root), "--dbpath", "/var/lib/rpm",
			               "--",           name,       NULL };

		ret = run_capture(argv, &output, how, howlen);
	}
	if (ret < 0 && output && output[0])
		gt_info("%s", gt_strip(output));
	free(output);
	return ret;
}
