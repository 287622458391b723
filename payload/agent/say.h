/* SPDX-License-Identifier: MIT */
/*
 * The agent's messages: standard error (the journal under systemd) or
 * syslog (--syslog, --daemon), filtered by -q/-v. The front end's units
 * (main.c, loop.c, check.c) and the daemon's own steps report through it.
 */
#ifndef GT_AGENT_SAY_H
#define GT_AGENT_SAY_H

#include <stdbool.h>
#include <syslog.h>

#define PROG "guest-agent"

/* say_setup - log to syslog (@syslog) or stderr; @verbosity 0 (-q) to 3 (-vv). */
void say_setup(bool syslog, int verbosity);
/* say_close - close syslog when it was opened. */
void say_close(void);

/*
 * say - one message at syslog priority @prio (LOG_ERR ... LOG_DEBUG).
 * Errors always show; LOG_WARNING and LOG_NOTICE from verbosity 1 (the
 * default), LOG_INFO from 2 (-v), LOG_DEBUG from 3 (-vv).
 */
void say(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
