/* SPDX-License-Identifier: MIT */
/*
 * A source file read from start to end, for hashing (build_hash.c) and for
 * mastering (build_stream.c): it must still be the file the walk found, and
 * exactly its size. A sparse one is read around its holes (lseek(2)
 * SEEK_DATA / SEEK_HOLE), which come out as zeros without a read: the
 * kernel zero-fills a hole it reads, which costs more than anything else
 * when a test makes a file of several GiB from a sparse input.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "error.h"
#include "io.h"

int mk_source_open(struct mk_source *s, const struct item *it)
{
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->it = it;
	s->fd = mk_item_open(it);
	if (s->fd < 0)
		return s->fd;
	if (fstat(s->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_dev != it->dev ||
	    st.st_ino != it->ino) {
		close(s->fd);
		s->fd = -1;
		return -GT_ENOTREG;
	}
	if (!it->sparse) {
		s->region_end = it->size; /* all of it is data, as far as we care */
		s->hole = false;
	}
	return 0;
}

/* The region (data or hole) at s->got, up to the size the walk found. */
static void find_region(struct mk_source *s)
{
	uint64_t size = s->it->size;
	off_t data = lseek(s->fd, (off_t)s->got, SEEK_DATA);

	if (data < 0 && errno == ENXIO) {
		/* A hole to the end (or the file shrank: the close says so). */
		s->hole = true;
		s->region_end = size;
	} else if (data < 0) {
		/* No SEEK_DATA here: read it all. */
		s->hole = false;
		s->region_end = size;
	} else if ((uint64_t)data > s->got) {
		s->hole = true;
		s->region_end = (uint64_t)data < size ? (uint64_t)data : size;
	} else {
		off_t hole = lseek(s->fd, (off_t)s->got, SEEK_HOLE);

		s->hole = false;
		s->region_end = hole > 0 && (uint64_t)hole < size ? (uint64_t)hole : size;
	}
	s->moved = true;
}

ssize_t mk_source_read(struct mk_source *s, unsigned char *buf, size_t want)
{
	uint64_t left = s->it->size - s->got;
	ssize_t n;

	if (left == 0)
		return 0;
	if (s->it->sparse && s->got >= s->region_end)
		find_region(s);
	if (want > s->region_end - s->got)
		want = (size_t)(s->region_end - s->got);
	if (s->hole) {
		/* The zeros of the last hole are still in @buf: only more are made. */
		if (want > s->zeroed)
			memset(buf, 0, want);
		if (want > s->zeroed)
			s->zeroed = want;
		s->got += want;
		return (ssize_t)want;
	}
	if (s->moved && lseek(s->fd, (off_t)s->got, SEEK_SET) < 0)
		return -errno;
	s->moved = false;
	s->zeroed = 0;
	n = gt_read_full(s->fd, buf, want);
	if (n > 0)
		s->got += (uint64_t)n;
	return n;
}

int mk_source_close(struct mk_source *s, bool check)
{
	struct stat st;
	int ret = 0;

	if (s->fd < 0)
		return 0;
	/* Shrank (before its end, or in a hole), or grew: another size now. */
	if (check && (s->got != s->it->size || fstat(s->fd, &st) < 0 ||
	              (uint64_t)st.st_size != s->it->size))
		ret = -GT_EINTEGRITY;
	close(s->fd);
	s->fd = -1;
	return ret;
}
