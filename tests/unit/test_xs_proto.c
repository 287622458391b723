/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of the xenstore client the agent and the installer share
 * (lib/xs.c): request framing, reply matching, error replies, unsolicited
 * watch events, broken peers and a store that never answers. The store's
 * side is the other end of a socketpair, with replies queued before the
 * call (the client writes first, then reads). The unit is included here so
 * that its framing header (static) can be built and checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../lib/xs.c"

struct pair {
	struct gt_xs_conn c;
	int peer;
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	int sv[2];

	if (!p || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	p->c.fd = sv[0];
	p->c.where = strdup("test");
	p->peer = sv[1];
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	gt_xs_close(&p->c);
	if (p->peer >= 0)
		close(p->peer);
	free(p);
	return 0;
}

/* Queue one message from the store. */
static void reply(struct pair *p, uint32_t type, uint32_t req, uint32_t tx,
                  const void *body, uint32_t len)
{
	struct xs_hdr h = { .type = type, .req_id = req, .tx_id = tx, .len = len };

	assert_int_equal(write(p->peer, &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(write(p->peer, body, len), (ssize_t)len);
}

/* Read the request the client sent; returns its payload length. */
static uint32_t request(struct pair *p, struct xs_hdr *h, char *body, size_t size)
{
	assert_int_equal(read(p->peer, h, sizeof(*h)), sizeof(*h));
	assert_true(h->len <= size);
	if (h->len)
		assert_int_equal(read(p->peer, body, h->len), (ssize_t)h->len);
	return h->len;
}

static void test_read_value(void **state)
{
	struct pair *p = *state;
	struct xs_hdr h;
	char body[64], *v = NULL;

	reply(p, GT_XS_READ, 1, 0, "rocky", 5);
	assert_int_equal(gt_xs_read(&p->c, "data/os_distro", &v), 0);
	assert_string_equal(v, "rocky");
	free(v);
	assert_int_equal(request(p, &h, body, sizeof(body)),
	                 strlen("data/os_distro") + 1);
	assert_int_equal(h.type, GT_XS_READ);
	assert_int_equal(h.req_id, 1);
	assert_int_equal(h.tx_id, 0);
	assert_memory_equal(body, "data/os_distro", strlen("data/os_distro") + 1);
}

static void test_write_framing(void **state)
{
	struct pair *p = *state;
	struct xs_hdr h;
	char body[64];

	reply(p, GT_XS_WRITE, 1, 0, "OK", 3);
	assert_int_equal(gt_xs_write(&p->c, "a/b", "xyz"), 0);
	/* path NUL value, and no NUL after the value */
	assert_int_equal(request(p, &h, body, sizeof(body)), 7);
	assert_int_equal(h.type, GT_XS_WRITE);
	assert_memory_equal(body, "a/b\0xyz", 7);
}

static void test_error_reply(void **state)
{
	struct pair *p = *state;

	reply(p, GT_XS_ERROR, 1, 0, "EACCES", 7);
	assert_int_equal(gt_xs_write(&p->c, "a", "b"), -EACCES);
	reply(p, GT_XS_ERROR, 2, 0, "EAGAIN", 7);
	assert_int_equal(gt_xs_write(&p->c, "a", "b"), -EAGAIN);
	reply(p, GT_XS_ERROR, 3, 0, "EWHATEVER", 10);
	assert_int_equal(gt_xs_write(&p->c, "a", "b"), -EIO);
	assert_false(gt_xs_conn_lost(-EACCES));
}

static void test_rm_missing_is_ok(void **state)
{
	struct pair *p = *state;

	reply(p, GT_XS_ERROR, 1, 0, "ENOENT", 7);
	assert_int_equal(gt_xs_rm(&p->c, "attr/vif"), 0);
}

static void test_skips_watch_events_and_stale_replies(void **state)
{
	struct pair *p = *state;
	struct gt_xs_event ev;
	char *v = NULL;

	reply(p, GT_XS_WATCH_EVENT, 0, 0, "path\0token", 11);
	reply(p, GT_XS_READ, 99, 0, "stale", 5); /* another request id */
	reply(p, GT_XS_READ, 1, 0, "fresh", 5);
	assert_int_equal(gt_xs_read(&p->c, "k", &v), 0);
	assert_string_equal(v, "fresh");
	free(v);
	/* The event that came first is kept for the caller, not lost. */
	assert_true(gt_xs_events_queued(&p->c));
	assert_int_equal(gt_xs_next_event(&p->c, &ev), 1);
	assert_string_equal(ev.path, "path");
	assert_string_equal(ev.token, "token");
	gt_xs_event_free(&ev);
	assert_false(gt_xs_events_queued(&p->c));
	assert_int_equal(gt_xs_next_event(&p->c, &ev), 0);
}

/* XS_WATCH carries "path\0token\0"; the store acks, then fires once (do_watch). */
static void test_watch_framing_and_first_event(void **state)
{
	struct pair *p = *state;
	struct gt_xs_event ev;
	struct xs_hdr h;
	char body[64];

	reply(p, GT_XS_WATCH, 1, 0, "OK", 3);
	assert_int_equal(gt_xs_watch(&p->c, "unique-domain-id", "d"), 0);
	assert_int_equal(request(p, &h, body, sizeof(body)), 19);
	assert_int_equal(h.type, GT_XS_WATCH);
	assert_memory_equal(body, "unique-domain-id\0d\0", 19);
	/* Nothing yet: next_event does not block. */
	assert_int_equal(gt_xs_next_event(&p->c, &ev), 0);
	reply(p, GT_XS_WATCH_EVENT, 0, 0, "unique-domain-id\0d", 19);
	assert_int_equal(gt_xs_next_event(&p->c, &ev), 1);
	assert_string_equal(ev.path, "unique-domain-id");
	assert_string_equal(ev.token, "d");
	gt_xs_event_free(&ev);
}

/* More events than the queue holds while a reply is awaited: the rest are counted lost.
 */
static void test_event_queue_overflow_is_reported(void **state)
{
	struct pair *p = *state;
	struct gt_xs_event ev;
	char *v = NULL;
	int n = 0;

	for (int i = 0; i < GT_XS_EVENTS_MAX + 3; i++)
		reply(p, GT_XS_WATCH_EVENT, 0, 0, "attr\0a", 7);
	reply(p, GT_XS_READ, 1, 0, "x", 1);
	assert_int_equal(gt_xs_read(&p->c, "k", &v), 0);
	free(v);
	assert_true(p->c.events_lost);
	while (gt_xs_next_event(&p->c, &ev) == 1) {
		gt_xs_event_free(&ev);
		n++;
	}
	assert_int_equal(n, GT_XS_EVENTS_MAX);
}

/* A malformed event (no NUL between path and token) is not an event. */
static void test_malformed_event(void **state)
{
	struct pair *p = *state;
	struct gt_xs_event ev;

	reply(p, GT_XS_WATCH_EVENT, 0, 0, "pathtoken", 9);
	assert_int_equal(gt_xs_next_event(&p->c, &ev), -EPROTO);
	assert_null(ev.path);
}

/* The store closing while idle is seen by next_event. */
static void test_event_on_closed_store(void **state)
{
	struct pair *p = *state;
	struct gt_xs_event ev;

	close(p->peer);
	p->peer = -1;
	assert_int_equal(gt_xs_next_event(&p->c, &ev), -ECONNRESET);
}

static void test_oversized_reply_is_a_protocol_error(void **state)
{
	struct pair *p = *state;
	struct xs_hdr h = { .type = GT_XS_READ,
		            .req_id = 1,
		            .len = GT_XS_PAYLOAD_MAX + 1 };
	char *v = NULL;

	assert_int_equal(write(p->peer, &h, sizeof(h)), sizeof(h));
	assert_int_equal(gt_xs_read(&p->c, "k", &v), -EPROTO);
	assert_true(gt_xs_conn_lost(-EPROTO));
}

static void test_wrong_type_is_a_protocol_error(void **state)
{
	struct pair *p = *state;
	char *v = NULL;

	reply(p, GT_XS_WRITE, 1, 0, "OK", 3);
	assert_int_equal(gt_xs_read(&p->c, "k", &v), -EPROTO);
}

static void test_peer_closed(void **state)
{
	struct pair *p = *state;
	char *v = NULL;
	int ret;

	close(p->peer);
	p->peer = -1;
	ret = gt_xs_read(&p->c, "k", &v);
	assert_true(ret == -ECONNRESET || ret == -EPIPE);
	assert_true(gt_xs_conn_lost(ret));
}

static void test_closed_mid_reply(void **state)
{
	struct pair *p = *state;
	struct xs_hdr h = { .type = GT_XS_READ, .req_id = 1, .len = 10 };
	char *v = NULL;

	assert_int_equal(write(p->peer, &h, sizeof(h)), sizeof(h));
	assert_int_equal(write(p->peer, "abc", 3), 3);
	/* The store still takes our request, then its reply stops short. */
	shutdown(p->peer, SHUT_WR);
	assert_int_equal(gt_xs_read(&p->c, "k", &v), -ECONNRESET);
}

static void test_directory(void **state)
{
	struct pair *p = *state;
	char **names = NULL;

	reply(p, GT_XS_DIRECTORY, 1, 0, "0\0002\0", 4);
	assert_int_equal(gt_xs_directory(&p->c, "attr/vif", &names), 0);
	assert_string_equal(names[0], "0");
	assert_string_equal(names[1], "2");
	assert_null(names[2]);
	gt_strv_free(names);
	reply(p, GT_XS_DIRECTORY, 2, 0, "", 0);
	assert_int_equal(gt_xs_directory(&p->c, "empty", &names), 0);
	assert_null(names[0]);
	gt_strv_free(names);
}

static void test_transaction_id_is_carried(void **state)
{
	struct pair *p = *state;
	struct xs_hdr h;
	char body[64];

	reply(p, GT_XS_TRANSACTION_START, 1, 0, "17", 3);
	assert_int_equal(gt_xs_transaction_start(&p->c), 0);
	assert_int_equal(p->c.tx, 17);
	request(p, &h, body, sizeof(body));
	assert_int_equal(h.type, GT_XS_TRANSACTION_START);
	reply(p, GT_XS_WRITE, 2, 17, "OK", 3);
	assert_int_equal(gt_xs_write(&p->c, "k", "v"), 0);
	request(p, &h, body, sizeof(body));
	assert_int_equal(h.tx_id, 17);
	reply(p, GT_XS_ERROR, 3, 17, "EAGAIN", 7);
	assert_int_equal(gt_xs_transaction_end(&p->c, 1), -EAGAIN);
	request(p, &h, body, sizeof(body));
	assert_int_equal(h.type, GT_XS_TRANSACTION_END);
	assert_memory_equal(body, "T", 2);
	assert_int_equal(p->c.tx, 0); /* ended either way */
}

static void test_bad_transaction_id(void **state)
{
	struct pair *p = *state;

	reply(p, GT_XS_TRANSACTION_START, 1, 0, "zero", 5);
	assert_int_equal(gt_xs_transaction_start(&p->c), -EPROTO);
	assert_int_equal(p->c.tx, 0);
}

static void test_payload_too_big(void **state)
{
	struct pair *p = *state;
	char *big = malloc(GT_XS_PAYLOAD_MAX + 1);

	assert_non_null(big);
	memset(big, 'x', GT_XS_PAYLOAD_MAX);
	big[GT_XS_PAYLOAD_MAX] = '\0';
	assert_int_equal(gt_xs_write(&p->c, "k", big), -E2BIG);
	free(big);
}

/* A store that takes the request and never answers: the caller's timeout ends it. */
static void test_silent_store_times_out(void **state)
{
	struct pair *p = *state;
	char *v = NULL;

	p->c.timeout_ms = 50;
	assert_int_equal(gt_xs_read(&p->c, "device/vbd", &v), -ETIMEDOUT);
	assert_true(gt_xs_conn_lost(-ETIMEDOUT));
	assert_null(v);
}

static void test_errno_names(void **state)
{
	(void)state;
	assert_int_equal(gt_xs_errno("ENOENT"), ENOENT);
	assert_int_equal(gt_xs_errno("EQUOTA"), EDQUOT);
	assert_int_equal(gt_xs_errno(""), EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_value, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_store_times_out, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_write_framing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_missing_is_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_skips_watch_events_and_stale_replies,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_framing_and_first_event, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_event_queue_overflow_is_reported,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_event_on_closed_store, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_oversized_reply_is_a_protocol_error,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_type_is_a_protocol_error,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_closed_mid_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_id_is_carried, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_bad_transaction_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payload_too_big, setup, teardown),
		cmocka_unit_test(test_errno_names),
	};

	/* As in the agent: a closed store is an EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
