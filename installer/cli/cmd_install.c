/* SPDX-License-Identifier: MIT */
/*
 * installer install: find the media, verify it, plan, install the agent with
 * the distribution's tool through the journal, verify, report. Any failure
 * after the first change rolls back what was done.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cmd.h"
#include "detect/detect.h"
#include "actions/advice.h"
#include "actions/downgrade.h"
#include "actions/drivers.h"
#include "error.h"
#include "cli/exitcode.h"
#include "cli/undo_words.h"
#include "transaction/fsops.h"
#include "transaction/journal.h"
#include "transaction/rollback.h"
#include "transaction/statedir.h"
#include "json.h"
#include "media/leftover.h"
#include "i18n.h"
#include "log.h"
#include "manifest.h"
#include "media/media.h"
#include "actions/pkg.h"
#include "actions/plan.h"
#include "actions/service.h"
#include "actions/undo_ops.h"
#include "media/sigcheck.h"
#include "spawn.h"
#include "testseam/testseam.h"
#include "actions/verify.h"

static const char usage[] = N_(
        "Usage: installer install [--root DIR] [--media PATH] [--dry-run] [--yes] [--json]\n"
        "                         [--log FILE] [-d DISTRO -m MAJOR] [--force] [-q] [-v]\n\n"
        "Install the guest agent and check the PV-driver setup.\n\n"
        "  --root DIR      install into the guest image mounted at DIR (enable only)\n"
        "  --media PATH    the guest-tools media: a directory, a block device, or an .iso\n"
        "                  file (default: the directory the installer runs from, then\n"
        "                  /dev/xvdd, /dev/cdrom, /dev/sr*, /dev/xvd*)\n"
        "  --dry-run       print the plan and change nothing\n"
        "  -y, --yes, -n   do not ask for confirmation\n"
        "  --json          print one JSON object on stdout\n"
        "  --log FILE      write the log there (default /var/log/guest-tools/install.log)\n"
        "  -d DISTRO -m MAJOR  pick the payload for this distribution and major version\n"
        "  -f, --force     install the Xen agent on another hypervisor too (it stays idle)\n"
        "  -k              accepted for compatibility; the kernel is never changed\n"
        "  --insecure-skip-signature  install even if Linux/MANIFEST.sig is missing or\n"
        "                  bad (logged loudly; only when this installer has keys)\n"
        "  --allow-downgrade  install media older than the guest-tools or agent\n"
        "                  version installed (refused otherwise, exit 13)\n"
        "See installer(8) for the exit codes.\n");

#define MANIFEST_MAX GT_MANIFEST_MAX_SIZE
#define LOG_PATH     "/var/log/guest-tools/install.log"

struct run {
	struct gt_cli o;
	struct gt_root *root;
	struct gt_state *state; /* the state directory, locked for the run */
	struct gt_detect *d;
	struct gt_media *media;
	struct gt_manifest *manifest;
	const struct gt_manifest_entry *payload;
	struct gt_pkg_info pkg;
	char *previous; /* version installed before, or NULL */
	char tmpdir[64];
	char tmpfile[PATH_MAX];
	bool changed, recovered;
	/* "installed", "unchanged", "planned", "failed", "rolled-back",
	 * "rollback-incomplete" */
	const char *result;
	char message[512];
	struct gt_undo_report undo; /* what a rollback left, if anything */
	struct gt_verify *verify;
	struct gt_driver_plan *drivers;
	int rc;
};

/* The directory above the one the installer runs from (Linux/ on the CD). */
static char *start_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir, *out = NULL;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	dir = dirname(exe);
	if (asprintf(&out, "%s/..", dir) < 0)
		return NULL;
	return out;
}

/*
 * The run fails with @message (English: the JSON and the install log), and
 * @shown, the same in the user's language, on stderr.
 */
static int fail_said(struct run *r, int rc, const char *message, const char *shown)
{
	snprintf(r->message, sizeof(r->message), "%s", message);
	gt_log(GT_LOG_ERROR, "%s", shown);
	if (!r->result)
		r->result = "failed";
	r->rc = rc;
	return rc;
}

static int fail(struct run *r, int rc, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static int fail(struct run *r, int rc, const char *fmt, ...)
{
	/* A translation takes more bytes than the English (UTF-8). */
	char message[sizeof(r->message)], shown[2 * sizeof(r->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vsnprintf(shown, sizeof(shown), gt_tr(fmt), ap);
	va_end(ap);
	return fail_said(r, rc, message, shown);
}

/*
 * Waits for the answer on the terminal. The signals stay blocked from
 * before the flag is read until ppoll unblocks them atomically: a Ctrl-C
 * between the prompt and the wait would otherwise set the flag and leave
 * the read blocked until Enter (seen under valgrind, where that window is
 * wide). ppoll is Linux 2.6.16.
 */
static bool read_answer(char *answer, size_t size)
{
	struct pollfd in = { .fd = 0, .events = POLLIN };
	sigset_t stop, old;
	int ready = -1;

	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &old);
	if (!gt_media_interrupted())
		ready = ppoll(&in, 1, NULL, &old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (ready <= 0 || gt_media_interrupted())
		return false;
	return fgets(answer, (int)size, stdin) != NULL;
}

static bool confirm(const struct run *r)
{
	char answer[16];

	/* SIGINT/TERM/HUP since the media was opened (media.h): stop here. */
	if (gt_media_interrupted())
		return false;
	if (r->o.yes || !isatty(0))
		return true;
	fprintf(stderr, gt_tr("Install %s %s (%s) from %s? [y/N] "), r->pkg.name,
	        r->pkg.version, r->payload->dest, r->media->description);
	if (!read_answer(answer, sizeof(answer)))
		return false;
	return answer[0] == 'y' || answer[0] == 'Y';
}

/*
 * The media went away or is damaged while it was being read: an ejected CD,
 * a truncated image. Nothing was changed yet (the payload is copied and
 * checked before any change).
 */
static int media_lost(struct run *r, const char *what)
{
	return fail(
	        r, GT_EXIT_NOMEDIA,
	        "%s: %s: the media cannot be read (was the CD ejected? is the image truncated or damaged?); nothing was changed. Attach guest-tools.iso again and rerun the installer",
	        r->media->description, what);
}

/*
 * Before any change: a package the package tool would refuse for its
 * architecture (an amd64 dpkg given --root on an i386 image) is said so,
 * with what to do, instead of failing half-way.
 */
static int check_arch(struct run *r)
{
	char *accepted = NULL;
	int ret = gt_pkg_check_arch(r->root, gt_manifest_family_name(r->payload->family),
	                            &r->pkg, &accepted);

	if (ret == -GT_EUNSUPPORTED) {
		if (r->root->host)
			fail(r, GT_EXIT_UNSUPPORTED,
			     "%s: the package is for %s but this system's dpkg takes %s packages; nothing was changed",
			     r->payload->dest, r->pkg.arch, accepted);
		else
			fail(r, GT_EXIT_UNSUPPORTED,
			     "%s: the package is for %s but dpkg --root %s takes %s packages; nothing was changed. Run the installer inside that system: setarch %s chroot %s /bin/sh /media/cdrom/Linux/install.sh, with the CD under %s/media/cdrom",
			     r->payload->dest, r->pkg.arch, r->root->dir, accepted,
			     r->d->arch, r->root->dir, r->root->dir);
		free(accepted);
		return r->rc;
	}
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE,
		            "cannot ask dpkg for its architectures: %s",
		            gt_strerror(ret));
	return 0;
}

static int find_and_verify(struct run *r)
{
	struct gt_manifest_error perr = { 0 };
	static const char no_media[] = N_(
	        "no guest-tools media found (%s). Looked at:\n%sAttach guest-tools.iso to the VM, or give --media PATH.");
	char *buf = NULL, *sd = NULL, *tried = NULL, *tried_shown = NULL, sigmsg[480];
	const char *why = NULL;
	size_t len = 0, tlen = 0, slen = 0;
	struct gt_media_tried tf = { open_memstream(&tried, &tlen),
		                     open_memstream(&tried_shown, &slen) };
	int ret;

	sd = r->o.media ? NULL : start_dir();
	ret = gt_media_open(r->o.media, sd, &r->media, &tf);
	free(sd);
	/* The lists only feed a message (NULL if a stream failed). */
	if (tf.en)
		(void)fclose(tf.en);
	if (tf.shown)
		(void)fclose(tf.shown);
	if (ret < 0) {
		char message[sizeof(r->message)], shown[2 * sizeof(r->message)];

		snprintf(message, sizeof(message), no_media, gt_strerror(ret),
		         tried ? tried : "");
		snprintf(shown, sizeof(shown), gt_tr(no_media), gt_strerror(ret),
		         tried_shown ? tried_shown : "");
		fail_said(r, GT_EXIT_NOMEDIA, message, shown);
		free(tried);
		free(tried_shown);
		return r->rc;
	}
	free(tried);
	free(tried_shown);
	gt_info("media: %s", r->media->description);
	ret = gt_media_read(r->media, GT_MANIFEST_ISO_PATH, MANIFEST_MAX, &buf, &len);
	if (ret == -GT_EMEDIA)
		return media_lost(r, GT_MANIFEST_ISO_PATH);
	if (ret < 0)
		return fail(r, GT_EXIT_INTEGRITY, "%s: %s: %s", r->media->description,
		            GT_MANIFEST_ISO_PATH, gt_strerror(ret));
	ret = gt_sigcheck_media(r->media, buf, len, r->o.insecure_skip_signature, sigmsg,
	                        sizeof(sigmsg));
	if (ret < 0) {
		free(buf);
		if (ret == -GT_EMEDIA)
			return media_lost(r, GT_MANIFEST_SIG_PATH);
		return fail(r, GT_EXIT_INTEGRITY, "%s; nothing was changed",
		            ret == -ENOMEM ? "out of memory" : sigmsg);
	}
	if (ret > 0) /* skipped: the warning goes into the log and the JSON */
		snprintf(r->message, sizeof(r->message), "%s", sigmsg);
	ret = gt_manifest_parse(buf, len, GT_MANIFEST_ISO, &r->manifest, &perr);
	free(buf);
	if (ret < 0)
		return fail(r, GT_EXIT_INTEGRITY,
		            "%s: %s: line %u: %s (the media is damaged)",
		            r->media->description, GT_MANIFEST_ISO_PATH, perr.line,
		            perr.msg);
	ret = gt_plan_payload(r->manifest, r->d, r->o.distro, r->o.major, &r->payload,
	                      &why);
	if (ret < 0)
		return fail(
		        r, GT_EXIT_UNSUPPORTED,
		        "%s (%s %s, %s, %s); -d DISTRO -m MAJOR picks one by hand", why,
		        r->d->distro->id[0] ? r->d->distro->id : "unknown distribution",
		        r->d->distro->version_id, r->d->arch, r->d->init);
	ret = gt_private_dir(r->tmpdir, sizeof(r->tmpdir));
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE,
		            "cannot make a private temporary directory: %s",
		            gt_strerror(ret));
	snprintf(r->tmpfile, sizeof(r->tmpfile), "%s/%s", r->tmpdir,
	         strrchr(r->payload->dest, '/') ? strrchr(r->payload->dest, '/') + 1
	                                        : r->payload->dest);
	gt_test_stop_point("payload");
	ret = gt_media_copy_verified(r->media, r->payload, r->tmpfile);
	if (ret == -GT_EMEDIA)
		return media_lost(r, r->payload->dest);
	/* Longer than the manifest says: caught one byte past its size. */
	if (ret == -GT_EINTEGRITY || ret == -GT_ETOOBIG)
		return fail(
		        r, GT_EXIT_INTEGRITY,
		        "%s: %s: size or sha256 does not match the manifest: the media is damaged or was altered; nothing was changed",
		        r->media->description, r->payload->dest);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE, "%s: %s: cannot be read: %s",
		            r->media->description, r->payload->dest, gt_strerror(ret));
	ret = gt_pkg_inspect(gt_manifest_family_name(r->payload->family), r->tmpfile,
	                     &r->pkg);
	if (ret == 0 && !r->pkg.version[0] && r->manifest->version) {
		free(r->pkg.version);
		r->pkg.version = strdup(r->manifest->version);
		if (!r->pkg.version)
			ret = -ENOMEM;
	}
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE,
		            "%s: cannot read the package's name and version: %s",
		            r->payload->dest, gt_strerror(ret));
	return check_arch(r);
}

/* Media older than what is installed: refused (actions/downgrade.h). */
static bool refuse_downgrade(struct run *r)
{
	const struct gt_downgrade_query q = {
		.manifest = r->manifest,
		.family = gt_manifest_family_name(r->payload->family),
		.package = r->pkg.name,
		.offered = r->pkg.version,
		.installed = r->previous,
	};
	char why[480];

	if (gt_downgrade_check(r->root, &q, why, sizeof(why)) != 1)
		return false;
	fail(r, GT_EXIT_DOWNGRADE, "%s", why);
	return true;
}

/* The mode a rewritten file keeps (0644 for a new one). */
static mode_t mode_of(const struct gt_root *root, const char *path)
{
	struct stat st;

	return gt_root_stat(root, path, true, &st) == 0 ? st.st_mode & 07777 : 0644;
}

/*
 * The PV-driver steps (initramfs configuration and regeneration), each
 * journalled: a file's old content and every image a command rewrites are
 * backed up first, so a rollback puts them back.
 */
static int apply_driver_steps(struct run *r, struct gt_journal *j)
{
	size_t i;
	int ret = 0;

	for (i = 0; r->drivers && i < r->drivers->n_steps && ret == 0; i++) {
		const struct gt_driver_step *st = &r->drivers->steps[i];

		gt_info("%s", st->description);
		if (st->kind == GT_STEP_WRITE_FILE) {
			char *dir = strdup(st->path),
			     *slash = dir ? strrchr(dir, '/') : NULL;

			if (!dir)
				return -ENOMEM;
			if (slash && slash != dir) {
				*slash = '\0';
				ret = gt_journal_dir(j, dir);
			}
			free(dir);
			if (ret == 0)
				ret = gt_journal_write_file(j, st->path, st->content,
				                            strlen(st->content),
				                            mode_of(r->root, st->path));
		} else {
			struct gt_spawn_opts o = { .capture = 1,
				                   .chroot_dir = r->root->host
				                                         ? NULL
				                                         : r->root->dir };
			struct gt_spawn_result res;
			char how[96];

			ret = gt_journal_run(j, st->backups);
			if (ret == 0) {
				res = gt_spawn((const char *const *)st->argv, &o);
				if (!gt_spawn_ok(res)) {
					gt_err("%s: the command failed (%s)",
					       st->description,
					       gt_spawn_describe(res, how, sizeof(how)));
					ret = res.err ? -res.err : -GT_ETOOL;
				}
			}
			if (ret != 0 && o.output && o.output[0])
				fputs(o.output, stderr);
			free(o.output);
		}
		if (ret < 0 && ret != -ENOENT)
			gt_err("%s: %s", st->description, gt_strerror(ret));
	}
	return ret;
}

/* The run failed while @stage: roll back, and say truly how far that went. */
static int roll_back(struct run *r, struct gt_journal *j, const char *stage, int err,
                     const char *how)
{
	int rb = gt_rollback_run(j, &gt_actions_undo_ops, &r->undo);

	if (rb == 0 && r->undo.finished) {
		r->result = "rolled-back";
		gt_say_left(&r->undo); /* only the steps not written down, if any */
		return fail(
		        r, GT_EXIT_ROLLEDBACK,
		        "%s: %s failed while %s (%s); everything was rolled back and checked",
		        r->payload->dest, r->pkg.name, stage,
		        how && how[0] ? how : gt_strerror(err));
	}
	r->result = "rollback-incomplete";
	fail(r, GT_EXIT_INCOMPLETE,
	     "%s: %s failed while %s (%s); the rollback is incomplete (%s): what is not as it was is listed below; the journal is kept, and the next run tries again",
	     r->payload->dest, r->pkg.name, stage, how && how[0] ? how : gt_strerror(err),
	     rb < 0 ? gt_strerror(rb) : "checked after the undo");
	gt_say_left(&r->undo);
	return r->rc;
}

static int take_state(struct run *r, bool create);
static int recover(struct run *r);

/*
 * A root that had no state directory gets it, locked, now, before the first
 * change. A run that got there first may have installed meanwhile (it held
 * the lock while this one waited): what is installed, the driver plan and
 * the downgrade rule are looked at again. Returns 0 (*done: nothing is left to do) or the
 * exit code.
 */
static int lock_late(struct run *r, bool *done)
{
	const char *family = gt_manifest_family_name(r->payload->family);
	int ret;

	*done = false;
	if (r->state)
		return 0;
	if (take_state(r, true) != 0 || recover(r) != 0)
		return r->rc;
	/* SIGINT/TERM/HUP while it waited (media.h): stop before the first change. */
	if (gt_media_interrupted())
		return fail(r, GT_EXIT_FAILURE, "cancelled; nothing was changed");
	free(r->previous);
	r->previous = NULL;
	gt_drivers_plan_free(r->drivers);
	r->drivers = NULL;
	ret = gt_pkg_installed_version(r->root, family, r->pkg.name, &r->previous);
	if (ret == 0)
		ret = gt_drivers_plan(r->root, r->d, &r->drivers);
	if (ret == 0) /* the new plan keeps the note the first one carried */
		ret = gt_advice_payload_note(r->drivers, r->d, r->payload);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE,
		            "%s: cannot look again at what is installed: %s", r->pkg.name,
		            gt_strerror(ret));
	if (!r->o.allow_downgrade && refuse_downgrade(r))
		return r->rc;
	if (r->previous && strcmp(r->previous, r->pkg.version) == 0 &&
	    r->drivers->n_steps == 0) {
		r->result = "unchanged";
		*done = true;
	}
	return 0;
}

static int install(struct run *r)
{
	const char *family = gt_manifest_family_name(r->payload->family);
	struct gt_journal *j = NULL;
	const char *stage = "starting";
	char *output = NULL, how[160] = "";
	bool done = false;
	int ret;

	ret = lock_late(r, &done);
	if (ret != 0 || done)
		return ret;
	ret = gt_journal_begin(r->state, r->manifest->version, r->payload->dest, &j);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE, "%s: cannot start the journal: %s",
		            GT_STATE_DIR "/journal", gt_strerror(ret));
	r->changed = true;
	stage = "installing the package";
	ret = gt_journal_pkg(j, family, r->pkg.name, r->previous, r->pkg.version);
	if (ret == 0) {
		ret = gt_pkg_install(r->root, family, r->tmpfile, j, &output, how,
		                     sizeof(how));
		if (ret != 0 && output && output[0])
			gt_err("%s said:\n%s", family, output);
		free(output);
	}
	if (ret == 0)
		gt_test_kill_point("installed");
	/* deb and rpm scriptlets enable the service themselves; a tgz cannot.
	 * Enabled before (an upgrade): recorded so, and an undo keeps it so. */
	if (ret == 0 && r->payload->family == GT_FAMILY_TGZ &&
	    strcmp(r->d->init, "unknown") != 0) {
		bool was = gt_service_enabled(r->root, r->pkg.name, r->d->init);

		stage = "enabling the service";
		how[0] = '\0';
		ret = gt_journal_service(j, r->pkg.name, r->d->init, was);
		if (ret == 0 && !was)
			ret = gt_service_enable(r->root, r->pkg.name, r->d->init);
	}
	if (ret == 0) {
		stage = "setting up the PV drivers";
		ret = apply_driver_steps(r, j);
	}
	if (ret != 0)
		return roll_back(r, j, stage, ret, how);
	ret = gt_journal_commit(j);
	if (ret < 0)
		return fail(
		        r, GT_EXIT_FAILURE,
		        "cannot commit the journal: %s (the next run completes or rolls back this one)",
		        gt_strerror(ret));
	if (r->root->host && gt_service_start(r->root, r->pkg.name, r->d->init) != 0)
		gt_warn("%s: installed and enabled, but it did not start; see its log",
		        r->pkg.name);
	r->result = "installed";
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
	gt_json_kv_bool(&j, "recovered_interrupted_run", r->recovered);
	gt_json_kv_string(&j, "media", r->media ? r->media->description : NULL);
	gt_json_kv_string(&j, "media_device", r->media ? r->media->device : NULL);
	gt_json_kv_bool(&j, "verified", r->payload && r->pkg.name);
	gt_json_key(&j, "payload");
	if (r->payload) {
		gt_json_begin_object(&j);
		gt_json_kv_string(&j, "path", r->payload->dest);
		gt_json_kv_string(&j, "family",
		                  gt_manifest_family_name(r->payload->family));
		gt_json_kv_string(&j, "arch", gt_manifest_arch_name(r->payload->arch));
		gt_json_kv_string(&j, "package", r->pkg.name);
		gt_json_kv_string(&j, "version", r->pkg.version);
		gt_json_kv_string(&j, "previous_version", r->previous);
		gt_json_end_object(&j);
	} else {
		gt_json_null(&j);
	}
	gt_json_key(&j, "drivers");
	if (r->drivers)
		gt_drivers_plan_json(r->drivers, &j);
	else
		gt_json_null(&j);
	gt_json_key(&j, "verify");
	if (r->verify)
		gt_verify_json(&j, r->verify);
	else
		gt_json_null(&j);
	gt_json_key(&j, "detect");
	gt_json_begin_object(&j);
	if (r->d) {
		gt_json_kv_string(&j, "distro", r->d->distro->id);
		gt_json_kv_string(&j, "version_id", r->d->distro->version_id);
		gt_json_kv_string(&j, "family", r->d->distro->family);
		gt_json_kv_string(&j, "arch", r->d->arch);
		gt_json_kv_string(&j, "init", r->d->init);
		gt_json_kv_string(&j, "hypervisor", r->d->virt->hypervisor);
		gt_json_kv_string(&j, "mode", r->d->virt->mode);
		gt_json_kv_string(&j, "rootfs_type", r->d->rootfs->type);
		gt_json_kv_bool(&j, "rootfs_flagged", r->d->rootfs->flagged);
	}
	gt_json_end_object(&j);
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

static void report_human(const struct run *r)
{
	if (strcmp(r->result, "planned") == 0) {
		fputs(gt_tr("Plan (dry run, nothing changed):\n"), stdout);
		printf(gt_tr("  media:    %s\n"), r->media->description);
		printf(gt_tr("  payload:  %s (%s, sha256 verified)\n"), r->payload->dest,
		       gt_manifest_family_name(r->payload->family));
		printf(gt_tr("  install:  %s %s%s%s\n"), r->pkg.name, r->pkg.version,
		       r->previous ? gt_tr(", replacing ") : "",
		       r->previous ? r->previous : "");
		for (size_t i = 0; r->drivers && i < r->drivers->n_steps; i++)
			printf(gt_tr("  drivers:  %s\n"), r->drivers->steps[i].shown);
		return;
	}
	if (strcmp(r->result, "unchanged") == 0)
		printf(gt_tr("%s %s is already installed: nothing to change.\n"),
		       r->pkg.name, r->pkg.version);
	else if (strcmp(r->result, "installed") == 0)
		printf(gt_tr("Installed %s %s from %s (%s).\n"), r->pkg.name,
		       r->pkg.version, r->payload->dest, r->media->description);
	if (r->verify)
		gt_verify_human(stdout, r->verify, r->root);
	if (r->d && r->d->rootfs->flagged)
		printf(gt_tr("Note: the root filesystem is %s; see 'installer detect'.\n"),
		       r->d->rootfs->on_disk_type ? r->d->rootfs->on_disk_type
		                                  : r->d->rootfs->type);
}

/* Append the outcome to the log: --log FILE, or the guest's install.log. */
static void write_log(const struct run *r)
{
	char line[1024];
	time_t now = time(NULL);
	struct tm tm;
	FILE *fp;

	gmtime_r(&now, &tm);
	snprintf(
	        line, sizeof(line),
	        "%04d-%02d-%02dT%02d:%02d:%02dZ install result=%s exit=%d media=%s payload=%s package=%s version=%s%s%s\n",
	        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
	        tm.tm_sec, r->result ? r->result : "?", r->rc,
	        r->media ? r->media->description : "-",
	        r->payload ? r->payload->dest : "-", r->pkg.name ? r->pkg.name : "-",
	        r->pkg.version ? r->pkg.version : "-", r->message[0] ? " message=" : "",
	        r->message[0] ? r->message : "");
	if (r->o.log) {
		fp = fopen(r->o.log, "ae");
	} else {
		/* Checked again: a folder that became a link since the start is not used.
		 */
		char why[256];
		int dirfd = gt_safe_dir_open(r->root, GT_LOG_DIR, true, NULL, why,
		                             sizeof(why));
		int fd = dirfd < 0 ? -1
		                   : openat(dirfd, "install.log",
		                            O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
		                                    O_CLOEXEC,
		                            0640);

		if (dirfd >= 0)
			close(dirfd);
		fp = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (fd >= 0 && !fp)
			close(fd);
	}
	if (fp) {
		fputs(line, fp);
		if (fclose(fp) != 0)
			gt_warn("%s: cannot write the install log: %s",
			        r->o.log ? r->o.log : LOG_PATH, strerror(errno));
	}
}

/*
 * Before anything else changes: the log and state directories are real
 * directories of root's, and this run holds the lock (a second one waits a
 * while, then says who holds it). A root with no state directory yet gets
 * one (@create) only before the run's first change: a run that changes
 * nothing leaves the root as it was.
 */
static int take_state(struct run *r, bool create)
{
	char why[256], shown[4200];
	pid_t holder = 0;
	int ret = 0, fd;

	if (!r->o.log && !create) {
		fd = gt_safe_dir_open(r->root, GT_LOG_DIR, true, NULL, why, sizeof(why));
		if (fd >= 0)
			close(fd);
		else
			ret = fd;
		if (ret == -GT_EUNSAFE)
			return fail(
			        r, GT_EXIT_UNSAFE,
			        "%s %s: the log directory must be a directory owned by root and writable by root alone; nothing was changed. Remove or repair it, or give --log FILE",
			        gt_root_display(r->root, GT_LOG_DIR, shown,
			                        sizeof(shown)),
			        why);
		if (ret < 0)
			return fail(r, GT_EXIT_FAILURE, "%s: %s; nothing was changed",
			            gt_root_display(r->root, GT_LOG_DIR, shown,
			                            sizeof(shown)),
			            gt_strerror(ret));
	}
	ret = gt_state_open(r->root, create, &r->state, why, sizeof(why));
	if (ret == -ENOENT && !create)
		return 0; /* made, and locked, before the first change */
	if (ret == -GT_EUNSAFE)
		return fail(
		        r, GT_EXIT_UNSAFE,
		        "%s %s: the state directory must be a directory owned by root and writable by root alone; nothing was changed. Inspect it, then remove or repair it",
		        gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)),
		        why);
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE, "%s: %s; nothing was changed",
		            gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)),
		            gt_strerror(ret));
	ret = gt_state_lock(r->state, GT_LOCK_WAIT_SECONDS, &holder);
	if (ret == -EWOULDBLOCK) {
		char pid[32] = "whose pid cannot be read";

		if (holder > 0)
			snprintf(pid, sizeof(pid), "pid %d", (int)holder);
		return fail(
		        r, GT_EXIT_BUSY,
		        "another installer run (%s) holds %s/lock; waited %d s. Let it finish, then run again; nothing was changed",
		        pid, gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)),
		        GT_LOCK_WAIT_SECONDS);
	}
	if (ret == -EINTR)
		return fail(r, GT_EXIT_FAILURE,
		            "cancelled while waiting for %s/lock; nothing was changed",
		            gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)));
	if (ret < 0)
		return fail(r, ret == -GT_EUNSAFE ? GT_EXIT_UNSAFE : GT_EXIT_FAILURE,
		            "%s/lock: cannot take the lock: %s; nothing was changed",
		            gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)),
		            ret == -GT_EUNSAFE
		                    ? "not a regular file of root's with one link"
		                    : gt_strerror(ret));
	return 0;
}

/* Finish what a killed run left (a journal, an uninstall half-way). */
static int recover(struct run *r)
{
	static const char *const said[] = {
		[GT_RECOVERED_EMPTY] = N_(
		        "an earlier run was interrupted before it changed anything; its journal was removed"),
		[GT_RECOVERED_ROLLBACK] =
		        N_("an earlier run was interrupted; it has been rolled back"),
		[GT_RECOVERED_COMMIT] = N_(
		        "an earlier run was interrupted after it had finished; its record was completed"),
		[GT_RECOVERED_UNINSTALL] =
		        N_("an earlier uninstall was interrupted; it has been finished"),
	};
	struct gt_journal_error err;
	enum gt_recovery what = GT_RECOVERED_NOTHING;
	char shown[4200];
	int ret = gt_rollback_recover(r->state, &gt_actions_undo_ops, &what, &r->undo,
	                              &err);

	if (ret == -GT_EPARSE)
		return fail(
		        r, GT_EXIT_INPUT,
		        "%s/%s: line %u: %s: this is not a record this installer writes, and nothing in it was acted on. Inspect it, then move it away",
		        gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)),
		        err.file ? err.file : GT_JOURNAL_NAME, err.line, err.msg);
	if (ret == -GT_ETOOBIG || ret == -GT_ENOTREG || ret == -EISDIR)
		return fail(
		        r, GT_EXIT_INPUT,
		        "%s/%s: %s: this is not a record this installer writes, and nothing in it was acted on. Inspect it, then move it away",
		        gt_root_display(r->root, GT_STATE_DIR, shown, sizeof(shown)),
		        err.file ? err.file : GT_JOURNAL_NAME, gt_strerror(ret));
	if (ret < 0)
		return fail(r, GT_EXIT_FAILURE,
		            "an interrupted earlier run could not be recovered: %s",
		            gt_strerror(ret));
	if (r->undo.n_left > 0) {
		r->result = "rollback-incomplete";
		if (what == GT_RECOVERED_UNINSTALL)
			fail(r, GT_EXIT_INCOMPLETE,
			     "an interrupted earlier uninstall could not be undone completely; nothing new was installed. What is not as it was is listed below: fix it (the messages say why), then run the installer again");
		else
			fail(r, GT_EXIT_INCOMPLETE,
			     "an interrupted earlier run could not be undone completely; nothing new was installed. What is not as it was is listed below: fix it (the messages say why), then run the installer again");
		gt_say_left(&r->undo);
		return r->rc;
	}
	r->recovered = what != GT_RECOVERED_NOTHING;
	if (r->recovered)
		gt_warn("%s", gt_tr(said[what]));
	gt_undo_report_clear(&r->undo);
	return 0;
}

int cmd_install(int argc, char **argv)
{
	struct run r = { .rc = GT_EXIT_OK };
	const char *what = NULL;
	int ret;

	ret = gt_cli_parse(argc, argv, "install",
	                   GT_OPT_MEDIA | GT_OPT_CHANGE | GT_OPT_LOG | GT_OPT_OVERRIDE |
	                           GT_OPT_JSON | GT_OPT_FORCE,
	                   usage, &r.o);
	if (ret >= 0)
		return ret;
	if (geteuid() != 0) {
		gt_err("install: must be run as root: sudo ./install.sh");
		return GT_EXIT_NOTROOT;
	}
	ret = gt_root_open(r.o.root, &r.root);
	if (ret < 0) {
		gt_err("%s: cannot open the root directory: %s", r.o.root,
		       gt_strerror(ret));
		return GT_EXIT_USAGE;
	}
	ret = gt_detect_run(r.root, &r.d, &what);
	if (ret < 0) {
		fail(&r, GT_EXIT_INPUT, "cannot read the %s under %s: %s", what,
		     r.root->dir, gt_strerror(ret));
		goto out;
	}
	/* A file detect could not use (a /proc table that is a FIFO, an
	 * unparsable os-release): the install goes on with what the rest
	 * says, and names the file. */
	for (size_t i = 0; i < r.d->nwarnings; i++) {
		char shown[4200];

		if (strcmp(r.d->warnings[i].code, "malformed-file") == 0)
			gt_warn("%s", gt_root_display(r.root, r.d->warnings[i].shown,
			                              shown, sizeof(shown)));
	}
	if (strcmp(r.d->virt->hypervisor, "container") == 0 ||
	    strcmp(r.d->virt->mode, "dom0") == 0) {
		fail(&r, GT_EXIT_UNSUPPORTED,
		     "this is %s: guest-tools are for virtual machine guests",
		     strcmp(r.d->virt->mode, "dom0") == 0 ? "a Xen control domain (dom0)"
		                                          : "a container");
		goto out;
	}
	if (!r.o.dry_run) {
		if (take_state(&r, false) != 0 || (r.state && recover(&r) != 0))
			goto out;
		gt_leftover_sweep(); /* what runs killed with SIGKILL left */
	}
	if (find_and_verify(&r) != 0)
		goto out;
	ret = gt_drivers_plan(r.root, r.d, &r.drivers);
	if (ret < 0) {
		fail(&r, GT_EXIT_INPUT, "cannot plan the PV-driver setup: %s",
		     gt_strerror(ret));
		goto out;
	}
	/* The tgz payload's note joins the warnings; another hypervisor than Xen
	 * gets its advice, and the agent only with --force (installer(8)). */
	ret = gt_advice_install(r.drivers, r.d, r.payload, r.o.json ? NULL : stdout);
	if (ret > 0 && !r.o.force && !r.o.dry_run) {
		char why[512], shown[1024];

		fail_said(&r, GT_EXIT_NOT_XEN,
		          gt_advice_refusal(r.drivers, GT_LANG_EN, why, sizeof(why)),
		          gt_advice_refusal(r.drivers, gt_i18n_choice()->lang, shown,
		                            sizeof(shown)));
		goto out;
	}
	if (ret < 0) {
		fail(&r, GT_EXIT_FAILURE, "%s", gt_strerror(ret));
		goto out;
	}
	for (size_t i = 0; i < r.drivers->n_warnings; i++)
		gt_warn("%s", r.drivers->warnings[i].shown);
	ret = gt_pkg_installed_version(r.root, gt_manifest_family_name(r.payload->family),
	                               r.pkg.name, &r.previous);
	if (ret < 0)
		gt_warn("%s: cannot tell which version is installed: %s", r.pkg.name,
		        gt_strerror(ret));
	if (!r.o.allow_downgrade && refuse_downgrade(&r))
		goto out;
	if (r.previous && strcmp(r.previous, r.pkg.version) == 0 &&
	    r.drivers->n_steps == 0) {
		r.result = "unchanged";
	} else if (r.o.dry_run) {
		r.result = "planned";
	} else if (!confirm(&r)) {
		fail(&r, GT_EXIT_FAILURE, "cancelled; nothing was changed");
		goto out;
	} else if (install(&r) != 0) {
		goto out;
	}
	if (strcmp(r.result, "planned") != 0) {
		gt_verify_run(r.root, r.d, &r.verify);
		if (r.verify && r.verify->reboot_needed)
			r.rc = GT_EXIT_REBOOT;
	}
out:
	if (r.o.json)
		report_json(&r);
	else if (r.result && r.rc != GT_EXIT_ROLLEDBACK &&
	         strcmp(r.result, "failed") != 0)
		report_human(&r);
	if (!r.o.dry_run && r.root && r.rc != GT_EXIT_UNSAFE)
		write_log(&r);
	if (r.tmpfile[0])
		unlink(r.tmpfile);
	if (r.tmpdir[0])
		rmdir(r.tmpdir);
	gt_undo_report_clear(&r.undo);
	gt_state_release(r.state); /* the lock, and a state directory left empty */
	gt_verify_free(r.verify);
	gt_drivers_plan_free(r.drivers);
	gt_pkg_info_clear(&r.pkg);
	free(r.previous);
	gt_manifest_free(r.manifest);
	gt_media_close(r.media);
	gt_detect_free(r.d);
	gt_root_close(r.root);
	return r.rc;
}
