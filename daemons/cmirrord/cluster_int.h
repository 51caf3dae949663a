/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals shared by cluster.c (transport, CPG lifecycle, membership),
 * cluster_io.c (outgoing queue, checkpoint sending, message receipt) and
 * quorum.c.  Not part of any interface.
 */
#ifndef CMIRRORD_CLUSTER_INT_H
#define CMIRRORD_CLUSTER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <corosync/cpg.h>

#include "cluster.h"
#include "cluster_sync.h"
#include "cmirror/wire.h"
#include "group.h"
#include "loop.h"
#include "options.h"

_Static_assert(GROUP_MAX_OP_WORDS == WIRE_MAX_OP_WORDS, "op words");
_Static_assert(CLUSTER_MAX_MEMBERS == WIRE_MAX_MEMBERS, "members");
_Static_assert(CLUSTER_NAME_MAX == CPG_MAX_NAME_LENGTH, "name length");

#define CLUSTER_CHUNK		(256u * 1024)	/* checkpoint chunk bytes */
#define CLUSTER_CHUNK_MIN	(64u * 1024)
#define CLUSTER_MSG_MAX		(1024u * 1024)	/* OPS message ceiling */
#define CLUSTER_CHUNKS_PER_ITER	16		/* then yield to the loop */

/* An op submitted locally, waiting to be multicast. */
struct cl_op {
	struct cl_op *next;
	uint64_t tag;
	uint32_t origin;	/* joiner queue: who sent it */
	uint32_t type;
	uint32_t nwords;
	uint64_t words[GROUP_MAX_OP_WORDS];
};

struct cl_opq {
	struct cl_op *head, **tail;
	uint64_t len;
};

/* A replica being multicast as CKPT or MERGE_IN chunks. */
struct cl_out_snap {
	uint16_t kind;
	uint64_t id;
	struct wire_nodes members, synced;
	uint8_t *buf;
	size_t len;
	size_t off;		/* next byte to send */
	uint32_t crc;
};

/* A replica being received. */
struct cl_rx {
	struct cl_rx *next;
	uint16_t kind;
	uint32_t sender;
	uint64_t id;
	struct wire_nodes members, synced;
	uint64_t total, got;
	uint32_t crc;
	uint8_t *buf;		/* NULL: only following it (no need for it) */
	bool failed;		/* allocation failed: cannot install */
};

struct cluster;

struct group {
	struct group *next;
	struct cluster *cl;
	char uuid[WIRE_UUID_SIZE];
	char name[CPG_MAX_NAME_LENGTH + 1];
	struct cpg_name cpgname;
	const struct group_core_ops *ops;
	void *core;

	/* CPG connection: h/fd valid when connected. */
	cpg_handle_t h;
	int fd;
	bool connected;
	struct loop_timer *reconnect;
	uint64_t backoff_ms;
	bool warned;
	struct cpg_ring_id ring;

	/* Re-entrancy: core callbacks may call leave(). */
	bool in_dispatch;
	bool dead;		/* left: free after dispatch, no callbacks */
	bool want_rejoin;	/* drop state, leave, join again */
	const char *rejoin_why;

	struct csync sync;
	bool told_quorum;

	struct cl_opq out;	/* submitted, not yet multicast */
	struct cl_opq jq;	/* joiner: delivered before install */
	struct cl_out_snap *ckpt_out, *merge_out;
	struct cl_rx *rx;
	uint64_t snap_seq;

	struct cluster_group_info st;	/* counters only */
};

struct cluster {
	struct loop *lp;
	const struct cmirrord_opts *o;
	struct group_transport t;
	struct group *groups;
	struct quorum_mon *qm;
	uint32_t node;		/* 0 until learnt from corosync */
	uint32_t pid;
	bool quorate;
	bool congested;		/* TRY_AGAIN: wait for the retry timer */
	struct loop_timer *retry;
	uint8_t *sendbuf;
	size_t sendcap;
	size_t chunk;
	struct cluster_stats tot;	/* counters over all groups */
};

int cluster_cs_to_errno(cs_error_t e);

/* cluster_io.c */
void cluster_io_flush(struct group *g);
void cluster_io_deliver(struct group *g, uint32_t nodeid, const uint8_t *msg,
			size_t len);
int cluster_io_start_snapshot(struct group *g, uint16_t kind);
/* At a confchg: drop partial checkpoints (and MERGE_INs whose sender
 * left), our unsent checkpoint, and, if `queue`, the joiner queue. */
void cluster_io_confchg(struct group *g, bool queue);
/* Drop all receive state and outgoing snapshots (not queued ops). */
void cluster_io_reset(struct group *g);
void cluster_io_free_all(struct group *g);
void cluster_opq_init(struct cl_opq *q);
void cluster_opq_clear(struct cl_opq *q);

#endif
