/* SPDX-License-Identifier: MIT */
/*
 * The options of every subcommand, parsed one way for all of them: a command
 * names the options it takes beyond --root, -q, -v and --help (the GT_OPT_*
 * bits); any other is a usage error, reported here.
 */
#ifndef GT_CLI_H
#define GT_CLI_H

#include <stdbool.h>

enum {
	GT_OPT_MEDIA = 1 << 0,
	GT_OPT_CHANGE = 1 << 1, /* --dry-run, --yes */
	GT_OPT_LOG = 1 << 2,
	GT_OPT_OVERRIDE = 1 << 3, /* -d DISTRO -m MAJOR */
	GT_OPT_JSON = 1 << 4,
	GT_OPT_FORCE = 1 << 5, /* --force, -f */
	GT_OPT_OPERAND =
	        1 << 6,       /* one operand (collect's OUT), before or after options */
	GT_OPT_DISK = 1 << 7, /* --disk PATH: the boot disk (image or device) */
	GT_OPT_PV_TO_HVM = 1 << 8, /* --pv-to-hvm: detect's readiness section */
};

struct gt_cli {
	const char *root;
	const char *media;
	const char *log;
	const char *distro;
	int major;
	const char *operand; /* GT_OPT_OPERAND: NULL when none was given */
	const char *disk;    /* GT_OPT_DISK: NULL when none was given */
	bool pv_to_hvm;      /* GT_OPT_PV_TO_HVM */
	bool json, yes, dry_run, force;
	bool insecure_skip_signature; /* install: sigcheck.h */
	bool allow_downgrade;         /* install: actions/downgrade.h */
	int verbosity;
};

/*
 * gt_cli_parse - parse @argv of command @name allowing the @allowed extra
 * options; --help prints @usage. Returns -1 to go on, or the exit code to
 * return now (0 after --help, 2 on a usage error, already reported). Sets
 * the log's verbosity (-q, -v).
 */
int gt_cli_parse(int argc, char **argv, const char *name, unsigned allowed,
                 const char *usage, struct gt_cli *out);

#endif
