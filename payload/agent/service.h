/* SPDX-License-Identifier: MIT */
/* What a daemon owes its init system: readiness, a pidfile, detaching. */
#ifndef GT_AGENT_SERVICE_H
#define GT_AGENT_SERVICE_H

#include "root.h"

/* service_notify_ready - tell systemd (Type=notify) we are up; a no-op elsewhere. */
void service_notify_ready(void);

/* service_write_pidfile - write our process id to @path. Returns 0 or -errno. */
int service_write_pidfile(const char *path);

/*
 * service_daemonize - detach from the terminal (SysV init scripts start us
 * with --daemon). The first process waits until the daemon reports through
 * *@ready_fd (service_daemon_ready()) so that an init script that checks
 * the pidfile right after we return finds it; its exit status is the
 * daemon's start-up verdict. Returns 0 in the daemon, or -errno.
 */
int service_daemonize(int *ready_fd);

/* service_daemon_ready - tell the waiting first process that start-up succeeded. */
void service_daemon_ready(int *ready_fd);

/*
 * service_raise_freeze_timeout - raise @root's sys/power/pm_freeze_timeout
 * from the kernel's default of 20 s to 300 s, as xe-daemon does (CP-41689):
 * the suspend that precedes a live migration freezes every task, and a
 * busy guest can take longer than 20 s, which fails the migration. A
 * value the admin set is left alone. Returns 1 when raised, 0 when left,
 * or -errno.
 */
int service_raise_freeze_timeout(const struct gt_root *root);

#endif
