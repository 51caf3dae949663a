// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/rlog.c: rlog_apply() request by request (marks,
 * integrated flush, recovery slots and priority, reads, status, suspend). */
#include "config.h"

#include "rlog_test_util.h"

/* ---- MARK / CLEAR / FLUSH ------------------------------------------------ */

static void test_rlog_mark_clear_nosync(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 16);
	uint64_t w[4] = { 9, 3, 9, 5 };
	const struct rlog_marks *m;
	bool d, c;

	assert_int_equal(apply(l, 1, DM_ULOG_MARK_REGION, w, 4), 0);
	assert_true(res.changed);
	assert_int_equal(l->generation, 1);
	m = marks_of(l, 1);
	assert_non_null(m);
	assert_int_equal(m->n, 3);
	assert_int_equal(m->regions[0], 3);
	assert_int_equal(m->regions[1], 5);
	assert_int_equal(m->regions[2], 9);
	assert_false(bitmap_test(&l->clean, 3));
	assert_false(bitmap_test(&l->clean, 9));
	assert_true(bitmap_test(&l->clean, 4));
	assert_true(rlog_is_marked(l, 5));
	assert_false(rlog_is_marked(l, 4));
	rlog_take_touched(l, &d, &c);
	assert_true(d);
	assert_false(c);
	rlog_take_touched(l, &d, &c);
	assert_false(d);

	/* Idempotent: the same MARK again changes nothing. */
	assert_int_equal(apply(l, 1, DM_ULOG_MARK_REGION, w, 4), 0);
	assert_false(res.changed);
	assert_int_equal(l->generation, 1);

	assert_int_equal(apply2(l, 1, DM_ULOG_CLEAR_REGION, 5, 3), 0);
	assert_true(res.changed);
	assert_int_equal(l->generation, 2);
	assert_true(bitmap_test(&l->clean, 3));
	assert_true(bitmap_test(&l->clean, 5));
	assert_false(bitmap_test(&l->clean, 9));
	assert_int_equal(marks_of(l, 1)->n, 1);
	rlog_take_touched(l, &d, &c);
	assert_false(d);
	assert_true(c);
	assert_int_equal(apply1(l, 1, DM_ULOG_CLEAR_REGION, 9), 0);
	assert_null(marks_of(l, 1));
	assert_int_equal(l->nmarks, 0);
	assert_int_equal(res.out_len, 0);
	check_ok(l);
	rlog_free(l);
}

/* A region out of sync stays dirty after the clear. */
static void test_rlog_clear_out_of_sync_stays_dirty(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 8);

	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 2), 0);
	assert_int_equal(apply1(l, 1, DM_ULOG_CLEAR_REGION, 2), 0);
	assert_false(bitmap_test(&l->clean, 2));
	assert_false(rlog_is_marked(l, 2));
	/* Recovered with no marks -> clean. */
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 2, 1), 0);
	assert_true(bitmap_test(&l->clean, 2));
	assert_true(bitmap_test(&l->sync, 2));
	check_ok(l);
	rlog_free(l);
}

/* rlog_clear_cleans says beforehand what a CLEAR's delivery will do. */
static void test_rlog_clear_cleans_predicts_the_clear(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 16);

	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 3), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_MARK_REGION, 4), 0);
	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 4), 0);
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 5, 0), 0);
	assert_true(rlog_clear_cleans(l, 1, 3));	/* only ours */
	assert_false(rlog_clear_cleans(l, 1, 4));	/* node 2 marks it */
	assert_false(rlog_clear_cleans(l, 2, 4));	/* and node 1 */
	assert_false(rlog_clear_cleans(l, 1, 5));	/* out of sync */
	assert_false(rlog_clear_cleans(l, 1, 16));	/* past the end */
	assert_true(rlog_clear_cleans(l, 1, 6));	/* unmarked, in sync */
	assert_int_equal(apply1(l, 1, DM_ULOG_CLEAR_REGION, 3), 0);
	assert_true(bitmap_test(&l->clean, 3));
	assert_int_equal(apply1(l, 1, DM_ULOG_CLEAR_REGION, 4), 0);
	assert_false(bitmap_test(&l->clean, 4));
	l->flush_failed = true;		/* dm-log keeps them dirty */
	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 3), 0);
	assert_false(rlog_clear_cleans(l, 1, 3));
	assert_int_equal(apply1(l, 1, DM_ULOG_CLEAR_REGION, 3), 0);
	assert_false(bitmap_test(&l->clean, 3));
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_marks_per_node(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 16);

	assert_int_equal(apply2(l, 2, DM_ULOG_MARK_REGION, 7, 8), 0);
	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 7), 0);
	assert_int_equal(l->nmarks, 2);
	assert_int_equal(l->marks[0].node, 1);	/* sorted by node */
	assert_int_equal(l->marks[1].node, 2);
	assert_int_equal(rlog_marks_of(l, 2)->n, 2);
	assert_int_equal(rlog_marks_of(l, 2)->regions[1], 8);
	assert_null(rlog_marks_of(l, 3));
	assert_int_equal(apply1(l, 1, DM_ULOG_CLEAR_REGION, 7), 0);
	assert_false(bitmap_test(&l->clean, 7));	/* node 2 still has it */
	assert_true(rlog_is_marked(l, 7));
	/* A clear from a node that never marked it changes nothing. */
	assert_int_equal(apply1(l, 3, DM_ULOG_CLEAR_REGION, 7), 0);
	assert_false(bitmap_test(&l->clean, 7));
	assert_int_equal(apply1(l, 2, DM_ULOG_CLEAR_REGION, 7), 0);
	assert_true(bitmap_test(&l->clean, 7));
	assert_false(bitmap_test(&l->clean, 8));
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_flush_integrated(void **state)
{
	struct rlog *l = mk(RLOG_DISK, RLOG_SYNC_NONE, 64);
	uint64_t w[32];

	assert_int_equal(apply0(l, 1, DM_ULOG_FLUSH), 0);
	assert_true(res.needs_commit);
	assert_false(res.changed);
	assert_int_equal(l->generation, 0);

	for (int i = 0; i < 32; i++)
		w[i] = (uint64_t)(63 - 2 * i);
	assert_int_equal(apply(l, 4, DM_ULOG_FLUSH, w, 32), 0);
	assert_true(res.needs_commit);
	assert_true(res.changed);
	assert_int_equal(l->generation, 1);
	assert_int_equal(marks_of(l, 4)->n, 32);
	for (uint64_t r = 0; r < 64; r++)
		assert_int_equal(bitmap_test(&l->clean, r), !(r & 1));
	check_ok(l);

	/* Out of range: nothing applied, not even the valid ones. */
	{
		struct rlog *before = rlog_clone(l);
		uint64_t bad[2] = { 0, 64 };

		assert_int_equal(apply(l, 5, DM_ULOG_FLUSH, bad, 2), -EINVAL);
		assert_int_equal(res.error, -EINVAL);
		assert_false(res.needs_commit);
		assert_same(l, before);
		rlog_free(before);
	}
	rlog_free(l);
}

static void test_rlog_invalid_unchanged(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 10);
	struct rlog *before;
	uint64_t w[40] = { 0 };
	uint8_t raw[12] = { 0 };

	assert_int_equal(apply2(l, 1, DM_ULOG_MARK_REGION, 1, 2), 0);
	assert_int_equal(apply0(l, 2, DM_ULOG_GET_RESYNC_WORK), 0);
	before = rlog_clone(l);
	assert_non_null(before);

	assert_int_equal(apply2(l, 1, DM_ULOG_MARK_REGION, 3, 10), -EINVAL);
	assert_int_equal(apply2(l, 1, DM_ULOG_CLEAR_REGION, 1, 99), -EINVAL);
	assert_int_equal(apply0(l, 1, DM_ULOG_MARK_REGION), -EINVAL);
	assert_int_equal(apply(l, 1, DM_ULOG_MARK_REGION, w, 33), -EINVAL);
	assert_int_equal(rlog_apply(l, 1, DM_ULOG_MARK_REGION, raw, 12, &res),
			 -EINVAL);
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 10, 1),
			 -EINVAL);
	assert_int_equal(apply1(l, 1, DM_ULOG_SET_REGION_SYNC, 1), -EINVAL);
	assert_int_equal(apply1(l, 1, DM_ULOG_IS_REMOTE_RECOVERING, 10),
			 -EINVAL);
	assert_int_equal(apply1(l, 1, DM_ULOG_IN_SYNC, 10), -EINVAL);
	assert_int_equal(apply1(l, 1, DM_ULOG_IS_CLEAN, UINT64_MAX), -EINVAL);
	assert_int_equal(apply0(l, 1, DM_ULOG_IN_SYNC), -EINVAL);
	assert_int_equal(apply1(l, 1, DM_ULOG_PRESUSPEND, 0), -EINVAL);
	assert_int_equal(apply0(l, 1, DM_ULOG_CTR), -EINVAL);
	assert_int_equal(apply0(l, 1, DM_ULOG_DTR), -EINVAL);
	assert_int_equal(apply0(l, 1, 0), -EINVAL);
	assert_int_equal(apply0(l, 1, 99), -EINVAL);
	assert_int_equal(res.out_len, 0);
	assert_false(res.changed);
	assert_same(l, before);
	check_ok(l);
	rlog_free(before);
	rlog_free(l);
}

/* rlog_check_regions refuses exactly what CLEAR/MARK refuse on delivery
 * (the daemon answers CLEAR_REGION before delivery on its verdict). */
static void test_rlog_check_regions(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 10);
	uint64_t w[33] = { 0 };
	uint8_t raw[12] = { 0 };
	uint8_t in[sizeof(w)];

	w[0] = 9;
	w[1] = 3;
	w[2] = 9;
	memcpy(in, w, 24);
	assert_int_equal(rlog_check_regions(l, in, 24), 0);
	assert_int_equal(apply(l, 1, DM_ULOG_CLEAR_REGION, w, 3), 0);
	w[1] = 10;		/* one past the end */
	memcpy(in, w, 24);
	assert_int_equal(rlog_check_regions(l, in, 24), -EINVAL);
	assert_int_equal(apply(l, 1, DM_ULOG_CLEAR_REGION, w, 3), -EINVAL);
	assert_int_equal(rlog_check_regions(l, in, 0), -EINVAL);
	assert_int_equal(rlog_check_regions(l, raw, 12), -EINVAL);
	memset(w, 0, sizeof(w));
	memcpy(in, w, sizeof(in));
	assert_int_equal(rlog_check_regions(l, in, 32 * 8), 0);
	assert_int_equal(rlog_check_regions(l, in, 33 * 8), -EINVAL);
	assert_int_equal(apply(l, 1, DM_ULOG_CLEAR_REGION, w, 33), -EINVAL);
	rlog_free(l);
}

static void test_rlog_mark_node_limit(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 128);
	struct rlog *before;

	for (uint32_t n = 0; n < RLOG_MAX_NODES; n++)
		assert_int_equal(apply1(l, 100 - n, DM_ULOG_MARK_REGION, n),
				 0);
	assert_int_equal(l->nmarks, RLOG_MAX_NODES);
	check_ok(l);
	before = rlog_clone(l);
	assert_int_equal(apply1(l, 1000, DM_ULOG_MARK_REGION, 100), -ENOSPC);
	assert_same(l, before);
	/* An existing node may still mark more. */
	assert_int_equal(apply1(l, 100, DM_ULOG_MARK_REGION, 100), 0);
	assert_false(bitmap_test(&l->clean, 100));
	check_ok(l);
	rlog_free(before);
	rlog_free(l);
}

/* Many marks for one node: the sorted array grows and merges right. */
static void test_rlog_marks_many(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 4096);
	uint64_t w[32];

	for (int round = 0; round < 64; round++) {
		for (int i = 0; i < 32; i++)
			w[i] = (uint64_t)((i * 64 + round * 7) % 4096);
		assert_int_equal(apply(l, 1, DM_ULOG_MARK_REGION, w, 32), 0);
		check_ok(l);
	}
	for (int round = 0; round < 64; round++) {
		for (int i = 0; i < 32; i++)
			w[i] = (uint64_t)((i * 64 + round * 7) % 4096);
		assert_int_equal(apply(l, 1, DM_ULOG_CLEAR_REGION, w, 32), 0);
		check_ok(l);
	}
	assert_int_equal(l->nmarks, 0);
	assert_int_equal(bitmap_count(&l->clean), 4096);
	rlog_free(l);
}

/* ---- recovery --------------------------------------------------------------- */

static void test_rlog_resync_cursor(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 4);
	uint64_t g;

	get_work(l, 1, 1, 0);
	g = l->generation;
	get_work(l, 1, 1, 0);	/* same slot again, no change */
	assert_false(res.changed);
	assert_int_equal(l->generation, g);
	get_work(l, 2, 1, 1);	/* never a region in another slot */
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 0, 1), 0);
	assert_true(bitmap_test(&l->sync, 0));
	assert_int_equal(l->sync_count, 1);
	assert_int_equal(l->nslots, 1);
	get_work(l, 1, 1, 2);
	assert_int_equal(l->sync_search, 1);
	get_work(l, 3, 1, 3);
	get_work(l, 4, 0, 0);	/* everything is taken */
	assert_int_equal(apply2(l, 2, DM_ULOG_SET_REGION_SYNC, 1, 1), 0);
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 2, 1), 0);
	assert_int_equal(apply2(l, 3, DM_ULOG_SET_REGION_SYNC, 3, 1), 0);
	assert_int_equal(l->sync_count, 4);
	assert_int_equal(rlog_in_sync_hint(l), 4);
	get_work(l, 1, 0, 0);
	assert_int_equal(l->sync_search, 4);
	check_ok(l);
	/* Nothing left: no change at all. */
	g = l->generation;
	get_work(l, 2, 0, 0);
	assert_int_equal(l->generation, g);
	rlog_free(l);
}

static void test_rlog_resync_priority_first(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 16);

	assert_int_equal(apply1(l, 3, DM_ULOG_IS_REMOTE_RECOVERING, 9), 0);
	assert_int_equal((int64_t)out_u64(0), 1);
	assert_int_equal(out_u64(1), 0);	/* hint: lowest out of sync */
	assert_true(res.changed);
	assert_int_equal(l->nprio, 1);
	/* Queued once. */
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 9), 0);
	assert_false(res.changed);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 4), 0);
	assert_int_equal(l->nprio, 2);
	get_work(l, 1, 1, 9);
	assert_int_equal(l->nprio, 1);
	/* In a slot: still recovering, but not queued again. */
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 9), 0);
	assert_int_equal((int64_t)out_u64(0), 1);
	assert_int_equal(l->nprio, 1);
	get_work(l, 2, 1, 4);
	get_work(l, 3, 1, 0);	/* then the cursor */
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 9, 1), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 9), 0);
	assert_int_equal((int64_t)out_u64(0), 0);
	assert_false(res.changed);
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_priority_bounded(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 1024);

	for (uint64_t r = 0; r < RLOG_MAX_PRIORITY + 10; r++)
		assert_int_equal(apply1(l, 1, DM_ULOG_IS_REMOTE_RECOVERING,
					1023 - r), 0);
	assert_int_equal(l->nprio, RLOG_MAX_PRIORITY);
	assert_int_equal(l->prio[0], 1023);
	/* SET_REGION_SYNC drops a queued region. */
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 1000, 1), 0);
	assert_int_equal(l->nprio, RLOG_MAX_PRIORITY - 1);
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_resync_skips_marked_by_other(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 8);

	assert_int_equal(apply2(l, 2, DM_ULOG_MARK_REGION, 0, 1), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 1), 0);
	get_work(l, 1, 1, 2);	/* 0, 1 are node 2's; priority 1 too */
	assert_int_equal(l->nprio, 1);
	get_work(l, 2, 1, 1);	/* its own marks are fine */
	assert_int_equal(l->nprio, 0);
	get_work(l, 3, 1, 3);
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_resync_halted(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 8);

	get_work(l, 1, 1, 0);
	assert_int_equal(apply0(l, 1, DM_ULOG_PRESUSPEND), 0);
	assert_true(res.changed);
	assert_int_equal(l->nslots, 0);
	assert_int_equal(l->nhalted, 1);
	get_work(l, 1, 0, 0);
	get_work(l, 2, 1, 0);	/* the freed region goes to another node */
	assert_int_equal(apply0(l, 3, DM_ULOG_PRESUSPEND), 0);
	assert_int_equal(apply0(l, 2, DM_ULOG_PRESUSPEND), 0);
	assert_int_equal(l->nhalted, 3);
	assert_int_equal(l->halted[0], 1);
	assert_int_equal(l->halted[1], 2);
	assert_int_equal(l->halted[2], 3);
	assert_int_equal(apply0(l, 2, DM_ULOG_POSTSUSPEND), 0);
	assert_false(res.changed);
	assert_int_equal(apply2(l, 2, DM_ULOG_SET_REGION_SYNC, 0, 1), 0);
	assert_int_equal(apply0(l, 1, DM_ULOG_RESUME), 0);
	assert_int_equal(l->nhalted, 2);
	assert_int_equal(l->sync_search, 1);
	get_work(l, 1, 1, 1);
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_nosync_no_work(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 8);
	uint64_t g;

	assert_int_equal(rlog_in_sync_hint(l), 8);
	get_work(l, 1, 0, 0);	/* may move the cursor to the end */
	assert_int_equal(l->sync_search, 8);
	g = l->generation;
	get_work(l, 2, 0, 0);
	assert_false(res.changed);
	assert_int_equal(l->generation, g);
	assert_int_equal(l->nslots, 0);
	rlog_free(l);
}

static void test_rlog_set_region_sync_out(void **state)
{
	struct rlog *l = mk(RLOG_DISK, RLOG_SYNC_NONE, 8);
	bool d, c;

	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 3, 0), 0);
	assert_true(res.changed);
	assert_false(bitmap_test(&l->sync, 3));
	assert_false(bitmap_test(&l->clean, 3));
	assert_int_equal(l->sync_count, 7);
	assert_true(l->sync_search <= 3);
	assert_int_equal(rlog_in_sync_hint(l), 3);
	rlog_take_touched(l, &d, &c);
	assert_true(d);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 3), 0);
	assert_int_equal((int64_t)out_u64(0), 1);
	assert_int_equal(out_u64(1), 3);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, 2), 0);
	assert_int_equal((int64_t)out_u64(0), 0);
	assert_int_equal(out_u64(1), 3);
	/* Twice out of sync: no change. */
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 3, 0), 0);
	assert_false(res.changed);
	/* Recovery of a marked region: in sync but stays dirty. */
	assert_int_equal(apply1(l, 4, DM_ULOG_MARK_REGION, 3), 0);
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 3, 1), 0);
	assert_true(bitmap_test(&l->sync, 3));
	assert_false(bitmap_test(&l->clean, 3));
	assert_int_equal(l->sync_count, 8);
	assert_int_equal(l->nprio, 0);
	assert_int_equal(apply1(l, 4, DM_ULOG_CLEAR_REGION, 3), 0);
	assert_true(bitmap_test(&l->clean, 3));
	check_ok(l);
	rlog_free(l);
}

/* ---- reads and status ------------------------------------------------------ */

static void test_rlog_reads(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 8);

	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, 5, 1), 0);
	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 6), 0);
	uint64_t g = l->generation;

	assert_int_equal(apply1(l, 1, DM_ULOG_IN_SYNC, 5), 0);
	assert_int_equal(res.out_len, 8);
	assert_int_equal(out_u64(0), 1);
	assert_int_equal(apply1(l, 1, DM_ULOG_IN_SYNC, 4), 0);
	assert_int_equal(out_u64(0), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_CLEAN, 6), 0);
	assert_int_equal(out_u64(0), 0);
	/* 7 is unmarked but out of sync: not clean before recovery. */
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_CLEAN, 7), 0);
	assert_int_equal(out_u64(0), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_CLEAN, 5), 0);
	assert_int_equal(out_u64(0), 1);
	assert_int_equal(apply0(l, 1, DM_ULOG_GET_SYNC_COUNT), 0);
	assert_int_equal(res.out_len, 8);
	assert_int_equal(out_u64(0), 1);
	assert_int_equal(apply0(l, 1, DM_ULOG_GET_REGION_SIZE), 0);
	assert_int_equal(out_u64(0), RS);
	assert_false(res.changed);
	assert_int_equal(l->generation, g);
	rlog_free(l);
}

static void test_rlog_status(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 8);

	expect_str(l, DM_ULOG_STATUS_INFO, "1 clustered-core");
	expect_str(l, DM_ULOG_STATUS_TABLE, "clustered-core 1 1024 ");
	l->p.sync = RLOG_SYNC_NONE;
	expect_str(l, DM_ULOG_STATUS_TABLE, "clustered-core 2 1024 nosync ");
	l->p.block_on_error = true;
	expect_str(l, DM_ULOG_STATUS_TABLE,
		   "clustered-core 3 1024 nosync block_on_error ");
	rlog_free(l);

	l = mk(RLOG_DISK, RLOG_SYNC_FORCE, 8);
	expect_str(l, DM_ULOG_STATUS_INFO, "3 clustered-disk 253:2 A");
	expect_str(l, DM_ULOG_STATUS_TABLE,
		   "clustered-disk 3 253:2 1024 sync ");
	l->log_dev_failed = true;
	expect_str(l, DM_ULOG_STATUS_INFO, "3 clustered-disk 253:2 D");
	l->flush_failed = true;
	expect_str(l, DM_ULOG_STATUS_INFO, "3 clustered-disk 253:2 F");
	assert_int_equal(l->generation, 0);
	rlog_free(l);
}

/* Before RESUME the daemon answers STATUS from the table's parameters: the
 * same strings a fresh replica gives, for every kind of table. */
static void test_rlog_status_of_params(void **state)
{
	static const struct { enum rlog_kind kind; enum rlog_sync sync;
			      bool boe; } cases[] = {
		{ RLOG_CORE, RLOG_SYNC_DEFAULT, false },
		{ RLOG_CORE, RLOG_SYNC_NONE, true },
		{ RLOG_DISK, RLOG_SYNC_FORCE, false },
		{ RLOG_DISK, RLOG_SYNC_NONE, true },
	};
	struct rlog_result a, b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rlog *l = mk(cases[i].kind, cases[i].sync, 8);

		l->p.block_on_error = cases[i].boe;
		for (uint32_t t = DM_ULOG_STATUS_INFO;
		     t <= DM_ULOG_STATUS_TABLE; t++) {
			memset(&a, 0x5a, sizeof(a));
			memset(&b, 0xa5, sizeof(b));
			assert_int_equal(rlog_apply(l, 1, t, NULL, 0, &a), 0);
			assert_int_equal(rlog_status_of_params(&l->p, t, &b), 0);
			assert_int_equal(a.error, 0);
			assert_int_equal(b.out_len, a.out_len);
			assert_memory_equal(b.out, a.out, a.out_len);
		}
		rlog_free(l);
	}
	{
		struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, 8);

		assert_int_equal(rlog_status_of_params(&l->p,
						       DM_ULOG_GET_SYNC_COUNT,
						       &b), -EINVAL);
		rlog_free(l);
	}
}

static void test_rlog_type_changes_state(void **state)
{
	static const uint32_t yes[] = {
		DM_ULOG_MARK_REGION, DM_ULOG_CLEAR_REGION, DM_ULOG_FLUSH,
		DM_ULOG_GET_RESYNC_WORK, DM_ULOG_SET_REGION_SYNC,
		DM_ULOG_IS_REMOTE_RECOVERING, DM_ULOG_PRESUSPEND,
		DM_ULOG_POSTSUSPEND, DM_ULOG_RESUME,
	};
	static const uint32_t no[] = {
		DM_ULOG_CTR, DM_ULOG_DTR, DM_ULOG_GET_REGION_SIZE,
		DM_ULOG_IS_CLEAN, DM_ULOG_IN_SYNC, DM_ULOG_GET_SYNC_COUNT,
		DM_ULOG_STATUS_INFO, DM_ULOG_STATUS_TABLE, 0, 18,
	};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(rlog_type_changes_state(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(rlog_type_changes_state(no[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rlog_mark_clear_nosync),
		cmocka_unit_test(test_rlog_clear_out_of_sync_stays_dirty),
		cmocka_unit_test(test_rlog_clear_cleans_predicts_the_clear),
		cmocka_unit_test(test_rlog_marks_per_node),
		cmocka_unit_test(test_rlog_flush_integrated),
		cmocka_unit_test(test_rlog_invalid_unchanged),
		cmocka_unit_test(test_rlog_check_regions),
		cmocka_unit_test(test_rlog_mark_node_limit),
		cmocka_unit_test(test_rlog_marks_many),
		cmocka_unit_test(test_rlog_resync_cursor),
		cmocka_unit_test(test_rlog_resync_priority_first),
		cmocka_unit_test(test_rlog_priority_bounded),
		cmocka_unit_test(test_rlog_resync_skips_marked_by_other),
		cmocka_unit_test(test_rlog_resync_halted),
		cmocka_unit_test(test_rlog_nosync_no_work),
		cmocka_unit_test(test_rlog_set_region_sync_out),
		cmocka_unit_test(test_rlog_reads),
		cmocka_unit_test(test_rlog_status),
		cmocka_unit_test(test_rlog_status_of_params),
		cmocka_unit_test(test_rlog_type_changes_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
