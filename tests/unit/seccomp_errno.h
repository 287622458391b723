/* SPDX-License-Identifier: MIT */
/*
 * For unit tests: make one system call fail with a chosen errno in this
 * process from now on (a seccomp filter, which cannot be taken back: call it
 * in a child, or last). It shows what the code does on a kernel that lacks
 * the call (openat2 -> ENOSYS, as on Linux < 5.6) or when it fails (fsync
 * -> EIO), with the shipped code and no switch of its own.
 */
#ifndef GT_TEST_SECCOMP_ERRNO_H
#define GT_TEST_SECCOMP_ERRNO_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

/* Returns 0, or -1 when the kernel refuses the filter. */
static inline int seccomp_errno(long nr, int err)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K,
		         SECCOMP_RET_ERRNO | ((unsigned)err & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0 ? -1 : 0;
}

#endif
