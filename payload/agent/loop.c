/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "loop.h"
#include "net.h"
#include "osinfo.h"
#include "publish.h"
#include "say.h"
#include "service.h"
#include "watch.h"

#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define DEBOUNCE_MS    250 /* addresses often change in bursts */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int loop_load_os(struct agent *a)
{
	int ret;

	kv_clear(&a->os);
	ret = osinfo_collect(a->root, &a->os);
	if (ret < 0 && ret != -ENOMEM)
		say(LOG_WARNING,
		    "distribution release file (etc/os-release...): %s: data/os_* not published",
		    gt_strerror(ret));
	return ret == -ENOMEM ? ret : 0;
}

struct timers {
	long long next_publish, backoff;
};

/* A failed publication or a lost store: log a new error once, retry with backoff. */
static void retry_later(struct agent *a, struct timers *t, int err)
{
	if (err != a->last_err)
		say(LOG_WARNING, "%s: %s; retrying in %lld s", publish_where(a, err),
		    gt_strerror(err), t->backoff / 1000);
	a->last_err = err;
	t->next_publish = now_ms() + t->backoff;
	t->backoff = t->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : t->backoff * 2;
}

/* The store sent events (or closed): see whether they call for a publication. */
static void on_store(struct agent *a, struct timers *t)
{
	int ret = watch_drain(a);

	if (ret > 0)
		ret = watch_verify(a);
	if (ret == 1 && a->last_err == 0) {
		t->next_publish = 0; /* at once, in one transaction */
	} else if (ret < 0) {
		say(LOG_WARNING, "%s: connection lost; reconnecting",
		    publish_where(a, ret));
		publish_disconnect(a);
		a->last_err = -ECONNRESET;
		t->next_publish = now_ms() + t->backoff;
	}
}

static bool on_signals(struct agent *a, int sfd, struct timers *t)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			say(LOG_NOTICE, "SIGHUP: publishing everything again");
			if (loop_load_os(a) < 0)
				stop = true;
			publish_forget(a);
			t->next_publish = 0;
		} else {
			say(LOG_NOTICE, "stopping on signal %u", si.ssi_signo);
			stop = true;
		}
	}
	return stop;
}

int loop_run(struct agent *a)
{
	struct timers t = { 0, BACKOFF_MIN_MS };
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
		say(LOG_ERR, "signalfd: %s", gt_strerror(ret));
		return EXIT_FAIL;
	}
	ret = service_raise_freeze_timeout(a->root);
	if (ret > 0)
		say(LOG_INFO, "sys/power/pm_freeze_timeout raised from 20 s to 300 s");
	else if (ret < 0)
		say(LOG_WARNING, "sys/power/pm_freeze_timeout: %s: left as it is",
		    gt_strerror(ret));
	nfd = net_monitor_open();
	if (nfd < 0)
		say(LOG_WARNING, "netlink: %s: addresses refreshed every %d s only",
		    gt_strerror(nfd), a->interval);
	service_notify_ready();

	while (!stop) {
		struct pollfd p[3] = { { .fd = sfd, .events = POLLIN },
			               { .fd = nfd, .events = POLLIN },
			               { .fd = a->xs.fd, .events = POLLIN } };
		long long wait = t.next_publish - now_ms();

		if (wait <= 0) {
			ret = publish(a);
			if (ret == 0) {
				a->last_err = 0;
				t.backoff = BACKOFF_MIN_MS;
				t.next_publish = now_ms() + (long long)a->interval * 1000;
			} else {
				retry_later(a, &t, ret);
			}
			continue;
		}
		/* Events that came with a reply are queued already: take them now. */
		if (a->xs.fd >= 0 && gt_xs_events_queued(&a->xs)) {
			on_store(a, &t);
			continue;
		}
		if (poll(p, 3, (int)(wait > INT_MAX ? INT_MAX : wait)) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			say(LOG_ERR, "poll: %s", gt_strerror(ret));
			break;
		}
		if (p[0].revents & POLLIN)
			stop = on_signals(a, sfd, &t);
		if (a->xs.fd >= 0 && p[2].revents)
			on_store(a, &t);
		if (nfd >= 0 && (p[1].revents & (POLLIN | POLLERR))) {
			ret = net_monitor_drain(nfd);
			/* Coalesce a burst; a pending retry keeps its own later time. */
			if (ret != 0 && a->last_err == 0 &&
			    t.next_publish > now_ms() + DEBOUNCE_MS)
				t.next_publish = now_ms() + DEBOUNCE_MS;
			if (ret < 0) {
				say(LOG_WARNING, "netlink: %s", gt_strerror(ret));
				close(nfd);
				nfd = net_monitor_open();
			}
		}
	}
	publish_stopped(a);
	if (nfd >= 0)
		close(nfd);
	close(sfd);
	return EXIT_OK;
}
