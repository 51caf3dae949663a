// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Replies to the kernel and the per-type request statistics they feed
 * (cmirrorctl stats); the answers of delivered ops of ours, and of FLUSHes
 * that waited for the disk.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"
#include "logs_int.h"

static void stats_note(struct logs *ls, uint32_t type, int error,
		       uint64_t t_start_us)
{
	struct type_stats *st;

	if (type > ULOG_NR_TYPES)
		return;
	st = &ls->stats[type];
	if (error)
		st->errors++;
	lat_hist_add(&st->lat, loop_now_us() - t_start_us);
}

void logs_reply(struct logs *ls, struct pending *pd, int error,
		const void *out, uint32_t out_len)
{
	int r = kernel_reply(&pd->peer, &pd->req, error, out, out_len);
	uint32_t t = pd->req.type;

	if (r < 0 && r != -ENOTCONN)
		log_warn("%s: reply to %s seq %u failed: %s", pd->req.uuid,
			 ulog_type_name(t), pd->req.seq, strerror(-r));
	stats_note(ls, t, error, pd->t_start_us);
	if (t == DM_ULOG_FLUSH || t == DM_ULOG_MARK_REGION ||
	    t == DM_ULOG_CLEAR_REGION)
		log_dbg("%s: answered %s seq %u (tag %" PRIu64 "): %d",
			pd->req.uuid, ulog_type_name(t), pd->req.seq, pd->tag,
			error);
}

void logs_reply_now(struct logs *ls, const struct kernel_peer *peer,
		      const struct ulog_req *req, int error, const void *out,
		      uint32_t out_len)
{
	struct pending pd = { .peer = *peer, .req = *req,
			      .t_start_us = loop_now_us() };

	logs_reply(ls, &pd, error, out, out_len);
}

/*
 * The kernel stores the data_size of every reply as the reply space of the
 * request, and re-sends the same request after the CTR+RESUME an -ESRCH
 * triggers: an empty -ESRCH reply would leave the retry no room for its
 * answer (-ENOSPC: an IN_SYNC read as "not in sync" makes dm-raid1 write
 * one leg only).  So -ESRCH carries as many zero bytes as the answer needs.
 */
#define ESRCH_STRING_SPACE 128u
void logs_reply_esrch(struct logs *ls, const struct kernel_peer *peer,
			const struct ulog_req *req)
{
	static const uint8_t zeros[ULOG_MAX_PAYLOAD];
	const struct ulog_op_desc *d = ulog_op(req->type);
	uint32_t n = d ? d->out_size : 0;

	if (d && (d->flags & ULOG_F_STRING_OUT) && n > ESRCH_STRING_SPACE)
		n = ESRCH_STRING_SPACE;
	logs_reply_now(ls, peer, req, -ESRCH, zeros, n);
}

/* mlog_disk_marks_held() walks our marks: once per pass, and only when a
 * FLUSH needs it. */
static bool marks_held_once(const struct mlog *m, int *held)
{
	if (*held < 0)
		*held = mlog_disk_marks_held(m);
	return *held;
}

/* A COMMITTED's outcome is every FLUSH's up to its gen; a write of our
 * own that ended without error covers ours up to its gen, round or not;
 * the device holding all our marks covers every FLUSH of ours delivered
 * (a POSTSUSPEND waits for the whole state). */
void logs_answer_committed(struct mlog *m)
{
	struct logs *ls = m->ls;
	int held = -1;

	for (struct pending **pp = &m->pending; *pp;) {
		struct pending *pd = *pp;
		int err;

		if (pd->state != P_WAIT_COMMIT) {
			pp = &pd->next;
			continue;
		}
		if (pd->commit_gen <= m->committed_gen) {
			err = m->committed_err ? m->committed_err
			      : pd->res.error;
		} else if (pd->commit_gen <= m->written_gen) {
			err = pd->res.error;
			ls->flushes_written++;
		} else if (pd->req.type == DM_ULOG_FLUSH &&
			   marks_held_once(m, &held)) {
			err = pd->res.error;
			ls->flushes_ahead++;
		} else {
			pp = &pd->next;
			continue;
		}
		*pp = pd->next;
		logs_reply(ls, pd, err, pd->res.out, pd->res.out_len);
		free(pd);
	}
}

void logs_pending_unlink(struct mlog *m, struct pending *pd)
{
	for (struct pending **pp = &m->pending; *pp; pp = &(*pp)->next)
		if (*pp == pd) {
			*pp = pd->next;
			return;
		}
}

/* A delivered op of ours (FLUSH: and held by every member): answer, once
 * the disk holds its generation for a disk log. */
void logs_answer_delivered(struct mlog *m, struct pending *pd)
{
	struct rlog_result *res = &pd->res;

	if ((res->needs_commit || pd->req.type == DM_ULOG_POSTSUSPEND) &&
	    !res->error && m->p.kind == RLOG_DISK) {
		if (m->committed_gen < pd->commit_gen) {
			pd->state = P_WAIT_COMMIT;
			/* Our own write, or our marks written ahead. */
			logs_answer_committed(m);
			return;
		}
		/* A write of this generation already ended (it can fail
		 * before our FLUSH is even delivered): its outcome is ours,
		 * or the kernel would trust marks that never reached disk. */
		res->error = m->committed_err;
	}
	logs_pending_unlink(m, pd);
	logs_reply(m->ls, pd, res->error, res->out, res->out_len);
	free(pd);
}
