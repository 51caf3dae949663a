/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cluster transport I/O: the outgoing queue (ops packed into OPS messages,
 * checkpoints cut into chunks, all behind CS_ERR_TRY_AGAIN retries) and
 * the receive path (OPS delivery, joiner queue, chunk reassembly, install,
 * merge).  Membership decisions are in cluster_sync.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cluster_int.h"
#include "rx_bound.h"
#include "logging.h"

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

static struct cl_op *opq_pop(struct cl_opq *q)
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

static void free_snap(struct cl_out_snap **sp)
{
	if (*sp) {
		(*sp)->img->close((*sp)->img);
		free(*sp);
		*sp = NULL;
	}
}

static void free_rx(struct cl_rx *rx)
{
	free(rx->buf);
	free(rx);
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
static int mcast(struct group *g, const struct iovec *iov, unsigned n)
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
	return 1;
}

static void hdr_for(const struct group *g, struct wire_hdr *h, uint64_t view)
{
	memset(h, 0, sizeof(*h));
	h->sender = g->cl->node;
	memcpy(h->uuid, g->uuid, sizeof(h->uuid));
	h->view = view;
}

#define SNAP_PIECES	16	/* iovecs of image bytes per chunk */

/*
 * The image bytes of the chunk at s->off into iov: as many pieces as the
 * image has there, up to `want` bytes.  A lost image (the core could not
 * keep a block the replica changed, out of memory) goes on as zeros: the
 * joiner's CRC check then rejects the checkpoint and it joins again for a
 * new one, instead of waiting for one that never completes.
 */
static size_t snap_pieces(struct group *g, struct cl_out_snap *s,
			  size_t want, struct iovec *iov, unsigned *n)
{
	static const uint8_t zeros[4096];
	size_t got = 0;

	*n = 0;
	while (got < want && *n < SNAP_PIECES) {
		size_t len = want - got;
		const uint8_t *p = s->lost ? NULL :
			s->img->peek(s->img, s->off + got, &len);

		if (!p) {
			if (!s->lost)
				log_err("%s: snapshot %" PRIx64 " lost (no "
					"memory to keep a changed block): the "
					"joiner will reject it and join again",
					g->name, s->id);
			s->lost = true;
			p = zeros;
			len = want - got < sizeof(zeros) ? want - got
							   : sizeof(zeros);
		}
		iov[(*n)++] = (struct iovec){ (void *)p, len };
		got += len;
	}
	return got;
}

/* Send chunks of one snapshot; 1 finished, 0 not yet, -errno. */
static int send_snap(struct group *g, struct cl_out_snap *s, int *budget)
{
	uint8_t meta[WIRE_CKPT_MAX_HDR];
	struct wire_hdr h;
	struct wire_ckpt c = { .members = s->members, .synced = s->synced,
			       .total = s->len, .crc = s->crc };

	hdr_for(g, &h, s->id);
	do {
		size_t left = s->len - s->off;
		struct iovec iov[1 + SNAP_PIECES];
		unsigned n;
		int mlen, r;

		if (*budget <= 0) {
			loop_wake(g->cl->lp);
			return 0;
		}
		c.offset = s->off;
		c.chunk = (uint32_t)snap_pieces(g, s, left < g->cl->chunk ? left
						: g->cl->chunk, iov + 1, &n);
		mlen = wire_ckpt_encode_hdr(meta, sizeof(meta), s->kind, &h, &c);
		if (mlen < 0)
			return mlen;
		iov[0] = (struct iovec){ meta, (size_t)mlen };
		r = mcast(g, iov, 1 + n);
		if (r <= 0)
			return r;
		(*budget)--;
		s->off += c.chunk;
		g->st.ckpt_bytes_sent += c.chunk;
	} while (s->off < s->len);
	return 1;
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

	hdr_for(g, &h, 0);
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
	r = mcast(g, &iov, 1);
	if (r <= 0)
		return r;
	g->st.ops_sent += n;
	cl->tot.ops_sent += n;
	while (n--)
		free(opq_pop(&g->out));
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

void cluster_io_flush(struct group *g)
{
	struct cluster *cl = g->cl;
	int budget = CLUSTER_CHUNKS_PER_ITER, r;

	if (!g->connected || g->dead || g->want_rejoin || cl->congested)
		return;
	if (g->merge_out) {
		r = send_snap(g, g->merge_out, &budget);
		if (r <= 0)
			return;
		log_info("%s: MERGE_IN of %zu bytes sent", g->name,
			 g->merge_out->len);
		g->st.merge_in_sent++;
		free_snap(&g->merge_out);
	}
	if (g->ckpt_out) {
		r = send_snap(g, g->ckpt_out, &budget);
		if (r <= 0)
			return;
		log_info("%s: checkpoint of %zu bytes sent", g->name,
			 g->ckpt_out->len);
		g->st.ckpt_sent++;
		cl->tot.ckpt_sent++;
		free_snap(&g->ckpt_out);
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

/* A core without snap_open(): its serialized buffer as a group_snap. */
struct buf_snap {
	struct group_snap gs;
	uint8_t *buf;
};

static const uint8_t *buf_snap_peek(struct group_snap *gs, size_t off,
				    size_t *n)
{
	struct buf_snap *b = (struct buf_snap *)gs;

	if (off >= gs->len)
		return NULL;
	if (*n > gs->len - off)
		*n = gs->len - off;
	return b->buf + off;
}

static void buf_snap_close(struct group_snap *gs)
{
	struct buf_snap *b = (struct buf_snap *)gs;

	free(b->buf);
	free(b);
}

static int open_image(struct group *g, struct group_snap **out)
{
	struct buf_snap *b;
	int r;

	if (g->ops->snap_open)
		return g->ops->snap_open(g->core, out);
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	r = g->ops->snapshot(g->core, &b->buf, &b->gs.len);
	if (r < 0) {
		free(b);
		return r;
	}
	b->gs.crc = crc32c(0, b->buf, b->gs.len);
	b->gs.peek = buf_snap_peek;
	b->gs.close = buf_snap_close;
	*out = &b->gs;
	return 0;
}

int cluster_io_start_snapshot(struct group *g, uint16_t kind)
{
	struct cl_out_snap *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	r = open_image(g, &s->img);
	if (r == 0 && s->img->len > WIRE_CKPT_MAX) {
		s->img->close(s->img);
		r = -EFBIG;
	}
	if (r < 0) {
		log_err("%s: cannot snapshot the replica for %s: %s", g->name,
			kind == WIRE_KIND_CKPT ? "a checkpoint" : "MERGE_IN",
			strerror(-r));
		free(s);
		return r;
	}
	s->kind = kind;
	s->id = (uint64_t)g->cl->node << 32 | (++g->snap_seq & 0xffffffffu);
	s->members = g->sync.members;
	s->synced = g->sync.synced;
	s->len = s->img->len;
	s->crc = s->img->crc;
	if (kind == WIRE_KIND_CKPT) {
		free_snap(&g->ckpt_out);
		g->ckpt_out = s;
	} else {
		free_snap(&g->merge_out);
		g->merge_out = s;
	}
	log_info("%s: sending %s %" PRIx64 " (%zu bytes, crc %08x)", g->name,
		 kind == WIRE_KIND_CKPT ? "checkpoint" : "MERGE_IN", s->id,
		 s->len, s->crc);
	loop_wake(g->cl->lp);
	return 0;
}

/* ---- receiving -------------------------------------------------------- */

/*
 * A joiner that faults its reassembly buffer in while chunks arrive falls
 * behind corosync (tens of ms per 256 KiB chunk on a loaded host); once
 * this daemon's IPC ring is full corosync queues the delivery and feeds it
 * about 1 MiB per 50 ms for the rest of the transfer (2^27 regions: 1.2 s
 * instead of 0.4 s).  Touching the expected size before the join costs the
 * same page faults once, before anything is in flight.  With a non-zero
 * byte: pages written with zeros still fell behind on the test VM (4 of 4
 * transfers slow, 4 of 4 fast with 0xff), presumably zero pages that the
 * host takes back.
 */
#define CLUSTER_RESERVE_MIN	(1024u * 1024)

void cluster_io_release_reserve(struct group *g)
{
	free(g->rx_reserve);
	g->rx_reserve = NULL;
	g->rx_reserve_len = 0;
}

void cluster_io_reserve(struct group *g)
{
	size_t n = g->ops->ckpt_size_hint ? g->ops->ckpt_size_hint(g->core)
		   : 0;

	cluster_io_release_reserve(g);
	if (n < CLUSTER_RESERVE_MIN || n > WIRE_CKPT_MAX)
		return;
	g->rx_reserve = malloc(n);
	if (!g->rx_reserve)
		return;		/* then the buffer grows as chunks arrive */
	memset(g->rx_reserve, 0xff, n);
	g->rx_reserve_len = n;
}

void cluster_io_confchg(struct group *g, bool queue)
{
	/* A checkpoint is only good for the membership it was cut for. */
	free_snap(&g->ckpt_out);
	for (struct cl_rx **pp = &g->rx; *pp;) {
		struct cl_rx *rx = *pp;

		if (rx->kind == WIRE_KIND_CKPT ||
		    !csync_has(&g->sync.members, rx->sender)) {
			*pp = rx->next;
			free_rx(rx);
		} else {
			pp = &rx->next;
		}
	}
	if (queue)
		cluster_opq_clear(&g->jq);
}

void cluster_io_reset(struct group *g)
{
	cluster_io_release_reserve(g);
	free_snap(&g->ckpt_out);
	free_snap(&g->merge_out);
	while (g->rx) {
		struct cl_rx *n = g->rx->next;

		free_rx(g->rx);
		g->rx = n;
	}
	cluster_opq_clear(&g->jq);
}

void cluster_io_free_all(struct group *g)
{
	cluster_io_reset(g);
	cluster_io_drop_out(g);
}

/* One op in group order: the transport's own ACKs stay here; flagged ops
 * are acknowledged (others') or tracked until stable (ours). */
static void deliver_op(struct group *g, uint32_t origin, uint64_t tag,
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
			deliver_op(g, op.origin, op.tag, op.type, op.words,
				   op.nwords);
		} else {
			struct cl_op *q = malloc(sizeof(*q));

			if (!q) {
				/* Losing an op would fork the replica. */
				g->want_rejoin = true;
				g->rejoin_why = "out of memory in the joiner queue";
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

static struct cl_rx *rx_find(struct group *g, uint16_t kind, uint32_t sender)
{
	for (struct cl_rx *rx = g->rx; rx; rx = rx->next)
		if (rx->kind == kind && rx->sender == sender)
			return rx;
	return NULL;
}

static bool rx_wants_data(const struct group *g, uint16_t kind,
			  uint32_t sender, const struct wire_nodes *tag)
{
	if (kind == WIRE_KIND_CKPT)
		return g->sync.state == CSYNC_UNSYNCED &&
		       wire_nodes_equal(tag, &g->sync.members);
	return g->sync.state == CSYNC_SYNCED &&
	       csync_has(&g->sync.merge_pending, sender);
}

/* Start (offset 0) or continue a reassembly; NULL: ignore the chunk. */
static struct cl_rx *rx_chunk(struct group *g, uint32_t sender,
			      const struct wire_hdr *h,
			      const struct wire_ckpt *c)
{
	struct cl_rx *rx = rx_find(g, h->kind, sender);

	if (c->offset == 0) {
		if (!rx) {
			rx = calloc(1, sizeof(*rx));
			if (!rx)
				return NULL;
			rx->next = g->rx;
			g->rx = rx;
		}
		free(rx->buf);
		*rx = (struct cl_rx){ .next = rx->next, .kind = h->kind,
				      .sender = sender, .id = h->view,
				      .members = c->members,
				      .synced = c->synced, .total = c->total,
				      .crc = c->crc };
		bool want = rx_wants_data(g, h->kind, sender, &c->members);

		if (want && h->kind == WIRE_KIND_CKPT && g->rx_reserve &&
		    c->total <= g->rx_reserve_len) {
			/* Our own geometry bounds it: no trust in `total`. */
			log_info("%s: receiving a checkpoint of %" PRIu64
				 " bytes into the %zu bytes reserved at the join",
				 g->name, c->total, g->rx_reserve_len);
			rx->buf = g->rx_reserve;
			rx->cap = g->rx_reserve_len;
			g->rx_reserve = NULL;
			g->rx_reserve_len = 0;
		} else if (want) {
			/* Not `total` yet: it grows with what arrives. */
			rx->cap = rx_capacity(0, c->total);
			rx->buf = malloc(rx->cap);
			rx->failed = !rx->buf;
		}
		return rx;
	}
	if (!rx || rx->id != h->view || rx->got != c->offset ||
	    rx->total != c->total || rx->crc != c->crc ||
	    !wire_nodes_equal(&rx->members, &c->members))
		return NULL;	/* tail of a snapshot we did not start */
	return rx;
}

static void rx_unlink(struct group *g, struct cl_rx *rx)
{
	for (struct cl_rx **pp = &g->rx; *pp; pp = &(*pp)->next)
		if (*pp == rx) {
			*pp = rx->next;
			break;
		}
	free_rx(rx);
}

/* Replay what was delivered since our confchg, as the sender's members
 * applied it: only ops from members that were synced at the snapshot. */
static void replay_joiner_queue(struct group *g, const struct wire_nodes *ok)
{
	struct cl_op *op;

	while (!g->dead && !g->want_rejoin && (op = opq_pop(&g->jq))) {
		if (csync_has(ok, op->origin))
			deliver_op(g, op->origin, op->tag, op->type,
				   op->words, op->nwords);
		else
			g->st.ops_dropped++;
		free(op);
	}
}

static void ckpt_complete(struct group *g, struct cl_rx *rx)
{
	struct wire_nodes joiners = { .n = 0 };
	enum csync_verdict v;
	char who[WIRE_MAX_MEMBERS * 11 + 1];
	int r = -EBADMSG;

	/* Who becomes synced with it (if it completes here as SEEN). */
	for (uint32_t i = 0; i < g->sync.members.n; i++)
		if (!csync_has(&g->sync.synced, g->sync.members.id[i]))
			csync_add(&joiners, g->sync.members.id[i]);
	v = csync_ckpt_done(&g->sync, rx->sender, &rx->members);
	csync_format(&g->sync.synced, who, sizeof(who));
	if (v == CSYNC_SEEN) {
		log_info("%s: checkpoint %" PRIx64 " from node %u complete: "
			 "synced members [%s]", g->name, rx->id, rx->sender, who);
		cluster_stable_joiners_synced(g, &joiners);
		return;
	}
	if (v != CSYNC_INSTALL)
		return;
	if (rx->failed)
		r = -ENOMEM;
	else if (rx->buf && crc32c(0, rx->buf, rx->total) == rx->crc)
		r = g->ops->install(g->core, rx->buf, rx->total);
	else
		log_err("%s: checkpoint %" PRIx64 " from node %u: CRC mismatch",
			g->name, rx->id, rx->sender);
	csync_installed(&g->sync, r == 0);
	cluster_io_release_reserve(g);
	if (r < 0) {
		log_err("%s: cannot install checkpoint from node %u: %s",
			g->name, rx->sender, strerror(-r));
		g->want_rejoin = true;
		g->rejoin_why = "checkpoint not installed";
		return;
	}
	g->st.ckpt_recv++;
	g->cl->tot.ckpt_recv++;
	csync_format(&g->sync.synced, who, sizeof(who));
	log_info("%s: installed checkpoint %" PRIx64 " from node %u (%" PRIu64
		 " bytes), replaying %" PRIu64 " ops; synced members [%s]",
		 g->name, rx->id, rx->sender, rx->total, g->jq.len, who);
	replay_joiner_queue(g, &rx->synced);
	if (!g->dead && !g->want_rejoin)
		g->ops->synced(g->core);
	loop_wake(g->cl->lp);	/* our held ops may go now */
}

static void merge_complete(struct group *g, struct cl_rx *rx)
{
	enum csync_verdict v = csync_merge_done(&g->sync, rx->sender);
	int r;

	if (v == CSYNC_LEAVE) {
		log_warn("%s: our partition's state went out as MERGE_IN; "
			 "rejoining as a fresh member", g->name);
		g->want_rejoin = true;
		g->rejoin_why = "partition merge";
		return;
	}
	if (v != CSYNC_FOLD)
		return;
	if (rx->failed || !rx->buf ||
	    crc32c(0, rx->buf, rx->total) != rx->crc) {
		/* Every stayer got the same bytes; failing here is local. */
		log_err("%s: MERGE_IN from node %u unusable (%s)", g->name,
			rx->sender, rx->failed ? "no memory" : "CRC mismatch");
		g->want_rejoin = true;
		g->rejoin_why = "MERGE_IN not folded";
		return;
	}
	r = g->ops->merge(g->core, rx->buf, rx->total);
	if (r < 0) {
		log_err("%s: MERGE_IN from node %u rejected: %s", g->name,
			rx->sender, strerror(-r));
		g->want_rejoin = true;
		g->rejoin_why = "MERGE_IN not folded";
		return;
	}
	g->st.merge_in_folded++;
	log_warn("%s: folded in the state of node %u's partition", g->name,
		 rx->sender);
}

static void recv_chunk(struct group *g, uint32_t nodeid, const uint8_t *msg,
		       size_t len)
{
	struct wire_hdr h;
	struct wire_ckpt c;
	struct cl_rx *rx;
	int r = wire_ckpt_decode(msg, len, &h, &c);

	if (r < 0) {
		g->st.bad_msgs++;
		log_warn("%s: bad checkpoint chunk from node %u: %s", g->name,
			 nodeid, strerror(-r));
		return;
	}
	rx = rx_chunk(g, nodeid, &h, &c);
	if (!rx)
		return;
	if (rx->buf && c.chunk && c.offset + c.chunk > rx->cap) {
		/* Chunks are contiguous (rx_chunk): the buffer holds
		 * rx_capacity(got) bytes; grow it for this chunk.  realloc,
		 * not a fresh huge-page buffer: it moves the pages (mremap)
		 * instead of copying, and page faults spread over the chunks
		 * do not stall the loop; a stall of ~100 ms here makes
		 * corosync queue the delivery and slows it for the rest of
		 * the transfer. */
		uint64_t cap = rx_capacity(c.offset + c.chunk, rx->total);
		uint8_t *nb = realloc(rx->buf, cap);

		if (!nb) {
			free(rx->buf);
			rx->buf = NULL;
			rx->failed = true;
		} else {
			rx->buf = nb;
			rx->cap = cap;
		}
	}
	if (rx->buf && c.chunk)
		memcpy(rx->buf + c.offset, c.data, c.chunk);
	rx->got += c.chunk;
	if (rx->got < rx->total)
		return;
	if (h.kind == WIRE_KIND_CKPT)
		ckpt_complete(g, rx);
	else
		merge_complete(g, rx);
	if (!g->dead)
		rx_unlink(g, rx);
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
		recv_chunk(g, nodeid, msg, len);
}
