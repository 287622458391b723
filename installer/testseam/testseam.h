/* SPDX-License-Identifier: MIT */
/*
 * Test seams: let the fault tests stop or kill the installer at a known
 * point. They are live only in the test build of the installer
 * (build/<variant>/installer-test, linked with testseam-live.o: testseam.c
 * compiled with -DGT_TEST_SEAMS); in the shipped installer they do nothing
 * and the environment variables that drive them are not even in the binary.
 */
#ifndef GT_INSTALLER_TESTSEAM_H
#define GT_INSTALLER_TESTSEAM_H

/*
 * gt_test_stop_point - stop the process (SIGSTOP) when GT_TEST_STOP_AT names
 * @where ("payload", "payload-read", or a journal record kind just made
 * durable), so that a test can eject the CD, truncate the image, start a
 * second run or pull the VM's plug, and then let the run go on with SIGCONT.
 * It only pauses the caller's own run.
 */
void gt_test_stop_point(const char *where);

/*
 * gt_test_kill_point - SIGKILL ourselves when GT_TEST_KILL_AT names @where
 * (a journal record kind just made durable: "begin", "pkg", ...; or
 * "installed" after the package tool ran), as a power cut or an admin's
 * kill -9 would. It only ends the caller's own run.
 */
void gt_test_kill_point(const char *where);

/*
 * gt_test_kill_point_n - the same for the @n-th (1-based) passage at
 * @where: GT_TEST_KILL_AT=undo:3 kills the run after its third undo step.
 */
void gt_test_kill_point_n(const char *where, unsigned n);

/* gt_test_seams_live - true in the test build (for --version and tests). */
int gt_test_seams_live(void);

#endif
