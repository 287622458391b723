/* SPDX-License-Identifier: MIT */
/*
 * Error values shared by every part of guest-tools.
 *
 * Library functions return 0 on success, a negative errno value for system
 * errors, or one of the negative GT_E* codes below for our own failures.
 * They never print and never exit: the front end decides what to tell the
 * user and which documented exit code to use.
 */
#ifndef GT_ERROR_H
#define GT_ERROR_H

/* Project codes start far above any errno value so the two never collide. */
enum gt_error {
	GT_EBASE = 10000,
	GT_EPARSE,       /* malformed input (a file we read does not follow its format) */
	GT_ETOOBIG,      /* input larger than the limit we accept */
	GT_EESCAPE,      /* a path tried to leave the --root directory */
	GT_EINTEGRITY,   /* checksum or signature mismatch */
	GT_EUNSUPPORTED, /* a valid input we do not handle */
	GT_ENOTFOUND,    /* a looked-up item does not exist */
	GT_ENOTREG,      /* expected a regular file (got a FIFO, device, directory...) */
	GT_EMEDIA, /* the media stopped being readable (ejected, damaged, truncated) */
	GT_ETOOL,  /* a program we ran failed (its exit status or signal is told apart) */
	GT_EUNSAFE, /* a directory we keep state in is a link, not ours, or writable by
	               others */
	GT_ELAST
};

/*
 * gt_strerror - describe an error value.
 * @err: 0, a negative errno value or a negative GT_E* code.
 * Returns a static string; never NULL.
 */
const char *gt_strerror(int err);

#endif
