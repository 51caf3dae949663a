/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The replicated region state machine: rlog_apply() and its per-type
 * handlers.  Pure state, no I/O; every member of a log's group applies the
 * same (node, type, payload) sequence in the same order and must end in the
 * same state, so nothing here may depend on anything but the state and the
 * request (no time, no addresses, no allocation-order effects).
 *
 * State (see rlog.h for the full invariants):
 *   clean/sync      bitmaps in dm-log layout;
 *   marks[]         per node, sorted arrays of marked regions.  MARK and
 *                   CLEAR carry at most 32 regions, so they sort their
 *                   input and merge it into the node's array in one pass:
 *                   no per-region loop over the log (2^27 regions);
 *   slots[]         one region per node being recovered;
 *   prio[]          FIFO of regions a write waits for (IS_REMOTE_RECOVERING);
 *   halted[]        presuspended nodes (no resync work);
 *   sync_search     resync cursor: every region below it is in sync (it is
 *                   the lowest region possibly out of sync), which is also
 *                   what makes rlog_in_sync_hint() cheap.
 *
 * Who changes what:
 *   MARK / FLUSH(marks)   node's marks += regions, clean := 0
 *   CLEAR                 node's marks -= regions; clean := 1 only when no
 *                         node marks it, it is in sync and no flush failed
 *   GET_RESYNC_WORK       slot := priority FIFO head, else cursor search
 *   SET_REGION_SYNC       sync bit; slot freed; dropped from the FIFO
 *   IS_REMOTE_RECOVERING  out-of-sync region -> FIFO
 *   PRESUSPEND / RESUME   halted set; RESUME resets the cursor
 *
 * Every request is validated completely before anything is changed, so an
 * error (-EINVAL, -ENOSPC, -ENOMEM) leaves the state untouched.  A request
 * that changes anything advances `generation` exactly once.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/rlog.h"
#include "rlog_sm.h"

/* Kernel payloads are host byte order; they may be unaligned in a frame. */
static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* ---- shared helpers (rlog_sm.h) ---------------------------------------- */

bool rlog_sm_find_u64(const uint64_t *a, size_t n, uint64_t region,
		      size_t *pos)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid] < region)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	return lo < n && a[lo] == region;
}

long rlog_sm_marks_index(const struct rlog *l, uint32_t node, size_t *pos)
{
	size_t lo = 0, hi = l->nmarks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->marks[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos)
		*pos = lo;
	if (lo < l->nmarks && l->marks[lo].node == node)
		return (long)lo;
	return -1;
}

bool rlog_sm_marked_by_other(const struct rlog *l, uint32_t node,
			     uint64_t region)
{
	for (size_t i = 0; i < l->nmarks; i++) {
		const struct rlog_marks *m = &l->marks[i];

		if (m->node != node &&
		    rlog_sm_find_u64(m->regions, m->n, region, NULL))
			return true;
	}
	return false;
}

void rlog_sm_marks_remove(struct rlog *l, size_t i)
{
	free(l->marks[i].regions);
	memmove(&l->marks[i], &l->marks[i + 1],
		(l->nmarks - i - 1) * sizeof(l->marks[0]));
	l->nmarks--;
	memset(&l->marks[l->nmarks], 0, sizeof(l->marks[0]));
}

bool rlog_sm_slot_free_node(struct rlog *l, uint32_t node, uint64_t *region)
{
	for (size_t i = 0; i < l->nslots; i++) {
		if (l->slots[i].node != node)
			continue;
		if (region)
			*region = l->slots[i].region;
		memmove(&l->slots[i], &l->slots[i + 1],
			(l->nslots - i - 1) * sizeof(l->slots[0]));
		l->nslots--;
		memset(&l->slots[l->nslots], 0, sizeof(l->slots[0]));
		return true;
	}
	return false;
}

bool rlog_sm_prio_remove(struct rlog *l, uint64_t region)
{
	for (size_t i = 0; i < l->nprio; i++) {
		if (l->prio[i] != region)
			continue;
		memmove(&l->prio[i], &l->prio[i + 1],
			(l->nprio - i - 1) * sizeof(l->prio[0]));
		l->nprio--;
		l->prio[l->nprio] = 0;
		return true;
	}
	return false;
}

static long halted_index(const struct rlog *l, uint32_t node, size_t *pos)
{
	size_t i;

	for (i = 0; i < l->nhalted && l->halted[i] < node; i++)
		;
	if (pos)
		*pos = i;
	return i < l->nhalted && l->halted[i] == node ? (long)i : -1;
}

bool rlog_sm_unhalt(struct rlog *l, uint32_t node)
{
	long i = halted_index(l, node, NULL);

	if (i < 0)
		return false;
	memmove(&l->halted[i], &l->halted[i + 1],
		(l->nhalted - (size_t)i - 1) * sizeof(l->halted[0]));
	l->nhalted--;
	l->halted[l->nhalted] = 0;
	return true;
}

bool rlog_sm_make_out_of_sync(struct rlog *l, uint64_t region)
{
	bool was_sync = bitmap_clear(&l->sync, region);

	if (was_sync)
		l->sync_count--;
	/* Out of sync must be dirty on disk, or a reload would trust it. */
	if (bitmap_clear(&l->clean, region))
		l->touched_dirtied = true;
	if (region < l->sync_search)
		l->sync_search = region;
	return was_sync;
}

/* ---- queries ------------------------------------------------------------ */

const struct rlog_marks *rlog_marks_of(const struct rlog *l, uint32_t node)
{
	long idx = rlog_sm_marks_index(l, node, NULL);

	return idx < 0 ? NULL : &l->marks[idx];
}

bool rlog_is_marked(const struct rlog *l, uint64_t region)
{
	for (size_t i = 0; i < l->nmarks; i++)
		if (rlog_sm_find_u64(l->marks[i].regions, l->marks[i].n,
				     region, NULL))
			return true;
	return false;
}

bool rlog_clear_cleans(const struct rlog *l, uint32_t node, uint64_t region)
{
	/* dm-log ignores clears once a flush failed: stay dirty. */
	return !l->flush_failed && bitmap_test(&l->sync, region) &&
	       !rlog_sm_marked_by_other(l, node, region);
}

uint64_t rlog_in_sync_hint(const struct rlog *l)
{
	/* Every region below the cursor is in sync (rlog_check verifies). */
	uint64_t from = l->sync_search;

	if (from >= l->p.region_count)
		return l->p.region_count;
	return bitmap_next_zero(&l->sync, from);
}

void rlog_take_touched(struct rlog *l, bool *dirtied, bool *cleaned)
{
	if (dirtied)
		*dirtied = l->touched_dirtied;
	if (cleaned)
		*cleaned = l->touched_cleaned;
	l->touched_dirtied = false;
	l->touched_cleaned = false;
}

bool rlog_type_changes_state(uint32_t type)
{
	switch (type) {
	case DM_ULOG_MARK_REGION:
	case DM_ULOG_CLEAR_REGION:
	case DM_ULOG_FLUSH:
	case DM_ULOG_GET_RESYNC_WORK:
	case DM_ULOG_SET_REGION_SYNC:
	case DM_ULOG_IS_REMOTE_RECOVERING:
	case DM_ULOG_PRESUSPEND:
	case DM_ULOG_POSTSUSPEND:
	case DM_ULOG_RESUME:
		return true;
	default:
		return false;
	}
}

/* ---- region arrays (MARK / CLEAR / FLUSH) -------------------------------- */

/*
 * Read, range-check, sort and dedupe an array of regions.  The kernel sends
 * at most 32 per request, in any order, duplicates allowed.
 */
static int read_regions(const struct rlog *l, const uint8_t *in,
			uint32_t in_len, bool allow_empty, uint64_t *r,
			size_t *n)
{
	size_t k = in_len / 8, out = 0;

	if (in_len % 8 || k > ULOG_MAX_REGIONS || (!k && !allow_empty))
		return -EINVAL;
	for (size_t i = 0; i < k; i++) {
		uint64_t v = get_u64(in + i * 8);
		size_t j = i;

		if (v >= l->p.region_count)
			return -EINVAL;
		/* Insertion sort: k <= 32. */
		while (j > 0 && r[j - 1] > v) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = v;
	}
	for (size_t i = 0; i < k; i++)
		if (!out || r[out - 1] != r[i])
			r[out++] = r[i];
	*n = out;
	return 0;
}

int rlog_check_regions(const struct rlog *l, const uint8_t *in,
		       uint32_t in_len)
{
	uint64_t r[ULOG_MAX_REGIONS];
	size_t n;

	return read_regions(l, in, in_len, false, r, &n);
}

/* Add sorted unique r[0..n) to node's marks; clean := 0.  All-or-nothing. */
static int marks_add(struct rlog *l, uint32_t node, const uint64_t *r,
		     size_t n, bool *changed)
{
	struct rlog_marks *m;
	size_t pos, add = 0;
	long idx;

	if (!n)
		return 0;
	idx = rlog_sm_marks_index(l, node, &pos);
	if (idx < 0) {
		size_t cap = n < 8 ? 8 : n;
		uint64_t *a;

		if (l->nmarks >= RLOG_MAX_NODES)
			return -ENOSPC;
		a = malloc(cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		memmove(&l->marks[pos + 1], &l->marks[pos],
			(l->nmarks - pos) * sizeof(l->marks[0]));
		l->nmarks++;
		m = &l->marks[pos];
		m->node = node;
		m->n = 0;
		m->cap = cap;
		m->regions = a;
		add = n;
	} else {
		m = &l->marks[idx];
		for (size_t i = 0; i < n; i++)
			if (!rlog_sm_find_u64(m->regions, m->n, r[i], NULL))
				add++;
		if (m->n + add > m->cap) {
			size_t cap = m->cap ? m->cap * 2 : 8;
			uint64_t *a;

			if (cap < m->n + add)
				cap = m->n + add;
			a = realloc(m->regions, cap * sizeof(*a));
			if (!a)
				return -ENOMEM;
			m->regions = a;
			m->cap = cap;
		}
	}
	if (add) {
		/* Merge from the back so the array is touched once. */
		size_t i = m->n, j = n, k = m->n + add;

		while (j > 0) {
			if (i > 0 && m->regions[i - 1] >= r[j - 1]) {
				if (m->regions[i - 1] == r[j - 1])
					j--;
				m->regions[--k] = m->regions[--i];
			} else {
				m->regions[--k] = r[--j];
			}
		}
		m->n += add;
		*changed = true;
	}
	for (size_t i = 0; i < n; i++) {
		if (bitmap_clear(&l->clean, r[i])) {
			l->touched_dirtied = true;
			*changed = true;
		}
	}
	return 0;
}

static int op_mark(struct rlog *l, uint32_t node, const uint8_t *in,
		   uint32_t in_len, struct rlog_result *res, bool *changed)
{
	uint64_t r[ULOG_MAX_REGIONS];
	size_t n;
	int e = read_regions(l, in, in_len, false, r, &n);

	return e ? e : marks_add(l, node, r, n, changed);
}

/* Integrated flush: the payload marks, then the caller commits all. */
static int op_flush(struct rlog *l, uint32_t node, const uint8_t *in,
		    uint32_t in_len, struct rlog_result *res, bool *changed)
{
	uint64_t r[ULOG_MAX_REGIONS];
	size_t n;
	int e = read_regions(l, in, in_len, true, r, &n);

	if (!e)
		e = marks_add(l, node, r, n, changed);
	if (!e)
		res->needs_commit = true;
	return e;
}

static int op_clear(struct rlog *l, uint32_t node, const uint8_t *in,
		    uint32_t in_len, struct rlog_result *res, bool *changed)
{
	uint64_t r[ULOG_MAX_REGIONS];
	size_t n, pos;
	long idx;
	int e = read_regions(l, in, in_len, false, r, &n);

	if (e)
		return e;
	idx = rlog_sm_marks_index(l, node, NULL);
	if (idx >= 0) {
		struct rlog_marks *m = &l->marks[idx];
		size_t w, j = 0;

		/* One compaction pass from the first region cleared. */
		rlog_sm_find_u64(m->regions, m->n, r[0], &pos);
		w = pos;
		for (size_t i = pos; i < m->n; i++) {
			while (j < n && r[j] < m->regions[i])
				j++;
			if (j < n && r[j] == m->regions[i])
				continue;
			m->regions[w++] = m->regions[i];
		}
		if (w != m->n)
			*changed = true;
		m->n = w;
		if (!m->n)
			rlog_sm_marks_remove(l, (size_t)idx);
	}
	for (size_t i = 0; i < n; i++) {
		if (!rlog_clear_cleans(l, node, r[i]))
			continue;
		if (!bitmap_set(&l->clean, r[i])) {
			l->touched_cleaned = true;
			*changed = true;
		}
	}
	return 0;
}

/* ---- recovery ------------------------------------------------------------ */

static bool in_a_slot(const struct rlog *l, uint64_t region)
{
	for (size_t i = 0; i < l->nslots; i++)
		if (l->slots[i].region == region)
			return true;
	return false;
}

static bool can_recover(const struct rlog *l, uint32_t node, uint64_t r)
{
	return !bitmap_test(&l->sync, r) && !in_a_slot(l, r) &&
	       !rlog_sm_marked_by_other(l, node, r);
}

static void slot_add(struct rlog *l, uint32_t node, uint64_t region)
{
	size_t i = l->nslots;

	while (i > 0 && l->slots[i - 1].node > node) {
		l->slots[i] = l->slots[i - 1];
		i--;
	}
	l->slots[i].node = node;
	l->slots[i].region = region;
	l->nslots++;
}

static void put_pair(struct rlog_result *res, uint64_t a, uint64_t b)
{
	put_u64(res->out, a);
	put_u64(res->out + 8, b);
	res->out_len = 16;
}

static int op_get_resync_work(struct rlog *l, uint32_t node,
			      const uint8_t *in, uint32_t in_len,
			      struct rlog_result *res, bool *changed)
{
	uint64_t r, c;

	put_pair(res, 0, 0);
	if (halted_index(l, node, NULL) >= 0)
		return 0;
	for (size_t i = 0; i < l->nslots; i++) {
		if (l->slots[i].node == node) {
			put_pair(res, 1, l->slots[i].region);
			return 0;
		}
	}
	if (l->nslots >= RLOG_MAX_SLOTS)
		return 0;
	/* Regions writes are waiting for come first. */
	for (size_t i = 0; i < l->nprio; i++) {
		r = l->prio[i];
		if (!can_recover(l, node, r))
			continue;
		rlog_sm_prio_remove(l, r);
		goto found;
	}
	/* The cursor only moves over regions that are in sync. */
	c = rlog_in_sync_hint(l);
	if (c != l->sync_search) {
		l->sync_search = c;
		*changed = true;
	}
	for (r = c; r < l->p.region_count;
	     r = bitmap_next_zero(&l->sync, r + 1)) {
		if (can_recover(l, node, r))
			goto found;
	}
	return 0;
found:
	slot_add(l, node, r);
	*changed = true;
	put_pair(res, 1, r);
	return 0;
}

static int op_set_region_sync(struct rlog *l, uint32_t node,
			      const uint8_t *in, uint32_t in_len,
			      struct rlog_result *res, bool *changed)
{
	uint64_t region = get_u64(in);
	int64_t in_sync = (int64_t)get_u64(in + 8);

	if (region >= l->p.region_count)
		return -EINVAL;
	/* Whoever recovered it is done with it, success or not (dm-log
	 * clears the recovering bit either way). */
	for (size_t i = 0; i < l->nslots; i++) {
		if (l->slots[i].region == region) {
			rlog_sm_slot_free_node(l, l->slots[i].node, NULL);
			*changed = true;
			break;
		}
	}
	if (in_sync) {
		if (rlog_sm_prio_remove(l, region))
			*changed = true;
		if (!bitmap_set(&l->sync, region)) {
			l->sync_count++;
			*changed = true;
		}
		if (!l->flush_failed && !rlog_is_marked(l, region) &&
		    !bitmap_set(&l->clean, region)) {
			l->touched_cleaned = true;
			*changed = true;
		}
	} else {
		bool was_clean = bitmap_test(&l->clean, region);

		if (rlog_sm_make_out_of_sync(l, region) || was_clean)
			*changed = true;
	}
	return 0;
}

static int op_is_remote_recovering(struct rlog *l, uint32_t node,
				   const uint8_t *in, uint32_t in_len,
				   struct rlog_result *res, bool *changed)
{
	uint64_t region = get_u64(in);
	bool found = false;

	if (region >= l->p.region_count)
		return -EINVAL;
	put_pair(res, 0, rlog_in_sync_hint(l));
	if (bitmap_test(&l->sync, region))
		return 0;
	/* The write must wait until the region is recovered: this closes
	 * the race between a remote recovery copy and a local write. */
	put_pair(res, 1, rlog_in_sync_hint(l));
	if (in_a_slot(l, region))
		return 0;
	for (size_t i = 0; i < l->nprio && !found; i++)
		found = l->prio[i] == region;
	if (!found && l->nprio < RLOG_MAX_PRIORITY) {
		l->prio[l->nprio++] = region;
		*changed = true;
	}
	return 0;
}

/* ---- reads ---------------------------------------------------------------- */

static int put_bit(const struct rlog *l, const struct bitmap *b,
		   const uint8_t *in, struct rlog_result *res)
{
	uint64_t region = get_u64(in);

	if (region >= l->p.region_count)
		return -EINVAL;
	put_u64(res->out, bitmap_test(b, region) ? 1 : 0);
	res->out_len = 8;
	return 0;
}

static int op_in_sync(struct rlog *l, uint32_t node, const uint8_t *in,
		      uint32_t in_len, struct rlog_result *res, bool *changed)
{
	return put_bit(l, &l->sync, in, res);
}

/* Stricter than dm-log, which answers from the clean bits alone: a region
 * out of sync may hold writes nobody recorded (the state was rebuilt after
 * a daemon restart, or a node died holding it), so it is never called
 * clean before it is recovered. */
static int op_is_clean(struct rlog *l, uint32_t node, const uint8_t *in,
		       uint32_t in_len, struct rlog_result *res, bool *changed)
{
	int r = put_bit(l, &l->clean, in, res);

	if (r == 0 && !bitmap_test(&l->sync, get_u64(in)))
		put_u64(res->out, 0);
	return r;
}

static int op_get_sync_count(struct rlog *l, uint32_t node,
			     const uint8_t *in, uint32_t in_len,
			     struct rlog_result *res, bool *changed)
{
	put_u64(res->out, l->sync_count);
	res->out_len = 8;
	return 0;
}

static int op_get_region_size(struct rlog *l, uint32_t node,
			      const uint8_t *in, uint32_t in_len,
			      struct rlog_result *res, bool *changed)
{
	put_u64(res->out, l->p.region_size);
	res->out_len = 8;
	return 0;
}

static int op_status_info(struct rlog *l, uint32_t node, const uint8_t *in,
			  uint32_t in_len, struct rlog_result *res,
			  bool *changed)
{
	return rlog_sm_status_info(l, res);
}

static int op_status_table(struct rlog *l, uint32_t node, const uint8_t *in,
			   uint32_t in_len, struct rlog_result *res,
			   bool *changed)
{
	return rlog_sm_status_table(l, res);
}

/* ---- lifecycle -------------------------------------------------------------- */

static int op_presuspend(struct rlog *l, uint32_t node, const uint8_t *in,
			 uint32_t in_len, struct rlog_result *res,
			 bool *changed)
{
	size_t pos;

	if (halted_index(l, node, &pos) < 0) {
		if (l->nhalted >= RLOG_MAX_NODES)
			return -ENOSPC;
		memmove(&l->halted[pos + 1], &l->halted[pos],
			(l->nhalted - pos) * sizeof(l->halted[0]));
		l->halted[pos] = node;
		l->nhalted++;
		*changed = true;
	}
	/* Its region stays out of sync; the cursor is at or below it. */
	if (rlog_sm_slot_free_node(l, node, NULL))
		*changed = true;
	return 0;
}

static int op_postsuspend(struct rlog *l, uint32_t node, const uint8_t *in,
			  uint32_t in_len, struct rlog_result *res,
			  bool *changed)
{
	return 0;	/* the caller commits the state */
}

static int op_resume(struct rlog *l, uint32_t node, const uint8_t *in,
		     uint32_t in_len, struct rlog_result *res, bool *changed)
{
	uint64_t c = bitmap_next_zero(&l->sync, 0);

	if (rlog_sm_unhalt(l, node))
		*changed = true;
	if (c != l->sync_search) {
		l->sync_search = c;
		*changed = true;
	}
	return 0;
}

/* ---- dispatch -------------------------------------------------------------- */

typedef int (*rlog_op_fn)(struct rlog *l, uint32_t node, const uint8_t *in,
			  uint32_t in_len, struct rlog_result *res,
			  bool *changed);

#define IN_REGIONS	UINT32_MAX	/* size checked by read_regions() */

/* Indexed by DM_ULOG_*: handler and exact payload size. */
static const struct {
	rlog_op_fn fn;
	uint32_t in_size;
} rlog_ops[ULOG_NR_TYPES + 1] = {
	[DM_ULOG_PRESUSPEND] = { op_presuspend, 0 },
	[DM_ULOG_POSTSUSPEND] = { op_postsuspend, 0 },
	[DM_ULOG_RESUME] = { op_resume, 0 },
	[DM_ULOG_GET_REGION_SIZE] = { op_get_region_size, 0 },
	[DM_ULOG_IS_CLEAN] = { op_is_clean, 8 },
	[DM_ULOG_IN_SYNC] = { op_in_sync, 8 },
	[DM_ULOG_FLUSH] = { op_flush, IN_REGIONS },
	[DM_ULOG_MARK_REGION] = { op_mark, IN_REGIONS },
	[DM_ULOG_CLEAR_REGION] = { op_clear, IN_REGIONS },
	[DM_ULOG_GET_RESYNC_WORK] = { op_get_resync_work, 0 },
	[DM_ULOG_SET_REGION_SYNC] = { op_set_region_sync, 16 },
	[DM_ULOG_GET_SYNC_COUNT] = { op_get_sync_count, 0 },
	[DM_ULOG_STATUS_INFO] = { op_status_info, 0 },
	[DM_ULOG_STATUS_TABLE] = { op_status_table, 0 },
	[DM_ULOG_IS_REMOTE_RECOVERING] = { op_is_remote_recovering, 8 },
};

int rlog_apply(struct rlog *l, uint32_t node, uint32_t type,
	       const uint8_t *in, uint32_t in_len, struct rlog_result *res)
{
	bool changed = false;
	int e;

	memset(res, 0, sizeof(*res));
	if (type > ULOG_NR_TYPES || !rlog_ops[type].fn ||
	    (in_len && !in) ||
	    (rlog_ops[type].in_size != IN_REGIONS &&
	     rlog_ops[type].in_size != in_len)) {
		res->error = -EINVAL;
		return res->error;
	}
	e = rlog_ops[type].fn(l, node, in, in_len, res, &changed);
	if (e) {
		/* Handlers fail before changing anything. */
		memset(res, 0, sizeof(*res));
		res->error = e;
		return e;
	}
	if (changed) {
		l->generation++;
		res->changed = true;
	}
	return 0;
}
