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
#include "cli/undo_words.h"
#include "transaction/journal.h"
#include "actions/undo_ops.h"
#include "transaction/rollback.h"
#include "transaction/statedir.h"
#include "json.h"
#include "i18n.h"
#include "log.h"
#include "actions/verify.h"

static const char verify_usage[] = N_(
        "Usage: installer verify [--root DIR] [--json] [-q] [-v]\n\n"
        "Check the installation: the agent installed, enabled and running, the\n"
        "virtualization mode and its devices, whether a reboot is due.\n"
        "Exit 0: all good; 3: reboot needed; 1: the agent is missing or not running.\n\n"
        "  --root DIR  check the guest image mounted at DIR instead of this system\n"
        "  --json      print one JSON object on stdout\n"
        "  -q, -v      quieter, more verbose\n"
        "  -h, --help  show this help\n");
static const char status_usage[] =
        N_("Usage: installer status [--root DIR] [--json] [-q] [-v]\n\n"
           "Show what guest-tools installed, by which run, from which ISO version.\n"
           "Exit 8 when the installed record cannot be read, 12 when the state\n"
           "directory is not one to trust (see installer(8)).\n\n"
           "  --root DIR  read the record of the guest image mounted at DIR\n"
           "  --json      print one JSON object on stdout\n"
           "  -q, -v      quieter, more verbose\n"
           "  -h, --help  show this help\n");
static const char uninstall_usage[] = N_(
        "Usage: installer uninstall [--root DIR] [--dry-run] [--yes] [--json] [-k] [-q] [-v]\n\n"
        "Remove what the installer's record says it installed, restore the files it\n"
        "backed up, check that everything is as it was before the first install, and\n"
        "forget the record. An uninstall that was interrupted is finished.\n"
        "See installer(8) for the exit codes.\n\n"
        "  --root DIR     uninstall from the guest image mounted at DIR\n"
        "  --dry-run      print what would be done and change nothing\n"
        "  -y, --yes, -n  do not ask for confirmation\n"
        "  --json         print one JSON object on stdout\n"
        "  -k             accepted for compatibility; the kernel is never changed\n"
        "  -q, -v         quieter, more verbose\n"
        "  -h, --help     show this help\n");

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

/* The installed record, read through the checked state directory. On failure
 * it says why and returns the exit code; 0 with *log NULL: not installed. */
static int read_record(const struct gt_root *root, struct gt_state **st,
                       struct gt_journal_log **log, bool *journal)
{
	struct gt_journal_error err;
	char why[256], shown[4200];
	int ret;

	*log = NULL;
	*journal = false;
	ret = gt_state_open(root, false, st, why, sizeof(why));
	if (ret == -ENOENT)
		return 0;
	gt_root_display(root, GT_STATE_DIR, shown, sizeof(shown));
	if (ret == -GT_EUNSAFE) {
		gt_err("%s %s: the state directory must be a directory owned by root and writable by root alone, so its record cannot be trusted. Inspect it, then remove or repair it",
		       shown, why);
		return GT_EXIT_UNSAFE;
	}
	if (ret < 0) {
		gt_err("%s: %s", shown, gt_strerror(ret));
		return GT_EXIT_INPUT;
	}
	*journal = gt_state_exists(*st, GT_JOURNAL_NAME);
	ret = gt_journal_load(*st, GT_INSTALLED_NAME, log, &err);
	if (ret == -ENOENT)
		return 0;
	if (ret == -GT_EPARSE) {
		gt_err("%s/%s: line %u: %s: this is not a record this installer writes, and nothing in it was acted on; what guest-tools installed here is not known. Inspect it, then move it away",
		       shown, GT_INSTALLED_NAME, err.line, err.msg);
		return GT_EXIT_INPUT;
	}
	if (ret < 0) {
		gt_err("%s/%s: the installed record cannot be read (%s), so what guest-tools installed here is not known",
		       shown, GT_INSTALLED_NAME, gt_strerror(ret));
		return GT_EXIT_INPUT;
	}
	return 0;
}

int cmd_status(int argc, char **argv)
{
	struct gt_root *root = NULL;
	struct gt_detect *d = NULL;
	struct gt_verify *v = NULL;
	struct gt_journal_log *log = NULL;
	struct gt_state *st = NULL;
	struct gt_cli o;
	bool journal = false;
	int rc = gt_cli_parse(argc, argv, "status", GT_OPT_JSON, status_usage, &o);

	if (rc >= 0 || (rc = setup(&o, &root, &d)) >= 0)
		return rc;
	rc = read_record(root, &st, &log, &journal);
	if (rc == GT_EXIT_OK)
		gt_verify_run(root, d, &v);
	if (o.json) {
		struct gt_json j;

		gt_json_init(&j, stdout);
		gt_json_begin_object(&j);
		gt_json_kv_int(&j, "schema", 1);
		gt_json_key(&j, "installed");
		if (rc == GT_EXIT_OK)
			gt_json_bool(&j, log != NULL);
		else
			gt_json_null(&j); /* not known: the record cannot be read */
		gt_json_kv_bool(&j, "interrupted_run", journal);
		gt_json_kv_bool(&j, "uninstall_interrupted", log && log->uninstalling);
		gt_json_key(&j, "agent");
		if (v)
			gt_verify_json(&j, v);
		else
			gt_json_null(&j);
		print_record_json(&j, log);
		gt_json_kv_int(&j, "exit", rc);
		gt_json_end_object(&j);
		gt_json_finish(&j);
	} else if (rc != GT_EXIT_OK) {
		printf(gt_tr(
		        "What guest-tools installed here is not known: its record cannot be read (see above).\n"));
	} else if (!log) {
		printf(gt_tr("guest-tools is not installed here.\n"));
	} else {
		size_t i;

		gt_verify_human(stdout, v, root);
		if (log->uninstalling)
			printf(gt_tr(
			        "An uninstall was interrupted: 'installer uninstall' finishes it.\n"));
		printf(gt_tr("Changes recorded (undone by 'installer uninstall'):\n"));
		for (i = 0; i < log->count; i++) {
			const struct gt_journal_record *r = &log->records[i];

			if (!strcmp(r->kind, "begin") || !strcmp(r->kind, "commit") ||
			    !strcmp(r->kind, "uninstall") || !strcmp(r->kind, "undone"))
				continue;
			printf("  %-8s", r->kind);
			for (size_t k = 0; k < 2 && r->fields[k]; k++)
				printf(" %s", r->fields[k]);
			printf("%s\n", log->undone[i] ? gt_tr("   (undone)") : "");
		}
	}
	if (journal && rc == GT_EXIT_OK && !o.json)
		printf(gt_tr(
		        "A run was interrupted (its journal is there): the next install or uninstall finishes it.\n"));
	gt_journal_log_free(log);
	gt_state_close(st);
	gt_verify_free(v);
	gt_detect_free(d);
	gt_root_close(root);
	return rc;
}

static void uninstall_json(const struct gt_cli *o, const char *result, int rc,
                           const struct gt_journal_log *log,
                           const struct gt_undo_report *u)
{
	struct gt_json j;

	gt_json_init(&j, stdout);
	gt_json_begin_object(&j);
	gt_json_kv_int(&j, "schema", 1);
	gt_json_kv_string(&j, "result", result);
	gt_json_kv_bool(&j, "changed", !o->dry_run && u->steps > 0);
	gt_json_kv_bool(&j, "dry_run", o->dry_run);
	gt_json_kv_bool(&j, "installed",
	                o->dry_run ? log != NULL : rc == GT_EXIT_INCOMPLETE);
	print_record_json(&j, log);
	gt_json_key(&j, "left");
	gt_json_begin_array(&j);
	for (size_t i = 0; i < u->n_left; i++)
		gt_json_string(&j, u->left[i]);
	gt_json_end_array(&j);
	gt_json_kv_strv(&j, "notes", u->notes);
	gt_json_kv_int(&j, "exit", rc);
	gt_json_end_object(&j);
	gt_json_finish(&j);
}

int cmd_uninstall(int argc, char **argv)
{
	struct gt_root *root = NULL;
	struct gt_journal_log *log = NULL;
	struct gt_state *st = NULL;
	struct gt_undo_report u = { 0 };
	struct gt_journal_error err;
	enum gt_recovery what = GT_RECOVERED_NOTHING;
	const char *result = "not-installed";
	char shown[4200];
	struct gt_cli o;
	bool journal = false;
	pid_t holder = 0;
	int rc = gt_cli_parse(argc, argv, "uninstall", GT_OPT_CHANGE | GT_OPT_JSON,
	                      uninstall_usage, &o),
	    ret;

	if (rc >= 0)
		return rc;
	if (!o.dry_run && geteuid() != 0) {
		gt_err("uninstall: must be run as root");
		return GT_EXIT_NOTROOT;
	}
	if ((rc = setup(&o, &root, NULL)) >= 0)
		return rc;
	rc = read_record(root, &st, &log, &journal);
	if (rc != GT_EXIT_OK || !st)
		goto report;
	gt_root_display(root, GT_STATE_DIR, shown, sizeof(shown));
	if (o.dry_run) {
		result = log ? "planned" : "not-installed";
		goto report;
	}
	gt_journal_log_free(log);
	log = NULL;
	ret = gt_state_lock(st, GT_LOCK_WAIT_SECONDS, &holder);
	if (ret == -EWOULDBLOCK) {
		char pid[32] = "whose pid cannot be read";

		if (holder > 0)
			snprintf(pid, sizeof(pid), "pid %d", (int)holder);
		gt_err("another installer run (%s) holds %s/lock; waited %d s. Let it finish, then run again; nothing was changed",
		       pid, shown, GT_LOCK_WAIT_SECONDS);
		rc = GT_EXIT_BUSY;
		goto report;
	}
	if (ret < 0) {
		gt_err("%s/lock: cannot take the lock: %s; nothing was changed", shown,
		       ret == -GT_EUNSAFE ? "not a regular file of root's with one link"
		                          : gt_strerror(ret));
		rc = ret == -GT_EUNSAFE ? GT_EXIT_UNSAFE : GT_EXIT_FAILURE;
		goto report;
	}
	/* A killed install is rolled back first; a killed uninstall is finished. */
	ret = gt_rollback_recover(st, &gt_actions_undo_ops, &what, &u, &err);
	if (ret == 0 && u.n_left == 0 && what != GT_RECOVERED_UNINSTALL) {
		if (what != GT_RECOVERED_NOTHING)
			gt_warn("an interrupted run was %s first",
			        what == GT_RECOVERED_COMMIT ? gt_tr("completed")
			                                    : gt_tr("rolled back"));
		ret = gt_journal_load(st, GT_INSTALLED_NAME, &log, &err);
		if (ret == 0)
			ret = gt_rollback_uninstall(st, &gt_actions_undo_ops, &u, &err);
	} else if (ret == 0 && u.n_left == 0) {
		ret = gt_journal_load(st, GT_INSTALLED_NAME, &log,
		                      &err); /* gone: finished */
		if (ret == -ENOENT)
			ret = 0;
		gt_warn("an interrupted uninstall was found and has been finished");
		u.finished = true;
	}
	if (ret == -ENOENT) {
		result = "not-installed";
		rc = GT_EXIT_OK;
	} else if (ret == -GT_EPARSE) {
		gt_err("%s/%s: line %u: %s: this is not a record this installer writes, and nothing in it was acted on. Inspect it, then move it away",
		       shown, err.file ? err.file : GT_INSTALLED_NAME, err.line, err.msg);
		rc = GT_EXIT_INPUT;
		result = "failed";
	} else if (ret == -GT_ETOOBIG || ret == -GT_ENOTREG || ret == -EISDIR) {
		gt_err("%s/%s: %s: this is not a record this installer writes, and nothing in it was acted on. Inspect it, then move it away",
		       shown, err.file ? err.file : GT_INSTALLED_NAME, gt_strerror(ret));
		rc = GT_EXIT_INPUT;
		result = "failed";
	} else if (ret < 0) {
		gt_err("uninstall: %s", gt_strerror(ret));
		rc = GT_EXIT_FAILURE;
		result = "failed";
	} else if (u.n_left > 0) {
		gt_err("uninstall: incomplete: what is not as it was before the installation is listed below; the record is kept: fix what the messages say, then run 'installer uninstall' again");
		gt_say_left(&u);
		rc = GT_EXIT_INCOMPLETE;
		result = "rollback-incomplete";
	} else {
		result = "uninstalled";
	}
report:
	gt_say_notes(&u);
	if (o.json) {
		uninstall_json(&o,
		               rc == GT_EXIT_OK || rc == GT_EXIT_INCOMPLETE ? result
		                                                            : "failed",
		               rc, log, &u);
	} else if (rc == GT_EXIT_OK) {
		if (strcmp(result, "not-installed") == 0)
			printf(gt_tr(
			        "guest-tools is not installed here: nothing to remove.\n"));
		else
			printf(gt_tr("%s the changes of guest-tools' installation%s.\n"),
			       o.dry_run ? gt_tr("Would undo") : gt_tr("Undid"),
			       o.dry_run
			               ? ""
			               : gt_tr(", and checked that everything is as it was"));
	} else if (rc == GT_EXIT_INCOMPLETE) {
		printf(gt_tr(
		        "Could not fully undo the changes of guest-tools' installation.\n"));
	}
	gt_undo_report_clear(&u);
	gt_journal_log_free(log);
	gt_state_release(st); /* the lock, and a state directory left empty */
	gt_root_close(root);
	return rc;
}
