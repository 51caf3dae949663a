/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The disk writer of a clustered-disk log.
 *
 * One member writes: the lowest node id.  Every member applies the same
 * ops, so every member knows the generation each FLUSH waits for; the
 * writer writes the changed bitmap blocks off the delivery path (disk.c's
 * worker) and then multicasts COMMITTED{gen, error}.  A FLUSH's origin
 * answers its kernel when COMMITTED >= the FLUSH's generation arrives (an
 * empty FLUSH, never submitted: >= its node's last MARK's generation, so a
 * MARK_REGION is a point to commit as well).
 * A new writer rewrites the whole area first, so a flush the old writer
 * never finished is covered by the new writer's COMMITTED.
 *
 * The writer writes its own MARKs and FLUSH marks ahead of their ordering:
 * each write is the replica's clean bits plus what our ops not yet
 * delivered will do (logs_marks.c), started as soon as we send a mark, so
 * the write and the group's ordering of it overlap.  Marks written early
 * are only more dirty regions; clears written early are ours, clean only
 * where the replica lets them, and another node's later mark of such a
 * region waits for a COMMITTED, which a write started after its delivery
 * gives.  Our FLUSH is answered once delivered and the device holds every
 * region we have marked as dirty (mlog_disk_marks_held), with no write out
 * that could still change that.
 *
 * After a whole-area write, writes cover only blocks that can have changed
 * (delta_write): the replica's clean bitmap records the chunks each change
 * touches (bitmap_track).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/disklog.h"
#include "logging.h"
#include "logs_int.h"

/* An inquorate partition has its own "lowest member", which may write the
 * shared device at the same time as the quorate side's writer: it waits
 * (its commits are held with its ops) until quorum returns. */
static bool is_writer(const struct mlog *m)
{
	const struct logs *ls = m->ls;

	return m->p.kind == RLOG_DISK && m->synced && m->rl && m->g &&
	       m->nmembers && m->writer == logs_me(ls) &&
	       (!ls->o->require_quorum || ls->t->quorate(ls->t->tctx));
}

static int ensure_dev(struct mlog *m)
{
	int r;

	if (m->dev)
		return 0;
	r = disk_open(m->ls->dio, m->p.dev, &m->dev);
	if (r < 0) {
		log_err("%s: cannot open log device %s: %s", m->uuid, m->p.dev,
			strerror(-r));
		return r;
	}
	m->area_len = disklog_area_size(m->p.region_count,
					disk_block_size(m->dev));
	return 0;
}

int mlog_disk_init_fresh(struct mlog *m)
{
	struct bitmap clean = { 0 };
	uint64_t nr = 0;
	uint8_t *area = NULL;
	bool valid = false, read_failed = false;
	int r;

	if (ensure_dev(m) < 0) {
		/* Served as failed (D) with everything out of sync. */
		return rlog_load_disk(m->rl, NULL, 0, false, true);
	}
	/* One read of the log area at the first resume of the cluster. */
	r = disk_read_sync(m->dev, m->area_len, &area);
	if (r < 0) {
		log_err("%s: reading log device %s: %s", m->uuid, m->p.dev,
			strerror(-r));
		read_failed = true;
	} else {
		r = disklog_decode(area, m->area_len, &nr, &clean);
		if (r == 1) {
			valid = true;
		} else if (r < 0) {
			log_err("%s: log device %s holds an unusable log: %s",
				m->uuid, m->p.dev, strerror(-r));
			read_failed = true;	/* dm-log: device failed */
		}
	}
	r = rlog_load_disk(m->rl, valid ? &clean : NULL, nr, valid,
			   read_failed);
	bitmap_free(&clean);
	free(m->image);
	m->image = area;	/* keeps bytes 16..1023 as read */
	mlog_disk_new_epoch(m);	/* and a full write */
	mlog_disk_kick(m);
	log_info_many("disk log states",
		      "%s: disk log %s: %s, %" PRIu64 "/%" PRIu64 " in sync",
		      m->uuid, m->p.dev, valid ? "loaded" : "new log",
		      m->rl->sync_count, m->p.region_count);
	return r;
}

void mlog_disk_members_changed(struct mlog *m)
{
	uint32_t old = m->writer;

	if (m->p.kind != RLOG_DISK || !m->nmembers)
		return;
	m->writer = m->members[0];
	if (m->writer != old) {
		log_info_many("disk writer changes",
			      "%s: disk writer is node %u", m->uuid, m->writer);
		m->image_ok = false;	/* another writer, or ours again */
		if (m->writer == logs_me(m->ls)) {
			ensure_dev(m);	/* failure: commits report -EIO */
			m->need_full_write = true;
			/* Commit what the old writer may not have. */
			if (m->rl)
				m->max_flush_gen = m->rl->generation;
			m->committed_sent = 0;
		}
	}
	mlog_disk_kick(m);
}

void mlog_disk_after_apply(struct mlog *m, uint32_t type, uint64_t gen)
{
	bool dirtied, cleaned;

	/* Every member resets the flags so replicas stay byte-identical. */
	rlog_take_touched(m->rl, &dirtied, &cleaned);
	if (m->p.kind != RLOG_DISK)
		return;
	if (dirtied || cleaned)
		m->need_write = true;
	/* A MARK_REGION as well: an empty FLUSH after it is not submitted
	 * and waits for the COMMITTED of its generation (logs_marks.c). */
	if ((type == DM_ULOG_FLUSH || type == DM_ULOG_POSTSUSPEND ||
	     type == DM_ULOG_MARK_REGION) && gen > m->max_flush_gen)
		m->max_flush_gen = gen;
	mlog_disk_kick(m);
}

struct write_ctx {
	struct logs *ls;
	char uuid[ULOG_UUID_LEN + 1];
	uint64_t gen;
	uint64_t epoch;
	uint8_t *next_image;	/* a full write: the area it leaves */
	size_t *blocks;		/* a delta write: the blocks, in buf order */
	size_t nblocks;
	size_t bytes;
};

static void send_committed(struct mlog *m, uint64_t gen, int err)
{
	uint64_t w[2] = { gen, (uint64_t)(int64_t)err };
	int r;

	/* Alone, nobody waits for it: our own FLUSHes go by written_gen.  An
	 * error goes round all the same: it fails the log (D) in the
	 * replica. */
	if (!err && m->nmembers == 1 && gen <= m->written_gen) {
		m->committed_sent = gen;
		return;
	}
	r = m->ls->t->submit(m->g, 0, GROUP_OP_COMMITTED, w, 2);

	if (r < 0)
		log_err("%s: cannot announce commit: %s", m->uuid,
			strerror(-r));
	else
		m->committed_sent = gen;
}

static void write_done(void *ctx, int err, uint8_t *buf, size_t len)
{
	struct write_ctx *wc = ctx;
	struct mlog *m = logs_find(wc->ls, wc->uuid);

	(void)len;
	if (!m || !m->dev) {
		free(buf);
		free(wc->next_image);
		free(wc->blocks);
		free(wc);
		return;
	}
	m->write_in_flight = false;
	if (err) {
		m->disk_errors++;
		m->image_ok = false;
		log_err("%s: writing log device %s: %s", m->uuid, m->p.dev,
			strerror(-err));
		free(wc->next_image);
		/* Write everything again next time. */
		m->need_full_write = true;
	} else {
		size_t bs = disk_block_size(m->dev);

		m->disk_writes++;
		m->disk_bytes += wc->bytes;
		if (wc->blocks) {
			for (size_t i = 0; i < wc->nblocks; i++)
				memcpy(m->image + wc->blocks[i] * bs,
				       buf + i * bs, bs);
		} else {
			free(m->image);
			m->image = wc->next_image;
		}
		if (wc->epoch == m->disk_epoch && wc->gen > m->written_gen)
			m->written_gen = wc->gen;
		if (wc->epoch == m->disk_epoch && wc->bytes == m->area_len)
			m->image_ok = true;	/* the whole area */
	}
	/* A write started ahead of our own ops often ends with nobody
	 * waiting: no COMMITTED then (an error always goes round). */
	if (is_writer(m) && (err || m->max_flush_gen > m->committed_sent))
		send_committed(m, wc->gen, err);
	free(buf);
	free(wc->blocks);
	free(wc);
	if (!err)
		logs_answer_committed(m);	/* ours need no COMMITTED */
	mlog_disk_kick(m);
}

/* No write out and the image equals the replica's state plus what we
 * write ahead: our FLUSHes are answered, the others' get their
 * COMMITTED. */
static void held_already(struct mlog *m)
{
	uint64_t gen = m->rl->generation;

	if (gen > m->written_gen)
		m->written_gen = gen;
	if (m->max_flush_gen > m->committed_sent)
		send_committed(m, gen, 0);
	logs_answer_committed(m);
}

/* Our ops not delivered yet, as disklog ops (logs_marks.c). */
struct ahead_list {
	struct disklog_op *op;
	size_t n, cap;
};

static void ahead_add(void *ctx, uint64_t region, bool clean)
{
	struct ahead_list *al = ctx;

	if (al->n == al->cap) {
		size_t cap = al->cap ? al->cap * 2 : 16;
		struct disklog_op *op = realloc(al->op, cap * sizeof(*op));

		if (!op)
			return;	/* written without it: the replica's */
		al->op = op;
		al->cap = cap;
	}
	al->op[al->n++] = (struct disklog_op){ region, clean };
}

static void keep_ahead(struct mlog *m, struct ahead_list *al)
{
	free(m->ahead);
	m->ahead = al->op;
	m->n_ahead = al->n;
	*al = (struct ahead_list){ 0 };
}

static void queue_write(struct mlog *m, struct write_ctx *wc, uint8_t *buf,
			size_t len, const struct disk_extent *ext, size_t n)
{
	int r;

	wc->ls = m->ls;
	snprintf(wc->uuid, sizeof(wc->uuid), "%s", m->uuid);
	wc->gen = m->rl->generation;
	wc->epoch = m->disk_epoch;
	wc->bytes = len;
	m->write_in_flight = true;
	r = disk_write_extents(m->dev, buf, len, ext, n, true, write_done, wc);
	if (r < 0) {
		m->write_in_flight = false;
		m->need_full_write = true;
		log_err("%s: cannot queue a disk write: %s", m->uuid,
			strerror(-r));
		free(buf);
		free(wc->next_image);
		free(wc->blocks);
		free(wc);
		send_committed(m, m->rl->generation, r);
	}
}

/* The whole area encoded again (a new writer or epoch, or no tracking):
 * written whole, or the run of blocks that differ from the image. */
static void full_write(struct mlog *m, struct ahead_list *al)
{
	size_t bs = disk_block_size(m->dev), first = 0, count;
	struct disk_extent e;
	struct write_ctx *wc;
	uint8_t *img, *buf;
	int r;

	img = disk_alloc(m->dev, m->area_len);
	wc = calloc(1, sizeof(*wc));
	if (!img || !wc) {
		free(img);
		free(wc);
		return;
	}
	if (m->image)
		memcpy(img, m->image, m->area_len);
	r = disklog_encode(img, m->area_len, &m->rl->clean);
	if (r < 0) {
		log_err("%s: encoding the disk log: %s", m->uuid, strerror(-r));
		free(img);
		free(wc);
		return;
	}
	/* From this encoding on, changes are recorded (delta_write). */
	bitmap_track(&m->rl->clean);
	for (size_t i = 0; i < al->n; i++)
		disklog_set_region(img, m->area_len, al->op[i].region,
				   al->op[i].clean);
	keep_ahead(m, al);
	if (m->need_full_write || !m->image) {
		count = m->area_len / bs;
	} else {
		disklog_changed_blocks(m->image, img, m->area_len, bs, &first,
				       &count);
	}
	m->need_write = false;
	m->need_full_write = false;
	if (!count) {
		free(img);
		free(wc);
		held_already(m);
		return;
	}
	buf = disk_alloc(m->dev, count * bs);
	if (!buf) {
		free(img);
		free(wc);
		m->need_full_write = true;
		return;
	}
	memcpy(buf, img + first * bs, count * bs);
	wc->next_image = img;
	e = (struct disk_extent){ first * bs, 0, count * bs };
	queue_write(m, wc, buf, count * bs, &e, 1);
}

/* Room for one more candidate block. */
static bool cand_add(size_t **cand, size_t *n, size_t *cap, size_t b)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		size_t *p = realloc(*cand, c * sizeof(*p));

		if (!p)
			return false;
		*cand = p;
		*cap = c;
	}
	(*cand)[(*n)++] = b;
	return true;
}

/*
 * Only the blocks that can have changed since the last write: those whose
 * clean bits changed (bitmap_take_touched), and those of what the last
 * write and this one write ahead of the replica.  A 2^27-region log's
 * 16 MiB area is neither copied nor compared per write.
 */
static void delta_write(struct mlog *m, struct ahead_list *al)
{
	size_t bs = disk_block_size(m->dev), n = 0, cap = 0, kept, next = 0;
	size_t *cand = NULL, *changed = NULL, f, l;
	struct disk_extent *ext = NULL;
	struct write_ctx *wc = NULL;
	uint8_t *buf = NULL;
	bool ok = true;

	for (size_t c = bitmap_take_touched(&m->rl->clean, 0); c != SIZE_MAX;
	     c = bitmap_take_touched(&m->rl->clean, c + 1)) {
		disklog_bytes_blocks(c * BITMAP_TOUCH_CHUNK, BITMAP_TOUCH_CHUNK,
				     bs, m->area_len, &f, &l);
		for (size_t b = f; ok && b <= l; b++)
			ok = cand_add(&cand, &n, &cap, b);
	}
	for (size_t i = 0; ok && i < m->n_ahead; i++)
		ok = cand_add(&cand, &n, &cap,
			      disklog_region_block(m->ahead[i].region, bs));
	for (size_t i = 0; ok && i < al->n; i++)
		ok = cand_add(&cand, &n, &cap,
			      disklog_region_block(al->op[i].region, bs));
	n = disklog_sort_blocks(cand, n);
	if (ok && n) {
		buf = disk_alloc(m->dev, n * bs);
		changed = malloc(n * sizeof(*changed));
		ext = malloc(n * sizeof(*ext));
		wc = calloc(1, sizeof(*wc));
		ok = buf && changed && ext && wc;
	}
	if (!ok) {
		/* What changed is lost with the candidates: all again. */
		m->need_full_write = true;
		goto out;
	}
	kept = n ? disklog_delta(m->image, m->area_len, bs, &m->rl->clean,
				 cand, n, al->op, al->n, buf, changed) : 0;
	keep_ahead(m, al);
	m->need_write = false;
	if (!kept) {
		held_already(m);
		goto out;
	}
	for (size_t i = 0; i < kept; i++) {
		if (next && changed[i] == changed[i - 1] + 1) {
			ext[next - 1].len += bs;
			continue;
		}
		ext[next++] = (struct disk_extent){ changed[i] * bs, i * bs,
						    bs };
	}
	wc->blocks = changed;
	wc->nblocks = kept;
	queue_write(m, wc, buf, kept * bs, ext, next);
	buf = NULL;
	changed = NULL;
	wc = NULL;
out:
	free(buf);
	free(changed);
	free(ext);
	free(wc);
	free(cand);
}

static void start_write(struct mlog *m)
{
	struct ahead_list al = { 0 };

	mlog_marks_write_ahead(m, ahead_add, &al);
	/* An image we cannot trust is no base to compare with. */
	if (!m->image_ok)
		m->need_full_write = true;
	if (m->need_full_write || !m->image ||
	    !bitmap_tracking(&m->rl->clean))
		full_write(m, &al);
	else
		delta_write(m, &al);
	free(al.op);
}

/* Another writer may have written meanwhile (a partition's, say): the
 * writer rewrites the whole area before its image counts again. */
void mlog_disk_new_epoch(struct mlog *m)
{
	m->disk_epoch++;
	m->written_gen = 0;
	m->image_ok = false;
	m->need_full_write = true;
}

void mlog_disk_own_marks_sent(struct mlog *m)
{
	if (!is_writer(m))
		return;
	m->need_write = true;
	mlog_disk_kick(m);
}

bool mlog_disk_marks_held(const struct mlog *m)
{
	const struct rlog_marks *mk;

	if (!is_writer(m) || !m->image_ok || m->write_in_flight ||
	    m->rl->log_dev_failed)
		return false;
	mk = rlog_marks_of(m->rl, logs_me(m->ls));
	for (size_t i = 0; mk && i < mk->n; i++)
		if (disklog_region_clean(m->image, m->area_len,
					 mk->regions[i]))
			return false;
	return true;
}

void mlog_disk_kick(struct mlog *m)
{
	if (m->p.kind != RLOG_DISK)
		return;
	qlist_add(&m->ls->diskq, &m->diskq);
	loop_wake(m->ls->lp);
}

static bool has_disk_work(const struct mlog *m)
{
	return m->need_write || m->need_full_write ||
	       m->max_flush_gen > m->committed_sent;
}

static void disk_work(struct mlog *m)
{
	if (!m->dev) {
		/* No device: every commit fails, as dm-log's would. */
		m->need_write = m->need_full_write = false;
		if (m->max_flush_gen > m->committed_sent)
			send_committed(m, m->rl->generation, -EIO);
		return;
	}
	/* A commit compares the replica with the image as well: what we
	 * wrote ahead may differ from the replica with no clean bit changed
	 * since (another node's mark delivered before our clear it overtook). */
	if (m->need_write || m->need_full_write ||
	    m->max_flush_gen > m->committed_sent)
		start_write(m);
}

/*
 * Once per loop iteration: group commit of everything applied in it, for
 * the queued logs only.  A log leaves the queue when nothing is left, when
 * a write is out (its completion queues it again) or when another node
 * writes (becoming the writer queues it).  The writer held back (not
 * synced, inquorate) stays queued.
 */
void logs_disk_hook(struct loop *lp, void *ctx)
{
	struct logs *ls = ctx;

	for (struct qlink *l = ls->diskq, *next; l; l = next) {
		struct mlog *m = qlist_entry(l, struct mlog, diskq);

		next = l->next;
		if (is_writer(m) && !m->write_in_flight)
			disk_work(m);
		if (m->write_in_flight || !has_disk_work(m) ||
		    m->writer != logs_me(ls))
			qlist_del(&m->diskq);
	}
}

void mlog_disk_close(struct mlog *m)
{
	if (m->dev)
		disk_close(m->dev);
	m->dev = NULL;
	free(m->image);
	m->image = NULL;
	m->image_ok = false;
	free(m->ahead);
	m->ahead = NULL;
	m->n_ahead = 0;
}
