// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stability of our own ops (GROUP_OP_F_ACKED, see group.h).
 *
 * When a ring breaks, corosync delivers the messages still in flight to
 * the survivors of each side in turn; an op of ours may then be delivered
 * here and on no other member, before the confchg that says they are gone.
 * A FLUSH answered at that point lets the kernel write regions the other
 * side never saw marked: if this node then dies (or is fenced) mid-write,
 * the survivors report them clean and in sync.  So a flagged op counts as
 * held by the group only when
 *   - every member at its delivery has delivered it too (each member
 *     multicasts GROUP_OP_ACK {origin, highest tag} for the flagged ops of
 *     others it delivered, once per loop iteration), or has left; and
 *   - if one left before acknowledging, this partition has been confirmed
 *     quorate by a quorum notification for a later ring than the one the
 *     op was delivered in (the notification may come before or after the
 *     CPG confchg; a stale "quorate" never counts);
 *   - and the node is quorate at all (with quorum = require), by a verdict
 *     for a ring after the last one that broke: an op we sent before we
 *     saw a break is delivered after the confchg, where no member is left
 *     to acknowledge it, while the last verdict is still the old ring's.
 * A member that joins later gets a checkpoint taken after the op.  A joiner
 * acknowledges the ops it replays from its queue, but a newer confchg makes
 * it discard that queue unacknowledged; the checkpoint for the newer
 * membership holds those ops, so once it is complete the joiners count as
 * having acknowledged every op delivered before that confchg (else such a
 * wait, and the kernel request behind it, would stay until they leave).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_int.h"
#include "logging.h"
#include "quorum.h"

bool cluster_quorate_since(const struct cluster *cl, bool ring_check,
			   uint64_t ring)
{
	if (!cl->o->require_quorum)
		return true;
	if (!cl->quorate)
		return false;
	return !ring_check || quorum_mon_confirms_after(cl->qm, ring);
}

bool cluster_quorate_now(const struct cluster *cl)
{
	return cluster_quorate_since(cl, cl->floor_set, cl->ring_floor);
}

void cluster_stable_check(struct group *g)
{
	struct cluster *cl = g->cl;

	/* Quorate now, first: an op sent before a break we had not seen yet
	 * is delivered after the confchg, into the reduced membership, where
	 * nobody is left to acknowledge it; until a verdict for the new ring
	 * comes, "quorate" is the old ring's (cluster.c sets the floor at
	 * that confchg). */
	if (!cluster_quorate_now(cl))
		return;
	for (struct cl_wait **pp = &g->waits; *pp && !g->dead;) {
		struct cl_wait *w = *pp;

		if (w->need.n ||
		    !cluster_quorate_since(cl, w->ring_check, w->need_ring)) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		g->st.stable++;
		g->ops->stable(g->core, w->tag);
		free(w);
		/* stable() may have added or removed waits: start over. */
		pp = &g->waits;
	}
}

void cluster_stable_own(struct group *g, uint64_t tag)
{
	struct cl_wait *w = calloc(1, sizeof(*w));

	if (!w) {
		/* Cannot track it: rejoin, the core submits it again. */
		cluster_want_rejoin(g, "out of memory for a stability wait");
		return;
	}
	w->tag = tag;
	w->epoch = g->confchgs;
	w->need = g->sync.members;
	csync_del(&w->need, g->cl->node);
	w->next = g->waits;
	g->waits = w;
	cluster_stable_check(g);
}

void cluster_stable_note(struct group *g, uint32_t origin, uint64_t tag)
{
	for (size_t i = 0; i < g->nacks; i++) {
		if (g->acks[i].origin == origin) {
			if (tag > g->acks[i].tag)
				g->acks[i].tag = tag;
			return;
		}
	}
	if (g->nacks < WIRE_MAX_MEMBERS) {
		g->acks[g->nacks].origin = origin;
		g->acks[g->nacks].tag = tag;
		g->nacks++;
	}
	cluster_io_want_flush(g);
	loop_wake(g->cl->lp);
}

void cluster_stable_recv_ack(struct group *g, uint32_t from,
			     const uint64_t *words, uint32_t nwords)
{
	bool any = false;

	for (uint32_t i = 0; i + 1 < nwords; i += 2) {
		if (words[i] != g->cl->node)
			continue;
		log_dbg("%s: node %u holds our ops up to %" PRIu64, g->name,
			from, words[i + 1]);
		for (struct cl_wait *w = g->waits; w; w = w->next) {
			if (w->tag > words[i + 1] || !csync_has(&w->need, from))
				continue;
			csync_del(&w->need, from);
			any = true;
		}
	}
	if (any)
		cluster_stable_check(g);
}

void cluster_stable_confchg(struct group *g, bool node_down,
			    uint64_t old_ring)
{
	g->confchgs++;
	for (struct cl_wait *w = g->waits; w; w = w->next) {
		uint32_t before = w->need.n;
		bool left;

		csync_intersect(&w->need, &g->sync.members);
		left = w->need.n < before;
		/* A process that left (or died) on a node still in the ring
		 * saw the same deliveries as we did, up to its leave. */
		if (left && node_down) {
			if (!w->ring_check || old_ring > w->need_ring)
				w->need_ring = old_ring;
			w->ring_check = true;
			log_dbg("%s: op %" PRIu64 " waits for quorum after ring "
				"%" PRIu64 ": a member left without acknowledging",
				g->name, w->tag, old_ring);
		}
	}
	cluster_stable_check(g);
}

void cluster_stable_joiners_synced(struct group *g,
				   const struct wire_nodes *joiners)
{
	for (struct cl_wait *w = g->waits; w; w = w->next) {
		if (w->epoch >= g->confchgs)
			continue;	/* in their queues: they acknowledge */
		for (uint32_t i = 0; i < joiners->n; i++)
			csync_del(&w->need, joiners->id[i]);
	}
	cluster_stable_check(g);
}

int cluster_stable_flush_acks(struct group *g)
{
	while (g->nacks) {
		struct cl_op *op = calloc(1, sizeof(*op));
		uint32_t n = 0;

		if (!op)
			return -ENOMEM;	/* kept: tried again next iteration */
		while (g->nacks && n + 2 <= GROUP_MAX_OP_WORDS) {
			g->nacks--;
			op->words[n++] = g->acks[g->nacks].origin;
			op->words[n++] = g->acks[g->nacks].tag;
		}
		op->origin = g->cl->node;
		op->type = GROUP_OP_ACK;
		op->nwords = n;
		cluster_opq_push(&g->out, op);
		g->out_urgent = true;
		g->st.acks_sent++;
	}
	return 0;
}

void cluster_stable_reset(struct group *g)
{
	while (g->waits) {
		struct cl_wait *w = g->waits;

		g->waits = w->next;
		free(w);
	}
	g->nacks = 0;
}
