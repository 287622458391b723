/* SPDX-License-Identifier: MIT */
/*
 * The image, mastered with the libisofs C API straight from the source files
 * (no staging tree): files with equal content share one libisofs stream and
 * so one extent. Every node is owned by root, stamped with the build's time.
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

int mk_make_image(struct build *b)
{
	struct node *nodes;
	size_t i, n_nodes = 0;
	int ret;

	nodes = b->nodes = calloc(b->m->n_entries + 3, sizeof(*nodes));
	if (!nodes) {
		gt_err("out of memory");
		return MK_EXIT_FAILURE;
	}
	for (i = 0; i < b->n_inputs; i++) {
		nodes[n_nodes].dest = b->inputs[i].e->dest;
		nodes[n_nodes].type = b->inputs[i].e->type;
		nodes[n_nodes++].in = &b->inputs[i];
	}
	for (i = 0; i < b->m->n_entries; i++) {
		if (b->m->entries[i].type != GT_ENTRY_LINK)
			continue;
		nodes[n_nodes].dest = b->m->entries[i].dest;
		nodes[n_nodes].type = GT_ENTRY_LINK;
		nodes[n_nodes++].target = b->m->entries[i].target;
	}
	nodes[n_nodes].dest = GT_MANIFEST_ISO_PATH;
	nodes[n_nodes].mem = (unsigned char *)b->iso_manifest;
	nodes[n_nodes++].mem_len = b->iso_manifest_len;
	b->iso_manifest = NULL; /* owned by the node, then by libisofs */
	nodes[n_nodes].dest = GT_MANIFEST_SUMS_PATH;
	nodes[n_nodes].mem = (unsigned char *)b->sums;
	nodes[n_nodes++].mem_len = b->sums_len;
	b->sums = NULL;
	if (b->sig_text) {
		nodes[n_nodes].dest = GT_MANIFEST_SIG_PATH;
		nodes[n_nodes].mem = (unsigned char *)b->sig_text;
		nodes[n_nodes++].mem_len = b->sig_len;
		b->sig_text = NULL;
	}
	b->n_nodes = n_nodes;
	qsort(nodes, n_nodes, sizeof(*nodes), cmp_node);
	/* The on-ISO manifest again, for the read-back comparison. */
	for (i = 0; i < n_nodes; i++)
		if (strcmp(nodes[i].dest, GT_MANIFEST_ISO_PATH) == 0) {
			b->iso_manifest = malloc(nodes[i].mem_len ? nodes[i].mem_len : 1);
			if (!b->iso_manifest) {
				gt_err("out of memory");
				return MK_EXIT_FAILURE;
			}
			memcpy(b->iso_manifest, nodes[i].mem, nodes[i].mem_len);
			b->iso_manifest_len = nodes[i].mem_len;
			break; /* dests are unique */
		}

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
	if (add_nodes(b, b->image, nodes, n_nodes) < 0)
		return MK_EXIT_FAILURE;
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
 * Master the image into b->fd. Returns 0, MK_EXIT_OUTPUT (a write
 * failed: disk full, I/O error) or MK_EXIT_FAILURE (libisofs failed).
 */
int mk_master(struct build *b)
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
	ret = iso_image_create_burn_source(b->image, opts, &src);
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
		ret = gt_write_full(b->fd, buf, (size_t)n);
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
	if (fsync(b->fd) < 0) {
		gt_err("%s: %s", b->out, strerror(errno));
		rc = MK_EXIT_OUTPUT;
		goto out;
	}
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
	iso_write_opts_free(opts);
	return rc;
}
