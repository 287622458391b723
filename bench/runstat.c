/* SPDX-License-Identifier: MIT */
/*
 * runstat: run a command N times and print, for each run, its wall time in
 * nanoseconds, its peak resident set in KiB (ru_maxrss from wait4(2), as
 * /usr/bin/time -f %M reports it) and its CPU time (user + system, with the
 * children it waited for) in nanoseconds. On a loaded machine the CPU time
 * moves less than the wall time: it shows work, not waiting for a core.
 *
 * Why not time it from Python: Linux carries the high-water RSS of the image
 * a process had before execve() into ru_maxrss, so a child forked by a
 * Python interpreter reports at least the interpreter's ~16 MiB whatever it
 * runs; forked from this small program the floor is this program's own
 * resident set (bench/run.py measures and prints it with /bin/true). The
 * interpreter's ~1 ms of spawning also stays out of the wall time.
 *
 * Usage: runstat N COMMAND [ARG...]   (stdout of COMMAND goes to /dev/null;
 * exits 1 as soon as one run does not exit 0, after printing its status)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat N COMMAND [ARG...]\n");
		return 2;
	}
	errno = 0;
	n = strtol(argv[1], &end, 10);
	if (errno || *end || n < 1) {
		fprintf(stderr, "runstat: %s: not a positive count\n", argv[1]);
		return 2;
	}
	for (long i = 0; i < n; i++) {
		struct rusage ru;
		long long t0 = now_ns();
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
			return 1;
		}
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);

			if (fd >= 0)
				dup2(fd, STDOUT_FILENO);
			execvp(argv[2], argv + 2);
			fprintf(stderr, "runstat: %s: %s\n", argv[2], strerror(errno));
			_exit(127);
		}
		if (wait4(pid, &status, 0, &ru) < 0) {
			fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
			return 1;
		}
		printf("%lld %ld %lld\n", now_ns() - t0, ru.ru_maxrss,
		       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
		               (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "runstat: %s: %s %d\n", argv[2],
			        WIFEXITED(status) ? "exit" : "signal",
			        WIFEXITED(status) ? WEXITSTATUS(status)
			                          : WTERMSIG(status));
			return 1;
		}
	}
	return 0;
}
