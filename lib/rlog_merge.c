/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whole-state operations on the region log: node loss, partition merge,
 * loading a disk log, and the invariant checker.
 *
 * These run outside the per-request path (on membership changes and at the
 * first resume) but are still deterministic functions of their inputs, so
 * every member that runs them on equal replicas gets equal replicas.
 *
 * Safety: node loss and merge only ever make regions *less* clean and *less*
 * in sync (dirty = OR, sync = AND); the only way back is SET_REGION_SYNC and
 * CLEAR in rlog.c.  A lost node's writes may have reached only some legs, so
 * every region it had marked must be resynced.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/rlog.h"
#include "rlog_sm.h"

int64_t rlog_node_lost(struct rlog *l, uint32_t node)
{
	long idx = rlog_sm_marks_index(l, node, NULL);
	bool changed = false;
	int64_t n = 0;
	uint64_t region;

	if (idx >= 0) {
		const struct rlog_marks *m = &l->marks[idx];

		for (size_t i = 0; i < m->n; i++)
			if (rlog_sm_make_out_of_sync(l, m->regions[i]))
				n++;
		rlog_sm_marks_remove(l, (size_t)idx);
		changed = true;
	}
	/* A half-done recovery copy: the region stays out of sync. */
	if (rlog_sm_slot_free_node(l, node, &region)) {
		if (rlog_sm_make_out_of_sync(l, region))
			n++;
		changed = true;
	}
	if (rlog_sm_unhalt(l, node))
		changed = true;
	if (changed)
		l->generation++;
	return n;
}

/* ---- merge ------------------------------------------------------------- */

/* Union of two sorted unique arrays into a new allocation. */
static int union_u64(const uint64_t *a, size_t na, const uint64_t *b,
		     size_t nb, struct rlog_marks *out)
{
	size_t i = 0, j = 0, k = 0, cap = na + nb ? na + nb : 1;
	uint64_t *r = malloc(cap * sizeof(*r));

	if (!r)
		return -ENOMEM;
	while (i < na || j < nb) {
		if (j >= nb || (i < na && a[i] < b[j]))
			r[k++] = a[i++];
		else if (i >= na || b[j] < a[i])
			r[k++] = b[j++];
		else {
			r[k++] = a[i++];
			j++;
		}
	}
	out->regions = r;
	out->n = k;
	out->cap = cap;
	return 0;
}

static void free_marks(struct rlog_marks *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].regions);
}

/* marks = per-node union, built aside so failure changes nothing. */
static int merge_marks(const struct rlog *l, const struct rlog *o,
		       struct rlog_marks *nm, size_t *nn)
{
	size_t i = 0, j = 0, k = 0;
	int e = 0;

	while (i < l->nmarks || j < o->nmarks) {
		const struct rlog_marks *a = i < l->nmarks ? &l->marks[i] : NULL;
		const struct rlog_marks *b = j < o->nmarks ? &o->marks[j] : NULL;

		if (k >= RLOG_MAX_NODES) {
			e = -ENOSPC;
			break;
		}
		if (a && (!b || a->node < b->node)) {
			e = union_u64(a->regions, a->n, NULL, 0, &nm[k]);
			nm[k].node = a->node;
			i++;
		} else if (!a || b->node < a->node) {
			e = union_u64(NULL, 0, b->regions, b->n, &nm[k]);
			nm[k].node = b->node;
			j++;
		} else {
			e = union_u64(a->regions, a->n, b->regions, b->n,
				      &nm[k]);
			nm[k].node = a->node;
			i++;
			j++;
		}
		if (e)
			break;
		k++;
	}
	if (e) {
		free_marks(nm, k);
		return e;
	}
	*nn = k;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int rlog_merge(struct rlog *l, const struct rlog *o)
{
	struct rlog_marks nm[RLOG_MAX_NODES];
	uint64_t prio[2 * RLOG_MAX_PRIORITY];
	uint32_t halted[RLOG_MAX_NODES];
	size_t nn = 0, np = 0, nh = 0, i, j;
	int e;

	if (l->p.region_count != o->p.region_count ||
	    l->p.region_size != o->p.region_size ||
	    l->clean.nbits != o->clean.nbits ||
	    l->sync.nbits != o->sync.nbits ||
	    l->clean.nbits != l->sync.nbits)
		return -EINVAL;

	/* halted = union (sorted). */
	for (i = 0, j = 0; i < l->nhalted || j < o->nhalted;) {
		uint32_t v;

		if (j >= o->nhalted ||
		    (i < l->nhalted && l->halted[i] < o->halted[j]))
			v = l->halted[i++];
		else if (i >= l->nhalted || o->halted[j] < l->halted[i])
			v = o->halted[j++];
		else {
			v = l->halted[i++];
			j++;
		}
		if (nh >= RLOG_MAX_NODES)
			return -ENOSPC;
		halted[nh++] = v;
	}

	/* priority = union, sorted so the result is order-independent;
	 * the lowest RLOG_MAX_PRIORITY regions are kept. */
	memcpy(prio, l->prio, l->nprio * sizeof(prio[0]));
	memcpy(prio + l->nprio, o->prio, o->nprio * sizeof(prio[0]));
	qsort(prio, l->nprio + o->nprio, sizeof(prio[0]), cmp_u64);
	for (i = 0; i < l->nprio + o->nprio; i++)
		if (!np || prio[np - 1] != prio[i])
			prio[np++] = prio[i];
	if (np > RLOG_MAX_PRIORITY)
		np = RLOG_MAX_PRIORITY;

	e = merge_marks(l, o, nm, &nn);
	if (e)
		return e;

	/* Nothing can fail from here on. */
	if (!bitmap_equal(&l->clean, &o->clean))
		l->touched_dirtied = true;
	l->touched_dirtied |= o->touched_dirtied;
	l->touched_cleaned |= o->touched_cleaned;
	bitmap_and(&l->clean, &o->clean);	/* dirty = OR */
	bitmap_and(&l->sync, &o->sync);
	l->sync_count = bitmap_count(&l->sync);
	if (o->sync_search < l->sync_search)
		l->sync_search = o->sync_search;

	free_marks(l->marks, l->nmarks);
	memset(l->marks, 0, sizeof(l->marks));
	memcpy(l->marks, nm, nn * sizeof(nm[0]));
	l->nmarks = nn;

	/* Each side's recoveries are restarted by their owners. */
	l->nslots = 0;
	memset(l->slots, 0, sizeof(l->slots));

	memset(l->prio, 0, sizeof(l->prio));
	memcpy(l->prio, prio, np * sizeof(prio[0]));
	l->nprio = np;

	memset(l->halted, 0, sizeof(l->halted));
	memcpy(l->halted, halted, nh * sizeof(halted[0]));
	l->nhalted = nh;

	l->log_dev_failed |= o->log_dev_failed;
	l->flush_failed |= o->flush_failed;
	l->generation = (l->generation > o->generation ? l->generation :
			 o->generation) + 1;
	return 0;
}

/* ---- disk load ---------------------------------------------------------- */

/* Set bits [from, to) of b to v, bytewise in the middle. */
static void fill_range(struct bitmap *b, uint64_t from, uint64_t to, bool v)
{
	while (from < to && from % 8) {
		if (v)
			bitmap_set(b, from);
		else
			bitmap_clear(b, from);
		from++;
	}
	if (to - from >= 8 && from < to) {
		uint64_t bytes = (to - from) / 8;

		memset(b->bits + from / 8, v ? 0xff : 0, bytes);
		from += bytes * 8;
	}
	for (; from < to; from++) {
		if (v)
			bitmap_set(b, from);
		else
			bitmap_clear(b, from);
	}
}

int rlog_load_disk(struct rlog *l, const struct bitmap *disk_clean,
		   uint64_t disk_nr_regions, bool valid, bool read_failed)
{
	uint64_t count = l->p.region_count, keep = 0;
	struct bitmap nc, ns;
	size_t i, w;
	int e;

	if (valid && !disk_clean)
		return -EINVAL;
	/* dm-log: sync/nosync on the table means a new log. */
	if (valid && l->p.sync == RLOG_SYNC_DEFAULT) {
		keep = disk_nr_regions < count ? disk_nr_regions : count;
		if (keep > disk_clean->nbits)
			keep = disk_clean->nbits;
	}
	e = bitmap_init(&nc, count, false);
	if (e)
		return e;
	if (keep) {
		memcpy(nc.bits, disk_clean->bits, keep / 8);
		for (uint64_t r = keep / 8 * 8; r < keep; r++)
			if (bitmap_test(disk_clean, r))
				bitmap_set(&nc, r);
	}
	/* Growth: new regions are clean only for nosync. */
	fill_range(&nc, keep, count, l->p.sync == RLOG_SYNC_NONE);
	/* Regions someone has marked stay dirty. */
	for (i = 0; i < l->nmarks; i++)
		for (size_t k = 0; k < l->marks[i].n; k++)
			bitmap_clear(&nc, l->marks[i].regions[k]);
	e = bitmap_dup(&ns, &nc);	/* sync := clean */
	if (e) {
		bitmap_free(&nc);
		return e;
	}

	for (size_t b = 0; b < nc.nbytes && b < l->clean.nbytes; b++) {
		if (l->clean.bits[b] & ~nc.bits[b])
			l->touched_dirtied = true;
		if (~l->clean.bits[b] & nc.bits[b])
			l->touched_cleaned = true;
	}
	bitmap_free(&l->clean);
	bitmap_free(&l->sync);
	l->clean = nc;
	l->sync = ns;
	l->sync_count = bitmap_count(&l->sync);
	l->sync_search = bitmap_next_zero(&l->sync, 0);

	/* Recoveries of regions now in sync are moot. */
	for (i = 0, w = 0; i < l->nslots; i++)
		if (!bitmap_test(&l->sync, l->slots[i].region))
			l->slots[w++] = l->slots[i];
	memset(&l->slots[w], 0, (l->nslots - w) * sizeof(l->slots[0]));
	l->nslots = w;
	for (i = 0, w = 0; i < l->nprio; i++)
		if (!bitmap_test(&l->sync, l->prio[i]))
			l->prio[w++] = l->prio[i];
	memset(&l->prio[w], 0, (l->nprio - w) * sizeof(l->prio[0]));
	l->nprio = w;

	if (read_failed)
		l->log_dev_failed = true;
	l->generation++;
	return 0;
}

/* ---- invariants --------------------------------------------------------- */

#define FAIL(...)							\
	do {								\
		if (err && errlen)					\
			snprintf(err, errlen, __VA_ARGS__);		\
		return -EUCLEAN;					\
	} while (0)

int rlog_check(const struct rlog *l, char *err, size_t errlen)
{
	uint64_t count = l->p.region_count, first;
	size_t i, j;

	if (err && errlen)
		err[0] = '\0';
	if (l->clean.nbits != count || l->sync.nbits != count)
		FAIL("bitmap sizes %" PRIu64 "/%" PRIu64 " != %" PRIu64,
		     l->clean.nbits, l->sync.nbits, count);
	if (l->sync_count != bitmap_count(&l->sync))
		FAIL("sync_count %" PRIu64 " != popcount %" PRIu64,
		     l->sync_count, bitmap_count(&l->sync));
	first = bitmap_next_zero(&l->sync, 0);
	if (l->sync_search > count || l->sync_search > first)
		FAIL("cursor %" PRIu64 " past first out-of-sync %" PRIu64,
		     l->sync_search, first);

	if (l->nmarks > RLOG_MAX_NODES)
		FAIL("nmarks %zu", l->nmarks);
	for (i = 0; i < l->nmarks; i++) {
		const struct rlog_marks *m = &l->marks[i];

		if (i && l->marks[i - 1].node >= m->node)
			FAIL("marks not sorted by node at %zu", i);
		if (m->n > m->cap || (m->n && !m->regions))
			FAIL("node %u: marks array %zu/%zu", m->node, m->n,
			     m->cap);
		for (j = 0; j < m->n; j++) {
			uint64_t r = m->regions[j];

			if (r >= count)
				FAIL("node %u marks %" PRIu64 " >= %" PRIu64,
				     m->node, r, count);
			if (j && m->regions[j - 1] >= r)
				FAIL("node %u marks not sorted at %" PRIu64,
				     m->node, r);
			if (bitmap_test(&l->clean, r))
				FAIL("region %" PRIu64 " marked by %u is clean",
				     r, m->node);
		}
	}

	if (l->nslots > RLOG_MAX_SLOTS)
		FAIL("nslots %zu", l->nslots);
	for (i = 0; i < l->nslots; i++) {
		if (l->slots[i].region >= count)
			FAIL("slot region %" PRIu64 " >= %" PRIu64,
			     l->slots[i].region, count);
		if (i && l->slots[i - 1].node >= l->slots[i].node)
			FAIL("slots not sorted by node at %zu", i);
		for (j = 0; j < i; j++)
			if (l->slots[j].region == l->slots[i].region)
				FAIL("region %" PRIu64 " in two slots",
				     l->slots[i].region);
	}

	if (l->nprio > RLOG_MAX_PRIORITY)
		FAIL("nprio %zu", l->nprio);
	for (i = 0; i < l->nprio; i++) {
		if (l->prio[i] >= count)
			FAIL("priority region %" PRIu64 " >= %" PRIu64,
			     l->prio[i], count);
		for (j = 0; j < i; j++)
			if (l->prio[j] == l->prio[i])
				FAIL("priority region %" PRIu64 " twice",
				     l->prio[i]);
	}

	if (l->nhalted > RLOG_MAX_NODES)
		FAIL("nhalted %zu", l->nhalted);
	for (i = 1; i < l->nhalted; i++)
		if (l->halted[i - 1] >= l->halted[i])
			FAIL("halted not sorted at %zu", i);
	return 0;
}
