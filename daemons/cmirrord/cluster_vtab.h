/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual groups over the shared stream (option shared-stream; doc/
 * design.md, "Shared stream").  One CPG group carries every log; which
 * daemons are members of which log is decided inside that group's total
 * order, so every member derives the same per-log membership changes at
 * the same point, as if each log had its own CPG group:
 *   - JOIN/LEAVE records change one log's membership where they are
 *     delivered;
 *   - a daemon that leaves the stream group leaves all its logs at that
 *     confchg (with its reason, so a node failure is still NODEDOWN);
 *   - a confchg with joiners (a daemon started, or partitions merged)
 *     starts a round: every member announces the logs it is in, records
 *     other than announcements are held back, and once every member has
 *     announced, the logs' memberships are the union of the announcements,
 *     each change is reported (joiners with the stream confchg's reason,
 *     NODEUP for a merge), then the held records are applied in order.
 * Pure: no corosync, no I/O.  Keyed by node id (one daemon per node).
 */
#ifndef CMIRRORD_CLUSTER_VTAB_H
#define CMIRRORD_CLUSTER_VTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster_sync.h"
#include "cmirror/wire.h"

#define VTAB_REASON_JOIN	1	/* CPG_REASON_JOIN, kept corosync-free */
#define VTAB_REASON_LEAVE	2	/* CPG_REASON_LEAVE */
#define VTAB_MAX_LOGS		65536u	/* logs in the table */
#define VTAB_HELD_MAX		(256u << 20)	/* bytes held in a round */

struct vtab_ops {
	/* A log's membership changed.  `inc` is the joiner's incarnation
	 * when the change is one JOIN record, else 0. */
	void (*change)(void *ctx, const char *uuid,
		       const struct wire_nodes *members,
		       const struct csync_node *left, size_t nl,
		       const struct csync_node *joined, size_t nj,
		       uint32_t inc);
	/* A LOG record from a member of its log. */
	void (*deliver)(void *ctx, const char *uuid, uint32_t from,
			const uint8_t *msg, size_t len);
};

struct vtab;

int vtab_new(uint32_t me, const struct vtab_ops *ops, void *ctx,
	     struct vtab **out);
void vtab_free(struct vtab *vt);

/*
 * A confchg of the stream group (members: every current member).  When
 * `me` is among the joined, the stream starts over (first confchg after
 * our join).  Returns 1 when this node must now announce its logs
 * (vtab_each_of), 0 when not, -E2BIG for too many members.
 */
int vtab_confchg(struct vtab *vt, const uint32_t *members, size_t nm,
		 const struct csync_node *left, size_t nl,
		 const struct csync_node *joined, size_t nj);

/* One record of a bundle from `from`, in stream order.  0, -EBADMSG (bad
 * record: dropped, the same way at every member), -ENOSPC (too many
 * logs: dropped likewise) or -ENOBUFS (a round holds too much: the caller
 * must leave the stream and join again). */
int vtab_record(struct vtab *vt, uint32_t from, uint16_t type,
		const uint8_t *data, size_t len);

/* The logs `node` is a member of, as the table says; stops at fn < 0. */
int vtab_each_of(const struct vtab *vt, uint32_t node,
		 int (*fn)(void *arg, const char *uuid), void *arg);

bool vtab_in_round(const struct vtab *vt);
/* node was a member of the stream's group at its last confchg. */
bool vtab_in_stream(const struct vtab *vt, uint32_t node);
size_t vtab_held_bytes(const struct vtab *vt);
size_t vtab_nlogs(const struct vtab *vt);

#endif
