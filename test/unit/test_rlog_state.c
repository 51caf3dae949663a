// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/rlog_merge.c (node loss, merge, disk load, invariant
 * check) and randomized runs of the whole state machine: determinism of
 * replicas, the safety rule after every step, merge commutativity. */
#include "config.h"

#include "rlog_test_util.h"

/* ---- node loss, merge, disk load, check ---------------------------------- */

static void test_rlog_node_lost(void **state)
{
	struct rlog *l = mk(RLOG_DISK, RLOG_SYNC_NONE, 16);
	uint64_t g;

	assert_int_equal(apply2(l, 1, DM_ULOG_MARK_REGION, 12, 4), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_MARK_REGION, 4), 0);
	assert_int_equal(apply0(l, 1, DM_ULOG_PRESUSPEND), 0);
	g = l->generation;
	assert_int_equal(rlog_node_lost(l, 1), 2);
	assert_int_equal(l->generation, g + 1);
	assert_false(bitmap_test(&l->sync, 4));
	assert_false(bitmap_test(&l->sync, 12));
	assert_false(bitmap_test(&l->clean, 12));
	assert_int_equal(l->sync_count, 14);
	assert_true(l->sync_search <= 4);
	assert_null(marks_of(l, 1));
	assert_non_null(marks_of(l, 2));
	assert_int_equal(l->nhalted, 0);
	/* The regions are now recovered, lowest first, not node 2's. */
	get_work(l, 3, 1, 12);
	get_work(l, 2, 1, 4);
	check_ok(l);
	/* Losing the slot holder leaves its region out of sync. */
	assert_int_equal(rlog_node_lost(l, 3), 0);
	assert_int_equal(l->nslots, 1);
	assert_false(bitmap_test(&l->sync, 12));
	g = l->generation;
	assert_int_equal(rlog_node_lost(l, 77), 0);
	assert_int_equal(l->generation, g);
	check_ok(l);
	rlog_free(l);
}

static void test_rlog_merge(void **state)
{
	struct rlog *a = mk(RLOG_CORE, RLOG_SYNC_NONE, 64);
	struct rlog *b, *ab, *ba, *other;

	b = rlog_clone(a);
	assert_non_null(b);
	assert_int_equal(apply2(a, 1, DM_ULOG_MARK_REGION, 3, 40), 0);
	assert_int_equal(apply2(a, 1, DM_ULOG_SET_REGION_SYNC, 10, 0), 0);
	assert_int_equal(apply1(a, 1, DM_ULOG_IS_REMOTE_RECOVERING, 10), 0);
	assert_int_equal(apply0(a, 1, DM_ULOG_PRESUSPEND), 0);
	assert_int_equal(apply1(b, 2, DM_ULOG_MARK_REGION, 5), 0);
	assert_int_equal(apply1(b, 1, DM_ULOG_MARK_REGION, 4), 0);
	assert_int_equal(apply2(b, 2, DM_ULOG_SET_REGION_SYNC, 20, 0), 0);
	assert_int_equal(apply2(b, 2, DM_ULOG_SET_REGION_SYNC, 7, 0), 0);
	assert_int_equal(apply1(b, 2, DM_ULOG_IS_REMOTE_RECOVERING, 20), 0);
	assert_int_equal(apply1(b, 2, DM_ULOG_IS_REMOTE_RECOVERING, 7), 0);
	get_work(b, 3, 1, 20);
	b->generation = 10;

	ab = rlog_clone(a);
	ba = rlog_clone(b);
	assert_int_equal(rlog_merge(ab, b), 0);
	assert_int_equal(rlog_merge(ba, a), 0);
	assert_same(ab, ba);	/* commutative */
	check_ok(ab);
	assert_int_equal(ab->generation, 11);
	for (uint64_t r = 0; r < 64; r++) {
		bool dirty = r == 3 || r == 40 || r == 10 || r == 5 ||
			     r == 4 || r == 20 || r == 7;
		bool out = r == 10 || r == 20 || r == 7;

		assert_int_equal(bitmap_test(&ab->clean, r), !dirty);
		assert_int_equal(bitmap_test(&ab->sync, r), !out);
	}
	assert_int_equal(ab->sync_count, 61);
	assert_true(ab->sync_search <= 7);
	assert_int_equal(rlog_in_sync_hint(ab), 7);
	assert_int_equal(ab->nmarks, 2);
	assert_int_equal(marks_of(ab, 1)->n, 3);	/* 3, 4, 40 */
	assert_int_equal(marks_of(ab, 1)->regions[1], 4);
	assert_int_equal(ab->nslots, 0);
	/* b's 20 left its FIFO for a slot; slots are dropped. */
	assert_int_equal(ab->nprio, 2);
	assert_int_equal(ab->prio[0], 7);
	assert_int_equal(ab->prio[1], 10);
	assert_int_equal(ab->nhalted, 1);

	other = mk(RLOG_CORE, RLOG_SYNC_NONE, 65);
	assert_int_equal(rlog_merge(ab, other), -EINVAL);
	rlog_free(other);
	rlog_free(ab);
	rlog_free(ba);
	rlog_free(a);
	rlog_free(b);
}

static void test_rlog_load_disk(void **state)
{
	struct rlog *l = mk(RLOG_DISK, RLOG_SYNC_DEFAULT, 40);
	struct bitmap disk;

	/* An old log of 20 regions, all clean but 3 and 17. */
	assert_int_equal(bitmap_init(&disk, 20, true), 0);
	bitmap_clear(&disk, 3);
	bitmap_clear(&disk, 17);
	assert_int_equal(rlog_load_disk(l, &disk, 20, true, false), 0);
	assert_int_equal(l->sync_count, 18);
	for (uint64_t r = 0; r < 40; r++) {
		bool clean = r < 20 && r != 3 && r != 17;

		assert_int_equal(bitmap_test(&l->clean, r), clean);
		assert_int_equal(bitmap_test(&l->sync, r), clean);
	}
	assert_int_equal(l->sync_search, 3);
	assert_int_equal(rlog_in_sync_hint(l), 3);
	assert_false(l->log_dev_failed);
	check_ok(l);
	bitmap_free(&disk);
	rlog_free(l);

	/* Shrink: bits past region_count are dropped. */
	l = mk(RLOG_DISK, RLOG_SYNC_DEFAULT, 10);
	assert_int_equal(bitmap_init(&disk, 64, true), 0);
	bitmap_clear(&disk, 50);
	assert_int_equal(rlog_load_disk(l, &disk, 64, true, false), 0);
	assert_int_equal(l->sync_count, 10);
	assert_int_equal(bitmap_count(&l->clean), 10);
	assert_int_equal(l->clean.bits[1] & 0xfc, 0);	/* trimmed */
	check_ok(l);
	bitmap_free(&disk);
	rlog_free(l);

	/* A new log: nosync -> everything clean and in sync. */
	l = mk(RLOG_DISK, RLOG_SYNC_NONE, 100);
	assert_int_equal(rlog_load_disk(l, NULL, 0, false, false), 0);
	assert_int_equal(l->sync_count, 100);
	assert_int_equal(rlog_in_sync_hint(l), 100);
	check_ok(l);
	rlog_free(l);

	/* nosync on the table ignores a valid disk log. */
	l = mk(RLOG_DISK, RLOG_SYNC_NONE, 16);
	assert_int_equal(bitmap_init(&disk, 16, false), 0);
	assert_int_equal(rlog_load_disk(l, &disk, 16, true, false), 0);
	assert_int_equal(l->sync_count, 16);
	bitmap_free(&disk);
	rlog_free(l);

	/* Read failure: device failed, everything out of sync. */
	l = mk(RLOG_DISK, RLOG_SYNC_DEFAULT, 100);
	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 7), 0);
	assert_int_equal(rlog_load_disk(l, NULL, 0, false, true), 0);
	assert_true(l->log_dev_failed);
	assert_int_equal(l->sync_count, 0);
	assert_int_equal(bitmap_count(&l->clean), 0);
	assert_int_equal(l->sync_search, 0);
	check_ok(l);
	expect_str(l, DM_ULOG_STATUS_INFO, "3 clustered-disk 253:2 D");
	rlog_free(l);
}

static void test_rlog_check_detects(void **state)
{
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, 16);
	char err[128];

	assert_int_equal(apply1(l, 1, DM_ULOG_MARK_REGION, 3), 0);
	check_ok(l);
	bitmap_set(&l->clean, 3);
	assert_int_equal(rlog_check(l, err, sizeof(err)), -EUCLEAN);
	assert_non_null(strstr(err, "clean"));
	bitmap_clear(&l->clean, 3);
	l->sync_count--;
	assert_int_equal(rlog_check(l, err, sizeof(err)), -EUCLEAN);
	l->sync_count++;
	l->prio[l->nprio++] = 16;
	assert_int_equal(rlog_check(l, NULL, 0), -EUCLEAN);
	l->nprio = 0;
	check_ok(l);
	rlog_free(l);
}

/* 2^27 regions: MARK/CLEAR/resync stay cheap (no per-region loops). */
static void test_rlog_large_log(void **state)
{
	uint64_t n = UINT64_C(1) << 27;
	struct rlog *l = mk(RLOG_CORE, RLOG_SYNC_NONE, n);
	uint64_t w[32];

	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 32; i++)
			w[i] = (n - 1 - (uint64_t)i * 4099 * (round + 1)) % n;
		assert_int_equal(apply(l, (uint32_t)round % 3,
				       DM_ULOG_MARK_REGION, w, 32), 0);
		assert_int_equal(apply(l, (uint32_t)round % 3,
				       DM_ULOG_CLEAR_REGION, w, 32), 0);
	}
	assert_int_equal(l->nmarks, 0);
	assert_int_equal(apply2(l, 1, DM_ULOG_SET_REGION_SYNC, n - 2, 0), 0);
	assert_int_equal(apply1(l, 2, DM_ULOG_IS_REMOTE_RECOVERING, n - 2), 0);
	assert_int_equal(out_u64(1), n - 2);
	get_work(l, 3, 1, n - 2);
	rlog_free(l);
}

/* ---- randomized --------------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Coverage of the random runs, so they cannot silently degenerate. */
static unsigned long stat_work, stat_cleaned, stat_lost;

#define RNODES	3
#define RREGIONS 48

/*
 * One random step from a kernel-like node: mostly well-formed requests,
 * some out of range.  Applies the same step to every replica in `ls`.
 */
static void random_step(struct rlog **ls, size_t nl, uint64_t *seed)
{
	uint64_t x = rng_next(seed);
	uint32_t node = 1 + (uint32_t)(x % RNODES);
	uint64_t w[32];
	size_t n = 1 + (x >> 8) % 6;
	uint32_t type;
	int op = (int)((x >> 16) % 100);

	for (size_t i = 0; i < 32; i++)
		w[i] = rng_next(seed) % RREGIONS;
	if (op < 25) {
		type = DM_ULOG_MARK_REGION;
	} else if (op < 45) {
		/* Clear what this node has marked, like the kernel does. */
		const struct rlog_marks *m = marks_of(ls[0], node);

		type = DM_ULOG_CLEAR_REGION;
		if (m && m->n)
			for (size_t i = 0; i < n; i++)
				w[i] = m->regions[rng_next(seed) % m->n];
	} else if (op < 52) {
		type = DM_ULOG_FLUSH;
		n = (x >> 24) % 3;
	} else if (op < 64) {
		type = DM_ULOG_GET_RESYNC_WORK;
		n = 0;
	} else if (op < 76) {
		/* Finish this node's recovery (sometimes failing it). */
		type = DM_ULOG_SET_REGION_SYNC;
		for (size_t i = 0; i < ls[0]->nslots; i++)
			if (ls[0]->slots[i].node == node)
				w[0] = ls[0]->slots[i].region;
		w[1] = (x >> 32) % 8 ? 1 : 0;
		n = 2;
	} else if (op < 86) {
		type = DM_ULOG_IS_REMOTE_RECOVERING;
		n = 1;
	} else if (op < 89) {
		type = DM_ULOG_PRESUSPEND;
		n = 0;
	} else if (op < 93) {
		type = DM_ULOG_RESUME;
		n = 0;
	} else if (op < 95) {
		type = DM_ULOG_IN_SYNC;
		n = 1;
	} else if (op < 97) {
		for (size_t k = 0; k < nl; k++)
			stat_lost += rlog_node_lost(ls[k], node) > 0;
		return;
	} else {
		type = DM_ULOG_MARK_REGION;
		w[0] = RREGIONS + (x >> 40) % 5;	/* out of range */
	}
	for (size_t k = 0; k < nl; k++) {
		int e = apply(ls[k], node, type, w, n);

		if (type == DM_ULOG_MARK_REGION && w[0] >= RREGIONS)
			assert_int_equal(e, -EINVAL);
		else if (e)
			fail_msg("type %u n %zu w0 %" PRIu64 " error %d", type,
				 n, w[0], e);
		if (type == DM_ULOG_IS_REMOTE_RECOVERING)
			assert_int_equal(out_u64(0) == 0,
					 bitmap_test(&ls[k]->sync, w[0]));
		if (type == DM_ULOG_GET_RESYNC_WORK && out_u64(0) == 1)
			stat_work++;
		stat_cleaned += ls[k]->touched_cleaned;
		ls[k]->touched_cleaned = false;
	}
}

static void assert_safe(const struct rlog *l)
{
	uint64_t first = RREGIONS;

	check_ok(l);
	for (size_t i = 0; i < l->nmarks; i++)
		for (size_t j = 0; j < l->marks[i].n; j++)
			assert_false(bitmap_test(&l->clean,
						 l->marks[i].regions[j]));
	for (uint64_t r = 0; r < RREGIONS; r++) {
		if (!bitmap_test(&l->sync, r)) {
			first = r;
			break;
		}
	}
	assert_int_equal(rlog_in_sync_hint(l), first);
}

static void test_rlog_random_determinism(void **state)
{
	for (uint64_t s = 1; s <= 20; s++) {
		struct rlog *ls[2];
		uint64_t seed = s * 0x9e3779b97f4a7c15ULL;

		ls[0] = mk(RLOG_DISK, s % 2 ? RLOG_SYNC_DEFAULT : RLOG_SYNC_NONE,
			   RREGIONS);
		ls[1] = rlog_clone(ls[0]);
		for (int i = 0; i < 400; i++)
			random_step(ls, 2, &seed);
		assert_same(ls[0], ls[1]);
		rlog_free(ls[0]);
		rlog_free(ls[1]);
	}
}

static void test_rlog_random_safety(void **state)
{
	for (uint64_t s = 1; s <= 30; s++) {
		struct rlog *l = mk(RLOG_CORE, s % 3 ? RLOG_SYNC_DEFAULT :
				    RLOG_SYNC_NONE, RREGIONS);
		uint64_t seed = s * 0x2545f4914f6cdd1dULL;

		for (int i = 0; i < 1000; i++) {
			uint64_t g = l->generation;

			random_step(&l, 1, &seed);
			assert_true(l->generation == g ||
				    l->generation == g + 1);
			assert_safe(l);
		}
		rlog_free(l);
	}
	assert_true(stat_work > 100);
	assert_true(stat_cleaned > 100);
	assert_true(stat_lost > 10);
}

/* Merging random replicas is commutative and keeps the invariants. */
static void test_rlog_random_merge(void **state)
{
	for (uint64_t s = 1; s <= 20; s++) {
		struct rlog *a = mk(RLOG_CORE, RLOG_SYNC_DEFAULT, RREGIONS);
		struct rlog *b = rlog_clone(a), *ab, *ba;
		uint64_t sa = s * 7919, sb = s * 104729;

		for (int i = 0; i < 200; i++) {
			random_step(&a, 1, &sa);
			random_step(&b, 1, &sb);
		}
		ab = rlog_clone(a);
		ba = rlog_clone(b);
		assert_int_equal(rlog_merge(ab, b), 0);
		assert_int_equal(rlog_merge(ba, a), 0);
		assert_same(ab, ba);
		assert_safe(ab);
		for (uint64_t r = 0; r < RREGIONS; r++) {
			assert_int_equal(bitmap_test(&ab->clean, r),
					 bitmap_test(&a->clean, r) &&
					 bitmap_test(&b->clean, r));
			assert_int_equal(bitmap_test(&ab->sync, r),
					 bitmap_test(&a->sync, r) &&
					 bitmap_test(&b->sync, r));
		}
		rlog_free(a);
		rlog_free(b);
		rlog_free(ab);
		rlog_free(ba);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rlog_node_lost),
		cmocka_unit_test(test_rlog_merge),
		cmocka_unit_test(test_rlog_load_disk),
		cmocka_unit_test(test_rlog_check_detects),
		cmocka_unit_test(test_rlog_large_log),
		cmocka_unit_test(test_rlog_random_determinism),
		cmocka_unit_test(test_rlog_random_safety),
		cmocka_unit_test(test_rlog_random_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
