/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exitcode.h"
#include "i18n.h"
#include "log.h"

/* With -v: why a language the environment asks for is not used (lib/i18n.h). */
static void say_language(void)
{
	const struct gt_lang_choice *c = gt_i18n_choice();

	if (c->fallback)
		gt_info("messages in English: %s=%s: %s", c->variable, c->value,
		        c->fallback);
}

int gt_cli_parse(int argc, char **argv, const char *name, unsigned allowed,
                 const char *usage, struct gt_cli *o)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "media", required_argument, NULL, 'M' },
		{ "log", required_argument, NULL, 'l' },
		{ "dry-run", no_argument, NULL, 'D' },
		{ "yes", no_argument, NULL, 'y' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "insecure-skip-signature", no_argument, NULL, 'S' },
		{ "allow-downgrade", no_argument, NULL, 'G' },
		{ "force", no_argument, NULL, 'f' },
		{ "disk", required_argument, NULL, 'K' },
		{ "pv-to-hvm", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->major = -1;
	o->verbosity = GT_LOG_WARN;
	opterr = 0;
	optind = 1;
	for (;;) {
		unsigned need = 0;

		c = getopt_long(argc, argv, "+r:jM:l:Dynkd:m:qvhf", opts, NULL);
		if (c == -1) {
			/* Options may follow the operand; none is read after "--". */
			bool dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;

			if (optind < argc && (allowed & GT_OPT_OPERAND) && !o->operand) {
				o->operand = argv[optind++];
				if (!dashdash)
					continue;
			}
			break;
		}
		switch (c) {
		case 'r':
			o->root = optarg;
			break;
		case 'j':
			need = GT_OPT_JSON;
			o->json = true;
			break;
		case 'f':
			need = GT_OPT_FORCE;
			o->force = true;
			break;
		case 'M':
			need = GT_OPT_MEDIA;
			o->media = optarg;
			break;
		case 'l':
			need = GT_OPT_LOG;
			o->log = optarg;
			break;
		case 'D':
			need = GT_OPT_CHANGE;
			o->dry_run = true;
			break;
		case 'y':
		case 'n': /* the upstream install.sh's "non-interactive" */
			need = GT_OPT_CHANGE;
			o->yes = true;
			break;
		case 'k': /* upstream: "no kernel changes"; we never change the kernel */
			need = GT_OPT_CHANGE;
			break;
		case 'd':
			need = GT_OPT_OVERRIDE;
			o->distro = optarg;
			break;
		case 'm':
			need = GT_OPT_OVERRIDE;
			o->major = (int)strtol(optarg, &end, 10);
			if (*end || o->major < 0) {
				gt_err("%s: -m needs a major version number, not '%s'\nTry 'installer %s --help'.",
				       name, optarg, name);
				return GT_EXIT_USAGE;
			}
			break;
		case 'S': /* long option only: it is meant to be typed out */
			need = GT_OPT_MEDIA;
			o->insecure_skip_signature = true;
			break;
		case 'G': /* long option only, like the one above */
			need = GT_OPT_MEDIA;
			o->allow_downgrade = true;
			break;
		case 'K': /* long options only */
			need = GT_OPT_DISK;
			o->disk = optarg;
			break;
		case 'P':
			need = GT_OPT_PV_TO_HVM;
			o->pv_to_hvm = true;
			break;
		case 'q':
			o->verbosity = GT_LOG_ERROR;
			break;
		case 'v':
			o->verbosity++;
			break;
		case 'h':
			fputs(gt_tr(usage), stdout);
			return GT_EXIT_OK;
		default:
			gt_err("%s: unknown option or missing argument '%s'\nTry 'installer %s --help'.",
			       name, argv[optind - 1], name);
			return GT_EXIT_USAGE;
		}
		if (need && !(allowed & need)) {
			gt_err("%s: option '%s' does not apply here\nTry 'installer %s --help'.",
			       name, argv[optind - 1], name);
			return GT_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		gt_err("%s: unexpected argument '%s'\nTry 'installer %s --help'.", name,
		       argv[optind], name);
		return GT_EXIT_USAGE;
	}
	if ((o->distro != NULL) != (o->major >= 0)) {
		gt_err("%s: -d DISTRO and -m MAJOR go together\nTry 'installer %s --help'.",
		       name, name);
		return GT_EXIT_USAGE;
	}
	gt_log_init(NULL, o->verbosity);
	say_language();
	return -1;
}
