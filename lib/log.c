/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "i18n.h"
#include "log.h"

static const char *log_prog = "guest-tools";
static int log_verbosity = GT_LOG_WARN;

void gt_log_init(const char *prog, int verbosity)
{
	if (prog)
		log_prog = prog;
	log_verbosity = verbosity;
}

int gt_log_verbosity(void)
{
	return log_verbosity;
}

const char *gt_log_prog(void)
{
	return log_prog;
}

void gt_log(enum gt_log_level level, const char *fmt, ...)
{
	va_list ap;

	/* Errors are always shown, even with -q: they explain the exit code. */
	if (level != GT_LOG_ERROR && (int)level > log_verbosity)
		return;
	fprintf(stderr, "%s: %s", log_prog,
	        level == GT_LOG_WARN ? gt_tr("warning: ") : "");
	/*
	 * Errors, warnings and -v notes are for a person: in the language
	 * chosen (lib/i18n.h). -vv's command lines are for support: English.
	 */
	if (level != GT_LOG_DEBUG)
		fmt = gt_tr(fmt);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
