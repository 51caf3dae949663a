// SPDX-License-Identifier: GPL-2.0-or-later
/* Latency histogram and send-time FIFO (include/cmirror/lat_hist.h). */
#include "config.h"

#include "cmirror/lat_hist.h"

unsigned lat_hist_bucket(uint64_t us)
{
	unsigned msb, b;

	if (us < LAT_EXACT)
		return (unsigned)us;
	msb = 63u - (unsigned)__builtin_clzll(us);	/* >= 4 */
	b = LAT_EXACT + (msb - 4) * LAT_SUB +
	    (unsigned)((us >> (msb - 3)) & (LAT_SUB - 1));
	return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

uint64_t lat_hist_bucket_top(unsigned b)
{
	unsigned msb, sub;

	if (b < LAT_EXACT)
		return b;
	if (b >= LAT_BUCKETS - 1)
		return UINT64_MAX;
	msb = 4 + (b - LAT_EXACT) / LAT_SUB;
	sub = (b - LAT_EXACT) % LAT_SUB;
	return ((uint64_t)(LAT_SUB + sub + 1) << (msb - 3)) - 1;
}

void lat_hist_add(struct lat_hist *h, uint64_t us)
{
	h->count++;
	h->sum_us += us;
	if (us > h->max_us)
		h->max_us = us;
	h->b[lat_hist_bucket(us)]++;
}

uint64_t lat_hist_pct(const struct lat_hist *h, unsigned pct)
{
	uint64_t want, seen = 0;

	if (!h->count || !pct)
		return 0;
	if (pct > 100)
		pct = 100;
	want = (h->count * pct + 99) / 100;
	for (unsigned b = 0; b < LAT_BUCKETS; b++) {
		seen += h->b[b];
		if (seen >= want) {
			uint64_t top = lat_hist_bucket_top(b);

			return top < h->max_us ? top : h->max_us;
		}
	}
	return h->max_us;
}

void lat_fifo_sent(struct lat_fifo *f, uint64_t now_us)
{
	f->t_us[f->sent++ & (LAT_FIFO_LEN - 1)] = now_us;
}

bool lat_fifo_seen(struct lat_fifo *f, uint64_t now_us, uint64_t *us)
{
	uint64_t i;

	if (f->seen == f->sent)
		return false;	/* not one we counted (sent before a reset) */
	i = f->seen++;
	if (f->sent - i > LAT_FIFO_LEN)
		return false;	/* its time was overwritten */
	*us = now_us - f->t_us[i & (LAT_FIFO_LEN - 1)];
	return true;
}
