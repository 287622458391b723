/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

#define FIXED_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define OUTPUT_MAX ((size_t)64 * 1024)

const char *gt_spawn_path(void)
{
	return FIXED_PATH;
}

int gt_which(const char *root_dir, const char *prog)
{
	char buf[PATH_MAX], path[] = FIXED_PATH, *dir, *save = NULL;
	struct stat st;

	for (dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s%s/%s", root_dir ? root_dir : "", dir,
		         prog);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return 1;
	}
	return 0;
}

/* Only in the child, between fork and exec: async-signal-safe calls only. */
static void child(const char *const argv[], const struct gt_spawn_opts *o, int out_fd,
                  char *const envp[])
{
	char buf[PATH_MAX], path[] = FIXED_PATH, *dir, *save = NULL;
	int devnull = open("/dev/null", O_RDONLY);

	if (devnull >= 0)
		dup2(devnull, 0);
	if (out_fd >= 0) {
		dup2(out_fd, 1);
		dup2(out_fd, 2);
	}
	if (o && o->chroot_dir && (chroot(o->chroot_dir) < 0 || chdir("/") < 0))
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	if (strchr(argv[0], '/')) {
		execve(argv[0], (char *const *)argv, envp);
		_exit(errno == ENOENT ? 127 : 126);
	}
	for (dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, argv[0]);
		execve(buf, (char *const *)argv, envp);
	}
	_exit(127);
}

bool gt_spawn_ok(struct gt_spawn_result r)
{
	return r.err == 0 && r.signal == 0 && r.status == 0;
}

const char *gt_spawn_describe(struct gt_spawn_result r, char *buf, size_t size)
{
	if (r.err)
		snprintf(buf, size, "cannot be run: %s", strerror(r.err));
	else if (r.signal)
		snprintf(buf, size, "killed by signal %d", r.signal);
	else
		snprintf(buf, size, "exit status %d", r.status);
	return buf;
}

struct gt_spawn_result gt_spawn(const char *const argv[], struct gt_spawn_opts *o)
{
	struct gt_spawn_result res = { 0, 0, 0 };
	char *envp[40];
	int pipefd[2] = { -1, -1 }, status, n = 0, i;
	char *out = NULL;
	size_t used = 0;
	pid_t pid;

	envp[n++] = "PATH=" FIXED_PATH;
	envp[n++] = "LC_ALL=C";
	envp[n++] = "HOME=/root";
	envp[n++] = "DEBIAN_FRONTEND=noninteractive";
	for (i = 0; o && o->extra_env && o->extra_env[i] && n < 39; i++)
		envp[n++] = (char *)o->extra_env[i];
	envp[n] = NULL;
	if (o && o->capture && pipe2(pipefd, O_CLOEXEC) < 0) {
		res.err = errno;
		return res;
	}
	if (!(o && o->chroot_dir) && !strchr(argv[0], '/') && !gt_which(NULL, argv[0])) {
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		res.err = ENOENT;
		return res;
	}
	/* Only so that the child does not write our buffered output again: a
	 * stream that fails here keeps its error for its own writer to see. */
	(void)fflush(NULL);
	pid = fork();
	if (pid < 0) {
		res.err = errno;
		if (pipefd[0] >= 0) {
			close(pipefd[0]);
			close(pipefd[1]);
		}
		return res;
	}
	if (pid == 0)
		child(argv, o, pipefd[1], envp);
	if (pipefd[1] >= 0) {
		close(pipefd[1]);
		out = malloc(OUTPUT_MAX + 1);
		for (;;) {
			char scratch[4096];
			ssize_t r = read(pipefd[0], scratch, sizeof(scratch));

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (out && used < OUTPUT_MAX) {
				size_t take = (size_t)r < OUTPUT_MAX - used
				                      ? (size_t)r
				                      : OUTPUT_MAX - used;

				memcpy(out + used, scratch, take);
				used += take;
			}
		}
		close(pipefd[0]);
		if (out)
			out[used] = '\0';
		o->output = out;
		o->output_len = used;
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			res.err = errno;
			return res;
		}
	}
	if (WIFSIGNALED(status))
		res.signal = WTERMSIG(status);
	else
		res.status = WEXITSTATUS(status);
	return res;
}
