/* SPDX-License-Identifier: MIT */
/*
 * mkisotool verify: read an ISO back with libarchive (verify_image.c) and
 * check it against the Linux/MANIFEST, Linux/CONTENTS and SHA256SUMS found
 * on it: every file's SHA-256, size and mode, every link's target, nothing
 * on the image that they do not list.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "json.h"
#include "log.h"
#include "manifest.h"
#include "mkisotool.h"
#include "sha256.h"
#include "strv.h"
#include "verify.h"

static void check_entry(struct image *im, const struct gt_manifest_entry *e)
{
	struct image_entry *it = mk_image_find(im, e->dest);
	char want[GT_SHA256_HEX_LEN + 1], got[GT_SHA256_HEX_LEN + 1];

	if (!it) {
		mk_image_bad(im, e->dest, "missing from the image");
		return;
	}
	if (it->seen) {
		mk_image_bad(im, e->dest, "listed twice (in %s and %s)",
		             GT_MANIFEST_ISO_PATH, GT_MANIFEST_CONTENTS_PATH);
		return;
	}
	it->seen = true;
	if (e->type == GT_ENTRY_LINK) {
		if (it->type != AE_IFLNK)
			mk_image_bad(im, e->dest, "is %s, not a symbolic link",
			             mk_image_type_word(it->type));
		else if (strcmp(it->target, e->target) != 0)
			mk_image_bad(im, e->dest, "points to '%s', not '%s'", it->target,
			             e->target);
		return;
	}
	if (it->type != AE_IFREG) {
		mk_image_bad(im, e->dest, "is %s, not a file",
		             mk_image_type_word(it->type));
		return;
	}
	if (it->size != e->size)
		mk_image_bad(im, e->dest, "has %llu bytes, the manifest says %llu",
		             (unsigned long long)it->size, (unsigned long long)e->size);
	if (it->mode != e->mode)
		mk_image_bad(im, e->dest, "has mode %04o, the manifest says %04o",
		             it->mode, e->mode);
	if (memcmp(it->sha256, e->sha256, GT_SHA256_LEN) != 0) {
		gt_sha256_hex(e->sha256, want);
		gt_sha256_hex(it->sha256, got);
		mk_image_bad(im, e->dest, "sha256 %s, the manifest says %s", got, want);
	}
}

/* SHA256SUMS agrees with the files, and lists every file but itself. */
static void check_sums(struct image *im, struct image_entry *sums)
{
	char *p = sums->data, *end = sums->data + sums->data_len;
	size_t listed = 0, files = 0, i;
	unsigned line = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *path;
		uint8_t digest[GT_SHA256_LEN];
		struct image_entry *it;

		line++;
		if (!nl) {
			mk_image_bad(im, GT_MANIFEST_SUMS_PATH,
			             "line %u: no newline at the end", line);
			return;
		}
		*nl = '\0';
		if ((size_t)(nl - p) < GT_SHA256_HEX_LEN + 3 ||
		    p[GT_SHA256_HEX_LEN] != ' ' || p[GT_SHA256_HEX_LEN + 1] != ' ') {
			mk_image_bad(im, GT_MANIFEST_SUMS_PATH,
			             "line %u: not 'SHA256  PATH'", line);
			return;
		}
		p[GT_SHA256_HEX_LEN] = '\0';
		path = p + GT_SHA256_HEX_LEN + 2;
		if (gt_sha256_parse_hex(p, digest) < 0) {
			mk_image_bad(im, GT_MANIFEST_SUMS_PATH, "line %u: not a sha256",
			             line);
			return;
		}
		it = mk_image_find(im, path);
		if (!it || it->type != AE_IFREG)
			mk_image_bad(im, GT_MANIFEST_SUMS_PATH,
			             "line %u: %s is not a file in the image", line,
			             path);
		else if (memcmp(it->sha256, digest, GT_SHA256_LEN) != 0)
			mk_image_bad(im, path,
			             "its sha256 differs from SHA256SUMS line %u", line);
		else
			listed++;
		p = nl + 1;
	}
	for (i = 0; i < im->n; i++)
		if (im->items[i].type == AE_IFREG && &im->items[i] != sums)
			files++;
	if (listed != files)
		mk_image_bad(im, GT_MANIFEST_SUMS_PATH, "lists %zu of the %zu files",
		             listed, files);
}

/* Linux/MANIFEST.sig: well formed, and by @pubkey when one is given. */
static void check_sig(struct image *im, const struct image_entry *mi,
                      struct image_entry *si, const struct gt_sig_pubkey *pubkey,
                      char *sig_id)
{
	struct gt_sig sig;
	int ret;

	if (!si) {
		if (pubkey)
			mk_image_bad(
			        im, GT_MANIFEST_SIG_PATH,
			        "missing: the image is not signed (--pubkey requires it)");
		return;
	}
	si->seen = true;
	if (si->type != AE_IFREG || !si->data) {
		mk_image_bad(im, GT_MANIFEST_SIG_PATH, "not a small regular file");
		return;
	}
	if (si->mode != 0644)
		mk_image_bad(im, GT_MANIFEST_SIG_PATH, "has mode %04o, not 0644",
		             si->mode);
	ret = gt_sig_parse_sig(si->data, si->data_len, &sig);
	if (ret < 0) {
		mk_image_bad(im, GT_MANIFEST_SIG_PATH, "malformed: %s", gt_strerror(ret));
		return;
	}
	if (sig_id)
		memcpy(sig_id, sig.id, sizeof(sig.id));
	if (!pubkey)
		return;
	ret = gt_sig_verify(pubkey, mi->data, mi->data_len, &sig);
	if (ret == -GT_ENOTFOUND)
		mk_image_bad(im, GT_MANIFEST_SIG_PATH, "signed by key %s, not by key %s",
		             sig.id, pubkey->id);
	else if (ret < 0)
		mk_image_bad(im, GT_MANIFEST_SIG_PATH,
		             "bad signature: Linux/MANIFEST was altered after signing");
}

/* True when some path on the image lies below the directory @dir. */
static bool holds_something(const struct image *im, const char *dir)
{
	size_t n = strlen(dir), lo = 0, hi = im->n;

	/* The first path at or after "dir/" (im->items is sorted by strcmp). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *p = im->items[mid].path;
		int c = strncmp(p, dir, n);

		if (c < 0 || (c == 0 && (unsigned char)p[n] < '/'))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < im->n && strncmp(im->items[lo].path, dir, n) == 0 &&
	       im->items[lo].path[n] == '/';
}

/*
 * Linux/CONTENTS, when Linux/MANIFEST lists it (check_entry() has compared
 * its sha256 with the one there, which the signature covers): every entry
 * in it checked alike.
 */
static int check_contents(struct image *im, const struct gt_manifest *m)
{
	struct gt_manifest *c = NULL;
	struct gt_manifest_error perr;
	struct image_entry *ci;
	size_t i;
	int ret;

	if (!gt_manifest_find(m, GT_MANIFEST_CONTENTS_PATH))
		return 0;
	ci = mk_image_find(im, GT_MANIFEST_CONTENTS_PATH);
	if (!ci || !ci->data)
		return 0; /* reported by check_entry() */
	ret = gt_manifest_parse(ci->data, ci->data_len, GT_MANIFEST_CONTENTS, &c, &perr);
	if (ret == -ENOMEM)
		return ret;
	if (ret < 0) {
		mk_image_bad(im, GT_MANIFEST_CONTENTS_PATH, "line %u: %s", perr.line,
		             perr.msg);
		return 0;
	}
	for (i = 0; i < c->n_entries; i++)
		check_entry(im, &c->entries[i]);
	gt_manifest_free(c);
	return 0;
}

int mk_verify_image(const char *path, const char *display,
                    const struct gt_sig_pubkey *pubkey,
                    char sig_id[GT_SIG_ID_HEX_LEN + 1], struct mk_progress *progress,
                    size_t *files)
{
	struct image im;
	struct gt_manifest *m = NULL;
	struct gt_manifest_error perr;
	struct image_entry *mi, *si;
	uint64_t iso_size = 0;
	size_t i, n_files = 0;
	int ret;

	memset(&im, 0, sizeof(im));
	im.display = display;
	if (sig_id)
		sig_id[0] = '\0';
	if (mk_image_check_pvd(&im, path, NULL, &iso_size)) {
		ret = 1;
		goto out;
	}
	ret = mk_image_read(&im, path, MK_HASH_SHA256, progress, iso_size);
	if (ret)
		goto out;
	mi = mk_image_find(&im, GT_MANIFEST_ISO_PATH);
	si = mk_image_find(&im, GT_MANIFEST_SUMS_PATH);
	if (!mi || !mi->data) {
		mk_image_bad(&im, GT_MANIFEST_ISO_PATH,
		             "missing or too large: not a guest-tools image");
		goto done;
	}
	mi->seen = true;
	check_sig(&im, mi, mk_image_find(&im, GT_MANIFEST_SIG_PATH), pubkey, sig_id);
	ret = gt_manifest_parse(mi->data, mi->data_len, GT_MANIFEST_ISO, &m, &perr);
	if (ret == -ENOMEM)
		goto out;
	if (ret < 0) {
		mk_image_bad(&im, GT_MANIFEST_ISO_PATH, "line %u: %s", perr.line,
		             perr.msg);
		goto done;
	}
	if (mi->mode != 0644)
		mk_image_bad(&im, GT_MANIFEST_ISO_PATH, "has mode %04o, not 0644",
		             mi->mode);
	mk_image_check_pvd(&im, path, m->label, &iso_size);
	for (i = 0; i < m->n_entries; i++)
		check_entry(&im, &m->entries[i]);
	ret = check_contents(&im, m);
	if (ret < 0)
		goto out;
	if (!si || !si->data) {
		mk_image_bad(&im, GT_MANIFEST_SUMS_PATH, "missing or too large");
	} else {
		si->seen = true;
		if (si->mode != 0644)
			mk_image_bad(&im, GT_MANIFEST_SUMS_PATH,
			             "has mode %04o, not 0644", si->mode);
		check_sums(&im, si);
	}
	/* Nothing on the image that the manifests do not account for. */
	for (i = 0; i < im.n; i++) {
		struct image_entry *it = &im.items[i];

		if (it->type == AE_IFREG)
			n_files++;
		if (it->seen)
			continue;
		if (it->type == AE_IFDIR) {
			/* A directory must hold something: "w8" holds "w8/x", which
			 * need not come next ("w8.1" sorts between). */
			if (holds_something(&im, it->path))
				continue;
			mk_image_bad(&im, it->path,
			             "empty directory not in the manifest");
			continue;
		}
		mk_image_bad(&im, it->path, "%s not in the manifest",
		             mk_image_type_word(it->type));
	}
done:
	ret = im.problems ? 1 : 0;
	if (files)
		*files = n_files;
out:
	gt_manifest_free(m);
	mk_image_free(&im);
	return ret;
}

/* Moves the entries of @from to the end of @to. Returns 0 or -ENOMEM. */
static int append_entries(struct gt_manifest *to, struct gt_manifest *from)
{
	struct gt_manifest_entry *v;
	size_t n = to->n_entries + from->n_entries;

	v = realloc(to->entries, (n ? n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v + to->n_entries, from->entries, from->n_entries * sizeof(*v));
	to->entries = v;
	to->n_entries = n;
	from->n_entries = 0; /* they belong to @to now */
	return 0;
}

int mk_read_iso_manifest(const char *path, struct gt_manifest **out)
{
	struct image im;
	struct gt_manifest_error perr;
	struct gt_manifest *m = NULL, *c = NULL;
	struct image_entry *mi, *ci;
	uint64_t iso_size = 0;
	int ret;

	memset(&im, 0, sizeof(im));
	im.display = path;
	if (mk_image_check_pvd(&im, path, NULL, &iso_size)) {
		ret = MK_EXIT_VERIFY;
		goto out;
	}
	ret = mk_image_read(&im, path, MK_HASH_NONE, NULL, iso_size);
	if (ret) {
		ret = ret < 0 ? MK_EXIT_FAILURE : MK_EXIT_VERIFY;
		goto out;
	}
	mi = mk_image_find(&im, GT_MANIFEST_ISO_PATH);
	if (!mi || !mi->data) {
		mk_image_bad(&im, GT_MANIFEST_ISO_PATH,
		             "missing or too large: not a guest-tools image");
		ret = MK_EXIT_VERIFY;
		goto out;
	}
	ret = gt_manifest_parse(mi->data, mi->data_len, GT_MANIFEST_ISO, &m, &perr);
	if (ret < 0) {
		mk_image_bad(&im, GT_MANIFEST_ISO_PATH, "line %u: %s", perr.line,
		             perr.msg);
		ret = ret == -ENOMEM ? MK_EXIT_FAILURE : MK_EXIT_VERIFY;
		goto out;
	}
	/* Linux/CONTENTS, when listed: its entries after the manifest's. */
	ci = mk_image_find(&im, GT_MANIFEST_CONTENTS_PATH);
	if (gt_manifest_find(m, GT_MANIFEST_CONTENTS_PATH) && ci && ci->data) {
		ret = gt_manifest_parse(ci->data, ci->data_len, GT_MANIFEST_CONTENTS, &c,
		                        &perr);
		if (ret < 0) {
			mk_image_bad(&im, GT_MANIFEST_CONTENTS_PATH, "line %u: %s",
			             perr.line, perr.msg);
			ret = ret == -ENOMEM ? MK_EXIT_FAILURE : MK_EXIT_VERIFY;
			goto out;
		}
		if (append_entries(m, c) < 0) {
			gt_err("out of memory");
			ret = MK_EXIT_FAILURE;
			goto out;
		}
	}
	*out = m;
	m = NULL;
	ret = 0;
out:
	gt_manifest_free(c);
	gt_manifest_free(m);
	mk_image_free(&im);
	return ret;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "pubkey", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mk_progress pr;
	struct gt_sig_pubkey pk;
	const char *pubkey = NULL;
	char sig_id[GT_SIG_ID_HEX_LEN + 1] = "";
	bool quiet = false, json = false;
	size_t files = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'j':
			json = true;
			break;
		case 'k':
			pubkey = optarg;
			break;
		case 'h':
			printf("Usage: mkisotool verify [--quiet] [--json] [--pubkey KEY.pub] ISO\n\n"
			       "Reads ISO back and checks the volume size and label, and every\n"
			       "file against Linux/MANIFEST and SHA256SUMS on it. A\n"
			       "Linux/MANIFEST.sig must be well formed; with --pubkey it must be\n"
			       "there and a good signature by that key.\n"
			       "Exit 0 when it is good, 4 when not (see mkisotool(1)).\n\n"
			       "  -q, --quiet           print nothing when the image is good\n"
			       "      --json            print the result as one JSON document\n"
			       "      --pubkey KEY.pub  require a good signature by this key\n"
			       "  -h, --help            this text\n");
			return MK_EXIT_OK;
		default:
			fprintf(stderr, "Try 'mkisotool verify --help'.\n");
			return MK_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		gt_err("verify: expected one ISO\nTry 'mkisotool verify --help'.");
		return MK_EXIT_USAGE;
	}
	if (pubkey && mk_read_pubkey(pubkey, &pk) != 0)
		return MK_EXIT_INPUT;
	mk_progress_init(&pr, !quiet && !json && isatty(STDERR_FILENO));
	ret = mk_verify_image(argv[optind], argv[optind], pubkey ? &pk : NULL, sig_id,
	                      &pr, &files);
	if (ret < 0)
		return MK_EXIT_FAILURE;
	if (json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "iso", argv[optind]);
		gt_json_kv_bool(&j, "ok", ret == 0);
		gt_json_kv_uint(&j, "files", files);
		gt_json_kv_string(&j, "signed_by", sig_id[0] ? sig_id : NULL);
		gt_json_kv_bool(&j, "signature_verified", ret == 0 && pubkey);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	} else if (!quiet && ret == 0) {
		printf("%s: OK, %zu files verified", argv[optind], files);
		if (sig_id[0] && pubkey)
			printf(", manifest signed by key %s (verified)\n", sig_id);
		else if (sig_id[0])
			printf(", manifest signed by key %s (not checked: no --pubkey)\n",
			       sig_id);
		else
			printf(", manifest not signed\n");
	}
	return ret == 0 ? MK_EXIT_OK : MK_EXIT_VERIFY;
}
