/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the stability of our own ops (daemons/cmirrord/
 * cluster_stable.c): a flagged op is reported stable only when every other
 * member acknowledged it, or left while quorum is confirmed for a later
 * ring.  The group is a bare struct; quorum, the loop, logging and the
 * outgoing queue are stubs.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster_int.h"
#include "logging.h"
#include "quorum.h"

/* ---- stubs ---- */
static uint64_t fake_qring;	/* ring of the last quorum notification */
static struct cl_op *pushed[16];
static size_t npushed;
static uint64_t stable_tags[16];
static size_t nstable;

void log_msg(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

void loop_wake(struct loop *lp)
{
	(void)lp;
}

bool quorum_mon_confirms_after(const struct quorum_mon *q, uint64_t ring)
{
	(void)q;
	return fake_qring > ring;
}

static struct group *flush_wanted;	/* last cluster_io_want_flush() */

void cluster_io_want_flush(struct group *g)
{
	flush_wanted = g;
}

void cluster_want_rejoin(struct group *g, const char *why)
{
	g->want_rejoin = true;
	g->rejoin_why = why;
}

void cluster_opq_push(struct cl_opq *q, struct cl_op *op)
{
	(void)q;
	assert_true(npushed < 16);
	pushed[npushed++] = op;
}

static void fk_stable(void *ctx, uint64_t tag)
{
	(void)ctx;
	assert_true(nstable < 16);
	stable_tags[nstable++] = tag;
}

static const struct group_core_ops fk_ops = { .stable = fk_stable };

/* ---- fixture ---- */
struct fx {
	struct cmirrord_opts o;
	struct cluster cl;
	struct group g;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->o.require_quorum = true;
	f->cl.o = &f->o;
	f->cl.node = 1;
	f->cl.quorate = true;
	f->g.cl = &f->cl;
	f->g.ops = &fk_ops;
	for (uint32_t n = 1; n <= 3; n++)
		csync_add(&f->g.sync.members, n);
	f->g.ring.seq = 20;
	fake_qring = 20;
	npushed = nstable = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cluster_stable_reset(&f->g);
	for (size_t i = 0; i < npushed; i++)
		free(pushed[i]);
	free(f);
	return 0;
}

static void ack(struct group *g, uint32_t from, uint32_t origin, uint64_t tag)
{
	uint64_t w[2] = { origin, tag };

	cluster_stable_recv_ack(g, from, w, 2);
}

/* Members 2 and 3 leave the group and the CPG membership. */
static void lose_2_3(struct group *g, bool node_down)
{
	g->sync.members.n = 0;
	csync_add(&g->sync.members, 1);
	cluster_stable_confchg(g, node_down, g->ring.seq);
}

/* ---- tests ---- */
static void test_stable_after_every_member_acks(void **state)
{
	struct fx *f = *state;

	cluster_stable_own(&f->g, 7);
	assert_int_equal(nstable, 0);
	ack(&f->g, 2, 1, 7);
	assert_int_equal(nstable, 0);
	ack(&f->g, 3, 1, 9);	/* a later tag covers ours (FIFO origin) */
	assert_int_equal(nstable, 1);
	assert_int_equal(stable_tags[0], 7);
	assert_null(f->g.waits);
}

static void test_ack_for_older_tag_or_other_origin_does_not_count(void **state)
{
	struct fx *f = *state;

	cluster_stable_own(&f->g, 7);
	ack(&f->g, 2, 1, 6);	/* older op of ours */
	ack(&f->g, 2, 3, 7);	/* node 3's op 7, not ours */
	ack(&f->g, 3, 1, 7);
	assert_int_equal(nstable, 0);
	ack(&f->g, 2, 1, 7);
	assert_int_equal(nstable, 1);
}

/* The partition case: the others are gone without acknowledging.  Only a
 * quorum verdict for a ring after the break may release the answer. */
static void test_node_down_waits_for_quorum_of_a_later_ring(void **state)
{
	struct fx *f = *state;

	cluster_stable_own(&f->g, 7);
	lose_2_3(&f->g, true);
	assert_int_equal(nstable, 0);	/* "quorate" is still ring 20's */
	fake_qring = 24;
	f->cl.quorate = false;		/* the new ring's verdict: no */
	cluster_stable_check(&f->g);
	assert_int_equal(nstable, 0);
	f->cl.quorate = true;		/* merged back, quorate again */
	fake_qring = 28;
	cluster_stable_check(&f->g);
	assert_int_equal(nstable, 1);
}

/* The quorum notification of the new ring may come before the confchg. */
static void test_node_down_with_verdict_already_in(void **state)
{
	struct fx *f = *state;

	cluster_stable_own(&f->g, 7);
	fake_qring = 24;	/* quorate, ring 24: notified first */
	lose_2_3(&f->g, true);
	assert_int_equal(nstable, 1);
}

/* A process leaving the group does not break the ring: no quorum wait. */
static void test_process_leave_needs_no_ring(void **state)
{
	struct fx *f = *state;

	cluster_stable_own(&f->g, 7);
	ack(&f->g, 2, 1, 7);
	f->g.sync.members.n = 0;
	csync_add(&f->g.sync.members, 1);
	csync_add(&f->g.sync.members, 2);
	cluster_stable_confchg(&f->g, false, f->g.ring.seq);
	assert_int_equal(nstable, 1);
}

static void test_inquorate_holds_until_quorate(void **state)
{
	struct fx *f = *state;

	f->cl.quorate = false;
	cluster_stable_own(&f->g, 7);
	ack(&f->g, 2, 1, 7);
	ack(&f->g, 3, 1, 7);
	assert_int_equal(nstable, 0);
	f->cl.quorate = true;
	cluster_stable_check(&f->g);
	assert_int_equal(nstable, 1);
}

static void test_quorum_ignore_needs_no_verdict(void **state)
{
	struct fx *f = *state;

	f->o.require_quorum = false;
	f->cl.quorate = false;
	cluster_stable_own(&f->g, 7);
	lose_2_3(&f->g, true);
	assert_int_equal(nstable, 1);
}

static void test_alone_is_stable_at_delivery(void **state)
{
	struct fx *f = *state;

	f->g.sync.members.n = 0;
	csync_add(&f->g.sync.members, 1);
	cluster_stable_own(&f->g, 3);
	assert_int_equal(nstable, 1);
}

static void test_floor_makes_stale_quorum_count_as_no(void **state)
{
	struct fx *f = *state;

	assert_true(cluster_quorate_now(&f->cl));
	f->cl.floor_set = true;
	f->cl.ring_floor = 20;
	assert_false(cluster_quorate_now(&f->cl));
	fake_qring = 24;
	assert_true(cluster_quorate_now(&f->cl));
}

/*
 * An op we sent just before a break we had not noticed yet is delivered by
 * corosync after the confchg, into our reduced membership: nobody left to
 * acknowledge it and nobody "left" during its wait.  Until a quorum verdict
 * for a ring after the break, the old ring's "quorate" must not answer it
 * (seen in the soak: a partitioned node answered a FLUSH whose marks the
 * majority never had, and its regions were reported in sync).
 */
static void test_op_delivered_after_node_down_waits_for_new_verdict(void **state)
{
	struct fx *f = *state;

	f->cl.floor_set = true;		/* cluster.c, at the node-down confchg */
	f->cl.ring_floor = f->g.ring.seq;
	lose_2_3(&f->g, true);
	cluster_stable_own(&f->g, 11);
	assert_int_equal(nstable, 0);	/* "quorate" is still ring 20's */
	fake_qring = 24;
	f->cl.quorate = false;		/* the new ring's verdict: no */
	cluster_stable_check(&f->g);
	assert_int_equal(nstable, 0);
	fake_qring = 28;
	f->cl.quorate = true;		/* the next ring is quorate */
	cluster_stable_check(&f->g);
	assert_int_equal(nstable, 1);
	assert_int_equal(stable_tags[0], 11);
}

/* One ACK op per batch, the highest tag per origin. */
static void test_acks_batched_highest_per_origin(void **state)
{
	struct fx *f = *state;
	struct cl_op *op;

	flush_wanted = NULL;
	cluster_stable_note(&f->g, 2, 5);
	/* Else the before-sleep hook never visits the group to send it. */
	assert_ptr_equal(flush_wanted, &f->g);
	cluster_stable_note(&f->g, 2, 9);
	cluster_stable_note(&f->g, 3, 4);
	assert_int_equal(cluster_stable_flush_acks(&f->g), 0);
	assert_int_equal(npushed, 1);
	op = pushed[0];
	assert_int_equal(op->type, GROUP_OP_ACK);
	assert_int_equal(op->origin, 1);
	assert_int_equal(op->nwords, 4);
	for (uint32_t i = 0; i < 4; i += 2) {
		if (op->words[i] == 2)
			assert_int_equal(op->words[i + 1], 9);
		else if (op->words[i] == 3)
			assert_int_equal(op->words[i + 1], 4);
		else
			fail_msg("unexpected origin %" PRIu64, op->words[i]);
	}
	assert_int_equal(cluster_stable_flush_acks(&f->g), 0);
	assert_int_equal(npushed, 1);	/* nothing new to acknowledge */
}

/* More origins than fit one op: several ops, none lost. */
static void test_acks_split_over_ops(void **state)
{
	struct fx *f = *state;
	size_t pairs = 0;

	for (uint32_t n = 2; n < 2 + 30; n++)
		cluster_stable_note(&f->g, n, n * 10);
	assert_int_equal(cluster_stable_flush_acks(&f->g), 0);
	assert_int_equal(npushed, 2);
	for (size_t i = 0; i < npushed; i++) {
		assert_true(pushed[i]->nwords <= GROUP_MAX_OP_WORDS);
		for (uint32_t k = 0; k < pushed[i]->nwords; k += 2) {
			assert_int_equal(pushed[i]->words[k + 1],
					 pushed[i]->words[k] * 10);
			pairs++;
		}
	}
	assert_int_equal(pairs, 30);
}

/* Node 3 joins ([1 3]); our op 7 is delivered, node 3 queues it; node 2
 * joins too ([1 2 3]) before node 3 installed anything: node 3 discards its
 * queue and never acknowledges 7.  The checkpoint for [1 2 3] holds 7: once
 * it is complete, 7 is stable.  Op 8, delivered after that confchg, still
 * waits for the joiners' acknowledgements (they replay it from their
 * queues). */
static void test_checkpoint_covers_what_joiners_discarded(void **state)
{
	struct fx *f = *state;
	struct wire_nodes joiners = { .n = 0 };

	f->g.sync.members.n = 0;
	csync_add(&f->g.sync.members, 1);
	csync_add(&f->g.sync.members, 3);
	cluster_stable_confchg(&f->g, false, f->g.ring.seq);
	cluster_stable_own(&f->g, 7);
	csync_add(&f->g.sync.members, 2);
	cluster_stable_confchg(&f->g, false, f->g.ring.seq);
	cluster_stable_own(&f->g, 8);
	assert_int_equal(nstable, 0);
	csync_add(&joiners, 2);
	csync_add(&joiners, 3);
	cluster_stable_joiners_synced(&f->g, &joiners);
	assert_int_equal(nstable, 1);
	assert_int_equal(stable_tags[0], 7);
	ack(&f->g, 2, 1, 8);
	assert_int_equal(nstable, 1);
	ack(&f->g, 3, 1, 8);
	assert_int_equal(nstable, 2);
	assert_int_equal(stable_tags[1], 8);
}

static void test_reset_forgets_waits(void **state)
{
	struct fx *f = *state;

	cluster_stable_own(&f->g, 7);
	cluster_stable_note(&f->g, 2, 5);
	cluster_stable_reset(&f->g);
	assert_null(f->g.waits);
	ack(&f->g, 2, 1, 7);
	ack(&f->g, 3, 1, 7);
	assert_int_equal(nstable, 0);
	assert_int_equal(cluster_stable_flush_acks(&f->g), 0);
	assert_int_equal(npushed, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stable_after_every_member_acks),
		T(test_ack_for_older_tag_or_other_origin_does_not_count),
		T(test_node_down_waits_for_quorum_of_a_later_ring),
		T(test_op_delivered_after_node_down_waits_for_new_verdict),
		T(test_node_down_with_verdict_already_in),
		T(test_process_leave_needs_no_ring),
		T(test_inquorate_holds_until_quorate),
		T(test_quorum_ignore_needs_no_verdict),
		T(test_alone_is_stable_at_delivery),
		T(test_floor_makes_stale_quorum_count_as_no),
		T(test_acks_batched_highest_per_origin),
		T(test_acks_split_over_ops),
		T(test_checkpoint_covers_what_joiners_discarded),
		T(test_reset_forgets_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
