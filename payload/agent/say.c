/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "i18n.h"
#include "say.h"

static bool use_syslog;
static int verbosity = 1; /* 0 -q: errors only, 1 warnings, 2 -v info, 3 -vv debug */

void say_setup(bool syslog, int level)
{
	use_syslog = syslog;
	verbosity = level;
	if (use_syslog)
		openlog(PROG, LOG_PID, LOG_DAEMON);
}

void say_close(void)
{
	if (use_syslog)
		closelog();
}

void say(int prio, const char *fmt, ...)
{
	int level = prio <= LOG_ERR       ? 0
	            : prio == LOG_WARNING ? 1
	            : prio == LOG_NOTICE  ? 1 /* start, stop, not Xen */
	            : prio == LOG_INFO    ? 2
	                                  : 3;
	va_list ap;

	if (level > verbosity && level > 0)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		/* A terminal (--check, a run by hand): the user's language;
		 * syslog keeps the English. */
		fprintf(stderr, "%s: %s", PROG,
		        prio == LOG_WARNING ? gt_tr("warning: ") : "");
		vfprintf(stderr, prio == LOG_DEBUG ? fmt : gt_tr(fmt), ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
