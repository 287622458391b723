/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/tgz.h"
#include "error.h"
#include "strv.h"
#include "transaction/journal.h"

/* A payload tgz holds a few files; these bounds stop decompression bombs. */
#define TGZ_MAX_ENTRIES 10000
#define TGZ_MAX_BYTES   ((int64_t)1 << 30)

int gt_tgz_entry_path(const char *in, char **out)
{
	size_t len = strlen(in), used = 0;
	char *buf;
	const char *c;

	if (in[0] == '/')
		return -GT_EESCAPE;
	/* "/" + the path must fit PATH_MAX with its NUL. */
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (c = in; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 2 && c[0] == '.' && c[1] == '.') {
			free(buf);
			return -GT_EESCAPE;
		}
		if (n > NAME_MAX) {
			free(buf);
			return -ENAMETOOLONG;
		}
		if (n > 0 && !(n == 1 && c[0] == '.')) {
			if (used)
				buf[used++] = '/';
			memcpy(buf + used, c, n);
			used += n;
		}
		c += n;
		while (*c == '/')
			c++;
	}
	buf[used] = '\0';
	if (used + 2 > PATH_MAX) {
		free(buf);
		return -ENAMETOOLONG;
	}
	*out = buf;
	return 0;
}

/* Does @path go through one of the symlinks this payload made (all canonical)? */
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

/* Make the extracted file @rel (relative to the cwd, the root) durable. */
static int sync_file(const char *rel)
{
	int fd = open(rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return errno == ELOOP ? 0 : -errno; /* a link: nothing to sync */
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

struct extract {
	const struct gt_root *root;
	const char *file;
	struct gt_journal *j;
	char *why; /* the first refusal, for the caller to report */
	size_t whylen;
	struct archive *in, *out;
	char **made_links;
	size_t n_links;
	int64_t total;
};

/* Say why the extraction stopped (the first reason only), prefixed by the file. */
static void refuse(struct extract *x, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void refuse(struct extract *x, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!x->why || !x->whylen || x->why[0])
		return;
	snprintf(x->why, x->whylen, "%s: ", x->file);
	n = strlen(x->why);
	va_start(ap, fmt);
	vsnprintf(x->why + n, x->whylen - n, fmt, ap);
	va_end(ap);
}

/* Copy the data of the current entry. */
static int copy_data(struct extract *x)
{
	const void *buf;
	size_t size;
	int64_t off;
	int r;

	while ((r = archive_read_data_block(x->in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(x->out, buf, size, off) != ARCHIVE_OK)
			break;
	if (r != ARCHIVE_EOF) {
		refuse(x, "%s", archive_error_string(r == ARCHIVE_OK ? x->out : x->in));
		return -EIO;
	}
	return 0;
}

/* Check, record and write one entry. */
static int extract_one(struct extract *x, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);
	const char *name = archive_entry_pathname(e);
	char *path = NULL, *abs = NULL, *rel = NULL, *final = NULL, *slash;
	int ret;

	ret = gt_tgz_entry_path(name ? name : "", &path);
	if (ret == -ENAMETOOLONG) {
		refuse(x,
		       "an entry's path is longer than a path may be (%zu bytes): refused",
		       name ? strlen(name) : 0);
		return ret;
	}
	if (ret < 0) {
		refuse(x, "%s: path leaves the root: refused", name ? name : "");
		return ret;
	}
	if (archive_entry_hardlink(e) ||
	    (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK)) {
		refuse(x,
		       "%s: hard links, devices and FIFOs are not allowed in a payload",
		       path);
		ret = -GT_EESCAPE;
		goto out;
	}
	if (!path[0]) { /* "./", the archive's top: the root itself */
		ret = type == AE_IFDIR ? 0 : -GT_EESCAPE;
		if (ret < 0)
			refuse(x, "an entry names the root itself as a file: refused");
		goto out;
	}
	if (through_own_link(x->made_links, path)) {
		refuse(x,
		       "%s: written through a symlink the payload itself made: refused",
		       path);
		ret = -GT_EESCAPE;
		goto out;
	}
	if (type == AE_IFLNK && gt_strv_push(&x->made_links, &x->n_links, path) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	x->total += archive_entry_size(e);
	if (x->total > TGZ_MAX_BYTES) {
		refuse(x, "more than 1 GiB unpacked: refused");
		ret = -GT_ETOOBIG;
		goto out;
	}
	/* No set-user-ID or set-group-ID file comes from a payload. */
	archive_entry_set_perm(e, archive_entry_perm(e) & 0777);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (asprintf(&abs, "/%s", path) < 0) {
		abs = NULL;
		ret = -ENOMEM;
		goto out;
	}
	if (type == AE_IFDIR) {
		ret = gt_journal_dir(x->j, abs);
		goto out;
	}
	slash = strrchr(abs, '/');
	*slash = '\0';
	ret = abs[0] ? gt_journal_dir(x->j, abs) : 0;
	/* The parent, resolved inside the root (a usr-merged /lib -> usr/lib). */
	if (ret == 0)
		ret = gt_root_resolve(x->root, abs[0] ? abs : "/", true, &rel);
	*slash = '/';
	if (ret == 0 && asprintf(&final, "%s/%s", rel, slash + 1) < 0) {
		final = NULL;
		ret = -ENOMEM;
	}
	if (ret == 0)
		ret = gt_journal_file_intent(x->j, abs);
	if (ret < 0) {
		refuse(x, "%s: %s", path, gt_strerror(ret));
		goto out;
	}
	archive_entry_copy_pathname(e, final);
	if (archive_write_header(x->out, e) != ARCHIVE_OK) {
		refuse(x, "%s", archive_error_string(x->out));
		ret = -EIO;
		goto out;
	}
	if (type == AE_IFREG)
		ret = copy_data(x);
	if (ret == 0 && archive_write_finish_entry(x->out) != ARCHIVE_OK) {
		refuse(x, "%s", archive_error_string(x->out));
		ret = -EIO;
	}
	/* Durable before the commit record that will say the run is done. */
	if (ret == 0 && type == AE_IFREG && final)
		ret = sync_file(final);
out:
	free(final);
	free(rel);
	free(abs);
	free(path);
	return ret;
}

/*
 * Extract @file into @root. Each entry's parent is resolved inside the root
 * first (so "lib/systemd" follows a usr-merged /lib link to /usr/lib safely),
 * then libarchive writes it with the SECURE flags and nothing else may move.
 */
int gt_tgz_install(const struct gt_root *root, const char *file, struct gt_journal *j,
                   char *why, size_t whylen)
{
	const int flags = ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	                  ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                  ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM |
	                  ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_UNLINK;
	struct extract x = { root, file, j, why, whylen, NULL, NULL, NULL, 0, 0 };
	struct archive_entry *e;
	int ret = 0, cwd = -1, entries = 0, r = ARCHIVE_OK;

	x.in = archive_read_new();
	x.out = archive_write_disk_new();
	if (!x.in || !x.out) {
		ret = -ENOMEM;
		goto out;
	}
	archive_read_support_filter_gzip(x.in);
	archive_read_support_filter_xz(x.in);
	archive_read_support_filter_zstd(x.in);
	archive_read_support_format_tar(x.in);
	archive_write_disk_set_options(x.out, flags);
	if (archive_read_open_filename(x.in, file, 65536) != ARCHIVE_OK) {
		refuse(&x, "%s", archive_error_string(x.in));
		ret = -GT_EPARSE;
		goto out;
	}
	cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || fchdir(root->fd) < 0) {
		ret = -errno;
		goto out;
	}
	while (ret == 0 && (r = archive_read_next_header(x.in, &e)) == ARCHIVE_OK) {
		if (++entries > TGZ_MAX_ENTRIES) {
			refuse(&x, "more than %d entries: refused", TGZ_MAX_ENTRIES);
			ret = -GT_ETOOBIG;
			break;
		}
		ret = extract_one(&x, e);
	}
	if (ret == 0 && r != ARCHIVE_EOF) {
		refuse(&x, "%s", archive_error_string(x.in));
		ret = -GT_EPARSE;
	}
out:
	if (cwd >= 0) {
		if (fchdir(cwd) < 0 && ret == 0)
			ret = -errno;
		close(cwd);
	}
	if (x.out) {
		archive_write_close(x.out);
		archive_write_free(x.out);
	}
	if (x.in)
		archive_read_free(x.in);
	gt_strv_free(x.made_links);
	return ret;
}

int gt_tgz_installed_version(const struct gt_root *root, const char *name, char **version)
{
	struct gt_journal_log *log = NULL;
	size_t i;
	int ret;

	*version = NULL;
	ret = gt_journal_read(root, true, &log);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	for (i = 0; i < log->count; i++) {
		const struct gt_journal_record *r = &log->records[i];

		if (strcmp(r->kind, "pkg") == 0 && strcmp(r->fields[0], "tgz") == 0 &&
		    strcmp(r->fields[1], name) == 0) {
			free(*version);
			*version = strdup(r->fields[3]);
			if (!*version)
				ret = -ENOMEM;
		}
	}
	gt_journal_log_free(log);
	return ret;
}
