/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replica transfers: a checkpoint or MERGE_IN image cut into chunks from
 * the core's frozen snapshot, and on the other side the chunks put back
 * together (the joiner's reserve), checked, installed or folded in, and
 * the joiner's queued ops replayed.  The op traffic is in cluster_io.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "cluster_int.h"
#include "cmirror/crc32c.h"
#include "rx_bound.h"
#include "logging.h"

void cluster_xfer_free_snap(struct cl_out_snap **sp)
{
	if (*sp) {
		(*sp)->img->close((*sp)->img);
		free(*sp);
		*sp = NULL;
	}
}

void cluster_xfer_free_rx(struct cl_rx *rx)
{
	if (rx->sink)
		rx->sink->close(rx->sink);
	free(rx->buf);
	free(rx);
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
		const uint8_t *p = s->lost || s->lose ? NULL :
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
int cluster_xfer_send(struct group *g, struct cl_out_snap *s, int *budget)
{
	uint8_t meta[WIRE_CKPT_MAX_HDR];
	struct wire_hdr h;
	struct wire_ckpt c = { .members = s->members, .synced = s->synced,
			       .total = s->len, .crc = s->crc };

	cluster_io_hdr(g, &h, s->id);
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
		r = cluster_io_mcast(g, iov, 1 + n);
		if (r <= 0)
			return r;
		(*budget)--;
		s->off += c.chunk;
		g->st.ckpt_bytes_sent += c.chunk;
	} while (s->off < s->len);
	return 1;
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

/*
 * Test hook: the first N checkpoints this daemon sends lose their image at
 * the first chunk, as when a copy-on-write block finds no memory, so that
 * the joiner's rejection and its new join can be tested end to end.
 */
#define FAULT_CKPT_LOST_ENV	"CMIRRORD_FAULT_CKPT_LOST"

static bool fault_ckpt_lost(void)
{
	static long left = -1;

	if (left < 0) {
		const char *e = getenv(FAULT_CKPT_LOST_ENV);

		left = e ? strtol(e, NULL, 10) : 0;
		if (left < 0)
			left = 0;
		if (left)
			log_warn("the first %ld checkpoint(s) sent lose their "
				 "image (%s)", left, FAULT_CKPT_LOST_ENV);
	}
	if (!left)
		return false;
	left--;
	return true;
}

int cluster_xfer_start_snapshot(struct group *g, uint16_t kind)
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
	s->lose = kind == WIRE_KIND_CKPT && fault_ckpt_lost();
	if (kind == WIRE_KIND_CKPT) {
		cluster_xfer_free_snap(&g->ckpt_out);
		g->ckpt_out = s;
	} else {
		cluster_xfer_free_snap(&g->merge_out);
		g->merge_out = s;
	}
	log_info_many("checkpoint sends",
		      "%s: sending %s %" PRIx64 " (%zu bytes, crc %08x)",
		      g->name,
		      kind == WIRE_KIND_CKPT ? "checkpoint" : "MERGE_IN",
		      s->id, s->len, s->crc);
	cluster_io_want_flush(g);
	loop_wake(g->cl->lp);
	return 0;
}

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

void cluster_xfer_release_reserve(struct group *g)
{
	if (g->rx_sink)
		g->rx_sink->close(g->rx_sink);
	g->rx_sink = NULL;
	free(g->rx_reserve);
	g->rx_reserve = NULL;
	g->rx_reserve_len = 0;
}

void cluster_xfer_reserve(struct group *g)
{
	size_t n = g->ops->ckpt_size_hint ? g->ops->ckpt_size_hint(g->core)
		   : 0;

	cluster_xfer_release_reserve(g);
	if (n < CLUSTER_RESERVE_MIN || n > WIRE_CKPT_MAX)
		return;
	if (g->ops->ckpt_rx_open && g->ops->ckpt_rx_open(g->core,
							 &g->rx_sink) == 0)
		return;
	g->rx_sink = NULL;
	g->rx_reserve = malloc(n);
	if (!g->rx_reserve)
		return;		/* then the buffer grows as chunks arrive */
	memset(g->rx_reserve, 0xff, n);
	g->rx_reserve_len = n;
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
		struct group_rx *begun = NULL;

		if (!rx) {
			rx = calloc(1, sizeof(*rx));
			if (!rx)
				return NULL;
			rx->next = g->rx;
			g->rx = rx;
		}
		free(rx->buf);
		begun = rx->sink;
		*rx = (struct cl_rx){ .next = rx->next, .kind = h->kind,
				      .sender = sender, .id = h->view,
				      .members = c->members,
				      .synced = c->synced, .total = c->total,
				      .crc = c->crc };
		bool want = rx_wants_data(g, h->kind, sender, &c->members);

		if (begun && !g->rx_sink)
			g->rx_sink = begun;	/* it can start anew */
		else if (begun)
			begun->close(begun);
		if (want && h->kind == WIRE_KIND_CKPT && g->rx_sink) {
			int r = g->rx_sink->start(g->rx_sink, c->total);

			if (r < 0) {
				log_err("%s: checkpoint of %" PRIu64 " bytes "
					"from node %u does not fit this log: %s",
					g->name, c->total, sender,
					strerror(-r));
				rx->failed = true;
				rx->err = r;
				return rx;
			}
			log_info_many("checkpoint receptions",
				      "%s: receiving a checkpoint of %" PRIu64
				      " bytes into the replica prepared at "
				      "the join (%zu bytes)", g->name,
				      c->total, g->rx_sink->bytes);
			rx->sink = g->rx_sink;
			g->rx_sink = NULL;
		} else if (want && h->kind == WIRE_KIND_CKPT && g->rx_reserve &&
		    c->total <= g->rx_reserve_len) {
			/* Our own geometry bounds it: no trust in `total`. */
			log_info_many("checkpoint receptions",
				      "%s: receiving a checkpoint of %" PRIu64
				      " bytes into the %zu bytes reserved at "
				      "the join", g->name, c->total,
				      g->rx_reserve_len);
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
	cluster_xfer_free_rx(rx);
}

/* Replay what was delivered since our confchg, as the sender's members
 * applied it: only ops from members that were synced at the snapshot. */
static void replay_joiner_queue(struct group *g, const struct wire_nodes *ok)
{
	struct cl_op *op;

	while (!g->dead && !g->want_rejoin && (op = cluster_opq_pop(&g->jq))) {
		if (csync_has(ok, op->origin))
			cluster_io_deliver_op(g, op->origin, op->tag, op->type,
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
		log_info_many("completed checkpoints",
			      "%s: checkpoint %" PRIx64 " from node %u "
			      "complete: synced members [%s]", g->name,
			      rx->id, rx->sender, who);
		cluster_stable_joiners_synced(g, &joiners);
		return;
	}
	if (v != CSYNC_INSTALL)
		return;
	if (rx->failed)
		r = rx->err ? rx->err : -ENOMEM;
	else if (rx->sink && rx->run_crc == rx->crc)
		r = rx->sink->install(rx->sink);
	else if (rx->buf && crc32c(0, rx->buf, rx->total) == rx->crc)
		r = g->ops->install(g->core, rx->buf, rx->total);
	else
		log_err("%s: checkpoint %" PRIx64 " from node %u: CRC mismatch",
			g->name, rx->id, rx->sender);
	csync_installed(&g->sync, r == 0);
	cluster_xfer_release_reserve(g);
	if (r < 0) {
		log_err("%s: cannot install checkpoint from node %u: %s",
			g->name, rx->sender, strerror(-r));
		cluster_want_rejoin(g, "checkpoint not installed");
		return;
	}
	g->st.ckpt_recv++;
	g->cl->tot.ckpt_recv++;
	csync_format(&g->sync.synced, who, sizeof(who));
	log_info_many("installed checkpoints",
		      "%s: installed checkpoint %" PRIx64 " from node %u (%"
		      PRIu64 " bytes), replaying %" PRIu64 " ops; synced "
		      "members [%s]",
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
		cluster_want_rejoin(g, "partition merge");
		return;
	}
	if (v != CSYNC_FOLD)
		return;
	if (rx->failed || !rx->buf ||
	    crc32c(0, rx->buf, rx->total) != rx->crc) {
		/* Every stayer got the same bytes; failing here is local. */
		log_err("%s: MERGE_IN from node %u unusable (%s)", g->name,
			rx->sender, rx->failed ? "no memory" : "CRC mismatch");
		cluster_want_rejoin(g, "MERGE_IN not folded");
		return;
	}
	r = g->ops->merge(g->core, rx->buf, rx->total);
	if (r < 0) {
		log_err("%s: MERGE_IN from node %u rejected: %s", g->name,
			rx->sender, strerror(-r));
		cluster_want_rejoin(g, "MERGE_IN not folded");
		return;
	}
	g->st.merge_in_folded++;
	log_warn("%s: folded in the state of node %u's partition", g->name,
		 rx->sender);
}

void cluster_xfer_recv_chunk(struct group *g, uint32_t nodeid,
			     const uint8_t *msg, size_t len)
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
	if (rx->sink && c.chunk && !rx->failed) {
		r = rx->sink->put(rx->sink, c.offset, c.data, c.chunk);
		rx->run_crc = crc32c(rx->run_crc, c.data, c.chunk);
		if (r < 0) {
			rx->failed = true;
			rx->err = r;
		}
	}
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
