/* SPDX-License-Identifier: MIT */
/*
 * oldkernel-run: run a program as if on Linux 2.6.32 (x86_64), for its own
 * system calls only.
 *
 *   oldkernel-run [--log FILE] [--names FILE] -- PROGRAM [ARG...]
 *
 * A seccomp filter (inherited by everything PROGRAM starts) hands to this
 * supervisor, through SECCOMP_RET_USER_NOTIF, every system call that 2.6.32
 * did not have (x86_64 numbers above 298, perf_event_open: the last one of
 * 2.6.32's arch/x86/include/asm/unistd_64.h) and the calls whose flags 2.6.32
 * checked more strictly (below). The supervisor answers for PROGRAM's own
 * processes, those whose /proc/PID/exe is PROGRAM (its threads, and the
 * vfork-style child of posix_spawn until it calls execve): ENOSYS for a new
 * call, EINVAL for a flag 2.6.32 refused. Any other process (the package tools
 * PROGRAM runs, built for today's kernels) goes on unfiltered
 * (SECCOMP_USER_NOTIF_FLAG_CONTINUE): the test is about our static binary, not
 * the host's tools. A plain filter could not tell them apart: filters are
 * inherited across fork and execve and cannot be removed.
 *
 * Flags 2.6.32 answered EINVAL for (its source, v2.6.32):
 *   newfstatat  flag other than AT_SYMLINK_NOFOLLOW      fs/stat.c vfs_fstatat()
 *               (AT_NO_AUTOMOUNT came in 2.6.38, AT_EMPTY_PATH in 2.6.39)
 *   linkat      flag other than AT_SYMLINK_FOLLOW        fs/namei.c sys_linkat()
 *   fchownat    flag other than AT_SYMLINK_NOFOLLOW      fs/open.c sys_fchownat()
 *   umount2     flag other than MNT_FORCE, MNT_DETACH, MNT_EXPIRE
 *               (UMOUNT_NOFOLLOW came in 2.6.34)         fs/namespace.c sys_umount()
 *   fcntl       a command 2.6.32's do_fcntl() did not know (F_SETPIPE_SZ and
 *               F_GETPIPE_SZ 2.6.35, F_OFD_* 3.15, F_ADD_SEALS 3.17, ...)
 * Open flags are not among them: 2.6.32 ignored unknown open(2) flags rather
 * than refusing them, which no filter can imitate.
 *
 * Every answer given to PROGRAM is logged to FILE (default stderr), one line
 * "denied NAME NR ERRNO pid PID", and a summary "summary NAME COUNT" at the
 * end. --names FILE: "NR NAME VERSION" lines (tests/oldkernel/syscalls-x86_64.txt)
 * to name the numbers. Exit status: PROGRAM's (128+N when killed by signal
 * N); 125 when the supervisor itself fails.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LAST_2632      298 /* __NR_perf_event_open, x86_64 */
#define X32_BIT        0x40000000u
#define MAX_NR         1024
#define AT_NOFOLLOW    0x100
#define AT_FOLLOW      0x400
#define UMOUNT_OLD     0x7 /* MNT_FORCE | MNT_DETACH | MNT_EXPIRE */
#define SUPERVISOR_ERR 125

static char *names[MAX_NR];
static unsigned long counts[MAX_NR];
static FILE *log_fp;

static int seccomp(unsigned op, unsigned flags, void *args)
{
	return (int)syscall(SYS_seccomp, op, flags, args);
}

/* The filter: new calls and the flag-checked ones go to the supervisor. */
static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, LAST_2632, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_newfstatat, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_linkat, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchownat, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_umount2, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fcntl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/* fcntl commands 2.6.32's do_fcntl() handled (include/asm-generic/fcntl.h,
 * linux/fcntl.h). */
static int fcntl_known_2632(unsigned long cmd)
{
	switch (cmd) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4:
	case 5:
	case 6:
	case 7: /* F_DUPFD..F_SETLKW */
	case 8:
	case 9:
	case 10:
	case 11: /* F_SETOWN..F_GETSIG */
	case 15:
	case 16: /* F_SETOWN_EX, F_GETOWN_EX (2.6.32) */
	case 1024:
	case 1025:
	case 1026: /* F_SETLEASE, F_GETLEASE, F_NOTIFY */
	case 1030: /* F_DUPFD_CLOEXEC (2.6.24) */
		return 1;
	default:
		return 0;
	}
}

/* 0: 2.6.32 would have run it; else the errno it would have answered. */
static int answer_2632(const struct seccomp_data *d)
{
	if (d->arch != AUDIT_ARCH_X86_64 || (d->nr & X32_BIT) || d->nr > LAST_2632)
		return ENOSYS;
	switch (d->nr) {
	case __NR_newfstatat:
	case __NR_fchownat:
		return (d->args[d->nr == __NR_fchownat ? 4 : 3] &
		        ~(unsigned long)AT_NOFOLLOW)
		               ? EINVAL
		               : 0;
	case __NR_linkat:
		return (d->args[4] & ~(unsigned long)AT_FOLLOW) ? EINVAL : 0;
	case __NR_umount2:
		return (d->args[1] & ~(unsigned long)UMOUNT_OLD) ? EINVAL : 0;
	case __NR_fcntl:
		return fcntl_known_2632(d->args[1]) ? 0 : EINVAL;
	default:
		return 0;
	}
}

static int is_program(pid_t pid, const struct stat *prog)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	return stat(path, &st) == 0 && st.st_dev == prog->st_dev &&
	       st.st_ino == prog->st_ino;
}

static const char *name_of(int nr, char *buf, size_t size)
{
	if (nr >= 0 && nr < MAX_NR && names[nr])
		return names[nr];
	switch (nr) { /* the flag-checked calls, older than the list */
	case __NR_newfstatat:
		return "newfstatat";
	case __NR_linkat:
		return "linkat";
	case __NR_fchownat:
		return "fchownat";
	case __NR_umount2:
		return "umount2";
	case __NR_fcntl:
		return "fcntl";
	default:
		break;
	}
	snprintf(buf, size, "syscall_%d", nr);
	return buf;
}

static void read_names(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256], name[128];

	if (!f) {
		fprintf(stderr, "oldkernel-run: %s: %s\n", path, strerror(errno));
		exit(SUPERVISOR_ERR);
	}
	while (fgets(line, sizeof(line), f)) {
		char *end;
		long nr = strtol(line, &end, 10);

		if (line[0] == '#' || end == line || nr < 0 || nr >= MAX_NR ||
		    names[nr] || sscanf(end, "%127s", name) != 1)
			continue;
		names[nr] = strdup(name);
	}
	(void)fclose(f);
}

/* One byte and room for one fd in the control data: an SCM_RIGHTS message. */
struct fd_msg {
	char byte;
	union { /* aligned as cmsg(3) asks */
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov;
	struct msghdr msg;
};

static void fd_msg_init(struct fd_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->iov.iov_base = &m->byte;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->ctl.buf;
	m->msg.msg_controllen = sizeof(m->ctl.buf);
}

static int send_fd(int sock, int fd)
{
	struct fd_msg m;
	struct cmsghdr *c;

	fd_msg_init(&m);
	c = CMSG_FIRSTHDR(&m.msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m.msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	struct fd_msg m;
	struct cmsghdr *c;
	int fd;

	fd_msg_init(&m);
	if (recvmsg(sock, &m.msg, 0) != 1)
		return -1;
	c = CMSG_FIRSTHDR(&m.msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/*
 * Answers notifications until every filtered process is gone (POLLHUP), or,
 * once PROGRAM has exited and been reaped, for at most 10 s more (a daemon it
 * left running is not waited for).
 */
static int supervise(int nfd, const struct stat *prog, pid_t child, int *status)
{
	int reaped = 0, grace = 0, ret = -1;
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	char buf[32];

	if (seccomp(SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -1;
	req = calloc(1,
	             sz.seccomp_notif > sizeof(*req) ? sz.seccomp_notif : sizeof(*req));
	resp = calloc(1, sz.seccomp_notif_resp > sizeof(*resp) ? sz.seccomp_notif_resp
	                                                       : sizeof(*resp));
	if (!req || !resp)
		goto out;
	for (;;) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		int err, ready;

		ready = poll(&p, 1, 100);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		if (!reaped && waitpid(child, status, WNOHANG) == child)
			reaped = 1;
		if (p.revents & POLLHUP)
			break;
		if (ready == 0) {
			if (reaped && ++grace > 100)
				break;
			continue;
		}
		memset(req, 0, sz.seccomp_notif);
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			goto out;
		}
		memset(resp, 0, sz.seccomp_notif_resp);
		resp->id = req->id;
		err = is_program((pid_t)req->pid, prog) ? answer_2632(&req->data) : 0;
		if (err) {
			resp->error = -err;
			if (req->data.nr < MAX_NR)
				counts[req->data.nr]++;
			fprintf(log_fp, "denied %s %d %s pid %u\n",
			        name_of((int)req->data.nr, buf, sizeof(buf)),
			        (int)req->data.nr, err == ENOSYS ? "ENOSYS" : "EINVAL",
			        req->pid);
		} else {
			resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		}
		/* ENOENT: the caller was killed meanwhile; nothing to answer. */
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT)
			goto out;
	}
	if (!reaped)
		while (waitpid(child, status, 0) < 0)
			if (errno != EINTR)
				goto out;
	ret = 0;
out:
	free(req);
	free(resp);
	return ret;
}

int main(int argc, char **argv)
{
	const char *log_path = NULL;
	struct stat prog;
	int i = 1, sv[2], nfd, status, n;
	pid_t pid;

	for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--log") == 0)
			log_path = argv[i + 1];
		else if (strcmp(argv[i], "--names") == 0)
			read_names(argv[i + 1]);
		else
			break;
	}
	if (i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
		fprintf(stderr,
		        "usage: oldkernel-run [--log FILE] [--names FILE] -- PROGRAM [ARG...]\n");
		return SUPERVISOR_ERR;
	}
	argv += i + 1;
	if (stat(argv[0], &prog) < 0) {
		fprintf(stderr, "oldkernel-run: %s: %s\n", argv[0], strerror(errno));
		return SUPERVISOR_ERR;
	}
	log_fp = log_path ? fopen(log_path, "we") : stderr;
	if (!log_fp) {
		fprintf(stderr, "oldkernel-run: %s: %s\n", log_path, strerror(errno));
		return SUPERVISOR_ERR;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return SUPERVISOR_ERR;
	pid = fork();
	if (pid < 0)
		return SUPERVISOR_ERR;
	if (pid == 0) {
		close(sv[0]);
		nfd = install_filter();
		if (nfd < 0 || send_fd(sv[1], nfd) < 0) {
			fprintf(stderr, "oldkernel-run: seccomp user notification: %s\n",
			        strerror(nfd < 0 ? -nfd : errno));
			_exit(SUPERVISOR_ERR);
		}
		close(nfd);
		close(sv[1]);
		execv(argv[0], argv);
		fprintf(stderr, "oldkernel-run: %s: %s\n", argv[0], strerror(errno));
		_exit(SUPERVISOR_ERR);
	}
	close(sv[1]);
	nfd = recv_fd(sv[0]);
	close(sv[0]);
	if (nfd < 0 || supervise(nfd, &prog, pid, &status) < 0) {
		fprintf(stderr, "oldkernel-run: supervising: %s\n", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return SUPERVISOR_ERR;
	}
	for (n = 0; n < MAX_NR; n++)
		if (counts[n]) {
			char buf[32];

			fprintf(log_fp, "summary %s %lu\n", name_of(n, buf, sizeof(buf)),
			        counts[n]);
		}
	/* The summary is what the tests read: a log not written whole is an error. */
	if (log_fp != stderr && fclose(log_fp) != 0) {
		fprintf(stderr, "oldkernel-run: %s: %s\n", log_path, strerror(errno));
		return SUPERVISOR_ERR;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
