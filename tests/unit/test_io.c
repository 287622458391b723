/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of lib/io: whole reads and writes through short transfers and
 * interrupted system calls, end of file, errors, and fd hashing with its
 * progress callback.
 *
 * The interruptions are real: a SIGALRM handler installed without
 * SA_RESTART fires every millisecond while the test blocks on a pipe whose
 * other end a child feeds (or drains) in small, slow pieces, so read(2) and
 * write(2) return -1/EINTR or short counts as they do on a busy system.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "io.h"
#include "sha256.h"

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* SIGALRM every millisecond, interrupting blocked system calls. */
static void interrupts_on(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: read/write fail with EINTR */
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
	alarms = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void interrupts_off(void)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };

	assert_int_equal(setitimer(ITIMER_REAL, &off, NULL), 0);
	signal(SIGALRM, SIG_DFL);
}

/* Teardown: a failed assertion skips the test's own interrupts_off(). */
static int stop_interrupts(void **state)
{
	(void)state;
	interrupts_off();
	return 0;
}

static void nap_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void fill(unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + i / 251);
}

/* A child writes @len bytes of fill() into @fd in @piece-byte writes, slowly. */
static pid_t slow_writer(int fd, size_t len, size_t piece)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		unsigned char *buf = malloc(len);
		size_t off = 0;

		if (!buf)
			_exit(1);
		fill(buf, len);
		while (off < len) {
			size_t n = len - off < piece ? len - off : piece;

			if (write(fd, buf + off, n) != (ssize_t)n)
				_exit(1);
			off += n;
			nap_ms(3);
		}
		_exit(0);
	}
	return pid;
}

static void reap_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_read_full_short_and_interrupted(void **state)
{
	enum { LEN = 40000 };
	unsigned char *got = malloc(LEN + 16), *want = malloc(LEN);
	int p[2];
	pid_t pid;

	(void)state;
	assert_non_null(got);
	assert_non_null(want);
	fill(want, LEN);
	assert_int_equal(pipe(p), 0);
	pid = slow_writer(p[1], LEN, 1000);
	close(p[1]);
	interrupts_on();
	/* Asks for more than comes: the whole content, then end of file. */
	assert_int_equal(gt_read_full(p[0], got, LEN + 16), LEN);
	interrupts_off();
	assert_memory_equal(got, want, LEN);
	assert_true(alarms > 0);
	/* At end of file: 0, not an error. */
	assert_int_equal(gt_read_full(p[0], got, 1), 0);
	close(p[0]);
	reap_ok(pid);
	free(got);
	free(want);
}

static void test_read_full_exact(void **state)
{
	unsigned char got[100], want[300];
	int p[2];
	pid_t pid;

	(void)state;
	fill(want, sizeof(want));
	assert_int_equal(pipe(p), 0);
	pid = slow_writer(p[1], sizeof(want), 7);
	close(p[1]);
	/* Exactly what is asked, though it arrives 7 bytes at a time. */
	assert_int_equal(gt_read_full(p[0], got, sizeof(got)), sizeof(got));
	assert_memory_equal(got, want, sizeof(got));
	assert_int_equal(gt_read_full(p[0], got, sizeof(got)), sizeof(got));
	assert_memory_equal(got, want + 100, sizeof(got));
	close(p[0]);
	reap_ok(pid);
}

static void test_read_full_error(void **state)
{
	char c;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	/* The write end of a pipe cannot be read. */
	assert_int_equal(gt_read_full(p[1], &c, 1), -EBADF);
	assert_int_equal(gt_read_full(-1, &c, 1), -EBADF);
	close(p[0]);
	close(p[1]);
}

static void test_write_full_short_and_interrupted(void **state)
{
	/* Far more than a pipe holds (64 KiB): write(2) blocks and is interrupted. */
	enum { LEN = 1 << 20 };
	unsigned char *buf = malloc(LEN), *got = malloc(LEN);
	int p[2], status;
	pid_t pid;

	(void)state;
	assert_non_null(buf);
	assert_non_null(got);
	fill(buf, LEN);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A slow reader: 4 KiB at a time; checks what arrives. */
		size_t off = 0;

		close(p[1]);
		while (off < LEN) {
			ssize_t n = read(p[0], got + off, 4096);

			if (n <= 0)
				_exit(1);
			off += (size_t)n;
			if (off % (64 * 1024) == 0)
				nap_ms(2);
		}
		_exit(memcmp(got, buf, LEN) == 0 && read(p[0], got, 1) == 0 ? 0 : 2);
	}
	close(p[0]);
	interrupts_on();
	assert_int_equal(gt_write_full(p[1], buf, LEN), 0);
	interrupts_off();
	assert_true(alarms > 0);
	close(p[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	free(buf);
	free(got);
}

static void test_write_full_error(void **state)
{
	int p[2];
	void (*old)(int);

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(gt_write_full(p[0], "x", 1), -EBADF);
	/* No reader left: EPIPE (SIGPIPE ignored for the test). */
	close(p[0]);
	old = signal(SIGPIPE, SIG_IGN);
	assert_int_equal(gt_write_full(p[1], "x", 1), -EPIPE);
	signal(SIGPIPE, old);
	close(p[1]);
	/* Nothing to write: nothing done, even on a bad descriptor. */
	assert_int_equal(gt_write_full(-1, "", 0), 0);
}

struct progress {
	uint64_t total;
	unsigned calls;
};

static void count_progress(void *ctx, uint64_t bytes)
{
	struct progress *pr = ctx;

	assert_true(bytes > 0);
	pr->total += bytes;
	pr->calls++;
}

static void test_hash_fd(void **state)
{
	enum { LEN = 3 * 1024 * 1024 + 17 }; /* more than one 1 MiB read */
	unsigned char *buf = malloc(LEN);
	uint8_t got[GT_SHA256_LEN], want[GT_SHA256_LEN];
	char path[] = "/tmp/test_io.XXXXXX";
	struct progress pr = { 0, 0 };
	uint64_t size = 0;
	int fd;

	(void)state;
	assert_non_null(buf);
	fill(buf, LEN);
	gt_sha256_buf(buf, LEN, want);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(gt_write_full(fd, buf, LEN), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(gt_hash_fd(fd, got, &size, count_progress, &pr), 0);
	assert_memory_equal(got, want, GT_SHA256_LEN);
	assert_int_equal(size, LEN);
	assert_int_equal(pr.total, LEN);
	assert_true(pr.calls >= 4);
	/* No progress callback, no size wanted: the same digest. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(gt_hash_fd(fd, got, NULL, NULL, NULL), 0);
	assert_memory_equal(got, want, GT_SHA256_LEN);
	/* At end of file: the digest of nothing, and no progress. */
	pr.total = pr.calls = 0;
	gt_sha256_buf("", 0, want);
	assert_int_equal(gt_hash_fd(fd, got, &size, count_progress, &pr), 0);
	assert_memory_equal(got, want, GT_SHA256_LEN);
	assert_int_equal(size, 0);
	assert_int_equal(pr.calls, 0);
	close(fd);
	free(buf);
}

static void test_hash_fd_interrupted_and_error(void **state)
{
	enum { LEN = 200000 };
	unsigned char *want_buf = malloc(LEN);
	uint8_t got[GT_SHA256_LEN], want[GT_SHA256_LEN];
	struct progress pr = { 0, 0 };
	uint64_t size = 0;
	int p[2];
	pid_t pid;

	(void)state;
	assert_non_null(want_buf);
	fill(want_buf, LEN);
	gt_sha256_buf(want_buf, LEN, want);
	assert_int_equal(pipe(p), 0);
	pid = slow_writer(p[1], LEN, 5000);
	close(p[1]);
	interrupts_on();
	assert_int_equal(gt_hash_fd(p[0], got, &size, count_progress, &pr), 0);
	interrupts_off();
	assert_true(alarms > 0);
	assert_memory_equal(got, want, GT_SHA256_LEN);
	assert_int_equal(size, LEN);
	assert_int_equal(pr.total, LEN);
	close(p[0]);
	reap_ok(pid);
	/* A descriptor that cannot be read: its errno, size untouched. */
	size = 42;
	assert_int_equal(gt_hash_fd(-1, got, &size, NULL, NULL), -EBADF);
	assert_int_equal(size, 42);
	free(want_buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_read_full_short_and_interrupted,
		                          stop_interrupts),
		cmocka_unit_test(test_read_full_exact),
		cmocka_unit_test(test_read_full_error),
		cmocka_unit_test_teardown(test_write_full_short_and_interrupted,
		                          stop_interrupts),
		cmocka_unit_test(test_write_full_error),
		cmocka_unit_test(test_hash_fd),
		cmocka_unit_test_teardown(test_hash_fd_interrupted_and_error,
		                          stop_interrupts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
