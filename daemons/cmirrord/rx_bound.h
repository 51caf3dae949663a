/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory bound of checkpoint reassembly (cluster_io.c): a CKPT or MERGE_IN
 * chunk announces the snapshot's total size (up to WIRE_CKPT_MAX, 2 GiB).
 * Allocating that on the first chunk would let one small message from a
 * misbehaving member cost 2 GiB per sender and kind; instead the buffer
 * grows with the bytes that actually arrived (chunks are contiguous), by
 * doubling, so memory is at most max(RX_MIN_ALLOC, 2 x received) and never
 * more than the total.  Pure, unit tested in test/unit/test_rx_bound.c.
 */
#ifndef CMIRRORD_RX_BOUND_H
#define CMIRRORD_RX_BOUND_H

#include <stdint.h>

#define RX_MIN_ALLOC	(UINT64_C(64) * 1024)

/* Capacity of the buffer of a reassembly that has to hold n bytes of a
 * snapshot of `total` bytes (n <= total): the smallest power of two >= n,
 * at least RX_MIN_ALLOC, at most total (and at least 1). */
static inline uint64_t rx_capacity(uint64_t n, uint64_t total)
{
	uint64_t c = RX_MIN_ALLOC;

	while (c < n && c < total)
		c *= 2;
	if (c > total)
		c = total;
	return c ? c : 1;
}

#endif
