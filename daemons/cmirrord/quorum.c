/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libquorum monitor (see quorum.h).  One handle, its fd in the loop,
 * quorum_trackstart(CS_TRACK_CHANGES) for notifications.  On a lost
 * connection the handle is dropped and re-created from a back-off timer,
 * so a corosync restart is survived.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <corosync/quorum.h>

#include "cluster_int.h"
#include "logging.h"
#include "quorum.h"

#define RETRY_MIN_MS	200
#define RETRY_MAX_MS	5000

struct quorum_mon {
	struct loop *lp;
	bool require;
	quorum_mon_cb cb;
	void *ctx;
	quorum_handle_t h;
	int fd;			/* -1 when disconnected */
	bool quorate;		/* effective flag */
	uint64_t ring_seq;
	bool no_provider;	/* corosync has no quorum provider */
	struct loop_timer *retry;
	uint64_t backoff_ms;
	bool warned;
};

static void set_quorate(struct quorum_mon *q, bool quorate)
{
	if (q->quorate == quorate)
		return;
	q->quorate = quorate;
	log_info("quorum: %s", quorate ? "quorate" : "NOT quorate");
	q->cb(q->ctx, quorate);
}

static void notify_cb(quorum_handle_t h, uint32_t quorate, uint64_t ring_seq,
		      uint32_t nmembers, uint32_t *members)
{
	const void *ctx = NULL;
	struct quorum_mon *q;

	if (quorum_context_get(h, &ctx) != CS_OK || !ctx)
		return;
	q = (struct quorum_mon *)ctx;
	if (ring_seq != q->ring_seq)
		log_burst_new_event();	/* nodes came or went */
	q->ring_seq = ring_seq;
	log_dbg("quorum: ring %" PRIu64 ", %u nodes, quorate %u", ring_seq,
		nmembers, quorate);
	if (q->quorate == (quorate != 0))
		q->cb(q->ctx, q->quorate);	/* a newer ring, same flag */
	else
		set_quorate(q, quorate != 0);
}

static void disconnect(struct quorum_mon *q)
{
	if (q->fd >= 0) {
		loop_del_fd(q->lp, q->fd);
		q->fd = -1;
	}
	if (q->h) {
		quorum_finalize(q->h);
		q->h = 0;
	}
}

static int connect_quorum(struct quorum_mon *q);

static void retry_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct quorum_mon *q = ctx;

	loop_timer_cancel(lp, t);
	q->retry = NULL;
	if (q->fd < 0)
		connect_quorum(q);
}

static void schedule_retry(struct quorum_mon *q)
{
	q->backoff_ms = q->backoff_ms ? q->backoff_ms * 2 : RETRY_MIN_MS;
	if (q->backoff_ms > RETRY_MAX_MS)
		q->backoff_ms = RETRY_MAX_MS;
	/* One-shot timers are added on demand and cancelled by their own
	 * callback, which is valid whatever the loop does after firing. */
	if (!q->retry)
		q->retry = loop_timer_add(q->lp, q->backoff_ms, 0, retry_cb, q,
					  "quorum-retry");
	if (!q->retry)
		log_err("quorum: cannot arm the retry timer");
}

/* Lost or never had the service: effective flag from the policy. */
static void service_down(struct quorum_mon *q, const char *why, int err)
{
	disconnect(q);
	if (!q->warned) {
		log_warn("quorum: service unavailable (%s: %s%s): treating "
			 "the node as %s", why, strerror(-err),
			 cluster_connect_hint(err),
			 q->require ? "inquorate" : "quorate (quorum = ignore)");
		q->warned = true;
	}
	set_quorate(q, !q->require);
	schedule_retry(q);
}

static void fd_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct quorum_mon *q = ctx;
	cs_error_t e;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		service_down(q, "connection closed", -ECONNRESET);
		return;
	}
	e = quorum_dispatch(q->h, CS_DISPATCH_ALL);
	if (e != CS_OK && e != CS_ERR_TRY_AGAIN)
		service_down(q, "quorum_dispatch", cluster_cs_to_errno(e));
}

static int connect_quorum(struct quorum_mon *q)
{
	quorum_model_v0_data_t md = {
		.model = QUORUM_MODEL_V0,
		.quorum_notify_fn = notify_cb,
	};
	uint32_t type = 0;
	int quorate = 0, r;
	cs_error_t e;

	errno = 0;
	e = quorum_model_initialize(&q->h, QUORUM_MODEL_V0,
				    (quorum_model_data_t *)&md, &type, q);
	if (e != CS_OK) {
		q->h = 0;
		service_down(q, "quorum_initialize",
			     cluster_init_errno(e, errno));
		return 0;
	}
	q->no_provider = type != QUORUM_SET;
	if (type != QUORUM_SET) {
		/* No provider configured: corosync itself never says no. */
		log_warn("quorum: no quorum provider configured in corosync");
	}
	e = quorum_fd_get(q->h, &q->fd);
	if (e == CS_OK)
		e = quorum_getquorate(q->h, &quorate);
	if (e == CS_OK)
		e = quorum_trackstart(q->h, CS_TRACK_CHANGES);
	if (e != CS_OK) {
		q->fd = -1;
		service_down(q, "quorum setup", cluster_cs_to_errno(e));
		return 0;
	}
	r = loop_add_fd(q->lp, q->fd, POLLIN, fd_cb, q, "quorum");
	if (r < 0) {
		q->fd = -1;
		service_down(q, "loop_add_fd", r);
		return 0;
	}
	q->backoff_ms = 0;
	if (q->warned)
		log_info("quorum: service connected");
	q->warned = false;
	set_quorate(q, type != QUORUM_SET ? true : quorate != 0);
	return 0;
}


int quorum_mon_new(struct loop *lp, bool require, quorum_mon_cb cb, void *ctx,
		   struct quorum_mon **out)
{
	struct quorum_mon *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->lp = lp;
	q->require = require;
	q->cb = cb;
	q->ctx = ctx;
	q->fd = -1;
	/* Start from the policy's "unknown" answer; connect corrects it. */
	q->quorate = !require;
	connect_quorum(q);
	*out = q;
	return 0;
}

void quorum_mon_free(struct quorum_mon *q)
{
	if (!q)
		return;
	disconnect(q);
	if (q->retry)
		loop_timer_cancel(q->lp, q->retry);
	free(q);
}

bool quorum_mon_quorate(const struct quorum_mon *q)
{
	return q->quorate;
}

bool quorum_mon_connected(const struct quorum_mon *q)
{
	return q->fd >= 0;
}

uint64_t quorum_mon_ring_seq(const struct quorum_mon *q)
{
	return q->ring_seq;
}

bool quorum_mon_confirms_after(const struct quorum_mon *q, uint64_t ring)
{
	/* Without a provider there are no verdicts to wait for. */
	return q->no_provider || q->ring_seq > ring;
}
