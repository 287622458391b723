/* SPDX-License-Identifier: MIT */
/*
 * The build's read-back: the temporary output read with libarchive (an
 * implementation independent of libisofs) in one sequential pass, and
 * every path on it compared with what the build meant to write:
 *   - each item's type, mode, size and link target;
 *   - each file's content, by the XXH3-128 taken of the very bytes whose
 *     SHA-256 went into the manifests (build_hash.c, build_stream.c): a
 *     second SHA-256 of everything would cost as much as the first and
 *     prove nothing more about the image;
 *   - the generated files byte for byte, and Linux/MANIFEST parsed as the
 *     installer will parse it;
 *   - nothing else on the image but the directories that hold these.
 * `mkisotool verify` (verify.c) checks an image against its own manifests
 * with SHA-256, for images whose build is not at hand.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "log.h"
#include "verify.h"

/* The item at @path (b->items sorted), or NULL. */
static struct item *find_item(struct build *b, const char *path)
{
	size_t lo = 0, hi = b->n_items;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(b->items[mid].dest, path);

		if (c == 0)
			return &b->items[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A generated file: exactly the bytes made for it, mode 0644. */
static bool check_generated(struct build *b, struct image *im, struct image_entry *e)
{
	int k;

	for (k = 0; k < GEN_COUNT; k++) {
		const struct gen *g = &b->gen[k];

		if (!g->present || strcmp(e->path, g->dest) != 0)
			continue;
		if (e->type != AE_IFREG)
			mk_image_bad(im, e->path, "is %s, not a file",
			             mk_image_type_word(e->type));
		else if (!e->data || e->data_len != g->size ||
		         memcmp(e->data, g->data, g->size) != 0)
			mk_image_bad(im, e->path, "differs from what was written");
		else if (e->mode != 0644)
			mk_image_bad(im, e->path, "has mode %04o, not 0644", e->mode);
		return true;
	}
	return false;
}

/* One item: what the image holds at its path is what the build wrote. */
static void check_item(struct image *im, const struct item *it,
                       const struct image_entry *e)
{
	if (it->type == GT_ENTRY_LINK) {
		if (e->type != AE_IFLNK)
			mk_image_bad(im, e->path, "is %s, not a symbolic link",
			             mk_image_type_word(e->type));
		else if (strcmp(e->target, it->target) != 0)
			mk_image_bad(im, e->path, "points to '%s', not '%s'", e->target,
			             it->target);
		return;
	}
	if (e->type != AE_IFREG)
		mk_image_bad(im, e->path, "is %s, not a file", mk_image_type_word(e->type));
	else if (e->size != it->size)
		mk_image_bad(im, e->path, "has %llu bytes, not %llu",
		             (unsigned long long)e->size, (unsigned long long)it->size);
	else if (e->mode != it->mode)
		mk_image_bad(im, e->path, "has mode %04o, not %04o", e->mode, it->mode);
	else if (!XXH128_isEqual(e->xxh, it->first->xxh))
		mk_image_bad(im, e->path, "its content is not what was read from %s",
		             it->first->dest);
}

/* Linux/MANIFEST as the installer reads it: parses, within its bound. */
static void check_manifest_parses(struct build *b, struct image *im)
{
	const struct gen *g = &b->gen[GEN_MANIFEST];
	struct gt_manifest *m = NULL;
	struct gt_manifest_error perr;
	int ret = gt_manifest_parse(g->data, g->size, GT_MANIFEST_ISO, &m, &perr);

	if (ret < 0)
		mk_image_bad(im, GT_MANIFEST_ISO_PATH, "line %u: %s", perr.line, perr.msg);
	gt_manifest_free(m);
}

int mk_read_back(struct build *b, const char *path)
{
	struct image im;
	bool *seen = NULL;
	uint64_t iso_size = 0;
	size_t i, files = 0;
	int ret, rc = MK_EXIT_VERIFY;

	memset(&im, 0, sizeof(im));
	im.display = b->out;
	mk_progress_init(&b->progress, b->progress.enabled);
	if (mk_image_check_pvd(&im, path, b->m->label, &iso_size))
		goto out;
	if (iso_size != b->iso_size)
		mk_image_bad(&im, NULL, "has %llu bytes, %llu were written",
		             (unsigned long long)iso_size, (unsigned long long)b->iso_size);
	ret = mk_image_read(&im, path, MK_HASH_XXH3, &b->progress, iso_size);
	if (ret < 0) {
		rc = MK_EXIT_FAILURE;
		goto out;
	}
	if (ret)
		goto out;
	seen = calloc(b->n_items ? b->n_items : 1, sizeof(*seen));
	if (!seen) {
		gt_err("out of memory");
		rc = MK_EXIT_FAILURE;
		goto out;
	}
	for (i = 0; i < im.n; i++) {
		struct image_entry *e = &im.items[i];
		struct item *it;

		if (e->type == AE_IFREG)
			files++;
		if (check_generated(b, &im, e))
			continue;
		it = find_item(b, e->path);
		if (it) {
			seen[it - b->items] = true;
			check_item(&im, it, e);
		} else if (e->type != AE_IFDIR) {
			mk_image_bad(&im, e->path, "%s the build did not write",
			             mk_image_type_word(e->type));
		} else if (!mk_on_image(b, e->path)) {
			mk_image_bad(&im, e->path, "a directory the build did not make");
		} else if (e->mode != 0755) {
			mk_image_bad(&im, e->path, "has mode %04o, not 0755", e->mode);
		}
	}
	for (i = 0; i < b->n_items; i++)
		if (!seen[i])
			mk_image_bad(&im, b->items[i].dest, "missing from the image");
	for (i = 0; i < GEN_COUNT; i++)
		if (b->gen[i].present && !mk_image_find(&im, b->gen[i].dest))
			mk_image_bad(&im, b->gen[i].dest, "missing from the image");
	check_manifest_parses(b, &im);
	b->files = files;
	if (!im.problems)
		rc = 0;
out:
	free(seen);
	mk_image_free(&im);
	return rc;
}
