/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The replicated region log: one object per mirror log, pure state, no I/O.
 *
 * Every member of a log's group applies the same operations in the same
 * (group-delivered) order, each tagged with the node id that issued it, so
 * every replica ends in the same state.  Read-only requests are answered
 * from the replica without changing it.
 *
 * State:
 *   clean     1 = no node has the region marked and it is not awaiting
 *             recovery.  This is what a disk log persists (dm-log layout).
 *   sync      1 = the region's legs are known identical.  sync_count is
 *             always popcount(sync).
 *   marks     per node, the regions that node has marked and not cleared.
 *   slots     recovery slots: at most one region per node being resynced.
 *   priority  regions a write is waiting for (IS_REMOTE_RECOVERING on an
 *             out-of-sync region); handed out before the cursor.
 *   halted    nodes that presuspended: they get no resync work.
 *
 * Invariants (checked by rlog_check()):
 *   - a region marked by any node has clean = 0;
 *   - sync_count == popcount(sync);
 *   - no region is in two slots; marks, slots, halted are sorted/unique;
 *   - every stored region number is < region_count.
 *
 * Safety rule ("no dirty region is ever lost"): a region becomes clean only
 * by a CLEAR from the last node marking it while in sync, or by
 * SET_REGION_SYNC(in_sync=1) with no marks; it becomes in sync only by
 * SET_REGION_SYNC(1) (or nosync creation).  A node's loss turns its marked
 * regions out of sync and dirty.
 */
#ifndef CMIRROR_RLOG_H
#define CMIRROR_RLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cmirror/bitmap.h"
#include "cmirror/ulog.h"

enum rlog_kind { RLOG_CORE = 0, RLOG_DISK = 1 };
enum rlog_sync { RLOG_SYNC_DEFAULT = 0, RLOG_SYNC_FORCE = 1, RLOG_SYNC_NONE = 2 };

#define RLOG_DEV_MAX		64
#define RLOG_MAX_SLOTS		64	/* recovery slots (one per node) */
#define RLOG_MAX_PRIORITY	256	/* bounded priority queue */
#define RLOG_MAX_NODES		64	/* nodes with marks */
/* 2^27 regions is the scale target; refuse absurd sizes from a CTR. */
#define RLOG_MAX_REGIONS	(UINT64_C(1) << 32)

/* What a CTR string describes. */
struct rlog_params {
	enum rlog_kind kind;
	enum rlog_sync sync;
	uint64_t sectors;	/* target length, 512-byte sectors */
	uint64_t region_size;	/* sectors; power of two, >= 2, <= sectors */
	uint64_t region_count;	/* ceil(sectors / region_size) */
	bool block_on_error;
	char dev[RLOG_DEV_MAX];	/* disk: the device word as given */
	/* The words after the length, for STATUS_TABLE, NUL-terminated. */
	char args[ULOG_MAX_PAYLOAD + 1];
};

/*
 * Parse "<sectors> clustered-core <region_size> [sync|nosync] [block_on_error]"
 * or "<sectors> clustered-disk <dev> <region_size> [sync|nosync] [block_on_error]"
 * (also accepts plain "core"/"disk" as type names).  Returns 0 or -EINVAL,
 * writing a one-line reason into err (errlen bytes, may be NULL).
 */
int rlog_parse_ctr(const char *ctr, struct rlog_params *p, char *err,
		   size_t errlen);

struct rlog_marks {
	uint32_t node;
	size_t n, cap;
	uint64_t *regions;	/* sorted, unique */
};

struct rlog_slot {
	uint32_t node;
	uint64_t region;
};

struct rlog {
	struct rlog_params p;
	struct bitmap clean;
	struct bitmap sync;
	uint64_t sync_count;
	uint64_t sync_search;	/* resync cursor, only moves forward */
	size_t nmarks;		/* entries used in marks[] */
	struct rlog_marks marks[RLOG_MAX_NODES];	/* sorted by node */
	size_t nslots;
	struct rlog_slot slots[RLOG_MAX_SLOTS];	/* sorted by node */
	size_t nprio;
	uint64_t prio[RLOG_MAX_PRIORITY];	/* FIFO, unique */
	size_t nhalted;
	uint32_t halted[RLOG_MAX_NODES];	/* sorted */
	uint64_t generation;	/* +1 on every change of state */
	bool log_dev_failed;	/* disk log: read/write error seen (D) */
	bool flush_failed;	/* disk log: flush error seen (F) */
	/* Since the last rlog_take_touched(): what a disk write must carry. */
	bool touched_dirtied;	/* a clean bit went 1 -> 0 */
	bool touched_cleaned;	/* a clean bit went 0 -> 1 */
};

/* Result of applying one request. */
struct rlog_result {
	int error;		/* 0 or -errno for the issuing node's kernel */
	uint32_t out_len;
	uint8_t out[ULOG_MAX_PAYLOAD];	/* reply payload, host byte order */
	bool changed;		/* state changed (generation advanced) */
	bool needs_commit;	/* FLUSH: reply only once state is durable */
};

/*
 * STATUS_INFO or STATUS_TABLE (`type`) from the table's parameters alone:
 * what a fresh replica answers, without building one (the kernel asks
 * while a table loads, before its RESUME: a 2^27-region log's replica is
 * 32 MiB to fill).  0 with res->out / out_len set, -ENOSPC, or -EINVAL for
 * another type.
 */
int rlog_status_of_params(const struct rlog_params *p, uint32_t type,
			  struct rlog_result *res);

/* Fresh state from params, as dm-log's constructor does: clean all 1; sync
 * all 1 for nosync, all 0 otherwise.  NULL + errno on failure. */
struct rlog *rlog_new(const struct rlog_params *p);
void rlog_free(struct rlog *l);
/* Deep copy. */
struct rlog *rlog_clone(const struct rlog *l);

/*
 * Apply one request issued by `node`.  `type` is DM_ULOG_*; `in` is the
 * kernel payload in host byte order.  Handles every type except CTR and DTR
 * (-EINVAL): ordered ones change state, local ones only read.  Invalid
 * payloads or regions >= region_count give res->error = -EINVAL and leave the
 * state unchanged.  Returns res->error.
 *
 *   MARK_REGION / CLEAR_REGION   n x u64, idempotent, duplicates allowed
 *   FLUSH                        0 or n x u64 marks (integrated flush);
 *                                sets needs_commit
 *   GET_RESYNC_WORK              -> {s64 i; u64 r}; same region again if the
 *                                node already holds a slot
 *   SET_REGION_SYNC              {u64 region; s64 in_sync}
 *   IS_REMOTE_RECOVERING         u64 -> {s64 recovering; u64 hint}; queues
 *                                an out-of-sync region for priority resync
 *   IN_SYNC / IS_CLEAN           u64 -> s64 0/1
 *   GET_SYNC_COUNT               -> u64
 *   GET_REGION_SIZE              -> u64
 *   STATUS_INFO / STATUS_TABLE   -> NUL-terminated string
 *   PRESUSPEND                   node halted: gets no resync work
 *   POSTSUSPEND                  nothing (state is committed by the caller)
 *   RESUME                       node un-halted; cursor reset to the first
 *                                out-of-sync region
 */
int rlog_apply(struct rlog *l, uint32_t node, uint32_t type,
	       const uint8_t *in, uint32_t in_len, struct rlog_result *res);

/* The checks rlog_apply makes of a MARK/CLEAR region array (a multiple of
 * 8 bytes, 1..32 regions, each < region_count): 0 or -EINVAL. */
int rlog_check_regions(const struct rlog *l, const uint8_t *in,
		       uint32_t in_len);

/* True for types that change replicated state (route ORDERED/LIFECYCLE). */
bool rlog_type_changes_state(uint32_t type);

/*
 * A node left or died: its marked regions become dirty and out of sync (its
 * writes may have reached only some legs), its slot is freed, it is
 * un-halted, and the cursor moves back so those regions are resynced.
 * Returns the number of regions made out of sync.
 */
int64_t rlog_node_lost(struct rlog *l, uint32_t node);

/*
 * Reconcile with a replica from another partition: dirty = OR, sync = AND,
 * marks = union, slots dropped, priority = union (sorted), cursor = min,
 * failure flags OR, generation = max + 1.  Commutative.  -EINVAL if the
 * geometry differs.
 */
int rlog_merge(struct rlog *l, const struct rlog *other);

/*
 * Load the disk log as dm-log's disk_resume does: `valid` false (bad magic,
 * read error, sync/nosync given) starts a new log; regions in
 * [disk_nr_regions, region_count) are clean if nosync else dirty; bits past
 * region_count are cleared; sync := clean; cursor reset.  `disk_clean` may
 * be NULL when !valid.  Sets log_dev_failed when `read_failed`.
 */
int rlog_load_disk(struct rlog *l, const struct bitmap *disk_clean,
		   uint64_t disk_nr_regions, bool valid, bool read_failed);

/* Read and reset touched_dirtied/touched_cleaned. */
void rlog_take_touched(struct rlog *l, bool *dirtied, bool *cleaned);

/* The regions node has marked (sorted), or NULL when none. */
const struct rlog_marks *rlog_marks_of(const struct rlog *l, uint32_t node);
/* Does any node have this region marked? */
bool rlog_is_marked(const struct rlog *l, uint64_t region);
/* Would a CLEAR of region by node, applied now, make it clean?  (In sync,
 * no other node marks it, no flush failed: the rule CLEAR_REGION applies;
 * false past region_count.) */
bool rlog_clear_cleans(const struct rlog *l, uint32_t node, uint64_t region);
/* Lowest out-of-sync region (region_count when none). */
uint64_t rlog_in_sync_hint(const struct rlog *l);

/* Verify the invariants above; 0 or -EUCLEAN with a reason in err. */
int rlog_check(const struct rlog *l, char *err, size_t errlen);

/*
 * Checkpoint codec (lib/rlog_ckpt.c).  Canonical, little-endian, versioned
 * and CRC-32C protected: magic "CMCK", version, geometry, bitmaps, marks,
 * slots, priority, halted, cursor, generation, flags.  Equal replicas give
 * equal bytes.
 */
int rlog_serialize(const struct rlog *l, uint8_t **buf, size_t *len);
/* Validates everything (sizes, ranges, sortedness, CRC): -EBADMSG on any
 * inconsistency, -ENOMEM.  Geometry must match `p` (-EINVAL otherwise). */
int rlog_deserialize(const uint8_t *buf, size_t len,
		     const struct rlog_params *p, struct rlog **out);
/* Bytes of the serialization of a replica with geometry p and no marks,
 * slots, priority regions or halted nodes (0 if p is unusable). */
size_t rlog_ckpt_size_hint(const struct rlog_params *p);
/* CRC-32C of the canonical serialization: replicas agree iff equal. */
uint32_t rlog_digest(const struct rlog *l);

/*
 * A checkpoint image frozen at this point without copying the bitmaps:
 * later changes to l save the blocks they touch (copy-on-write, see
 * bitmap_freeze()), and the snapshot stays valid after rlog_free(l).
 * Read it in pieces with rlog_snap_peek(); its bytes are exactly those
 * rlog_serialize() would have returned at rlog_snap_begin().
 */
struct rlog_snap;
int rlog_snap_begin(struct rlog *l, struct rlog_snap **out);
size_t rlog_snap_len(const struct rlog_snap *s);
/* CRC-32C of all rlog_snap_len() bytes (the image's own CRC included). */
uint32_t rlog_snap_crc(const struct rlog_snap *s);
/* Bytes at off: a pointer valid until l next changes, *n cut to what is
 * contiguous there.  NULL past the end or when the snapshot was lost (no
 * memory to save a block that l changed). */
const uint8_t *rlog_snap_peek(const struct rlog_snap *s, size_t off,
			      size_t *n);
void rlog_snap_end(struct rlog_snap *s);

/*
 * A checkpoint received in place: rlog_rx_new() allocates and writes the
 * bitmaps of geometry p (and room for tail_room bytes of marks and queues
 * beyond an empty log's), before anything arrives; rlog_rx_start() with
 * the image's length; rlog_rx_put() the bytes in order (-EINVAL out of
 * order or past the end); rlog_rx_finish() checks everything as
 * rlog_deserialize() does and returns the replica, which takes the
 * bitmaps: the rx is spent then, whatever the result (-EBADMSG, -EINVAL
 * for another geometry, -ENOMEM); only rlog_rx_free() is left.  A length
 * that cannot be an image of p's geometry fails rlog_rx_start() with
 * -EBADMSG (rlog_deserialize() may say -EINVAL for it).  Before
 * that, rlog_rx_start() may begin anew.
 */
struct rlog_rx;
int rlog_rx_new(const struct rlog_params *p, size_t tail_room,
		struct rlog_rx **out);
/* Bytes the rx holds (what it can receive without growing). */
size_t rlog_rx_bytes(const struct rlog_rx *rx);
int rlog_rx_start(struct rlog_rx *rx, size_t total);
int rlog_rx_put(struct rlog_rx *rx, size_t off, const uint8_t *data,
		size_t n);
int rlog_rx_finish(struct rlog_rx *rx, struct rlog **out);
void rlog_rx_free(struct rlog_rx *rx);

/*
 * Human dump for cmirrorctl/SIGUSR1: counts, marks per node, slots,
 * priority, ranges of out-of-sync and dirty regions (at most `max_ranges`
 * of each).  Returns bytes written (snprintf semantics).
 */
int rlog_dump(const struct rlog *l, char *buf, size_t len, size_t max_ranges);

#endif
