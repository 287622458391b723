/* SPDX-License-Identifier: MIT */
/*
 * installer verify, status and uninstall: what the installed record says,
 * checked against the system, and undone on request.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "detect/detect.h"
#include "error.h"
#include "cli/exitcode.h"
#include "transaction/journal.h"
#include "json.h"
#include "log.h"
#include "actions/verify.h"

static const char verify_usage[] =
        "Usage: installer verify [--root DIR] [--json] [-q] [-v]\n\n"
        "Check the installation: the agent installed, enabled and running, the\n"
        "virtualization mode and its devices, whether a reboot is due.\n"
        "Exit 0: all good; 3: reboot needed; 1: the agent is missing or not running.\n\n"
        "  --root DIR  check the guest image mounted at DIR instead of this system\n"
        "  --json      print one JSON object on stdout\n"
        "  -q, -v      quieter, more verbose\n"
        "  -h, --help  show this help\n";
static const char status_usage[] =
        "Usage: installer status [--root DIR] [--json] [-q] [-v]\n\n"
        "Show what guest-tools installed, by which run, from which ISO version.\n\n"
        "  --root DIR  read the record of the guest image mounted at DIR\n"
        "  --json      print one JSON object on stdout\n"
        "  -q, -v      quieter, more verbose\n"
        "  -h, --help  show this help\n";
static const char uninstall_usage[] =
        "Usage: installer uninstall [--root DIR] [--dry-run] [--yes] [--json] [-k] [-q] [-v]\n\n"
        "Remove what the installer's record says it installed, restore the files it\n"
        "backed up, and forget the record.\n\n"
        "  --root DIR     uninstall from the guest image mounted at DIR\n"
        "  --dry-run      print what would be done and change nothing\n"
        "  -y, --yes, -n  do not ask for confirmation\n"
        "  --json         print one JSON object on stdout\n"
        "  -k             accepted for compatibility; the kernel is never changed\n"
        "  -q, -v         quieter, more verbose\n"
        "  -h, --help     show this help\n";

/* Open the root and detect; prints and returns an exit code on failure, or -1. */
static int setup(const struct gt_cli *o, struct gt_root **root, struct gt_detect **d)
{
	const char *what = NULL;
	int ret = gt_root_open(o->root, root);

	if (ret < 0) {
		gt_err("%s: cannot open the root directory: %s", o->root,
		       gt_strerror(ret));
		return GT_EXIT_USAGE;
	}
	if (!d)
		return -1;
	ret = gt_detect_run(*root, d, &what);
	if (ret < 0) {
		gt_err("cannot read the %s under %s: %s", what, (*root)->dir,
		       gt_strerror(ret));
		gt_root_close(*root);
		return GT_EXIT_INPUT;
	}
	return -1;
}

int cmd_verify(int argc, char **argv)
{
	struct gt_root *root = NULL;
	struct gt_detect *d = NULL;
	struct gt_verify *v = NULL;
	struct gt_cli o;
	int rc = gt_cli_parse(argc, argv, "verify", GT_OPT_JSON, verify_usage, &o);

	if (rc >= 0 || (rc = setup(&o, &root, &d)) >= 0)
		return rc;
	if (gt_verify_run(root, d, &v) < 0) {
		gt_err("verify: out of memory");
		rc = GT_EXIT_FAILURE;
		goto out;
	}
	rc = !gt_verify_ok(v, root) ? GT_EXIT_FAILURE
	     : v->reboot_needed     ? GT_EXIT_REBOOT
	                            : GT_EXIT_OK;
	if (o.json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_int(&j, "schema", 1);
		gt_json_kv_bool(&j, "ok", rc != GT_EXIT_FAILURE);
		gt_json_key(&j, "agent");
		gt_verify_json(&j, v);
		gt_json_kv_string(&j, "hypervisor", d->virt->hypervisor);
		gt_json_kv_string(&j, "mode", d->virt->mode);
		gt_json_key(&j, "devices");
		gt_json_begin_array(&j);
		for (size_t i = 0; i < d->virt->ndevices; i++) {
			gt_json_begin_object(&j);
			gt_json_kv_string(&j, "name", d->virt->devices[i].name);
			gt_json_kv_string(&j, "kind", d->virt->devices[i].kind);
			gt_json_kv_string(&j, "driver", d->virt->devices[i].driver);
			gt_json_kv_bool(&j, "pv", d->virt->devices[i].pv);
			gt_json_kv_string(&j, "role", d->virt->devices[i].role);
			gt_json_kv_bool(&j, "judged", d->virt->devices[i].judged);
			gt_json_end_object(&j);
		}
		gt_json_end_array(&j);
		gt_json_key(&j, "reasons");
		gt_json_begin_array(&j);
		for (size_t i = 0; d->virt->reasons[i]; i++)
			gt_json_string(&j, d->virt->reasons[i]);
		gt_json_end_array(&j);
		gt_json_kv_string(&j, "rootfs_type",
		                  d->rootfs->on_disk_type ? d->rootfs->on_disk_type
		                                          : d->rootfs->type);
		gt_json_kv_bool(&j, "rootfs_flagged", d->rootfs->flagged);
		gt_json_kv_int(&j, "exit", rc);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	} else {
		gt_verify_human(stdout, v, root);
		gt_detect_print_human(d, stdout);
	}
out:
	gt_verify_free(v);
	gt_detect_free(d);
	gt_root_close(root);
	return rc;
}

static void print_record_json(struct gt_json *j, const struct gt_journal_log *log)
{
	size_t i, k;

	gt_json_key(j, "changes");
	gt_json_begin_array(j);
	for (i = 0; log && i < log->count; i++) {
		if (strcmp(log->records[i].kind, "begin") == 0 ||
		    strcmp(log->records[i].kind, "commit") == 0)
			continue;
		gt_json_begin_object(j);
		gt_json_kv_string(j, "kind", log->records[i].kind);
		gt_json_key(j, "fields");
		gt_json_begin_array(j);
		for (k = 0; log->records[i].fields[k]; k++)
			gt_json_string(j, log->records[i].fields[k]);
		gt_json_end_array(j);
		gt_json_end_object(j);
	}
	gt_json_end_array(j);
}

int cmd_status(int argc, char **argv)
{
	struct gt_root *root = NULL;
	struct gt_detect *d = NULL;
	struct gt_verify *v = NULL;
	struct gt_journal_log *log = NULL;
	struct gt_cli o;
	int rc = gt_cli_parse(argc, argv, "status", GT_OPT_JSON, status_usage, &o);

	if (rc >= 0 || (rc = setup(&o, &root, &d)) >= 0)
		return rc;
	rc = GT_EXIT_OK;
	gt_journal_read(root, true, &log);
	gt_verify_run(root, d, &v);
	if (o.json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_int(&j, "schema", 1);
		gt_json_kv_bool(&j, "installed", log != NULL);
		gt_json_key(&j, "agent");
		if (v)
			gt_verify_json(&j, v);
		else
			gt_json_null(&j);
		print_record_json(&j, log);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	} else if (!log) {
		printf("guest-tools is not installed here.\n");
	} else {
		size_t i;

		gt_verify_human(stdout, v, root);
		printf("Changes recorded (undone by 'installer uninstall'):\n");
		for (i = 0; i < log->count; i++) {
			const struct gt_journal_record *r = &log->records[i];

			if (!strcmp(r->kind, "begin") || !strcmp(r->kind, "commit"))
				continue;
			printf("  %-8s", r->kind);
			for (size_t k = 0; r->fields[k]; k++)
				printf(" %s", r->fields[k]);
			putchar('\n');
		}
	}
	gt_journal_log_free(log);
	gt_verify_free(v);
	gt_detect_free(d);
	gt_root_close(root);
	return rc;
}

int cmd_uninstall(int argc, char **argv)
{
	struct gt_root *root = NULL;
	struct gt_journal_log *log = NULL;
	struct gt_cli o;
	int rc = gt_cli_parse(argc, argv, "uninstall", GT_OPT_CHANGE | GT_OPT_JSON,
	                      uninstall_usage, &o),
	    ret;
	bool recovered = false;

	if (rc >= 0)
		return rc;
	if (!o.dry_run && geteuid() != 0) {
		gt_err("uninstall: must be run as root");
		return GT_EXIT_NOTROOT;
	}
	if ((rc = setup(&o, &root, NULL)) >= 0)
		return rc;
	rc = GT_EXIT_OK;
	if (!o.dry_run && gt_journal_recover(root, &recovered) == 0 && recovered)
		gt_warn("an interrupted run was rolled back first");
	ret = gt_journal_read(root, true, &log);
	if (ret == -ENOENT) {
		if (o.json)
			printf("{\"schema\":1,\"changed\":false,\"installed\":false}\n");
		else
			printf("guest-tools is not installed here: nothing to remove.\n");
		goto out;
	}
	if (ret < 0) {
		gt_err("%s/installed: %s", GT_STATE_DIR, gt_strerror(ret));
		rc = GT_EXIT_INPUT;
		goto out;
	}
	if (!o.dry_run) {
		ret = gt_journal_undo_log(root, log);
		if (ret == 0)
			ret = gt_journal_forget_installed(root);
		if (ret < 0) {
			gt_err("uninstall: incomplete: %s (the record is kept; run it again)",
			       gt_strerror(ret));
			rc = GT_EXIT_FAILURE;
		}
	}
	if (o.json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_int(&j, "schema", 1);
		gt_json_kv_bool(&j, "changed", !o.dry_run && rc == GT_EXIT_OK);
		gt_json_kv_bool(&j, "dry_run", o.dry_run);
		print_record_json(&j, log);
		gt_json_kv_int(&j, "exit", rc);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	} else {
		printf("%s the changes of guest-tools' installation.\n",
		       o.dry_run          ? "Would undo"
		       : rc == GT_EXIT_OK ? "Undid"
		                          : "Could not fully undo");
	}
out:
	gt_journal_log_free(log);
	gt_root_close(root);
	return rc;
}
