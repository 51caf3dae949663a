/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The log registry: routes kernel requests and applies delivered ops.
 *
 * A request is served in one of three ways (ulog_ops[].route):
 *   LOCAL      read from the replica; held while the replica is joining,
 *              because a wrong IN_SYNC either way corrupts a mirror (a 0
 *              for an in-sync region sends writes to one leg only);
 *   ORDERED    submitted to the group and answered from our own delivery,
 *              after every member has applied it in the same order
 *              (CLEAR_REGION: once queued, ULOG_F_ANSWER_QUEUED, unless
 *              too many are not yet stable: logs_marks.c);
 *   LIFECYCLE  CTR/DTR/GET_REGION_SIZE are local to the table;
 *              RESUME joins the group, then goes through it like
 *              PRESUSPEND and POSTSUSPEND.
 * See logs_int.h for the pending-request states.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"
#include "logs_int.h"

static const struct group_core_ops core_ops;

uint32_t logs_me(const struct logs *ls)
{
	return ls->t->local_node(ls->t->tctx);
}

static struct table *find_table(struct logs *ls, const char *uuid,
				uint64_t luid)
{
	struct mlog *m = logs_find(ls, uuid);

	if (!m)
		return NULL;
	for (struct table *t = m->tables; t; t = t->next)
		if (t->luid == luid)
			return t;
	return NULL;
}

static void pending_append(struct mlog *m, struct pending *pd)
{
	struct pending **pp = &m->pending;

	while (*pp)
		pp = &(*pp)->next;
	pd->next = NULL;
	*pp = pd;
}

static void mlog_free(struct mlog *m)
{
	struct logs *ls = m->ls;

	logs_unlink(ls, m);
	if (m->g)
		ls->t->leave(m->g);
	/* Requests still queued (another kernel thread of a table that is
	 * going away) get -ESRCH at once rather than the kernel's 15 s
	 * timeout: a table that still exists re-sends CTR+RESUME and retries. */
	while (m->pending) {
		struct pending *pd = m->pending;
		m->pending = pd->next;
		logs_reply_esrch(ls, &pd->peer, &pd->req);
		free(pd);
	}
	qlist_del(&m->diskq);
	mlog_disk_close(m);
	mlog_marks_free(m);
	rlog_free(m->rl);
	free(m);
}

static void table_free(struct table *t)
{
	struct mlog *m = t->log;

	for (struct table **pp = &m->tables; *pp; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	m->ntables--;
	free(t);
	if (!m->ntables) {
		log_info_many("last-table removals",
			      "%s: last table gone, leaving the group",
			      m->uuid);
		mlog_free(m);
	}
}

/* Words on the group are u64; every ordered payload is a u64 array. */
static uint32_t payload_to_words(const struct pending *pd, uint64_t *w)
{
	uint32_t n = pd->req.data_size / 8;

	for (uint32_t i = 0; i < n; i++)
		w[i] = ulog_get_u64(pd->data + i * 8);
	return n;
}

/* early: the request is answered once queued (CLEAR_REGION, route()). */
static int submit_pending(struct logs *ls, struct mlog *m, struct pending *pd,
			  bool early)
{
	uint64_t w[GROUP_MAX_OP_WORDS];
	uint32_t n = payload_to_words(pd, w);
	uint32_t type = pd->req.type;
	bool mark = type == DM_ULOG_MARK_REGION, marks_wait, flag;
	bool track = mark || early;
	int r;

	pd->tag = ++ls->next_tag;
	pd->state = P_WAIT_DELIVERY;
	/* A FLUSH answer lets the kernel write what it marked: only once
	 * every member holds the marks (group.h).  Marks carried in the
	 * FLUSH (integrated) make it acknowledged itself; a MARK_REGION is
	 * acknowledged itself and the FLUSH after it waits for that or its
	 * own stability (logs_marks.c).  A FLUSH after clears alone enables
	 * no write.  CLEARs are answered before delivery: tracked, and now
	 * and then flagged so that the tracking ends (logs_marks.c). */
	pd->acked = (type == DM_ULOG_FLUSH &&
		     (pd->req.data_size || m->marks_unflushed)) ||
		    (type == DM_ULOG_CLEAR_REGION && !early);
	marks_wait = type == DM_ULOG_FLUSH && !pd->acked &&
		     mlog_marks_pending_before(m, UINT64_MAX);
	flag = pd->acked || marks_wait || mark ||
	       (early && mlog_marks_flag_clear(m));
	if (track && mlog_marks_track(m, pd->tag, type, w, n) < 0)
		return -ENOMEM;
	r = ls->t->submit(m->g, pd->tag, type | (flag ? GROUP_OP_F_ACKED : 0) |
			  (early ? GROUP_OP_F_LAZY : 0), w, n);
	if (r < 0) {
		if (track)
			mlog_marks_forget(m, pd->tag);
		return r;
	}
	ls->ops_submitted++;
	if (mark || (type == DM_ULOG_FLUSH && n))
		mlog_disk_own_marks_sent(m);
	if (flag)
		mlog_marks_flagged_sent(m);
	if (pd->acked)
		m->marks_unflushed = false;
	return 0;
}

static void serve_local(struct logs *ls, struct mlog *m, struct pending *pd)
{
	struct rlog_result res;

	rlog_apply(m->rl, logs_me(ls), pd->req.type, pd->data,
		   pd->req.data_size, &res);
	logs_reply(ls, pd, res.error, res.out, res.out_len);
}

static bool no_work_for_me(struct logs *ls, const struct mlog *m)
{
	uint32_t me = logs_me(ls);

	if (m->rl->sync_count < m->p.region_count)
		return false;
	for (size_t i = 0; i < m->rl->nslots; i++)
		if (m->rl->slots[i].node == me)
			return false;
	return true;
}

static bool held_flush_waiting(const struct mlog *m)
{
	for (const struct pending *pd = m->pending; pd; pd = pd->next)
		if (pd->state == P_WAIT_HELD)
			return true;
	return false;
}

/* Route a request that needs the replica (LOCAL reads and ORDERED ops). */
static void route(struct logs *ls, struct mlog *m, struct pending *pd)
{
	const struct ulog_op_desc *d = ulog_op(pd->req.type);
	int r;

	if (!m->synced || !m->rl) {
		pd->state = P_WAIT_SYNC;
		ls->held_sync++;
		pending_append(m, pd);
		return;
	}
	if (d->route == ULOG_ROUTE_LOCAL) {
		serve_local(ls, m, pd);
		free(pd);
		return;
	}
	if (pd->req.type == DM_ULOG_GET_RESYNC_WORK && no_work_for_me(ls, m)) {
		uint8_t out[16] = { 0 };

		/* The answer is only a hint the kernel asks again for; a
		 * fully synced log needs no round trip. */
		logs_reply(ls, pd, 0, out, sizeof(out));
		free(pd);
		return;
	}
	/* An empty FLUSH with no round of its own (logs_marks.c): after
	 * our marks sent so far, before any later one, answered by
	 * core_stable() once they are held by every member (at once if they
	 * are), or routed again at a start-over; a disk log's then waits for
	 * the device to hold our last mark's generation.  With one waiting
	 * already this is the kernel's resend after its timeout: it goes
	 * round, flagged, and its own stability answers both. */
	if (pd->req.type == DM_ULOG_FLUSH &&
	    mlog_marks_flush_local(m, pd->req.data_size)) {
		bool wait = mlog_marks_pending_before(m, UINT64_MAX);

		if (!wait || !held_flush_waiting(m)) {
			pd->tag = ++ls->next_tag;
			pd->state = P_WAIT_HELD;
			pd->commit_gen = m->own_mark_gen;
			pd->res.needs_commit = m->p.kind == RLOG_DISK;
			pending_append(m, pd);
			if (!wait) {
				ls->flushes_settled++;
				logs_answer_delivered(m, pd);
			}
			return;
		}
	}
	/* With too many such clears not yet held by every member (one
	 * member is not acknowledging), the next waits until it is held:
	 * memory stays bounded, and a member that stalls writes stalls
	 * recovery as well. */
	if ((d->flags & ULOG_F_ANSWER_QUEUED) && mlog_marks_room_for_clear(m)) {
		/* Refuse here what every member would refuse on delivery:
		 * the answer cannot wait for it. */
		r = rlog_check_regions(m->rl, pd->data, pd->req.data_size);
		if (r < 0)
			log_err("%s: %s with a region out of range", m->uuid,
				ulog_type_name(pd->req.type));
		else if ((r = submit_pending(ls, m, pd, true)) < 0)
			log_err("%s: cannot submit %s: %s", m->uuid,
				ulog_type_name(pd->req.type), strerror(-r));
		/* Our delivery finds no pending request for the tag. */
		logs_reply(ls, pd, r, NULL, 0);
		free(pd);
		return;
	}
	pending_append(m, pd);
	r = submit_pending(ls, m, pd, false);
	if (r < 0) {
		log_err("%s: cannot submit %s: %s", m->uuid,
			ulog_type_name(pd->req.type), strerror(-r));
		logs_pending_unlink(m, pd);
		logs_reply(ls, pd, r, NULL, 0);
		free(pd);
	}
}

static int do_ctr(struct logs *ls, const struct kernel_peer *peer,
		  const struct ulog_req *req)
{
	char ctr[ULOG_MAX_PAYLOAD + 1], err[160] = "";
	struct rlog_params p;
	struct table *t;
	struct mlog *m;
	bool had_nul = false;
	int r;

	r = ulog_copy_string(req->data, req->data_size, ctr, sizeof(ctr),
			     &had_nul);
	if (r < 0) {
		log_err("%s: CTR: bad constructor string", req->uuid);
		return r;
	}
	r = rlog_parse_ctr(ctr, &p, err, sizeof(err));
	if (r < 0) {
		log_err("%s: CTR \"%s\": %s", req->uuid, ctr, err);
		return r;
	}
	t = find_table(ls, req->uuid, req->luid);
	if (t) {
		/* The kernel's reconnect path, or a resend: idempotent. */
		log_info("%s: CTR again for luid %" PRIx64 "%s", req->uuid,
			 req->luid, had_nul ? " (reconnect)" : "");
		logs_reply_now(ls, peer, req, 0, NULL, 0);
		return 1;
	}
	m = logs_find(ls, req->uuid);
	if (m && (m->p.region_count != p.region_count ||
		  m->p.region_size != p.region_size || m->p.kind != p.kind)) {
		log_err("%s: CTR geometry %" PRIu64 "x%" PRIu64
			" differs from the active table's %" PRIu64 "x%" PRIu64
			" (resize while active is not supported)",
			req->uuid, p.region_count, p.region_size,
			m->p.region_count, m->p.region_size);
		return -EINVAL;
	}
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->ls = ls;
		snprintf(m->uuid, sizeof(m->uuid), "%s", req->uuid);
		m->p = p;
		m->quorate = true;
		m->marks_unflushed = true;
		logs_link(ls, m);
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		if (!m->ntables)
			mlog_free(m);
		return -ENOMEM;
	}
	t->log = m;
	t->luid = req->luid;
	t->p = p;
	t->created_ms = loop_now_ms();
	t->reconnected = had_nul;
	t->next = m->tables;
	m->tables = t;
	m->ntables++;
	log_info_many("CTRs",
		      "%s: CTR luid %" PRIx64 " \"%s\": %" PRIu64
		      " regions of %" PRIu64 " sectors%s", req->uuid,
		      req->luid, ctr, p.region_count, p.region_size,
		      had_nul ? " (reconnect)" : "");
	/* A device name makes the kernel hold the log device open; never on
	 * a reconnect CTR, which offers no reply space. */
	if (p.kind == RLOG_DISK && !had_nul)
		logs_reply_now(ls, peer, req, 0, p.dev, strlen(p.dev) + 1);
	else
		logs_reply_now(ls, peer, req, 0, NULL, 0);
	return 1;
}

static struct pending *pending_new(const struct kernel_peer *peer,
				   const struct ulog_req *req)
{
	struct pending *pd = calloc(1, sizeof(*pd));

	if (!pd)
		return NULL;
	pd->peer = *peer;
	pd->req = *req;
	if (req->data_size)
		memcpy(pd->data, req->data, req->data_size);
	pd->req.data = pd->data;
	pd->t_start_us = loop_now_us();
	return pd;
}

static int join_group(struct logs *ls, struct mlog *m)
{
	int r;

	if (m->g)
		return 0;
	r = ls->t->join(ls->t->tctx, m->uuid, &core_ops, m, &m->g);
	if (r < 0)
		log_err("%s: cannot join the group: %s", m->uuid, strerror(-r));
	else
		log_info_many("group joins",
			      "%s: joining group %s", m->uuid,
			      ls->t->group_name(m->g));
	return r;
}

void logs_on_kernel_request(const struct kernel_peer *peer,
			    const struct ulog_req *req, void *ctx)
{
	struct logs *ls = ctx;
	struct table *t;
	struct pending *pd;
	int r = 0;

	if (req->type == DM_ULOG_CTR) {
		r = do_ctr(ls, peer, req);
		if (r < 0)
			logs_reply_now(ls, peer, req, r, NULL, 0);
		return;
	}
	t = find_table(ls, req->uuid, req->luid);
	if (!t) {
		switch (req->type) {
		case DM_ULOG_DTR:
		case DM_ULOG_PRESUSPEND:
		case DM_ULOG_POSTSUSPEND:
			/* Nothing to do for a table we do not know. */
			logs_reply_now(ls, peer, req, 0, NULL, 0);
			break;
		default:
			/* -ESRCH makes the kernel re-send CTR + RESUME and
			 * retry: the path after a daemon restart. */
			log_info("%s: %s for unknown luid %" PRIx64
				 ": asking the kernel to reconnect", req->uuid,
				 ulog_type_name(req->type), req->luid);
			logs_reply_esrch(ls, peer, req);
		}
		return;
	}
	switch (req->type) {
	case DM_ULOG_DTR:
		log_info_many("DTRs",
			      "%s: DTR luid %" PRIx64, req->uuid, req->luid);
		logs_reply_now(ls, peer, req, 0, NULL, 0);
		table_free(t);
		return;
	case DM_ULOG_GET_REGION_SIZE: {
		uint8_t out[8];

		ulog_put_u64(out, t->p.region_size);
		logs_reply_now(ls, peer, req, 0, out, sizeof(out));
		return;
	}
	case DM_ULOG_GET_SYNC_COUNT:
	case DM_ULOG_STATUS_INFO:
	case DM_ULOG_STATUS_TABLE:
		/* Sent while the table loads, before RESUME: answer from
		 * the table alone rather than block the load. */
		if (!t->log->synced || !t->log->rl) {
			struct rlog_result res;

			/* Nothing is known to be in sync yet. */
			if (req->type == DM_ULOG_GET_SYNC_COUNT) {
				uint8_t out[8];

				ulog_put_u64(out, 0);
				logs_reply_now(ls, peer, req, 0, out, 8);
				return;
			}
			r = rlog_status_of_params(&t->p, req->type, &res);
			logs_reply_now(ls, peer, req, r, res.out,
				       r ? 0 : res.out_len);
			return;
		}
		break;
	case DM_ULOG_RESUME:
		t->resumed = true;
		r = join_group(ls, t->log);
		if (r < 0) {
			logs_reply_now(ls, peer, req, r, NULL, 0);
			return;
		}
		break;
	default:
		break;
	}
	pd = pending_new(peer, req);
	if (!pd) {
		logs_reply_now(ls, peer, req, -ENOMEM, NULL, 0);
		return;
	}
	if (!t->log->g && (req->type == DM_ULOG_PRESUSPEND ||
			   req->type == DM_ULOG_POSTSUSPEND)) {
		/* Suspend of a table that never resumed: nothing to order. */
		logs_reply(ls, pd, 0, NULL, 0);
		free(pd);
		return;
	}
	route(ls, t->log, pd);
}

void logs_on_kernel_gone(const struct kernel_peer *peer, void *ctx)
{
	struct logs *ls = ctx;

	/* Replies for that kernel can no longer be sent; the requests stay
	 * applied (a reconnecting kernel re-sends what it still needs). */
	for (struct mlog *m = ls->logs; m; m = m->next) {
		for (struct pending **pp = &m->pending; *pp;) {
			struct pending *pd = *pp;

			if (pd->peer.link == peer->link &&
			    pd->peer.conn_id == peer->conn_id &&
			    pd->state != P_WAIT_DELIVERY) {
				*pp = pd->next;
				free(pd);
			} else {
				pp = &pd->next;
			}
		}
	}
}

/* ---- group callbacks ---- */

static struct pending *find_tag(struct mlog *m, uint64_t tag)
{
	for (struct pending *pd = m->pending; pd; pd = pd->next)
		if (pd->state == P_WAIT_DELIVERY && pd->tag == tag)
			return pd;
	return NULL;
}

static void synced_finish(struct mlog *m);

static void core_deliver(void *ctx, uint32_t origin, uint64_t tag,
			 uint32_t type, const uint64_t *words, uint32_t nwords)
{
	struct mlog *m = ctx;
	struct logs *ls = m->ls;
	uint8_t in[GROUP_MAX_OP_WORDS * 8];
	struct rlog_result res;
	struct pending *pd;

	ls->ops_delivered++;
	if (type == GROUP_OP_COMMITTED) {
		if (nwords < 2 || !m->rl)
			return;
		if (words[0] > m->committed_gen)
			m->committed_gen = words[0];
		m->committed_err = (int)(int64_t)words[1];
		if (m->committed_err > 0 || m->committed_err < -4095)
			m->committed_err = -EIO;	/* not an errno */
		if (m->committed_err)
			m->rl->log_dev_failed = true;
		logs_answer_committed(m);
		return;
	}
	if (type > ULOG_NR_TYPES || nwords > ULOG_MAX_REGIONS + 2) {
		log_warn("%s: dropping op type %u from node %u", m->uuid,
			 type, origin);
		return;
	}
	for (uint32_t i = 0; i < nwords; i++)
		ulog_put_u64(in + i * 8, words[i]);
	rlog_apply(m->rl, origin, type, in, nwords * 8, &res);
	mlog_disk_after_apply(m, type, m->rl->generation);
	/* The region ops in group order, for the debug ring: what a lost
	 * mark's history is read from. */
	if (nwords && (type == DM_ULOG_MARK_REGION ||
		       type == DM_ULOG_CLEAR_REGION || type == DM_ULOG_FLUSH)) {
		char regs[LOGS_TRACE_REGIONS_LEN];

		logs_fmt_regions(regs, sizeof(regs), words, nwords, 32);
		log_dbg("%s: op %u:%" PRIu64 " %s [%s]: %d", m->uuid, origin,
			tag, ulog_type_name(type), regs, res.error);
	}
	if (origin != logs_me(ls))
		return;
	if (type == DM_ULOG_MARK_REGION && !res.error)
		mlog_marks_delivered(m, tag, m->rl->generation);
	else if (type == DM_ULOG_CLEAR_REGION)
		mlog_marks_delivered(m, tag, 0);
	if (m->replay_tag && tag >= m->replay_tag) {
		m->replay_tag = 0;
		synced_finish(m);
	}
	pd = find_tag(m, tag);
	if (!pd)
		return;
	pd->res = res;
	pd->commit_gen = m->rl->generation;
	if (pd->acked && !res.error) {
		pd->state = P_WAIT_STABLE;	/* core_stable() goes on */
		return;
	}
	if (type == DM_ULOG_FLUSH && !res.error &&
	    mlog_marks_pending_before(m, tag)) {
		pd->state = P_WAIT_MARKS;	/* core_stable() goes on */
		return;
	}
	logs_answer_delivered(m, pd);
}

static void core_stable(void *ctx, uint64_t tag)
{
	struct mlog *m = ctx;
	struct pending *pd;
	bool covered = mlog_marks_covered(m, tag);

	log_dbg("%s: our op %" PRIu64 " is held by every member", m->uuid, tag);

	for (pd = m->pending; pd; pd = pd->next) {
		if ((pd->state == P_WAIT_STABLE || pd->state == P_WAIT_MARKS) &&
		    pd->tag == tag) {
			logs_answer_delivered(m, pd);
			break;
		}
	}
	if (!covered)
		return;
	/* logs_answer_delivered() unlinks: look again from the start. */
	do {
		for (pd = m->pending; pd; pd = pd->next)
			if ((pd->state == P_WAIT_MARKS ||
			     pd->state == P_WAIT_HELD) &&
			    !mlog_marks_pending_before(m, pd->tag))
				break;
		if (pd && pd->state == P_WAIT_HELD)
			m->ls->flushes_settled++;	/* no round of its own */
		if (pd)
			logs_answer_delivered(m, pd);
	} while (pd);
}

/* Our marks as our replica held them: the members that saw us leave have
 * dropped them (and may have recovered those regions since), the checkpoint
 * we install next comes from them, and our kernel still writes there. */
static void save_own_marks(struct mlog *m)
{
	const struct rlog_marks *mk = rlog_marks_of(m->rl, logs_me(m->ls));
	int r;

	if (!mk)
		return;
	r = mlog_marks_save(m, mk->regions, mk->n);
	if (r < 0)
		log_err("%s: cannot keep our %zu marks to submit again: %s",
			m->uuid, mk->n, strerror(-r));
}

/* The group starts over: whatever we submitted may never come back.  Every
 * request goes through route() again once synced (MARK, CLEAR, FLUSH, SET_
 * REGION_SYNC, ... are idempotent; GET_RESYNC_WORK hands back the slot the
 * node already holds). */
static void core_reset(void *ctx)
{
	struct mlog *m = ctx;

	/* Once per start-over (not again while joining): our replica still
	 * holds what we marked. */
	if (m->synced && m->rl)
		save_own_marks(m);
	m->synced = false;
	m->replay_tag = 0;
	m->marks_unflushed = true;	/* ours may not have reached anyone */
	mlog_disk_new_epoch(m);
	mlog_marks_reset(m);
	for (struct pending *pd = m->pending; pd; pd = pd->next)
		pd->state = P_WAIT_SYNC;
}

static void core_synced(void *ctx)
{
	struct mlog *m = ctx;

	if (!m->rl)
		return;
	/* Before the requests that wait on them (FIFO per sender); until
	 * they are delivered the replica lacks them, so even reads wait. */
	m->replay_tag = mlog_marks_resubmit(m);
	if (!m->replay_tag)
		synced_finish(m);
}

static void synced_finish(struct mlog *m)
{
	struct logs *ls = m->ls;
	struct pending *list;

	m->synced = true;
	for (struct table *t = m->tables; t; t = t->next) {
		if (!t->reconnected)
			continue;
		t->reconnected = false;
		/* dm-log-userspace resets its in-sync hint only in a real
		 * resume, not in its reconnect path: until then it asks for
		 * no recovery work and these regions stay out of sync. */
		if (m->rl->sync_count < m->p.region_count)
			log_warn("%s: %" PRIu64 " regions out of sync after the "
				 "kernel reconnected; the kernel recovers them "
				 "after the next resume of the mirror (dmsetup "
				 "suspend + resume, lvchange --refresh)", m->uuid,
				 m->p.region_count - m->rl->sync_count);
	}
	list = m->pending;
	m->pending = NULL;
	/* Re-route everything held for the replica, in arrival order. */
	while (list) {
		struct pending *pd = list;

		list = pd->next;
		pd->next = NULL;
		if (pd->state == P_WAIT_SYNC)
			route(ls, m, pd);
		else
			pending_append(m, pd);
	}
}

static const struct group_core_ops core_ops = {
	.deliver = core_deliver,
	.snap_open = logs_core_snap_open,
	.install = logs_core_install,
	.merge = logs_core_merge,
	.init_fresh = logs_core_init_fresh,
	.node_lost = logs_core_node_lost,
	.synced = core_synced,
	.members = logs_core_members,
	.quorum = logs_core_quorum,
	.stable = core_stable,
	.reset = core_reset,
	.ckpt_size_hint = logs_core_ckpt_size_hint,
	.ckpt_rx_open = logs_core_ckpt_rx_open,
};

/* Tables that were constructed but never resumed: the kernel frees its side
 * without a DTR when construction fails after CTR. */
static void orphan_cb(struct loop *lp, struct loop_timer *tm, void *ctx)
{
	struct logs *ls = ctx;
	uint64_t now = loop_now_ms(), limit = ls->o->orphan_timeout_s * 1000ull;

	for (struct mlog *m = ls->logs, *mn; m; m = mn) {
		mn = m->next;
		for (struct table *t = m->tables, *tn; t; t = tn) {
			tn = t->next;
			if (!t->resumed && now - t->created_ms > limit) {
				log_warn("%s: luid %" PRIx64 " never resumed: "
					 "freeing the orphan", m->uuid, t->luid);
				table_free(t);	/* may free m */
				break;
			}
		}
	}
}

size_t logs_count(const struct logs *ls)
{
	size_t n = 0;

	for (const struct mlog *m = ls->logs; m; m = m->next)
		n += m->ntables;
	return n;
}

int logs_new(struct loop *lp, const struct cmirrord_opts *o,
	     struct group_transport *t, struct logs **out)
{
	struct logs *ls = calloc(1, sizeof(*ls));
	int r;

	if (!ls)
		return -ENOMEM;
	ls->lp = lp;
	ls->o = o;
	ls->t = t;
	r = disk_io_setup(lp, &ls->dio);
	if (r < 0)
		goto err_free;
	r = loop_add_hook(lp, logs_disk_hook, ls);
	if (r < 0)
		goto err_io;
	ls->orphan_timer = loop_timer_add(lp, 60000, 60000, orphan_cb, ls,
					  "orphans");
	if (!ls->orphan_timer) {
		r = -errno;
		goto err_hook;
	}
	*out = ls;
	return 0;
err_hook:
	loop_del_hook(lp, logs_disk_hook, ls);
err_io:
	disk_io_free(ls->dio);
err_free:
	free(ls);
	return r;
}

void logs_free(struct logs *ls)
{
	if (!ls)
		return;
	while (ls->logs)
		mlog_free(ls->logs);
	loop_timer_cancel(ls->lp, ls->orphan_timer);
	loop_del_hook(ls->lp, logs_disk_hook, ls);
	disk_io_free(ls->dio);
	free(ls);
}
