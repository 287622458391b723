/* SPDX-License-Identifier: MIT */
/*
 * guest-agent: publish what the toolstack shows about a Xen guest (its
 * distribution, kernel, host name, memory and the addresses of its NICs)
 * into xenstore, and keep it current: addresses on netlink events, the
 * whole set again when the toolstack gives the guest a new domain (a
 * migration, a resume, a clone) or removes our keys, memory every interval.
 * --check reads back what xapi sees. See docs/guest-agent.8.
 *
 * This file is the command line; the work is in loop.c (the daemon),
 * publish.c and watch.c (the store), check.c, collect.c, osinfo.c, net.c.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "check.h"
#include "error.h"
#include "loop.h"
#include "i18n.h"
#include "publish.h"
#include "say.h"
#include "service.h"

static void usage(FILE *f)
{
	fprintf(f,
	        gt_tr("Usage: %s [OPTION]...\n"
	              "Publish this Xen guest's OS, addresses and memory into xenstore.\n\n"
	              "  -1, --once             publish once and exit\n"
	              "  -c, --check            read back what xapi sees and explain any problem\n"
	              "      --json             with --check: print one JSON object\n"
	              "      --wait SEC         with --check: retry for up to SEC seconds (0)\n"
	              "  -d, --daemon           detach and log to syslog (for SysV init)\n"
	              "  -p, --pidfile FILE     write the process id to FILE\n"
	              "  -i, --interval SEC     poll and refresh memory figures every SEC seconds (60)\n"
	              "  -r, --root DIR         read /etc, /proc and /sys under DIR\n"
	              "  -x, --xenstore PATH    xenstore socket or device (default: XENSTORED_PATH,\n"
	              "                         else /dev/xen/xenbus or /proc/xen/xenbus)\n"
	              "      --vif IF=DEVID     treat interface IF as the vif DEVID\n"
	              "      --syslog           log to syslog instead of stderr\n"
	              "  -q, --quiet            errors only\n"
	              "  -v, --verbose          more messages (-vv: every key written)\n"
	              "  -V, --version          print the version and exit\n"
	              "  -h, --help             print this help and exit\n\n"
	              "Exit status: 0 published, stopped, not a Xen guest, or --check found nothing\n"
	              "wrong; 1 failure or a problem found; 2 usage.\n"),
	        PROG);
}

static int add_override(struct agent *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct vif_override *bigger;
	char *end;
	unsigned long id;

	if (!eq || eq == arg || (size_t)(eq - arg) >= IF_NAMESIZE || !eq[1])
		return -EINVAL;
	errno = 0;
	id = strtoul(eq + 1, &end, 10);
	if (errno || *end || eq[1] == '-' || id > 0xffffffUL)
		return -EINVAL;
	bigger = realloc(a->ov, (a->nov + 1) * sizeof(*a->ov));
	if (!bigger)
		return -ENOMEM;
	a->ov = bigger;
	/* The name part is used in place: terminate it inside argv. */
	*(char *)eq = '\0';
	a->ov[a->nov].ifname = arg;
	a->ov[a->nov].devid = (unsigned int)id;
	a->nov++;
	return 0;
}

/*
 * Evidence that this is a Xen guest: an explicit store, a xenbus device, or
 * the hypervisor's own word in sysfs.
 */
static bool on_xen(struct agent *a)
{
	char *type = NULL;
	bool xen;

	if (a->xs_path || publish_find_xenbus(a->root))
		return true;
	xen = gt_root_read_line(a->root, "/sys/hypervisor/type", &type) == 0 &&
	      strcmp(type, "xen") == 0;
	free(type);
	return xen;
}

/* A number of seconds in [@min, 86400]; -1 when @s is not one. */
static long seconds(const char *s, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s || *end || v < min || v > 86400 ? -1 : v;
}

struct options {
	bool once, check, json, daemon, syslog;
	int verbosity, wait;
	const char *root, *pidfile;
};

/* Parse argv into @o and @a. Returns -1 to go on, else the exit code. */
static int parse(int argc, char **argv, struct options *o, struct agent *a)
{
	enum { OPT_VIF = 256, OPT_SYSLOG, OPT_JSON, OPT_WAIT };
	static const struct option opts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "check", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "root", required_argument, NULL, 'r' },
		{ "xenstore", required_argument, NULL, 'x' },
		{ "vif", required_argument, NULL, OPT_VIF },
		{ "syslog", no_argument, NULL, OPT_SYSLOG },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	long v;

	while ((c = getopt_long(argc, argv, "1cdp:i:r:x:qvVh", opts, NULL)) != -1) {
		switch (c) {
		case '1':
			o->once = true;
			break;
		case 'c':
			o->check = true;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_WAIT:
			if ((v = seconds(optarg, 0)) < 0) {
				fprintf(stderr,
				        "%s: --wait: '%s' is not a number of seconds from 0 to 86400\n",
				        PROG, optarg);
				return EXIT_USAGE;
			}
			o->wait = (int)v;
			break;
		case 'd':
			o->daemon = true;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'x':
			a->xs_path = optarg;
			break;
		case OPT_SYSLOG:
			o->syslog = true;
			break;
		case 'q':
			o->verbosity = 0;
			break;
		case 'v':
			o->verbosity++;
			break;
		case 'i':
			if ((v = seconds(optarg, 1)) < 0) {
				fprintf(stderr,
				        "%s: --interval: '%s' is not a number of seconds from 1 to 86400\n",
				        PROG, optarg);
				return EXIT_USAGE;
			}
			a->interval = (int)v;
			break;
		case OPT_VIF:
			if (add_override(a, optarg) < 0) {
				fprintf(stderr, "%s: --vif: '%s' is not IFNAME=DEVID\n",
				        PROG, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'V':
			printf("%s %s\n", PROG, GT_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
		        "%s: unexpected argument '%s'\nTry '%s --help' for more information.\n",
		        PROG, argv[optind], PROG);
		return EXIT_USAGE;
	}
	if ((o->json || o->wait) && !o->check) {
		fprintf(stderr,
		        "%s: --json and --wait go with --check\nTry '%s --help' for more information.\n",
		        PROG, PROG);
		return EXIT_USAGE;
	}
	if (o->check && (o->once || o->daemon || o->pidfile)) {
		fprintf(stderr,
		        "%s: --check reads the store and exits: it takes no --once, --daemon or --pidfile\nTry '%s --help' for more information.\n",
		        PROG, PROG);
		return EXIT_USAGE;
	}
	return -1;
}

/* The daemon proper: detach if asked, write the pidfile, run the loop. */
static int run_daemon(struct agent *a, const struct options *o)
{
	int ret, rc, ready_fd = -1;

	if (o->daemon && (ret = service_daemonize(&ready_fd)) < 0) {
		say(LOG_ERR, "daemonize: %s", gt_strerror(ret));
		return EXIT_FAIL;
	}
	if (o->pidfile && (ret = service_write_pidfile(o->pidfile)) < 0) {
		say(LOG_ERR, "%s: %s", o->pidfile, gt_strerror(ret));
		if (ready_fd >= 0)
			close(ready_fd); /* start-up failed: the first process exits 1 */
		return EXIT_FAIL;
	}
	service_daemon_ready(&ready_fd);
	say(LOG_NOTICE, "%s %s starting", PROG, GT_VERSION);
	rc = loop_run(a);
	if (o->pidfile)
		unlink(o->pidfile);
	return rc;
}

int main(int argc, char **argv)
{
	struct agent a = { .interval = 60, .xs = { .fd = -1 } };
	struct options o = { .verbosity = 1 };
	int ret, rc = EXIT_FAIL;

	gt_i18n_init();
	rc = parse(argc, argv, &o, &a);
	if (rc >= 0) {
		free(a.ov);
		return rc;
	}
	rc = EXIT_FAIL;
	if (!a.xs_path) {
		const char *env = getenv("XENSTORED_PATH");

		if (env && env[0])
			a.xs_path = env;
	}
	say_setup(o.syslog || o.daemon, o.verbosity);
	signal(SIGPIPE, SIG_IGN);

	ret = gt_root_open(o.root, &a.root);
	if (ret < 0) {
		say(LOG_ERR, "%s: %s", o.root, gt_strerror(ret));
		goto out;
	}
	if (o.check) {
		rc = check_run(&a, o.json, o.wait);
		goto out;
	}
	if (!on_xen(&a)) {
		/* Installed on a machine that is not a Xen guest (a cloned image,
		 * another hypervisor): nothing to do, and not a failure. */
		say(LOG_NOTICE,
		    "not running on Xen (no xenbus device, %s is not 'xen'): nothing to publish",
		    "/sys/hypervisor/type");
		rc = EXIT_OK;
		goto out;
	}
	if ((ret = loop_load_os(&a)) < 0) {
		say(LOG_ERR, "%s", gt_strerror(ret));
		goto out;
	}
	if (o.once) {
		ret = publish(&a);
		if (ret < 0)
			say(LOG_ERR, "%s: %s", publish_where(&a, ret), gt_strerror(ret));
		else
			rc = EXIT_OK;
		goto out;
	}
	rc = run_daemon(&a, &o);
out:
	publish_disconnect(&a);
	kv_clear(&a.os);
	free(a.domain_id);
	free(a.ov);
	gt_root_close(a.root);
	say_close();
	return rc;
}
