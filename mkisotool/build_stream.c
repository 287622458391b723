/* SPDX-License-Identifier: MIT */
/*
 * The streams libisofs reads file contents from, in its writer thread
 * (libisofs.h, struct IsoStream_Iface).
 *
 * An item's stream reads its source once, in large chunks (libisofs asks
 * for 2 KiB at a time; its own local-file stream makes one read(2) of each),
 * and hashes what it reads: SHA-256 and XXH3-128 for a file that was not
 * hashed before, XXH3-128 alone for one that was, which must then come out
 * the same (the source did not change in between). What it delivers is
 * exactly the size the walk found; a source that shrank or grew, or that is
 * no longer the file the walk found, is recorded in the item and fails the
 * build once mastering ends (libisofs writes zeros for what is missing).
 *
 * A generated file's stream makes its content (build_sums.c) when libisofs
 * opens it: they sort after every input, so by then every hash is known.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "io.h"

/* libisofs compares streams by (fs_id, dev, ino): ours, apart from its ids 1-5. */
#define MK_FS_ID 0x47540001u

struct item_stream {
	struct build *b;
	struct item *it;
	unsigned long serial;
	struct mk_source src; /* src.fd -1: closed */
	struct mk_hasher h;
	unsigned char *buf;
	bool own_buf; /* not the build's shared buffer */
	size_t fill, pos;
	int error;
};

struct gen_stream {
	struct build *b;
	enum gen_file which;
	unsigned long serial;
	size_t pos;
	bool failed;
};

/* Every stream of ours has a serial number: libisofs tells them apart by it. */
static unsigned long next_serial(struct build *b)
{
	return ++b->serials;
}

static void fail_item(struct item_stream *s, int err)
{
	if (!s->error)
		s->error = err;
}

static int item_open(IsoStream *stream)
{
	struct item_stream *s = stream->data;
	struct item *it = s->it;
	int ret;

	s->fill = s->pos = 0;
	s->error = 0;
	ret = mk_source_open(&s->src, it);
	if (ret < 0) {
		fail_item(s, ret);
		return 1; /* read() ends at once: libisofs writes zeros, we fail after */
	}
	if (mk_hasher_init(&s->h, !it->hashed) < 0) {
		fail_item(s, -ENOMEM);
		return 1;
	}
	if (s->b->readbuf && !s->b->readbuf_busy) {
		s->buf = s->b->readbuf;
		s->b->readbuf_busy = true;
		s->own_buf = false;
	} else {
		s->buf = malloc(MK_READ_CHUNK);
		s->own_buf = true;
		if (!s->buf)
			fail_item(s, -ENOMEM);
	}
	return 1;
}

/* Reads the next chunk of the source (never past its size) and hashes it. */
static void refill(struct item_stream *s)
{
	ssize_t n;

	s->fill = s->pos = 0;
	if (s->error || s->src.got == s->it->size)
		return;
	n = mk_source_read(&s->src, s->buf, MK_READ_CHUNK);
	if (n < 0) {
		fail_item(s, (int)n);
		return;
	}
	if (n == 0) {
		fail_item(s, -GT_EINTEGRITY); /* it shrank: libisofs pads with zeros */
		return;
	}
	mk_hasher_update(&s->h, s->buf, (size_t)n);
	s->fill = (size_t)n;
}

static int item_read(IsoStream *stream, void *buf, size_t count)
{
	struct item_stream *s = stream->data;
	size_t done = 0;

	while (done < count) {
		size_t n;

		if (s->pos == s->fill) {
			refill(s);
			if (s->fill == 0)
				break;
		}
		n = s->fill - s->pos < count - done ? s->fill - s->pos : count - done;
		memcpy((char *)buf + done, s->buf + s->pos, n);
		s->pos += n;
		done += n;
	}
	return (int)done;
}

static int item_close(IsoStream *stream)
{
	struct item_stream *s = stream->data;
	struct item *it = s->it;
	uint8_t sha[GT_SHA256_LEN];
	XXH128_hash_t xxh;
	int ret = mk_source_close(&s->src, !s->error);

	if (ret < 0)
		fail_item(s, ret);
	if (s->h.xxh && !s->error) {
		bool sha_wanted = s->h.sha != NULL;

		mk_hasher_final(&s->h, sha, &xxh);
		if (sha_wanted) {
			memcpy(it->sha256, sha, GT_SHA256_LEN);
			it->xxh = xxh;
			it->hashed = true;
		} else if (!XXH128_isEqual(xxh, it->xxh)) {
			fail_item(s, -GT_EINTEGRITY); /* changed since it was hashed */
		}
	}
	mk_hasher_free(&s->h);
	if (s->error && !it->read_error)
		it->read_error = s->error;
	if (s->own_buf)
		free(s->buf);
	else if (s->buf)
		s->b->readbuf_busy = false;
	s->buf = NULL;
	return 1;
}

static off_t item_get_size(IsoStream *stream)
{
	return (off_t)((struct item_stream *)stream->data)->it->size;
}

static void item_get_id(IsoStream *stream, unsigned int *fs_id, dev_t *dev_id,
                        ino_t *ino_id)
{
	*fs_id = MK_FS_ID;
	*dev_id = 0;
	*ino_id = (ino_t)((struct item_stream *)stream->data)->serial;
}

static void item_free(IsoStream *stream)
{
	struct item_stream *s = stream->data;

	mk_source_close(&s->src, false);
	mk_hasher_free(&s->h);
	if (s->own_buf)
		free(s->buf);
	free(s);
}

static int gen_open(IsoStream *stream)
{
	struct gen_stream *s = stream->data;
	/* Made once; a large one is gone once written (it is not read twice). */
	int ret =
	        s->b->gen[s->which].written ? -EINVAL : mk_make_generated(s->b, s->which);

	s->pos = 0;
	s->failed = ret < 0;
	if (ret < 0 && !s->b->gen_error)
		s->b->gen_error = ret;
	return 1;
}

static int gen_read(IsoStream *stream, void *buf, size_t count)
{
	struct gen_stream *s = stream->data;
	const struct gen *g = &s->b->gen[s->which];
	size_t n;

	if (s->failed || s->pos >= g->size)
		return 0;
	n = g->size - s->pos < count ? g->size - s->pos : count;
	memcpy(buf, g->data + s->pos, n);
	s->pos += n;
	return (int)n;
}

/* A large generated file (SHA256SUMS, Linux/CONTENTS) is not kept once written. */
static int gen_close(IsoStream *stream)
{
	struct gen_stream *s = stream->data;
	struct gen *g = &s->b->gen[s->which];

	if (!s->failed && s->which != GEN_MANIFEST && s->which != GEN_SIG) {
		free(g->data);
		g->data = NULL;
		g->written = true;
	}
	return 1;
}

static off_t gen_get_size(IsoStream *stream)
{
	struct gen_stream *s = stream->data;

	return (off_t)s->b->gen[s->which].size;
}

static void gen_get_id(IsoStream *stream, unsigned int *fs_id, dev_t *dev_id,
                       ino_t *ino_id)
{
	*fs_id = MK_FS_ID;
	*dev_id = 0;
	*ino_id = (ino_t)((struct gen_stream *)stream->data)->serial;
}

static void gen_free(IsoStream *stream)
{
	free(stream->data);
}

static int is_repeatable(IsoStream *stream)
{
	(void)stream;
	return 1;
}

static int update_size(IsoStream *stream)
{
	(void)stream;
	return 1;
}

static IsoStream *get_input_stream(IsoStream *stream, int flag)
{
	(void)stream;
	(void)flag;
	return NULL;
}

/* Both classes share it: streams of ours are equal only when they are one. */
static int cmp_ino(IsoStream *s1, IsoStream *s2)
{
	unsigned int f1, f2;
	dev_t d1, d2;
	ino_t i1, i2;

	s1->class->get_id(s1, &f1, &d1, &i1);
	s2->class->get_id(s2, &f2, &d2, &i2);
	return i1 < i2 ? -1 : i1 > i2;
}

static IsoStreamIface item_class = {
	3,
	"user",
	item_open,
	item_close,
	item_get_size,
	item_read,
	is_repeatable,
	item_get_id,
	item_free,
	update_size,
	get_input_stream,
	cmp_ino,
	NULL,
};

static IsoStreamIface gen_class = {
	3,
	"user",
	gen_open,
	gen_close,
	gen_get_size,
	gen_read,
	is_repeatable,
	gen_get_id,
	gen_free,
	update_size,
	get_input_stream,
	cmp_ino,
	NULL,
};

static int new_stream(IsoStreamIface *class, void *data, IsoStream **out)
{
	IsoStream *stream = calloc(1, sizeof(*stream));

	if (!stream) {
		free(data);
		return (int)ISO_OUT_OF_MEM;
	}
	stream->class = class;
	stream->refcount = 1;
	stream->data = data;
	*out = stream;
	return 0;
}

int mk_stream_for_item(struct build *b, struct item *it, IsoStream **out)
{
	struct item_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return (int)ISO_OUT_OF_MEM;
	s->b = b;
	s->it = it;
	s->src.fd = -1;
	s->serial = next_serial(b);
	return new_stream(&item_class, s, out);
}

int mk_stream_for_gen(struct build *b, enum gen_file which, IsoStream **out)
{
	struct gen_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return (int)ISO_OUT_OF_MEM;
	s->b = b;
	s->which = which;
	s->serial = next_serial(b);
	return new_stream(&gen_class, s, out);
}
