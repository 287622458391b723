/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "error.h"

const char *gt_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err < 0)
		err = -err;
	switch (err) {
	case GT_EPARSE:
		return "malformed content";
	case GT_ETOOBIG:
		return "too large";
	case GT_EESCAPE:
		return "path escapes the root directory";
	case GT_EINTEGRITY:
		return "integrity check failed";
	case GT_EUNSUPPORTED:
		return "not supported";
	case GT_ENOTFOUND:
		return "not found";
	case GT_ENOTREG:
		return "not a regular file";
	case GT_EMEDIA:
		return "the media cannot be read";
	case GT_ETOOL:
		return "the program it ran failed";
	case GT_EUNSAFE:
		return "not a directory owned by root and closed to others";
	default:
		break;
	}
	if (err > GT_EBASE)
		return "unknown error";
	return strerror(err);
}
