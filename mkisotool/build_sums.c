/* SPDX-License-Identifier: MIT */
/*
 * What the build adds to the image: Linux/MANIFEST (the build manifest with
 * every size, sha256 and mode filled in), Linux/MANIFEST.sig with --sign,
 * and SHA256SUMS over every file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "log.h"

struct sum_line {
	const char *path;
	uint8_t sha256[GT_SHA256_LEN];
};

static int cmp_sum_line(const void *a, const void *b)
{
	return strcmp(((const struct sum_line *)a)->path,
	              ((const struct sum_line *)b)->path);
}

/* SHA256SUMS: "HEX  PATH" for every file, sorted, in sha256sum -c format. */
static int make_sums(struct build *b, const char *manifest_buf, size_t manifest_len,
                     const char *sig_buf, size_t sig_len, char **out, size_t *out_len)
{
	struct sum_line *lines;
	size_t i, n = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;

	lines = calloc(b->n_inputs + 2, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (i = 0; i < b->n_inputs; i++) {
		lines[n].path = b->inputs[i].e->dest;
		memcpy(lines[n++].sha256, b->inputs[i].sha256, GT_SHA256_LEN);
	}
	lines[n].path = GT_MANIFEST_ISO_PATH;
	gt_sha256_buf(manifest_buf, manifest_len, lines[n++].sha256);
	if (sig_buf) {
		lines[n].path = GT_MANIFEST_SIG_PATH;
		gt_sha256_buf(sig_buf, sig_len, lines[n++].sha256);
	}
	qsort(lines, n, sizeof(*lines), cmp_sum_line);
	fp = open_memstream(&buf, &len);
	if (!fp) {
		free(lines);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		char hex[GT_SHA256_HEX_LEN + 1];

		gt_sha256_hex(lines[i].sha256, hex);
		fprintf(fp, "%s  %s\n", hex, lines[i].path);
	}
	free(lines);
	if (fclose(fp) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

/* The on-ISO manifest: the build manifest with size, sha256 and mode filled in. */
static int make_iso_manifest(struct build *b, char **buf, size_t *len)
{
	struct gt_manifest iso;
	size_t i;

	for (i = 0; i < b->n_inputs; i++) {
		struct gt_manifest_entry *e = b->inputs[i].e;

		e->size = b->inputs[i].size;
		e->has_size = true;
		memcpy(e->sha256, b->inputs[i].sha256, GT_SHA256_LEN);
		e->has_sha256 = true;
	}
	iso = *b->m;
	iso.kind = GT_MANIFEST_ISO;
	iso.version = b->version;
	iso.source_dir = NULL;
	/* When it was built (SOURCE_DATE_EPOCH when given): signed with the rest. */
	iso.has_built = true;
	iso.built = (long long)b->sde;
	return gt_manifest_format(&iso, buf, len);
}

int mk_make_sums(struct build *b)
{
	int ret;

	ret = make_iso_manifest(b, &b->iso_manifest, &b->iso_manifest_len);
	if (ret < 0) {
		gt_err("%s: cannot write the on-ISO manifest: %s", b->manifest_path,
		       gt_strerror(ret));
		return MK_EXIT_FAILURE;
	}
	if (b->sign_key) {
		struct gt_sig sig;

		b->sig_text = malloc(GT_SIG_MAX_FILE);
		if (!b->sig_text ||
		    gt_sig_sign(&b->sk, b->iso_manifest, b->iso_manifest_len, &sig) < 0 ||
		    (ret = gt_sig_format_sig(&sig, b->sig_text, GT_SIG_MAX_FILE)) < 0) {
			gt_err("%s: cannot sign the manifest", b->sign_key);
			return MK_EXIT_FAILURE;
		}
		b->sig_len = (size_t)ret;
		gt_info("%s: signed by key %s", GT_MANIFEST_SIG_PATH, sig.id);
	}
	ret = make_sums(b, b->iso_manifest, b->iso_manifest_len, b->sig_text, b->sig_len,
	                &b->sums, &b->sums_len);
	if (ret < 0) {
		gt_err("out of memory");
		return MK_EXIT_FAILURE;
	}
	return 0;
}
