/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libquorum monitor: tracks whether this node's partition is quorate and
 * reports changes.  When the quorum service cannot be reached (corosync
 * down, or no quorum provider), the node counts as quorate only with
 * --quorum ignore; the connection is retried with a back-off.
 */
#ifndef CMIRRORD_QUORUM_H
#define CMIRRORD_QUORUM_H

#include <stdbool.h>
#include <stdint.h>

#include "loop.h"

struct quorum_mon;

/* Called on every change of the effective quorate flag, and on every
 * notification (each names a newer ring: see quorum_mon_ring_seq). */
typedef void (*quorum_mon_cb)(void *ctx, bool quorate);

/* Never fails for corosync reasons (it retries); -ENOMEM only. */
int quorum_mon_new(struct loop *lp, bool require, quorum_mon_cb cb, void *ctx,
		   struct quorum_mon **out);
void quorum_mon_free(struct quorum_mon *q);
bool quorum_mon_quorate(const struct quorum_mon *q);
bool quorum_mon_connected(const struct quorum_mon *q);
uint64_t quorum_mon_ring_seq(const struct quorum_mon *q);
/* Has a notification for a ring newer than `ring` arrived (its verdict is
 * the current flag)? */
bool quorum_mon_confirms_after(const struct quorum_mon *q, uint64_t ring);

#endif
