/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internal helpers shared by the region state machine files (lib/rlog.c,
 * lib/rlog_merge.c, lib/rlog_status.c).  Not part of the rlog.h contract.
 */
#ifndef CMIRROR_RLOG_SM_H
#define CMIRROR_RLOG_SM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cmirror/rlog.h"

/* Index of `node` in l->marks[] (sorted by node), or -1; *pos gets the
 * insertion point either way. */
long rlog_sm_marks_index(const struct rlog *l, uint32_t node, size_t *pos);
/* Is `region` in the sorted array a[0..n)?  *pos = insertion point. */
bool rlog_sm_find_u64(const uint64_t *a, size_t n, uint64_t region,
		      size_t *pos);
/* Is `region` marked by a node other than `node`? */
bool rlog_sm_marked_by_other(const struct rlog *l, uint32_t node,
			     uint64_t region);
/* Drop the marks entry at index i (frees its array). */
void rlog_sm_marks_remove(struct rlog *l, size_t i);
/* Free the slot of `node`; true when it held one (*region gets it). */
bool rlog_sm_slot_free_node(struct rlog *l, uint32_t node, uint64_t *region);
/* Remove `region` from the priority FIFO; true when it was there. */
bool rlog_sm_prio_remove(struct rlog *l, uint64_t region);
/* Remove `node` from halted; true when it was there. */
bool rlog_sm_unhalt(struct rlog *l, uint32_t node);
/* Make a region out of sync (and dirty): keeps sync_count, the cursor and
 * the touched flags right.  True when the sync bit changed. */
bool rlog_sm_make_out_of_sync(struct rlog *l, uint64_t region);

/* STATUS_INFO / STATUS_TABLE strings (lib/rlog_status.c). */
int rlog_sm_status_info(const struct rlog *l, struct rlog_result *res);
int rlog_sm_status_table(const struct rlog *l, struct rlog_result *res);

#endif
