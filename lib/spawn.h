/* SPDX-License-Identifier: MIT */
/*
 * Running other programs (dpkg, rpm, systemctl, dracut...): always an
 * argument vector, never a shell string; a fixed PATH and a clean
 * environment (no LD_*, no user settings), so a hostile environment cannot
 * steer what runs as root.
 */
#ifndef GT_SPAWN_H
#define GT_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

struct gt_spawn_opts {
	const char *const
	        *extra_env;     /* "NAME=value" entries added to the clean environment */
	const char *chroot_dir; /* run inside this root (NULL: no chroot) */
	char *output;           /* out: captured stdout+stderr (owned by the caller) */
	size_t output_len;
	int capture; /* nonzero: capture output into ->output (at most 64 KiB kept) */
};

/*
 * How a spawned program ended: exactly one of the three says why it did not
 * succeed. A program that ran and failed is never mistaken for one that
 * could not be started, nor a signal for an exit status.
 */
struct gt_spawn_result {
	int err; /* 0, or the errno that kept it from running (ENOENT: not installed) */
	int status; /* its exit status (0..255) when it exited */
	int signal; /* the signal that killed it, or 0 */
};

/*
 * gt_spawn - run @argv (argv[0] looked up in the fixed PATH) and wait.
 * @opts may be NULL. A program not found in the fixed PATH (outside a
 * chroot) is err ENOENT; one that cannot be executed in the chroot exits 127.
 */
struct gt_spawn_result gt_spawn(const char *const argv[], struct gt_spawn_opts *opts);

/* gt_spawn_ok - true when the program ran and exited with status 0. */
bool gt_spawn_ok(struct gt_spawn_result r);

/*
 * gt_spawn_describe - how @r ended, in words ("exit status 2", "killed by
 * signal 9", "cannot be run: No such file or directory"), in @buf of @size.
 * Returns @buf.
 */
const char *gt_spawn_describe(struct gt_spawn_result r, char *buf, size_t size);

/* gt_spawn_path - the fixed PATH children get. */
const char *gt_spawn_path(void);

/* gt_which - true when @prog is found in the fixed PATH (under @root_dir if not NULL). */
int gt_which(const char *root_dir, const char *prog);

#endif
