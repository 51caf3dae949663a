/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by logs.c (routing, replies), logs_disk.c (the disk
 * writer) and logs_dump.c (status and statistics).
 *
 * Objects:
 *   struct mlog   one per uuid: the replica (rlog), its group, its disk,
 *                 the kernel requests waiting on it.
 *   struct table  one per kernel table (uuid, luid), attached to an mlog.
 *   struct pending a kernel request not answered yet; it is on exactly one
 *                 mlog's list, in one of three states:
 *                   WAIT_SYNC     the replica is not usable yet (joining);
 *                   WAIT_DELIVERY submitted as an op, waiting for our own
 *                                 delivery of it (matched by tag);
 *                   WAIT_STABLE   a flagged FLUSH of ours, delivered, not
 *                                 yet held by every member;
 *                   WAIT_MARKS    a FLUSH of ours, delivered, waiting for
 *                                 our MARK_REGIONs before it to be held by
 *                                 every member (logs_marks.c);
 *                   WAIT_HELD     an empty FLUSH, never submitted, waiting
 *                                 for the same (then, for a disk log,
 *                                 WAIT_COMMIT for our last mark's gen);
 *                   WAIT_COMMIT   applied; a FLUSH/POSTSUSPEND waiting for
 *                                 the disk writer's COMMITTED >= its gen.
 */
#ifndef CMIRRORD_LOGS_INT_H
#define CMIRRORD_LOGS_INT_H

#include <stdbool.h>
#include <stdint.h>
#include "cmirror/disklog.h"
#include "cmirror/lat_hist.h"
#include "cmirror/rlog.h"
#include "cmirror/ulog.h"
#include "disk.h"
#include "group.h"
#include "kernel.h"
#include "logs.h"
#include "qlist.h"

#define LOGS_MAX_MEMBERS 64
#define LOGS_HASH	1024	/* uuid buckets: a lookup per request */

/* P_WAIT_STABLE: a FLUSH of ours delivered here, not yet known to be held
 * by every member (group.h, GROUP_OP_F_ACKED). */
enum pending_state { P_WAIT_SYNC, P_WAIT_DELIVERY, P_WAIT_STABLE,
		     P_WAIT_MARKS, P_WAIT_HELD, P_WAIT_COMMIT };

struct pending {
	struct pending *next;
	enum pending_state state;
	uint64_t tag;
	bool acked;		/* must be held by every member itself */
	uint64_t commit_gen;
	uint64_t t_start_us;	/* arrival, for the latency statistics */
	struct kernel_peer peer;
	struct ulog_req req;	/* header copy; req.data points to data[] */
	uint8_t data[ULOG_MAX_PAYLOAD];
	struct rlog_result res;	/* kept for WAIT_COMMIT */
};

struct table {
	struct table *next;	/* in the mlog */
	struct mlog *log;
	uint64_t luid;
	struct rlog_params p;
	bool resumed;
	bool reconnected;	/* built by the kernel's reconnect CTR */
	uint64_t created_ms;
};

struct mlog {
	struct mlog *next;
	struct mlog *hnext;	/* uuid bucket */
	struct logs *ls;
	char uuid[ULOG_UUID_LEN + 1];
	struct rlog_params p;	/* geometry of the replica */
	struct table *tables;
	size_t ntables;

	/* group */
	struct group *g;
	struct rlog *rl;	/* NULL until synced */
	bool synced;
	/* Synced, but our ops submitted again are not delivered yet: the
	 * requests (reads as well) wait for the one with this tag. */
	uint64_t replay_tag;
	/* The group started over (or the log is new): what we marked may
	 * have reached no one, so the next FLUSH is acknowledged itself. */
	bool marks_unflushed;
	/* Our MARKs and early-answered CLEARs not yet held by every member,
	 * in submission order (logs_marks.c). */
	struct umark *umarks;
	size_t n_umarks, cap_umarks;
	unsigned clears_unflagged;	/* CLEARs since our last flagged op */
	uint64_t own_mark_gen;	/* generation of our last MARK delivered */
	size_t n_uclears;		/* CLEARs in umarks */
	bool quorate;
	uint32_t members[LOGS_MAX_MEMBERS];
	size_t nmembers;
	struct pending *pending;

	/* disk (clustered-disk only) */
	struct qlink diskq;	/* on ls->diskq: the disk hook has work */
	struct disk_dev *dev;
	uint32_t writer;	/* lowest member: writes the disk */
	bool need_write;	/* clean bits changed since the last image */
	bool need_full_write;	/* rewrite the whole area (new writer, resume) */
	bool write_in_flight;
	uint8_t *image;		/* last area written (or read), writer only */
	/* image is what the device holds: a full write of ours ended, with
	 * no error and no other writer since (our FLUSHes may be answered
	 * from it, mlog_disk_marks_held). */
	bool image_ok;
	/* What our last write wrote ahead of the replica: the next one
	 * recomputes those blocks (the rest only where the replica's clean
	 * bits changed, bitmap_track). */
	struct disklog_op *ahead;
	size_t n_ahead;
	size_t area_len;
	uint64_t max_flush_gen;	/* highest gen a delivered FLUSH waits for */
	uint64_t committed_sent;	/* highest gen we (writer) announced */
	uint64_t committed_gen;	/* highest COMMITTED delivered */
	/* Highest gen this node wrote to the device itself, without error,
	 * in the current replica (disk_epoch): its own FLUSHes up to it are
	 * durable before the COMMITTED comes round. */
	uint64_t written_gen;
	uint64_t disk_epoch;	/* the replica was replaced or rewound */
	int committed_err;	/* error of the last COMMITTED */
	uint64_t disk_writes, disk_bytes, disk_errors;
};

struct type_stats {
	uint64_t errors;
	struct lat_hist lat;	/* request in to answer queued */
};

struct logs {
	struct loop *lp;
	const struct cmirrord_opts *o;
	struct group_transport *t;
	struct disk_io *dio;
	struct mlog *logs;
	struct mlog *hash[LOGS_HASH];
	struct qlink *diskq;	/* disk logs the hook must look at */
	uint64_t next_tag;
	struct loop_timer *orphan_timer;
	struct kernel_link *k;	/* for its counters in stats; may be NULL */
	struct type_stats stats[ULOG_NR_TYPES + 1];
	uint64_t ops_submitted, ops_delivered, held_sync;
	uint64_t flushes_settled;	/* empty FLUSHes answered with no round */
	uint64_t flushes_written;	/* answered at our own write's end */
	uint64_t flushes_ahead;	/* answered: our marks written ahead */
};

/* logs_index.c: the registry of mlogs by uuid */
struct mlog *logs_find(const struct logs *ls, const char *uuid);
void logs_link(struct logs *ls, struct mlog *m);
void logs_unlink(struct logs *ls, struct mlog *m);

/* logs_reply.c (logs_me: logs.c) */
void logs_reply(struct logs *ls, struct pending *pd, int error,
		const void *out, uint32_t out_len);
/* Answer a request that never became a pending one. */
void logs_reply_now(struct logs *ls, const struct kernel_peer *peer,
		    const struct ulog_req *req, int error, const void *out,
		    uint32_t out_len);
/* -ESRCH with the reply space the kernel's retry needs (logs_reply.c). */
void logs_reply_esrch(struct logs *ls, const struct kernel_peer *peer,
		      const struct ulog_req *req);
uint32_t logs_me(const struct logs *ls);
void logs_pending_unlink(struct mlog *m, struct pending *pd);
/* A delivered op of ours (a FLUSH: held by every member too): answered
 * now, or for a disk log once the device holds it (WAIT_COMMIT). */
void logs_answer_delivered(struct mlog *m, struct pending *pd);

/* logs_replica.c: group_core_ops of the replica's life cycle */
size_t logs_core_ckpt_size_hint(void *ctx);
int logs_core_snap_open(void *ctx, struct group_snap **out);
int logs_core_install(void *ctx, const uint8_t *buf, size_t len);
int logs_core_ckpt_rx_open(void *ctx, struct group_rx **out);
int logs_core_merge(void *ctx, const uint8_t *buf, size_t len);
int logs_core_init_fresh(void *ctx);
void logs_core_node_lost(void *ctx, uint32_t node);
/* Debug traces: regions as "a,b,c", at most `max` of them. */
#define LOGS_TRACE_REGIONS_LEN	768
void logs_fmt_regions(char *buf, size_t len, const uint64_t *r, size_t n,
		      size_t max);
void logs_core_members(void *ctx, const uint32_t *nodes, size_t n);
void logs_core_quorum(void *ctx, bool quorate);

/* logs_marks.c */
/* Remember a MARK_REGION or CLEAR_REGION of ours answered before it is
 * stable (tag, type, regions): 0 or -ENOMEM. */
int mlog_marks_track(struct mlog *m, uint64_t tag, uint32_t type,
		     const uint64_t *w, uint32_t n);
/* May one more CLEAR be answered before it is stable (the list is
 * bounded)? */
bool mlog_marks_room_for_clear(const struct mlog *m);
/* Is the CLEAR about to be sent the one to flag? */
bool mlog_marks_flag_clear(struct mlog *m);
void mlog_marks_flagged_sent(struct mlog *m);	/* a flagged op went out */
/* A MARK of ours submitted before `tag` is not yet stable (or not sent). */
bool mlog_marks_pending_before(const struct mlog *m, uint64_t tag);
size_t mlog_marks_unstable(const struct mlog *m);	/* MARKs only */
/* May a FLUSH with `data_size` bytes of marks be answered with no ordering
 * of its own: now, or once our marks sent before it are stable? */
bool mlog_marks_flush_local(const struct mlog *m, uint32_t data_size);
/* Our op `tag` is stable: it covers every mark and clear of ours sent
 * before it (and itself); true if that removed a mark. */
bool mlog_marks_covered(struct mlog *m, uint64_t tag);
void mlog_marks_forget(struct mlog *m, uint64_t tag);	/* not sent after all */
void mlog_marks_reset(struct mlog *m);		/* the group starts over */
/* Our MARK `tag` was delivered here at generation `gen` (a CLEAR: 0). */
void mlog_marks_delivered(struct mlog *m, uint64_t tag, uint64_t gen);
/* What our MARKs, CLEARs and FLUSH marks not delivered yet will do to the
 * clean bits, in the order to apply (the disk writer writes ahead of the
 * ordering): fn(ctx, region, clean). */
typedef void (*mlog_ahead_fn)(void *ctx, uint64_t region, bool clean);
void mlog_marks_write_ahead(const struct mlog *m, mlog_ahead_fn fn,
			    void *ctx);
/* Synced again: send them; the tag of the last one sent, or 0. */
uint64_t mlog_marks_resubmit(struct mlog *m);
/* Our marks held by the replica at a reset, put first (tag 0). */
int mlog_marks_save(struct mlog *m, const uint64_t *r, size_t n);
void mlog_marks_free(struct mlog *m);

/* logs_disk.c */
int mlog_disk_init_fresh(struct mlog *m);	/* open + read + load */
void mlog_disk_members_changed(struct mlog *m);
void mlog_disk_after_apply(struct mlog *m, uint32_t type, uint64_t gen);
/* We sent a MARK_REGION or a FLUSH with marks: the writer writes it now,
 * while the group orders it. */
void mlog_disk_own_marks_sent(struct mlog *m);
/* The device holds every region our replica has marked by us as dirty
 * (the writer, with no write out): our FLUSHes delivered so far may be
 * answered. */
bool mlog_disk_marks_held(const struct mlog *m);
/* Flags of m's disk changed: the hook looks at m (and the loop wakes). */
void mlog_disk_kick(struct mlog *m);
/* The replica was replaced or rewound (reset, checkpoint, merge, fresh
 * load): our writes so far say nothing about its generations. */
void mlog_disk_new_epoch(struct mlog *m);
/* logs_reply.c: answer our FLUSHes that the disk now holds (a COMMITTED
 * came, or our own write ended). */
void logs_answer_committed(struct mlog *m);
void logs_disk_hook(struct loop *lp, void *ctx);
void mlog_disk_close(struct mlog *m);

#endif
