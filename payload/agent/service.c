/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "io.h"
#include "service.h"

void service_notify_ready(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!sock || (sock[0] != '/' && sock[0] != '@') ||
	    strlen(sock) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sock));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

int service_write_pidfile(const char *path)
{
	char buf[32];
	int fd, n, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n)
		ret = -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

int service_daemonize(int *ready_fd)
{
	int p[2], fd;
	pid_t pid;
	char ok = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		(void)gt_read_full(p[0], &ok, 1); /* end of file: the daemon failed */
		_exit(ok == 0 ? EXIT_OK : EXIT_FAIL);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	umask(022);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	*ready_fd = p[1];
	return 0;
}

void service_daemon_ready(int *ready_fd)
{
	char ok = 0;

	if (*ready_fd < 0)
		return;
	(void)!write(*ready_fd, &ok, 1);
	close(*ready_fd);
	*ready_fd = -1;
}

int service_raise_freeze_timeout(const struct gt_root *root)
{
	static const char path[] = "/sys/power/pm_freeze_timeout";
	char *now = NULL;
	int fd, ret;

	ret = gt_root_read_line(root, path, &now);
	if (ret < 0)
		return ret == -ENOENT ? 0 : ret; /* a kernel without suspend */
	/* 20000 ms: the kernel's default (kernel/power/process.c freeze_timeout_msecs).
	 */
	ret = strcmp(now, "20000") == 0;
	free(now);
	if (!ret)
		return 0;
	fd = gt_root_open_file(root, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return fd;
	ret = gt_write_full(fd, "300000\n", 7);
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret < 0 ? ret : 1;
}
