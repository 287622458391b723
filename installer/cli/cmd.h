/* SPDX-License-Identifier: MIT */
/* The subcommands of the installer, one file each (cmd_<verb>.c). */
#ifndef GT_INSTALLER_CMD_H
#define GT_INSTALLER_CMD_H

struct gt_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* argv[0] is the command name */
	const char *help;
};

int cmd_detect(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_uninstall(int argc, char **argv);
int cmd_collect(int argc, char **argv);
int cmd_prepare_hvm(int argc, char **argv);

#endif
