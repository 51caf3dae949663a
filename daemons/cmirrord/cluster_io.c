/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cluster transport I/O: the outgoing queue (ops packed into OPS messages,
 * checkpoint chunks first, all behind CS_ERR_TRY_AGAIN retries) and the
 * receive path (OPS delivery, the joiner queue; chunks go to
 * cluster_xfer.c), corosync's errors as -errno, and the ordering time of
 * our own messages.  Membership decisions are in cluster_sync.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cluster_int.h"
#include "logging.h"

/* Corosync's status codes as -errno, at the edge (CS_OK is 1). */
/*
 * libqb puts the three ring buffers of every corosync IPC connection (about
 * 3 MiB, sized by libcpg and libquorum, not by us) on /dev/shm, and a CPG
 * handle joins one group: each log costs one connection.  "No space left"
 * from a connect means that file system is full, which the bare errno does
 * not tell an admin.
 */
const char *cluster_connect_hint(int err)
{
	if (err == -ENOSPC)
		return " (corosync's IPC buffers, about 3 MiB per log, live in "
		       "/dev/shm: is it full?)";
	if (err == -EMFILE || err == -ENFILE)
		return " (each log holds one corosync connection: raise the "
		       "open-file limit, LimitNOFILE=, of corosync or cmirrord)";
	return "";
}

/*
 * libcpg and libquorum report a failed IPC connect as CS_ERR_LIBRARY, as if
 * corosync were not running; errno still says EMFILE when an open-file
 * limit was the cause (ours, or corosync's: it refuses new connections
 * near its own).  ERR is errno right after the initialize call.
 */
int cluster_init_errno(cs_error_t e, int err)
{
	if (e == CS_ERR_LIBRARY && (err == EMFILE || err == ENFILE))
		return -err;
	return cluster_cs_to_errno(e);
}

int cluster_cs_to_errno(cs_error_t e)
{
	switch (e) {
	case CS_OK: return 0;
	case CS_ERR_LIBRARY: return -ENOTCONN;	/* corosync not running */
	case CS_ERR_VERSION: return -EPROTO;
	case CS_ERR_INIT: return -ENOTCONN;
	case CS_ERR_TIMEOUT: return -ETIMEDOUT;
	case CS_ERR_TRY_AGAIN: return -EAGAIN;
	case CS_ERR_INVALID_PARAM: return -EINVAL;
	case CS_ERR_NO_MEMORY: return -ENOMEM;
	case CS_ERR_BAD_HANDLE: return -EBADF;
	case CS_ERR_BUSY: return -EBUSY;
	case CS_ERR_ACCESS: return -EACCES;
	case CS_ERR_NOT_EXIST: return -ENOENT;
	case CS_ERR_NAME_TOO_LONG: return -ENAMETOOLONG;
	case CS_ERR_EXIST: return -EEXIST;
	case CS_ERR_NO_SPACE: return -ENOSPC;
	case CS_ERR_INTERRUPT: return -EINTR;
	case CS_ERR_NAME_NOT_FOUND: return -ENOENT;
	case CS_ERR_NO_RESOURCES: return -ENOBUFS;
	case CS_ERR_NOT_SUPPORTED: return -EOPNOTSUPP;
	case CS_ERR_BAD_OPERATION: return -EINVAL;
	case CS_ERR_FAILED_OPERATION: return -EIO;
	case CS_ERR_MESSAGE_ERROR: return -EBADMSG;
	case CS_ERR_QUEUE_FULL: return -EAGAIN;
	case CS_ERR_TOO_BIG: return -E2BIG;
	default: return -EIO;
	}
}

void cluster_opq_init(struct cl_opq *q)
{
	q->head = NULL;
	q->tail = &q->head;
	q->len = 0;
}

void cluster_opq_clear(struct cl_opq *q)
{
	while (q->head) {
		struct cl_op *n = q->head->next;

		free(q->head);
		q->head = n;
	}
	cluster_opq_init(q);
}

void cluster_opq_push(struct cl_opq *q, struct cl_op *op)
{
	op->next = NULL;
	*q->tail = op;
	q->tail = &op->next;
	q->len++;
}

struct cl_op *cluster_opq_pop(struct cl_opq *q)
{
	struct cl_op *op = q->head;

	if (!op)
		return NULL;
	q->head = op->next;
	if (!q->head)
		q->tail = &q->head;
	q->len--;
	return op;
}

/* ---- sending ---------------------------------------------------------- */

static void retry_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct cluster *cl = ctx;

	/* Added on demand, cancelled here: valid for any one-shot policy. */
	loop_timer_cancel(lp, t);
	cl->retry = NULL;
	cl->congested = false;
	loop_wake(lp);
}

/* Corosync pushed back: keep everything queued and retry later. */
void cluster_io_congested(struct cluster *cl)
{
	cl->tot.try_again++;
	cl->congested = true;
	if (!cl->retry)
		cl->retry = loop_timer_add(cl->lp, cl->o->retry_ms ? cl->o->retry_ms
					   : 1, 0, retry_cb, cl, "cpg-retry");
	if (!cl->retry) {
		/* Cannot wait for a timer: try again next iteration. */
		cl->congested = false;
		loop_wake(cl->lp);
	}
}

static void congested(struct group *g)
{
	g->st.try_again++;
	cluster_io_congested(g->cl);
}

/* 1 sent, 0 congested, -errno failed. */
int cluster_io_mcast(struct group *g, const struct iovec *iov, unsigned n)
{
	cpg_flow_control_state_t fc = CPG_FLOW_CONTROL_DISABLED;
	cs_error_t e;
	int r;

	if (g->cl->shared) {
		/* Into this iteration's bundle (cluster_stream.c). */
		r = cluster_stream_mcast(g, iov, n);
		if (r == 1)
			g->st.msgs_sent++;
		return r;
	}
	if (cpg_flow_control_state_get(g->h, &fc) == CS_OK &&
	    fc == CPG_FLOW_CONTROL_ENABLED) {
		congested(g);
		return 0;
	}
	e = cpg_mcast_joined(g->h, CPG_TYPE_AGREED, iov, n);
	if (e == CS_ERR_TRY_AGAIN) {
		congested(g);
		return 0;
	}
	if (e != CS_OK) {
		r = cluster_cs_to_errno(e);
		log_err("%s: cpg_mcast_joined: %s", g->name, strerror(-r));
		return r;
	}
	g->st.msgs_sent++;
	g->cl->tot.msgs_sent++;
	if (!g->sent_at)	/* only without the stream; none: no samples */
		g->sent_at = calloc(1, sizeof(*g->sent_at));
	cluster_io_sent(g->sent_at);
	return 1;
}

void cluster_io_sent(struct lat_fifo *f)
{
	if (f)
		lat_fifo_sent(f, loop_now_us());
}

void cluster_io_seen(struct cluster *cl, struct lat_fifo *f, uint32_t nodeid,
		     uint32_t pid)
{
	uint64_t us;

	if (f && nodeid == cl->node && pid == cl->pid &&
	    lat_fifo_seen(f, loop_now_us(), &us))
		lat_hist_add(&cl->tot.order, us);
}

void cluster_io_hdr(const struct group *g, struct wire_hdr *h, uint64_t view)
{
	memset(h, 0, sizeof(*h));
	h->sender = g->cl->node;
	memcpy(h->uuid, g->uuid, sizeof(h->uuid));
	h->view = view;
}

static size_t ops_capacity(const struct cluster *cl)
{
	return cl->sendcap;
}

/* Pack queued ops into one OPS message and send it; 1, 0, -errno. */
static int send_ops(struct group *g)
{
	struct cluster *cl = g->cl;
	struct wire_ops_enc e;
	struct wire_hdr h;
	struct iovec iov;
	uint32_t n = 0, max = cl->o->batch_max_ops ? cl->o->batch_max_ops : 1;
	int r;

	cluster_io_hdr(g, &h, 0);
	r = wire_ops_begin(&e, cl->sendbuf, ops_capacity(cl), &h);
	if (r < 0)
		return r;
	for (struct cl_op *op = g->out.head; op && n < max; op = op->next) {
		if (wire_ops_add(&e, op->tag, cl->node, op->type, op->words,
				 op->nwords) < 0)
			break;
		n++;
	}
	iov = (struct iovec){ cl->sendbuf, wire_ops_finish(&e) };
	r = cluster_io_mcast(g, &iov, 1);
	if (r <= 0)
		return r;
	g->st.ops_sent += n;
	cl->tot.ops_sent += n;
	while (n--)
		free(cluster_opq_pop(&g->out));
	return 1;
}

static void lazy_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct group *g = ctx;

	loop_timer_cancel(lp, t);
	g->lazy_timer = NULL;
	g->lazy_due = true;
	loop_wake(lp);
}

/* Only lazy ops queued: they wait for company, at most the lazy delay.
 * true: hold them now. */
static bool lazy_hold(struct group *g)
{
	struct cluster *cl = g->cl;

	if (g->out_urgent || g->lazy_due)
		return false;
	if (!g->lazy_timer)
		g->lazy_timer = loop_timer_add(cl->lp, cl->o->clear_delay_ms, 0,
					       lazy_cb, g, "cpg-lazy");
	return g->lazy_timer != NULL;	/* no timer: send now */
}

static void lazy_done(struct group *g)
{
	if (g->lazy_timer)
		loop_timer_cancel(g->cl->lp, g->lazy_timer);
	g->lazy_timer = NULL;
	g->lazy_due = false;
	g->out_urgent = false;
}

void cluster_io_drop_out(struct group *g)
{
	cluster_opq_clear(&g->out);
	lazy_done(g);
}

int cluster_io_submit(struct group *g, uint64_t tag, uint32_t type,
		      const uint64_t *words, uint32_t nwords)
{
	struct cl_op *op;

	if (nwords > GROUP_MAX_OP_WORDS)
		return -EINVAL;
	if (g->dead)
		return -ENOTCONN;
	op = malloc(sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->next = NULL;
	op->tag = tag;
	op->origin = g->cl->node;
	op->type = type & ~GROUP_OP_F_LAZY;
	op->nwords = nwords;
	if (nwords)
		memcpy(op->words, words, nwords * sizeof(*words));
	*g->out.tail = op;
	g->out.tail = &op->next;
	g->out.len++;
	cluster_io_want_flush(g);
	if ((type & GROUP_OP_F_LAZY) && g->cl->o->clear_delay_ms)
		return 0;	/* sent with company, or when the lazy delay ends */
	/* Sent by the before-sleep hook: one batch per loop iteration. */
	g->out_urgent = true;
	loop_wake(g->cl->lp);
	return 0;
}

static bool has_work(const struct group *g)
{
	return g->out.head || g->ckpt_out || g->merge_out || g->nacks;
}

void cluster_io_want_flush(struct group *g)
{
	qlist_add(&g->cl->flushq, &g->flushq);
}

static void flush_group(struct group *g)
{
	struct cluster *cl = g->cl;
	int budget = CLUSTER_CHUNKS_PER_ITER, r;

	if (!g->connected || g->dead || g->want_rejoin || cl->congested)
		return;
	if (g->merge_out) {
		r = cluster_xfer_send(g, g->merge_out, &budget);
		if (r <= 0)
			return;
		log_info("%s: MERGE_IN of %zu bytes sent", g->name,
			 g->merge_out->len);
		g->st.merge_in_sent++;
		cluster_xfer_free_snap(&g->merge_out);
	}
	if (g->ckpt_out) {
		r = cluster_xfer_send(g, g->ckpt_out, &budget);
		if (r <= 0)
			return;
		log_info_many("checkpoints sent",
			      "%s: checkpoint of %zu bytes sent", g->name,
			      g->ckpt_out->len);
		g->st.ckpt_sent++;
		cl->tot.ckpt_sent++;
		cluster_xfer_free_snap(&g->ckpt_out);
	}
	/* Held while not synced (nobody would apply them) or inquorate. */
	if (!csync_may_send_ops(&g->sync) || !cluster_quorate_now(cl))
		return;
	if (cluster_stable_flush_acks(g) < 0)
		log_warn("%s: no memory for acknowledgements: retrying",
			 g->name);
	if (!g->out.head || lazy_hold(g))
		return;
	while (g->out.head && !cl->congested)
		if (send_ops(g) <= 0)
			return;
	if (!g->out.head)
		lazy_done(g);	/* else congested: the flags stay */
}

/* A group stays queued while anything is left: held (inquorate, not
 * synced, congested, lazy) or not, it is tried again every iteration. */
void cluster_io_flush_queued(struct cluster *cl)
{
	for (struct qlink *l = cl->flushq, *next; l; l = next) {
		struct group *g = qlist_entry(l, struct group, flushq);

		next = l->next;
		flush_group(g);
		if (!has_work(g))
			qlist_del(&g->flushq);
	}
}

/* ---- receiving -------------------------------------------------------- */

void cluster_io_confchg(struct group *g, bool queue)
{
	/* A checkpoint is only good for the membership it was cut for. */
	cluster_xfer_free_snap(&g->ckpt_out);
	for (struct cl_rx **pp = &g->rx; *pp;) {
		struct cl_rx *rx = *pp;

		if (rx->kind == WIRE_KIND_CKPT ||
		    !csync_has(&g->sync.members, rx->sender)) {
			*pp = rx->next;
			cluster_xfer_free_rx(rx);
		} else {
			pp = &rx->next;
		}
	}
	if (queue)
		cluster_opq_clear(&g->jq);
}

void cluster_io_reset(struct group *g)
{
	cluster_xfer_release_reserve(g);
	cluster_xfer_free_snap(&g->ckpt_out);
	cluster_xfer_free_snap(&g->merge_out);
	while (g->rx) {
		struct cl_rx *n = g->rx->next;

		cluster_xfer_free_rx(g->rx);
		g->rx = n;
	}
	cluster_opq_clear(&g->jq);
}

void cluster_io_free_all(struct group *g)
{
	cluster_io_reset(g);
	cluster_io_drop_out(g);
	qlist_del(&g->flushq);
}

/* One op in group order: the transport's own ACKs stay here; flagged ops
 * are acknowledged (others') or tracked until stable (ours). */
void cluster_io_deliver_op(struct group *g, uint32_t origin, uint64_t tag,
		       uint32_t type, const uint64_t *words, uint32_t nwords)
{
	bool acked = type & GROUP_OP_F_ACKED;

	if (type == GROUP_OP_ACK) {
		cluster_stable_recv_ack(g, origin, words, nwords);
		return;
	}
	g->ops->deliver(g->core, origin, tag, type & ~GROUP_OP_F_ACKED, words,
			nwords);
	if (!acked || g->dead || g->want_rejoin)
		return;
	if (origin == g->cl->node)
		cluster_stable_own(g, tag);
	else
		cluster_stable_note(g, origin, tag);
}

static void recv_ops(struct group *g, uint32_t nodeid, const uint8_t *msg,
		     size_t len)
{
	struct wire_ops_dec d;
	struct wire_hdr h;
	struct wire_op op;
	enum csync_verdict v = csync_op(&g->sync, nodeid);
	int n = wire_ops_open(&d, msg, len, &h);

	if (n < 0) {
		g->st.bad_msgs++;
		log_warn("%s: bad OPS message from node %u: %s", g->name,
			 nodeid, strerror(-n));
		return;
	}
	while (!g->dead && !g->want_rejoin && wire_ops_next(&d, &op) == 1) {
		g->st.ops_recv++;
		g->cl->tot.ops_recv++;
		if (op.origin != nodeid || v == CSYNC_DROP) {
			g->st.ops_dropped++;
			continue;
		}
		if (v == CSYNC_DELIVER) {
			cluster_io_deliver_op(g, op.origin, op.tag, op.type, op.words,
				   op.nwords);
		} else {
			struct cl_op *q = malloc(sizeof(*q));

			if (!q) {
				/* Losing an op would fork the replica. */
				cluster_want_rejoin(g, "out of memory in the joiner queue");
				return;
			}
			q->tag = op.tag;
			q->origin = op.origin;
			q->type = op.type;
			q->nwords = op.nwords;
			memcpy(q->words, op.words, op.nwords * sizeof(op.words[0]));
			cluster_opq_push(&g->jq, q);
		}
	}
}

void cluster_io_deliver(struct group *g, uint32_t nodeid, const uint8_t *msg,
			size_t len)
{
	struct wire_hdr h;
	int r = wire_hdr_decode(msg, len, &h);

	g->st.msgs_recv++;
	if (!g->cl->shared)	/* else it counts bundles */
		g->cl->tot.msgs_recv++;
	if (r < 0 || h.sender != nodeid || strcmp(h.uuid, g->uuid)) {
		g->st.bad_msgs++;
		log_warn("%s: dropping a message from node %u: %s", g->name,
			 nodeid, r < 0 ? strerror(-r) : "sender or uuid mismatch");
		return;
	}
	if (h.kind == WIRE_KIND_OPS)
		recv_ops(g, nodeid, msg, len);
	else
		cluster_xfer_recv_chunk(g, nodeid, msg, len);
}
