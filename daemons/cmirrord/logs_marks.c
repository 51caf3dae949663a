// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Our ops that were answered before every member is known to hold them:
 * MARK_REGIONs (the non-integrated write path) and CLEAR_REGIONs (answered
 * once queued).
 *
 * dm-raid1 without integrated_flush sends MARK_REGION, then an empty FLUSH,
 * and writes once the FLUSH is answered; the answer must wait until every
 * member holds the marks (group.h, GROUP_OP_F_ACKED).  Flagging the FLUSH
 * would cost a second ordering after it.  Instead each MARK_REGION is
 * flagged: it is answered at delivery as before, the other members'
 * acknowledgements travel while the kernel sends its FLUSH, and the FLUSH
 * is answered once every MARK of ours before it is stable.  An empty
 * FLUSH is not even submitted: it waits here for that (WAIT_HELD; a disk
 * log's then waits for the device to hold our last MARK's generation), so
 * a write costs the MARK's ordering and its members' acknowledgements,
 * with no ordering of the FLUSH and no acknowledgements of it.  Every
 * MARK becomes stable or the group starts over
 * (cluster_stable.c: members acknowledge or leave, joiners count as having
 * acknowledged once their checkpoint is complete, a wait that cannot be
 * tracked makes the group start over), and at a start-over the waiting
 * FLUSH is routed again.  A FLUSH that must still go round (the first
 * after a (re)join, one with a MARK of ours not sent, a disk log's with
 * one not yet delivered, and the kernel's resend of one that waits here)
 * is flagged when such marks are pending, and its own stability answers
 * it as well: a stable op of ours means every member delivered all of ours
 * before it, so it covers those marks (and answers a FLUSH waiting here
 * for them).
 *
 * An entry keeps its regions, because an op answered but not yet stable
 * when the group starts over (core_reset) may have reached no other
 * member, or only a partition whose state lost the merge:
 *   - a MARK lost so would let the kernel write a region the group does
 *     not hold marked;
 *   - a CLEAR lost so leaves our mark for good: the kernel never clears
 *     that region again, so it can never be recovered, and a kernel that
 *     writes it while out of sync waits on IS_REMOTE_RECOVERING forever.
 * Both are submitted again once synced, in the order the kernel sent them
 * and before the requests still pending, so the group sees our marks and
 * clears in the kernel's order.  Our stable marks go first (saved from our
 * replica at the reset): the others dropped them when we left, and the
 * checkpoint we install comes from them, while our kernel still holds
 * those regions dirty.  CLEARs are not flagged (that would add
 * acknowledgements to every write and resync step); a stable op of ours
 * covers them, and every CLEARS_PER_FLAG-th CLEAR with no flagged op of
 * ours after it is flagged, so the list stays short on a node that only
 * resyncs or clears.  While a member does not acknowledge at all, the
 * list is bounded (CLEARS_MAX): further CLEARs are answered once stable.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"
#include "logs_int.h"

#define CLEARS_PER_FLAG 8u
/* Bound of the early-answered CLEARs kept (~280 KiB a log); it is reached
 * only while a member does not acknowledge (logs.c: route()). */
#define CLEARS_MAX 1024u

/* Tag 0: not submitted (after a reset, or a failed resubmission). */
struct umark {
	uint64_t tag;
	bool delivered;		/* here (its generation: m->own_mark_gen) */
	uint32_t type;		/* DM_ULOG_MARK_REGION or DM_ULOG_CLEAR_REGION */
	uint32_t n;
	uint64_t regions[ULOG_MAX_REGIONS];
};

/* Room for `more` entries beyond n_umarks. */
static int umarks_reserve(struct mlog *m, size_t more)
{
	struct umark *a;
	size_t cap;

	if (m->n_umarks + more <= m->cap_umarks)
		return 0;
	cap = m->cap_umarks ? m->cap_umarks * 2 : 8;
	if (cap < m->n_umarks + more)
		cap = m->n_umarks + more;
	a = realloc(m->umarks, cap * sizeof(*a));
	if (!a)
		return -ENOMEM;
	m->umarks = a;
	m->cap_umarks = cap;
	return 0;
}

/* Order-preserving: resubmission follows the array. */
static void umark_remove(struct mlog *m, size_t i)
{
	m->n_uclears -= m->umarks[i].type == DM_ULOG_CLEAR_REGION;
	memmove(&m->umarks[i], &m->umarks[i + 1],
		(m->n_umarks - i - 1) * sizeof(m->umarks[0]));
	m->n_umarks--;
}

bool mlog_marks_room_for_clear(const struct mlog *m)
{
	return m->n_uclears < CLEARS_MAX;
}

bool mlog_marks_flag_clear(struct mlog *m)
{
	return ++m->clears_unflagged >= CLEARS_PER_FLAG;
}

void mlog_marks_flagged_sent(struct mlog *m)
{
	m->clears_unflagged = 0;
}

int mlog_marks_track(struct mlog *m, uint64_t tag, uint32_t type,
		     const uint64_t *w, uint32_t n)
{
	struct umark *u;

	if (n > ULOG_MAX_REGIONS || umarks_reserve(m, 1) < 0)
		return -ENOMEM;
	u = &m->umarks[m->n_umarks++];
	u->tag = tag;
	u->delivered = false;
	u->type = type;
	u->n = n;
	memcpy(u->regions, w, n * sizeof(*w));
	m->n_uclears += type == DM_ULOG_CLEAR_REGION;
	return 0;
}

bool mlog_marks_pending_before(const struct mlog *m, uint64_t tag)
{
	for (size_t i = 0; i < m->n_umarks; i++)
		if (m->umarks[i].type == DM_ULOG_MARK_REGION &&
		    (!m->umarks[i].tag || m->umarks[i].tag < tag))
			return true;
	return false;
}

/*
 * An empty FLUSH makes durable only what this node marked before it: once
 * every member holds each of those marks (and, for a disk log, the device
 * holds the generation of the last of them, m->own_mark_gen) it has
 * nothing left to do, and an ordering would only delay the write.  Clears
 * need no durability.  The first FLUSH of a log or after a rejoin still
 * goes round (marks_unflushed: ours may not have reached anyone); so does
 * one with marks in it (integrated flush), one while a MARK of ours is not
 * sent (its stability would never come), and a disk log's while one is
 * not delivered (the generation to wait for is not known yet).
 */
bool mlog_marks_flush_local(const struct mlog *m, uint32_t data_size)
{
	if (data_size || m->marks_unflushed)
		return false;
	for (size_t i = 0; i < m->n_umarks; i++) {
		const struct umark *u = &m->umarks[i];

		if (u->type == DM_ULOG_MARK_REGION &&
		    (!u->tag || (m->p.kind == RLOG_DISK && !u->delivered)))
			return false;
	}
	return true;
}

size_t mlog_marks_unstable(const struct mlog *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_umarks; i++)
		n += m->umarks[i].type == DM_ULOG_MARK_REGION;
	return n;
}

void mlog_marks_forget(struct mlog *m, uint64_t tag)
{
	for (size_t i = 0; i < m->n_umarks; i++) {
		if (m->umarks[i].tag == tag) {
			umark_remove(m, i);
			return;
		}
	}
}

bool mlog_marks_covered(struct mlog *m, uint64_t tag)
{
	bool any = false;

	for (size_t i = 0; i < m->n_umarks;) {
		if (m->umarks[i].tag && m->umarks[i].tag <= tag) {
			any |= m->umarks[i].type == DM_ULOG_MARK_REGION;
			umark_remove(m, i);
		} else {
			i++;
		}
	}
	return any;
}

int mlog_marks_save(struct mlog *m, const uint64_t *r, size_t n)
{
	size_t chunks = (n + ULOG_MAX_REGIONS - 1) / ULOG_MAX_REGIONS;

	if (!chunks)
		return 0;
	if (umarks_reserve(m, chunks) < 0)
		return -ENOMEM;
	memmove(&m->umarks[chunks], &m->umarks[0],
		m->n_umarks * sizeof(m->umarks[0]));
	for (size_t c = 0; c < chunks; c++) {
		struct umark *u = &m->umarks[c];
		size_t first = c * ULOG_MAX_REGIONS;

		u->tag = 0;
		u->delivered = false;
		u->type = DM_ULOG_MARK_REGION;
		u->n = (uint32_t)(n - first < ULOG_MAX_REGIONS ?
				  n - first : ULOG_MAX_REGIONS);
		memcpy(u->regions, r + first, u->n * sizeof(*r));
	}
	m->n_umarks += chunks;
	return 0;
}

void mlog_marks_reset(struct mlog *m)
{
	for (size_t i = 0; i < m->n_umarks; i++) {
		m->umarks[i].tag = 0;
		m->umarks[i].delivered = false;
	}
	m->own_mark_gen = 0;
}

void mlog_marks_delivered(struct mlog *m, uint64_t tag, uint64_t gen)
{
	for (size_t i = 0; i < m->n_umarks; i++) {
		if (m->umarks[i].tag == tag) {
			m->umarks[i].delivered = true;
			break;
		}
	}
	if (gen > m->own_mark_gen)
		m->own_mark_gen = gen;
}

/*
 * Our MARKs, CLEARs and FLUSH marks not delivered yet.  Clears first,
 * each where the replica would let it clean (the rule of its delivery: in
 * sync, no other node marking it), then marks, so a region cleared and
 * marked again stays dirty whatever their order.  A clear not sent (tag
 * 0) cleans nothing; a mark not sent still dirties.  Our ops are
 * delivered in the order we sent them, so one not delivered comes after
 * every op of ours the replica holds.
 */
void mlog_marks_write_ahead(const struct mlog *m, mlog_ahead_fn fn,
			    void *ctx)
{
	uint32_t me = logs_me(m->ls);
	int first = 0;

	/* Any other op of ours on the way (SET_REGION_SYNC(0) after a failed
	 * write, say) may change what our clears will do: none cleans then. */
	for (const struct pending *pd = m->pending; pd; pd = pd->next)
		if (pd->state == P_WAIT_DELIVERY &&
		    pd->req.type != DM_ULOG_FLUSH &&
		    pd->req.type != DM_ULOG_MARK_REGION &&
		    pd->req.type != DM_ULOG_CLEAR_REGION)
			first = 1;
	for (int marks = first; marks < 2; marks++) {
		for (size_t i = 0; i < m->n_umarks; i++) {
			const struct umark *u = &m->umarks[i];
			bool mark = u->type == DM_ULOG_MARK_REGION;

			if (u->delivered || mark != marks || (!mark && !u->tag))
				continue;
			for (uint32_t j = 0; j < u->n; j++)
				if (mark || rlog_clear_cleans(m->rl, me,
							      u->regions[j]))
					fn(ctx, u->regions[j], !mark);
		}
	}
	/* Marks carried in our FLUSHes (integrated flush). */
	for (const struct pending *pd = m->pending; pd; pd = pd->next) {
		if (pd->state != P_WAIT_DELIVERY ||
		    pd->req.type != DM_ULOG_FLUSH)
			continue;
		for (uint32_t i = 0; i + 8 <= pd->req.data_size; i += 8)
			fn(ctx, ulog_get_u64(pd->data + i), false);
	}
}

uint64_t mlog_marks_resubmit(struct mlog *m)
{
	struct logs *ls = m->ls;
	size_t again[2] = { 0, 0 };
	uint64_t last = 0;

	for (size_t i = 0; i < m->n_umarks; i++) {
		struct umark *u = &m->umarks[i];
		bool mark = u->type == DM_ULOG_MARK_REGION;
		uint64_t tag;
		int r;

		if (u->tag)
			continue;
		tag = ++ls->next_tag;
		/* Flagged, so each leaves the list once held everywhere. */
		r = ls->t->submit(m->g, tag, u->type | GROUP_OP_F_ACKED,
				  u->regions, u->n);
		if (r < 0) {
			/* Stays unsent: FLUSHes keep waiting, and the next
			 * reset tries again. */
			log_err("%s: cannot submit a %s again: %s", m->uuid,
				mark ? "mark" : "clear", strerror(-r));
			continue;
		}
		u->tag = tag;
		last = tag;
		ls->ops_submitted++;
		again[!mark]++;
	}
	if (again[0] || again[1])
		log_warn("%s: %zu marks and %zu clears of ours submitted again "
			 "after the group started over", m->uuid, again[0],
			 again[1]);
	return last;
}

void mlog_marks_free(struct mlog *m)
{
	free(m->umarks);
	m->umarks = NULL;
	m->n_umarks = m->cap_umarks = m->n_uclears = 0;
}
