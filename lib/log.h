/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics for the front ends, always on stderr, in the form
 * "prog: object: problem", one line a problem, reported once by the front
 * end (docs/HACKING.md, "Errors" and "Messages"). Library code does not log.
 */
#ifndef GT_LOG_H
#define GT_LOG_H

enum gt_log_level {
	GT_LOG_ERROR = 0,
	GT_LOG_WARN = 1,
	GT_LOG_INFO = 2, /* shown with -v */
	GT_LOG_DEBUG = 3 /* shown with -vv: every command line run */
};

/* gt_log_init - set the program name used as prefix and the verbosity (0 = -q). */
void gt_log_init(const char *prog, int verbosity);

/* gt_log_verbosity - the current verbosity (GT_LOG_WARN by default). */
int gt_log_verbosity(void);

/* gt_log_prog - the program name given to gt_log_init(). */
const char *gt_log_prog(void);

void gt_log(enum gt_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

#define gt_err(...)   gt_log(GT_LOG_ERROR, __VA_ARGS__)
#define gt_warn(...)  gt_log(GT_LOG_WARN, __VA_ARGS__)
#define gt_info(...)  gt_log(GT_LOG_INFO, __VA_ARGS__)
#define gt_debug(...) gt_log(GT_LOG_DEBUG, __VA_ARGS__)

#endif
