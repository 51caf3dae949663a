// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checkpoint reassembly memory bound (rx_bound.h): the buffer follows the
 * bytes received, not the total a peer announces.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cmirror/wire.h"
#include "rx_bound.h"

/* One 200-byte message announcing 2 GiB costs RX_MIN_ALLOC, not 2 GiB. */
static void test_rx_bound_announced_total_not_allocated(void **state)
{
	(void)state;
	assert_int_equal(rx_capacity(0, WIRE_CKPT_MAX), RX_MIN_ALLOC);
	assert_int_equal(rx_capacity(44, WIRE_CKPT_MAX), RX_MIN_ALLOC);
}

static void test_rx_bound_at_most_twice_received(void **state)
{
	(void)state;
	for (uint64_t n = 1; n <= WIRE_CKPT_MAX; n = n * 3 + 1) {
		uint64_t c = rx_capacity(n, WIRE_CKPT_MAX);

		assert_true(c >= n);
		assert_true(c <= RX_MIN_ALLOC || c < 2 * n);
	}
	assert_int_equal(rx_capacity(WIRE_CKPT_MAX, WIRE_CKPT_MAX),
			 WIRE_CKPT_MAX);
}

static void test_rx_bound_never_above_total(void **state)
{
	static const uint64_t totals[] = { 0, 1, 100, 65535, 65536, 65537,
					   1000000, (UINT64_C(1) << 31) - 1 };

	(void)state;
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		uint64_t t = totals[i];

		assert_true(rx_capacity(0, t) >= 1);
		assert_true(t == 0 || rx_capacity(0, t) <= t);
		assert_int_equal(rx_capacity(t, t), t ? t : 1);
	}
}

/* Growth as chunks arrive: monotonic, each chunk fits in what the buffer
 * holds after the grow that recv_chunk() does. */
static void test_rx_bound_monotonic_chunks(void **state)
{
	const uint64_t total = 5000000, chunk = 60000;
	uint64_t cap = rx_capacity(0, total), grows = 0;

	(void)state;
	for (uint64_t off = 0; off < total; off += chunk) {
		uint64_t end = off + chunk < total ? off + chunk : total;

		assert_int_equal(cap, rx_capacity(off, total));
		if (rx_capacity(end, total) > cap) {
			cap = rx_capacity(end, total);
			grows++;
		}
		assert_true(cap >= end);
	}
	assert_int_equal(cap, total);
	assert_true(grows <= 8);	/* doubling: log2(5e6 / 64 Ki) + 1 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_bound_announced_total_not_allocated),
		cmocka_unit_test(test_rx_bound_at_most_twice_received),
		cmocka_unit_test(test_rx_bound_never_above_total),
		cmocka_unit_test(test_rx_bound_monotonic_chunks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
