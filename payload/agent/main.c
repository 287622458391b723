/* SPDX-License-Identifier: MIT */
/*
 * guest-agent: publish what the toolstack shows about a Xen guest (its
 * distribution, kernel, memory and the addresses of its vifs) into xenstore,
 * and keep it current: addresses on netlink events, memory every interval.
 * See docs/guest-agent.8.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "error.h"
#include "io.h"
#include "net.h"
#include "root.h"
#include "strv.h"
#include "xs.h"

#define PROG "guest-agent"

/* Exit codes (documented in guest-agent(8)). */
enum {
	EXIT_OK = 0,    /* published, stopped on a signal, or not a Xen guest */
	EXIT_FAIL = 1,  /* --once could not publish; a fatal start-up error */
	EXIT_USAGE = 2, /* bad command line */
};

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define DEBOUNCE_MS    250 /* addresses often change in bursts */
#define TX_ATTEMPTS    5   /* commits refused with EAGAIN before backing off */

struct agent {
	struct gt_root *root;
	const char *xs_path; /* --xenstore or XENSTORED_PATH; NULL: the xenbus device */
	struct vif_override *ov;
	size_t nov;
	int interval; /* seconds between memory refreshes */
	bool once;
	struct gt_xs_conn xs;
	struct kvlist os; /* collected once (again on SIGHUP) */
	/* What the store holds from us, sorted; empty after a reconnect. */
	struct kvlist last;
	bool published; /* at least one publication succeeded */
	int last_err;   /* the error last logged, so a retry loop logs it once */
};

/* ---- logging: stderr (the journal under systemd) or syslog ---------- */

static bool use_syslog;
static int verbosity = 1; /* 0 -q: errors only, 1 warnings, 2 -v info, 3 -vv debug */

__attribute__((format(printf, 2, 3))) static void say(int prio, const char *fmt, ...)
{
	int level = prio <= LOG_ERR       ? 0
	            : prio == LOG_WARNING ? 1
	            : prio <= LOG_INFO    ? 2
	                                  : 3;
	va_list ap;

	/* Lifecycle notices (start, stop, not Xen) are LOG_NOTICE: shown at level 1. */
	if (prio == LOG_NOTICE)
		level = 1;
	if (level > verbosity && level > 0)
		return;
	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fprintf(stderr, "%s: %s", PROG, prio == LOG_WARNING ? "warning: " : "");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static const char *errstr(int err)
{
	return gt_strerror(err);
}

/* ---- time ----------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- connecting ----------------------------------------------------- */

/* The xenbus device inside the root, or NULL when there is none. */
static const char *find_xenbus(const struct gt_root *root)
{
	static const char *const devices[] = { "/dev/xen/xenbus", "/proc/xen/xenbus" };

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (gt_root_exists(root, devices[i]))
			return devices[i];
	return NULL;
}

/*
 * Evidence that this is a Xen guest: an explicit store, a xenbus device, or
 * the hypervisor's own word in sysfs.
 */
static bool on_xen(struct agent *a)
{
	char *type = NULL;
	bool xen;

	if (a->xs_path || find_xenbus(a->root))
		return true;
	xen = gt_root_read_line(a->root, "/sys/hypervisor/type", &type) == 0 &&
	      strcmp(type, "xen") == 0;
	free(type);
	return xen;
}

static int xs_connect(struct agent *a)
{
	char disp[PATH_MAX];
	struct gt_root_at at;
	const char *dev;
	int ret;

	if (a->xs.fd >= 0)
		return 0;
	kv_clear(&a->last);
	if (a->xs_path)
		return gt_xs_open(&a->xs, AT_FDCWD, a->xs_path, a->xs_path);
	dev = find_xenbus(a->root);
	if (!dev)
		return -ENOENT;
	/* Resolved inside the root once; xs_open acts on the held directory. */
	ret = gt_root_at(a->root, dev, GT_AT_FOLLOW, &at);
	if (ret < 0)
		return ret;
	ret = gt_xs_open(&a->xs, at.dirfd, at.name,
	                 gt_root_display(a->root, dev, disp, sizeof(disp)));
	gt_root_at_close(&at);
	return ret;
}

static void xs_drop(struct agent *a)
{
	gt_xs_close(&a->xs);
	kv_clear(&a->last);
}

/* What a failure to reach the store is about, for messages. */
static const char *xs_where(const struct agent *a, int err)
{
	if (a->xs.where)
		return a->xs.where;
	if (a->xs_path)
		return a->xs_path;
	if (err == -ENOENT)
		return "xenstore: no /dev/xen/xenbus or /proc/xen/xenbus (is xenfs mounted on /proc/xen?)";
	return "xenstore";
}

/* ---- publishing ----------------------------------------------------- */

static int collect_all(struct agent *a, struct kvlist *now)
{
	int ret;

	for (size_t i = 0; i < a->os.n; i++)
		if ((ret = kv_add(now, a->os.v[i].key, "%s", a->os.v[i].value)) < 0)
			return ret;
	if ((ret = collect_static(a->root, now)) < 0)
		return ret;
	ret = collect_mem(a->root, now);
	if (ret < 0 && ret != -ENOENT && ret != -GT_EPARSE)
		return ret;
	if (ret < 0)
		say(LOG_WARNING, "proc/meminfo: %s: memory not published", errstr(ret));
	if ((ret = collect_vifs(a->root, a->ov, a->nov, now)) < 0) {
		say(LOG_WARNING, "netlink: %s: addresses not published", errstr(ret));
		return ret;
	}
	kv_sort(now);
	return 0;
}

/* Every key the agent may publish besides attr/vif: a fresh start removes
 * those it no longer has (a balloon driver gone, a version now unknown). */
static const char *const managed_keys[] = {
	"data/os_distro",    "data/os_name",
	"data/os_majorver",  "data/os_minorver",
	"data/os_uname",     "data/meminfo_total",
	"data/meminfo_free", "control/feature-balloon",
	"attr/PVAddons",
};

static bool is_vif_key(const char *key)
{
	return gt_startswith(key, "attr/vif/");
}

/* True when the vif part of the two lists differs. */
static bool vifs_differ(const struct kvlist *x, const struct kvlist *y)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < x->n && !is_vif_key(x->v[i].key))
			i++;
		while (j < y->n && !is_vif_key(y->v[j].key))
			j++;
		if (i == x->n || j == y->n)
			return i != x->n || j != y->n;
		if (strcmp(x->v[i].key, y->v[j].key) != 0 ||
		    strcmp(x->v[i].value, y->v[j].value) != 0)
			return true;
		i++, j++;
	}
}

/*
 * One publication in one transaction: readers (xapi) see either the old or
 * the new state, never a half-removed address list. The vif subtree is
 * rewritten whole when it changed, which also removes stale addresses and
 * the leftovers of an earlier run; other keys are written when they differ.
 */
static int publish_tx(struct agent *a, const struct kvlist *now)
{
	bool fresh = a->last.n == 0;
	bool vifs = fresh || vifs_differ(now, &a->last);
	char stamp[32];
	int ret;

	ret = gt_xs_transaction_start(&a->xs);
	if (ret < 0)
		return ret;
	if (vifs && (ret = gt_xs_rm(&a->xs, "attr/vif")) < 0)
		goto abort;
	for (size_t i = 0; i < now->n; i++) {
		const char *old = kv_get(&a->last, now->v[i].key);

		if (is_vif_key(now->v[i].key) ? !vifs
		                              : old && strcmp(old, now->v[i].value) == 0)
			continue;
		if ((ret = gt_xs_write(&a->xs, now->v[i].key, now->v[i].value)) < 0)
			goto abort;
		say(LOG_DEBUG, "write %s = %s", now->v[i].key, now->v[i].value);
	}
	/* After a (re)start we do not know what an earlier run left behind. */
	for (size_t i = 0; fresh && i < sizeof(managed_keys) / sizeof(managed_keys[0]);
	     i++) {
		bool have = false;

		for (size_t j = 0; j < now->n && !have; j++)
			have = gt_startswith(now->v[j].key, managed_keys[i]);
		if (!have && (ret = gt_xs_rm(&a->xs, managed_keys[i])) < 0)
			goto abort;
	}
	/* Keys we wrote before that no longer apply (a version now unknown). */
	for (size_t i = 0; i < a->last.n; i++) {
		if (is_vif_key(a->last.v[i].key) || kv_get(now, a->last.v[i].key))
			continue;
		if ((ret = gt_xs_rm(&a->xs, a->last.v[i].key)) < 0)
			goto abort;
	}
	/* Older xapi re-reads the guest's keys only when data/updated changes. */
	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	if ((ret = gt_xs_write(&a->xs, "data/updated", stamp)) < 0)
		goto abort;
	return gt_xs_transaction_end(&a->xs, 1);
abort:
	if (!gt_xs_conn_lost(ret))
		gt_xs_transaction_end(&a->xs, 0);
	return ret;
}

static bool same_list(const struct kvlist *x, const struct kvlist *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->v[i].key, y->v[i].key) != 0 ||
		    strcmp(x->v[i].value, y->v[i].value) != 0)
			return false;
	return true;
}

/* Publish what changed. Returns 0, or the error that made it fail. */
static int publish(struct agent *a)
{
	struct kvlist now = { 0 };
	int ret, attempt;

	ret = collect_all(a, &now);
	if (ret < 0)
		goto out;
	ret = xs_connect(a);
	if (ret < 0)
		goto out;
	if (a->last.n && same_list(&now, &a->last)) {
		ret = 0;
		goto out;
	}
	for (attempt = 1;; attempt++) {
		ret = publish_tx(a, &now);
		/* EAGAIN: another writer committed first; redo ours at once. */
		if (ret != -EAGAIN || attempt == TX_ATTEMPTS)
			break;
	}
	if (ret < 0) {
		if (gt_xs_conn_lost(ret))
			xs_drop(a);
		goto out;
	}
	kv_clear(&a->last);
	a->last = now;
	memset(&now, 0, sizeof(now));
	if (!a->published || a->last_err)
		say(LOG_NOTICE, "published to %s", a->xs.where);
	a->published = true;
	ret = 0;
out:
	kv_clear(&now);
	return ret;
}

/* ---- service plumbing ------------------------------------------------ */

/* Tell systemd (Type=notify) we are up; a no-op elsewhere. */
static void notify_ready(void)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (!sock || (sock[0] != '/' && sock[0] != '@') ||
	    strlen(sock) >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sock));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	(void)sendto(fd, "READY=1", 7, MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
	close(fd);
}

static int write_pidfile(const char *path)
{
	char buf[32];
	int fd, n, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n)
		ret = -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

/*
 * Detach from the terminal (SysV init scripts start us with --daemon). The
 * first process waits until the daemon reports through *@ready_fd (see
 * daemon_ready()) so that an init script that checks the pidfile right after
 * we return finds it; its exit status is the daemon's start-up verdict.
 */
static int daemonize(int *ready_fd)
{
	int p[2], fd;
	pid_t pid;
	char ok = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		(void)gt_read_full(p[0], &ok, 1); /* end of file: the daemon failed */
		_exit(ok == 0 ? EXIT_OK : EXIT_FAIL);
	}
	close(p[0]);
	if (setsid() < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -errno;
	umask(022);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	*ready_fd = p[1];
	return 0;
}

/* Tell the waiting first process that start-up succeeded (or, closed
 * without a word, that it failed). */
static void daemon_ready(int *ready_fd)
{
	char ok = 0;

	if (*ready_fd < 0)
		return;
	(void)!write(*ready_fd, &ok, 1);
	close(*ready_fd);
	*ready_fd = -1;
}

/* ---- main loop ------------------------------------------------------- */

static int load_os(struct agent *a)
{
	int ret;

	kv_clear(&a->os);
	ret = collect_os(a->root, &a->os);
	if (ret < 0 && ret != -ENOMEM)
		say(LOG_WARNING,
		    "distribution release file (etc/os-release...): %s: data/os_* not published",
		    errstr(ret));
	return ret == -ENOMEM ? ret : 0;
}

static int run(struct agent *a)
{
	long long next_publish = 0, backoff = BACKOFF_MIN_MS;
	int sfd = -1, nfd = -1, ret;
	bool stop = false;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		ret = -errno;
		say(LOG_ERR, "signalfd: %s", errstr(ret));
		return EXIT_FAIL;
	}
	nfd = net_monitor_open();
	if (nfd < 0)
		say(LOG_WARNING, "netlink: %s: addresses refreshed every %d s only",
		    errstr(nfd), a->interval);
	notify_ready();

	while (!stop) {
		/* p[2]: no request is outstanding between publications, so the
		 * store's socket becomes readable only when it closes. */
		struct pollfd p[3] = { { .fd = sfd, .events = POLLIN },
			               { .fd = nfd, .events = POLLIN },
			               { .fd = a->xs.fd, .events = POLLIN } };
		long long t = now_ms(), wait = next_publish - t;

		if (wait <= 0) {
			ret = publish(a);
			if (ret == 0) {
				a->last_err = 0;
				backoff = BACKOFF_MIN_MS;
				next_publish = now_ms() + (long long)a->interval * 1000;
			} else {
				/* Log a new error once, then retry quietly with backoff.
				 */
				if (ret != a->last_err)
					say(LOG_WARNING, "%s: %s; retrying in %lld s",
					    xs_where(a, ret), errstr(ret),
					    backoff / 1000);
				a->last_err = ret;
				next_publish = now_ms() + backoff;
				backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
				                                       : backoff * 2;
			}
			continue;
		}
		if (poll(p, 3, (int)(wait > INT_MAX ? INT_MAX : wait)) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			say(LOG_ERR, "poll: %s", errstr(ret));
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					say(LOG_NOTICE,
					    "SIGHUP: publishing everything again");
					if (load_os(a) < 0)
						stop = true;
					kv_clear(&a->last);
					next_publish = 0;
				} else {
					say(LOG_NOTICE, "stopping on signal %u",
					    si.ssi_signo);
					stop = true;
				}
			}
		}
		if (a->xs.fd >= 0 && p[2].revents) {
			/* Closed, or an unsolicited message (we set no watch): either
			 * way reconnect and publish everything again. */
			say(LOG_WARNING, "%s: connection lost; reconnecting",
			    a->xs.where);
			xs_drop(a);
			a->last_err = -ECONNRESET;
			next_publish = now_ms() + backoff;
		}
		if (nfd >= 0 && (p[1].revents & (POLLIN | POLLERR))) {
			ret = net_monitor_drain(nfd);
			/* Coalesce a burst; a pending retry keeps its own later time. */
			if (ret != 0 && a->last_err == 0 &&
			    next_publish > now_ms() + DEBOUNCE_MS)
				next_publish = now_ms() + DEBOUNCE_MS;
			if (ret < 0) {
				say(LOG_WARNING, "netlink: %s", errstr(ret));
				close(nfd);
				nfd = net_monitor_open();
			}
		}
	}
	if (nfd >= 0)
		close(nfd);
	close(sfd);
	return EXIT_OK;
}

/* ---- command line ---------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: %s [OPTION]...\n"
	        "Publish this Xen guest's OS, addresses and memory into xenstore.\n\n"
	        "  -1, --once             publish once and exit\n"
	        "  -d, --daemon           detach and log to syslog (for SysV init)\n"
	        "  -p, --pidfile FILE     write the process id to FILE\n"
	        "  -i, --interval SEC     refresh memory figures every SEC seconds (60)\n"
	        "  -r, --root DIR         read /etc, /proc and /sys under DIR\n"
	        "  -x, --xenstore PATH    xenstore socket or device (default: XENSTORED_PATH,\n"
	        "                         else /dev/xen/xenbus or /proc/xen/xenbus)\n"
	        "      --vif IF=DEVID     treat interface IF as the vif DEVID\n"
	        "      --syslog           log to syslog instead of stderr\n"
	        "  -q, --quiet            errors only\n"
	        "  -v, --verbose          more messages (-vv: every key written)\n"
	        "  -V, --version          print the version and exit\n"
	        "  -h, --help             print this help and exit\n\n"
	        "Exit status: 0 published, stopped, or not a Xen guest; 1 failure; 2 usage.\n",
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, '1' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "root", required_argument, NULL, 'r' },
		{ "xenstore", required_argument, NULL, 'x' },
		{ "vif", required_argument, NULL, 'F' },
		{ "syslog", no_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent a = { .interval = 60, .xs = { .fd = -1 } };
	const char *rootdir = NULL, *pidfile = NULL;
	bool daemon_mode = false;
	int c, ret, rc = EXIT_FAIL, ready_fd = -1;

	while ((c = getopt_long(argc, argv, "1dp:i:r:x:qvVh", opts, NULL)) != -1) {
		char *end;
		long v;

		switch (c) {
		case '1':
			a.once = true;
			break;
		case 'd':
			daemon_mode = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'r':
			rootdir = optarg;
			break;
		case 'x':
			a.xs_path = optarg;
			break;
		case 'S':
			use_syslog = true;
			break;
		case 'q':
			verbosity = 0;
			break;
		case 'v':
			verbosity++;
			break;
		case 'i':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 86400) {
				fprintf(stderr,
				        "%s: --interval: '%s' is not a number of seconds from 1 to 86400\n",
				        PROG, optarg);
				free(a.ov);
				return EXIT_USAGE;
			}
			a.interval = (int)v;
			break;
		case 'F':
			if (add_override(&a, optarg) < 0) {
				fprintf(stderr, "%s: --vif: '%s' is not IFNAME=DEVID\n",
				        PROG, optarg);
				free(a.ov);
				return EXIT_USAGE;
			}
			break;
		case 'V':
			printf("%s %s\n", PROG, GT_VERSION);
			free(a.ov);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			free(a.ov);
			return EXIT_OK;
		default:
			fprintf(stderr, "Try '%s --help' for more information.\n", PROG);
			free(a.ov);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
		        "%s: unexpected argument '%s'\nTry '%s --help' for more information.\n",
		        PROG, argv[optind], PROG);
		free(a.ov);
		return EXIT_USAGE;
	}
	if (!a.xs_path) {
		const char *env = getenv("XENSTORED_PATH");

		if (env && env[0])
			a.xs_path = env;
	}
	if (daemon_mode)
		use_syslog = true;
	if (use_syslog)
		openlog(PROG, LOG_PID, LOG_DAEMON);
	signal(SIGPIPE, SIG_IGN);

	ret = gt_root_open(rootdir, &a.root);
	if (ret < 0) {
		say(LOG_ERR, "%s: %s", rootdir, errstr(ret));
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
	if ((ret = load_os(&a)) < 0) {
		say(LOG_ERR, "%s", errstr(ret));
		goto out;
	}
	if (a.once) {
		ret = publish(&a);
		if (ret < 0) {
			say(LOG_ERR, "%s: %s", xs_where(&a, ret), errstr(ret));
			goto out;
		}
		rc = EXIT_OK;
		goto out;
	}
	if (daemon_mode && (ret = daemonize(&ready_fd)) < 0) {
		say(LOG_ERR, "daemonize: %s", errstr(ret));
		goto out;
	}
	if (pidfile && (ret = write_pidfile(pidfile)) < 0) {
		say(LOG_ERR, "%s: %s", pidfile, errstr(ret));
		goto out;
	}
	daemon_ready(&ready_fd);
	say(LOG_NOTICE, "%s %s starting", PROG, GT_VERSION);
	rc = run(&a);
	if (pidfile)
		unlink(pidfile);
out:
	if (ready_fd >= 0)
		close(ready_fd); /* start-up failed: the first process exits 1 */
	xs_drop(&a);
	kv_clear(&a.os);
	free(a.ov);
	gt_root_close(a.root);
	if (use_syslog)
		closelog();
	return rc;
}
