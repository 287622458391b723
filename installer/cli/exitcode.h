/* SPDX-License-Identifier: MIT */
/* The installer's exit codes, documented in docs/installer.8. */
#ifndef GT_INSTALLER_EXITCODE_H
#define GT_INSTALLER_EXITCODE_H

enum gt_exit {
	GT_EXIT_OK = 0,
	GT_EXIT_FAILURE = 1,     /* an error not covered below */
	GT_EXIT_USAGE = 2,       /* bad command line */
	GT_EXIT_REBOOT = 3,      /* success; reboot to finish (PV drivers) */
	GT_EXIT_UNSUPPORTED = 4, /* this guest cannot be handled (dom0, container...) */
	GT_EXIT_INTEGRITY = 5,   /* checksum or signature mismatch; nothing changed */
	GT_EXIT_ROLLEDBACK = 6,  /* install failed and was rolled back */
	GT_EXIT_NOMEDIA = 7,     /* no guest-tools media found */
	GT_EXIT_INPUT = 8,       /* a file we read (--root tree, /proc...) is unusable */
	GT_EXIT_NOTROOT = 9,     /* a command that changes the system, run without root */
	GT_EXIT_BUSY = 10,       /* another run holds the lock (its pid is said) */
	GT_EXIT_INCOMPLETE = 11, /* a rollback or uninstall could not undo everything */
	GT_EXIT_UNSAFE =
	        12, /* the state or log directory is a link, not root's, or open */
	GT_EXIT_DOWNGRADE =
	        13, /* the media is older than what is installed; nothing changed */
	GT_EXIT_NOT_XEN = 14,   /* another hypervisor: the agent only with --force */
	GT_EXIT_NOT_READY = 15, /* prepare-hvm: done what it could; not ready yet */
};

#endif
