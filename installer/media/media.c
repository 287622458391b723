/* SPDX-License-Identifier: MIT */
#include <archive.h>
#include <archive_entry.h>
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libmount/libmount.h>
#include <limits.h>
#include <linux/cdrom.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "error.h"
#include "i18n.h"
#include "media/leftover.h"
#include "log.h"
#include "media/media.h"
#include "sha256.h"
#include "testseam/testseam.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

void gt_media_catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the prompt's read returns EINTR */
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int gt_media_interrupted(void)
{
	return interrupted;
}

static int new_media(int kind, const char *path, const char *desc, struct gt_media **out)
{
	struct gt_media *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->dirfd = -1;
	if (!(m->path = strdup(path)) || !(m->description = strdup(desc))) {
		gt_media_close(m);
		return -ENOMEM;
	}
	m->kind = kind;
	/* Held from now on: every file is opened relative to it. */
	if (kind == 0) {
		m->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (m->dirfd < 0) {
			int err = errno;

			gt_media_close(m);
			return -err;
		}
	}
	*out = m;
	return 0;
}

/*
 * The parent of the installer's directory is taken as the media without
 * --media only when nobody but root can have put things there: a directory
 * of root's that neither its group nor others may write (a mounted CD is
 * root's, r-x). Else @tried says why it was passed over.
 */
/* A line to each stream of @t: English, and the translation of @fmt (gt_tr). */
static void said(const struct gt_media_tried *t, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static void said(const struct gt_media_tried *t, const char *fmt, ...)
{
	va_list ap;

	if (!t)
		return;
	if (t->en) {
		va_start(ap, fmt);
		vfprintf(t->en, fmt, ap);
		va_end(ap);
	}
	if (t->shown) {
		va_start(ap, fmt);
		vfprintf(t->shown, gt_tr(fmt), ap);
		va_end(ap);
	}
}

static bool trusted_start_dir(const char *dir, const struct gt_media_tried *tried)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return false;
	if (st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH)))
		return true;
	if (st.st_uid != 0)
		said(tried,
		     "%s: has %s but is not used without --media: it is not owned by root (give --media %s to use it anyway)\n",
		     dir, GT_MANIFEST_ISO_PATH, dir);
	else
		said(tried,
		     "%s: has %s but is not used without --media: its group or others may write to it (give --media %s to use it anyway)\n",
		     dir, GT_MANIFEST_ISO_PATH, dir);
	return false;
}

static bool has_manifest(const char *dir)
{
	char p[4200];

	snprintf(p, sizeof(p), "%s/%s", dir, GT_MANIFEST_ISO_PATH);
	return access(p, R_OK) == 0;
}

/* libblkid: is @dev an iso9660 filesystem labelled guest-tools? */
static bool is_our_cd(const char *dev, const struct gt_media_tried *tried)
{
	const char *type = NULL, *label = NULL;
	blkid_probe pr = blkid_new_probe_from_filename(dev);
	bool ok = false;

	if (!pr) {
		said(tried, "%s: cannot be opened (%s)\n", dev, strerror(errno));
		return false;
	}
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL);
	if (blkid_do_safeprobe(pr) == 0) {
		blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
		blkid_probe_lookup_value(pr, "LABEL", &label, NULL);
	}
	ok = type && strcmp(type, "iso9660") == 0 && label &&
	     strcasecmp(label, GT_MEDIA_LABEL) == 0;
	if (type && label)
		said(tried, "%s: %s, label %s\n", dev, type, label);
	else if (type)
		said(tried, "%s: %s\n", dev, type);
	else if (label)
		said(tried, "%s: no filesystem, label %s\n", dev, label);
	else
		said(tried, "%s: no filesystem\n", dev);
	blkid_free_probe(pr);
	return ok;
}

/* Mount @dev read-only on a private directory (see leftover.h). */
static int mount_cd(const char *dev, struct gt_media **out,
                    const struct gt_media_tried *tried)
{
	struct libmnt_context *cxt = NULL;
	char dir[64];
	int ret;

	if (interrupted) /* asked to stop: mount nothing more */
		return -EINTR;
	ret = gt_private_dir(dir, sizeof(dir));
	if (ret < 0)
		return ret;
	ret = -ENOMEM;
	cxt = mnt_new_context();
	if (!cxt)
		goto fail;
	mnt_context_set_source(cxt, dev);
	mnt_context_set_target(cxt, dir);
	mnt_context_set_fstype(cxt, "iso9660");
	mnt_context_set_options(cxt, "ro,nosuid,nodev,noexec");
	/* Our own mount: not recorded in /etc/mtab or utab for others to see. */
	mnt_context_disable_mtab(cxt, 1);
	ret = mnt_context_mount(cxt);
	if (ret != 0 || mnt_context_get_status(cxt) != 1) {
		char msg[256] = "";

		mnt_context_get_excode(cxt, ret, msg, sizeof(msg));
		if (msg[0])
			said(tried, "%s: mount failed: %s\n", dev, msg);
		else
			said(tried, "%s: mount failed: unknown error\n", dev);
		ret = -EIO;
		goto fail;
	}
	mnt_free_context(cxt);
	ret = new_media(0, dir, dev, out);
	if (ret < 0) {
		umount2(dir, 0);
		rmdir(dir);
		return ret;
	}
	(*out)->device = strdup(dev);
	(*out)->mountpoint = strdup(dir);
	gt_info("mounted %s read-only on %s", dev, dir);
	return 0;
fail:
	mnt_free_context(cxt);
	rmdir(dir);
	return ret;
}

static int open_path(const char *p, struct gt_media **out,
                     const struct gt_media_tried *tried)
{
	struct stat st;

	if (stat(p, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		/* The CD's top, or its Linux/ folder (where install.sh lives). */
		if (has_manifest(p))
			return new_media(0, p, p, out);
		if (access(p, F_OK) == 0) {
			char parent[4200];

			snprintf(parent, sizeof(parent), "%s/..", p);
			if (has_manifest(parent))
				return new_media(0, parent, p, out);
		}
		said(tried, "%s: no %s in it\n", p, GT_MANIFEST_ISO_PATH);
		return -GT_ENOTFOUND;
	}
	if (S_ISBLK(st.st_mode)) {
		if (!is_our_cd(p, tried))
			return -GT_ENOTFOUND;
		return mount_cd(p, out, tried);
	}
	if (S_ISREG(st.st_mode))
		return new_media(1, p, p, out);
	return -GT_ENOTREG;
}

int gt_media_open(const char *explicit, const char *start_dir, struct gt_media **out,
                  const struct gt_media_tried *tried)
{
	static const char *const fixed[] = { "/dev/xvdd", "/dev/cdrom" };
	glob_t g;
	size_t i;
	int ret;

	gt_media_catch_signals();
	if (explicit)
		return open_path(explicit, out, tried);
	if (start_dir && has_manifest(start_dir)) {
		if (trusted_start_dir(start_dir, tried))
			return new_media(0, start_dir, start_dir, out);
	} else if (start_dir && tried) {
		said(tried, "%s: no %s in it\n", start_dir, GT_MANIFEST_ISO_PATH);
	}
	for (i = 0; i < 2; i++) {
		struct stat st;

		if (stat(fixed[i], &st) < 0) {
			said(tried, "%s: does not exist\n", fixed[i]);
			continue;
		}
		if (S_ISBLK(st.st_mode) && is_our_cd(fixed[i], tried) &&
		    mount_cd(fixed[i], out, tried) == 0)
			return 0;
	}
	ret = glob("/dev/sr[0-9]*", 0, NULL, &g);
	ret = ret == 0 ? glob("/dev/xvd[a-z]", GLOB_APPEND, NULL, &g)
	               : glob("/dev/xvd[a-z]", 0, NULL, &g);
	for (i = 0; ret != GLOB_NOSPACE && i < g.gl_pathc; i++) {
		struct stat st;

		if (stat(g.gl_pathv[i], &st) == 0 && S_ISBLK(st.st_mode) &&
		    is_our_cd(g.gl_pathv[i], tried) &&
		    mount_cd(g.gl_pathv[i], out, tried) == 0) {
			globfree(&g);
			return 0;
		}
	}
	if (ret != GLOB_NOMATCH || g.gl_pathc)
		globfree(&g);
	return -GT_ENOTFOUND;
}

void gt_media_close(struct gt_media *m)
{
	if (!m)
		return;
	if (m->mountpoint) {
		struct libmnt_context *cxt = mnt_new_context();

		if (cxt) {
			mnt_context_set_target(cxt, m->mountpoint);
			mnt_context_disable_mtab(cxt, 1);
			if (mnt_context_umount(cxt) != 0)
				umount2(m->mountpoint, MNT_DETACH);
			mnt_free_context(cxt);
		}
		rmdir(m->mountpoint);
	}
	if (m->dirfd >= 0)
		close(m->dirfd);
	free(m->path);
	free(m->device);
	free(m->mountpoint);
	free(m->description);
	free(m);
}

/* Find @rel in the ISO (following the hard links libisofs makes for shared data). */
static int iso_find(const char *iso, const char *rel, struct archive **out_a,
                    int64_t *size)
{
	char want[GT_MANIFEST_MAX_PATH + 4];
	int hops;

	snprintf(want, sizeof(want), "%s", rel);
	for (hops = 0; hops < 4; hops++) {
		struct archive *a = archive_read_new();
		struct archive_entry *e;
		const char *link = NULL;
		char next[GT_MANIFEST_MAX_PATH + 4] = "";
		int r;

		if (!a)
			return -ENOMEM;
		archive_read_support_format_iso9660(a);
		if (archive_read_open_filename(a, iso, 65536) != ARCHIVE_OK) {
			gt_err("%s: %s", iso, archive_error_string(a));
			archive_read_free(a);
			return -GT_EMEDIA;
		}
		while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
			const char *p = archive_entry_pathname(e);

			while (p && p[0] == '.' && p[1] == '/')
				p += 2;
			if (!p || strcmp(p, want) != 0)
				continue;
			link = archive_entry_hardlink(e);
			if (link && archive_entry_size(e) == 0) {
				while (link[0] == '.' && link[1] == '/')
					link += 2;
				snprintf(next, sizeof(next), "%s", link);
				break;
			}
			*out_a = a;
			*size = archive_entry_size(e);
			return 0;
		}
		/* Not the end of the directory: a truncated or damaged image. */
		if (!next[0] && r != ARCHIVE_EOF) {
			gt_err("%s: %s", iso, archive_error_string(a));
			archive_read_free(a);
			return -GT_EMEDIA;
		}
		archive_read_free(a);
		if (!next[0])
			return -ENOENT;
		snprintf(want, sizeof(want), "%s", next);
	}
	return -ELOOP;
}

/*
 * An error of the device under the media (the CD was ejected, a bad sector)
 * becomes -GT_EMEDIA, told apart from a missing file or a full /tmp; the
 * system's own words go to the log.
 */
static int media_errno(const char *path, const char *what, int err)
{
	switch (err) {
	case EIO:
	case ENOMEDIUM:
	case ENXIO:
	case ENODEV:
	case ESTALE:
		gt_err("%s: %s error: %s", path, what, strerror(err));
		return -GT_EMEDIA;
	default:
		return -err;
	}
}

/*
 * The drive's own word when a file of a mounted media seems missing (@err,
 * ENOENT): an ejected CD does not always read as an I/O error, because
 * iso9660 answers a lookup whose directory block cannot be read with
 * "not found" (isofs_find_entry). The drive knows: CDROM_DRIVE_STATUS on a
 * non-blocking open (which neither needs a disc nor closes an open tray, as
 * udev's cdrom_id does) says no disc or tray open; a vanished device fails
 * to open. Returns ENOMEDIUM (or the open's errno), else @err: a disc is
 * in, the device is no CD drive (a copy on a disk), or it is not known (no
 * /sys/dev/block before Linux 2.6.27).
 */
static int drive_error(const struct gt_media *m, int err)
{
	char dev[300] = "", line[300];
	struct stat st;
	FILE *f = NULL;
	int fd;

	if (m->device) {
		snprintf(dev, sizeof(dev), "%s", m->device);
	} else if (stat(m->path, &st) == 0 && major(st.st_dev) != 0) {
		/* Mounted by the user (install.sh --media): its device from sysfs. */
		snprintf(line, sizeof(line), "/sys/dev/block/%u:%u/uevent",
		         major(st.st_dev), minor(st.st_dev));
		f = fopen(line, "re");
		while (f && fgets(line, sizeof(line), f)) {
			if (strncmp(line, "DEVNAME=", 8) == 0) {
				line[strcspn(line, "\n")] = '\0';
				snprintf(dev, sizeof(dev), "/dev/%s", line + 8);
			}
		}
		if (f)
			(void)fclose(f); /* read only: nothing to lose */
	}
	if (!dev[0])
		return err;
	fd = open(dev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOMEDIUM || errno == ENXIO || errno == ENODEV ||
		    errno == EIO)
			err = errno;
	} else {
		int status = ioctl(fd, CDROM_DRIVE_STATUS, CDSL_CURRENT);

		if (status == CDS_NO_DISC || status == CDS_TRAY_OPEN)
			err = ENOMEDIUM;
		close(fd);
	}
	if (err != ENOENT)
		gt_debug("%s: no such file; %s: %s", m->path, dev, strerror(err));
	return err;
}

/*
 * Open @rel ("Linux/deb/x.deb") of a directory media relative to its held
 * fd, one component at a time, following no symlink (the media is what it
 * is: a link could point anywhere on the host, a FIFO could hang the run).
 * Returns an fd of a regular file, -GT_ENOTREG (a symlink, a device, a FIFO,
 * a directory on the way or at the end), -GT_EESCAPE ("." or ".." in @rel)
 * or -errno.
 */
static int media_open_file(const struct gt_media *m, const char *rel)
{
	char name[NAME_MAX + 1];
	struct stat st;
	int fd = -1; /* ours; -1 while still at m->dirfd */

	for (;;) {
		size_t len = strcspn(rel, "/");
		bool last = rel[len] == '\0';
		int next, err;

		if (len == 0 || len > NAME_MAX) {
			err = len ? ENAMETOOLONG : ENOENT;
			if (fd >= 0)
				close(fd);
			return -err;
		}
		memcpy(name, rel, len);
		name[len] = '\0';
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
			if (fd >= 0)
				close(fd);
			return -GT_EESCAPE;
		}
		/* O_NONBLOCK: a FIFO planted there must not hang the open. */
		next = openat(fd >= 0 ? fd : m->dirfd, name,
		              last ? O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
		                              O_CLOEXEC
		                   : O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		err = errno;
		if (fd >= 0)
			close(fd);
		if (next < 0)
			/* ELOOP, ENOTDIR: a symlink or a file where we look. */
			return err == ELOOP || err == ENOTDIR ? -GT_ENOTREG : -err;
		fd = next;
		if (last)
			break;
		rel += len + 1;
	}
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		return -err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -GT_ENOTREG;
	}
	return fd;
}

/* Stream @rel to @sink (a buffer or a file), at most @max bytes. */
static int media_stream(struct gt_media *m, const char *rel, size_t max,
                        int (*sink)(void *ctx, const void *buf, size_t len), void *ctx)
{
	char buf[65536];
	ssize_t n;
	size_t total = 0;
	int ret = 0;

	if (m->kind == 1) {
		struct archive *a = NULL;
		int64_t size;

		ret = iso_find(m->path, rel, &a, &size);
		if (ret < 0)
			return ret;
		if ((uint64_t)size > max) {
			archive_read_free(a);
			return -GT_ETOOBIG;
		}
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0 && ret == 0)
			ret = sink(ctx, buf, (size_t)n);
		if (n < 0 && ret == 0) {
			gt_err("%s: %s: %s", m->path, rel, archive_error_string(a));
			ret = -GT_EMEDIA;
		}
		archive_read_free(a);
		return ret;
	}
	{
		char path[4200];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", m->path, rel);
		fd = media_open_file(m, rel);
		if (fd == -ENOENT)
			fd = -drive_error(m, ENOENT);
		if (fd < 0)
			return fd == -GT_ENOTREG || fd == -GT_EESCAPE
			               ? fd
			               : media_errno(path, "open", -fd);
		while ((n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				ret = media_errno(path, "read", errno);
				break;
			}
			total += (size_t)n;
			if (total > max) {
				ret = -GT_ETOOBIG;
				break;
			}
			ret = sink(ctx, buf, (size_t)n);
			if (ret < 0)
				break;
		}
		close(fd);
		return ret;
	}
}

struct membuf {
	char *data;
	size_t len;
};

static int to_memory(void *ctx, const void *buf, size_t len)
{
	struct membuf *mb = ctx;
	char *n = realloc(mb->data, mb->len + len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n + mb->len, buf, len);
	mb->data = n;
	mb->len += len;
	mb->data[mb->len] = '\0';
	return 0;
}

int gt_media_read(struct gt_media *m, const char *rel, size_t max, char **buf,
                  size_t *len)
{
	struct membuf mb = { NULL, 0 };
	int ret = media_stream(m, rel, max, to_memory, &mb);

	if (ret == 0 && !mb.data && !(mb.data = calloc(1, 1)))
		ret = -ENOMEM;
	if (ret < 0) {
		free(mb.data);
		return ret;
	}
	*buf = mb.data;
	*len = mb.len;
	return 0;
}

struct hashfile {
	int fd;
	struct gt_sha256 *h;
	uint64_t size;
};

static int to_file(void *ctx, const void *buf, size_t len)
{
	struct hashfile *hf = ctx;
	const char *p = buf;
	int first = hf->size == 0;

	gt_sha256_update(hf->h, buf, len);
	hf->size += len;
	while (len > 0) {
		ssize_t n = write(hf->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	if (first)
		gt_test_stop_point("payload-read");
	return 0;
}

int gt_media_copy_verified(struct gt_media *m, const struct gt_manifest_entry *e,
                           const char *dest_path)
{
	struct hashfile hf = { -1, NULL, 0 };
	uint8_t digest[GT_SHA256_LEN];
	size_t max;
	int ret;

	hf.fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	             0600);
	if (hf.fd < 0)
		return -errno;
	hf.h = gt_sha256_new();
	if (!hf.h) {
		close(hf.fd);
		unlink(dest_path);
		return -ENOMEM;
	}
	/* One byte more than the manifest says, so that a longer file is caught. */
	max = e->has_size && e->size < SIZE_MAX ? (size_t)e->size + 1 : SIZE_MAX;
	ret = media_stream(m, e->dest, max, to_file, &hf);
	if (close(hf.fd) < 0 && ret == 0)
		ret = -errno;
	gt_sha256_final(hf.h, digest);
	if (ret == 0 && ((e->has_size && hf.size != e->size) || !e->has_sha256 ||
	                 memcmp(digest, e->sha256, GT_SHA256_LEN) != 0))
		ret = -GT_EINTEGRITY;
	if (ret < 0)
		unlink(dest_path);
	return ret;
}
