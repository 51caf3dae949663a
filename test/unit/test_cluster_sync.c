/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the sync-protocol decisions (daemons/cmirrord/
 * cluster_sync.c): each test feeds several members the same ordered
 * confchgs and messages and checks they decide consistently.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cluster_sync.h"

#define JOIN	1u	/* CPG_REASON_JOIN */
#define LEAVE	2u
#define DOWN	3u	/* CPG_REASON_NODEDOWN */
#define UP	4u	/* CPG_REASON_NODEUP */

/* Build and apply a confchg at one member.  Lists end with 0. */
static struct csync_actions cc(struct csync *s, const uint32_t *m,
			       const uint32_t *l, const uint32_t *j,
			       uint32_t reason)
{
	struct csync_node left[16], joined[16];
	struct csync_event ev = { m, 0, left, 0, joined, 0 };
	struct csync_actions a;

	while (m[ev.nmembers])
		ev.nmembers++;
	for (; l && l[ev.nleft]; ev.nleft++)
		left[ev.nleft] = (struct csync_node){ l[ev.nleft],
			reason == UP ? DOWN : reason == JOIN ? LEAVE : reason };
	for (; j && j[ev.njoined]; ev.njoined++)
		joined[ev.njoined] = (struct csync_node){ j[ev.njoined],
							  reason };
	assert_int_equal(csync_confchg(s, &ev, &a), 0);
	return a;
}

static struct wire_nodes set(const uint32_t *ids)
{
	struct wire_nodes s = { 0 };

	while (*ids)
		csync_add(&s, *ids++);
	return s;
}

static void test_cluster_sync_single_node_inits_fresh(void **state)
{
	struct csync s;
	struct csync_actions a;

	csync_init(&s, 5);
	a = cc(&s, (uint32_t[]){ 5, 0 }, NULL, (uint32_t[]){ 5, 0 }, JOIN);
	assert_true(a.init_fresh);
	assert_true(a.synced);
	assert_false(a.send_ckpt);
	assert_int_equal(s.state, CSYNC_SYNCED);
	assert_true(csync_may_send_ops(&s));
	assert_int_equal(csync_op(&s, 5), CSYNC_DELIVER);
	assert_int_equal(csync_op(&s, 6), CSYNC_DROP);
}

/* The old daemon deadlocked when two nodes joined an empty group at once. */
static void test_cluster_sync_two_new_nodes_lowest_inits(void **state)
{
	struct csync a1, a2;
	struct csync_actions x, y;
	const uint32_t m[] = { 2, 1, 0 };
	struct wire_nodes tag = set(m);

	csync_init(&a1, 1);
	csync_init(&a2, 2);
	x = cc(&a1, m, NULL, m, JOIN);
	y = cc(&a2, m, NULL, m, JOIN);
	assert_true(x.init_fresh);
	assert_true(x.send_ckpt);
	assert_false(y.init_fresh);
	assert_false(y.send_ckpt);
	assert_int_equal(a2.state, CSYNC_UNSYNCED);
	assert_false(csync_may_send_ops(&a2));
	/* Node 1's ops go to node 2's replay queue meanwhile. */
	assert_int_equal(csync_op(&a2, 1), CSYNC_QUEUE);
	assert_int_equal(csync_op(&a1, 2), CSYNC_DROP);
	assert_int_equal(csync_ckpt_done(&a2, 1, &tag), CSYNC_INSTALL);
	csync_installed(&a2, true);
	assert_int_equal(csync_ckpt_done(&a1, 1, &tag), CSYNC_SEEN);
	assert_true(wire_nodes_equal(&a1.synced, &a2.synced));
	assert_int_equal(a1.synced.n, 2);
	assert_int_equal(csync_op(&a1, 2), CSYNC_DELIVER);
}

/* Three synced members; node 4 joins: only the lowest sends. */
static void setup3(struct csync *n)
{
	const uint32_t m[] = { 1, 2, 3, 0 };
	struct wire_nodes tag;

	csync_init(&n[1], 1);
	csync_init(&n[2], 2);
	csync_init(&n[3], 3);
	cc(&n[1], (uint32_t[]){ 1, 0 }, NULL, (uint32_t[]){ 1, 0 }, JOIN);
	cc(&n[1], (uint32_t[]){ 1, 2, 0 }, NULL, (uint32_t[]){ 2, 0 }, JOIN);
	cc(&n[2], (uint32_t[]){ 1, 2, 0 }, NULL, (uint32_t[]){ 2, 0 }, JOIN);
	tag = set((uint32_t[]){ 1, 2, 0 });
	assert_int_equal(csync_ckpt_done(&n[1], 1, &tag), CSYNC_SEEN);
	assert_int_equal(csync_ckpt_done(&n[2], 1, &tag), CSYNC_INSTALL);
	csync_installed(&n[2], true);
	for (int i = 1; i <= 3; i++)
		cc(&n[i], m, NULL, (uint32_t[]){ 3, 0 }, JOIN);
	tag = set(m);
	assert_int_equal(csync_ckpt_done(&n[1], 1, &tag), CSYNC_SEEN);
	assert_int_equal(csync_ckpt_done(&n[2], 1, &tag), CSYNC_SEEN);
	assert_int_equal(csync_ckpt_done(&n[3], 1, &tag), CSYNC_INSTALL);
	csync_installed(&n[3], true);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(n[i].synced.n, 3);
}

static void test_cluster_sync_joiner_gets_one_checkpoint(void **state)
{
	struct csync n[5];
	struct csync_actions a[5];
	const uint32_t m[] = { 1, 2, 3, 4, 0 };
	struct wire_nodes tag = set(m);

	setup3(n);
	csync_init(&n[4], 4);
	for (int i = 1; i <= 4; i++)
		a[i] = cc(&n[i], m, NULL, (uint32_t[]){ 4, 0 }, JOIN);
	assert_true(a[1].send_ckpt);
	assert_false(a[2].send_ckpt);
	assert_false(a[3].send_ckpt);
	assert_false(a[4].send_ckpt);
	assert_false(a[4].init_fresh);
	assert_true(a[4].reset_rx);
	assert_true(a[2].synced);
	/* The joiner is not in the synced set until the checkpoint lands. */
	assert_int_equal(csync_op(&n[2], 4), CSYNC_DROP);
	assert_int_equal(csync_ckpt_done(&n[4], 1, &tag), CSYNC_INSTALL);
	csync_installed(&n[4], true);
	for (int i = 1; i <= 3; i++)
		assert_int_equal(csync_ckpt_done(&n[i], 1, &tag), CSYNC_SEEN);
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(n[i].synced.n, 4);
		assert_int_equal(csync_op(&n[i], 4), CSYNC_DELIVER);
	}
}

static void test_cluster_sync_stale_checkpoint_ignored(void **state)
{
	struct csync n[6];
	struct csync_actions a;
	const uint32_t m4[] = { 1, 2, 3, 4, 0 }, m5[] = { 1, 2, 3, 4, 5, 0 };
	struct wire_nodes old = set(m4), cur = set(m5);

	setup3(n);
	csync_init(&n[4], 4);
	csync_init(&n[5], 5);
	for (int i = 1; i <= 4; i++)
		cc(&n[i], m4, NULL, (uint32_t[]){ 4, 0 }, JOIN);
	/* Node 5 joins before node 1's checkpoint completes. */
	for (int i = 1; i <= 5; i++) {
		a = cc(&n[i], m5, NULL, (uint32_t[]){ 5, 0 }, JOIN);
		assert_int_equal(a.send_ckpt, i == 1);
	}
	assert_int_equal(csync_ckpt_done(&n[4], 1, &old), CSYNC_DROP);
	assert_int_equal(csync_ckpt_done(&n[2], 1, &old), CSYNC_DROP);
	assert_int_equal(n[2].synced.n, 3);
	assert_int_equal(csync_ckpt_done(&n[4], 1, &cur), CSYNC_INSTALL);
	assert_int_equal(csync_ckpt_done(&n[5], 1, &cur), CSYNC_INSTALL);
	assert_int_equal(csync_ckpt_done(&n[2], 1, &cur), CSYNC_SEEN);
	assert_int_equal(n[2].synced.n, 5);
}

static void test_cluster_sync_leave_calls_node_lost_in_order(void **state)
{
	struct csync n[4];
	struct csync_actions a;

	setup3(n);
	/* Nodes 3 and 1 die together; node 2 is the lowest synced now. */
	a = cc(&n[2], (uint32_t[]){ 2, 0 }, (uint32_t[]){ 3, 1, 0 }, NULL,
	       DOWN);
	assert_int_equal(a.lost.n, 2);
	assert_int_equal(a.lost.id[0], 1);
	assert_int_equal(a.lost.id[1], 3);
	assert_true(a.synced);
	assert_false(a.send_ckpt);
	assert_int_equal(n[2].synced.n, 1);
	assert_int_equal(csync_op(&n[2], 1), CSYNC_DROP);
}

/* Unsynced nodes never call node_lost: the checkpoint carries it. */
static void test_cluster_sync_joiner_inits_when_holders_vanish(void **state)
{
	struct csync n[4];
	struct csync_actions a;

	csync_init(&n[1], 1);
	csync_init(&n[3], 3);
	csync_init(&n[2], 2);
	cc(&n[1], (uint32_t[]){ 1, 0 }, NULL, (uint32_t[]){ 1, 0 }, JOIN);
	/* 3 joins, then 2 joins, before any checkpoint completes. */
	cc(&n[1], (uint32_t[]){ 1, 3, 0 }, NULL, (uint32_t[]){ 3, 0 }, JOIN);
	cc(&n[3], (uint32_t[]){ 1, 3, 0 }, NULL, (uint32_t[]){ 3, 0 }, JOIN);
	for (int i = 1; i <= 3; i++)
		cc(&n[i], (uint32_t[]){ 1, 2, 3, 0 }, NULL,
		   (uint32_t[]){ 2, 0 }, JOIN);
	/* Node 1, the only holder, dies.  Node 2 is lower but cannot know
	 * node 3 is unsynced; node 3 knows everyone left is. */
	a = cc(&n[2], (uint32_t[]){ 2, 3, 0 }, (uint32_t[]){ 1, 0 }, NULL,
	       DOWN);
	assert_false(a.init_fresh);
	assert_int_equal(a.lost.n, 0);
	a = cc(&n[3], (uint32_t[]){ 2, 3, 0 }, (uint32_t[]){ 1, 0 }, NULL,
	       DOWN);
	assert_true(a.init_fresh);
	assert_true(a.send_ckpt);
	assert_int_equal(n[3].state, CSYNC_SYNCED);
	assert_int_equal(csync_op(&n[2], 3), CSYNC_QUEUE);
}

static void test_cluster_sync_install_failure_rejoins(void **state)
{
	struct csync s;
	const uint32_t m[] = { 1, 2, 0 };
	struct wire_nodes tag = set(m);

	csync_init(&s, 2);
	cc(&s, m, NULL, (uint32_t[]){ 2, 0 }, JOIN);
	assert_int_equal(csync_ckpt_done(&s, 1, &tag), CSYNC_INSTALL);
	csync_installed(&s, false);
	assert_int_equal(s.state, CSYNC_REJOIN);
	assert_int_equal(csync_op(&s, 1), CSYNC_DROP);
	csync_reset(&s);
	assert_int_equal(s.state, CSYNC_NEW);
	assert_int_equal(s.me, 2);
}

/* Partitions {1,2} and {3,4} merge: the side with node 1 stays. */
static void test_cluster_sync_merge_lower_side_stays(void **state)
{
	struct csync n[5];
	struct csync_actions a[5];
	const uint32_t all[] = { 1, 2, 3, 4, 0 };
	struct wire_nodes tag = set(all);

	setup3(n);
	csync_init(&n[4], 4);
	for (int i = 1; i <= 4; i++)
		cc(&n[i], all, NULL, (uint32_t[]){ 4, 0 }, JOIN);
	for (int i = 1; i <= 3; i++)
		csync_ckpt_done(&n[i], 1, &tag);
	csync_ckpt_done(&n[4], 1, &tag);
	csync_installed(&n[4], true);
	/* Split. */
	cc(&n[1], (uint32_t[]){ 1, 2, 0 }, (uint32_t[]){ 3, 4, 0 }, NULL, DOWN);
	cc(&n[2], (uint32_t[]){ 1, 2, 0 }, (uint32_t[]){ 3, 4, 0 }, NULL, DOWN);
	a[3] = cc(&n[3], (uint32_t[]){ 3, 4, 0 }, (uint32_t[]){ 1, 2, 0 }, NULL,
		  DOWN);
	cc(&n[4], (uint32_t[]){ 3, 4, 0 }, (uint32_t[]){ 1, 2, 0 }, NULL, DOWN);
	assert_int_equal(a[3].lost.n, 2);
	assert_int_equal(n[3].synced.n, 2);
	/* Merge. */
	a[1] = cc(&n[1], all, NULL, (uint32_t[]){ 3, 4, 0 }, UP);
	a[2] = cc(&n[2], all, NULL, (uint32_t[]){ 3, 4, 0 }, UP);
	a[3] = cc(&n[3], all, NULL, (uint32_t[]){ 1, 2, 0 }, UP);
	a[4] = cc(&n[4], all, NULL, (uint32_t[]){ 1, 2, 0 }, UP);
	assert_true(a[1].merge && !a[1].merge_out);
	assert_false(a[1].send_ckpt);	/* deferred while merging */
	assert_true(a[3].merge_out && a[3].send_merge_in);
	assert_true(a[4].merge_out && !a[4].send_merge_in);
	assert_false(a[3].synced);
	assert_int_equal(csync_op(&n[1], 3), CSYNC_DROP);
	assert_int_equal(csync_op(&n[3], 1), CSYNC_DROP);
	/* Node 3's MERGE_IN is delivered everywhere. */
	assert_int_equal(csync_merge_done(&n[1], 3), CSYNC_FOLD);
	assert_int_equal(csync_merge_done(&n[2], 3), CSYNC_FOLD);
	assert_int_equal(csync_merge_done(&n[3], 3), CSYNC_LEAVE);
	assert_int_equal(csync_merge_done(&n[4], 3), CSYNC_LEAVE);
	assert_int_equal(n[4].state, CSYNC_REJOIN);
	/* 3 leaves: still waiting for 4; then 4 leaves; then both rejoin. */
	a[1] = cc(&n[1], (uint32_t[]){ 1, 2, 4, 0 }, (uint32_t[]){ 3, 0 },
		  NULL, LEAVE);
	assert_false(a[1].send_ckpt);
	assert_int_equal(a[1].lost.n, 0);
	a[1] = cc(&n[1], (uint32_t[]){ 1, 2, 0 }, (uint32_t[]){ 4, 0 }, NULL,
		  LEAVE);
	assert_false(a[1].send_ckpt);
	a[1] = cc(&n[1], all, NULL, (uint32_t[]){ 3, 4, 0 }, JOIN);
	assert_true(a[1].send_ckpt);
	assert_false(a[1].merge);
}

static void test_cluster_sync_merge_sender_replaced(void **state)
{
	struct csync s;
	struct csync_actions a;

	csync_init(&s, 4);
	s.state = CSYNC_SYNCED;
	s.members = set((uint32_t[]){ 3, 4, 0 });
	s.synced = s.members;
	a = cc(&s, (uint32_t[]){ 1, 3, 4, 0 }, NULL, (uint32_t[]){ 1, 0 }, UP);
	assert_true(a.merge_out);
	assert_false(a.send_merge_in);
	assert_int_equal(s.merge_sender, 3);
	/* Node 3 dies before its MERGE_IN completed: we send it. */
	a = cc(&s, (uint32_t[]){ 1, 4, 0 }, (uint32_t[]){ 3, 0 }, NULL, DOWN);
	assert_true(a.send_merge_in);
	assert_int_equal(s.merge_sender, 4);
	assert_int_equal(csync_merge_done(&s, 3), CSYNC_DROP);
	assert_int_equal(csync_merge_done(&s, 4), CSYNC_LEAVE);
}

static void test_cluster_sync_unsynced_on_losing_side_rejoins(void **state)
{
	struct csync s;
	struct csync_actions a;

	csync_init(&s, 4);
	cc(&s, (uint32_t[]){ 3, 4, 0 }, NULL, (uint32_t[]){ 4, 0 }, JOIN);
	a = cc(&s, (uint32_t[]){ 1, 3, 4, 0 }, NULL, (uint32_t[]){ 1, 0 }, UP);
	assert_true(a.rejoin);
	assert_int_equal(s.state, CSYNC_REJOIN);
}

static void test_cluster_sync_too_many_members(void **state)
{
	struct csync s;
	uint32_t m[WIRE_MAX_MEMBERS + 1];
	struct csync_event ev = { m, WIRE_MAX_MEMBERS + 1, NULL, 0, NULL, 0 };
	struct csync_actions a;

	for (uint32_t i = 0; i <= WIRE_MAX_MEMBERS; i++)
		m[i] = i + 1;
	csync_init(&s, 1);
	assert_int_equal(csync_confchg(&s, &ev, &a), -E2BIG);
	assert_int_equal(s.state, CSYNC_NEW);
	/* Duplicates (a stale process of a node) count once. */
	for (uint32_t i = 0; i <= WIRE_MAX_MEMBERS; i++)
		m[i] = 1 + i % 2;
	assert_int_equal(csync_confchg(&s, &ev, &a), 0);
	assert_int_equal(s.members.n, 2);
}

static void test_cluster_sync_set_helpers(void **state)
{
	struct wire_nodes s = { 0 }, w = set((uint32_t[]){ 2, 9, 0 });
	char buf[32];

	assert_int_equal(csync_add(&s, 9), 0);
	assert_int_equal(csync_add(&s, 2), 0);
	assert_int_equal(csync_add(&s, 5), 0);
	assert_int_equal(csync_add(&s, 5), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.id[0], 2);
	assert_int_equal(s.id[2], 9);
	csync_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, "2 5 9");
	csync_intersect(&s, &w);
	assert_true(wire_nodes_equal(&s, &w));
	csync_del(&s, 2);
	assert_false(csync_has(&s, 2));
	assert_true(csync_has(&s, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_sync_single_node_inits_fresh),
		cmocka_unit_test(test_cluster_sync_two_new_nodes_lowest_inits),
		cmocka_unit_test(test_cluster_sync_joiner_gets_one_checkpoint),
		cmocka_unit_test(test_cluster_sync_stale_checkpoint_ignored),
		cmocka_unit_test(test_cluster_sync_leave_calls_node_lost_in_order),
		cmocka_unit_test(test_cluster_sync_joiner_inits_when_holders_vanish),
		cmocka_unit_test(test_cluster_sync_install_failure_rejoins),
		cmocka_unit_test(test_cluster_sync_merge_lower_side_stays),
		cmocka_unit_test(test_cluster_sync_merge_sender_replaced),
		cmocka_unit_test(test_cluster_sync_unsynced_on_losing_side_rejoins),
		cmocka_unit_test(test_cluster_sync_too_many_members),
		cmocka_unit_test(test_cluster_sync_set_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
