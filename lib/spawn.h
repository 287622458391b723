/* SPDX-License-Identifier: MIT */
/*
 * Running other programs (dpkg, rpm, systemctl, dracut...): always an
 * argument vector, never a shell string; a fixed PATH and a clean
 * environment (no LD_*, no user settings), so a hostile environment cannot
 * steer what runs as root.
 */
#ifndef GT_SPAWN_H
#define GT_SPAWN_H

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
 * gt_spawn - run @argv (argv[0] looked up in the fixed PATH) and wait.
 * @opts may be NULL. Returns the exit status (0..255), 128+signal when the
 * program was killed, or a negative errno when it could not be started
 * (-ENOENT: not installed).
 */
int gt_spawn(const char *const argv[], struct gt_spawn_opts *opts);

/* gt_spawn_path - the fixed PATH children get. */
const char *gt_spawn_path(void);

/* gt_which - true when @prog is found in the fixed PATH (under @root_dir if not NULL). */
int gt_which(const char *root_dir, const char *prog);

#endif
