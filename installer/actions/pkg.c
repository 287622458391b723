/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "transaction/journal.h"
#include "log.h"
#include "actions/pkg.h"
#include "spawn.h"
#include "strv.h"

/* A payload tgz holds a few files; these bounds stop decompression bombs. */
#define TGZ_MAX_ENTRIES 10000
#define TGZ_MAX_BYTES   ((int64_t)1 << 30)

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

/* Run @argv capturing its output; *out gets it when not NULL. */
static int run_capture(const char *const argv[], char **out)
{
	struct gt_spawn_opts o = { .capture = 1 };
	int ret;

	gt_debug("running: %s %s %s %s", argv[0], argv[1] ? argv[1] : "",
	         argv[1] && argv[2] ? argv[2] : "",
	         argv[1] && argv[2] && argv[3] ? argv[3] : "");
	ret = gt_spawn(argv, &o);
	if (out)
		*out = o.output;
	else
		free(o.output);
	return ret;
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

int gt_pkg_inspect(const char *family, const char *file, struct gt_pkg_info *out)
{
	char *text = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (strcmp(family, "deb") == 0) {
		return inspect_deb(file, out);
	} else if (strcmp(family, "rpm") == 0) {
		const char *argv[] = { "rpm",
			               "-qp",
			               "--nosignature",
			               "--qf",
			               "%{NAME}\\n%{VERSION}-%{RELEASE}\\n",
			               file,
			               NULL };

		ret = run_capture(argv, &text);
	} else {
		/* tgz: NAME-VERSION[-ARCH].tgz, as payload/packaging names them. */
		const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file, *p;
		size_t n;

		for (p = base; *p && !(*p == '-' && p[1] >= '0' && p[1] <= '9'); p++)
			;
		if (!*p)
			return tgz_name_only(base, out);
		n = strcspn(p + 1, "-");
		if (asprintf(&text, "%.*s\n%.*s\n", (int)(p - base), base, (int)n,
		             p + 1) < 0)
			return -ENOMEM;
		ret = 0;
	}
	if (ret == 0)
		ret = two_lines(text, out);
	else if (ret > 0)
		ret = -GT_EPARSE;
	free(text);
	return ret;
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

		if (run_capture(argv, &native) != 0 || !native ||
		    run_capture(argv2, &foreign) != 0)
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

int gt_pkg_installed_version(const struct gt_root *root, const char *family,
                             const char *name, char **version)
{
	char *text = NULL, admindir[4200];
	int ret;

	*version = NULL;
	if (strcmp(family, "deb") == 0) {
		snprintf(admindir, sizeof(admindir), "--admindir=%s/var/lib/dpkg",
		         root->host ? "" : root->dir);
		const char *argv[] = {
			"dpkg-query", admindir,
			"-W",         "-f=${db:Status-Status}\\n${Version}\\n",
			name,         NULL
		};

		ret = run_capture(argv, &text);
		if (ret == 0 && text && gt_startswith(text, "installed\n"))
			*version = strdup(gt_strip(text + 10));
	} else if (strcmp(family, "rpm") == 0) {
		const char *argv[] = { "rpm",      "-q",
			               "--root",   root_arg(root),
			               "--dbpath", "/var/lib/rpm",
			               "--qf",     "%{VERSION}-%{RELEASE}",
			               name,       NULL };

		ret = run_capture(argv, &text);
		if (ret == 0 && text)
			*version = strdup(gt_strip(text));
	} else {
		struct gt_journal_log *log = NULL;
		size_t i;

		ret = gt_journal_read(root, true, &log);
		if (ret == -ENOENT)
			return 0;
		if (ret < 0)
			return ret;
		for (i = 0; i < log->count; i++) {
			char *const *f = log->records[i].fields;

			if (strcmp(log->records[i].kind, "pkg") == 0 &&
			    gt_strv_len(f) >= 4 && strcmp(f[0], "tgz") == 0 &&
			    strcmp(f[1], name) == 0) {
				free(*version);
				*version = strdup(f[3]);
			}
		}
		gt_journal_log_free(log);
		return 0;
	}
	free(text);
	if (ret < 0)
		return ret;
	return 0;
}

/* A tgz entry's path, cleaned: no leading "./", and refused when unsafe. */
static int clean_entry_path(const char *in, char **out)
{
	const char *p = in;
	char *copy, *seg, *save = NULL;

	while (gt_startswith(p, "./"))
		p += 2;
	if (*p == '/' || !*p)
		return -GT_EESCAPE;
	copy = strdup(p);
	if (!copy)
		return -ENOMEM;
	for (seg = strtok_r(copy, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (strcmp(seg, "..") == 0) {
			free(copy);
			return -GT_EESCAPE;
		}
	}
	free(copy);
	*out = strdup(p);
	return *out ? 0 : -ENOMEM;
}

/* Does @path go through one of the symlinks this payload made? */
static bool through_own_link(char *const *links, const char *path)
{
	size_t i, n;

	for (i = 0; links && links[i]; i++) {
		n = strlen(links[i]);
		if (strncmp(path, links[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

/*
 * Extract @file into @root. Each entry's parent is resolved inside the root
 * first (so "lib/systemd" follows a usr-merged /lib link to /usr/lib safely),
 * then libarchive writes it with the SECURE flags and nothing else may move.
 */
static int install_tgz(const struct gt_root *root, const char *file, struct gt_journal *j)
{
	const int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	                  ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                  ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM |
	                  ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK;
	struct archive *in = NULL, *out = NULL;
	struct archive_entry *e;
	char **made_links = NULL;
	size_t n_links = 0;
	int64_t total = 0;
	int ret = 0, cwd = -1, entries = 0, r;

	in = archive_read_new();
	out = archive_write_disk_new();
	if (!in || !out) {
		ret = -ENOMEM;
		goto out;
	}
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_zstd(in);
	archive_read_support_format_tar(in);
	archive_write_disk_set_options(out, flags);
	if (archive_read_open_filename(in, file, 65536) != ARCHIVE_OK) {
		gt_err("%s: %s", file, archive_error_string(in));
		ret = -GT_EPARSE;
		goto out;
	}
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(root->fd) < 0) {
		ret = -errno;
		goto out;
	}
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK) {
		char *path = NULL, *rel = NULL, *slash, abs[4200];
		mode_t type = archive_entry_filetype(e);

		if (++entries > TGZ_MAX_ENTRIES) {
			gt_err("%s: more than %d entries: refused", file,
			       TGZ_MAX_ENTRIES);
			ret = -GT_ETOOBIG;
			break;
		}
		ret = clean_entry_path(archive_entry_pathname(e), &path);
		if (ret < 0) {
			gt_err("%s: %s: path leaves the root: refused", file,
			       archive_entry_pathname(e));
			break;
		}
		if (archive_entry_hardlink(e) ||
		    (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)) {
			gt_err("%s: %s: hard links, devices and FIFOs are not allowed in a payload",
			       file, path);
			free(path);
			ret = -GT_EESCAPE;
			break;
		}
		if (through_own_link(made_links, path)) {
			gt_err("%s: %s: written through a symlink the payload itself made: refused",
			       file, path);
			free(path);
			ret = -GT_EESCAPE;
			break;
		}
		if (type == AE_IFLNK && gt_strv_push(&made_links, &n_links, path) < 0) {
			free(path);
			ret = -ENOMEM;
			break;
		}
		total += archive_entry_size(e);
		if (total > TGZ_MAX_BYTES) {
			gt_err("%s: more than 1 GiB unpacked: refused", file);
			free(path);
			ret = -GT_ETOOBIG;
			break;
		}
		/* No set-user-ID or set-group-ID file comes from a payload. */
		archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		snprintf(abs, sizeof(abs), "/%s", path);
		while (strlen(abs) > 1 && abs[strlen(abs) - 1] == '/')
			abs[strlen(abs) - 1] = '\0';
		slash = strrchr(abs, '/');
		*slash = '\0';
		ret = abs[0] ? gt_journal_dir(j, abs) : 0;
		*slash = '/';
		if (ret == 0 && type == AE_IFDIR) {
			ret = gt_journal_dir(j, abs);
			free(path);
			if (ret < 0)
				break;
			continue;
		}
		if (ret == 0) {
			*slash = '\0';
			ret = gt_root_resolve(root, abs[0] ? abs : "/", true, &rel);
			*slash = '/';
		}
		if (ret == 0) {
			char *final = NULL;

			if (asprintf(&final, "%s/%s", rel, slash + 1) < 0)
				ret = -ENOMEM;
			else
				archive_entry_copy_pathname(e, final);
			free(final);
		}
		if (ret == 0)
			ret = gt_journal_file_intent(j, abs);
		free(rel);
		free(path);
		if (ret < 0)
			break;
		if (archive_write_header(out, e) != ARCHIVE_OK) {
			gt_err("%s: %s", file, archive_error_string(out));
			ret = -EIO;
			break;
		}
		if (type == AE_IFREG) {
			const void *buf;
			size_t size;
			int64_t off;

			while ((r = archive_read_data_block(in, &buf, &size, &off)) ==
			       ARCHIVE_OK)
				if (archive_write_data_block(out, buf, size, off) !=
				    ARCHIVE_OK)
					break;
			if (r != ARCHIVE_EOF) {
				gt_err("%s: %s", file, archive_error_string(in));
				ret = -EIO;
				break;
			}
		}
		if (archive_write_finish_entry(out) != ARCHIVE_OK) {
			gt_err("%s: %s", file, archive_error_string(out));
			ret = -EIO;
			break;
		}
	}
	if (ret == 0 && r != ARCHIVE_EOF) {
		gt_err("%s: %s", file, archive_error_string(in));
		ret = -GT_EPARSE;
	}
out:
	if (cwd >= 0) {
		if (fchdir(cwd) < 0 && ret == 0)
			ret = -errno;
		close(cwd);
	}
	if (out) {
		archive_write_close(out);
		archive_write_free(out);
	}
	if (in)
		archive_read_free(in);
	gt_strv_free(made_links);
	return ret;
}

int gt_pkg_install(const struct gt_root *root, const char *family, const char *file,
                   struct gt_journal *j, char **output)
{
	if (output)
		*output = NULL;
	if (strcmp(family, "deb") == 0) {
		char rootopt[4200];

		snprintf(rootopt, sizeof(rootopt), "--root=%s", root_arg(root));
		const char *argv[] = { "dpkg", rootopt, "--force-confold",
			               "-i",   file,    NULL };

		return run_capture(argv, output);
	}
	if (strcmp(family, "rpm") == 0) {
		const char *argv[] = { "rpm",           "-U",       "--root",
			               root_arg(root),  "--dbpath", "/var/lib/rpm",
			               "--nosignature", file,       NULL };

		return run_capture(argv, output);
	}
	if (strcmp(family, "tgz") == 0)
		return install_tgz(root, file, j);
	return -GT_EUNSUPPORTED;
}

int gt_pkg_remove(const struct gt_root *root, const char *family, const char *name)
{
	char *version = NULL;
	int ret;

	if (strcmp(family, "tgz") == 0)
		return 0;
	/*
	 * dpkg: purge whatever state the package is in (a failed postinst leaves
	 * it half-configured, and that must go too); purging an unknown package
	 * only warns. rpm: only what rpm -q knows.
	 */
	if (strcmp(family, "rpm") == 0) {
		ret = gt_pkg_installed_version(root, family, name, &version);
		if (ret < 0 || !version)
			return ret;
		free(version);
	}
	if (strcmp(family, "deb") == 0) {
		char rootopt[4200];

		snprintf(rootopt, sizeof(rootopt), "--root=%s", root_arg(root));
		const char *argv[] = { "dpkg", rootopt, "--purge", name, NULL };

		return run_capture(argv, NULL);
	}
	const char *argv[] = { "rpm",      "-e",           "--root", root_arg(root),
		               "--dbpath", "/var/lib/rpm", name,     NULL };

	return run_capture(argv, NULL);
}
