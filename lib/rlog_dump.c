// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Human-readable dump of a region log (cmirrorctl, SIGUSR1).  Output shape:
 *
 *   regions 16 region_size 1024 type core sync default
 *   in_sync 12/16 dirty 3 cursor 5 generation 42 flags -
 *   marks 2: node 1: 2 [ 3-4 ] node 7: 1 [ 9 ]
 *   slots 1: node 2 -> 10
 *   priority 1: 11
 *   halted 1: 3
 *   out_of_sync 2: 3-4 9-10
 *   dirty 2: 3-4 9
 *
 * Range lists stop after max_ranges entries with " ..." so a 2^27-region
 * log never produces an unbounded dump; the count before the colon is the
 * number of ranges (or entries) there are in total.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "cmirror/rlog.h"

struct out {
	char *buf;
	size_t len;
	size_t pos;	/* what would have been written so far */
};

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (o->buf && o->pos < o->len)
		n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static void range(struct out *o, uint64_t a, uint64_t b)
{
	if (a == b)
		out_printf(o, " %" PRIu64, a);
	else
		out_printf(o, " %" PRIu64 "-%" PRIu64, a, b);
}

/*
 * Ranges of bits equal to `value` (false: out of sync / dirty).  Counting
 * all ranges walks the map a word at a time, so it stays cheap at 2^27.
 */
static void bit_ranges(struct out *o, const char *name,
		       const struct bitmap *b, bool value, size_t max_ranges)
{
	uint64_t n = b->nbits, total = 0, pos = 0;

	while (pos < n) {
		uint64_t s = value ? bitmap_next_set(b, pos) :
				     bitmap_next_zero(b, pos);

		if (s >= n)
			break;
		pos = value ? bitmap_next_zero(b, s) : bitmap_next_set(b, s);
		total++;
	}
	out_printf(o, "%s %" PRIu64 ":", name, total);
	pos = 0;
	for (size_t k = 0; pos < n && k < max_ranges; k++) {
		uint64_t s = value ? bitmap_next_set(b, pos) :
				     bitmap_next_zero(b, pos);

		if (s >= n)
			break;
		pos = value ? bitmap_next_zero(b, s) : bitmap_next_set(b, s);
		range(o, s, pos - 1);
	}
	if (total > max_ranges)
		out_printf(o, " ...");
	out_printf(o, "\n");
}

/* One node's marked regions (a sorted array) as ranges. */
static void mark_ranges(struct out *o, const struct rlog_marks *m,
			size_t max_ranges)
{
	size_t i = 0, k = 0;

	out_printf(o, " node %" PRIu32 ": %zu [", m->node, m->n);
	while (i < m->n) {
		size_t j = i;

		while (j + 1 < m->n && m->regions[j + 1] == m->regions[j] + 1)
			j++;
		if (k == max_ranges) {
			out_printf(o, " ...");
			break;
		}
		range(o, m->regions[i], m->regions[j]);
		k++;
		i = j + 1;
	}
	out_printf(o, " ]");
}

int rlog_dump(const struct rlog *l, char *buf, size_t len, size_t max_ranges)
{
	static const char *const sync_name[] = { "default", "sync", "nosync" };
	struct out o = { buf, len, 0 };
	uint64_t rc = l->p.region_count;

	if (buf && len)
		buf[0] = '\0';
	out_printf(&o, "regions %" PRIu64 " region_size %" PRIu64
		   " type %s sync %s\n", rc, l->p.region_size,
		   l->p.kind == RLOG_DISK ? "disk" : "core",
		   (unsigned)l->p.sync < 3 ? sync_name[l->p.sync] : "?");
	out_printf(&o, "in_sync %" PRIu64 "/%" PRIu64 " dirty %" PRIu64
		   " cursor %" PRIu64 " generation %" PRIu64 " flags %s%s%s\n",
		   l->sync_count, rc, rc - bitmap_count(&l->clean),
		   l->sync_search, l->generation,
		   l->log_dev_failed ? "D" : "", l->flush_failed ? "F" : "",
		   l->log_dev_failed || l->flush_failed ? "" : "-");
	out_printf(&o, "marks %zu:", l->nmarks);
	for (size_t i = 0; i < l->nmarks && i < RLOG_MAX_NODES; i++)
		mark_ranges(&o, &l->marks[i], max_ranges);
	out_printf(&o, "\nslots %zu:", l->nslots);
	for (size_t i = 0; i < l->nslots && i < RLOG_MAX_SLOTS; i++)
		out_printf(&o, " node %" PRIu32 " -> %" PRIu64,
			   l->slots[i].node, l->slots[i].region);
	out_printf(&o, "\npriority %zu:", l->nprio);
	for (size_t i = 0; i < l->nprio && i < RLOG_MAX_PRIORITY; i++)
		out_printf(&o, " %" PRIu64, l->prio[i]);
	out_printf(&o, "\nhalted %zu:", l->nhalted);
	for (size_t i = 0; i < l->nhalted && i < RLOG_MAX_NODES; i++)
		out_printf(&o, " %" PRIu32, l->halted[i]);
	out_printf(&o, "\n");
	bit_ranges(&o, "out_of_sync", &l->sync, false, max_ranges);
	bit_ranges(&o, "dirty", &l->clean, false, max_ranges);
	return o.pos > INT_MAX ? INT_MAX : (int)o.pos;
}
