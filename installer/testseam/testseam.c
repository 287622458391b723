/* SPDX-License-Identifier: MIT */
/*
 * Compiled twice: as is, for the shipped installer, where every seam does
 * nothing; with -DGT_TEST_SEAMS into testseam-live.o, for the test build.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testseam/testseam.h"

#ifdef GT_TEST_SEAMS
void gt_test_stop_point(const char *where)
{
	const char *at = getenv("GT_TEST_STOP_AT");

	if (at && strcmp(at, where) == 0)
		raise(SIGSTOP);
}

void gt_test_kill_point(const char *where)
{
	const char *at = getenv("GT_TEST_KILL_AT");

	if (at && strcmp(at, where) == 0)
		raise(SIGKILL);
}

void gt_test_kill_point_n(const char *where, unsigned n)
{
	char point[64];

	snprintf(point, sizeof(point), "%s:%u", where, n);
	gt_test_kill_point(point);
}

int gt_test_seams_live(void)
{
	return 1;
}
#else
void gt_test_stop_point(const char *where)
{
	(void)where;
}

void gt_test_kill_point(const char *where)
{
	(void)where;
}

void gt_test_kill_point_n(const char *where, unsigned n)
{
	(void)where;
	(void)n;
}

int gt_test_seams_live(void)
{
	return 0;
}
#endif
