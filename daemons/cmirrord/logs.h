/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The log registry: every mirror log this node serves, keyed by uuid (the
 * replicated state, one group) with one or more kernel tables (luid) each.
 * Routes kernel requests (local answer, or an op through the group),
 * applies delivered ops to the replica, answers the kernel, and drives the
 * disk writer for clustered-disk logs.
 */
#ifndef CMIRRORD_LOGS_H
#define CMIRRORD_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "group.h"
#include "kernel.h"
#include "loop.h"
#include "options.h"

struct logs;

int logs_new(struct loop *lp, const struct cmirrord_opts *o,
	     struct group_transport *t, struct logs **out);
void logs_free(struct logs *ls);

/* kernel_request_cb / kernel_gone_cb; ctx is the struct logs. */
void logs_on_kernel_request(const struct kernel_peer *peer,
			    const struct ulog_req *req, void *ctx);
void logs_on_kernel_gone(const struct kernel_peer *peer, void *ctx);

/* Number of kernel tables alive (the daemon refuses SIGTERM while > 0). */
size_t logs_count(const struct logs *ls);

/* Human status of every log (SIGUSR1, cmirrorctl status); snprintf rules. */
int logs_dump(const struct logs *ls, char *buf, size_t len);
/* JSON array of logs for `cmirrorctl status --json`. */
int logs_dump_json(const struct logs *ls, char *buf, size_t len);
/* Detail for one uuid (rlog_dump + group info); -ENOENT if unknown. */
int logs_dump_one(const struct logs *ls, const char *uuid, bool json,
		  char *buf, size_t len);

/* The kernel link whose counters logs_stats() shows (set once it is up). */
void logs_set_kernel(struct logs *ls, struct kernel_link *k);

/* Requests by type with latencies, group ops, disk writes, the kernel
 * link's counters. */
int logs_stats(const struct logs *ls, bool json, char *buf, size_t len);
/* Zero everything logs_stats() shows (cmirrorctl stats --reset). */
void logs_stats_reset(struct logs *ls);

#endif
