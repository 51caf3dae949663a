// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The replica's life cycle as the group drives it (group_core_ops in
 * logs.c): snapshot for a joiner, install a checkpoint, fold in another
 * partition, start fresh, lose a node, membership and quorum changes.
 * The callbacks that answer kernel requests stay in logs.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logging.h"
#include "logs_int.h"

size_t logs_core_ckpt_size_hint(void *ctx)
{
	struct mlog *m = ctx;
	size_t n = rlog_ckpt_size_hint(&m->p);

	/* Room for the marks, slots and queues a busy log carries. */
	return n ? n + 64 * 1024 : 0;
}

/* The replica's image for a joiner, kept copy-on-write while it is sent. */
struct mlog_snap {
	struct group_snap gs;
	struct rlog_snap *rs;
};

static const uint8_t *mlog_snap_peek(struct group_snap *gs, size_t off,
				     size_t *n)
{
	return rlog_snap_peek(((struct mlog_snap *)gs)->rs, off, n);
}

static void mlog_snap_close(struct group_snap *gs)
{
	struct mlog_snap *s = (struct mlog_snap *)gs;

	rlog_snap_end(s->rs);
	free(s);
}

int logs_core_snap_open(void *ctx, struct group_snap **out)
{
	struct mlog *m = ctx;
	struct mlog_snap *s;
	int r;

	if (!m->rl)
		return -ENODATA;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = rlog_snap_begin(m->rl, &s->rs);
	if (r < 0) {
		free(s);
		return r;
	}
	s->gs.len = rlog_snap_len(s->rs);
	s->gs.crc = rlog_snap_crc(s->rs);
	s->gs.peek = mlog_snap_peek;
	s->gs.close = mlog_snap_close;
	*out = &s->gs;
	return 0;
}

/* A checked checkpoint becomes the replica. */
static void adopt(struct mlog *m, struct rlog *rl)
{
	rlog_free(m->rl);
	m->rl = rl;
	/* The disk image is whatever the writer wrote: rewrite if we are. */
	mlog_disk_new_epoch(m);
	mlog_disk_kick(m);
	/* Nothing delivered before the checkpoint concerns our commits. */
	m->committed_gen = rl->generation;
	log_info_many("installed checkpoint states",
		      "%s: installed checkpoint: gen %" PRIu64 ", %" PRIu64
		      "/%" PRIu64 " in sync", m->uuid, rl->generation,
		      rl->sync_count, rl->p.region_count);
}

int logs_core_install(void *ctx, const uint8_t *buf, size_t len)
{
	struct mlog *m = ctx;
	struct rlog *rl;
	int r = rlog_deserialize(buf, len, &m->p, &rl);

	if (r < 0) {
		log_err("%s: rejected checkpoint (%zu bytes): %s", m->uuid,
			len, strerror(-r));
		return r;
	}
	adopt(m, rl);
	return 0;
}

/* The joiner's receiver: the checkpoint lands in the bitmaps it keeps. */
struct mlog_rx {
	struct group_rx gr;
	struct mlog *m;
	struct rlog_rx *rx;
};

static int mlog_rx_start(struct group_rx *gr, size_t total)
{
	struct mlog_rx *x = (struct mlog_rx *)gr;
	int r = rlog_rx_start(x->rx, total);

	gr->bytes = rlog_rx_bytes(x->rx);
	return r;
}

static int mlog_rx_put(struct group_rx *gr, size_t off, const uint8_t *p,
		       size_t n)
{
	return rlog_rx_put(((struct mlog_rx *)gr)->rx, off, p, n);
}

static int mlog_rx_install(struct group_rx *gr)
{
	struct mlog_rx *x = (struct mlog_rx *)gr;
	struct rlog *rl;
	int r = rlog_rx_finish(x->rx, &rl);

	if (r < 0) {
		log_err("%s: rejected checkpoint: %s", x->m->uuid,
			strerror(-r));
		return r;
	}
	adopt(x->m, rl);
	return 0;
}

static void mlog_rx_close(struct group_rx *gr)
{
	struct mlog_rx *x = (struct mlog_rx *)gr;

	rlog_rx_free(x->rx);
	free(x);
}

int logs_core_ckpt_rx_open(void *ctx, struct group_rx **out)
{
	struct mlog *m = ctx;
	struct mlog_rx *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	/* No room beyond an idle log's tail: a busy log's marks and queues
	 * grow it at the first chunk (small next to the bitmaps), and a
	 * thousand logs joining at once do not each hold 64 KiB. */
	r = rlog_rx_new(&m->p, 0, &x->rx);
	if (r < 0) {
		free(x);
		return r;
	}
	x->m = m;
	x->gr.bytes = rlog_rx_bytes(x->rx);
	x->gr.start = mlog_rx_start;
	x->gr.put = mlog_rx_put;
	x->gr.install = mlog_rx_install;
	x->gr.close = mlog_rx_close;
	*out = &x->gr;
	return 0;
}

int logs_core_merge(void *ctx, const uint8_t *buf, size_t len)
{
	struct mlog *m = ctx;
	struct rlog *other;
	int r = rlog_deserialize(buf, len, &m->p, &other);

	if (r < 0) {
		log_err("%s: rejected merge state: %s", m->uuid, strerror(-r));
		return r;
	}
	r = rlog_merge(m->rl, other);
	rlog_free(other);
	if (r == 0) {
		m->need_write = true;
		mlog_disk_new_epoch(m);
		mlog_disk_kick(m);
		log_warn("%s: merged a partition's state: %" PRIu64 "/%" PRIu64
			 " in sync", m->uuid, m->rl->sync_count,
			 m->p.region_count);
	}
	return r;
}

int logs_core_init_fresh(void *ctx)
{
	struct mlog *m = ctx;

	rlog_free(m->rl);
	m->rl = rlog_new(&m->p);
	if (!m->rl)
		return -ENOMEM;
	log_info_many("fresh first members",
		      "%s: first member: fresh state", m->uuid);
	if (m->p.kind == RLOG_DISK)
		return mlog_disk_init_fresh(m);
	return 0;
}

/* "a,b,c" of up to `max` regions into buf (debug traces). */
void logs_fmt_regions(char *buf, size_t len, const uint64_t *r, size_t n,
		      size_t max)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && i < max && o < len; i++) {
		int w = snprintf(buf + o, len - o, "%s%" PRIu64, i ? "," : "",
				 r[i]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (n > max && o < len)
		snprintf(buf + o, len - o, ",...(%zu)", n);
}

void logs_core_node_lost(void *ctx, uint32_t node)
{
	struct mlog *m = ctx;
	const struct rlog_marks *mk;
	int64_t n;

	if (!m->rl)
		return;
	mk = rlog_marks_of(m->rl, node);
	if (mk) {
		char regs[LOGS_TRACE_REGIONS_LEN];

		logs_fmt_regions(regs, sizeof(regs), mk->regions, mk->n, 64);
		log_dbg("%s: node %u lost with marks [%s]", m->uuid, node,
			regs);
	}
	n = rlog_node_lost(m->rl, node);
	if (n > 0) {
		m->need_write = true;
		mlog_disk_kick(m);
	}
	/* A warning where there is something to resync; otherwise a line
	 * that a node of a thousand idle logs repeats a thousand times. */
	if (n > 0)
		log_warn("%s: node %u lost: %" PRId64 " of its regions to "
			 "resync", m->uuid, node, n);
	else
		log_info_many("node losses with nothing to resync",
			      "%s: node %u lost: 0 of its regions to resync",
			      m->uuid, node);
	/* dm-log-userspace stops asking for recovery work once it has seen
	 * the mirror in sync, until a real resume. */
	if (n > 0)
		log_warn("%s: a kernel that saw the mirror in sync recovers "
			 "them only after the mirror is suspended on every node "
			 "and resumed (lvchange --refresh)", m->uuid);
}

void logs_core_members(void *ctx, const uint32_t *nodes, size_t n)
{
	struct mlog *m = ctx;

	if (n > LOGS_MAX_MEMBERS)
		n = LOGS_MAX_MEMBERS;
	memcpy(m->members, nodes, n * sizeof(*nodes));
	m->nmembers = n;
	mlog_disk_members_changed(m);
}

void logs_core_quorum(void *ctx, bool quorate)
{
	struct mlog *m = ctx;

	m->quorate = quorate;
	log_warn("%s: %s", m->uuid, quorate ? "quorate again"
		 : "inquorate: holding state changes");
}
