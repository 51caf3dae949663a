/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pure decision logic of the cluster sync protocol; see cluster_sync.h and
 * doc/design.md.  Why an unsynced member tracks `older` and `cohort`: it
 * cannot know the replicated synced set until it installs a checkpoint, but
 * it knows which members were there before it (they may hold state) and
 * which joined at the same confchg (they do not).  When no older member is
 * left, every member is unsynced (a completed checkpoint would have synced
 * us too), and the members of our cohort are exactly the members that also
 * know this; the lowest of them initialises.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster_sync.h"

bool csync_has(const struct wire_nodes *s, uint32_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->id[mid] == id)
			return true;
		if (s->id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

int csync_add(struct wire_nodes *s, uint32_t id)
{
	uint32_t i = 0;

	while (i < s->n && s->id[i] < id)
		i++;
	if (i < s->n && s->id[i] == id)
		return 0;
	if (s->n >= WIRE_MAX_MEMBERS)
		return -E2BIG;
	memmove(&s->id[i + 1], &s->id[i], (s->n - i) * sizeof(s->id[0]));
	s->id[i] = id;
	s->n++;
	return 0;
}

void csync_del(struct wire_nodes *s, uint32_t id)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->id[i] == id) {
			memmove(&s->id[i], &s->id[i + 1],
				(s->n - i - 1) * sizeof(s->id[0]));
			s->n--;
			return;
		}
}

void csync_intersect(struct wire_nodes *s, const struct wire_nodes *with)
{
	uint32_t o = 0;

	for (uint32_t i = 0; i < s->n; i++)
		if (csync_has(with, s->id[i]))
			s->id[o++] = s->id[i];
	s->n = o;
}

const char *csync_state_name(enum csync_state st)
{
	switch (st) {
	case CSYNC_NEW: return "joining";
	case CSYNC_UNSYNCED: return "unsynced";
	case CSYNC_SYNCED: return "synced";
	case CSYNC_MERGE_OUT: return "merge-out";
	case CSYNC_REJOIN: return "rejoining";
	}
	return "?";
}

void csync_format(const struct wire_nodes *s, char *buf, size_t len)
{
	size_t o = 0;

	if (!len)
		return;
	buf[0] = 0;
	for (uint32_t i = 0; i < s->n && o < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%u", i ? " " : "",
				 s->id[i]);
		if (w < 0)
			break;
		o += (size_t)w;
	}
}

void csync_init(struct csync *s, uint32_t me)
{
	memset(s, 0, sizeof(*s));
	s->me = me;
	s->state = CSYNC_NEW;
}

void csync_reset(struct csync *s)
{
	csync_init(s, s->me);
}

static uint32_t set_min(const struct wire_nodes *s)
{
	return s->n ? s->id[0] : UINT32_MAX;
}

/* Lowest synced member sends the checkpoint when someone lacks state and
 * no partition merge is still settling (its members are about to leave). */
static bool should_send_ckpt(const struct csync *s)
{
	struct wire_nodes pend = s->merge_pending;

	if (s->state != CSYNC_SYNCED || set_min(&s->synced) != s->me)
		return false;
	csync_intersect(&pend, &s->members);
	return s->members.n > s->synced.n && pend.n == 0;
}

/* Unsynced member: initialise when nobody can hold state. */
static void unsynced_decide(struct csync *s, struct csync_actions *a)
{
	if (s->older.n || set_min(&s->cohort) != s->me)
		return;
	s->state = CSYNC_SYNCED;
	s->synced.n = 0;
	csync_add(&s->synced, s->me);
	a->init_fresh = true;
	a->synced = true;
	a->send_ckpt = should_send_ckpt(s);
}

/* A merge: did our side (old members still here) lose?  The side holding
 * the lowest node id of the whole membership stays. */
static bool merge_lost(const struct wire_nodes *side,
		       const struct wire_nodes *nodeup)
{
	return set_min(nodeup) < set_min(side);
}

static void confchg_synced(struct csync *s, const struct csync_event *ev,
			   const struct wire_nodes *side,
			   const struct wire_nodes *nodeup,
			   struct csync_actions *a)
{
	/* Left members that held state, in node id order. */
	for (uint32_t i = 0; i < s->synced.n; i++)
		if (!csync_has(&s->members, s->synced.id[i]))
			a->lost.id[a->lost.n++] = s->synced.id[i];
	csync_intersect(&s->synced, &s->members);
	csync_intersect(&s->merge_pending, &s->members);
	if (nodeup->n) {
		a->merge = true;
		if (merge_lost(side, nodeup)) {
			struct wire_nodes mine = s->synced;

			csync_intersect(&mine, side);
			s->synced = mine;
			s->state = CSYNC_MERGE_OUT;
			s->merge_sender = set_min(&s->synced);
			a->merge_out = true;
			a->send_merge_in = s->merge_sender == s->me;
			return;
		}
		for (uint32_t i = 0; i < nodeup->n; i++)
			csync_add(&s->merge_pending, nodeup->id[i]);
	}
	a->synced = true;
	a->send_ckpt = should_send_ckpt(s);
}

int csync_confchg(struct csync *s, const struct csync_event *ev,
		  struct csync_actions *a)
{
	struct wire_nodes cur = { 0 }, side, nodeup = { 0 }, joined = { 0 };

	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < ev->nmembers; i++)
		if (csync_add(&cur, ev->members[i]) < 0)
			return -E2BIG;
	for (size_t i = 0; i < ev->njoined; i++) {
		uint32_t id = ev->joined[i].nodeid;

		if (!csync_has(&cur, id))
			continue;
		csync_add(&joined, id);
		if (ev->joined[i].reason == CPG_REASON_NODEUP_VALUE &&
		    !csync_has(&s->members, id))
			csync_add(&nodeup, id);
	}
	/* Our side: members before this change that are still here. */
	side = s->members;
	csync_intersect(&side, &cur);
	s->members = cur;

	switch (s->state) {
	case CSYNC_NEW:
		if (!csync_has(&cur, s->me))
			return 0;	/* not our join yet */
		s->older = cur;
		for (uint32_t i = 0; i < joined.n; i++)
			csync_del(&s->older, joined.id[i]);
		s->cohort = joined;
		csync_add(&s->cohort, s->me);
		s->state = CSYNC_UNSYNCED;
		a->reset_rx = true;
		unsynced_decide(s, a);
		break;
	case CSYNC_UNSYNCED:
		a->reset_rx = true;
		csync_intersect(&s->older, &cur);
		csync_intersect(&s->cohort, &cur);
		if (nodeup.n && side.n && merge_lost(&side, &nodeup)) {
			/* Our side's state folds away; start over. */
			a->merge = a->merge_out = true;
			a->rejoin = true;
			s->state = CSYNC_REJOIN;
			break;
		}
		unsynced_decide(s, a);
		break;
	case CSYNC_SYNCED:
		confchg_synced(s, ev, &side, &nodeup, a);
		break;
	case CSYNC_MERGE_OUT:
		csync_intersect(&s->synced, &cur);
		if (csync_has(&cur, s->merge_sender))
			break;
		/* Our MERGE_IN sender left before its last chunk. */
		if (!s->synced.n) {
			a->rejoin = true;
			s->state = CSYNC_REJOIN;
			break;
		}
		s->merge_sender = set_min(&s->synced);
		a->send_merge_in = s->merge_sender == s->me;
		break;
	case CSYNC_REJOIN:
		break;
	}
	return 0;
}

enum csync_verdict csync_op(const struct csync *s, uint32_t origin)
{
	switch (s->state) {
	case CSYNC_SYNCED:
		return csync_has(&s->synced, origin) ? CSYNC_DELIVER
						     : CSYNC_DROP;
	case CSYNC_UNSYNCED:
		return CSYNC_QUEUE;
	default:
		return CSYNC_DROP;
	}
}

enum csync_verdict csync_ckpt_done(struct csync *s, uint32_t sender,
				   const struct wire_nodes *tag)
{
	if (!wire_nodes_equal(tag, &s->members) ||
	    !csync_has(&s->members, sender))
		return CSYNC_DROP;
	switch (s->state) {
	case CSYNC_SYNCED:
		/* Every member now holds the state. */
		s->synced = s->members;
		return CSYNC_SEEN;
	case CSYNC_UNSYNCED:
		return CSYNC_INSTALL;
	default:
		return CSYNC_DROP;
	}
}

void csync_installed(struct csync *s, bool ok)
{
	if (ok) {
		s->state = CSYNC_SYNCED;
		s->synced = s->members;
		s->merge_pending.n = 0;
	} else {
		/* The others count us as synced now: leave, so they drop us,
		 * and come back as a joiner. */
		s->state = CSYNC_REJOIN;
	}
}

enum csync_verdict csync_merge_done(struct csync *s, uint32_t sender)
{
	if (s->state == CSYNC_SYNCED && csync_has(&s->merge_pending, sender))
		return CSYNC_FOLD;
	if (s->state == CSYNC_MERGE_OUT && sender == s->merge_sender) {
		s->state = CSYNC_REJOIN;
		return CSYNC_LEAVE;
	}
	return CSYNC_DROP;
}

bool csync_may_send_ops(const struct csync *s)
{
	return s->state == CSYNC_SYNCED;
}
