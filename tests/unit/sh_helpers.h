/* SPDX-License-Identifier: MIT */
/*
 * What the tests that build small roots with the shell share
 * (test_distro.c, test_virt_fixtures.c). Include after <cmocka.h>.
 */
#ifndef GT_TEST_SH_HELPERS_H
#define GT_TEST_SH_HELPERS_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs the shell command @fmt...; the test fails when it does. */
static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	char cmd[2000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("failed: %s", cmd);
}

#endif
