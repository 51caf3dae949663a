/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The corosync 3 transport (group.h): one CPG handle and group per mirror
 * log, its fd in the daemon's poll loop.  This file owns the CPG life
 * cycle (connect, join, dispatch, lost connection, leave and re-join) and
 * turns confchgs into the actions cluster_sync.c decides; cluster_io.c
 * moves the bytes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster_int.h"
#include "logging.h"
#include "quorum.h"

#define RECONNECT_MIN_MS	100
#define RECONNECT_MAX_MS	5000

int cluster_group_name(const char *prefix, const char *uuid, char *out,
		       size_t outlen)
{
	const size_t max = CPG_MAX_NAME_LENGTH - 1;
	size_t plen = strlen(prefix), ulen = strnlen(uuid, WIRE_UUID_SIZE - 1);

	if (outlen < CPG_MAX_NAME_LENGTH)
		return -EINVAL;
	if (plen + ulen <= max)
		return snprintf(out, outlen, "%s%.*s", prefix, (int)ulen, uuid);
	/* Keep the readable start, make it unique with a CRC of the whole
	 * uuid (computed the same way on every node). */
	if (plen + 9 >= max)
		return -ENAMETOOLONG;
	return snprintf(out, outlen, "%s%.*s~%08x", prefix,
			(int)(max - plen - 9), uuid, crc32c(0, uuid, ulen));
}

static struct group *group_of(cpg_handle_t h)
{
	void *ctx = NULL;

	if (cpg_context_get(h, &ctx) != CS_OK)
		return NULL;
	return ctx;
}

static void disconnect(struct group *g)
{
	if (g->fd >= 0) {
		loop_del_fd(g->cl->lp, g->fd);
		g->fd = -1;
	}
	if (g->cl->shared)
		cluster_stream_leave_log(g);
	if (g->h) {
		if (g->connected)
			cpg_leave(g->h, &g->cpgname);
		cpg_finalize(g->h);
		g->h = 0;
	}
	g->connected = false;
}

static void free_group(struct group *g)
{
	disconnect(g);
	if (g->reconnect)
		loop_timer_cancel(g->cl->lp, g->reconnect);
	cluster_stable_reset(g);
	cluster_io_free_all(g);
	free(g->sent_at);
	free(g);
}

/* ---- CPG callbacks ---------------------------------------------------- */

static void deliver_cb(cpg_handle_t h, const struct cpg_name *name,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	struct group *g = group_of(h);

	if (!g || g->dead || g->want_rejoin)
		return;
	if (g->cl->shared) {
		/* Nothing is sent on a log's own group with the shared
		 * stream: a node runs without it, and the two do not mix. */
		g->st.bad_msgs++;
		if (!g->st.foreign++)
			log_err("%s: node %u sends on the log's own CPG group: "
				"it does not run with shared-stream; every "
				"node must set the same", g->name, nodeid);
		return;
	}
	cluster_io_seen(g->cl, g->sent_at, nodeid, pid);
	cluster_io_deliver(g, nodeid, msg, len);
}

static void totem_cb(cpg_handle_t h, struct cpg_ring_id ring, uint32_t n,
		     const uint32_t *members)
{
	struct group *g = group_of(h);

	if (!g || g->dead || g->cl->shared)
		return;
	g->ring = ring;
	log_dbg("%s: totem ring %u/%" PRIu64 " with %u nodes", g->name,
		ring.nodeid, ring.seq, n);
}

size_t cluster_fmt_id(char *buf, size_t len, size_t o, uint32_t id, bool sp)
{
	int w;

	if (o >= len)
		return o;
	w = snprintf(buf + o, len - o, "%s%u", sp ? " " : "", id);
	return w < 0 ? len : o + (size_t)w;
}

static void log_confchg(struct group *g, const struct csync_event *ev)
{
	char m[CPG_MEMBERS_MAX * 11 + 1], l[sizeof(m)], j[sizeof(m)];
	size_t om = 0, ol = 0, oj = 0;

	m[0] = l[0] = j[0] = 0;
	for (size_t i = 0; i < ev->nmembers; i++)
		om = cluster_fmt_id(m, sizeof(m), om, ev->members[i], i);
	for (size_t i = 0; i < ev->nleft; i++)
		ol = cluster_fmt_id(l, sizeof(l), ol, ev->left[i].nodeid, i);
	for (size_t i = 0; i < ev->njoined; i++)
		oj = cluster_fmt_id(j, sizeof(j), oj, ev->joined[i].nodeid, i);
	log_info_many("group membership changes",
		      "%s: membership [%s] joined [%s] left [%s] (we are %s)",
		      g->name, m, j, l, csync_state_name(g->sync.state));
}

/* Carry out what the sync logic decided, in the order group.h promises. */
static void apply_actions(struct group *g, const struct csync_actions *a,
			  bool first)
{
	struct cluster *cl = g->cl;

	for (uint32_t i = 0; i < a->lost.n && !g->dead; i++)
		g->ops->node_lost(g->core, a->lost.id[i]);
	if (g->dead)
		return;
	g->ops->members(g->core, g->sync.members.id, g->sync.members.n);
	if (first && !cl->quorate && !g->dead)
		g->ops->quorum(g->core, false);
	if (a->init_fresh && !g->dead) {
		int r = g->ops->init_fresh(g->core);

		cluster_xfer_release_reserve(g);	/* no checkpoint comes */
		if (r < 0)
			log_err("%s: initialising the first replica: %s",
				g->name, strerror(-r));
		log_info("%s: no member holds the state: this node "
			 "initialised it", g->name);
	}
	if (a->send_merge_in && !g->dead)
		cluster_xfer_start_snapshot(g, WIRE_KIND_MERGE_IN);
	if (a->send_ckpt && !g->dead)
		cluster_xfer_start_snapshot(g, WIRE_KIND_CKPT);
	if (a->synced && !g->dead)
		g->ops->synced(g->core);
	if (a->rejoin)
		cluster_want_rejoin(g, "partition merge (unsynced)");
}

int cluster_event_of(const struct cluster *cl, struct cluster_cpg_event *ce,
		     const struct cpg_address *ml, size_t nm,
		     const struct cpg_address *ll, size_t nl,
		     const struct cpg_address *jl, size_t nj)
{
	struct csync_event *ev = &ce->ev;

	*ev = (struct csync_event){ ce->members, 0, ce->left, 0, ce->joined,
				    0 };
	for (size_t i = 0; i < nl; i++)
		if (ll[i].nodeid == cl->node && ll[i].pid == cl->pid)
			return -ECONNRESET;
	for (size_t i = 0; i < nm && i < CPG_MEMBERS_MAX; i++)
		ce->members[ev->nmembers++] = ml[i].nodeid;
	for (size_t i = 0; i < nl && i < CPG_MEMBERS_MAX; i++)
		ce->left[ev->nleft++] = (struct csync_node){ ll[i].nodeid,
							     ll[i].reason };
	for (size_t i = 0; i < nj && i < CPG_MEMBERS_MAX; i++)
		ce->joined[ev->njoined++] = (struct csync_node){
			jl[i].nodeid, jl[i].reason };
	return 0;
}

void cluster_group_confchg(struct group *g, const struct csync_event *ev)
{
	struct csync_actions a;
	bool first, node_down;

	log_confchg(g, ev);
	first = g->sync.state == CSYNC_NEW;
	if (csync_confchg(&g->sync, ev, &a) < 0) {
		log_err("%s: more than %u members: not supported", g->name,
			WIRE_MAX_MEMBERS);
		return;
	}
	g->st.confchgs++;
	if (a.merge) {
		g->st.merges++;
		g->cl->tot.merges++;
		log_warn("%s: partition merge: our side %s", g->name,
			 a.merge_out ? "folds into the other side"
			 : "keeps its state and folds the others in");
	}
	cluster_io_confchg(g, a.reset_rx);
	node_down = false;
	for (size_t i = 0; i < ev->nleft; i++)
		node_down |= ev->left[i].reason == CPG_REASON_NODEDOWN;
	if (node_down) {
		/* The ring broke (a process leaving the group does not break
		 * it): until quorum is confirmed for a later ring, this may be
		 * the side that must not change anything. */
		if (!g->cl->floor_set || g->ring.seq > g->cl->ring_floor) {
			g->cl->ring_floor = g->ring.seq;
			g->cl->floor_told = quorum_mon_confirms_after(
				g->cl->qm, g->ring.seq);
			log_info("cluster: a node left ring %" PRIu64 ": no "
				 "change until quorum is confirmed for a later "
				 "ring (%s %" PRIu64 ")", g->ring.seq,
				 g->cl->floor_told ? "already: ring" : "now",
				 quorum_mon_ring_seq(g->cl->qm));
		}
		g->cl->floor_set = true;
	}
	if (g->sync.state == CSYNC_NEW)
		return;		/* not our own join yet */
	apply_actions(g, &a, first);
	if (!g->dead && !g->want_rejoin)
		cluster_stable_confchg(g, node_down, g->ring.seq);
}

static void confchg_cb(cpg_handle_t h, const struct cpg_name *name,
		       const struct cpg_address *ml, size_t nm,
		       const struct cpg_address *ll, size_t nl,
		       const struct cpg_address *jl, size_t nj)
{
	struct group *g = group_of(h);
	struct cluster_cpg_event ce;

	if (!g || g->dead || g->want_rejoin)
		return;
	if (cluster_event_of(g->cl, &ce, ml, nm, ll, nl, jl, nj) < 0) {
		cluster_want_rejoin(g, "our own membership ended");
		return;
	}
	/* With the shared stream the log's membership is decided in the
	 * stream (cluster_vtab.c); this group shows it to corosync-cpgtool
	 * and who serves the log without the stream. */
	if (g->cl->shared) {
		cluster_stream_own_change(g, &ce.ev);
		return;
	}
	cluster_group_confchg(g, &ce.ev);
	if ((ce.ev.nmembers > 1 || g->st.stream_peers) && !g->dead)
		cluster_stream_peers_check(g, &ce.ev);
}

/* ---- connection life cycle ------------------------------------------- */

static void fd_cb(struct loop *lp, int fd, short revents, void *ctx);
static void reconnect_cb(struct loop *lp, struct loop_timer *t, void *ctx);

static void schedule_reconnect(struct group *g, uint64_t delay_ms)
{
	if (g->reconnect)
		return;
	g->reconnect = loop_timer_add(g->cl->lp, delay_ms, 0, reconnect_cb, g,
				      "cpg-reconnect");
	if (!g->reconnect)
		log_err("%s: cannot arm the reconnect timer", g->name);
}

static int connect_group(struct group *g)
{
	struct cluster *cl = g->cl;
	cpg_model_v1_data_t md = {
		.model = CPG_MODEL_V1,
		.cpg_deliver_fn = deliver_cb,
		.cpg_confchg_fn = confchg_cb,
		.cpg_totem_confchg_fn = totem_cb,
		.flags = CPG_MODEL_V1_DELIVER_INITIAL_TOTEM_CONF,
	};
	unsigned int node = 0;
	uint32_t atomic = 0;
	cs_error_t e;
	int r;

	/* The log's membership lives in the stream: join that first. */
	if (cl->shared && !cluster_stream_ready(cl))
		return -ENOTCONN;
	errno = 0;
	e = cpg_model_initialize(&g->h, CPG_MODEL_V1, (cpg_model_data_t *)&md,
				 g);
	if (e != CS_OK) {
		g->h = 0;
		return cluster_init_errno(e, errno);
	}
	e = cpg_fd_get(g->h, &g->fd);
	if (e == CS_OK)
		e = cpg_local_get(g->h, &node);
	if (e != CS_OK) {
		g->fd = -1;
		disconnect(g);
		return cluster_cs_to_errno(e);
	}
	if (cl->node != node) {
		if (cl->node)
			log_warn("cluster: local node id changed %u -> %u",
				 cl->node, node);
		cl->node = node;
	}
	/* Chunks that libcpg can send without fragmenting them. */
	if (cpg_max_atomic_msgsize_get(g->h, &atomic) == CS_OK &&
	    atomic >= WIRE_CKPT_MAX_HDR + CLUSTER_CHUNK_MIN)
		cl->chunk = atomic - WIRE_CKPT_MAX_HDR < CLUSTER_CHUNK
			    ? atomic - WIRE_CKPT_MAX_HDR : CLUSTER_CHUNK;
	csync_init(&g->sync, cl->node);
	r = loop_add_fd(cl->lp, g->fd, POLLIN, fd_cb, g, "cpg");
	if (r < 0) {
		g->fd = -1;
		disconnect(g);
		return r;
	}
	cluster_xfer_reserve(g);
	e = cpg_join(g->h, &g->cpgname);
	if (e != CS_OK) {
		disconnect(g);
		return cluster_cs_to_errno(e);
	}
	g->connected = true;
	if (g->sent_at)	/* a new handle: nothing of ours in flight */
		lat_fifo_reset(g->sent_at);
	/* With the stream the log joins it at its own group's first
	 * confchg (cluster_stream_own_change). */
	g->own_seen = false;
	if (g->warned)
		log_info("%s: connected to corosync again", g->name);
	g->warned = false;
	g->backoff_ms = 0;
	log_info_many("CPG group joins",
		      "%s: joining CPG group as node %u", g->name, cl->node);
	return 0;
}

static void retry_connect(struct group *g, int err)
{
	g->backoff_ms = g->backoff_ms ? g->backoff_ms * 2 : RECONNECT_MIN_MS;
	if (g->backoff_ms > RECONNECT_MAX_MS)
		g->backoff_ms = RECONNECT_MAX_MS;
	/* Without the stream the stream's own warning says why. */
	if (!g->warned && (!g->cl->shared || cluster_stream_joined(g->cl))) {
		log_warn("%s: cannot join the CPG group: %s%s (retrying)",
			 g->name, strerror(-err), cluster_connect_hint(err));
		g->warned = true;
	}
	schedule_reconnect(g, g->backoff_ms);
}

/*
 * An inquorate node does not join: alone in its partition it would find no
 * member holding the state and initialise a fresh one, which the merge with
 * the quorate side then ANDs in (every region out of sync).  The group
 * waits, unconnected and with no timer, until quorum_cb() connects it.
 */
static bool wait_quorum(struct group *g)
{
	struct cluster *cl = g->cl;

	if (!cl->o->require_quorum || cl->quorate)
		return false;
	log_info("%s: waiting for quorum before joining", g->name);
	return true;
}

static void reconnect_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct group *g = ctx;
	int r;

	loop_timer_cancel(lp, t);
	g->reconnect = NULL;
	if (g->connected || wait_quorum(g))
		return;
	r = connect_group(g);
	if (r < 0)
		retry_connect(g, r);
}

/* Drop the replica's membership state and join again from scratch. */
static void restart_group(struct group *g, const char *why, bool lost)
{
	if (lost) {
		log_err("%s: %s: reconnecting", g->name, why);
		g->st.reconnects++;
	} else {
		log_warn("%s: leaving and joining again: %s", g->name, why);
		g->st.rejoins++;
		g->cl->tot.rejoins++;
	}
	disconnect(g);
	cluster_io_reset(g);
	csync_reset(&g->sync);
	g->want_rejoin = false;
	g->rejoin_why = NULL;
	/* What we sent may have reached the others or not, and its delivery
	 * will never reach us: the core submits everything it waits for
	 * again once synced (its ops are idempotent), so nothing of the old
	 * membership is sent into the new one. */
	cluster_stable_reset(g);
	cluster_io_drop_out(g);
	g->ops->reset(g->core);
	g->backoff_ms = lost ? g->backoff_ms : 0;
	if (lost)
		retry_connect(g, -ECONNRESET);
	else
		schedule_reconnect(g, RECONNECT_MIN_MS);
}

static void fd_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct group *g = ctx;
	cs_error_t e;

	if (revents & (POLLHUP | POLLERR | POLLNVAL)) {
		restart_group(g, "connection to corosync closed", true);
		return;
	}
	g->in_dispatch = true;
	e = cpg_dispatch(g->h, CS_DISPATCH_ALL);
	g->in_dispatch = false;
	if (g->dead) {
		free_group(g);
		return;
	}
	if (e != CS_OK && e != CS_ERR_TRY_AGAIN) {
		char why[64];

		snprintf(why, sizeof(why), "cpg_dispatch: %s",
			 strerror(-cluster_cs_to_errno(e)));
		restart_group(g, why, true);
	} else if (g->want_rejoin) {
		restart_group(g, g->rejoin_why ? g->rejoin_why : "?", false);
	}
}

/* ---- group_transport -------------------------------------------------- */

static int cl_join(void *tctx, const char *uuid,
		   const struct group_core_ops *ops, void *core,
		   struct group **out)
{
	struct cluster *cl = tctx;
	struct group *g;
	int r;

	if (!uuid || strnlen(uuid, WIRE_UUID_SIZE) >= WIRE_UUID_SIZE)
		return -EINVAL;
	for (g = cl->groups; g; g = g->next)
		if (!strcmp(g->uuid, uuid))
			return -EEXIST;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cl = cl;
	g->fd = -1;
	snprintf(g->uuid, sizeof(g->uuid), "%s", uuid);
	r = cluster_group_name(cl->o->cpg_prefix, uuid, g->name,
			       sizeof(g->name));
	if (r < 0) {
		free(g);
		return r;
	}
	g->cpgname.length = (uint32_t)r;
	memcpy(g->cpgname.value, g->name, (size_t)r);
	g->ops = ops;
	g->core = core;
	cluster_opq_init(&g->out);
	cluster_opq_init(&g->jq);
	csync_init(&g->sync, cl->node);
	r = wait_quorum(g) ? 0 : connect_group(g);
	if (r == -ENOMEM) {
		free(g);
		return r;
	}
	if (r < 0)
		retry_connect(g, r);	/* corosync may come (back) later */
	g->next = cl->groups;
	cl->groups = g;
	if (cl->shared)
		cluster_stream_add(g);
	*out = g;
	return 0;
}

static void cl_leave(struct group *g)
{
	struct cluster *cl = g->cl;

	for (struct group **pp = &cl->groups; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	log_info_many("group leaves",
		      "%s: leaving the group", g->name);
	if (cl->shared)
		cluster_stream_del(g);
	if (cluster_stream_dispatching(cl)) {
		/* Freed by cluster_groups_after_dispatch(). */
		g->dead = true;
		g->gnext = cl->graveyard;
		cl->graveyard = g;
		return;
	}
	if (g->in_dispatch) {
		/* Freed by fd_cb once cpg_dispatch returns. */
		g->dead = true;
		return;
	}
	free_group(g);
}

static uint32_t cl_local_node(void *tctx)
{
	return ((struct cluster *)tctx)->node;
}

static bool cl_quorate(void *tctx)
{
	return cluster_quorate_now(tctx);
}

static const char *cl_group_name(const struct group *g)
{
	return g->name;
}

static void hook_cb(struct loop *lp, void *ctx)
{
	struct cluster *cl = ctx;

	cluster_io_flush_queued(cl);
	if (cl->shared)
		cluster_stream_flush(cl);
}

void cluster_groups_kick(struct cluster *cl)
{
	for (struct group *g = cl->groups; g; g = g->next) {
		if (g->connected || g->dead)
			continue;
		if (g->reconnect)
			loop_timer_cancel(cl->lp, g->reconnect);
		g->reconnect = NULL;
		g->backoff_ms = 0;
		schedule_reconnect(g, 0);
	}
}

void cluster_groups_lost(struct cluster *cl, const char *why)
{
	for (struct group *g = cl->groups; g; g = g->next)
		if (g->connected && !g->dead)
			restart_group(g, why, true);
}

void cluster_want_rejoin(struct group *g, const char *why)
{
	g->want_rejoin = true;
	g->rejoin_why = why;
	g->cl->rejoin_pending = true;
}

void cluster_groups_after_dispatch(struct cluster *cl)
{
	while (cl->graveyard) {
		struct group *g = cl->graveyard;

		cl->graveyard = g->gnext;
		free_group(g);
	}
	/* Only after a rejoin was asked for: most dispatches ask none. */
	if (!cl->rejoin_pending)
		return;
	cl->rejoin_pending = false;
	for (struct group *g = cl->groups; g; g = g->next) {
		if (!g->want_rejoin)
			continue;
		if (g->in_dispatch)
			cl->rejoin_pending = true;	/* its fd_cb, or next time */
		else
			restart_group(g, g->rejoin_why ? g->rejoin_why : "?",
				      false);
	}
}

static void quorum_cb(void *ctx, bool quorate)
{
	struct cluster *cl = ctx;
	bool changed = cl->quorate != quorate;

	cl->quorate = quorate;
	if (cl->floor_set && !cl->floor_told &&
	    quorum_mon_confirms_after(cl->qm, cl->ring_floor)) {
		cl->floor_told = true;
		log_info("cluster: quorum %s for ring %" PRIu64, quorate ?
			 "confirmed" : "lost", quorum_mon_ring_seq(cl->qm));
	}
	for (struct group *g = cl->groups, *next; g; g = next) {
		next = g->next;
		/* Every notification names a newer ring: waits may end. */
		if (!g->dead && !g->want_rejoin && g->sync.state != CSYNC_NEW)
			cluster_stable_check(g);
		if (!changed)
			continue;
		if (g->sync.state != CSYNC_NEW)
			g->ops->quorum(g->core, quorate);
		/* Groups held back by wait_quorum() join now. */
		if (quorate && !g->connected && !g->dead) {
			if (g->reconnect)
				loop_timer_cancel(cl->lp, g->reconnect);
			g->reconnect = NULL;
			g->backoff_ms = 0;
			schedule_reconnect(g, 0);
		}
	}
	loop_wake(cl->lp);	/* held ops may go now */
}

/* Learn the node id early: the core asks for it before any join. */
static void probe_node(struct cluster *cl)
{
	cpg_callbacks_t cbs = { NULL, NULL };
	cpg_handle_t h;
	unsigned int node = 0;

	if (cpg_initialize(&h, &cbs) != CS_OK) {
		log_warn("cluster: corosync is not reachable yet; the node id "
			 "is learnt at the first join");
		return;
	}
	if (cpg_local_get(h, &node) == CS_OK)
		cl->node = node;
	cpg_finalize(h);
}

int cluster_transport_new(struct loop *lp, const struct cmirrord_opts *o,
			  struct group_transport **out)
{
	struct cluster *cl = calloc(1, sizeof(*cl));
	uint32_t batch = o->batch_max_ops ? o->batch_max_ops : 1;
	int r;

	if (!cl)
		return -ENOMEM;
	cl->lp = lp;
	cl->o = o;
	cl->pid = (uint32_t)getpid();
	cl->chunk = CLUSTER_CHUNK;
	cl->sendcap = WIRE_HDR_SIZE + 4 + (size_t)batch * WIRE_OP_MAX_SIZE;
	if (cl->sendcap > CLUSTER_MSG_MAX)
		cl->sendcap = CLUSTER_MSG_MAX;
	cl->sendbuf = malloc(cl->sendcap);
	if (!cl->sendbuf) {
		free(cl);
		return -ENOMEM;
	}
	probe_node(cl);
	r = quorum_mon_new(lp, o->require_quorum, quorum_cb, cl, &cl->qm);
	if (r == 0)
		r = loop_add_hook(lp, hook_cb, cl);
	if (r < 0) {
		quorum_mon_free(cl->qm);
		free(cl->sendbuf);
		free(cl);
		return r;
	}
	cl->quorate = quorum_mon_quorate(cl->qm);
	cl->shared = o->shared_stream;
	if (cl->shared && (r = cluster_stream_new(cl)) < 0) {
		loop_del_hook(lp, hook_cb, cl);
		quorum_mon_free(cl->qm);
		free(cl->sendbuf);
		free(cl);
		return r;
	}
	cl->t = (struct group_transport){
		.name = "cpg",
		.join = cl_join,
		.leave = cl_leave,
		.submit = cluster_io_submit,
		.local_node = cl_local_node,
		.quorate = cl_quorate,
		.group_name = cl_group_name,
		.tctx = cl,
	};
	log_info("cluster: node %u, %s, batches of %u ops, checkpoint chunks "
		 "of %zu bytes%s", cl->node, cl->quorate ? "quorate"
		 : "not quorate", batch, cl->chunk,
		 cl->shared ? ", one shared stream for all logs" : "");
	*out = &cl->t;
	return 0;
}

void cluster_transport_free(struct group_transport *t)
{
	struct cluster *cl;

	if (!t)
		return;
	cl = t->tctx;
	while (cl->groups)
		cl_leave(cl->groups);
	cluster_stream_free(cl);
	loop_del_hook(cl->lp, hook_cb, cl);
	if (cl->retry)
		loop_timer_cancel(cl->lp, cl->retry);
	quorum_mon_free(cl->qm);
	free(cl->sendbuf);
	free(cl);
}

/* ---- status ----------------------------------------------------------- */

int cluster_group_info(const struct group_transport *t, const struct group *g,
		       struct cluster_group_info *info)
{
	const struct cluster *cl;

	if (!t || t->join != cl_join || !g)
		return -EOPNOTSUPP;
	cl = t->tctx;
	*info = g->st;
	snprintf(info->name, sizeof(info->name), "%s", g->name);
	snprintf(info->uuid, sizeof(info->uuid), "%s", g->uuid);
	info->state = g->connected ? csync_state_name(g->sync.state) : "down";
	info->connected = g->connected;
	info->quorate = cl->quorate;
	info->nmembers = g->sync.members.n;
	memcpy(info->members, g->sync.members.id,
	       g->sync.members.n * sizeof(uint32_t));
	info->nsynced = g->sync.state == CSYNC_SYNCED ? g->sync.synced.n : 0;
	memcpy(info->synced, g->sync.synced.id, info->nsynced * sizeof(uint32_t));
	info->ring_seq = g->ring.seq;
	info->waiting_stable = 0;
	for (const struct cl_wait *w = g->waits; w; w = w->next)
		info->waiting_stable++;
	info->ring_node = g->ring.nodeid;
	info->out_ops = g->out.len;
	info->out_ckpt_bytes = (g->ckpt_out ? g->ckpt_out->len - g->ckpt_out->off
				: 0) + (g->merge_out ? g->merge_out->len -
					g->merge_out->off : 0);
	info->joiner_queue = g->jq.len;
	return 0;
}

int cluster_stats_reset(struct group_transport *t)
{
	struct cluster *cl;

	if (!t || t->join != cl_join)
		return -EOPNOTSUPP;
	cl = t->tctx;
	memset(&cl->tot, 0, sizeof(cl->tot));
	return 0;
}

int cluster_stats(const struct group_transport *t, struct cluster_stats *st)
{
	const struct cluster *cl;

	if (!t || t->join != cl_join)
		return -EOPNOTSUPP;
	cl = t->tctx;
	*st = cl->tot;
	st->node = cl->node;
	st->quorate = cl->quorate;
	st->quorum_service = cl->qm && quorum_mon_connected(cl->qm);
	st->floor_set = cl->floor_set;
	st->floor_confirmed = cl->qm &&
		quorum_mon_confirms_after(cl->qm, cl->ring_floor);
	st->floor = cl->ring_floor;
	st->quorum_ring = cl->qm ? quorum_mon_ring_seq(cl->qm) : 0;
	st->ngroups = 0;
	for (const struct group *g = cl->groups; g; g = g->next)
		st->ngroups++;
	return 0;
}
