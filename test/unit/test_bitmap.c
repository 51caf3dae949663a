/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the dm-log layout bit set (lib/bitmap.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/bitmap.h"

/* Reference implementations, one bit at a time. */
static uint64_t slow_next(const struct bitmap *b, uint64_t from, bool v)
{
	for (uint64_t i = from; i < b->nbits; i++)
		if (bitmap_test(b, i) == v)
			return i;
	return b->nbits;
}

static uint64_t slow_count(const struct bitmap *b)
{
	uint64_t c = 0;

	for (uint64_t i = 0; i < b->nbits; i++)
		c += bitmap_test(b, i);
	return c;
}

/* All bytes past bit nbits must be zero. */
static void assert_tail_clear(const struct bitmap *b)
{
	for (uint64_t i = b->nbits; i < (uint64_t)b->nbytes * 8; i++)
		assert_false((b->bits[i / 8] >> (i % 8)) & 1);
}

static void test_bitmap_bytes_for_rounds_to_u32(void **state)
{
	assert_int_equal(bitmap_bytes_for(0), 0);
	assert_int_equal(bitmap_bytes_for(1), 4);
	assert_int_equal(bitmap_bytes_for(32), 4);
	assert_int_equal(bitmap_bytes_for(33), 8);
	assert_int_equal(bitmap_bytes_for(64), 8);
	assert_int_equal(bitmap_bytes_for(65), 12);
	assert_int_equal(bitmap_bytes_for(UINT64_C(1) << 27), 16u << 20);
}

static void test_bitmap_init_fill_and_layout(void **state)
{
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 37, true), 0);
	assert_int_equal(b.nbits, 37);
	assert_int_equal(b.nbytes, 8);
	assert_int_equal(bitmap_count(&b), 37);
	/* dm-log layout: 37 bits = 4 full bytes + 5 bits. */
	assert_int_equal(b.bits[0], 0xff);
	assert_int_equal(b.bits[3], 0xff);
	assert_int_equal(b.bits[4], 0x1f);
	assert_int_equal(b.bits[5], 0);
	assert_tail_clear(&b);
	bitmap_free(&b);

	assert_int_equal(bitmap_init(&b, 37, false), 0);
	assert_int_equal(bitmap_count(&b), 0);
	assert_false(bitmap_set(&b, 9));
	assert_int_equal(b.bits[1], 0x02);	/* byte i/8, bit i%8 */
	assert_true(bitmap_set(&b, 9));
	assert_true(bitmap_clear(&b, 9));
	assert_false(bitmap_clear(&b, 9));
	bitmap_free(&b);
}

static void test_bitmap_empty_map(void **state)
{
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 0, true), 0);
	assert_int_equal(b.nbytes, 0);
	assert_int_equal(bitmap_count(&b), 0);
	assert_int_equal(bitmap_next_zero(&b, 0), 0);
	assert_int_equal(bitmap_next_set(&b, 0), 0);
	assert_false(bitmap_set(&b, 0));
	assert_false(bitmap_test(&b, 0));
	bitmap_free(&b);
}

static void test_bitmap_out_of_range_is_noop(void **state)
{
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 40, false), 0);
	assert_false(bitmap_set(&b, 40));
	assert_false(bitmap_set(&b, UINT64_MAX));
	assert_false(bitmap_test(&b, 40));
	assert_false(bitmap_clear(&b, 1000));
	assert_int_equal(bitmap_count(&b), 0);
	assert_tail_clear(&b);
	bitmap_free(&b);
}

static void test_bitmap_word_boundaries(void **state)
{
	/* Sizes around the 32-bit storage and 64-bit scan words. */
	static const uint64_t sizes[] = { 1, 31, 32, 33, 63, 64, 65, 95, 96,
					  97, 127, 128, 129, 200 };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		uint64_t n = sizes[k];
		struct bitmap b;

		assert_int_equal(bitmap_init(&b, n, false), 0);
		assert_int_equal(bitmap_next_set(&b, 0), n);
		assert_int_equal(bitmap_next_zero(&b, 0), 0);
		bitmap_set(&b, n - 1);
		assert_int_equal(bitmap_next_set(&b, 0), n - 1);
		assert_int_equal(bitmap_next_set(&b, n - 1), n - 1);
		assert_int_equal(bitmap_next_set(&b, n), n);
		assert_int_equal(bitmap_count(&b), 1);
		bitmap_fill(&b, true);
		assert_int_equal(bitmap_count(&b), n);
		assert_int_equal(bitmap_next_zero(&b, 0), n);
		assert_tail_clear(&b);
		bitmap_clear(&b, n - 1);
		assert_int_equal(bitmap_next_zero(&b, 0), n - 1);
		assert_int_equal(bitmap_next_zero(&b, n - 1), n - 1);
		assert_int_equal(bitmap_next_zero(&b, n + 5), n);
		bitmap_free(&b);
	}
}

static void test_bitmap_next_across_words(void **state)
{
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 300, false), 0);
	bitmap_set(&b, 63);
	bitmap_set(&b, 64);
	bitmap_set(&b, 191);
	bitmap_set(&b, 299);
	assert_int_equal(bitmap_next_set(&b, 0), 63);
	assert_int_equal(bitmap_next_set(&b, 64), 64);
	assert_int_equal(bitmap_next_set(&b, 65), 191);
	assert_int_equal(bitmap_next_set(&b, 192), 299);
	assert_int_equal(bitmap_next_set(&b, 300), 300);
	bitmap_fill(&b, true);
	bitmap_clear(&b, 127);
	bitmap_clear(&b, 128);
	bitmap_clear(&b, 298);
	assert_int_equal(bitmap_next_zero(&b, 0), 127);
	assert_int_equal(bitmap_next_zero(&b, 128), 128);
	assert_int_equal(bitmap_next_zero(&b, 129), 298);
	assert_int_equal(bitmap_next_zero(&b, 299), 300);
	bitmap_free(&b);
}

/* Pseudo-random contents checked against the bitwise reference. */
static void test_bitmap_random_matches_reference(void **state)
{
	struct bitmap b;
	uint32_t x = 12345;

	for (uint64_t n = 1; n < 400; n += 37) {
		assert_int_equal(bitmap_init(&b, n, false), 0);
		for (uint64_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			if ((x >> 16) & 1)
				bitmap_set(&b, i);
		}
		assert_int_equal(bitmap_count(&b), slow_count(&b));
		for (uint64_t f = 0; f <= n + 1; f++) {
			assert_int_equal(bitmap_next_set(&b, f), slow_next(&b, f, true));
			assert_int_equal(bitmap_next_zero(&b, f), slow_next(&b, f, false));
		}
		bitmap_free(&b);
	}
}

static void test_bitmap_resize_grow_shrink(void **state)
{
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 10, false), 0);
	bitmap_set(&b, 3);
	bitmap_set(&b, 9);
	/* Grow with fill: old bits kept, new bits 1. */
	assert_int_equal(bitmap_resize(&b, 100, true), 0);
	assert_int_equal(b.nbytes, 16);
	assert_int_equal(bitmap_count(&b), 2 + 90);
	assert_false(bitmap_test(&b, 0));
	assert_true(bitmap_test(&b, 3));
	assert_false(bitmap_test(&b, 8));
	assert_true(bitmap_test(&b, 9));
	assert_true(bitmap_test(&b, 10));
	assert_true(bitmap_test(&b, 99));
	assert_tail_clear(&b);
	/* Shrink: the tail is trimmed. */
	assert_int_equal(bitmap_resize(&b, 33, false), 0);
	assert_int_equal(b.nbytes, 8);
	assert_int_equal(bitmap_count(&b), 2 + 23);
	assert_tail_clear(&b);
	/* Grow without fill: new bits 0, even those that were set before. */
	assert_int_equal(bitmap_resize(&b, 70, false), 0);
	assert_int_equal(bitmap_count(&b), 25);
	assert_false(bitmap_test(&b, 33));
	assert_int_equal(bitmap_next_set(&b, 33), 70);
	/* Grow with fill from a non-byte boundary. */
	assert_int_equal(bitmap_resize(&b, 75, true), 0);
	assert_int_equal(bitmap_count(&b), 30);
	assert_int_equal(bitmap_next_set(&b, 33), 70);
	assert_int_equal(bitmap_resize(&b, 0, true), 0);
	assert_int_equal(bitmap_count(&b), 0);
	assert_int_equal(bitmap_resize(&b, 5, true), 0);
	assert_int_equal(bitmap_count(&b), 5);
	bitmap_free(&b);
}

static void test_bitmap_trim_clears_tail(void **state)
{
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 70, false), 0);
	memset(b.bits, 0xff, b.nbytes);	/* as after loading raw bytes */
	bitmap_trim(&b);
	assert_int_equal(bitmap_count(&b), 70);
	assert_tail_clear(&b);
	assert_int_equal(b.bits[8], 0x3f);
	bitmap_free(&b);
}

static void test_bitmap_and_or_equal_dup(void **state)
{
	struct bitmap a, c, d;

	assert_int_equal(bitmap_init(&a, 130, false), 0);
	assert_int_equal(bitmap_init(&c, 130, false), 0);
	assert_int_equal(bitmap_init(&d, 131, false), 0);
	bitmap_set(&a, 1);
	bitmap_set(&a, 64);
	bitmap_set(&a, 129);
	bitmap_set(&c, 64);
	bitmap_set(&c, 100);
	assert_int_equal(bitmap_and(&a, &d), -EINVAL);
	assert_int_equal(bitmap_or(&a, &d), -EINVAL);
	assert_false(bitmap_equal(&a, &d));

	struct bitmap x;

	assert_int_equal(bitmap_dup(&x, &a), 0);
	assert_true(bitmap_equal(&x, &a));
	assert_int_equal(bitmap_or(&x, &c), 0);
	assert_int_equal(bitmap_count(&x), 4);
	assert_true(bitmap_test(&x, 100));
	assert_false(bitmap_equal(&x, &a));
	assert_int_equal(bitmap_and(&a, &c), 0);
	assert_int_equal(bitmap_count(&a), 1);
	assert_true(bitmap_test(&a, 64));
	bitmap_free(&x);
	bitmap_free(&a);
	bitmap_free(&c);
	bitmap_free(&d);
}

/* 2^27 bits (16 MiB), the largest log the bench uses: the word-wise scans
 * find the last bit.  (How fast is for bench/, not for a test.) */
static void test_bitmap_large_scan(void **state)
{
	const uint64_t n = UINT64_C(1) << 27;
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, n, true), 0);
	assert_int_equal(bitmap_count(&b), n);
	assert_int_equal(bitmap_next_zero(&b, 0), n);
	bitmap_clear(&b, n - 1);
	assert_int_equal(bitmap_next_zero(&b, 0), n - 1);
	bitmap_fill(&b, false);
	bitmap_set(&b, n - 2);
	assert_int_equal(bitmap_next_set(&b, 0), n - 2);
	assert_int_equal(bitmap_count(&b), 1);
	bitmap_free(&b);
}

/* ---- frozen views -------------------------------------------------------- */

#define COW_BITS	((uint64_t)3 * BITMAP_COW_BLOCK * 8 + 77)

/* Read a whole view piece by piece, checking each piece is in range. */
static void read_view(const struct bitmap_cow *c, uint8_t *out)
{
	size_t off = 0, len = bitmap_cow_bytes(c);

	while (off < len) {
		size_t n = len - off;
		const uint8_t *p = bitmap_cow_peek(c, off, &n);

		assert_non_null(p);
		assert_true(n > 0 && n <= len - off);
		memcpy(out + off, p, n);
		off += n;
	}
	assert_null(bitmap_cow_peek(c, len, &(size_t){ 1 }));
}

static void random_bits(struct bitmap *b, unsigned seed)
{
	srand(seed);
	for (uint64_t i = 0; i < b->nbits; i += 1 + (uint64_t)(rand() % 13))
		bitmap_set(b, i);
}

/* Every way of changing a bitmap leaves the view as it was frozen. */
static void test_bitmap_cow_view_survives_every_change(void **state)
{
	struct bitmap b, other;
	struct bitmap_cow *c;
	uint8_t *orig, *seen;

	(void)state;
	assert_int_equal(bitmap_init(&b, COW_BITS, false), 0);
	assert_int_equal(bitmap_init(&other, COW_BITS, false), 0);
	random_bits(&b, 7);
	random_bits(&other, 8);
	orig = malloc(b.nbytes);
	seen = malloc(b.nbytes);
	assert_non_null(orig);
	assert_non_null(seen);
	memcpy(orig, b.bits, b.nbytes);
	assert_int_equal(bitmap_freeze(&b, &c), 0);
	assert_int_equal(bitmap_cow_bytes(c), b.nbytes);

	/* Nothing changed: one piece, the live bits themselves. */
	{
		size_t n = b.nbytes;

		assert_ptr_equal(bitmap_cow_peek(c, 0, &n), b.bits);
		assert_int_equal(n, b.nbytes);
	}
	/* One bit in the second block: the first block ends the piece. */
	bitmap_clear(&b, (uint64_t)BITMAP_COW_BLOCK * 8 + 3);
	bitmap_set(&b, (uint64_t)BITMAP_COW_BLOCK * 8 + 3);
	{
		size_t n = b.nbytes;
		const uint8_t *p = bitmap_cow_peek(c, 0, &n);

		assert_ptr_equal(p, b.bits);
		assert_int_equal(n, BITMAP_COW_BLOCK);
		n = b.nbytes;
		p = bitmap_cow_peek(c, BITMAP_COW_BLOCK + 5, &n);
		assert_true(p < b.bits || p >= b.bits + b.nbytes);
		assert_int_equal(n, BITMAP_COW_BLOCK - 5);
	}
	read_view(c, seen);
	assert_memory_equal(seen, orig, b.nbytes);

	bitmap_and(&b, &other);
	read_view(c, seen);
	assert_memory_equal(seen, orig, b.nbytes);
	bitmap_or(&b, &other);
	bitmap_set(&b, COW_BITS - 1);
	bitmap_clear(&b, 0);
	read_view(c, seen);
	assert_memory_equal(seen, orig, b.nbytes);
	bitmap_fill(&b, true);
	read_view(c, seen);
	assert_memory_equal(seen, orig, b.nbytes);
	/* The live bitmap did change. */
	assert_int_equal(bitmap_count(&b), COW_BITS);

	/* Resize and free: the view keeps its own copy. */
	assert_int_equal(bitmap_resize(&b, COW_BITS * 2, false), 0);
	assert_null(b.cow);
	bitmap_fill(&b, false);
	read_view(c, seen);
	assert_memory_equal(seen, orig, bitmap_cow_bytes(c));
	bitmap_free(&b);
	read_view(c, seen);
	assert_memory_equal(seen, orig, bitmap_cow_bytes(c));
	bitmap_thaw(c);
	bitmap_free(&other);
	free(orig);
	free(seen);
}

/* Setting a set bit, AND/OR that change nothing: no block is saved. */
static void test_bitmap_cow_no_change_saves_nothing(void **state)
{
	struct bitmap b, same;
	struct bitmap_cow *c;
	size_t n;

	(void)state;
	assert_int_equal(bitmap_init(&b, COW_BITS, false), 0);
	random_bits(&b, 3);
	assert_int_equal(bitmap_dup(&same, &b), 0);
	assert_int_equal(bitmap_freeze(&b, &c), 0);
	bitmap_set(&b, bitmap_next_set(&b, 0));
	bitmap_clear(&b, bitmap_next_zero(&b, 0));
	bitmap_and(&b, &same);
	bitmap_or(&b, &same);
	bitmap_trim(&b);
	n = b.nbytes;
	assert_ptr_equal(bitmap_cow_peek(c, 0, &n), b.bits);
	assert_int_equal(n, b.nbytes);
	/* The bitmap is not tied to the view any more once thawed. */
	bitmap_thaw(c);
	assert_null(b.cow);
	bitmap_fill(&b, true);
	bitmap_free(&same);
	bitmap_free(&b);
}

/* Two views of different moments, thawed in either order. */
static void test_bitmap_cow_two_views(void **state)
{
	for (int order = 0; order < 2; order++) {
		struct bitmap b;
		struct bitmap_cow *c1, *c2;
		uint8_t *o1, *o2, *seen;

		(void)state;
		assert_int_equal(bitmap_init(&b, COW_BITS, false), 0);
		o1 = malloc(b.nbytes);
		o2 = malloc(b.nbytes);
		seen = malloc(b.nbytes);
		assert_true(o1 && o2 && seen);
		random_bits(&b, 11);
		memcpy(o1, b.bits, b.nbytes);
		assert_int_equal(bitmap_freeze(&b, &c1), 0);
		bitmap_set(&b, 1);
		bitmap_set(&b, (uint64_t)2 * BITMAP_COW_BLOCK * 8 + 1);
		memcpy(o2, b.bits, b.nbytes);
		assert_int_equal(bitmap_freeze(&b, &c2), 0);
		bitmap_fill(&b, false);
		read_view(c1, seen);
		assert_memory_equal(seen, o1, b.nbytes);
		read_view(c2, seen);
		assert_memory_equal(seen, o2, b.nbytes);
		bitmap_thaw(order ? c1 : c2);
		bitmap_set(&b, 5);
		read_view(order ? c2 : c1, seen);
		assert_memory_equal(seen, order ? o2 : o1, b.nbytes);
		bitmap_thaw(order ? c2 : c1);
		assert_null(b.cow);
		bitmap_free(&b);
		free(o1);
		free(o2);
		free(seen);
	}
}

/* Tracking records the 512-byte chunks each change touched, once each,
 * and only changes (a bit set again records nothing). */
static void test_bitmap_track_records_changed_chunks(void **state)
{
	struct bitmap b, o;
	const uint64_t n = 4096 * 8 * 3;	/* 24 chunks */

	(void)state;
	assert_int_equal(bitmap_init(&b, n, false), 0);
	assert_false(bitmap_tracking(&b));
	assert_int_equal(bitmap_take_touched(&b, 0), SIZE_MAX);
	bitmap_set(&b, 5);			/* not tracked yet */
	assert_int_equal(bitmap_track(&b), 0);
	assert_true(bitmap_tracking(&b));
	assert_int_equal(bitmap_take_touched(&b, 0), SIZE_MAX);
	bitmap_set(&b, 5);			/* no change */
	bitmap_set(&b, 4096 * 3 + 1);		/* chunk 3 */
	bitmap_clear(&b, 5);			/* chunk 0 */
	bitmap_set(&b, 4096 * 8 * 2 + 7);	/* chunk 16 */
	bitmap_will_write(&b, 512 * 20 + 3, 600);	/* chunks 20, 21 */
	assert_int_equal(bitmap_take_touched(&b, 0), 0);
	assert_int_equal(bitmap_take_touched(&b, 1), 3);
	assert_int_equal(bitmap_take_touched(&b, 2), 16);
	assert_int_equal(bitmap_take_touched(&b, 17), 20);
	assert_int_equal(bitmap_take_touched(&b, 21), 21);
	assert_int_equal(bitmap_take_touched(&b, 0), SIZE_MAX);
	/* Word-wise changes too. */
	assert_int_equal(bitmap_init(&o, n, false), 0);
	bitmap_set(&o, 4096 * 8 + 9);		/* chunk 8 */
	assert_int_equal(bitmap_or(&b, &o), 0);
	assert_int_equal(bitmap_take_touched(&b, 0), 8);
	assert_int_equal(bitmap_take_touched(&b, 0), SIZE_MAX);
	bitmap_fill(&b, false);
	for (size_t c = 0; c < 24; c++)
		assert_int_equal(bitmap_take_touched(&b, c), c);
	/* Tracking again forgets; resizing records everything. */
	bitmap_set(&b, 1);
	assert_int_equal(bitmap_track(&b), 0);
	assert_int_equal(bitmap_take_touched(&b, 0), SIZE_MAX);
	assert_int_equal(bitmap_resize(&b, n + 100, false), 0);
	assert_int_equal(bitmap_take_touched(&b, 0), 0);
	bitmap_untrack(&b);
	assert_int_equal(bitmap_take_touched(&b, 0), SIZE_MAX);
	bitmap_free(&o);
	bitmap_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bitmap_bytes_for_rounds_to_u32),
		cmocka_unit_test(test_bitmap_init_fill_and_layout),
		cmocka_unit_test(test_bitmap_empty_map),
		cmocka_unit_test(test_bitmap_out_of_range_is_noop),
		cmocka_unit_test(test_bitmap_word_boundaries),
		cmocka_unit_test(test_bitmap_next_across_words),
		cmocka_unit_test(test_bitmap_random_matches_reference),
		cmocka_unit_test(test_bitmap_resize_grow_shrink),
		cmocka_unit_test(test_bitmap_trim_clears_tail),
		cmocka_unit_test(test_bitmap_and_or_equal_dup),
		cmocka_unit_test(test_bitmap_large_scan),
		cmocka_unit_test(test_bitmap_cow_view_survives_every_change),
		cmocka_unit_test(test_bitmap_cow_no_change_saves_nothing),
		cmocka_unit_test(test_bitmap_cow_two_views),
		cmocka_unit_test(test_bitmap_track_records_changed_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
