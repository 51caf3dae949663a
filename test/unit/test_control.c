// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket (daemons/cmirrord/control.c) with the real poll loop
 * and logging, and stub logs_* / options_dump defined here.  Clients are
 * non-blocking sockets driven by the same loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "cmirror/ctlproto.h"
#include "control.h"
#include "logging.h"

/* ---- stubs for what control.c calls ---- */

struct logs {
	size_t status_len;	/* 0: a short fixed text; else a big body */
	unsigned dump_calls;
	size_t stats_len;	/* the same for stats */
	unsigned stats_calls, resets;
};

static int fill(char *buf, size_t len, size_t want)
{
	for (size_t i = 0; len && i < want && i < len - 1; i++)
		buf[i] = (char)('a' + i % 26);
	if (len)
		buf[want < len - 1 ? want : len - 1] = '\0';
	return (int)want;
}

int logs_dump(const struct logs *ls, char *buf, size_t len)
{
	((struct logs *)ls)->dump_calls++;
	if (ls->status_len)
		return fill(buf, len, ls->status_len);
	return snprintf(buf, len, "node 1  quorum yes  logs 0\n");
}

int logs_dump_json(const struct logs *ls, char *buf, size_t len)
{
	return snprintf(buf, len, "{\"node\":1,\"quorate\":true,\"logs\":[]}\n");
}

int logs_dump_one(const struct logs *ls, const char *uuid, bool json,
		  char *buf, size_t len)
{
	if (strcmp(uuid, "known"))
		return -ENOENT;
	return json ? snprintf(buf, len, "{\"uuid\":\"known\"}\n") :
		      snprintf(buf, len, "log known\n");
}

int logs_stats(const struct logs *ls, bool json, char *buf, size_t len)
{
	((struct logs *)ls)->stats_calls++;
	if (ls->stats_len)
		return fill(buf, len, ls->stats_len);
	return snprintf(buf, len, json ? "{\"requests\":{},\"resets\":%u}\n" :
			"request resets %u\n", ls->resets);
}

void logs_stats_reset(struct logs *ls)
{
	ls->resets++;
}

int options_dump(const struct cmirrord_opts *o, char *buf, size_t len)
{
	return snprintf(buf, len, "foreground = no                         "
			"# default\nretry-ms = 10                           "
			"# file\n");
}

/* ---- harness ---- */

struct env {
	char dir[64];
	char path[128];
	struct loop *lp;
	struct logs ls;
	struct cmirrord_opts o;
	struct control *c;
	unsigned pending;	/* replies still expected */
	bool timed_out;
};

struct client {
	struct env *e;
	int fd;
	struct ctl_reply rp;
	int err;
	bool done;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	snprintf(e->dir, sizeof(e->dir), "/tmp/test_control.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->path, sizeof(e->path), "%s/ctl.sock", e->dir);
	assert_int_equal(loop_new(&e->lp), 0);
	assert_int_equal(control_setup(e->lp, e->path, &e->ls, &e->o, &e->c),
			 0);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	control_close(e->c);
	loop_free(e->lp);
	unlink(e->path);
	rmdir(e->dir);
	free(e);
	return 0;
}

static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void client_finish(struct client *cl)
{
	cl->done = true;
	loop_del_fd(cl->e->lp, cl->fd);
	if (--cl->e->pending == 0)
		loop_stop(cl->e->lp);
}

static void client_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	static unsigned char f[CTL_FRAME_MAX + 1];
	struct client *cl = ctx;

	for (;;) {
		ssize_t n = recv(fd, f, sizeof(f), MSG_DONTWAIT);
		int r;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			cl->err = n < 0 ? -errno : -ECONNRESET;
			break;
		}
		r = ctl_reply_feed(&cl->rp, f, (size_t)n);
		if (r < 0)
			cl->err = r;
		if (r != 0)
			break;
	}
	client_finish(cl);
}

static void timeout_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct env *e = ctx;

	e->timed_out = true;
	loop_stop(lp);
}

/* Start listening for cl's reply (after its request was sent). */
static void client_expect(struct env *e, struct client *cl)
{
	cl->e = e;
	ctl_reply_init(&cl->rp);
	e->pending++;
	assert_int_equal(loop_add_fd(e->lp, cl->fd, POLLIN, client_cb, cl,
				     "test-client"), 0);
}

static void run(struct env *e)
{
	struct loop_timer *t = loop_timer_add(e->lp, 5000, 0, timeout_cb, e,
					      "test-timeout");

	assert_non_null(t);
	assert_int_equal(loop_run(e->lp), 0);
	loop_timer_cancel(e->lp, t);
	assert_false(e->timed_out);
}

static void send_raw(int fd, const void *frame, size_t len)
{
	assert_int_equal(send(fd, frame, len, MSG_NOSIGNAL), (ssize_t)len);
}

static void send_req(int fd, uint32_t cmd, uint16_t flags, const char *arg)
{
	unsigned char req[CTL_REQ_MAX];
	int n = ctl_req_encode(cmd, flags, arg, req, sizeof(req));

	assert_true(n > 0);
	send_raw(fd, req, (size_t)n);
}

/* One request on a fresh connection; the reply is left in cl. */
static void request(struct env *e, struct client *cl, uint32_t cmd,
		    uint16_t flags, const char *arg)
{
	memset(cl, 0, sizeof(*cl));
	cl->fd = client_connect(e->path);
	send_req(cl->fd, cmd, flags, arg);
	client_expect(e, cl);
	run(e);
	assert_true(cl->done);
	assert_int_equal(cl->err, 0);
}

static void client_close(struct client *cl)
{
	ctl_reply_free(&cl->rp);
	close(cl->fd);
}

/* ---- tests ---- */

static void test_control_peer_allowed(void **state)
{
	assert_true(control_peer_allowed(0, 1000));
	assert_true(control_peer_allowed(1000, 1000));
	assert_false(control_peer_allowed(1001, 1000));
	assert_true(control_peer_allowed(0, 0));
	assert_false(control_peer_allowed(65534, 0));
}

static void test_control_socket_mode(void **state)
{
	struct env *e = *state;
	struct stat st;

	assert_int_equal(lstat(e->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_control_status(void **state)
{
	struct env *e = *state;
	struct client cl;

	request(e, &cl, CTL_CMD_STATUS, 0, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_string_equal(cl.rp.body, "node 1  quorum yes  logs 0\n");
	client_close(&cl);

	request(e, &cl, CTL_CMD_STATUS, CTL_F_JSON, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_string_equal(cl.rp.body,
			    "{\"node\":1,\"quorate\":true,\"logs\":[]}\n");
	client_close(&cl);
}

static void test_control_log(void **state)
{
	struct env *e = *state;
	struct client cl;

	request(e, &cl, CTL_CMD_LOG, CTL_F_JSON, "known");
	assert_int_equal(cl.rp.status, 0);
	assert_string_equal(cl.rp.body, "{\"uuid\":\"known\"}\n");
	client_close(&cl);

	request(e, &cl, CTL_CMD_LOG, 0, "nope");
	assert_int_equal(cl.rp.status, -ENOENT);
	assert_string_equal(cl.rp.body, "unknown log nope\n");
	client_close(&cl);
}

static void test_control_stats_ping(void **state)
{
	struct env *e = *state;
	struct client cl;

	request(e, &cl, CTL_CMD_STATS, 0, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_string_equal(cl.rp.body, "request resets 0\n");
	client_close(&cl);

	/* --reset: the reply shows the figures from before the reset. */
	request(e, &cl, CTL_CMD_STATS, CTL_F_RESET | CTL_F_JSON, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_string_equal(cl.rp.body, "{\"requests\":{},\"resets\":0}\n");
	assert_int_equal(e->ls.resets, 1);
	client_close(&cl);
	request(e, &cl, CTL_CMD_STATS, 0, NULL);
	assert_string_equal(cl.rp.body, "request resets 1\n");
	assert_int_equal(e->ls.resets, 1);
	client_close(&cl);

	/* A body rendered twice (it outgrew the first buffer) resets once,
	 * and only after the second rendering. */
	e->ls.stats_len = 200000;
	e->ls.stats_calls = 0;
	request(e, &cl, CTL_CMD_STATS, CTL_F_RESET, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_int_equal(cl.rp.body_len, 200000);
	assert_int_equal(e->ls.stats_calls, 2);
	assert_int_equal(e->ls.resets, 2);
	client_close(&cl);

	request(e, &cl, CTL_CMD_PING, CTL_F_JSON, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_non_null(strstr(cl.rp.body, "\"pong\":true"));
	client_close(&cl);
}

static void test_control_config(void **state)
{
	struct env *e = *state;
	struct client cl;

	request(e, &cl, CTL_CMD_CONFIG, 0, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_non_null(strstr(cl.rp.body, "retry-ms = 10"));
	client_close(&cl);

	request(e, &cl, CTL_CMD_CONFIG, CTL_F_JSON, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_string_equal(cl.rp.body,
		"{\"foreground\":{\"value\":\"no\",\"source\":\"default\"},"
		"\"retry-ms\":{\"value\":\"10\",\"source\":\"file\"}}\n");
	client_close(&cl);
}

static void test_control_dump(void **state)
{
	struct env *e = *state;
	struct client cl;

	log_dbg("test-marker-%d", 4242);
	request(e, &cl, CTL_CMD_DUMP, 0, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_non_null(strstr(cl.rp.body, "test-marker-4242"));
	client_close(&cl);

	request(e, &cl, CTL_CMD_DUMP, CTL_F_JSON, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_memory_equal(cl.rp.body, "{\"ring\":[", 9);
	assert_non_null(strstr(cl.rp.body, "test-marker-4242"));
	client_close(&cl);
}

/* A body larger than the first buffer and the socket buffer: rendered
 * again with a bigger buffer, then sent over many frames on POLLOUT. */
static void test_control_large_body(void **state)
{
	struct env *e = *state;
	size_t want = 3 * 1024 * 1024 / 2 + 7;
	struct client cl;

	e->ls.status_len = want;
	request(e, &cl, CTL_CMD_STATUS, 0, NULL);
	assert_int_equal(cl.rp.status, 0);
	assert_int_equal(cl.rp.body_len, want);
	assert_true(cl.rp.frames > want / CTL_CHUNK_MAX);
	assert_int_equal(e->ls.dump_calls, 2);
	for (size_t i = 0; i < want; i += 4099)
		assert_int_equal(cl.rp.body[i], 'a' + (int)(i % 26));
	client_close(&cl);

	e->ls.status_len = CTL_BODY_MAX + 1;
	request(e, &cl, CTL_CMD_STATUS, 0, NULL);
	assert_int_equal(cl.rp.status, -EFBIG);
	client_close(&cl);
}

/* A client that does not read its big reply holds up nobody else. */
static void test_control_slow_reader(void **state)
{
	struct env *e = *state;
	struct client slow = { 0 }, fast;

	e->ls.status_len = 2 * 1024 * 1024;
	slow.fd = client_connect(e->path);
	send_req(slow.fd, CTL_CMD_STATUS, 0, NULL);
	request(e, &fast, CTL_CMD_PING, 0, NULL);
	assert_int_equal(fast.rp.status, 0);
	client_close(&fast);
	/* Now drain the slow one. */
	client_expect(e, &slow);
	run(e);
	assert_int_equal(slow.err, 0);
	assert_int_equal(slow.rp.body_len, 2 * 1024 * 1024);
	client_close(&slow);
}

static void test_control_bad_requests(void **state)
{
	struct env *e = *state;
	unsigned char big[CTL_REQ_MAX + 100];
	struct client cl = { 0 };
	int n;

	cl.fd = client_connect(e->path);
	/* Oversize: refused, and the connection stays usable. */
	n = ctl_req_encode(CTL_CMD_PING, 0, NULL, big, sizeof(big));
	assert_int_equal(n, (int)CTL_HDR_SIZE);
	memset(big + CTL_HDR_SIZE, 'x', sizeof(big) - CTL_HDR_SIZE);
	send_raw(cl.fd, big, sizeof(big));
	client_expect(e, &cl);
	run(e);
	assert_int_equal(cl.err, 0);
	assert_int_equal(cl.rp.status, -EMSGSIZE);
	ctl_reply_free(&cl.rp);

	send_raw(cl.fd, "hello", 5);
	client_expect(e, &cl);
	run(e);
	assert_int_equal(cl.rp.status, -EBADMSG);
	ctl_reply_free(&cl.rp);

	big[4] = 9;	/* a future protocol version */
	send_raw(cl.fd, big, CTL_HDR_SIZE);
	client_expect(e, &cl);
	run(e);
	assert_int_equal(cl.rp.status, -EPROTONOSUPPORT);
	ctl_reply_free(&cl.rp);

	send_req(cl.fd, CTL_CMD_PING, 0, NULL);
	client_expect(e, &cl);
	run(e);
	assert_int_equal(cl.rp.status, 0);
	assert_non_null(strstr(cl.rp.body, "pong"));
	client_close(&cl);
}

/* Beyond the connection limit a client gets EBUSY and is closed. */
static void test_control_too_many(void **state)
{
	struct env *e = *state;
	struct client cl[17];

	memset(cl, 0, sizeof(cl));
	for (int i = 0; i < 17; i++) {
		cl[i].fd = client_connect(e->path);
		if (i == 16)
			client_expect(e, &cl[i]);
	}
	run(e);
	assert_int_equal(cl[16].rp.status, -EBUSY);
	for (int i = 0; i < 17; i++)
		client_close(&cl[i]);
}

static void test_control_stale_and_live_socket(void **state)
{
	struct env *e = *state;
	struct control *c2 = NULL;
	char other[160];
	int fd;

	/* Another daemon answers on e->path: not stolen. */
	assert_int_equal(control_setup(e->lp, e->path, &e->ls, &e->o, &c2),
			 -EADDRINUSE);
	/* A dead socket file is replaced. */
	snprintf(other, sizeof(other), "%s/stale.sock", e->dir);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		memcpy(sa.sun_path, other, strlen(other) + 1);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa,
				      sizeof(sa)), 0);
		close(fd);	/* never listened: connect is refused */
	}
	assert_int_equal(control_setup(e->lp, other, &e->ls, &e->o, &c2), 0);
	control_close(c2);
	assert_int_equal(access(other, F_OK), -1);
	/* A regular file is not ours to remove. */
	fd = open(other, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(control_setup(e->lp, other, &e->ls, &e->o, &c2),
			 -EEXIST);
	unlink(other);
	assert_int_equal(control_setup(e->lp, "", &e->ls, &e->o, &c2),
			 -EINVAL);
}

/* control_close leaves alone a socket that is no longer ours. */
static void test_control_close_keeps_foreign(void **state)
{
	struct env *e = *state;
	struct control *c2 = NULL;
	char p[160];
	int fd;

	snprintf(p, sizeof(p), "%s/second.sock", e->dir);
	assert_int_equal(control_setup(e->lp, p, &e->ls, &e->o, &c2), 0);
	unlink(p);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	control_close(c2);
	assert_int_equal(access(p, F_OK), 0);
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_peer_allowed),
		cmocka_unit_test_setup_teardown(test_control_socket_mode,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_status, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_log, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_stats_ping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_config, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_dump, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_large_body, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_control_slow_reader,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_bad_requests,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_too_many, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_control_stale_and_live_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_control_close_keeps_foreign, setup, teardown),
	};

	logging_setup("test_control", false, LOG_ERR, LOG_DAEMON);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
