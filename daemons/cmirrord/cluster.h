/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The corosync 3 transport: one CPG group per mirror log, implementing
 * struct group_transport (group.h) with the sync protocol of
 * doc/design.md ("Cluster sync protocol"), plus libquorum (quorum.h).
 */
#ifndef CMIRRORD_CLUSTER_H
#define CMIRRORD_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmirror/lat_hist.h"
#include "group.h"
#include "loop.h"
#include "options.h"

#define CLUSTER_MAX_MEMBERS	64	/* == WIRE_MAX_MEMBERS */
#define CLUSTER_NAME_MAX	128	/* CPG_MAX_NAME_LENGTH */

/*
 * Connects to corosync lazily: a group whose CPG connection fails (or is
 * lost) retries with a back-off timer, so corosync may start late or
 * restart.  The quorum connection is made here (see quorum.h for what
 * happens when the quorum service is unavailable).  0 or -errno.
 */
int cluster_transport_new(struct loop *lp, const struct cmirrord_opts *o,
			  struct group_transport **out);
void cluster_transport_free(struct group_transport *t);

/* Per-group status for the control socket. */
struct cluster_group_info {
	char name[CLUSTER_NAME_MAX + 1];	/* CPG group name */
	char uuid[129];
	const char *state;	/* "down", "joining", "unsynced", "synced",
				 * "merge-out", "rejoining" */
	bool connected;		/* CPG handle up and joined */
	bool quorate;
	uint32_t nmembers, members[CLUSTER_MAX_MEMBERS];	/* sorted */
	uint32_t nsynced, synced[CLUSTER_MAX_MEMBERS];		/* sorted */
	uint64_t ring_seq;	/* last totem ring id seen */
	uint32_t ring_node;
	uint64_t out_ops;	/* ops waiting in the outgoing queue */
	uint64_t out_ckpt_bytes;	/* checkpoint bytes still to send */
	uint64_t joiner_queue;	/* ops queued for replay (unsynced) */
	/* Counters since the group was created. */
	uint64_t msgs_sent, msgs_recv;
	uint64_t ops_sent, ops_recv, ops_dropped;
	uint64_t try_again;	/* CS_ERR_TRY_AGAIN answers (retried) */
	uint64_t ckpt_sent, ckpt_recv;	/* complete checkpoints */
	uint64_t ckpt_bytes_sent;
	uint64_t merges;	/* partition merges seen */
	uint64_t merge_in_sent, merge_in_folded;
	uint64_t confchgs, rejoins, reconnects;
	uint64_t bad_msgs;	/* undecodable or mismatched messages */
	uint64_t foreign;	/* shared-stream: messages on the log's own group */
	uint64_t stream_peers;	/* without it: members that run with it */
	uint64_t pergroup_peers;	/* with it: members that run without */
	uint64_t acks_sent;	/* GROUP_OP_ACK ops multicast */
	uint64_t stable;	/* our flagged ops every member holds */
	uint64_t waiting_stable;	/* ours still waiting for that */
};

/* Transport-wide status. */
struct cluster_stats {
	uint32_t node;		/* local node id (0 until known) */
	bool quorate;		/* corosync's verdict (the monitor's flag) */
	bool quorum_service;	/* libquorum connected */
	/* Why "quorate" may still be no: a node left ring `floor`, and no
	 * quorum notification has named a later ring yet. */
	bool floor_set;
	bool floor_confirmed;	/* a notification named a later ring */
	uint64_t floor;		/* ring of the last node loss seen */
	uint64_t quorum_ring;	/* ring of the last quorum notification */
	uint32_t ngroups;
	uint64_t msgs_sent, msgs_recv, ops_sent, ops_recv;
	uint64_t try_again, ckpt_sent, ckpt_recv, merges, rejoins;
	uint64_t bundles_shared;	/* shared-stream: messages of 2+ logs */
	/* Our own messages, from cpg_mcast_joined() to their delivery back
	 * to us: what corosync's ordering costs each of our answers. */
	struct lat_hist order;
};

/*
 * -EOPNOTSUPP when `t` is not the cluster transport (e.g. solo), so the
 * control socket can call these whatever transport runs.
 */
int cluster_group_info(const struct group_transport *t, const struct group *g,
		       struct cluster_group_info *info);
int cluster_stats(const struct group_transport *t, struct cluster_stats *st);
/* Zero the counters and the ordering histogram of cluster_stats(). */
int cluster_stats_reset(struct group_transport *t);

/*
 * The CPG group name for `uuid`: prefix + uuid, or, when that exceeds
 * CPG_MAX_NAME_LENGTH - 1 chars, prefix + the start of the uuid + "~" +
 * 8 hex digits of the CRC-32C of the whole uuid (the same on every node).
 * Returns the name length, or -ENAMETOOLONG if the prefix leaves no room.
 */
int cluster_group_name(const char *prefix, const char *uuid, char *out,
		       size_t outlen);

#endif
