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
#include <sys/stat.h>
#include <unistd.h>

#include "actions/tgz.h"
#include "error.h"
#include "strv.h"
#include "transaction/fsops.h"
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

struct extract {
	const struct gt_root *root;
	const char *file;
	struct gt_journal *j;
	char *why; /* the first refusal, for the caller to report */
	size_t whylen;
	struct archive *in;
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

/* pwrite(2) all of @len bytes at @off. Returns 0 or -errno. */
static int write_at(int fd, const char *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, len, off);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n == 0)
			return -EIO;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			off += n;
		}
	}
	return 0;
}

/*
 * Write the current entry's data as the new regular file @at (O_EXCL, no
 * link followed), with its permissions and times, synced before it returns:
 * the commit record that follows must not name a file a power cut can lose.
 */
static int write_file(struct extract *x, struct archive_entry *e,
                      const struct gt_root_at *at)
{
	struct timespec times[2];
	const void *buf;
	size_t size;
	int64_t off;
	int fd, r = ARCHIVE_OK, ret = 0;

	fd = gt_fs_create_at(at, 0600);
	if (fd < 0)
		return fd;
	/* Blocks come with their offsets: a sparse member keeps its holes. */
	while (ret == 0 &&
	       (r = archive_read_data_block(x->in, &buf, &size, &off)) == ARCHIVE_OK)
		ret = write_at(fd, buf, size, (off_t)off);
	if (ret == 0 && r != ARCHIVE_EOF) {
		refuse(x, "%s", archive_error_string(x->in));
		ret = -EIO;
	}
	times[1].tv_sec = archive_entry_mtime(e);
	times[1].tv_nsec =
	        archive_entry_mtime_is_set(e) ? archive_entry_mtime_nsec(e) : UTIME_OMIT;
	times[0] = times[1];
	if (ret == 0 && (ftruncate(fd, (off_t)archive_entry_size(e)) < 0 ||
	                 fchmod(fd, archive_entry_perm(e) & 0777) < 0 ||
	                 futimens(fd, times) < 0 || fsync(fd) < 0))
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* Make @at a symlink to the entry's target (kept as written). */
static int write_link(struct archive_entry *e, const struct gt_root_at *at)
{
	const char *target = archive_entry_symlink(e);

	return target && target[0] ? gt_fs_symlink_at(target, at) : -GT_EPARSE;
}

/* Check, record and write one entry. */
static int extract_one(struct extract *x, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);
	const char *name = archive_entry_pathname(e);
	struct gt_root_at at = { -1, "" };
	char *path = NULL, *abs = NULL, *slash;
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
	*slash = '/';
	/* Resolved once inside the root (a usr-merged /lib -> usr/lib is
	 * followed there, the last name never), then held: the writes below act
	 * on that directory, not on a path walked again (root.h). */
	if (ret == 0)
		ret = gt_root_at(x->root, abs, 0, &at);
	if (ret == 0)
		ret = gt_journal_file_intent(x->j, abs);
	/* What was there is backed up: it goes, the entry takes its place. No
	 * set-user-ID or set-group-ID file comes from a payload, and everything
	 * is root's (made by this root process). */
	if (ret == 0)
		ret = gt_fs_unlink_at(&at);
	if (ret == 0)
		ret = type == AE_IFREG ? write_file(x, e, &at) : write_link(e, &at);
	if (ret < 0)
		refuse(x, "%s: %s", path, gt_strerror(ret));
out:
	if (at.dirfd >= 0)
		gt_root_at_close(&at);
	free(abs);
	free(path);
	return ret;
}

/*
 * Extract @file into @root. libarchive only reads: each entry's path is
 * made canonical and checked, its place resolved once inside the root (so
 * "lib/systemd" follows a usr-merged /lib link to /usr/lib safely) and held
 * as a directory fd, and the file or link is made there (fsops.h).
 */
int gt_tgz_install(const struct gt_root *root, const char *file, struct gt_journal *j,
                   char *why, size_t whylen)
{
	struct extract x = { root, file, j, why, whylen, NULL, NULL, 0, 0 };
	struct archive_entry *e;
	int ret = 0, entries = 0, r = ARCHIVE_OK;

	x.in = archive_read_new();
	if (!x.in) {
		ret = -ENOMEM;
		goto out;
	}
	archive_read_support_filter_gzip(x.in);
	archive_read_support_filter_xz(x.in);
	archive_read_support_filter_zstd(x.in);
	archive_read_support_format_tar(x.in);
	if (archive_read_open_filename(x.in, file, 65536) != ARCHIVE_OK) {
		refuse(&x, "%s", archive_error_string(x.in));
		ret = -GT_EPARSE;
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
