/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping the daemon resident and alive under memory pressure.  cmirrord
 * sits in the write path of every clustered mirror: while a mirror is
 * suspended or its log waits for an answer, a page fault that needs I/O
 * (swap, or text read back from a device stacked on that mirror) can
 * deadlock the node, and an OOM kill stalls every mirror's I/O until a
 * restart.  Like corosync, lock our memory and step out of the OOM
 * killer's way; both are options, failures are warnings.
 */
#ifndef CMIRRORD_RESIDENCY_H
#define CMIRRORD_RESIDENCY_H

#include <stdbool.h>

#define OOM_SCORE_ADJ_NEVER (-1000)	/* never chosen by the OOM killer */

/*
 * lock_memory: mlockall() what is mapped now (faulted in at once), and what
 * is mapped later as it is first touched -- unless RLIMIT_MEMLOCK stays
 * finite, where locking later mappings would turn the limit into failed
 * allocations.  oom_protect: oom_score_adj -1000.  Logs what it did.
 */
void residency_apply(bool lock_memory, bool oom_protect);

/* The figures `cmirrorctl status` shows: VmLck in KiB and oom_score_adj,
 * read from /proc/self; -1 / INT_MIN when unknown. */
void residency_read(long long *locked_kib, int *oom_adj);

/*
 * What residency_apply() achieved, one word for status: "all" (now and
 * later mappings), "startup" (later ones not: finite limit), "off"
 * (lock-memory = no), "failed" (mlockall refused), "ignored" (it succeeded
 * and locked nothing: a sanitizer build), "none" (not applied yet).
 */
const char *residency_lock_state(void);

/*
 * The KiB figure of `key` ("VmLck") in the text of /proc/PID/status: the
 * line "key:<spaces>N kB".  0 and *kib, or -ENOENT (no such line) or
 * -EINVAL (not a number of kB).
 */
int residency_status_kib(const char *text, const char *key, long long *kib);

#endif
