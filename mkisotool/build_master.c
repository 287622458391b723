/* SPDX-License-Identifier: MIT */
/*
 * The image, mastered with the libisofs C API straight from the source files
 * (no staging tree): files with equal content share one stream and so one
 * extent. Every node is owned by root, stamped with the build's time. File
 * data is laid out in destination order, the generated files last (they
 * are made from the hashes taken while the inputs are read).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "io.h"
#include "log.h"

#define PREPARER_ID "guest-tools mkisotool"
/* Sort weights: higher is written first; the generated files go last. */
#define WEIGHT_TOP (1 << 30)

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

/* The last parent directory found: sorted items mostly share it. */
struct parent_cache {
	char path[GT_MANIFEST_MAX_PATH + 1];
	size_t len;
	IsoDir *dir;
};

/* The directory for @dest's parent, created (with fixed attributes) as needed. */
static int parent_dir(IsoImage *image, struct parent_cache *pc, const char *dest,
                      time_t sde, IsoDir **out, const char **leaf)
{
	const char *slash = strrchr(dest, '/'), *p = dest;
	size_t len = slash ? (size_t)(slash - dest) : 0;
	IsoDir *dir = iso_image_get_root(image);
	char name[GT_MANIFEST_MAX_NAME + 1];
	int ret;

	*leaf = slash ? slash + 1 : dest;
	if (pc->dir && len == pc->len && strncmp(dest, pc->path, len) == 0) {
		*out = pc->dir;
		return 0;
	}
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
	memcpy(pc->path, dest, len);
	pc->path[len] = '\0';
	pc->len = len;
	pc->dir = dir;
	*out = dir;
	return 0;
}

/* One item: a link, a first file (with its stream) or a file sharing one. */
static int add_item(struct build *b, struct parent_cache *pc, struct item *it)
{
	const char *leaf;
	IsoDir *dir;
	IsoFile *file;
	IsoStream *stream;
	int ret;

	ret = parent_dir(b->image, pc, it->dest, b->sde, &dir, &leaf);
	if (ret < 0)
		return ret;
	if (it->type == GT_ENTRY_LINK) {
		IsoSymlink *link;

		ret = iso_image_add_new_symlink(b->image, dir, leaf, it->target, &link);
		if (ret >= 0)
			set_attrs((IsoNode *)link, 0777, b->sde);
		return ret;
	}
	if (it->first == it) {
		ret = mk_stream_for_item(b, it, &stream);
		if (ret < 0)
			return ret;
		it->stream = stream;
	} else {
		/* Same content as an earlier file: its stream, so one extent. */
		stream = it->first->stream;
		iso_stream_ref(stream);
	}
	ret = iso_image_add_new_file(b->image, dir, leaf, stream, &file);
	if (ret < 0) {
		iso_stream_unref(stream);
		if (it->first == it)
			it->stream = NULL;
		return ret;
	}
	set_attrs((IsoNode *)file, it->mode, b->sde);
	/* Data in destination order, the same weight for all names of a content. */
	iso_node_set_sort_weight((IsoNode *)file,
	                         WEIGHT_TOP - (int)(it->first - b->items));
	return 0;
}

/* A generated file: its stream makes the content when libisofs reads it. */
static int add_generated(struct build *b, struct parent_cache *pc, enum gen_file k)
{
	const char *leaf;
	IsoDir *dir;
	IsoFile *file;
	IsoStream *stream;
	int ret;

	ret = parent_dir(b->image, pc, b->gen[k].dest, b->sde, &dir, &leaf);
	if (ret < 0)
		return ret;
	ret = mk_stream_for_gen(b, k, &stream);
	if (ret < 0)
		return ret;
	ret = iso_image_add_new_file(b->image, dir, leaf, stream, &file);
	if (ret < 0) {
		iso_stream_unref(stream);
		return ret;
	}
	b->gen[k].stream = stream;
	set_attrs((IsoNode *)file, 0644, b->sde);
	iso_node_set_sort_weight((IsoNode *)file, -1 - (int)k);
	return 0;
}

int mk_make_image(struct build *b)
{
	struct parent_cache *pc;
	size_t i;
	int k, ret;

	ret = iso_init();
	if (ret < 0) {
		gt_err("libisofs: %s", iso_msg(ret));
		return MK_EXIT_FAILURE;
	}
	b->iso_started = true;
	/* Problems come back as return values and are reported by us. */
	iso_set_msgs_severities("SORRY", "NEVER", "mkisotool");
	/* Every time stamp libisofs takes by itself is the build's time. */
	iso_nowtime(&b->sde, 1);
	ret = iso_image_new(b->m->label, &b->image);
	if (ret < 0) {
		gt_err("libisofs: %s", iso_msg(ret));
		return MK_EXIT_FAILURE;
	}
	iso_image_set_data_preparer_id(b->image, PREPARER_ID);
	iso_image_set_application_id(b->image, "guest-tools");
	iso_image_set_system_id(b->image, "LINUX");
	iso_image_set_ignore_aclea(b->image, 3);
	iso_tree_set_follow_symlinks(b->image, 0);
	set_attrs((IsoNode *)iso_image_get_root(b->image), 0755, b->sde);
	pc = calloc(1, sizeof(*pc));
	if (!pc) {
		gt_err("out of memory");
		return MK_EXIT_FAILURE;
	}
	for (i = 0; i < b->n_items; i++) {
		ret = add_item(b, pc, &b->items[i]);
		if (ret < 0) {
			gt_err("%s: %s", b->items[i].dest, iso_msg(ret));
			free(pc);
			return MK_EXIT_FAILURE;
		}
	}
	for (k = 0; k < GEN_COUNT; k++) {
		if (!b->gen[k].present)
			continue;
		pc->dir = NULL; /* generated names do not come in order */
		ret = add_generated(b, pc, (enum gen_file)k);
		if (ret < 0) {
			gt_err("%s: %s", b->gen[k].dest, iso_msg(ret));
			free(pc);
			return MK_EXIT_FAILURE;
		}
	}
	free(pc);
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

/* True when the @n bytes at @buf are all zero (they become a hole). */
static bool all_zero(const unsigned char *buf, size_t n)
{
	const uint64_t *w = (const uint64_t *)(const void *)buf;
	size_t i;

	for (i = 0; i < n / 8; i++)
		if (w[i])
			return false;
	for (i = n / 8 * 8; i < n; i++)
		if (buf[i])
			return false;
	return true;
}

/*
 * Waits until libisofs' writer thread has @want bytes ready (or a quarter of
 * its buffer, or has ended). Reading sooner makes libisofs hand over every
 * 2 KiB block it writes through a futex wake-up of this thread; a poll every
 * millisecond costs at most a thousand wake-ups a second instead.
 */
static void wait_for_data(struct burn_source *src, size_t want)
{
	const struct timespec pause = { 0, 1000L * 1000 };

	for (;;) {
		size_t cap = 0, free_bytes = 0;
		int st = iso_ring_buffer_get_status(src, &cap, &free_bytes);

		if (st != 1 || cap - free_bytes >= want || cap - free_bytes >= cap / 4)
			return;
		nanosleep(&pause, NULL);
	}
}

/* What the streams found while libisofs read them, reported now. */
static int report_streams(struct build *b)
{
	size_t i;

	for (i = 0; i < b->n_items; i++) {
		const struct item *it = &b->items[i];

		if (it->first == it && it->read_error)
			mk_report_read(b, it);
	}
	if (b->gen_error)
		gt_err("%s: cannot make the generated files: %s", b->out,
		       gt_strerror(b->gen_error));
	if (b->problems || b->gen_error) {
		gt_err("%s: the image is not written", b->out);
		return b->problems ? b->exit_code : MK_EXIT_FAILURE;
	}
	return 0;
}

static void set_write_opts(struct build *b, IsoWriteOpts *opts)
{
	char uuid[80];
	struct tm tm;

	iso_write_opts_set_iso_level(opts, 3); /* files over 4 GiB, in 4 GiB extents */
	iso_write_opts_set_rockridge(opts, 1);
	iso_write_opts_set_joliet(opts, 1);
	/* What -joliet-long does in xorriso: names up to 103 characters, paths
	 * over 240 (manifest(5) bounds both for Windows). */
	iso_write_opts_set_joliet_long_names(opts, 1);
	iso_write_opts_set_joliet_longer_paths(opts, 1);
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
	/* 16 MiB between libisofs' writer thread (reading and hashing the
	 * inputs) and ours (writing): each waits less for the other. */
	iso_write_opts_set_fifo_size(opts, 8192);
	gmtime_r(&b->sde, &tm);
	snprintf(uuid, sizeof(uuid), "%04d%02d%02d%02d%02d%02d00", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	iso_write_opts_set_pvd_times(opts, b->sde, b->sde, 0, 0, uuid);
}

/*
 * Master the image into b->fd, hashing it as it goes (when the summary
 * shows the hash: not with --quiet alone); runs of zeros become
 * holes (a sparse input makes a sparse image). Returns 0, MK_EXIT_OUTPUT (a
 * write failed: disk full, I/O error), MK_EXIT_INPUT (a source changed) or
 * MK_EXIT_FAILURE (libisofs failed).
 */
int mk_master(struct build *b)
{
	enum { CHUNK = 512 * 2048 };
	struct burn_source *src = NULL;
	IsoWriteOpts *opts = NULL;
	struct gt_sha256 *h = NULL;
	unsigned char *buf = NULL;
	off_t total, done = 0;
	bool hole_at_end = false;
	int ret, rc = MK_EXIT_FAILURE;

	b->readbuf = malloc(MK_READ_CHUNK);
	buf = malloc(CHUNK);
	/* The image's sha256 is for the summary: not taken when none is shown. */
	h = b->quiet && !b->json ? NULL : gt_sha256_new();
	if (!b->readbuf || !buf || (!h && !(b->quiet && !b->json))) {
		gt_err("out of memory");
		goto out;
	}
	ret = iso_write_opts_new(&opts, 0);
	if (ret < 0)
		goto iso_fail;
	set_write_opts(b, opts);
	ret = iso_image_create_burn_source(b->image, opts, &src);
	if (ret < 0)
		goto iso_fail;
	total = src->get_size(src);
	while (done < total) {
		/*
		 * Ask for exactly what is left: libisofs answers a request past
		 * the end with end-of-file, not with a short last chunk.
		 */
		int want = total - done < CHUNK ? (int)(total - done) : CHUNK;
		int n;

		wait_for_data(src, (size_t)want);
		n = src->read_xt(src, buf, want);

		if (n <= 0) {
			gt_err("%s: the image ended after %lld of %lld bytes", b->out,
			       (long long)done, (long long)total);
			report_iso_msgs();
			goto out;
		}
		if (h)
			gt_sha256_update(h, buf, (size_t)n);
		hole_at_end = all_zero(buf, (size_t)n);
		if (hole_at_end) {
			if (lseek(b->fd, n, SEEK_CUR) < 0) {
				gt_err("%s: %s", b->out, strerror(errno));
				rc = MK_EXIT_OUTPUT;
				goto out;
			}
		} else if ((ret = gt_write_full(b->fd, buf, (size_t)n)) < 0) {
			gt_err("%s: write failed: %s", b->out, gt_strerror(ret));
			rc = MK_EXIT_OUTPUT;
			goto out;
		}
		done += n;
		mk_progress_update(&b->progress, "writing", (uint64_t)done,
		                   (uint64_t)total);
	}
	mk_progress_end(&b->progress);
	/* A hole at the end needs the size set; then everything to the disk. */
	if ((hole_at_end && ftruncate(b->fd, total) < 0) || fsync(b->fd) < 0) {
		gt_err("%s: %s", b->out, strerror(errno));
		rc = MK_EXIT_OUTPUT;
		goto out;
	}
	if (h)
		gt_sha256_final(h, b->sha256);
	h = NULL;
	b->iso_size = (uint64_t)total;
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
	free(b->readbuf);
	b->readbuf = NULL;
	iso_write_opts_free(opts);
	/* The writer thread is done: what its streams found can be read. */
	if (rc == 0)
		rc = report_streams(b);
	return rc;
}
