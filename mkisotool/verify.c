/* SPDX-License-Identifier: MIT */
/*
 * mkisotool verify: read an ISO back with libarchive, which is an
 * implementation independent of libisofs (the writer), and check it against
 * the Linux/MANIFEST and SHA256SUMS found on it.
 *
 * Things libarchive's ISO 9660 reader does that matter here: entries come in
 * on-disk order (we sort them), paths may start with "./", and files that
 * share one extent (our deduplicated ones) come back as hard-link entries of
 * size 0 naming the first one (we take the first one's hash).
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

#define MAX_REPORTED 50

struct item {
	char *path;
	mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, or anything else */
	uint64_t size;
	unsigned mode;
	char *target;   /* symbolic links */
	char *hardlink; /* a hard-link entry: the path holding the data */
	uint8_t sha256[GT_SHA256_LEN];
	char *data; /* Linux/MANIFEST and SHA256SUMS: the content */
	size_t data_len;
	bool seen; /* matched by a manifest entry */
};

struct image {
	const char *display;
	struct item *items;
	size_t n, cap;
	unsigned problems;
};

static void bad(struct image *im, const char *path, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void bad(struct image *im, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (im->problems++ >= MAX_REPORTED) {
		if (im->problems == MAX_REPORTED + 1)
			gt_err("%s: more problems not shown", im->display);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path)
		gt_err("%s: %s: %s", im->display, path, msg);
	else
		gt_err("%s: %s", im->display, msg);
}

static void image_free(struct image *im)
{
	size_t i;

	for (i = 0; i < im->n; i++) {
		free(im->items[i].path);
		free(im->items[i].target);
		free(im->items[i].hardlink);
		free(im->items[i].data);
	}
	free(im->items);
	im->items = NULL;
	im->n = im->cap = 0;
}

/* "./a/b/" -> "a/b" (newly allocated). */
static char *clean_path(const char *p)
{
	size_t n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	return strndup(p, n);
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path, ((const struct item *)b)->path);
}

static struct item *find_item(struct image *im, const char *path)
{
	struct item key;

	if (im->n == 0) /* no array to search (bsearch wants one) */
		return NULL;
	memset(&key, 0, sizeof(key));
	key.path = (char *)path;
	return bsearch(&key, im->items, im->n, sizeof(*im->items), cmp_item);
}

static bool keep_data(const char *path)
{
	return strcmp(path, GT_MANIFEST_ISO_PATH) == 0 ||
	       strcmp(path, GT_MANIFEST_SUMS_PATH) == 0 ||
	       strcmp(path, GT_MANIFEST_SIG_PATH) == 0;
}

/* Reads one regular file's data: hash it, keep it when it is one of ours. */
static int read_data(struct image *im, struct archive *a, struct item *it,
                     struct mk_progress *pr, uint64_t iso_size, bool hash)
{
	enum { CHUNK = 1 << 16 };
	struct gt_sha256 *h = NULL;
	char *buf = NULL;
	uint64_t got = 0;
	bool keep = keep_data(it->path) && it->size <= GT_MANIFEST_MAX_SIZE;
	int ret = -ENOMEM;

	if (!hash && !keep)
		return 0;
	buf = malloc(CHUNK);
	h = gt_sha256_new();
	if (keep)
		it->data = malloc(it->size + 1);
	if (!buf || !h || (keep && !it->data))
		goto out;
	/* Read exactly the file's size: the reader's idea of end of file is not trusted.
	 */
	while (got < it->size) {
		size_t want = it->size - got < CHUNK ? (size_t)(it->size - got) : CHUNK;
		la_ssize_t n = archive_read_data(a, buf, want);

		if (n < 0) {
			bad(im, it->path, "unreadable: %s", archive_error_string(a));
			break;
		}
		if (n == 0) {
			bad(im, it->path, "ends after %llu of %llu bytes",
			    (unsigned long long)got, (unsigned long long)it->size);
			break;
		}
		gt_sha256_update(h, buf, (size_t)n);
		if (keep)
			memcpy(it->data + got, buf, (size_t)n);
		got += (uint64_t)n;
		mk_progress_update(pr, "verifying", (uint64_t)archive_filter_bytes(a, -1),
		                   iso_size);
	}
	if (keep) {
		it->data_len = (size_t)got;
		it->data[got] = '\0';
	}
	gt_sha256_final(h, it->sha256);
	h = NULL;
	ret = 0;
out:
	gt_sha256_free(h);
	free(buf);
	return ret;
}

/*
 * Reads every entry of the ISO at @path into @im, sorted by path. With
 * @hash false only our two files are read (for ls). Returns 0, 1 when the
 * image cannot be read at all (reported), -ENOMEM.
 */
static int read_image(struct image *im, const char *path, bool hash,
                      struct mk_progress *pr, uint64_t iso_size)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t i;
	int r, ret = -ENOMEM;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_iso9660(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		bad(im, NULL, "not readable as an ISO image: %s",
		    archive_error_string(a));
		ret = 1;
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		struct item *it;
		const char *hl, *sl;

		if (r == ARCHIVE_WARN) {
			bad(im, NULL, "%s", archive_error_string(a));
		} else if (r != ARCHIVE_OK) {
			bad(im, NULL, "unreadable: %s", archive_error_string(a));
			ret = 1;
			goto out;
		}
		if (im->n == im->cap) {
			size_t cap = im->cap ? im->cap * 2 : 64;
			struct item *bigger = realloc(im->items, cap * sizeof(*bigger));

			if (!bigger)
				goto out;
			im->items = bigger;
			im->cap = cap;
		}
		it = &im->items[im->n];
		memset(it, 0, sizeof(*it));
		it->path = clean_path(archive_entry_pathname(e));
		if (!it->path)
			goto out;
		if (it->path[0] == '\0' || strcmp(it->path, ".") == 0) {
			free(it->path); /* the root directory */
			continue;
		}
		im->n++;
		it->type = archive_entry_filetype(e);
		it->mode = archive_entry_perm(e) & 07777;
		it->size = archive_entry_size_is_set(e) ? (uint64_t)archive_entry_size(e)
		                                        : 0;
		hl = archive_entry_hardlink(e);
		sl = archive_entry_symlink(e);
		if (hl) {
			it->hardlink = clean_path(hl);
			if (!it->hardlink)
				goto out;
			it->type = AE_IFREG;
		} else if (sl) {
			it->target = strdup(sl);
			if (!it->target)
				goto out;
		} else if (it->type == AE_IFREG) {
			if (read_data(im, a, it, pr, iso_size, hash) < 0)
				goto out;
		}
	}
	mk_progress_end(pr);
	if (im->n > 0) /* an empty image has no array (qsort wants one) */
		qsort(im->items, im->n, sizeof(*im->items), cmp_item);
	for (i = 0; i + 1 < im->n; i++)
		if (strcmp(im->items[i].path, im->items[i + 1].path) == 0)
			bad(im, im->items[i].path, "appears twice in the image");
	/* A hard link's data is its target's. */
	for (i = 0; i < im->n; i++) {
		struct item *it = &im->items[i], *t;

		if (!it->hardlink)
			continue;
		t = find_item(im, it->hardlink);
		if (!t || t->type != AE_IFREG || t->hardlink) {
			bad(im, it->path, "hard link to missing file %s", it->hardlink);
			continue;
		}
		it->size = t->size;
		memcpy(it->sha256, t->sha256, GT_SHA256_LEN);
		if (t->data) {
			it->data = malloc(t->data_len + 1);
			if (!it->data)
				goto out;
			memcpy(it->data, t->data, t->data_len + 1);
			it->data_len = t->data_len;
		}
	}
	ret = 0;
out:
	if (ret < 0)
		gt_err("out of memory");
	archive_read_free(a);
	return ret;
}

/* The primary volume descriptor: label and size. Returns 0 or 1 (reported). */
static int check_pvd(struct image *im, const char *path, const char *label,
                     uint64_t *iso_size)
{
	unsigned char pvd[2048];
	char volid[33];
	uint64_t blocks;
	unsigned block_size;
	struct stat st;
	int fd, n, ret = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		bad(im, NULL, "%s", strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		bad(im, NULL, "not a regular file");
		goto out;
	}
	*iso_size = (uint64_t)st.st_size;
	if (pread(fd, pvd, sizeof(pvd), (off_t)16 * 2048) != (ssize_t)sizeof(pvd) ||
	    pvd[0] != 1 || memcmp(pvd + 1, "CD001", 5) != 0) {
		bad(im, NULL, "no ISO 9660 primary volume descriptor");
		goto out;
	}
	block_size = (unsigned)pvd[128] | (unsigned)pvd[129] << 8;
	blocks = (uint64_t)pvd[80] | (uint64_t)pvd[81] << 8 | (uint64_t)pvd[82] << 16 |
	         (uint64_t)pvd[83] << 24;
	if (blocks * block_size != (uint64_t)st.st_size)
		bad(im, NULL,
		    "the file has %llu bytes but the volume descriptor says %llu blocks of %u (%llu bytes)",
		    (unsigned long long)st.st_size, (unsigned long long)blocks,
		    block_size, (unsigned long long)blocks * block_size);
	memcpy(volid, pvd + 40, 32);
	for (n = 32; n > 0 && volid[n - 1] == ' '; n--)
		;
	volid[n] = '\0';
	if (label && strcmp(volid, label) != 0)
		bad(im, NULL, "the volume label is '%s', the manifest says '%s'", volid,
		    label);
	ret = 0;
out:
	close(fd);
	return ret;
}

static const char *type_word(mode_t t)
{
	switch (t) {
	case AE_IFREG:
		return "a file";
	case AE_IFDIR:
		return "a directory";
	case AE_IFLNK:
		return "a symbolic link";
	default:
		return "a special file";
	}
}

static void check_entry(struct image *im, const struct gt_manifest_entry *e)
{
	struct item *it = find_item(im, e->dest);
	char want[GT_SHA256_HEX_LEN + 1], got[GT_SHA256_HEX_LEN + 1];

	if (!it) {
		bad(im, e->dest, "missing from the image");
		return;
	}
	it->seen = true;
	if (e->type == GT_ENTRY_LINK) {
		if (it->type != AE_IFLNK)
			bad(im, e->dest, "is %s, not a symbolic link",
			    type_word(it->type));
		else if (strcmp(it->target, e->target) != 0)
			bad(im, e->dest, "points to '%s', not '%s'", it->target,
			    e->target);
		return;
	}
	if (it->type != AE_IFREG) {
		bad(im, e->dest, "is %s, not a file", type_word(it->type));
		return;
	}
	if (it->size != e->size)
		bad(im, e->dest, "has %llu bytes, the manifest says %llu",
		    (unsigned long long)it->size, (unsigned long long)e->size);
	if (it->mode != e->mode)
		bad(im, e->dest, "has mode %04o, the manifest says %04o", it->mode,
		    e->mode);
	if (memcmp(it->sha256, e->sha256, GT_SHA256_LEN) != 0) {
		gt_sha256_hex(e->sha256, want);
		gt_sha256_hex(it->sha256, got);
		bad(im, e->dest, "sha256 %s, the manifest says %s", got, want);
	}
}

/* SHA256SUMS agrees with the files, and lists every file but itself. */
static void check_sums(struct image *im, struct item *sums)
{
	char *p = sums->data, *end = sums->data + sums->data_len;
	size_t listed = 0, files = 0, i;
	unsigned line = 0;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *path;
		uint8_t digest[GT_SHA256_LEN];
		struct item *it;

		line++;
		if (!nl) {
			bad(im, GT_MANIFEST_SUMS_PATH, "line %u: no newline at the end",
			    line);
			return;
		}
		*nl = '\0';
		if ((size_t)(nl - p) < GT_SHA256_HEX_LEN + 3 ||
		    p[GT_SHA256_HEX_LEN] != ' ' || p[GT_SHA256_HEX_LEN + 1] != ' ') {
			bad(im, GT_MANIFEST_SUMS_PATH, "line %u: not 'SHA256  PATH'",
			    line);
			return;
		}
		p[GT_SHA256_HEX_LEN] = '\0';
		path = p + GT_SHA256_HEX_LEN + 2;
		if (gt_sha256_parse_hex(p, digest) < 0) {
			bad(im, GT_MANIFEST_SUMS_PATH, "line %u: not a sha256", line);
			return;
		}
		it = find_item(im, path);
		if (!it || it->type != AE_IFREG)
			bad(im, GT_MANIFEST_SUMS_PATH,
			    "line %u: %s is not a file in the image", line, path);
		else if (memcmp(it->sha256, digest, GT_SHA256_LEN) != 0)
			bad(im, path, "its sha256 differs from SHA256SUMS line %u", line);
		else
			listed++;
		p = nl + 1;
	}
	for (i = 0; i < im->n; i++)
		if (im->items[i].type == AE_IFREG && &im->items[i] != sums)
			files++;
	if (listed != files)
		bad(im, GT_MANIFEST_SUMS_PATH, "lists %zu of the %zu files", listed,
		    files);
}

/* Linux/MANIFEST.sig: well formed, and by @pubkey when one is given. */
static void check_sig(struct image *im, const struct item *mi, struct item *si,
                      const struct gt_sig_pubkey *pubkey, char *sig_id)
{
	struct gt_sig sig;
	int ret;

	if (!si) {
		if (pubkey)
			bad(im, GT_MANIFEST_SIG_PATH,
			    "missing: the image is not signed (--pubkey requires it)");
		return;
	}
	si->seen = true;
	if (si->type != AE_IFREG || !si->data) {
		bad(im, GT_MANIFEST_SIG_PATH, "not a small regular file");
		return;
	}
	if (si->mode != 0644)
		bad(im, GT_MANIFEST_SIG_PATH, "has mode %04o, not 0644", si->mode);
	ret = gt_sig_parse_sig(si->data, si->data_len, &sig);
	if (ret < 0) {
		bad(im, GT_MANIFEST_SIG_PATH, "malformed: %s", gt_strerror(ret));
		return;
	}
	if (sig_id)
		memcpy(sig_id, sig.id, sizeof(sig.id));
	if (!pubkey)
		return;
	ret = gt_sig_verify(pubkey, mi->data, mi->data_len, &sig);
	if (ret == -GT_ENOTFOUND)
		bad(im, GT_MANIFEST_SIG_PATH, "signed by key %s, not by key %s", sig.id,
		    pubkey->id);
	else if (ret < 0)
		bad(im, GT_MANIFEST_SIG_PATH,
		    "bad signature: Linux/MANIFEST was altered after signing");
}

int mk_verify_image(const char *path, const char *display, const char *expect_manifest,
                    size_t expect_len, const struct gt_sig_pubkey *pubkey,
                    char sig_id[GT_SIG_ID_HEX_LEN + 1], struct mk_progress *progress,
                    size_t *files)
{
	struct image im;
	struct gt_manifest *m = NULL;
	struct gt_manifest_error perr;
	struct item *mi, *si;
	uint64_t iso_size = 0;
	size_t i, n_files = 0;
	int ret;

	memset(&im, 0, sizeof(im));
	im.display = display;
	if (sig_id)
		sig_id[0] = '\0';
	if (check_pvd(&im, path, NULL, &iso_size)) {
		ret = 1;
		goto out;
	}
	ret = read_image(&im, path, true, progress, iso_size);
	if (ret)
		goto out;
	mi = find_item(&im, GT_MANIFEST_ISO_PATH);
	si = find_item(&im, GT_MANIFEST_SUMS_PATH);
	if (!mi || !mi->data) {
		bad(&im, GT_MANIFEST_ISO_PATH,
		    "missing or too large: not a guest-tools image");
		goto done;
	}
	mi->seen = true;
	if (expect_manifest && (mi->data_len != expect_len ||
	                        memcmp(mi->data, expect_manifest, expect_len) != 0))
		bad(&im, GT_MANIFEST_ISO_PATH,
		    "differs from the manifest that was written");
	check_sig(&im, mi, find_item(&im, GT_MANIFEST_SIG_PATH), pubkey, sig_id);
	ret = gt_manifest_parse(mi->data, mi->data_len, GT_MANIFEST_ISO, &m, &perr);
	if (ret == -ENOMEM)
		goto out;
	if (ret < 0) {
		bad(&im, GT_MANIFEST_ISO_PATH, "line %u: %s", perr.line, perr.msg);
		goto done;
	}
	if (mi->mode != 0644)
		bad(&im, GT_MANIFEST_ISO_PATH, "has mode %04o, not 0644", mi->mode);
	check_pvd(&im, path, m->label, &iso_size);
	for (i = 0; i < m->n_entries; i++)
		check_entry(&im, &m->entries[i]);
	if (!si || !si->data) {
		bad(&im, GT_MANIFEST_SUMS_PATH, "missing or too large");
	} else {
		si->seen = true;
		if (si->mode != 0644)
			bad(&im, GT_MANIFEST_SUMS_PATH, "has mode %04o, not 0644",
			    si->mode);
		check_sums(&im, si);
	}
	/* Nothing on the image that the manifest does not account for. */
	for (i = 0; i < im.n; i++) {
		struct item *it = &im.items[i];

		if (it->type == AE_IFREG)
			n_files++;
		if (it->seen)
			continue;
		if (it->type == AE_IFDIR) {
			/* A directory must hold something listed: the next path in order.
			 */
			size_t len = strlen(it->path);

			if (i + 1 < im.n &&
			    strncmp(im.items[i + 1].path, it->path, len) == 0 &&
			    im.items[i + 1].path[len] == '/')
				continue;
			bad(&im, it->path, "empty directory not in the manifest");
			continue;
		}
		bad(&im, it->path, "%s not in the manifest", type_word(it->type));
	}
done:
	ret = im.problems ? 1 : 0;
	if (files)
		*files = n_files;
out:
	gt_manifest_free(m);
	image_free(&im);
	return ret;
}

int mk_read_iso_manifest(const char *path, struct gt_manifest **out)
{
	struct image im;
	struct gt_manifest_error perr;
	struct item *mi;
	int ret;

	memset(&im, 0, sizeof(im));
	im.display = path;
	ret = read_image(&im, path, false, NULL, 0);
	if (ret) {
		ret = ret < 0 ? MK_EXIT_FAILURE : MK_EXIT_VERIFY;
		goto out;
	}
	mi = find_item(&im, GT_MANIFEST_ISO_PATH);
	if (!mi || !mi->data) {
		bad(&im, GT_MANIFEST_ISO_PATH,
		    "missing or too large: not a guest-tools image");
		ret = MK_EXIT_VERIFY;
		goto out;
	}
	ret = gt_manifest_parse(mi->data, mi->data_len, GT_MANIFEST_ISO, out, &perr);
	if (ret < 0) {
		bad(&im, GT_MANIFEST_ISO_PATH, "line %u: %s", perr.line, perr.msg);
		ret = MK_EXIT_VERIFY;
		goto out;
	}
	ret = 0;
out:
	image_free(&im);
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
	ret = mk_verify_image(argv[optind], argv[optind], NULL, 0, pubkey ? &pk : NULL,
	                      sig_id, &pr, &files);
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
