/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Latency statistics for cmirrorctl stats: a log-linear histogram of
 * microseconds (8 buckets per power of two, so a percentile is reported
 * within 12.5% instead of the factor of 2 of plain log2 buckets), and a
 * FIFO of send times that pairs each of our CPG messages with its own
 * delivery (CPG delivers one sender's messages in the order sent).
 * No clock is read here: callers pass the times.
 */
#ifndef CMIRROR_LAT_HIST_H
#define CMIRROR_LAT_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define LAT_EXACT	16	/* 0..15 us: a bucket each */
#define LAT_SUB		8	/* buckets per power of two above */
#define LAT_BUCKETS	(LAT_EXACT + (41 - 4) * LAT_SUB)	/* to 2^41 us */

struct lat_hist {
	uint64_t count, sum_us, max_us;
	uint64_t b[LAT_BUCKETS];
};

void lat_hist_add(struct lat_hist *h, uint64_t us);

/* An upper bound of the pct-th percentile (1..100): the top of the bucket
 * that holds it, never above the largest value seen; 0 when empty. */
uint64_t lat_hist_pct(const struct lat_hist *h, unsigned pct);

static inline uint64_t lat_hist_mean(const struct lat_hist *h)
{
	return h->count ? h->sum_us / h->count : 0;
}

/* Bucket of a value and the largest value a bucket holds (exposed for the
 * unit test). */
unsigned lat_hist_bucket(uint64_t us);
uint64_t lat_hist_bucket_top(unsigned b);

#define LAT_FIFO_LEN	1024	/* a power of two */

/* Send times of our messages on one CPG handle that are not delivered
 * yet.  More than LAT_FIFO_LEN in flight: the oldest times are
 * overwritten and their deliveries give no sample. */
struct lat_fifo {
	uint64_t sent, seen;
	uint64_t t_us[LAT_FIFO_LEN];
};

void lat_fifo_sent(struct lat_fifo *f, uint64_t now_us);

/* One of our messages was delivered: true with *us = its time in flight
 * when its send time is still held. */
bool lat_fifo_seen(struct lat_fifo *f, uint64_t now_us, uint64_t *us);

/* New CPG connection or membership: what was in flight is forgotten. */
static inline void lat_fifo_reset(struct lat_fifo *f)
{
	f->seen = f->sent;
}

#endif
