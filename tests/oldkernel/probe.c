/* SPDX-License-Identifier: MIT */
/*
 * oldkernel-probe: the self-test of tests/oldkernel (static, musl).
 *   oldkernel-probe old CHILD   three calls 2.6.32 refused, then runs CHILD child
 *   oldkernel-probe child       the same calls, which must work (not filtered)
 * Raw system calls, so that no libc fallback hides the kernel's answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef F_GETPIPE_SZ
#define F_GETPIPE_SZ 1032
#endif

static void say(const char *who, const char *what, long ret)
{
	printf("%s%s %s\n", who, what,
	       ret >= 0          ? "ok"
	       : errno == ENOSYS ? "ENOSYS"
	       : errno == EINVAL ? "EINVAL"
	                         : strerror(errno));
}

int main(int argc, char **argv)
{
	const char *who = argc > 1 && strcmp(argv[1], "child") == 0 ? "child " : "";
	char buf[4];
	struct stat st;
	int p[2], fd = open("/", O_RDONLY | O_DIRECTORY);

	say(who, "getrandom", syscall(SYS_getrandom, buf, sizeof(buf), 0));
	say(who, "fstatat-empty-path",
	    syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
	if (pipe(p) == 0)
		say(who, "getpipe-sz", fcntl(p[0], F_GETPIPE_SZ));
	(void)fflush(stdout); /* before the fork: the child must not print it again */
	if (argc > 2 && strcmp(argv[1], "old") == 0) {
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			execl(argv[2], argv[2], "child", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
			return 1;
		return WEXITSTATUS(status);
	}
	return 0;
}
