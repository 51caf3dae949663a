/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replication groups: one per mirror log uuid.  A group delivers "ops" to
 * the log core in one total order, the same on every member, and keeps
 * every member's replica in step (checkpoint to joiners, node loss, partition
 * merge, quorum).  Two transports implement this interface:
 *   - cluster.c: one corosync CPG group per log (the product);
 *   - solo.c: a single node with no corosync, behind --no-cluster (tests).
 *
 * An op is (origin node, tag, type, payload).  `type` is a DM_ULOG_* request
 * type or a GROUP_OP_* internal type.  The payload is an array of u64 in
 * host order (the transport converts to little-endian on the wire); at most
 * GROUP_MAX_OP_WORDS words.  `tag` is opaque to the group: the origin uses it
 * to find the kernel request waiting for this op.
 *
 * Life of a replica, as seen by the core (group_core_ops):
 *   join -> [init_fresh | install(checkpoint)] -> synced -> deliver...
 *   A member that is not yet synced gets no deliver() calls: ops delivered
 *   meanwhile are queued by the transport and replayed after install().
 *   snapshot() is called on the member chosen to send a checkpoint, at the
 *   exact point of the membership change.
 */
#ifndef CMIRRORD_GROUP_H
#define CMIRRORD_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

#define GROUP_MAX_OP_WORDS	40	/* 32 regions + room */

/* Internal op types (above the kernel's 8-bit request types). */
enum {
	GROUP_OP_COMMITTED = 0x100,	/* {gen}: disk writer made gen durable */
	GROUP_OP_DISK_FAILED = 0x101,	/* {failed_flag}: log device error */
	GROUP_OP_ACK = 0x102,		/* transport's own: {origin, tag}... */
};

/*
 * Or'ed into submit()'s type: the origin wants to know when every member
 * holds the op.  An op can be delivered to some members only (corosync
 * delivers the last messages of a ring that breaks to each side's
 * survivors, and CPG shows no transitional configuration), so an answer
 * that lets the kernel write must wait until each other member has
 * acknowledged delivery (GROUP_OP_ACK), or has left while this node's
 * partition is confirmed quorate for a later ring.  The core then gets
 * stable(tag).  deliver() sees the type without the flag.
 */
#define GROUP_OP_F_ACKED	0x80000000u

/*
 * Or'ed into submit()'s type: nothing waits for the op (a CLEAR_REGION
 * answered once queued), so it does not go out on its own; it waits in
 * the outgoing queue for the group's next op or at most the lazy delay
 * (option clear-delay-ms), saving one CPG message per write cycle.  The
 * flag stays local: it is never on the wire and deliver() never sees it.
 */
#define GROUP_OP_F_LAZY		0x40000000u

struct group;

/*
 * A replica image frozen at the point in the group order where it was
 * taken, read piece by piece over later loop iterations while ops go on
 * changing the replica (the core keeps it by copy-on-write).
 */
struct group_snap {
	size_t len;
	uint32_t crc;		/* CRC-32C of all len bytes */
	/* Bytes at off < len, *n cut to what is contiguous there; NULL: the
	 * image is lost (no memory to keep a part the replica changed). */
	const uint8_t *(*peek)(struct group_snap *s, size_t off, size_t *n);
	void (*close)(struct group_snap *s);
};

/*
 * A checkpoint received in place, laid out as the replica it becomes and
 * its memory written before the join, so that installing it needs no
 * second copy.  The transport gives it the image's bytes in order.
 */
struct group_rx {
	size_t bytes;		/* held now (grows if an image needs more) */
	/* A new image of `total` bytes (again from 0 if one was begun). */
	int (*start)(struct group_rx *r, size_t total);
	int (*put)(struct group_rx *r, size_t off, const uint8_t *p,
		   size_t n);
	/* Check it and replace the replica, as install() does; the rx is
	 * spent after this, whatever the result. */
	int (*install)(struct group_rx *r);
	void (*close)(struct group_rx *r);
};

struct group_core_ops {
	/* Apply one op in group order (every synced member, origin included). */
	void (*deliver)(void *ctx, uint32_t origin, uint64_t tag, uint32_t type,
			const uint64_t *words, uint32_t nwords);
	/* Serialize the replica (malloc'd buffer).  0 or -errno.  Not
	 * needed with snap_open(). */
	int (*snapshot)(void *ctx, uint8_t **buf, size_t *len);
	/* Preferred to snapshot(): the same image without copying it all
	 * at once (a 2^27-region log's is 32 MiB, most of whose cost is
	 * fresh pages).  0 or -errno. */
	int (*snap_open)(void *ctx, struct group_snap **out);
	/* Replace the replica with a checkpoint.  0 or -errno (bad checkpoint:
	 * the transport logs it and waits for another). */
	int (*install)(void *ctx, const uint8_t *buf, size_t len);
	/* Fold in a replica from another partition (conservative merge). */
	int (*merge)(void *ctx, const uint8_t *buf, size_t len);
	/* No member has state: build it from the local table (and disk). */
	int (*init_fresh)(void *ctx);
	/* A member left or died (called once per node, in group order). */
	void (*node_lost)(void *ctx, uint32_t node);
	/* The replica is usable (after init_fresh/install, and after each
	 * membership change once settled). */
	void (*synced)(void *ctx);
	/* Current members, sorted, after every membership change. */
	void (*members)(void *ctx, const uint32_t *nodes, size_t n);
	/* Quorum changed (the group holds ops while inquorate). */
	void (*quorum)(void *ctx, bool quorate);
	/* An op of ours submitted with GROUP_OP_F_ACKED is held by every
	 * member (called after its deliver(), maybe much later). */
	void (*stable)(void *ctx, uint64_t tag);
	/* Optional: bytes a checkpoint of this replica is expected to have
	 * (0: unknown).  A joiner reserves and touches that much before it
	 * joins, so that receiving does not stall on page faults. */
	size_t (*ckpt_size_hint)(void *ctx);
	/* Optional, preferred to that reserve: a receiver for the coming
	 * checkpoint (0 or -errno: then the reserve is used). */
	int (*ckpt_rx_open)(void *ctx, struct group_rx **out);
	/* The transport left the group to join it again: ops submitted so
	 * far may never be delivered here, nor stable() called for them.
	 * No deliver() until synced() again; the core submits anew. */
	void (*reset)(void *ctx);
};

struct group_transport {
	const char *name;
	/* Start membership for `uuid` (<= 128 chars). */
	int (*join)(void *tctx, const char *uuid,
		    const struct group_core_ops *ops, void *core_ctx,
		    struct group **out);
	/* Leave the group; no callbacks after this returns. */
	void (*leave)(struct group *g);
	/* Queue an op for ordered delivery to all members (sent in batches at
	 * the end of the loop iteration; held while inquorate or congested).
	 * 0, or -EINVAL (too many words), -ENOTCONN (not joined). */
	int (*submit)(struct group *g, uint64_t tag, uint32_t type,
		      const uint64_t *words, uint32_t nwords);
	uint32_t (*local_node)(void *tctx);
	bool (*quorate)(void *tctx);
	/* For status: group name as corosync-cpgtool shows it. */
	const char *(*group_name)(const struct group *g);
	void *tctx;
};

/* solo.c: single node, node id `node`, ops delivered on the next loop
 * iteration in submission order. */
int solo_transport_new(struct loop *lp, uint32_t node,
		       struct group_transport **out);
void solo_transport_free(struct group_transport *t);

#endif
