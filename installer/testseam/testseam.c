/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "testseam/testseam.h"

void gt_test_stop_point(const char *where)
{
	const char *at = getenv("GT_TEST_STOP_AT");

	if (at && strcmp(at, where) == 0)
		raise(SIGSTOP);
}
