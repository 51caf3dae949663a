/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmirror-ksim: plays the kernel side (dm-log-userspace + dm-raid1) against
 * cmirrord's seqpacket test transport.  Shared state of the tool's modules:
 *   ksim_main.c  command line, command dispatch
 *   ksim_conn.c  transport: seq, 15 s resend, reconnect, -ESRCH rebuild
 *   ksim_data.c  state dir: legs, region locks, journal
 *   ksim_run.c   the write workload and the resync loop
 *   ksim_cmds.c  query, wait-sync, check-dead, verify, up/down, stats
 */
#ifndef CMIRROR_KSIM_H
#define CMIRROR_KSIM_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "cmirror/ulog.h"

#define KSIM_SLOTS	8u	/* node slots per region in the leg files */
#define KSIM_SLOT_SIZE	8u
#define KSIM_REGION_BYTES	(KSIM_SLOTS * KSIM_SLOT_SIZE)
#define KSIM_LAZY_MAX	64u	/* --lazy-clear bound */

enum ksim_mode { KSIM_MODE_MARK, KSIM_MODE_INTEGRATED };

struct ksim_opts {
	const char *socket;
	const char *uuid;
	uint64_t luid;
	const char *ctr;
	const char *state_dir;
	const char *node;
	unsigned slot;
	unsigned timeout_ms;
	unsigned reconnect_s;
	uint64_t seed;
	bool quiet, stats;
	/* run */
	uint64_t writes;
	uint64_t reg_lo, reg_hi;	/* inclusive; reg_hi == UINT64_MAX: all */
	unsigned burst;
	enum ksim_mode mode;
	bool resync, no_up, down;
	unsigned lazy_clear;		/* clears held back by N writes */
	unsigned pace_ms;		/* a new write at most every N ms */
	/* resync: hold the slot of the (hold_after+1)th region */
	uint64_t hold_after;
	bool hold;
	/* resync: go on (as dm-raid1's recovery does) until every region is
	 * in sync or max_seconds pass */
	bool until_sync;
	/* wait-sync */
	uint64_t count;			/* UINT64_MAX: region_count */
	bool have_count;
	unsigned max_seconds;
};

/* Latency samples of one request type (microseconds). */
struct ksim_lat {
	uint32_t *us;
	size_t n, cap;
};

struct ksim_counters {
	uint64_t writes, marks, clears, flushes, resynced, retries,
		 reconnects, violations, deferred;
};

struct ksim {
	struct ksim_opts o;
	int fd;			/* -1 when not connected */
	uint32_t seq;
	bool table_up;		/* CTR succeeded: re-CTR on reconnect/-ESRCH */
	bool in_rebuild;	/* sending the rebuild CTR+RESUME */
	bool connected_once;	/* a later connect is a reconnect */
	uint64_t sectors;	/* from the CTR string */
	uint64_t region_size;	/* from GET_REGION_SIZE (0: not asked yet) */
	uint64_t region_count;
	struct ksim_counters c;
	struct ksim_lat lat[ULOG_NR_TYPES + 1];
	uint64_t rng;
	/* state dir */
	int leg_fd[2], lock_fd;
	FILE *journal;
	uint64_t counter;	/* low 56 bits of the values we write */
	/* integrated mode: the kernel's delayed FLUSH after clear-only */
	uint64_t flush_due_ms;	/* 0: none pending */
};

extern volatile sig_atomic_t ksim_stop;

#define KSIM_LOG(k, ...) do { if (!(k)->o.quiet) { \
	fprintf(stderr, "ksim[%s]: ", (k)->o.node); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

/* ksim_conn.c */
uint64_t ksim_now_ms(void);
uint64_t ksim_now_us(void);
void ksim_nap_ms(unsigned ms);
/*
 * One request, as dm-log-userspace does it: new seq per send, resend on
 * timeout, reconnect on a lost connection, CTR+RESUME then retry on
 * -ESRCH (runtime requests only).  Returns the daemon's error (0 or
 * -errno) with the reply payload in out (*out_len bytes; out_cap is the
 * space offered, as the kernel does), or a transport error (-ECONNREFUSED
 * when the daemon stays away past --reconnect-seconds).
 */
int ksim_request(struct ksim *k, uint32_t type, const void *in,
		 uint32_t in_len, void *out, uint32_t out_cap,
		 uint32_t *out_len);
/* Convenience wrappers: requests with a u64 in and/or an 8-byte out. */
int ksim_req_u64(struct ksim *k, uint32_t type, uint64_t in, bool has_in,
		 int64_t *out);
/* CTR (with_nul: the reconnect form) then RESUME. */
int ksim_ctr_resume(struct ksim *k, bool with_nul);
/* Parse --ctr for the sector count; 0 or -EINVAL. */
int ksim_parse_ctr(struct ksim *k);
/* Ask GET_REGION_SIZE and compute region_count. */
int ksim_geometry(struct ksim *k);
void ksim_close(struct ksim *k);

/* ksim_data.c */
/* need: fail without --state-dir; journal: open journal.NODE to append. */
int ksim_data_open(struct ksim *k, bool need, bool journal);
void ksim_data_close(struct ksim *k);
int ksim_lock_region(struct ksim *k, uint64_t r, bool lock);
/* Write our slot of region r on leg0, and leg1 when both. */
int ksim_write_region(struct ksim *k, uint64_t r, bool both);
/* Copy region r leg0 -> leg1. */
int ksim_copy_region(struct ksim *k, uint64_t r);
/* 1 if the legs hold the same bytes for r, 0 if not, -errno. */
int ksim_legs_equal(struct ksim *k, uint64_t r);
void ksim_journal(struct ksim *k, char what, uint64_t r);
/*
 * Regions `name`'s journal shows with a durable mark ("W") and no later
 * clear ("C").  *out is malloc'd (caller frees); returns the count or
 * -errno.
 */
long ksim_journal_dirty(struct ksim *k, const char *name, uint64_t **out);
uint64_t ksim_rand(struct ksim *k);

/* ksim_run.c */
int ksim_cmd_run(struct ksim *k);
int ksim_cmd_resync(struct ksim *k);
/* One resync step: 1 = a region was resynced, 0 = nothing to do, -errno. */
int ksim_resync_step(struct ksim *k);
/* Integrated mode: send the delayed FLUSH now if one is pending (force) or
 * due. */
int ksim_delayed_flush(struct ksim *k, bool force);

/* ksim_cmds.c */
int ksim_cmd_up(struct ksim *k);
int ksim_cmd_down(struct ksim *k);
int ksim_cmd_query(struct ksim *k, int argc, char **argv);
int ksim_cmd_wait_sync(struct ksim *k);
int ksim_cmd_check_dead(struct ksim *k, int argc, char **argv);
int ksim_cmd_verify(struct ksim *k);
void ksim_lat_add(struct ksim *k, uint32_t type, uint64_t us);
void ksim_print_stats(struct ksim *k);
void ksim_free_stats(struct ksim *k);

#endif
