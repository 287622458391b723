/* SPDX-License-Identifier: MIT */
/*
 * The guest-tools media: a directory holding Linux/MANIFEST (the mounted CD,
 * or an unpacked copy), an .iso file read directly with libarchive (an ISO
 * copied into the guest works with no mount at all), or a block device that
 * we probe with libblkid and mount read-only, nosuid, nodev, noexec with
 * libmount on a private temporary directory (and unmount at the end).
 */
#ifndef GT_MEDIA_H
#define GT_MEDIA_H

#include <stddef.h>
#include <stdio.h>

#include "manifest.h"

#define GT_MEDIA_LABEL "guest-tools"

struct gt_media {
	int kind;          /* 0 directory, 1 ISO file */
	int dirfd;         /* the directory, held open (kind 0), or -1 */
	char *path;        /* the directory, or the ISO file */
	char *device;      /* the block device we mounted, or NULL */
	char *mountpoint;  /* where we mounted it (removed at close), or NULL */
	char *description; /* for messages: "/dev/sr0", "build/guest-tools.iso" */
};

/*
 * gt_media_open - find the media. @explicit (may be NULL) is --media: a
 * directory, a block device or an .iso file. Without it: @start_dir (the
 * directory above the installer's) if it holds MANIFEST and is root's and
 * writable by root alone, else the devices /dev/xvdd, /dev/cdrom, /dev/sr*,
 * /dev/xvd* with an iso9660 filesystem labelled guest-tools. @tried (may be
 * NULL, either stream too) receives one line per candidate looked at, in
 * English (->en: JSON, the log) and in the user's language (->shown). Catches SIGINT,
 * SIGTERM and SIGHUP first (gt_media_catch_signals). Returns 0, -GT_ENOTFOUND, -EINTR (a
 * signal came before a CD was mounted), or -errno.
 */
struct gt_media_tried {
	FILE *en, *shown;
};
int gt_media_open(const char *explicit, const char *start_dir, struct gt_media **out,
                  const struct gt_media_tried *tried);

/*
 * gt_media_catch_signals - from now on SIGINT, SIGTERM and SIGHUP do not end
 * the process (which would leave the CD mounted): a handler notes the signal
 * for gt_media_interrupted() and nothing else. They are caught without
 * SA_RESTART, so a blocking read of the terminal (the confirmation prompt)
 * or a lock wait returns EINTR; the run then stops at its next safe point,
 * and gt_media_close() unmounts. Why a flag and not a self-pipe: the
 * installer has no event loop to wake; its one wait on the user is that
 * read. A run killed with SIGKILL is cleaned up by the next one
 * (leftover.h). Idempotent.
 */
void gt_media_catch_signals(void);

/* gt_media_interrupted - the signal caught since, or 0. */
int gt_media_interrupted(void);

/* gt_media_close - unmount what we mounted and free (NULL is fine). */
void gt_media_close(struct gt_media *m);

/*
 * gt_media_read - the whole of @rel (a path on the media, "Linux/MANIFEST")
 * into a new NUL-terminated buffer. On a directory media @rel is opened
 * relative to the held directory, with no symlink followed, and must be a
 * regular file. Returns 0, -ENOENT, -GT_ETOOBIG, -GT_ENOTREG (a symlink,
 * device or FIFO there), -GT_EMEDIA, -errno.
 */
int gt_media_read(struct gt_media *m, const char *rel, size_t max, char **buf,
                  size_t *len);

/*
 * gt_media_copy_verified - copy the payload @e to @dest_path (a new file),
 * hashing as it goes; the copy is what gets installed, so a CD changed or
 * ejected mid-run cannot slip anything past the check. Returns 0,
 * -GT_EINTEGRITY (size or sha256 differ: @dest_path removed), or -errno.
 */
int gt_media_copy_verified(struct gt_media *m, const struct gt_manifest_entry *e,
                           const char *dest_path);

#endif
