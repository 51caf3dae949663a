/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by cluster.c (transport, CPG lifecycle, membership),
 * cluster_io.c (outgoing queue, checkpoint sending, message receipt) and
 * quorum.c.  Not part of any interface.
 */
#ifndef CMIRRORD_CLUSTER_INT_H
#define CMIRRORD_CLUSTER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <corosync/cpg.h>

#include "cluster.h"
#include "cluster_sync.h"
#include "cmirror/bitmap.h"
#include "cmirror/crc32c.h"
#include "cmirror/wire.h"
#include "group.h"
#include "loop.h"
#include "options.h"
#include "qlist.h"

_Static_assert(GROUP_MAX_OP_WORDS == WIRE_MAX_OP_WORDS, "op words");
_Static_assert(CLUSTER_MAX_MEMBERS == WIRE_MAX_MEMBERS, "members");
_Static_assert(CLUSTER_NAME_MAX == CPG_MAX_NAME_LENGTH, "name length");

#define CLUSTER_CHUNK		(256u * 1024)	/* checkpoint chunk bytes */
#define CLUSTER_CHUNK_MIN	(64u * 1024)
#define CLUSTER_MSG_MAX		(1024u * 1024)	/* OPS message ceiling */
#define CLUSTER_CHUNKS_PER_ITER	16		/* then yield to the loop */

/* An op submitted locally, waiting to be multicast. */
struct cl_op {
	struct cl_op *next;
	uint64_t tag;
	uint32_t origin;	/* joiner queue: who sent it */
	uint32_t type;
	uint32_t nwords;
	uint64_t words[GROUP_MAX_OP_WORDS];
};

struct cl_opq {
	struct cl_op *head, **tail;
	uint64_t len;
};

/* A delivered op of ours (GROUP_OP_F_ACKED) not yet held by every member
 * (cluster_stable.c). */
struct cl_wait {
	struct cl_wait *next;
	uint64_t tag;
	struct wire_nodes need;	/* members that have not acknowledged it */
	bool ring_check;	/* one left unacknowledged: quorum must be */
	uint64_t need_ring;	/* confirmed for a ring after this one */
	uint64_t epoch;		/* g->confchgs at its delivery */
};

/* A replica being multicast as CKPT or MERGE_IN chunks. */
struct cl_out_snap {
	uint16_t kind;
	uint64_t id;
	struct wire_nodes members, synced;
	struct group_snap *img;
	size_t len;
	size_t off;		/* next byte to send */
	uint32_t crc;
	bool lost;		/* img failed: the rest goes out as zeros */
	bool lose;		/* test hook: img fails at the first peek */
};

/* A replica being received. */
struct cl_rx {
	struct cl_rx *next;
	uint16_t kind;
	uint32_t sender;
	uint64_t id;
	struct wire_nodes members, synced;
	uint64_t total, got;
	uint32_t crc;
	uint8_t *buf;		/* NULL: only following it (no need for it) */
	uint64_t cap;		/* bytes allocated at buf */
	struct group_rx *sink;	/* instead of buf: received in place */
	uint32_t run_crc;	/* sink: CRC of the bytes so far */
	bool failed;		/* cannot install: err, or no memory */
	int err;
};

struct cluster;

struct group {
	struct group *next;
	struct cluster *cl;
	char uuid[WIRE_UUID_SIZE];
	char name[CPG_MAX_NAME_LENGTH + 1];
	struct cpg_name cpgname;
	const struct group_core_ops *ops;
	void *core;

	/* CPG connection: h/fd valid when connected. */
	cpg_handle_t h;
	int fd;
	bool connected;
	struct lat_fifo *sent_at;	/* without the stream: send times */
	struct loop_timer *reconnect;
	uint64_t backoff_ms;
	bool warned;
	struct cpg_ring_id ring;

	/* Re-entrancy: core callbacks may call leave(). */
	bool in_dispatch;
	bool dead;		/* left: free after dispatch, no callbacks */
	bool want_rejoin;	/* drop state, leave, join again */
	const char *rejoin_why;

	struct csync sync;
	bool told_quorum;

	struct qlink flushq;	/* on cl->flushq: something to send */
	struct cl_opq out;	/* submitted, not yet multicast */
	bool out_urgent;	/* out holds an op that is not lazy */
	bool lazy_due;		/* the lazy delay is over: send out */
	struct loop_timer *lazy_timer;
	struct cl_opq jq;	/* joiner: delivered before install */
	struct cl_out_snap *ckpt_out, *merge_out;
	struct cl_rx *rx;
	uint8_t *rx_reserve;	/* joiner: touched buffer for the checkpoint */
	size_t rx_reserve_len;
	struct group_rx *rx_sink;	/* joiner: or the core's own receiver */
	uint64_t snap_seq;
	struct cl_wait *waits;	/* our flagged ops, newest first */
	uint64_t confchgs;	/* confchgs seen (epoch of a wait) */
	struct { uint32_t origin; uint64_t tag; } acks[WIRE_MAX_MEMBERS];
	size_t nacks;		/* to acknowledge in the next batch */

	/* Shared stream (cluster_stream.c): our JOIN's incarnation, sent
	 * and not left since, and delivered (the log's membership holds us). */
	uint32_t inc;
	bool join_sent;
	bool vmember;
	/* The log's own group's members (its last confchg; own_seen once
	 * one came): a node there and not in the stream runs without it. */
	bool own_seen;
	struct wire_nodes own;
	struct group *hnext;	/* uuid hash chain */
	struct group *gnext;	/* freed after the stream's dispatch */

	struct cluster_group_info st;	/* counters only */
};

struct cl_stream;

struct cluster {
	struct loop *lp;
	const struct cmirrord_opts *o;
	struct group_transport t;
	struct group *groups;
	struct qlink *flushq;	/* groups with something to send */
	bool rejoin_pending;	/* a group may want_rejoin */
	struct quorum_mon *qm;
	uint32_t node;		/* 0 until learnt from corosync */
	uint32_t pid;
	bool quorate;		/* the quorum monitor's flag */
	/* A member left a group while the ring was ring_floor: "quorate"
	 * counts only once a notification for a later ring confirms it. */
	bool floor_set;
	uint64_t ring_floor;
	bool floor_told;	/* the verdict after ring_floor was logged */
	bool congested;		/* TRY_AGAIN: wait for the retry timer */
	struct loop_timer *retry;
	uint8_t *sendbuf;
	size_t sendcap;
	size_t chunk;
	struct cluster_stats tot;	/* counters over all groups */
	/* Option shared-stream: every log's messages in one CPG group. */
	bool shared;
	struct cl_stream *s;
	struct group *graveyard;	/* left during the stream's dispatch */
};

int cluster_cs_to_errno(cs_error_t e);
const char *cluster_connect_hint(int err);
int cluster_init_errno(cs_error_t e, int err);
/* cluster.c: a CPG confchg's lists as a csync_event (at most
 * CPG_MEMBERS_MAX each), or -ECONNRESET when our own process left. */
struct cluster_cpg_event {
	uint32_t members[CPG_MEMBERS_MAX];
	struct csync_node left[CPG_MEMBERS_MAX], joined[CPG_MEMBERS_MAX];
	struct csync_event ev;
};
int cluster_event_of(const struct cluster *cl, struct cluster_cpg_event *ce,
		     const struct cpg_address *ml, size_t nm,
		     const struct cpg_address *ll, size_t nl,
		     const struct cpg_address *jl, size_t nj);
/* cluster.c: append node id to buf at offset o (after a space if sp),
 * truncated at len; the new offset. */
size_t cluster_fmt_id(char *buf, size_t len, size_t o, uint32_t id, bool sp);
/* cluster.c: a membership change of g's log (its CPG group's confchg, or
 * one derived from the shared stream). */
void cluster_group_confchg(struct group *g, const struct csync_event *ev);
/* cluster.c, for cluster_stream.c: the stream is joined (groups waiting
 * for it connect now), lost (every group starts over), or dispatched
 * (groups that left or want to rejoin are handled now). */
void cluster_groups_kick(struct cluster *cl);
void cluster_groups_lost(struct cluster *cl, const char *why);
void cluster_groups_after_dispatch(struct cluster *cl);

/* cluster_stream.c (shared-stream) */
int cluster_stream_new(struct cluster *cl);
void cluster_stream_free(struct cluster *cl);
/* Joined: logs may join.  Else start connecting (if not already) and
 * return false; cluster_groups_kick() follows once joined. */
bool cluster_stream_ready(struct cluster *cl);
bool cluster_stream_joined(const struct cluster *cl);	/* no connect */
bool cluster_stream_dispatching(const struct cluster *cl);
void cluster_stream_add(struct group *g);	/* uuid hash */
void cluster_stream_del(struct group *g);
/* Queue the log's JOIN (a new incarnation) or, if one was sent, LEAVE. */
int cluster_stream_join_log(struct group *g);
void cluster_stream_leave_log(struct group *g);
/* One message of g into the outgoing bundle: 1, 0 (congested), -errno. */
int cluster_stream_mcast(struct group *g, const struct iovec *iov,
			 unsigned n);
/* Send the bundles (end of every loop iteration). */
void cluster_stream_flush(struct cluster *cl);
/* The stream's CPG group name ("cmirrord-stream:" + cpg-prefix). */
int cluster_stream_name(const struct cluster *cl, struct cpg_name *name);
/* Without the option: members of g's log (ev) that are in the stream's
 * group run with it, and never send on the log's group; logged when their
 * number changes, counted in g->st.stream_peers. */
void cluster_stream_peers_check(struct group *g, const struct csync_event *ev);
/* With the option: a confchg of g's own group (ev).  The log joins the
 * stream's view of it only once its own group has no member outside the
 * stream (such a node serves the log there; counted in
 * g->st.pergroup_peers, logged while the log waits for them). */
void cluster_stream_own_change(struct group *g, const struct csync_event *ev);

/* cluster.c: leave and join g again after the dispatch (or the stream's)
 * under way; why: a static string for the log. */
void cluster_want_rejoin(struct group *g, const char *why);

/* cluster_io.c */
/* g has something to send (ops, acknowledgements, a snapshot): the
 * before-sleep hook visits only such groups, until nothing is left. */
void cluster_io_want_flush(struct group *g);
/* group_transport.submit: queue an op for the next batch. */
int cluster_io_submit(struct group *g, uint64_t tag, uint32_t type,
		      const uint64_t *words, uint32_t nwords);
/* The before-sleep hook's work: send what the queued groups hold. */
void cluster_io_flush_queued(struct cluster *cl);
/* CS_ERR_TRY_AGAIN: hold all sending until the retry timer. */
void cluster_io_congested(struct cluster *cl);
/* Drop the outgoing queue (rejoin, leave). */
void cluster_io_drop_out(struct group *g);
void cluster_io_deliver(struct group *g, uint32_t nodeid, const uint8_t *msg,
			size_t len);
/* At a confchg: drop partial checkpoints (and MERGE_INs whose sender
 * left), our unsent checkpoint, and, if `queue`, the joiner queue. */
void cluster_io_confchg(struct group *g, bool queue);
/* Drop all receive state and outgoing snapshots (not queued ops). */
void cluster_io_reset(struct group *g);
void cluster_io_free_all(struct group *g);
void cluster_opq_init(struct cl_opq *q);
void cluster_opq_clear(struct cl_opq *q);
void cluster_opq_push(struct cl_opq *q, struct cl_op *op);
struct cl_op *cluster_opq_pop(struct cl_opq *q);
/* 1 sent (or queued in this iteration's bundle), 0 congested, -errno. */
int cluster_io_mcast(struct group *g, const struct iovec *iov, unsigned n);
/* cluster_io.c: one of our messages went out on the handle whose send
 * times f holds; a message from nodeid/pid was delivered on it (ours: its
 * time in flight goes to cl->tot.order). */
void cluster_io_sent(struct lat_fifo *f);
void cluster_io_seen(struct cluster *cl, struct lat_fifo *f, uint32_t nodeid,
		     uint32_t pid);
void cluster_io_hdr(const struct group *g, struct wire_hdr *h, uint64_t view);
/* One op in group order (the transport's ACKs are handled here). */
void cluster_io_deliver_op(struct group *g, uint32_t origin, uint64_t tag,
			   uint32_t type, const uint64_t *words,
			   uint32_t nwords);

/* cluster_xfer.c */
/* Multicast a snapshot of the replica as CKPT or MERGE_IN chunks. */
int cluster_xfer_start_snapshot(struct group *g, uint16_t kind);
/* Send chunks of s within *budget; 1 finished, 0 not yet, -errno. */
int cluster_xfer_send(struct group *g, struct cl_out_snap *s, int *budget);
void cluster_xfer_free_snap(struct cl_out_snap **sp);
void cluster_xfer_free_rx(struct cl_rx *rx);
void cluster_xfer_recv_chunk(struct group *g, uint32_t nodeid,
			     const uint8_t *msg, size_t len);
/* Before joining: prepare (and touch) room for the checkpoint's expected
 * size; released once the replica is installed or initialised, or on
 * reset. */
void cluster_xfer_reserve(struct group *g);
void cluster_xfer_release_reserve(struct group *g);

/* cluster_stable.c */
/* Quorate with quorum = require, and (ring_check) confirmed for a ring
 * after `ring`. */
bool cluster_quorate_since(const struct cluster *cl, bool ring_check,
			   uint64_t ring);
/* The node may change state now: quorate, past every member loss. */
bool cluster_quorate_now(const struct cluster *cl);
void cluster_stable_own(struct group *g, uint64_t tag);	/* our op delivered */
void cluster_stable_note(struct group *g, uint32_t origin, uint64_t tag);
void cluster_stable_recv_ack(struct group *g, uint32_t from,
			     const uint64_t *words, uint32_t nwords);
/* After a confchg (g->sync.members updated); node_down: a member's node
 * left the ring (old_ring, the ring before), not just its process. */
void cluster_stable_confchg(struct group *g, bool node_down,
			    uint64_t old_ring);
void cluster_stable_check(struct group *g);	/* after a quorum notification */
/* The checkpoint for the current membership is complete: `joiners` hold
 * every op delivered before the last confchg. */
void cluster_stable_joiners_synced(struct group *g,
				   const struct wire_nodes *joiners);
int cluster_stable_flush_acks(struct group *g);	/* into g->out */
void cluster_stable_reset(struct group *g);

#endif
