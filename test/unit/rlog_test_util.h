// SPDX-License-Identifier: GPL-2.0-or-later
/* Shared helpers for the rlog unit tests (test_rlog.c, test_rlog_state.c). */
#ifndef RLOG_TEST_UTIL_H
#define RLOG_TEST_UTIL_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmirror/rlog.h"

#define RS	1024u	/* region size in sectors */

/* The result of the last apply(). */
static struct rlog_result res;

static inline struct rlog *mk(enum rlog_kind kind, enum rlog_sync sync,
			      uint64_t regions)
{
	struct rlog_params p;
	struct rlog *l;

	memset(&p, 0, sizeof(p));
	p.kind = kind;
	p.sync = sync;
	p.region_size = RS;
	p.sectors = regions * RS;
	p.region_count = regions;
	if (kind == RLOG_DISK)
		snprintf(p.dev, sizeof(p.dev), "253:2");
	l = rlog_new(&p);
	assert_non_null(l);
	return l;
}

static inline int apply(struct rlog *l, uint32_t node, uint32_t type,
			const uint64_t *w, size_t n)
{
	uint8_t in[ULOG_MAX_PAYLOAD];

	assert_true(n * 8 <= sizeof(in));
	if (n)
		memcpy(in, w, n * 8);
	return rlog_apply(l, node, type, in, (uint32_t)(n * 8), &res);
}

static inline int apply0(struct rlog *l, uint32_t node, uint32_t type)
{
	return apply(l, node, type, NULL, 0);
}

static inline int apply1(struct rlog *l, uint32_t node, uint32_t type,
			 uint64_t v)
{
	return apply(l, node, type, &v, 1);
}

static inline int apply2(struct rlog *l, uint32_t node, uint32_t type,
			 uint64_t a, uint64_t b)
{
	uint64_t w[2] = { a, b };

	return apply(l, node, type, w, 2);
}

static inline uint64_t out_u64(size_t i)
{
	uint64_t v;

	assert_true(res.out_len >= (i + 1) * 8);
	memcpy(&v, res.out + i * 8, 8);
	return v;
}

static inline void check_ok(const struct rlog *l)
{
	char err[160];
	int r = rlog_check(l, err, sizeof(err));

	if (r)
		fail_msg("rlog_check: %s", err);
}

/* Field-by-field equality of two replicas. */
static inline void assert_same(const struct rlog *a, const struct rlog *b)
{
	assert_int_equal(a->p.region_count, b->p.region_count);
	assert_true(bitmap_equal(&a->clean, &b->clean));
	assert_true(bitmap_equal(&a->sync, &b->sync));
	assert_int_equal(a->sync_count, b->sync_count);
	assert_int_equal(a->sync_search, b->sync_search);
	assert_int_equal(a->nmarks, b->nmarks);
	for (size_t i = 0; i < a->nmarks; i++) {
		assert_int_equal(a->marks[i].node, b->marks[i].node);
		assert_int_equal(a->marks[i].n, b->marks[i].n);
		if (a->marks[i].n)
			assert_memory_equal(a->marks[i].regions,
					    b->marks[i].regions,
					    a->marks[i].n * 8);
	}
	assert_int_equal(a->nslots, b->nslots);
	for (size_t i = 0; i < a->nslots; i++) {
		assert_int_equal(a->slots[i].node, b->slots[i].node);
		assert_int_equal(a->slots[i].region, b->slots[i].region);
	}
	assert_int_equal(a->nprio, b->nprio);
	if (a->nprio)
		assert_memory_equal(a->prio, b->prio, a->nprio * 8);
	assert_int_equal(a->nhalted, b->nhalted);
	if (a->nhalted)
		assert_memory_equal(a->halted, b->halted, a->nhalted * 4);
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->log_dev_failed, b->log_dev_failed);
	assert_int_equal(a->flush_failed, b->flush_failed);
	assert_int_equal(a->touched_dirtied, b->touched_dirtied);
	assert_int_equal(a->touched_cleaned, b->touched_cleaned);
}

static inline const struct rlog_marks *marks_of(const struct rlog *l,
						uint32_t node)
{
	for (size_t i = 0; i < l->nmarks; i++)
		if (l->marks[i].node == node)
			return &l->marks[i];
	return NULL;
}

static inline void get_work(struct rlog *l, uint32_t node, int64_t want_i,
			    uint64_t want_r)
{
	assert_int_equal(apply0(l, node, DM_ULOG_GET_RESYNC_WORK), 0);
	assert_int_equal(res.out_len, 16);
	assert_int_equal((int64_t)out_u64(0), want_i);
	assert_int_equal(out_u64(1), want_r);
}

static inline void expect_str(struct rlog *l, uint32_t type,
			      const char *want)
{
	assert_int_equal(apply0(l, 1, type), 0);
	assert_int_equal(res.out_len, strlen(want) + 1);
	assert_int_equal(res.out[res.out_len - 1], 0);
	assert_string_equal((const char *)res.out, want);
	assert_false(res.changed);
}

#endif
