/* SPDX-License-Identifier: MIT */
/* Test seams: let the fault tests stop the installer at a known point. */
#ifndef GT_INSTALLER_TESTSEAM_H
#define GT_INSTALLER_TESTSEAM_H

/*
 * gt_test_stop_point - stop the process (SIGSTOP) when GT_TEST_STOP_AT names
 * @where, so that a test can eject the CD or truncate the image and then
 * let the run go on with SIGCONT. Harmless: it only pauses the caller's run.
 */
void gt_test_stop_point(const char *where);

#endif
