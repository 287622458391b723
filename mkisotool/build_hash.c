/* SPDX-License-Identifier: MIT */
/*
 * Equal contents, stored once, found with the least reading and hashing:
 *   - names of one inode (hard links, one file named twice) are one content
 *     without reading it;
 *   - a file whose size no other file has can equal no other: it is hashed
 *     while mastering reads it (build_stream.c), its only read;
 *   - files that share their size with another are hashed now, on every
 *     core, and grouped by sha256; mastering reads the first of each group
 *     again (from the page cache) and checks its XXH3 against this read's;
 *   - files pinned by sha256= are hashed now too, so that a mismatch stops
 *     the build before anything is written.
 * Every byte is SHA-256-hashed once. The XXH3-128 taken of the same bytes
 * is what the read-back compares (build_readback.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "io.h"
#include "log.h"

#define MAX_THREADS 4

int mk_hasher_init(struct mk_hasher *h, bool sha)
{
	h->sha = sha ? gt_sha256_new() : NULL;
	h->xxh = XXH3_createState();
	if ((sha && !h->sha) || !h->xxh) {
		mk_hasher_free(h);
		return -ENOMEM;
	}
	XXH3_128bits_reset(h->xxh);
	return 0;
}

void mk_hasher_update(struct mk_hasher *h, const void *buf, size_t len)
{
	if (h->sha)
		gt_sha256_update(h->sha, buf, len);
	XXH3_128bits_update(h->xxh, buf, len);
}

void mk_hasher_final(struct mk_hasher *h, uint8_t sha[GT_SHA256_LEN], XXH128_hash_t *xxh)
{
	if (h->sha)
		gt_sha256_final(h->sha, sha); /* frees the context */
	h->sha = NULL;
	*xxh = XXH3_128bits_digest(h->xxh);
}

void mk_hasher_free(struct mk_hasher *h)
{
	gt_sha256_free(h->sha);
	h->sha = NULL;
	if (h->xxh)
		XXH3_freeState(h->xxh);
	h->xxh = NULL;
}

/* The files hashed before mastering, shared by the threads that hash them. */
struct prehash {
	struct build *b;
	struct item **v;
	size_t n;
	atomic_size_t next;
	atomic_uint_fast64_t done;
};

/* Reads one source to its end, hashing it; the outcome goes into the item. */
static void hash_item(struct prehash *ph, struct item *it, unsigned char *buf)
{
	struct mk_hasher h = { NULL, NULL };
	struct mk_source src;
	int ret = mk_source_open(&src, it);

	if (ret < 0) {
		it->read_error = ret;
		return;
	}
	ret = mk_hasher_init(&h, true);
	while (ret == 0) {
		ssize_t n = mk_source_read(&src, buf, MK_READ_CHUNK);

		if (n <= 0) {
			ret = (int)n;
			break;
		}
		mk_hasher_update(&h, buf, (size_t)n);
		atomic_fetch_add(&ph->done, (uint64_t)n);
	}
	if (ret == 0)
		ret = mk_source_close(&src, true);
	else
		mk_source_close(&src, false);
	if (ret == 0) {
		mk_hasher_final(&h, it->sha256, &it->xxh);
		it->hashed = true;
	} else {
		it->read_error = ret;
	}
	mk_hasher_free(&h);
}

static void *hash_worker(void *arg)
{
	struct prehash *ph = arg;
	unsigned char *buf = malloc(MK_READ_CHUNK);
	size_t i;

	while ((i = atomic_fetch_add(&ph->next, 1)) < ph->n) {
		if (!buf) {
			ph->v[i]->read_error = -ENOMEM;
			continue;
		}
		hash_item(ph, ph->v[i], buf);
	}
	free(buf);
	return NULL;
}

/* How many threads hash: every core (up to four), one for a little work. */
static unsigned hash_threads(const struct prehash *ph, uint64_t bytes)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 2 || (ph->n < 64 && bytes < 16u << 20))
		return 1;
	return cpus > MAX_THREADS ? MAX_THREADS : (unsigned)cpus;
}

/* Hashes ph->v on every core; the main thread shows the progress. */
static void run_prehash(struct build *b, struct prehash *ph, uint64_t bytes)
{
	pthread_t th[MAX_THREADS];
	unsigned n = hash_threads(ph, bytes), started = 0, k;
	unsigned char *buf = malloc(MK_READ_CHUNK);
	size_t i;

	for (k = 1; k < n; k++)
		if (pthread_create(&th[started], NULL, hash_worker, ph) == 0)
			started++;
	while ((i = atomic_fetch_add(&ph->next, 1)) < ph->n) {
		if (!buf)
			ph->v[i]->read_error = -ENOMEM;
		else
			hash_item(ph, ph->v[i], buf);
		mk_progress_update(&b->progress, "hashing", atomic_load(&ph->done),
		                   bytes);
	}
	for (k = 0; k < started; k++)
		pthread_join(th[k], NULL);
	mk_progress_end(&b->progress);
	free(buf);
}

static int cmp_inode(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a,
	                  *y = *(const struct item *const *)b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int cmp_size(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a,
	                  *y = *(const struct item *const *)b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int cmp_content(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a,
	                  *y = *(const struct item *const *)b;
	int c;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	c = memcmp(x->sha256, y->sha256, GT_SHA256_LEN);
	if (c)
		return c;
	return x < y ? -1 : x > y;
}

void mk_report_read(struct build *b, const struct item *it)
{
	char src[PATH_MAX + GT_MANIFEST_MAX_PATH];

	mk_item_source(it, src, sizeof(src));
	if (it->read_error == -GT_EINTEGRITY || it->read_error == -GT_ENOTREG)
		mk_problem(
		        b, MK_EXIT_INPUT, it->e->line,
		        "%s: source %s changed while it was read: build again once it is complete",
		        it->dest, src);
	else
		mk_problem(b, MK_EXIT_INPUT, it->e->line, "%s: reading %s: %s", it->dest,
		           src, gt_strerror(it->read_error));
}

/* Leaders (one per inode) sharing a size, and pinned ones, hashed now. */
static int prehash_leaders(struct build *b, struct item **lead, size_t n_lead)
{
	static const uint8_t empty_sha[GT_SHA256_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4,
		0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b,
		0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55
	};
	struct prehash ph;
	struct item *first_empty = NULL;
	uint64_t bytes = 0;
	size_t i, j;

	memset(&ph, 0, sizeof(ph));
	ph.b = b;
	ph.v = calloc(n_lead ? n_lead : 1, sizeof(struct item *));
	if (!ph.v)
		return -ENOMEM;
	qsort(lead, n_lead, sizeof(struct item *), cmp_size);
	for (i = 0; i < n_lead; i = j) {
		for (j = i + 1; j < n_lead && lead[j]->size == lead[i]->size; j++)
			;
		for (size_t k = i; k < j; k++) {
			struct item *it = lead[k];

			if (it->size == 0) {
				/* Every empty file is one content, known without reading.
				 */
				if (!first_empty)
					first_empty = it;
				it->first = first_empty;
				memcpy(it->sha256, empty_sha, GT_SHA256_LEN);
				it->xxh = XXH3_128bits(NULL, 0);
				it->hashed = true;
			} else if (j - i > 1 || (!it->tree && it->e->has_sha256)) {
				it->prehash = true;
				ph.v[ph.n++] = it;
				bytes += it->size;
			} else {
				it->first = it; /* hashed while mastering reads it */
			}
		}
	}
	run_prehash(b, &ph, bytes);
	for (i = 0; i < ph.n; i++) {
		struct item *it = ph.v[i];

		if (it->read_error) {
			mk_report_read(b, it);
		} else if (!it->tree && it->e->has_sha256 &&
		           memcmp(it->e->sha256, it->sha256, GT_SHA256_LEN) != 0) {
			char want[GT_SHA256_HEX_LEN + 1], got[GT_SHA256_HEX_LEN + 1];

			gt_sha256_hex(it->e->sha256, want);
			gt_sha256_hex(it->sha256, got);
			mk_problem(
			        b, MK_EXIT_INPUT, it->e->line,
			        "%s: source %s: sha256 mismatch: the manifest says %s, the file has %s",
			        it->dest, it->path, want, got);
		}
	}
	/* Equal size and sha256: one content; the first by destination keeps it. */
	qsort(ph.v, ph.n, sizeof(struct item *), cmp_content);
	for (i = 0; i < ph.n; i++) {
		struct item *it = ph.v[i], *prev = i ? ph.v[i - 1] : NULL;

		if (prev && prev->size == it->size &&
		    memcmp(prev->sha256, it->sha256, GT_SHA256_LEN) == 0)
			it->first = prev->first;
		else
			it->first = it;
	}
	free(ph.v);
	return 0;
}

int mk_plan_contents(struct build *b)
{
	struct item **v, **lead;
	size_t n = 0, n_lead = 0, i;
	int ret;

	v = calloc(b->n_files ? b->n_files : 1, sizeof(struct item *));
	lead = calloc(b->n_files ? b->n_files : 1, sizeof(struct item *));
	if (!v || !lead) {
		free(v);
		free(lead);
		return -ENOMEM;
	}
	for (i = 0; i < b->n_items; i++)
		if (b->items[i].type != GT_ENTRY_LINK)
			v[n++] = &b->items[i];
	/* One inode, one content: its first name by destination leads. */
	qsort(v, n, sizeof(struct item *), cmp_inode);
	for (i = 0; i < n; i++) {
		if (i > 0 && v[i]->dev == v[i - 1]->dev && v[i]->ino == v[i - 1]->ino)
			v[i]->first = v[i - 1]->first ? v[i - 1]->first : v[i - 1];
		else
			lead[n_lead++] = v[i];
	}
	ret = prehash_leaders(b, lead, n_lead);
	/* Followers of an inode take its leader's content. */
	for (i = 0; ret == 0 && i < n; i++) {
		struct item *it = v[i];

		if (it->first && it->first != it && it->first->first != it->first)
			it->first = it->first->first;
	}
	for (i = 0; ret == 0 && i < b->n_items; i++) {
		struct item *it = &b->items[i];

		if (it->type == GT_ENTRY_LINK)
			continue;
		if (it->first == it) {
			b->unique_files++;
			b->unique_bytes += it->size;
		} else {
			gt_info("%s: same content as %s: stored once", it->dest,
			        it->first->dest);
		}
	}
	free(v);
	free(lead);
	return ret;
}
