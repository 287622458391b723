/* SPDX-License-Identifier: MIT */
/*
 * installer: the guest side of guest-tools. One small function per
 * subcommand, registered in the table below (the apk-tools/kmod way).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "cli/exitcode.h"
#include "i18n.h"
#include "log.h"

static const struct gt_command commands[] = {
	{ "detect", cmd_detect,
	  N_("describe this guest: distro, arch, init, virtualization, root fs") },
	{ "install", cmd_install, N_("install the agent from the guest-tools media") },
	{ "verify", cmd_verify, N_("check the installation (use after the reboot)") },
	{ "status", cmd_status, N_("show what guest-tools installed") },
	{ "uninstall", cmd_uninstall, N_("remove what guest-tools installed") },
	{ "collect", cmd_collect, N_("write a support bundle of what detect reads") },
	{ "prepare-hvm", cmd_prepare_hvm,
	  N_("before switching a PV guest to HVM: apply the safe fixes") },
};

static void usage(FILE *fp)
{
	size_t i;

	fputs(gt_tr("Usage: installer [--version] [--help] COMMAND [OPTIONS]\n\nCommands:\n"),
	      fp);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, gt_tr(commands[i].help));
	fputs(gt_tr("\nRun 'installer COMMAND --help' for a command's options.\nSee installer(8) for the exit codes.\n"),
	      fp);
}

int main(int argc, char **argv)
{
	size_t i;

	gt_log_init("installer", GT_LOG_WARN);
	gt_i18n_init();
	if (argc < 2) {
		usage(stderr);
		return GT_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return GT_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("installer (guest-tools) %s\n", GT_VERSION);
		return GT_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	gt_err("unknown command '%s'\nTry 'installer --help'.", argv[1]);
	return GT_EXIT_USAGE;
}
