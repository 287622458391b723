/* SPDX-License-Identifier: MIT */
/*
 * The build's read-back: the temporary output read with libarchive (an
 * implementation independent of libisofs) in one sequential pass, each
 * path compared as it streams by (nothing of the image is kept) with what
 * the build meant to write:
 *   - each item's type, mode, size and link target;
 *   - each file's content, by the XXH3-128 taken of the very bytes whose
 *     SHA-256 went into the manifests (build_hash.c, build_stream.c): a
 *     second SHA-256 of everything would cost as much as the first and
 *     prove nothing more about the image;
 *   - the generated files by the XXH3-128 of what was made for them, and
 *     Linux/MANIFEST parsed as the installer will parse it;
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

/* What the read-back keeps while the image streams by. */
struct readback {
	struct build *b;
	XXH128_hash_t *got; /* per item: the XXH3 of the data at its path */
	bool *seen;         /* per item */
	bool gen_seen[GEN_COUNT];
	size_t files;
};

static const struct gen *gen_at(const struct build *b, const char *path)
{
	int k;

	for (k = 0; k < GEN_COUNT; k++)
		if (b->gen[k].present && strcmp(path, b->gen[k].dest) == 0)
			return &b->gen[k];
	return NULL;
}

/* A generated file: exactly the bytes made for it, mode 0644. */
static void check_generated(struct readback *rb, struct image *im,
                            const struct image_entry *e, const struct gen *g)
{
	bool *seen = &rb->gen_seen[g - rb->b->gen];

	if (*seen) {
		mk_image_bad(im, e->path, "appears twice in the image");
		return;
	}
	*seen = true;
	if (e->type != AE_IFREG || e->hardlink)
		mk_image_bad(im, e->path, "is %s, not a file of its own",
		             mk_image_type_word(e->type));
	else if (e->size != g->size || !XXH128_isEqual(e->xxh, g->xxh))
		mk_image_bad(im, e->path, "differs from what was written");
	else if (e->mode != 0644)
		mk_image_bad(im, e->path, "has mode %04o, not 0644", e->mode);
}

/* One item: what the image holds at its path is what the build wrote. */
static void check_item(struct readback *rb, struct image *im, struct item *it,
                       const struct image_entry *e)
{
	size_t i = (size_t)(it - rb->b->items);
	XXH128_hash_t xxh = e->xxh;
	uint64_t size = e->size;

	if (rb->seen[i]) {
		mk_image_bad(im, e->path, "appears twice in the image");
		return;
	}
	rb->seen[i] = true;
	if (it->type == GT_ENTRY_LINK) {
		if (e->type != AE_IFLNK)
			mk_image_bad(im, e->path, "is %s, not a symbolic link",
			             mk_image_type_word(e->type));
		else if (strcmp(e->target, it->target) != 0)
			mk_image_bad(im, e->path, "points to '%s', not '%s'", e->target,
			             it->target);
		return;
	}
	if (e->type != AE_IFREG) {
		mk_image_bad(im, e->path, "is %s, not a file",
		             mk_image_type_word(e->type));
		return;
	}
	if (e->hardlink) {
		/* Data shared with a path read before: that one's. */
		struct item *t = mk_item_at(rb->b, e->hardlink);

		if (!t || t->type == GT_ENTRY_LINK || !rb->seen[t - rb->b->items]) {
			mk_image_bad(im, e->path,
			             "hard link to %s, which holds no data read before",
			             e->hardlink);
			return;
		}
		xxh = rb->got[t - rb->b->items];
		size = t->size;
	}
	rb->got[i] = xxh;
	if (size != it->size)
		mk_image_bad(im, e->path, "has %llu bytes, not %llu",
		             (unsigned long long)size, (unsigned long long)it->size);
	else if (e->mode != it->mode)
		mk_image_bad(im, e->path, "has mode %04o, not %04o", e->mode, it->mode);
	else if (!XXH128_isEqual(xxh, it->first->xxh))
		mk_image_bad(im, e->path, "its content is not what was read from %s",
		             it->first->dest);
}

static void on_entry(void *ctx, struct image *im, struct image_entry *e)
{
	struct readback *rb = ctx;
	struct build *b = rb->b;
	const struct gen *g = gen_at(b, e->path);
	struct item *it;

	if (e->type == AE_IFREG)
		rb->files++;
	if (g) {
		check_generated(rb, im, e, g);
		return;
	}
	it = mk_item_at(b, e->path);
	if (it)
		check_item(rb, im, it, e);
	else if (e->type != AE_IFDIR)
		mk_image_bad(im, e->path, "%s the build did not write",
		             mk_image_type_word(e->type));
	else if (!mk_on_image(b, e->path))
		mk_image_bad(im, e->path, "a directory the build did not make");
	else if (e->mode != 0755)
		mk_image_bad(im, e->path, "has mode %04o, not 0755", e->mode);
}

/* Linux/MANIFEST as the installer reads it: parses, within its bound. */
static void check_manifest_parses(struct build *b, struct image *im)
{
	const struct gen *g = &b->gen[GEN_MANIFEST];
	struct gt_manifest *m = NULL;
	struct gt_manifest_error perr;
	int ret = gt_manifest_parse(g->data, g->size, GT_MANIFEST_ISO, &m, &perr);

	if (ret < 0)
		mk_image_bad(im, GT_MANIFEST_ISO_PATH, "line %u: %s", perr.line,
		             perr.msg);
	gt_manifest_free(m);
}

/* With --sign: the signature written verifies with the key's public half. */
static void check_signature(struct build *b, struct image *im)
{
	const struct gen *m = &b->gen[GEN_MANIFEST], *g = &b->gen[GEN_SIG];
	struct gt_sig sig;

	if (!g->present)
		return;
	if (!g->data || gt_sig_parse_sig(g->data, g->size, &sig) < 0 ||
	    gt_sig_verify(&b->pk, m->data, m->size, &sig) < 0)
		mk_image_bad(im, GT_MANIFEST_SIG_PATH,
		             "does not verify with the public half of %s", b->sign_key);
}

int mk_read_back(struct build *b, const char *path)
{
	struct image im;
	struct readback rb;
	struct image_sink sink = { on_entry, &rb };
	uint64_t iso_size = 0;
	size_t i;
	int ret, rc = MK_EXIT_VERIFY;

	memset(&im, 0, sizeof(im));
	memset(&rb, 0, sizeof(rb));
	im.display = b->out;
	rb.b = b;
	mk_progress_init(&b->progress, b->progress.enabled);
	rb.got = calloc(b->n_items ? b->n_items : 1, sizeof(*rb.got));
	rb.seen = calloc(b->n_items ? b->n_items : 1, sizeof(*rb.seen));
	if (!rb.got || !rb.seen) {
		gt_err("out of memory");
		rc = MK_EXIT_FAILURE;
		goto out;
	}
	if (mk_image_check_pvd(&im, path, b->m->label, &iso_size))
		goto out;
	if (iso_size != b->iso_size)
		mk_image_bad(&im, NULL, "has %llu bytes, %llu were written",
		             (unsigned long long)iso_size,
		             (unsigned long long)b->iso_size);
	ret = mk_image_stream(&im, path, MK_HASH_XXH3, &b->progress, iso_size, &sink);
	if (ret < 0) {
		rc = MK_EXIT_FAILURE;
		goto out;
	}
	if (ret)
		goto out;
	for (i = 0; i < b->n_items; i++)
		if (!rb.seen[i])
			mk_image_bad(&im, b->items[i].dest, "missing from the image");
	for (i = 0; i < GEN_COUNT; i++)
		if (b->gen[i].present && !rb.gen_seen[i])
			mk_image_bad(&im, b->gen[i].dest, "missing from the image");
	check_manifest_parses(b, &im);
	check_signature(b, &im);
	b->files = rb.files;
	if (!im.problems)
		rc = 0;
out:
	free(rb.got);
	free(rb.seen);
	mk_image_free(&im);
	return rc;
}
