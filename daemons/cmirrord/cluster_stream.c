/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The shared stream (option shared-stream; doc/design.md): one CPG group,
 * "cmirrord-stream:" + cpg-prefix, carries the messages of every log, so
 * one loop iteration's ops of all logs leave in one multicast (a BUNDLE,
 * wire_stream.h) instead of one per log.  Which node is a member of which
 * log is decided inside the stream (cluster_vtab.c) and fed to the same
 * per-log sync logic as a log's own CPG confchg would be.  Each log still
 * joins its own CPG group, with nothing sent there, so corosync-cpgtool
 * shows one group per log as without the option.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"
#include "cluster_vtab.h"
#include "cmirror/wire_stream.h"
#include "logging.h"

#define STREAM_HASH		1024u
#define STREAM_MAX_BUNDLES	8	/* closed bundles before ops wait */
#define STREAM_ANN_PART		(32u * 1024)
#define STREAM_RECONNECT_MIN_MS	100
#define STREAM_RECONNECT_MAX_MS	5000

struct cl_bundle {
	struct cl_bundle *next;
	const struct group *first;	/* the first log with a record here */
	bool shared;			/* records of more than one log */
	struct wstream_enc e;
	uint8_t buf[];
};

struct cl_stream {
	struct cluster *cl;
	cpg_handle_t h;
	int fd;
	bool joined;
	bool in_dispatch;
	const char *lost;	/* set in dispatch: start over after it */
	struct loop_timer *reconnect;
	uint64_t backoff_ms;
	bool warned;
	struct cpg_name name;
	struct cpg_ring_id ring;
	struct vtab *vt;
	struct cl_bundle *head, *tail;
	size_t nbundles;
	size_t bundle_cap;
	bool starved;		/* an op found no room: wake after sending */
	struct lat_fifo sent_at;	/* send times of our bundles */
	struct group *hash[STREAM_HASH];
};

static struct group *find(const struct cl_stream *s, const char *uuid)
{
	size_t b = crc32c_bucket(uuid, STREAM_HASH);

	for (struct group *g = s->hash[b]; g; g = g->hnext)
		if (!strcmp(g->uuid, uuid))
			return g;
	return NULL;
}

void cluster_stream_add(struct group *g)
{
	struct cl_stream *s = g->cl->s;
	size_t b = crc32c_bucket(g->uuid, STREAM_HASH);

	g->hnext = s->hash[b];
	s->hash[b] = g;
}

void cluster_stream_del(struct group *g)
{
	struct cl_stream *s = g->cl->s;
	size_t b = crc32c_bucket(g->uuid, STREAM_HASH);

	for (struct group **pp = &s->hash[b]; *pp; pp = &(*pp)->hnext)
		if (*pp == g) {
			*pp = g->hnext;
			return;
		}
}

bool cluster_stream_dispatching(const struct cluster *cl)
{
	return cl->s && cl->s->in_dispatch;
}

/* ---- outgoing bundles --------------------------------------------------- */

static void drop_bundles(struct cl_stream *s)
{
	while (s->head) {
		struct cl_bundle *b = s->head;

		s->head = b->next;
		free(b);
	}
	s->tail = NULL;
	s->nbundles = 0;
}

static struct cl_bundle *new_bundle(struct cl_stream *s)
{
	struct cl_bundle *b = malloc(sizeof(*b) + s->bundle_cap);

	if (!b)
		return NULL;
	b->next = NULL;
	b->first = NULL;
	b->shared = false;
	wstream_begin(&b->e, b->buf, s->bundle_cap, s->cl->node);
	if (s->tail)
		s->tail->next = b;
	else
		s->head = b;
	s->tail = b;
	s->nbundles++;
	return b;
}

/* 1 queued, 0 no room for an op now (not congestion: the bundles go
 * at the end of this iteration, then the op's group tries again) (`ctl`: control records always get
 * room), -errno. */
static int queue(struct cl_stream *s, uint16_t type, const struct iovec *iov,
		 unsigned n, bool ctl)
{
	struct cl_bundle *b = s->tail;
	int r;

	if (b && wstream_add(&b->e, type, iov, n) == 0)
		return 1;
	if (!ctl && s->nbundles >= STREAM_MAX_BUNDLES) {
		s->starved = true;
		return 0;
	}
	b = new_bundle(s);
	if (!b)
		return -ENOMEM;
	r = wstream_add(&b->e, type, iov, n);
	return r < 0 ? r : 1;
}

static int queue_ctl(struct cl_stream *s, uint16_t type, const void *p,
		     size_t len)
{
	struct iovec iov = { (void *)p, len };
	int r = queue(s, type, &iov, 1, true);

	if (r < 0)
		log_err("stream: cannot queue a membership record: %s",
			strerror(-r));
	loop_wake(s->cl->lp);
	return r < 0 ? r : 0;
}

int cluster_stream_mcast(struct group *g, const struct iovec *iov,
			 unsigned n)
{
	struct cl_stream *s = g->cl->s;
	int r;

	if (!s->joined || !g->vmember)
		return -ENOTCONN;
	r = queue(s, WSTREAM_LOG, iov, n, false);
	if (r == 1) {
		struct cl_bundle *b = s->tail;	/* where queue() put it */

		if (!b->first)
			b->first = g;
		b->shared |= b->first != g;
	}
	return r;
}

void cluster_stream_flush(struct cluster *cl)
{
	struct cl_stream *s = cl->s;

	while (s->joined && s->head && !cl->congested) {
		struct cl_bundle *b = s->head;
		cpg_flow_control_state_t fc = CPG_FLOW_CONTROL_DISABLED;
		struct iovec iov = { b->buf, wstream_finish(&b->e) };
		cs_error_t e;

		if (cpg_flow_control_state_get(s->h, &fc) == CS_OK &&
		    fc == CPG_FLOW_CONTROL_ENABLED)
			e = CS_ERR_TRY_AGAIN;
		else
			e = cpg_mcast_joined(s->h, CPG_TYPE_AGREED, &iov, 1);
		if (e == CS_ERR_TRY_AGAIN) {
			cluster_io_congested(cl);
			return;
		}
		if (e != CS_OK) {
			/* The connection is broken: the dispatch error or
			 * hang-up that follows starts everything over. */
			log_err("stream: cpg_mcast_joined: %s",
				strerror(-cluster_cs_to_errno(e)));
			return;
		}
		cl->tot.msgs_sent++;
		cl->tot.bundles_shared += b->shared;
		cluster_io_sent(&s->sent_at);
		s->head = b->next;
		if (!s->head)
			s->tail = NULL;
		s->nbundles--;
		free(b);
		if (s->starved) {
			s->starved = false;
			loop_wake(cl->lp);
		}
	}
}

/* ---- logs joining and leaving ----------------------------------------- */

static int member_rec(struct group *g, uint16_t type)
{
	uint8_t buf[4 + WSTREAM_UUID_MAX];
	int n = wstream_member_encode(buf, g->inc, g->uuid);

	if (n < 0)
		return n;
	return queue_ctl(g->cl->s, type, buf, (size_t)n);
}

int cluster_stream_join_log(struct group *g)
{
	struct cl_stream *s = g->cl->s;
	int r;

	if (!s->joined)
		return -ENOTCONN;
	g->inc++;
	g->vmember = false;
	g->ring = s->ring;
	r = member_rec(g, WSTREAM_JOIN);
	g->join_sent = r == 0;
	return r;
}

void cluster_stream_leave_log(struct group *g)
{
	struct cl_stream *s = g->cl->s;

	if (g->join_sent && s && s->joined)
		member_rec(g, WSTREAM_LEAVE);
	g->join_sent = false;
	g->vmember = false;
}

struct ann {
	struct cl_stream *s;
	uint8_t buf[STREAM_ANN_PART];
	struct wstream_ann_enc a;
	uint32_t flags;
	int err;
};

static void ann_emit(struct ann *an, uint32_t last)
{
	size_t len = wstream_ann_finish(&an->a, an->flags | last);

	if (queue_ctl(an->s, WSTREAM_ANNOUNCE, an->buf, len) < 0)
		an->err = -ENOMEM;
	an->flags = 0;
	wstream_ann_begin(&an->a, an->buf, sizeof(an->buf));
}

static int ann_one(void *arg, const char *uuid)
{
	struct ann *an = arg;

	if (wstream_ann_add(&an->a, uuid) == -ENOSPC) {
		ann_emit(an, 0);
		return wstream_ann_add(&an->a, uuid);
	}
	return 0;
}

/* After a confchg with joiners: the logs the table says we are in. */
static void announce(struct cl_stream *s)
{
	struct ann *an = malloc(sizeof(*an));

	if (!an) {
		s->lost = "no memory for the announcement";
		return;
	}
	an->s = s;
	an->flags = WSTREAM_ANN_FIRST;
	an->err = 0;
	wstream_ann_begin(&an->a, an->buf, sizeof(an->buf));
	vtab_each_of(s->vt, s->cl->node, ann_one, an);
	ann_emit(an, WSTREAM_ANN_LAST);
	if (an->err)
		s->lost = "cannot queue the announcement";
	free(an);
}

/* ---- nodes without the option -------------------------------------------- */

/* The nodes corosync lists in the stream's group now (asked through
 * handle h, any of ours); -EIO when it cannot tell (now is then empty). */
static int stream_listed(cpg_handle_t h, const struct cpg_name *name,
			 struct wire_nodes *now)
{
	cpg_iteration_handle_t it;
	struct cpg_iteration_description_t d;

	now->n = 0;
	if (cpg_iteration_initialize(h, CPG_ITERATION_ONE_GROUP, name,
				     &it) != CS_OK)
		return -EIO;
	while (cpg_iteration_next(it, &d) == CS_OK)
		if (csync_add(now, d.nodeid) < 0)
			break;
	cpg_iteration_finalize(it);
	return 0;
}

/* A node in the log's own group that is not in the stream runs without
 * the option and serves the log there, in a membership the stream never
 * sees.  Joining the stream's view of the log now would make us its
 * first member with fresh state: regions the others wrote reported clean,
 * resyncs under their writes, a second disk writer.  So the log waits
 * (its requests are not answered) until no such node is left.  A node
 * that starts with the option can show up in a log's group before its
 * stream confchg reaches us: corosync already lists it in the stream's
 * group, so the log waits for that confchg without a word. */
static void own_check(struct group *g)
{
	struct cl_stream *s = g->cl->s;
	struct wire_nodes now = { 0 };
	bool pending = false, asked = false;
	char ids[96];
	size_t o = 0;
	uint64_t n = 0;
	int r;

	/* (the stream's members are known once its confchg has listed us) */
	if (!g->own_seen || !g->connected || g->dead || g->want_rejoin ||
	    !s->joined || !s->vt || !vtab_in_stream(s->vt, g->cl->node))
		return;
	ids[0] = '\0';
	for (uint32_t i = 0; i < g->own.n; i++) {
		uint32_t id = g->own.id[i];

		if (id == g->cl->node || vtab_in_stream(s->vt, id))
			continue;
		if (!asked)
			stream_listed(s->h, &s->name, &now);
		asked = true;
		if (csync_has(&now, id)) {
			pending = true;
			continue;
		}
		o = cluster_fmt_id(ids, sizeof(ids), o, id, n > 0);
		n++;
	}
	/* Once joined, a stream peer whose stream connection dropped shows
	 * here until it leaves the log's group too: counted, not logged
	 * (a node without the option that joins later logs its own wait). */
	if (n && n != g->st.pergroup_peers && !g->join_sent)
		log_err("%s: node(s) %s run without shared-stream and serve "
			"this log in its own CPG group: it waits here (no "
			"request is answered) until they leave; every node "
			"must set the same", g->name, ids);
	else if (!n && g->st.pergroup_peers && !g->join_sent)
		log_info("%s: no member runs without shared-stream any more",
			 g->name);
	g->st.pergroup_peers = n;
	if (n || pending || g->join_sent)
		return;
	r = cluster_stream_join_log(g);
	if (r < 0)
		cluster_want_rejoin(g, "cannot join the log in the stream");
}

void cluster_stream_own_change(struct group *g, const struct csync_event *ev)
{
	g->own.n = 0;
	for (size_t i = 0; i < ev->nmembers; i++)
		if (csync_add(&g->own, ev->members[i]) < 0)
			break;	/* more than a log can have: checked as is */
	g->own_seen = true;
	own_check(g);
}

/* ---- receiving ---------------------------------------------------------- */

static void vt_change(void *ctx, const char *uuid,
		      const struct wire_nodes *members,
		      const struct csync_node *left, size_t nl,
		      const struct csync_node *joined, size_t nj,
		      uint32_t inc)
{
	struct cluster *cl = ctx;
	struct group *g = find(cl->s, uuid);
	struct csync_event ev = { members->id, members->n, left, nl, joined,
				  nj };

	if (!g || g->dead || g->want_rejoin || !g->join_sent)
		return;
	if (!g->vmember) {
		bool ours = false;

		/* Our log's first change is our own JOIN of this
		 * incarnation; an older one's may still be in flight. */
		for (size_t i = 0; i < nj; i++)
			ours |= joined[i].nodeid == cl->node;
		if (!ours || nj != 1 || inc != g->inc)
			return;
		g->vmember = true;
	}
	g->ring = cl->s->ring;
	cluster_group_confchg(g, &ev);
}

static void vt_deliver(void *ctx, const char *uuid, uint32_t from,
		       const uint8_t *msg, size_t len)
{
	struct cluster *cl = ctx;
	struct group *g = find(cl->s, uuid);

	if (g && g->vmember && !g->dead && !g->want_rejoin)
		cluster_io_deliver(g, from, msg, len);
}

static const struct vtab_ops vt_ops = {
	.change = vt_change,
	.deliver = vt_deliver,
};

static void s_deliver(cpg_handle_t h, const struct cpg_name *name,
		      uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	struct cl_stream *s;
	struct wstream_dec d;
	struct wstream_rec rec;
	void *ctx = NULL;
	int r;

	if (cpg_context_get(h, &ctx) != CS_OK || !ctx)
		return;
	s = ((struct cluster *)ctx)->s;
	if (!s->vt || s->lost)
		return;
	s->cl->tot.msgs_recv++;
	cluster_io_seen(s->cl, &s->sent_at, nodeid, pid);
	r = wstream_open(&d, msg, len);
	if (r < 0 || d.sender != nodeid) {
		log_warn("stream: dropping a bundle from node %u: %s", nodeid,
			 r < 0 ? strerror(-r) : "sender mismatch");
		return;
	}
	while (wstream_next(&d, &rec) == 1) {
		r = vtab_record(s->vt, nodeid, rec.type, rec.data, rec.len);
		if (r == -ENOBUFS) {
			s->lost = "too much held back while nodes announce";
			return;
		}
		if (r < 0)
			log_warn("stream: dropping a record (type %u) from "
				 "node %u: %s", rec.type, nodeid,
				 strerror(-r));
	}
}

static void s_confchg(cpg_handle_t h, const struct cpg_name *name,
		      const struct cpg_address *ml, size_t nm,
		      const struct cpg_address *ll, size_t nl,
		      const struct cpg_address *jl, size_t nj)
{
	struct cluster_cpg_event ce;
	struct cluster *cl;
	struct cl_stream *s;
	void *ctx = NULL;
	int r;

	if (cpg_context_get(h, &ctx) != CS_OK || !ctx)
		return;
	cl = ctx;
	s = cl->s;
	if (!s->vt || s->lost)
		return;
	if (cluster_event_of(cl, &ce, ml, nm, ll, nl, jl, nj) < 0) {
		s->lost = "our membership of the stream ended";
		return;
	}
	if (nj || nl)
		log_burst_new_event();	/* a daemon came or went */
	log_info("stream: %zu members, %zu joined, %zu left", nm, nj, nl);
	r = vtab_confchg(s->vt, ce.ev.members, ce.ev.nmembers, ce.ev.left,
			 ce.ev.nleft, ce.ev.joined, ce.ev.njoined);
	if (r == -E2BIG)
		log_err("stream: more than %u members: not supported",
			WIRE_MAX_MEMBERS);
	else if (r == 1)
		announce(s);
	for (struct group *g = cl->groups; g; g = g->next)
		own_check(g);
}

static void s_totem(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
		    const uint32_t *members)
{
	void *ctx = NULL;
	struct cluster *cl;

	if (cpg_context_get(h, &ctx) != CS_OK || !ctx)
		return;
	cl = ctx;
	cl->s->ring = ring;
	for (struct group *g = cl->groups; g; g = g->next)
		g->ring = ring;
	log_dbg("stream: totem ring %u/%" PRIu64 " with %u nodes",
		ring.nodeid, ring.seq, n);
}

/* ---- connection life cycle --------------------------------------------- */

static void s_reconnect_cb(struct loop *lp, struct loop_timer *t, void *ctx);
static void s_fd_cb(struct loop *lp, int fd, short revents, void *ctx);

static void s_disconnect(struct cl_stream *s)
{
	if (s->fd >= 0)
		loop_del_fd(s->cl->lp, s->fd);
	s->fd = -1;
	if (s->h) {
		if (s->joined)
			cpg_leave(s->h, &s->name);
		cpg_finalize(s->h);
	}
	s->h = 0;
	s->joined = false;
	drop_bundles(s);
	vtab_free(s->vt);
	s->vt = NULL;
}

static void s_schedule(struct cl_stream *s, uint64_t ms)
{
	if (!s->reconnect)
		s->reconnect = loop_timer_add(s->cl->lp, ms, 0, s_reconnect_cb,
					      s, "stream-reconnect");
}

static void s_retry(struct cl_stream *s, int err)
{
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2
				      : STREAM_RECONNECT_MIN_MS;
	if (s->backoff_ms > STREAM_RECONNECT_MAX_MS)
		s->backoff_ms = STREAM_RECONNECT_MAX_MS;
	if (!s->warned)
		log_warn("stream: cannot join the CPG group: %s%s (retrying)",
			 strerror(-err), cluster_connect_hint(err));
	s->warned = true;
	s_schedule(s, s->backoff_ms);
}

static int s_connect(struct cl_stream *s)
{
	struct cluster *cl = s->cl;
	cpg_model_v1_data_t md = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = s_deliver,
		.cpg_confchg_fn = s_confchg,
		.cpg_totem_confchg_fn = s_totem,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	unsigned int node = 0;
	cs_error_t e;
	int r;

	errno = 0;
	e = cpg_model_initialize(&s->h, CPG_MODEL_V1, (cpg_model_data_t *)&md,
				 cl);
	if (e != CS_OK) {
		s->h = 0;
		return cluster_init_errno(e, errno);
	}
	e = cpg_fd_get(s->h, &s->fd);
	if (e == CS_OK)
		e = cpg_local_get(s->h, &node);
	if (e != CS_OK) {
		s->fd = -1;
		s_disconnect(s);
		return cluster_cs_to_errno(e);
	}
	cl->node = node;
	r = vtab_new(node, &vt_ops, cl, &s->vt);
	if (r == 0)
		r = loop_add_fd(cl->lp, s->fd, POLLIN, s_fd_cb, s, "cpg-stream");
	if (r < 0) {
		s->fd = -1;
		s_disconnect(s);
		return r;
	}
	e = cpg_join(s->h, &s->name);
	if (e != CS_OK) {
		s_disconnect(s);
		return cluster_cs_to_errno(e);
	}
	s->joined = true;
	lat_fifo_reset(&s->sent_at);	/* a new handle: nothing in flight */
	s->backoff_ms = 0;
	s->warned = false;
	log_info("stream: joined CPG group %.*s as node %u", (int)s->name.length,
		 s->name.value, node);
	cluster_groups_kick(cl);
	return 0;
}

static void s_reconnect_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct cl_stream *s = ctx;
	int r;

	loop_timer_cancel(lp, t);
	s->reconnect = NULL;
	if (s->joined)
		return;
	r = s_connect(s);
	if (r < 0)
		s_retry(s, r);
}

/* Every log starts over; the stream joins again after a back-off. */
static void s_lost(struct cl_stream *s, const char *why)
{
	log_err("stream: %s: every log joins again", why);
	s->lost = NULL;
	s->joined = false;	/* no LEAVE records: our confchg says it */
	cluster_groups_lost(s->cl, why);
	s_disconnect(s);
	s_retry(s, -ECONNRESET);
}

static void s_fd_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct cl_stream *s = ctx;
	cs_error_t e;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		s_lost(s, "connection to corosync closed");
		return;
	}
	s->in_dispatch = true;
	e = cpg_dispatch(s->h, CS_DISPATCH_ALL);
	s->in_dispatch = false;
	if (!s->lost && e != CS_OK && e != CS_ERR_TRY_AGAIN)
		s->lost = "cpg_dispatch failed";
	cluster_groups_after_dispatch(s->cl);
	if (s->lost)
		s_lost(s, s->lost);
}

bool cluster_stream_joined(const struct cluster *cl)
{
	return cl->s->joined;
}

bool cluster_stream_ready(struct cluster *cl)
{
	struct cl_stream *s = cl->s;
	int r;

	if (s->joined)
		return true;
	if (s->reconnect)
		return false;
	r = s_connect(s);
	if (r < 0)
		s_retry(s, r);
	return s->joined;
}

int cluster_stream_new(struct cluster *cl)
{
	struct cl_stream *s = calloc(1, sizeof(*s));
	int n;

	if (!s)
		return -ENOMEM;
	s->cl = cl;
	s->fd = -1;
	s->bundle_cap = WSTREAM_HDR_SIZE + WSTREAM_REC_HDR_SIZE +
			WIRE_CKPT_MAX_HDR + cl->chunk;
	n = cluster_stream_name(cl, &s->name);
	if (n < 0) {
		free(s);
		return n;
	}
	cl->s = s;
	return 0;
}

int cluster_stream_name(const struct cluster *cl, struct cpg_name *name)
{
	int n = snprintf((char *)name->value, sizeof(name->value),
			 "cmirrord-stream:%s", cl->o->cpg_prefix);

	if (n < 0 || (size_t)n >= sizeof(name->value))
		return -ENAMETOOLONG;
	name->length = (uint32_t)n;
	return 0;
}

/* A node with shared-stream sits in each log's own group for visibility
 * only: a node without it waits there for a checkpoint or for
 * acknowledgements that never come (safe: its kernel gets no answer, so
 * writes nothing), and only a log line tells the admin why. */
void cluster_stream_peers_check(struct group *g, const struct csync_event *ev)
{
	struct wire_nodes now;
	struct cpg_name sn;
	char ids[96];
	size_t o = 0;
	uint64_t n = 0;

	if (!g->connected || cluster_stream_name(g->cl, &sn) < 0 ||
	    stream_listed(g->h, &sn, &now) < 0)
		return;
	ids[0] = '\0';
	for (uint32_t k = 0; k < now.n; k++) {
		bool member = false;

		for (size_t i = 0; i < ev->nmembers; i++)
			member |= ev->members[i] == now.id[k];
		if (!member || now.id[k] == g->cl->node)
			continue;
		o = cluster_fmt_id(ids, sizeof(ids), o, now.id[k], n > 0);
		n++;
	}
	if (n && n != g->st.stream_peers)
		log_err("%s: node(s) %s run with shared-stream and this node "
			"does not: this log cannot sync with them and waits "
			"(no request is answered); every node must set the "
			"same", g->name, ids);
	else if (!n && g->st.stream_peers)
		log_info("%s: no member runs with shared-stream any more",
			 g->name);
	g->st.stream_peers = n;
}

void cluster_stream_free(struct cluster *cl)
{
	struct cl_stream *s = cl->s;

	if (!s)
		return;
	if (s->reconnect)
		loop_timer_cancel(cl->lp, s->reconnect);
	s_disconnect(s);
	free(s);
	cl->s = NULL;
}
