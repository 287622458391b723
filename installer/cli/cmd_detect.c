/* SPDX-License-Identifier: MIT */
/*
 * installer detect [--root DIR] [--json] [--pv-to-hvm] [--disk PATH]:
 * describe the guest; reads only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "detect/detect.h"
#include "detect/pv_to_hvm.h"
#include "error.h"
#include "cli/exitcode.h"
#include "i18n.h"
#include "log.h"

static const char usage[] = N_(
        "Usage: installer detect [--root DIR] [--json] [--pv-to-hvm] [--disk PATH] [-q] [-v]\n\n"
        "Describe this guest: distribution, architecture, init system,\n"
        "virtualization mode with per-device evidence, and root filesystem.\n"
        "On a Xen PV guest, also whether it would boot once switched to HVM.\n"
        "Reads only; changes nothing.\n\n"
        "  --root DIR  read every file under DIR (a guest image, a fixture tree,\n"
        "              an unpacked support bundle) instead of this system\n"
        "  --json      print one JSON object (schema 1) on stdout\n"
        "  --pv-to-hvm check the readiness for HVM on any guest, not only PV\n"
        "  --disk PATH the boot disk to read (an image file or a block device,\n"
        "              opened read-only); default: the disk holding /boot, none\n"
        "              under --root; implies --pv-to-hvm\n"
        "  -q, -v      quieter, more verbose (-v shows the evidence)\n"
        "  -h, --help  show this help\n");

int cmd_detect(int argc, char **argv)
{
	const char *rootdir, *what = NULL;
	struct gt_root *root = NULL;
	struct gt_detect *d = NULL;
	int ret, rc = GT_EXIT_OK;
	struct gt_cli o;
	bool json;

	ret = gt_cli_parse(argc, argv, "detect",
	                   GT_OPT_JSON | GT_OPT_PV_TO_HVM | GT_OPT_DISK, usage, &o);
	if (ret >= 0)
		return ret;
	rootdir = o.root;
	json = o.json;
	ret = gt_root_open(rootdir, &root);
	if (ret < 0) {
		gt_err("%s: cannot open the root directory: %s (give an existing directory to --root)",
		       rootdir, gt_strerror(ret));
		return GT_EXIT_USAGE;
	}
	ret = gt_detect_run(root, &d, &what);
	if (ret < 0) {
		gt_err("detect: cannot read the %s under %s: %s", what, root->dir,
		       gt_strerror(ret));
		rc = ret == -ENOMEM ? GT_EXIT_FAILURE : GT_EXIT_INPUT;
		goto out;
	}
	if (o.pv_to_hvm || o.disk ||
	    (strcmp(d->virt->hypervisor, "xen") == 0 &&
	     strcmp(d->virt->mode, "pv") == 0)) {
		ret = gt_pv_to_hvm_check(root, d, o.disk, &d->pv_to_hvm);
		if (ret == -ENOMEM) {
			gt_err("detect: out of memory while checking the readiness for HVM");
			rc = GT_EXIT_FAILURE;
			goto out;
		}
		if (ret == -ENODATA) {
			gt_err("%s: not a disk: shorter than one 512-byte sector (give --disk a disk image or block device)",
			       o.disk);
			rc = GT_EXIT_USAGE;
			goto out;
		}
		if (ret < 0) {
			gt_err("%s: cannot read the boot disk: %s (give --disk a disk image or block device that can be read)",
			       o.disk, gt_strerror(ret));
			rc = GT_EXIT_USAGE;
			goto out;
		}
	}
	if (json) {
		if (gt_detect_print_json(d, stdout) < 0) {
			gt_err("detect: cannot write the JSON report to stdout");
			rc = GT_EXIT_FAILURE;
		}
	} else {
		gt_detect_print_human(d, stdout);
		if (fflush(stdout) != 0)
			rc = GT_EXIT_FAILURE;
	}
	/* The report is still printed; the exit code says an input was bad. */
	for (size_t i = 0; i < d->nwarnings; i++) {
		char shown[4200];

		if (strcmp(d->warnings[i].code, "malformed-file") != 0)
			continue;
		gt_err("%s",
		       gt_root_display(root, d->warnings[i].shown, shown, sizeof(shown)));
		if (rc == GT_EXIT_OK)
			rc = GT_EXIT_INPUT;
	}
out:
	gt_detect_free(d);
	gt_root_close(root);
	return rc;
}
