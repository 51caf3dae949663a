/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The decision logic of the cluster sync protocol (doc/design.md, "Cluster
 * sync protocol"), kept pure: no corosync, no core, no I/O.  cluster.c
 * feeds it each CPG event and carries out the actions it returns, so the
 * protocol can be unit-tested event by event.
 *
 * Every member runs this on the same totally ordered stream of confchgs
 * and messages, so the replicated parts (the synced set, who sends a
 * checkpoint, who initialises, which ops are dropped) come out the same at
 * every member.
 */
#ifndef CMIRRORD_CLUSTER_SYNC_H
#define CMIRRORD_CLUSTER_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmirror/wire.h"

enum csync_state {
	CSYNC_NEW,		/* joined; our first confchg not seen yet */
	CSYNC_UNSYNCED,		/* waiting for a checkpoint (or all-new) */
	CSYNC_SYNCED,		/* replica usable */
	CSYNC_MERGE_OUT,	/* our partition folds into the other one */
	CSYNC_REJOIN,		/* leaving to join again: ignore everything */
};

struct csync {
	uint32_t me;
	enum csync_state state;
	struct wire_nodes members;	/* current membership, sorted */
	/* SYNCED: the replicated synced set; MERGE_OUT: our side's. */
	struct wire_nodes synced;
	/* UNSYNCED: members that were there before us (may hold state) and
	 * the members that joined together with us. */
	struct wire_nodes older;
	struct wire_nodes cohort;
	/* SYNCED: members of other partitions whose MERGE_IN / leave we
	 * await; no checkpoint is sent while any is still a member. */
	struct wire_nodes merge_pending;
	uint32_t merge_sender;		/* MERGE_OUT: who sends our MERGE_IN */
};

/* One entry of a CPG left/joined list. */
struct csync_node {
	uint32_t nodeid;
	uint32_t reason;		/* CPG_REASON_* */
};

struct csync_event {
	const uint32_t *members;	/* any order, duplicates allowed */
	size_t nmembers;
	const struct csync_node *left;
	size_t nleft;
	const struct csync_node *joined;
	size_t njoined;
};

struct csync_actions {
	struct wire_nodes lost;	/* core node_lost() for each, in order */
	bool reset_rx;		/* drop the joiner queue and partial chunks */
	bool init_fresh;	/* core init_fresh(); we are synced now */
	bool send_ckpt;		/* snapshot now, multicast CKPT */
	bool send_merge_in;	/* snapshot now, multicast MERGE_IN */
	bool synced;		/* core synced() after members() */
	bool merge;		/* a partition merge was seen */
	bool merge_out;		/* ... and our side folds into the other */
	bool rejoin;		/* leave the group and join again */
};

enum csync_verdict {
	CSYNC_DROP,
	CSYNC_DELIVER,
	CSYNC_QUEUE,		/* joiner: keep for replay after install */
	CSYNC_INSTALL,		/* complete checkpoint for us: install it */
	CSYNC_SEEN,		/* complete checkpoint, already synced */
	CSYNC_FOLD,		/* complete MERGE_IN: core merge() */
	CSYNC_LEAVE,		/* our side's MERGE_IN went out: rejoin */
};

#define CPG_REASON_NODEUP_VALUE 4	/* CPG_REASON_NODEUP, kept corosync-free */

void csync_init(struct csync *s, uint32_t me);
/* Forget everything (before joining again). */
void csync_reset(struct csync *s);
/* A confchg.  -E2BIG if more than WIRE_MAX_MEMBERS distinct members
 * (nothing changed), else 0 with the actions to carry out, in order:
 * lost, members(), init_fresh, send_*, synced. */
int csync_confchg(struct csync *s, const struct csync_event *ev,
		  struct csync_actions *a);
/* Ops multicast by `origin`: deliver, queue (joiner) or drop. */
enum csync_verdict csync_op(const struct csync *s, uint32_t origin);
/* The last chunk of a checkpoint from `sender`, tagged `tag`, completed
 * (chunk 0 seen after our latest confchg).  INSTALL: install it, then call
 * csync_installed(); SEEN: the synced set now is the membership. */
enum csync_verdict csync_ckpt_done(struct csync *s, uint32_t sender,
				   const struct wire_nodes *tag);
/* Install succeeded (true: we are synced) or failed (false: rejoin). */
void csync_installed(struct csync *s, bool ok);
/* The last chunk of a MERGE_IN from `sender` completed. */
enum csync_verdict csync_merge_done(struct csync *s, uint32_t sender);
/* Own multicasts (ops) may go out: only once synced. */
bool csync_may_send_ops(const struct csync *s);

/* Sorted-set helpers on struct wire_nodes. */
bool csync_has(const struct wire_nodes *s, uint32_t id);
int csync_add(struct wire_nodes *s, uint32_t id);
void csync_del(struct wire_nodes *s, uint32_t id);
void csync_intersect(struct wire_nodes *s, const struct wire_nodes *with);
const char *csync_state_name(enum csync_state st);
/* "1 2 3" into buf (always NUL-terminated). */
void csync_format(const struct wire_nodes *s, char *buf, size_t len);

#endif
