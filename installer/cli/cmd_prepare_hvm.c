/* SPDX-License-Identifier: MIT */
/*
 * installer prepare-hvm: before a Xen PV guest is switched to HVM, apply
 * the fixes that are safe (actions/hvm/hvm.h) through the journal, so that
 * uninstall reverts them and a killed run is rolled back by the next one;
 * name what it cannot fix, with the command; then check readiness again
 * (detect/pv_to_hvm.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/hvm/hvm.h"
#include "actions/undo_ops.h"
#include "cli/cli.h"
#include "cli/cmd.h"
#include "cli/exitcode.h"
#include "cli/undo_words.h"
#include "detect/detect.h"
#include "detect/pv_to_hvm.h"
#include "error.h"
#include "i18n.h"
#include "json.h"
#include "log.h"
#include "spawn.h"
#include "testseam/testseam.h"
#include "transaction/fsops.h"
#include "transaction/journal.h"
#include "transaction/rollback.h"
#include "transaction/statedir.h"

static const char usage[] =
        "Usage: installer prepare-hvm [--root DIR] [--disk PATH] [--dry-run] [--json] [-q] [-v]\n\n"
        "Before switching this Xen PV guest to HVM: apply the fixes that are safe\n"
        "(initramfs drivers, a console on tty0/ttyS0, fstab and root= by UUID, GRUB\n"
        "on the boot disk), each recorded so that 'installer uninstall' reverts it;\n"
        "name what cannot be fixed, with the command to run; then check readiness.\n\n"
        "  --root DIR      the guest image mounted at DIR: only file edits; the steps\n"
        "                  that run the guest's programs are listed, not done\n"
        "  --disk PATH     the boot disk (device or image file); default: the disk\n"
        "                  that holds /boot\n"
        "  --dry-run       print the plan and change nothing\n"
        "  -y, --yes       accepted; prepare-hvm does not ask\n"
        "  --json          print one JSON object on stdout\n"
        "See installer(8) for the exit codes.\n";

struct run {
	struct gt_cli o;
	struct gt_root *root;
	struct gt_detect *d;
	struct gt_pv_to_hvm *before, *after;
	struct gt_hvm_plan *plan;
	struct gt_state *state;
	struct gt_undo_report undo;
	/* "planned", "prepared", "unchanged", "cannot", "failed", "rolled-back",
	 * "rollback-incomplete" */
	const char *result;
	bool changed, recovered;
	char message[512];
	int rc;
};

static int fail(struct run *r, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(struct run *r, int rc, const char *fmt, ...)
{
	/* English for the JSON, the user's language on stderr (UTF-8 takes more bytes).
	 */
	char shown[2 * sizeof(r->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(shown, sizeof(shown), gt_tr(fmt), ap);
	va_end(ap);
	gt_log(GT_LOG_ERROR, "%s", shown);
	if (!r->result)
		r->result = "failed";
	r->rc = rc;
	return rc;
}

/* The state directory, made if needed, locked; a killed run finished first. */
static int lock_state(struct run *r)
{
	struct gt_journal_error err;
	enum gt_recovery what = GT_RECOVERED_NOTHING;
	char why[256], shown[4200];
	pid_t holder = 0;
	int ret = gt_state_open(r->root, true, &r->state, why, sizeof(why));

	gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown));
	if (ret == -GT_EUNSAFE)
		return fail(
		        r, GT_EXIT_UNSAFE,
		        "%s %s: the state directory must be a directory owned by root and writable by root alone; nothing was changed. Inspect it, then remove or repair it",
		        shown, why);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE, "%s: %s; nothing was changed", shown,
		            gt_strerror(ret));
	ret = gt_state_lock(r->state, GT_LOCK_WAIT_SECONDS, &holder);
	if (ret == -EWOULDBLOCK) {
		char pid[32] = "whose pid cannot be read";

		if (holder > 0)
			snprintf(pid, sizeof(pid), "pid %d", (int)holder);
		return fail(
		        r, GT_EXIT_BUSY,
		        "another installer run (%s) holds %s/lock; waited %d s. Let it finish, then run again; nothing was changed",
		        pid, shown, GT_LOCK_WAIT_SECONDS);
	}
	if (ret < 0)
		return fail(r, ret == -GT_EUNSAFE ? GT_EXIT_UNSAFE : GT_EXIT_FAILURE,
		            "%s/lock: cannot take the lock: %s; nothing was changed",
		            shown, gt_strerror(ret));
	ret = gt_rollback_recover(r->state, &gt_actions_undo_ops, &what, &r->undo, &err);
	if (ret == -GT_EPARSE)
		return fail(
		        r, GT_EXIT_INPUT,
		        "%s/%s: line %u: %s: this is not a record this installer writes, and nothing in it was acted on. Inspect it, then move it away",
		        shown, err.file ? err.file : GT_JOURNAL_NAME, err.line, err.msg);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE,
		            "an interrupted earlier run could not be recovered: %s",
		            gt_strerror(ret));
	if (r->undo.n_left > 0) {
		r->result = "rollback-incomplete";
		fail(r, GT_EXIT_INCOMPLETE,
		     "an interrupted earlier run could not be undone completely; nothing new was changed. What is not as it was is listed below: fix it, then run again");
		gt_say_left(&r->undo);
		return r->rc;
	}
	r->recovered = what != GT_RECOVERED_NOTHING;
	if (r->recovered)
		gt_warn("an interrupted run was %s first",
		        what == GT_RECOVERED_COMMIT ? "completed" : "rolled back");
	gt_undo_report_clear(&r->undo);
	return 0;
}

static int make_parent(struct gt_journal *j, const char *path)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	int ret = 0;

	if (!dir)
		return -ENOMEM;
	if (slash && slash != dir) {
		*slash = '\0';
		ret = gt_journal_dir(j, dir);
	}
	free(dir);
	return ret;
}

static mode_t mode_of(const struct gt_root *root, const char *path)
{
	struct stat st;

	return gt_root_stat(root, path, true, &st) == 0 ? st.st_mode & 07777 : 0644;
}

/* The guest's program, live (the plan has no such step under --root). */
static int run_program(const struct gt_hvm_step *s)
{
	struct gt_spawn_opts o = { .capture = 1 };
	struct gt_spawn_result res = gt_spawn((const char *const *)s->argv, &o);
	char how[96];
	int ret = 0;

	if (!gt_spawn_ok(res)) {
		gt_err("%s: the command failed (%s)", s->description,
		       gt_spawn_describe(res, how, sizeof(how)));
		if (o.output && o.output[0])
			fputs(o.output, stderr);
		ret = res.err ? -res.err : -GT_ETOOL;
	}
	free(o.output);
	return ret;
}

static int apply_step(struct run *r, struct gt_journal *j, const struct gt_hvm_step *s)
{
	int ret = 0;

	gt_info("%s", s->description);
	switch (s->kind) {
	case GT_HVM_WRITE:
		ret = make_parent(j, s->path);
		if (ret == 0)
			ret = gt_journal_write_file(j, s->path, s->content,
			                            strlen(s->content),
			                            mode_of(r->root, s->path));
		break;
	case GT_HVM_LINK:
		ret = make_parent(j, s->path);
		if (ret == 0)
			ret = gt_journal_file_intent(j, s->path);
		if (ret == 0)
			ret = gt_fs_symlink(r->root, s->content, s->path);
		break;
	case GT_HVM_BOOTLOADER: /* the disk's region kept, then as any program */
	case GT_HVM_RUN:
		if (s->kind == GT_HVM_BOOTLOADER)
			ret = gt_journal_disk(j, s->disk, s->offset, s->length);
		for (size_t i = 0; ret == 0 && s->dirs && s->dirs[i]; i++)
			ret = gt_journal_dir(j, s->dirs[i]);
		if (ret == 0)
			ret = gt_journal_run(j, s->backups);
		if (ret == 0)
			ret = run_program(s);
		break;
	}
	if (ret < 0 && ret != -GT_ETOOL)
		gt_err("%s: %s", s->description, gt_strerror(ret));
	return ret;
}

static int apply(struct run *r)
{
	struct gt_journal *j = NULL;
	size_t i;
	int ret;

	ret = gt_journal_begin(r->state, "-", "prepare-hvm", &j);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE, "%s: cannot start the journal: %s",
		            GT_STATE_DIR "/journal", gt_strerror(ret));
	r->changed = true;
	for (i = 0, ret = 0; i < r->plan->n_steps && ret == 0; i++) {
		ret = apply_step(r, j, &r->plan->steps[i]);
		if (ret == 0)
			gt_test_kill_point_n("hvm-step", (unsigned)i + 1);
	}
	if (ret != 0) {
		const char *what = r->plan->steps[i - 1].description;
		int rb = gt_rollback_run(j, &gt_actions_undo_ops, &r->undo);

		if (rb == 0 && r->undo.finished) {
			r->result = "rolled-back";
			return fail(
			        r, GT_EXIT_ROLLEDBACK,
			        "prepare-hvm failed while it would %s (%s); everything was rolled back and checked",
			        what, gt_strerror(ret));
		}
		r->result = "rollback-incomplete";
		fail(r, GT_EXIT_INCOMPLETE,
		     "prepare-hvm failed while it would %s (%s); the rollback is incomplete: what is not as it was is listed below; the journal is kept, and the next run tries again",
		     what, gt_strerror(ret));
		gt_say_left(&r->undo);
		return r->rc;
	}
	ret = gt_journal_commit(j);
	if (ret < 0)
		return fail(
		        r, GT_EXIT_FAILURE,
		        "cannot commit the journal: %s (the next run completes or rolls back this one)",
		        gt_strerror(ret));
	r->result = "prepared";
	return 0;
}

static void report_json(const struct run *r)
{
	struct gt_json j;

	gt_json_init(&j, stdout);
	gt_json_begin_object(&j);
	gt_json_kv_int(&j, "schema", 1);
	gt_json_kv_string(&j, "result", r->result);
	gt_json_kv_bool(&j, "changed", r->changed);
	gt_json_kv_bool(&j, "dry_run", r->o.dry_run);
	gt_json_kv_bool(&j, "recovered_interrupted_run", r->recovered);
	gt_json_key(&j, "ready");
	if (r->after || r->before)
		gt_json_bool(&j, (r->after ? r->after : r->before)->ready);
	else
		gt_json_null(&j);
	if (r->plan) {
		gt_hvm_plan_json(r->plan, &j);
	} else {
		gt_json_key(&j, "steps");
		gt_json_null(&j);
	}
	gt_json_key(&j, "pv_to_hvm");
	if (r->after || r->before)
		gt_pv_to_hvm_print_json(r->after ? r->after : r->before, &j);
	else
		gt_json_null(&j);
	gt_json_kv_string(&j, "message", r->message[0] ? r->message : NULL);
	gt_json_key(&j, "left");
	gt_json_begin_array(&j);
	for (size_t i = 0; i < r->undo.n_left; i++)
		gt_json_string(&j, r->undo.left[i]);
	gt_json_end_array(&j);
	gt_json_kv_int(&j, "exit", r->rc);
	gt_json_end_object(&j);
	gt_json_finish(&j);
}

static int toupper_ascii(char c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

static void report_human(const struct run *r)
{
	const struct gt_hvm_plan *p = r->plan;
	size_t i;

	if (!p)
		return;
	if (strcmp(r->result, "planned") == 0 || strcmp(r->result, "cannot") == 0)
		printf("%s\n",
		       strcmp(r->result, "planned") == 0
		               ? gt_tr("Plan (dry run, nothing changed):")
		               : gt_tr("Nothing was changed: what is below cannot be fixed here."));
	else if (strcmp(r->result, "unchanged") == 0)
		printf("%s\n", gt_tr("Nothing to change."));
	else
		printf("%s\n", gt_tr("Done (undone by 'installer uninstall'):"));
	if (strcmp(r->result, "cannot") != 0)
		for (i = 0; i < p->n_steps; i++)
			printf("  %zu. %s\n", i + 1, p->steps[i].description_shown);
	for (i = 0; i < p->n_cannot; i++)
		printf(gt_tr("Cannot: %s\n"), p->cannot[i].text_shown);
	for (i = 0; i < p->n_not_done; i++)
		/* "not done: …" starts a line: capitalised (ASCII only; 未実施 has no
		 * case). */
		printf("%c%s\n", (char)toupper_ascii(p->not_done[i].text_shown[0]),
		       p->not_done[i].text_shown + 1);
	if (r->after || r->before)
		gt_pv_to_hvm_print_human(r->after ? r->after : r->before, stdout);
}

/* Readiness as it is now: the verdict the report gives. */
static int check_ready(struct run *r, struct gt_pv_to_hvm **out)
{
	int ret = gt_pv_to_hvm_check(r->root, r->d, r->o.disk, out);

	if (ret < 0)
		return fail(r, GT_EXIT_INPUT, "%s: the boot disk cannot be read: %s",
		            r->o.disk ? r->o.disk : "the boot disk", gt_strerror(ret));
	return 0;
}

int cmd_prepare_hvm(int argc, char **argv)
{
	struct run r = { .rc = GT_EXIT_OK };
	const char *what = NULL;
	int ret;

	ret = gt_cli_parse(argc, argv, "prepare-hvm",
	                   GT_OPT_CHANGE | GT_OPT_JSON | GT_OPT_DISK, usage, &r.o);
	if (ret >= 0)
		return ret;
	if (!r.o.dry_run && geteuid() != 0) {
		gt_err("prepare-hvm: must be run as root (or give --dry-run)");
		return GT_EXIT_NOTROOT;
	}
	ret = gt_root_open(r.o.root, &r.root);
	if (ret < 0) {
		gt_err("%s: cannot open the root directory: %s", r.o.root,
		       gt_strerror(ret));
		return GT_EXIT_USAGE;
	}
	if (r.o.disk && access(r.o.disk, R_OK) != 0) {
		gt_err("--disk %s: cannot be opened: %s; give the guest's disk image or device",
		       r.o.disk, strerror(errno));
		gt_root_close(r.root);
		return GT_EXIT_USAGE;
	}
	ret = gt_detect_run(r.root, &r.d, &what);
	if (ret < 0) {
		fail(&r, GT_EXIT_INPUT, "cannot read the %s under %s: %s", what,
		     r.root->dir, gt_strerror(ret));
		goto out;
	}
	if (strcmp(r.d->virt->hypervisor, "container") == 0 ||
	    strcmp(r.d->virt->mode, "dom0") == 0) {
		fail(&r, GT_EXIT_UNSUPPORTED,
		     "this is %s: prepare-hvm is for Xen PV guests",
		     strcmp(r.d->virt->mode, "dom0") == 0 ? "a Xen control domain (dom0)"
		                                          : "a container");
		goto out;
	}
	if (check_ready(&r, &r.before) != 0)
		goto out;
	/* A killed run is rolled back before the plan looks at the files. */
	if (!r.o.dry_run && lock_state(&r) != 0)
		goto out;
	ret = gt_hvm_plan(r.root, r.d, r.before, r.o.disk, &r.plan);
	if (ret < 0) {
		fail(&r, GT_EXIT_INPUT, "cannot plan the changes: %s", gt_strerror(ret));
		goto out;
	}
	if (r.plan->n_cannot > 0) {
		r.result = "cannot";
		r.rc = GT_EXIT_UNSUPPORTED;
		for (size_t i = 0; i < r.plan->n_cannot; i++)
			gt_err("%s", r.plan->cannot[i].text_shown);
	} else if (r.o.dry_run) {
		r.result = "planned";
	} else if (r.plan->n_steps == 0) {
		r.result = "unchanged";
	} else if (apply(&r) != 0) {
		goto out;
	}
	if (strcmp(r.result, "prepared") == 0 && check_ready(&r, &r.after) != 0)
		goto out;
	if (r.rc == GT_EXIT_OK && strcmp(r.result, "planned") != 0 &&
	    !(r.after ? r.after : r.before)->ready)
		r.rc = GT_EXIT_NOT_READY;
out:
	if (r.o.json)
		report_json(&r);
	else if (r.result && strcmp(r.result, "failed") != 0 &&
	         r.rc != GT_EXIT_ROLLEDBACK)
		report_human(&r);
	gt_undo_report_clear(&r.undo);
	gt_state_release(r.state);
	gt_hvm_plan_free(r.plan);
	gt_pv_to_hvm_free(r.before);
	gt_pv_to_hvm_free(r.after);
	gt_detect_free(r.d);
	gt_root_close(r.root);
	return r.rc;
}
