// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The write workload and the resync loop, in dm-raid1's order:
 *   write:  IN_SYNC per region; if not in sync IS_REMOTE_RECOVERING (yes:
 *           defer the write and try later); wait for the region locks
 *           once; mark (MARK_REGION + FLUSH, or
 *           marks inside FLUSH with integrated_flush); write the legs under
 *           the region lock (both if in sync, leg0 only if not: the nosync
 *           write); CLEAR_REGION (+ FLUSH, or the kernel's delayed FLUSH
 *           3 s later in integrated mode).
 *   resync: GET_RESYNC_WORK -> under the region lock: copy leg0 to leg1,
 *           SET_REGION_SYNC(r, 1), CLEAR_REGION(r) (+ FLUSH).
 * A local check asks IS_CLEAN for a region we hold marked: it must be 0.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksim.h"

#define DEFER_MAX	16u
#define DELAYED_FLUSH_MS	3000u	/* the kernel's 3*HZ */
#define CHECK_EVERY	8u		/* local IS_CLEAN check period */
#define RESYNC_RECHECK_MS	200u

struct kwrite {
	uint64_t regs[ULOG_MAX_REGIONS];
	unsigned n;
	uint64_t due_ms, first_ms;
	unsigned backoff_ms;
};

/* --lazy-clear: completed writes whose clears are held back (FIFO). */
static struct kwrite held[KSIM_LAZY_MAX + 1];
static unsigned held_head, held_n;

static void put_regions(uint8_t *buf, const uint64_t *regs, unsigned n)
{
	unsigned i;

	/* mark_list/clear_list are filled at the head: newest first. */
	for (i = 0; i < n; i++)
		ulog_put_u64(buf + 8 * i, regs[n - 1 - i]);
}

int ksim_delayed_flush(struct ksim *k, bool force)
{
	int r;

	if (!k->flush_due_ms || (!force && ksim_now_ms() < k->flush_due_ms))
		return 0;
	k->flush_due_ms = 0;
	r = ksim_request(k, DM_ULOG_FLUSH, NULL, 0, NULL, 0, NULL);
	if (r < 0)
		return r;
	k->c.flushes++;
	return 0;
}

/* Clears of a batch, then the commit the kernel sends for them. */
static int send_clears(struct ksim *k, const uint64_t *regs, unsigned n)
{
	uint8_t buf[ULOG_MAX_REGIONS * 8];
	unsigned i;
	int r;

	for (i = 0; i < n; i++)
		ksim_journal(k, 'C', regs[i]);
	put_regions(buf, regs, n);
	r = ksim_request(k, DM_ULOG_CLEAR_REGION, buf, n * 8, NULL, 0, NULL);
	if (r < 0)
		return r;
	k->c.clears += n;
	if (k->o.mode == KSIM_MODE_INTEGRATED) {
		/* Clear-only flush: a FLUSH 3 s later unless one is pending;
		 * a mark-carrying FLUSH before then cancels it. */
		if (!k->flush_due_ms)
			k->flush_due_ms = ksim_now_ms() + DELAYED_FLUSH_MS;
		return 0;
	}
	r = ksim_request(k, DM_ULOG_FLUSH, NULL, 0, NULL, 0, NULL);
	if (r == 0)
		k->c.flushes++;
	return r;
}

static int send_marks(struct ksim *k, const uint64_t *regs, unsigned n)
{
	uint8_t buf[ULOG_MAX_REGIONS * 8];
	unsigned i;
	int r;

	for (i = 0; i < n; i++)
		ksim_journal(k, 'M', regs[i]);
	put_regions(buf, regs, n);
	if (k->o.mode == KSIM_MODE_INTEGRATED) {
		k->flush_due_ms = 0;
		r = ksim_request(k, DM_ULOG_FLUSH, buf, n * 8, NULL, 0, NULL);
	} else {
		r = ksim_request(k, DM_ULOG_MARK_REGION, buf, n * 8, NULL, 0,
				 NULL);
		if (r == 0)
			r = ksim_request(k, DM_ULOG_FLUSH, NULL, 0, NULL, 0,
					 NULL);
	}
	if (r < 0)
		return r;
	k->c.marks += n;
	k->c.flushes++;
	return 0;
}

static bool held_by_newer(uint64_t reg)
{
	unsigned i, j;

	for (i = 0; i < held_n; i++) {
		const struct kwrite *h = &held[(held_head + i) %
					       (KSIM_LAZY_MAX + 1)];

		for (j = 0; j < h->n; j++)
			if (h->regs[j] == reg)
				return true;
	}
	return false;
}

/* Clear the oldest held writes until at most `keep` remain; a region a
 * newer held write still covers stays marked (the region hash clears a
 * region only once its last pending write is done). */
static int release_held(struct ksim *k, unsigned keep)
{
	while (held_n > keep) {
		struct kwrite w = held[held_head];
		uint64_t regs[ULOG_MAX_REGIONS];
		unsigned i, n = 0;
		int r;

		held_head = (held_head + 1) % (KSIM_LAZY_MAX + 1);
		held_n--;
		for (i = 0; i < w.n; i++)
			if (!held_by_newer(w.regs[i]))
				regs[n++] = w.regs[i];
		if (!n)
			continue;
		r = send_clears(k, regs, n);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Wait out a recovery of these regions that is still between its
 * SET_REGION_SYNC and its CLEAR (ksim_resync_step() holds the region lock
 * over both).  A kernel's region hash orders them for its own writes; two
 * simulator processes of one node need this, or the recovery's clear could
 * follow the writer's mark and drop it (marks are per node).
 */
static int lock_barrier(struct ksim *k, const struct kwrite *w)
{
	for (unsigned i = 0; i < w->n; i++) {
		int r = ksim_lock_region(k, w->regs[i], true);

		(void)ksim_lock_region(k, w->regs[i], false);
		if (r < 0)
			return r;
	}
	return 0;
}

/* 1 = done, 0 = deferred (a region is being recovered elsewhere), -errno. */
static int try_write(struct ksim *k, struct kwrite *w)
{
	bool insync[ULOG_MAX_REGIONS], durable;
	uint64_t rebuilds;
	uint8_t out[16];
	uint32_t olen;
	unsigned i;
	int r;

	for (i = 0; i < w->n; i++) {
		int64_t v;

		r = ksim_req_u64(k, DM_ULOG_IN_SYNC, w->regs[i], true, &v);
		if (r < 0)
			return r;
		insync[i] = v == 1;
		if (insync[i])
			continue;
		ulog_put_u64(out, w->regs[i]);
		r = ksim_request(k, DM_ULOG_IS_REMOTE_RECOVERING, out, 8, out,
				 sizeof(out), &olen);
		if (r < 0)
			return r;
		if (olen < 16)
			return -EBADMSG;
		if ((int64_t)ulog_get_u64(out) != 0)
			return 0;
		/* dm-raid1 asks IS_REMOTE_RECOVERING first and the region
		 * state after it: the region may have been recovered since
		 * our IN_SYNC, and a stale "not in sync" would write one leg
		 * of a region the log now calls in sync. */
		r = ksim_req_u64(k, DM_ULOG_IN_SYNC, w->regs[i], true, &v);
		if (r < 0)
			return r;
		insync[i] = v == 1;
	}
	r = lock_barrier(k, w);
	if (r < 0)
		return r;
	rebuilds = k->c.reconnects;
	r = send_marks(k, w->regs, w->n);
	if (r < 0)
		return r;
	/*
	 * A table rebuild in the middle (daemon restarted between MARK and
	 * FLUSH) loses the marks, exactly as with the kernel, which only
	 * resends the failed request.  Such a write is then not known to be
	 * covered by a durable mark: no W line, no IS_CLEAN check.
	 */
	durable = rebuilds == k->c.reconnects;
	for (i = 0; durable && i < w->n; i++)
		ksim_journal(k, 'W', w->regs[i]);
	if (durable && k->c.writes % CHECK_EVERY == 0) {
		int64_t clean;
		uint64_t reg = w->regs[ksim_rand(k) % w->n];

		r = ksim_req_u64(k, DM_ULOG_IS_CLEAN, reg, true, &clean);
		if (r < 0)
			return r;
		if (clean != 0) {
			k->c.violations++;
			fprintf(stderr, "ksim[%s]: VIOLATION: region %" PRIu64
				" marked by us but IS_CLEAN=%" PRId64 "\n",
				k->o.node, reg, clean);
		}
	}
	for (i = 0; i < w->n; i++) {
		r = ksim_lock_region(k, w->regs[i], true);
		if (r == 0)
			r = ksim_write_region(k, w->regs[i], insync[i]);
		(void)ksim_lock_region(k, w->regs[i], false);
		if (r < 0)
			return r;
	}
	k->c.writes++;
	if (!k->o.lazy_clear) {
		r = send_clears(k, w->regs, w->n);
		return r < 0 ? r : 1;
	}
	held[(held_head + held_n++) % (KSIM_LAZY_MAX + 1)] = *w;
	r = release_held(k, k->o.lazy_clear);
	return r < 0 ? r : 1;
}

int ksim_resync_step(struct ksim *k)
{
	uint8_t out[16];
	uint32_t olen = 0;
	uint64_t reg;
	int r;

	r = ksim_request(k, DM_ULOG_GET_RESYNC_WORK, NULL, 0, out, sizeof(out),
			 &olen);
	if (r < 0)
		return r;
	if (olen < 16)
		return -EBADMSG;
	if ((int64_t)ulog_get_u64(out) == 0)
		return 0;
	reg = ulog_get_u64(out + 8);
	if (k->o.hold && k->c.resynced >= k->o.hold_after && reg < k->region_count) {
		/* Tests kill a node at this point: its slot is held and the
		 * journal tells them which region, no polling race. */
		ksim_journal(k, 'H', reg);
		while (!ksim_stop)
			pause();
		return -EINTR;
	}
	if (reg >= k->region_count) {
		fprintf(stderr, "ksim[%s]: VIOLATION: resync work %" PRIu64
			" >= region count %" PRIu64 "\n", k->o.node, reg,
			k->region_count);
		k->c.violations++;
		return 0;
	}
	/* The lock is held until the CLEAR is answered: a writer of this
	 * node (another process here, one region hash in a kernel) that sees
	 * the region in sync waits for it before marking, so the recovery's
	 * clear cannot land after its mark (lock_barrier()). */
	r = ksim_lock_region(k, reg, true);
	if (r == 0)
		r = ksim_copy_region(k, reg);
	if (r == 0) {
		ksim_journal(k, 'R', reg);
		ulog_put_u64(out, reg);
		ulog_put_u64(out + 8, 1);
		r = ksim_request(k, DM_ULOG_SET_REGION_SYNC, out, 16, NULL, 0,
				 NULL);
	}
	if (r == 0) {
		k->c.resynced++;
		r = send_clears(k, &reg, 1);
	}
	(void)ksim_lock_region(k, reg, false);
	return r < 0 ? r : 1;
}

/* No work now: with --until-sync, is there more to wait for?  1 yes, 0 no
 * (all in sync), -ETIMEDOUT past --max-seconds.  Regions marked by another
 * node or in its slot are handed out once that node lets go of them. */
static int more_to_recover(struct ksim *k, uint64_t end_ms)
{
	int64_t cnt;
	int r;

	if (!k->o.until_sync)
		return 0;
	r = ksim_req_u64(k, DM_ULOG_GET_SYNC_COUNT, 0, false, &cnt);
	if (r < 0)
		return r;
	if (cnt >= 0 && (uint64_t)cnt >= k->region_count)
		return 0;
	if (ksim_now_ms() >= end_ms) {
		fprintf(stderr, "ksim[%s]: resync: %" PRId64 "/%" PRIu64
			" in sync after %u s\n", k->o.node, cnt,
			k->region_count, k->o.max_seconds);
		return -ETIMEDOUT;
	}
	r = ksim_delayed_flush(k, true);
	if (r < 0)
		return r;
	ksim_nap_ms(RESYNC_RECHECK_MS);
	return 1;
}

int ksim_cmd_resync(struct ksim *k)
{
	uint64_t end = ksim_now_ms() + (uint64_t)k->o.max_seconds * 1000u;
	int r;

	while (!ksim_stop) {
		r = ksim_resync_step(k);
		if (r == 0)
			r = more_to_recover(k, end);
		if (r <= 0) {
			if (r < 0)
				return r;
			break;
		}
	}
	return ksim_delayed_flush(k, true);
}

static void pick(struct ksim *k, struct kwrite *w)
{
	uint64_t hi = k->o.reg_hi, lo = k->o.reg_lo, span, start;
	unsigned i;

	if (hi >= k->region_count)
		hi = k->region_count - 1;
	if (lo > hi)
		lo = hi;
	span = hi - lo + 1;
	w->n = k->o.burst;
	if (w->n > ULOG_MAX_REGIONS)
		w->n = ULOG_MAX_REGIONS;
	if (w->n > span)
		w->n = (unsigned)span;
	start = ksim_rand(k) % span;
	for (i = 0; i < w->n; i++)
		w->regs[i] = lo + (start + i) % span;
}

static void summary(struct ksim *k)
{
	printf("ksim: node=%s writes=%" PRIu64 " marks=%" PRIu64 " clears=%"
	       PRIu64 " flushes=%" PRIu64 " resynced=%" PRIu64 " retries=%"
	       PRIu64 " reconnects=%" PRIu64 " violations=%" PRIu64 "\n",
	       k->o.node, k->c.writes, k->c.marks, k->c.clears, k->c.flushes,
	       k->c.resynced, k->c.retries, k->c.reconnects, k->c.violations);
	fflush(stdout);
}

/* Pick what to do next: a due deferred write, a new write, resync, or a
 * nap until something is due.  Returns <0 on error, 0 when finished. */
static int workload(struct ksim *k)
{
	struct kwrite q[DEFER_MAX];
	unsigned nq = 0, i;
	bool resync_idle = !k->o.resync;
	uint64_t resync_next = 0, started = 0, next_start = 0;
	int r;

	for (;;) {
		uint64_t now = ksim_now_ms(), next_due = UINT64_MAX;
		struct kwrite w;
		bool did = false;

		r = ksim_delayed_flush(k, false);
		if (r < 0)
			return r;
		if (ksim_stop)
			break;
		if (k->o.writes && k->c.writes >= k->o.writes && nq == 0)
			break;
		/* A deferred write whose backoff is over. */
		for (i = 0; i < nq; i++) {
			if (q[i].due_ms <= now)
				break;
			if (q[i].due_ms < next_due)
				next_due = q[i].due_ms;
		}
		if (i < nq) {
			w = q[i];
			q[i] = q[--nq];
			did = true;
		} else if ((!k->o.writes || started < k->o.writes) &&
			   nq < DEFER_MAX) {
			if (now >= next_start) {
				pick(k, &w);
				w.first_ms = now;
				w.backoff_ms = 5;
				started++;
				next_start = now + k->o.pace_ms;
				did = true;
			} else if (next_start < next_due) {
				next_due = next_start;
			}
		}
		if (did) {
			r = try_write(k, &w);
			if (r < 0)
				return r;
			if (r == 0) {
				if (now - w.first_ms >
				    (uint64_t)k->o.reconnect_s * 1000u) {
					k->c.violations++;
					fprintf(stderr, "ksim[%s]: VIOLATION: "
						"write to region %" PRIu64
						" deferred for %u s\n",
						k->o.node, w.regs[0],
						k->o.reconnect_s);
					continue;
				}
				k->c.deferred++;
				w.due_ms = now + w.backoff_ms;
				if (w.backoff_ms < 500)
					w.backoff_ms *= 2;
				q[nq++] = w;
				/*
				 * dm-raid1 re-runs its worker for delayed
				 * writes, and that pass clears every region
				 * whose I/O is done: held clears go now.  A
				 * region we kept marked is one no other node
				 * may recover, so waiting for more writes
				 * here could deadlock the resync.
				 */
				if (held_n) {
					r = release_held(k, 0);
					if (r < 0)
						return r;
				}
			}
		}
		if (!resync_idle || (k->o.resync && now >= resync_next)) {
			r = ksim_resync_step(k);
			if (r < 0)
				return r;
			resync_idle = r == 0;
			if (resync_idle)
				resync_next = now + RESYNC_RECHECK_MS;
			did = did || r > 0;
		}
		if (!did) {
			uint64_t until = next_due;

			if (k->o.resync && resync_next < until)
				until = resync_next;
			if (k->flush_due_ms && k->flush_due_ms < until)
				until = k->flush_due_ms;
			if (until == UINT64_MAX)
				until = now + 100;
			ksim_nap_ms(until > now ? (unsigned)(until - now) : 1);
		}
	}
	r = release_held(k, 0);
	if (r < 0)
		return r;
	if (k->o.resync && !ksim_stop) {
		r = ksim_cmd_resync(k);
		if (r < 0)
			return r;
	}
	return ksim_delayed_flush(k, true);
}

int ksim_cmd_run(struct ksim *k)
{
	int r;

	if (k->o.no_up) {
		r = ksim_geometry(k);
		if (r == 0)
			k->table_up = true;
	} else {
		r = ksim_cmd_up(k);
	}
	if (r < 0) {
		fprintf(stderr, "ksim[%s]: bringing the log up: %s\n",
			k->o.node, strerror(-r));
		return 2;
	}
	r = ksim_data_open(k, false, true);
	if (r < 0) {
		fprintf(stderr, "ksim: state dir: %s\n", strerror(-r));
		return 2;
	}
	r = workload(k);
	if (r == 0 && k->o.down)
		r = ksim_cmd_down(k);
	summary(k);
	if (r < 0) {
		fprintf(stderr, "ksim[%s]: run failed: %s\n", k->o.node,
			strerror(-r));
		return 2;
	}
	return k->c.violations ? 1 : 0;
}
