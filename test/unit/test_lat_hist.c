// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * lat_hist.h: every value lands in a bucket whose range holds it, buckets
 * are contiguous and 12.5% wide, percentiles bound the true value from
 * above within that width, and the send-time FIFO pairs deliveries with
 * sends in order, forgets across a reset and survives overrun.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmirror/lat_hist.h"

static void test_buckets_hold_their_values(void **state)
{
	(void)state;
	/* Contiguous: bucket b ends one below where b + 1 starts. */
	for (unsigned b = 0; b + 2 < LAT_BUCKETS; b++) {
		uint64_t top = lat_hist_bucket_top(b);

		assert_int_equal(lat_hist_bucket(top), b);
		assert_int_equal(lat_hist_bucket(top + 1), b + 1);
	}
	for (uint64_t v = 0; v < 100000; v++) {
		unsigned b = lat_hist_bucket(v);

		assert_true(v <= lat_hist_bucket_top(b));
		assert_true(b == 0 || v > lat_hist_bucket_top(b - 1));
	}
	/* 12.5% wide above the exact range. */
	for (unsigned b = LAT_EXACT; b + 2 < LAT_BUCKETS; b++) {
		uint64_t lo = lat_hist_bucket_top(b - 1) + 1;
		uint64_t hi = lat_hist_bucket_top(b);

		assert_true((hi - lo + 1) * 8 <= lo);
	}
	assert_int_equal(lat_hist_bucket(UINT64_MAX), LAT_BUCKETS - 1);
	assert_int_equal(lat_hist_bucket(15), 15);
	assert_int_equal(lat_hist_bucket(16), 16);
	assert_int_equal(lat_hist_bucket_top(16), 17);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_percentiles_bound_the_true_value(void **state)
{
	enum { N = 5000 };
	static uint64_t v[N];
	struct lat_hist h;
	uint64_t sum = 0;

	(void)state;
	memset(&h, 0, sizeof(h));
	srandom(7);
	for (int i = 0; i < N; i++) {
		/* Spread over several octaves, as latencies are. */
		v[i] = (uint64_t)random() % (1u << (4 + random() % 14));
		lat_hist_add(&h, v[i]);
		sum += v[i];
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	for (unsigned pct = 1; pct <= 100; pct++) {
		uint64_t exact = v[(N * pct + 99) / 100 - 1];
		uint64_t got = lat_hist_pct(&h, pct);

		assert_true(got >= exact);
		assert_true(got - exact <= exact / 8 + 1);
	}
	assert_int_equal(lat_hist_pct(&h, 100), v[N - 1]);
	assert_int_equal(h.max_us, v[N - 1]);
	assert_int_equal(h.count, N);
	assert_int_equal(lat_hist_mean(&h), sum / N);
}

static void test_empty_and_single(void **state)
{
	struct lat_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(lat_hist_pct(&h, 50), 0);
	assert_int_equal(lat_hist_mean(&h), 0);
	lat_hist_add(&h, 300);
	/* The bucket 288..319 holds it; the max caps the bound. */
	assert_int_equal(lat_hist_pct(&h, 50), 300);
	assert_int_equal(lat_hist_pct(&h, 99), 300);
	lat_hist_add(&h, 1000000);
	assert_true(lat_hist_pct(&h, 50) == 319);
	assert_int_equal(lat_hist_pct(&h, 99), 1000000);
}

static void test_fifo_pairs_in_order(void **state)
{
	static struct lat_fifo f;
	uint64_t us;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_false(lat_fifo_seen(&f, 5, &us));	/* nothing sent */
	lat_fifo_sent(&f, 100);
	lat_fifo_sent(&f, 150);
	assert_true(lat_fifo_seen(&f, 400, &us));
	assert_int_equal(us, 300);
	assert_true(lat_fifo_seen(&f, 420, &us));
	assert_int_equal(us, 270);
	assert_false(lat_fifo_seen(&f, 500, &us));
}

static void test_fifo_reset_forgets(void **state)
{
	static struct lat_fifo f;
	uint64_t us;

	(void)state;
	memset(&f, 0, sizeof(f));
	lat_fifo_sent(&f, 100);
	lat_fifo_reset(&f);
	assert_false(lat_fifo_seen(&f, 200, &us));
	lat_fifo_sent(&f, 300);
	assert_true(lat_fifo_seen(&f, 350, &us));
	assert_int_equal(us, 50);
}

static void test_fifo_overrun_skips_lost_times(void **state)
{
	static struct lat_fifo f;
	uint64_t us;
	unsigned got = 0;

	(void)state;
	memset(&f, 0, sizeof(f));
	for (uint64_t i = 0; i < LAT_FIFO_LEN + 10; i++)
		lat_fifo_sent(&f, 1000 + i);
	/* The first 10 times were overwritten: their deliveries give no
	 * sample, and the rest still pair with their own sends. */
	for (uint64_t i = 0; i < LAT_FIFO_LEN + 10; i++) {
		if (lat_fifo_seen(&f, 5000 + i, &us)) {
			assert_true(i >= 10);
			assert_int_equal(us, 4000);
			got++;
		}
	}
	assert_int_equal(got, LAT_FIFO_LEN);
	assert_false(lat_fifo_seen(&f, 9000, &us));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_hold_their_values),
		cmocka_unit_test(test_percentiles_bound_the_true_value),
		cmocka_unit_test(test_empty_and_single),
		cmocka_unit_test(test_fifo_pairs_in_order),
		cmocka_unit_test(test_fifo_reset_forgets),
		cmocka_unit_test(test_fifo_overrun_skips_lost_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
