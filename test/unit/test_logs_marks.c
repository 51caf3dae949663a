/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for our ops answered before they are stable (daemons/
 * cmirrord/logs_marks.c): MARKs and early-answered CLEARs are kept in
 * submission order until a stable op of ours covers them, only MARKs hold
 * a FLUSH, and after the group starts over they are submitted again in the
 * order the kernel sent them; what the disk writer writes ahead of their
 * delivery.  The transport is a fake that records what is submitted.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/disklog.h"
#include "logging.h"
#include "logs_int.h"

#define ME 1u

/* ---- stubs ---- */
uint32_t logs_me(const struct logs *ls)
{
	(void)ls;
	return ME;
}

void log_msg(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

struct sent {
	uint64_t tag;
	uint32_t type;
	uint32_t n;
	uint64_t first;
};
static struct sent sent[32];
static size_t nsent;
static int submit_error;

static int fk_submit(struct group *g, uint64_t tag, uint32_t type,
		     const uint64_t *words, uint32_t nwords)
{
	(void)g;
	if (submit_error)
		return submit_error;
	assert_true(nsent < 32);
	sent[nsent].tag = tag;
	sent[nsent].type = type;
	sent[nsent].n = nwords;
	sent[nsent].first = nwords ? words[0] : UINT64_MAX;
	nsent++;
	return 0;
}

/* ---- fixture ---- */
struct fx {
	struct group_transport t;
	struct logs ls;
	struct mlog m;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->t.submit = fk_submit;
	f->ls.t = &f->t;
	f->ls.next_tag = 100;
	f->m.ls = &f->ls;
	strcpy(f->m.uuid, "u");
	nsent = 0;
	submit_error = 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	mlog_marks_free(&f->m);
	free(f);
	return 0;
}

static void track(struct mlog *m, uint64_t tag, uint32_t type, uint64_t r)
{
	assert_int_equal(mlog_marks_track(m, tag, type, &r, 1), 0);
}

/* ---- tests ---- */

static void test_only_marks_hold_a_flush(void **state)
{
	struct fx *f = *state;

	track(&f->m, 5, DM_ULOG_CLEAR_REGION, 1);
	assert_false(mlog_marks_pending_before(&f->m, UINT64_MAX));
	assert_int_equal(mlog_marks_unstable(&f->m), 0);
	track(&f->m, 6, DM_ULOG_MARK_REGION, 2);
	assert_true(mlog_marks_pending_before(&f->m, 7));
	assert_false(mlog_marks_pending_before(&f->m, 6));
	assert_int_equal(mlog_marks_unstable(&f->m), 1);
}

/* An empty FLUSH needs no round of its own (it waits for the MARKs of ours
 * sent before it, pending_before with its tag), except the first after a
 * (re)join, one with marks in it, one while a MARK of ours is not sent (no
 * stability would come), and a disk log's while one is not delivered (the
 * generation the disk must hold is not known yet). */
static void test_empty_flush_local_unless_it_must_go_round(void **state)
{
	struct fx *f = *state;

	f->m.p.kind = RLOG_CORE;
	f->m.marks_unflushed = true;
	assert_false(mlog_marks_flush_local(&f->m, 0));
	f->m.marks_unflushed = false;
	assert_true(mlog_marks_flush_local(&f->m, 0));
	assert_false(mlog_marks_flush_local(&f->m, 8));
	track(&f->m, 5, DM_ULOG_CLEAR_REGION, 1);
	track(&f->m, 6, DM_ULOG_MARK_REGION, 2);
	/* Sent, not stable: the FLUSH (tag 8) waits for 6 and 7, a later
	 * mark (9) does not hold it. */
	assert_true(mlog_marks_flush_local(&f->m, 0));
	track(&f->m, 7, DM_ULOG_MARK_REGION, 3);
	track(&f->m, 9, DM_ULOG_MARK_REGION, 4);
	assert_true(mlog_marks_pending_before(&f->m, 8));
	assert_false(mlog_marks_covered(&f->m, 5));
	assert_true(mlog_marks_covered(&f->m, 6));
	assert_true(mlog_marks_pending_before(&f->m, 8));	/* 7 is not */
	assert_true(mlog_marks_covered(&f->m, 7));
	assert_false(mlog_marks_pending_before(&f->m, 8));
	assert_true(mlog_marks_pending_before(&f->m, UINT64_MAX));
	f->m.p.kind = RLOG_DISK;
	assert_false(mlog_marks_flush_local(&f->m, 0));	/* 9 not here */
	mlog_marks_delivered(&f->m, 9, 40);
	assert_true(mlog_marks_flush_local(&f->m, 0));
	assert_int_equal(f->m.own_mark_gen, 40);
	mlog_marks_delivered(&f->m, 3, 30);	/* not tracked: gen kept */
	assert_int_equal(f->m.own_mark_gen, 40);
	f->m.p.kind = RLOG_CORE;
	/* A mark kept across a start-over and not sent again (tag 0). */
	mlog_marks_reset(&f->m);
	assert_false(mlog_marks_flush_local(&f->m, 0));
	assert_int_equal(f->m.own_mark_gen, 0);
}

static void test_stable_op_covers_earlier_ones(void **state)
{
	struct fx *f = *state;

	track(&f->m, 5, DM_ULOG_MARK_REGION, 1);
	track(&f->m, 6, DM_ULOG_CLEAR_REGION, 1);
	track(&f->m, 8, DM_ULOG_MARK_REGION, 2);
	/* A clear alone removed: no mark, so no FLUSH to wake. */
	assert_true(mlog_marks_covered(&f->m, 6));
	assert_int_equal(f->m.n_umarks, 1);
	assert_false(mlog_marks_covered(&f->m, 7));
	assert_true(mlog_marks_pending_before(&f->m, 9));
	assert_true(mlog_marks_covered(&f->m, 8));
	assert_int_equal(f->m.n_umarks, 0);

	track(&f->m, 10, DM_ULOG_CLEAR_REGION, 3);
	assert_false(mlog_marks_covered(&f->m, 10));
	assert_int_equal(f->m.n_umarks, 0);
}

static void test_resubmit_keeps_the_kernels_order(void **state)
{
	struct fx *f = *state;

	/* mark 1, clear 1, mark 1 again, clear 2: the order matters (a clear
	 * after the second mark would drop a mark the kernel holds). */
	track(&f->m, 5, DM_ULOG_MARK_REGION, 1);
	track(&f->m, 6, DM_ULOG_CLEAR_REGION, 1);
	track(&f->m, 7, DM_ULOG_MARK_REGION, 1);
	track(&f->m, 8, DM_ULOG_CLEAR_REGION, 2);
	mlog_marks_forget(&f->m, 6);	/* removal from the middle */
	track(&f->m, 9, DM_ULOG_CLEAR_REGION, 1);
	mlog_marks_reset(&f->m);
	assert_true(mlog_marks_pending_before(&f->m, 1));
	mlog_marks_resubmit(&f->m);
	assert_int_equal(nsent, 4);
	assert_int_equal(sent[0].type,
			 DM_ULOG_MARK_REGION | GROUP_OP_F_ACKED);
	assert_int_equal(sent[1].type,
			 DM_ULOG_MARK_REGION | GROUP_OP_F_ACKED);
	assert_int_equal(sent[2].type,
			 DM_ULOG_CLEAR_REGION | GROUP_OP_F_ACKED);
	assert_int_equal(sent[2].first, 2);
	assert_int_equal(sent[3].type,
			 DM_ULOG_CLEAR_REGION | GROUP_OP_F_ACKED);
	assert_int_equal(sent[3].first, 1);
	for (size_t i = 1; i < nsent; i++)
		assert_true(sent[i].tag > sent[i - 1].tag);
	assert_true(sent[0].tag > 100);
	/* Their new tags are what stability covers now. */
	assert_true(mlog_marks_covered(&f->m, sent[3].tag));
	assert_int_equal(f->m.n_umarks, 0);
}

/*
 * Our marks the replica held when the group started over (the others drop
 * them when we leave; our kernel still holds them): submitted again first,
 * in chunks of at most ULOG_MAX_REGIONS, before the unstable ops after
 * them; resubmit() names the last tag so reads wait for its delivery.
 */
static void test_saved_marks_go_first_in_chunks(void **state)
{
	struct fx *f = *state;
	uint64_t r[ULOG_MAX_REGIONS + 3];
	uint64_t last;

	for (size_t i = 0; i < ULOG_MAX_REGIONS + 3; i++)
		r[i] = 10 + i;
	track(&f->m, 5, DM_ULOG_CLEAR_REGION, 10);
	mlog_marks_reset(&f->m);
	assert_int_equal(mlog_marks_save(&f->m, r, ULOG_MAX_REGIONS + 3), 0);
	assert_int_equal(mlog_marks_save(&f->m, r, 0), 0);
	assert_true(mlog_marks_pending_before(&f->m, 1));
	last = mlog_marks_resubmit(&f->m);
	assert_int_equal(nsent, 3);
	assert_int_equal(sent[0].type, DM_ULOG_MARK_REGION | GROUP_OP_F_ACKED);
	assert_int_equal(sent[0].n, ULOG_MAX_REGIONS);
	assert_int_equal(sent[0].first, 10);
	assert_int_equal(sent[1].n, 3);
	assert_int_equal(sent[1].first, 10 + ULOG_MAX_REGIONS);
	/* The clear the kernel sent after those marks comes after them. */
	assert_int_equal(sent[2].type, DM_ULOG_CLEAR_REGION | GROUP_OP_F_ACKED);
	assert_int_equal(sent[2].first, 10);
	assert_int_equal(last, sent[2].tag);
	/* Nothing left unsent: the next resubmission sends nothing. */
	assert_int_equal(mlog_marks_resubmit(&f->m), 0);
	assert_int_equal(nsent, 3);
	assert_true(mlog_marks_covered(&f->m, last));
	assert_int_equal(f->m.n_umarks, 0);
}

static void test_failed_resubmission_waits_for_the_next_reset(void **state)
{
	struct fx *f = *state;

	track(&f->m, 5, DM_ULOG_MARK_REGION, 1);
	track(&f->m, 6, DM_ULOG_CLEAR_REGION, 2);
	mlog_marks_reset(&f->m);
	submit_error = -ENOTCONN;
	mlog_marks_resubmit(&f->m);
	assert_int_equal(nsent, 0);
	/* Unsent: no stable tag covers them, FLUSHes keep waiting. */
	assert_false(mlog_marks_covered(&f->m, UINT64_MAX - 1));
	assert_true(mlog_marks_pending_before(&f->m, 1));
	submit_error = 0;
	mlog_marks_resubmit(&f->m);
	assert_int_equal(nsent, 2);
	assert_int_equal(sent[1].first, 2);
}

static void test_every_eighth_clear_is_flagged(void **state)
{
	struct fx *f = *state;
	int flagged = 0;

	for (int i = 0; i < 7; i++)
		flagged += mlog_marks_flag_clear(&f->m);
	assert_int_equal(flagged, 0);
	assert_true(mlog_marks_flag_clear(&f->m));
	mlog_marks_flagged_sent(&f->m);
	/* Any flagged op of ours starts the count again. */
	for (int i = 0; i < 5; i++)
		assert_false(mlog_marks_flag_clear(&f->m));
	mlog_marks_flagged_sent(&f->m);
	for (int i = 0; i < 7; i++)
		assert_false(mlog_marks_flag_clear(&f->m));
	assert_true(mlog_marks_flag_clear(&f->m));
}

static void test_clears_kept_are_bounded(void **state)
{
	struct fx *f = *state;
	uint64_t tag = 1;

	track(&f->m, tag++, DM_ULOG_MARK_REGION, 0);
	while (mlog_marks_room_for_clear(&f->m)) {
		track(&f->m, tag, DM_ULOG_CLEAR_REGION, tag % 64);
		tag++;
		assert_true(tag < 100000);
	}
	/* Marks do not count against it, and it is far above what one
	 * acknowledgement round trip leaves in the list. */
	assert_true(f->m.n_umarks - 1 >= 64);
	mlog_marks_forget(&f->m, tag - 1);
	assert_true(mlog_marks_room_for_clear(&f->m));
	track(&f->m, tag++, DM_ULOG_CLEAR_REGION, 1);
	assert_false(mlog_marks_room_for_clear(&f->m));
	/* The mark went with the first half. */
	assert_true(mlog_marks_covered(&f->m, tag / 2));
	assert_true(mlog_marks_room_for_clear(&f->m));
	assert_false(mlog_marks_covered(&f->m, tag));
	assert_int_equal(f->m.n_umarks, 0);
	assert_int_equal(f->m.n_uclears, 0);
}

struct area {
	uint8_t *p;
	size_t len;
};

static void ahead_to_area(void *ctx, uint64_t region, bool clean)
{
	struct area *a = ctx;

	assert_int_equal(disklog_set_region(a->p, a->len, region, clean), 0);
}

static void write_ahead(struct mlog *m, uint8_t *area, size_t len)
{
	struct area a = { area, len };

	mlog_marks_write_ahead(m, ahead_to_area, &a);
}

/* An op applied to the replica the way its delivery does. */
static void apply(struct rlog *rl, uint32_t node, uint32_t type, uint64_t r)
{
	uint8_t in[8];
	struct rlog_result res;

	ulog_put_u64(in, r);
	assert_int_equal(rlog_apply(rl, node, type, in, 8, &res), 0);
}

/* The writer's area = replica + our ops not delivered: marks dirty (also
 * one not sent, and those in a FLUSH), clears clean only where the
 * replica lets them (in sync, no other node marking it; not one not
 * sent; none while another op of ours is on the way), a region cleared
 * then marked again dirty; delivered ops are the replica's business. */
static void test_write_ahead_of_delivery(void **state)
{
	struct fx *f = *state;
	struct rlog_params p;
	struct pending *pd = calloc(1, sizeof(*pd));
	size_t len = disklog_area_size(64, 512);
	uint8_t *area = calloc(1, len);

	assert_non_null(pd);
	assert_non_null(area);
	assert_int_equal(rlog_parse_ctr("128 clustered-core 2 nosync", &p,
					NULL, 0), 0);
	f->m.rl = rlog_new(&p);
	assert_non_null(f->m.rl);
	apply(f->m.rl, ME, DM_ULOG_MARK_REGION, 1);	/* ours, delivered */
	apply(f->m.rl, ME, DM_ULOG_MARK_REGION, 2);
	apply(f->m.rl, ME, DM_ULOG_MARK_REGION, 3);
	apply(f->m.rl, 2, DM_ULOG_MARK_REGION, 2);	/* node 2's as well */
	apply(f->m.rl, ME, DM_ULOG_MARK_REGION, 9);
	apply(f->m.rl, ME, DM_ULOG_CLEAR_REGION, 9);	/* cleared: clean */
	apply(f->m.rl, ME, DM_ULOG_MARK_REGION, 9);	/* and marked again */
	apply(f->m.rl, ME, DM_ULOG_MARK_REGION, 11);
	bitmap_clear(&f->m.rl->sync, 3);		/* 3 out of sync */
	track(&f->m, 4, DM_ULOG_CLEAR_REGION, 9);	/* delivered, before */
	mlog_marks_delivered(&f->m, 4, 0);
	track(&f->m, 5, DM_ULOG_CLEAR_REGION, 1);
	track(&f->m, 6, DM_ULOG_CLEAR_REGION, 2);
	track(&f->m, 7, DM_ULOG_CLEAR_REGION, 3);
	track(&f->m, 8, DM_ULOG_CLEAR_REGION, 5);
	track(&f->m, 9, DM_ULOG_MARK_REGION, 5);
	track(&f->m, 10, DM_ULOG_MARK_REGION, 6);
	track(&f->m, 11, DM_ULOG_MARK_REGION, 7);
	mlog_marks_delivered(&f->m, 11, 0);	/* the replica's, not ours */
	assert_int_equal(mlog_marks_save(&f->m, (uint64_t[]){ 8 }, 1), 0);
	pd->state = P_WAIT_DELIVERY;
	pd->req.type = DM_ULOG_FLUSH;
	pd->req.data_size = 8;
	ulog_put_u64(pd->data, 10);
	f->m.pending = pd;
	track(&f->m, 0, DM_ULOG_CLEAR_REGION, 11);	/* not sent */

	assert_int_equal(disklog_encode(area, len, &f->m.rl->clean), 0);
	write_ahead(&f->m, area, len);
	assert_true(disklog_region_clean(area, len, 1));	/* our clear */
	assert_false(disklog_region_clean(area, len, 2));	/* node 2 */
	assert_false(disklog_region_clean(area, len, 3));	/* no sync */
	assert_false(disklog_region_clean(area, len, 5));	/* re-marked */
	assert_false(disklog_region_clean(area, len, 6));
	assert_true(disklog_region_clean(area, len, 7));	/* delivered */
	assert_false(disklog_region_clean(area, len, 8));	/* unsent */
	assert_false(disklog_region_clean(area, len, 9));	/* delivered */
	assert_false(disklog_region_clean(area, len, 10));	/* FLUSH */
	assert_false(disklog_region_clean(area, len, 11));	/* unsent */
	assert_true(disklog_region_clean(area, len, 12));

	/* Another op of ours on the way (it might take a region out of
	 * sync): our clears clean nothing, marks still dirty. */
	pd->req.type = DM_ULOG_SET_REGION_SYNC;
	assert_int_equal(disklog_encode(area, len, &f->m.rl->clean), 0);
	write_ahead(&f->m, area, len);
	assert_false(disklog_region_clean(area, len, 1));
	assert_false(disklog_region_clean(area, len, 6));
	pd->req.type = DM_ULOG_FLUSH;

	/* Delivered FLUSHes are the replica's. */
	pd->state = P_WAIT_COMMIT;
	assert_int_equal(disklog_encode(area, len, &f->m.rl->clean), 0);
	write_ahead(&f->m, area, len);
	assert_true(disklog_region_clean(area, len, 10));
	f->m.pending = NULL;
	free(pd);
	free(area);
	rlog_free(f->m.rl);
	f->m.rl = NULL;
}

static void test_too_many_regions_refused(void **state)
{
	struct fx *f = *state;
	uint64_t w[ULOG_MAX_REGIONS + 1] = { 0 };

	assert_int_equal(mlog_marks_track(&f->m, 5, DM_ULOG_MARK_REGION, w,
					  ULOG_MAX_REGIONS + 1), -ENOMEM);
	assert_int_equal(f->m.n_umarks, 0);
	assert_int_equal(mlog_marks_track(&f->m, 5, DM_ULOG_MARK_REGION, w,
					  ULOG_MAX_REGIONS), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_empty_flush_local_unless_it_must_go_round,
			setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_marks_hold_a_flush,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_stable_op_covers_earlier_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_resubmit_keeps_the_kernels_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_failed_resubmission_waits_for_the_next_reset,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_every_eighth_clear_is_flagged, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_saved_marks_go_first_in_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clears_kept_are_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_ahead_of_delivery,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_regions_refused,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
