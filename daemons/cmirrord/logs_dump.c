/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Status and statistics of the log registry, as text and JSON, for SIGUSR1
 * and cmirrorctl.  Read-only: dumping never changes a replica.
 * All functions follow snprintf rules: they return the length the whole
 * output needs, and the caller retries with a bigger buffer.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

#include "cluster.h"
#include "logs_int.h"
#include "residency.h"

struct out {
	char *buf;
	size_t len, pos;
};

static void outf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->pos < o->len ? o->buf + o->pos : NULL,
		      o->pos < o->len ? o->len - o->pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos += (size_t)n;
}

/* uuids come from the kernel: escape them for JSON. */
static void out_json_str(struct out *o, const char *s)
{
	outf(o, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			outf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			outf(o, "\\u%04x", c);
		else
			outf(o, "%c", c);
	}
	outf(o, "\"");
}

static size_t count_pending(const struct mlog *m)
{
	size_t n = 0;

	for (const struct pending *pd = m->pending; pd; pd = pd->next)
		n++;
	return n;
}

static const char *pstate_name(enum pending_state s)
{
	switch (s) {
	case P_WAIT_SYNC: return "waiting for the replica";
	case P_WAIT_DELIVERY: return "waiting for delivery";
	case P_WAIT_STABLE: return "waiting for every member";
	case P_WAIT_MARKS: return "waiting for every member to hold our marks";
	case P_WAIT_HELD: return "not sent: waiting for every member to hold "
				 "our marks";
	case P_WAIT_COMMIT: return "waiting for the disk";
	}
	return "?";
}

static const char *kind_name(const struct mlog *m)
{
	return m->p.kind == RLOG_DISK ? "clustered-disk" : "clustered-core";
}

static uint64_t recovering_region(const struct mlog *m, uint32_t *node)
{
	if (m->rl && m->rl->nslots) {
		*node = m->rl->slots[0].node;
		return m->rl->slots[0].region;
	}
	return UINT64_MAX;
}

static void text_log(struct out *o, const struct logs *ls,
		     const struct mlog *m)
{
	uint32_t rnode = 0;
	uint64_t rr = recovering_region(m, &rnode);
	size_t unstable;

	outf(o, "log %s\n  type %s  region_size %" PRIu64 "  regions %" PRIu64
	     "\n", m->uuid, kind_name(m), m->p.region_size, m->p.region_count);
	for (const struct table *t = m->tables; t; t = t->next)
		outf(o, "  table luid %" PRIx64 " %s\n", t->luid,
		     t->resumed ? "resumed" : "loaded");
	outf(o, "  group %s  %s\n", m->g ? ls->t->group_name(m->g) : "-",
	     m->synced ? "synced" : (m->g ? "joining" : "not joined"));
	outf(o, "  members");
	for (size_t i = 0; i < m->nmembers; i++)
		outf(o, " %u", m->members[i]);
	outf(o, "\n");
	if (m->rl)
		outf(o, "  sync %" PRIu64 "/%" PRIu64 "  generation %" PRIu64
		     "\n", m->rl->sync_count, m->p.region_count,
		     m->rl->generation);
	if (m->p.kind == RLOG_DISK)
		outf(o, "  disk %s writer node %u  writes %" PRIu64
		     "  bytes %" PRIu64 "  errors %" PRIu64 "%s%s\n", m->p.dev,
		     m->writer, m->disk_writes, m->disk_bytes, m->disk_errors,
		     m->write_in_flight ? "  writing" : "",
		     m->rl && m->rl->log_dev_failed ? "  FAILED" : "");
	if (rr != UINT64_MAX)
		outf(o, "  recovering region %" PRIu64 " (node %u)\n", rr,
		     rnode);
	outf(o, "  pending requests %zu\n", count_pending(m));
	unstable = mlog_marks_unstable(m);
	if (unstable)
		outf(o, "  marks not yet held by every member %zu\n",
		     unstable);
	/* What each waits for: a request that stays here is a stuck mirror. */
	for (const struct pending *pd = m->pending; pd; pd = pd->next)
		outf(o, "    %s seq %u conn %" PRIu64 " %s\n",
		     ulog_type_name(pd->req.type), pd->req.seq,
		     pd->peer.conn_id, pstate_name(pd->state));
}

static void json_log(struct out *o, const struct logs *ls,
		     const struct mlog *m)
{
	uint32_t rnode = 0;
	uint64_t rr = recovering_region(m, &rnode);
	bool first = true;

	outf(o, "{\"uuid\":");
	out_json_str(o, m->uuid);
	outf(o, ",\"type\":\"%s\",\"region_size\":%" PRIu64
	     ",\"region_count\":%" PRIu64 ",\"tables\":[", kind_name(m),
	     m->p.region_size, m->p.region_count);
	for (const struct table *t = m->tables; t; t = t->next) {
		outf(o, "%s{\"luid\":\"%" PRIx64 "\",\"resumed\":%s}",
		     first ? "" : ",", t->luid, t->resumed ? "true" : "false");
		first = false;
	}
	outf(o, "],\"group\":");
	out_json_str(o, m->g ? ls->t->group_name(m->g) : "");
	outf(o, ",\"state\":\"%s\",\"members\":[",
	     m->synced ? "synced" : (m->g ? "joining" : "not-joined"));
	for (size_t i = 0; i < m->nmembers; i++)
		outf(o, "%s%u", i ? "," : "", m->members[i]);
	outf(o, "],\"sync_count\":%" PRIu64 ",\"generation\":%" PRIu64,
	     m->rl ? m->rl->sync_count : 0, m->rl ? m->rl->generation : 0);
	if (m->p.kind == RLOG_DISK) {
		outf(o, ",\"disk\":");
		out_json_str(o, m->p.dev);
		outf(o, ",\"disk_writer\":%u,\"disk_failed\":%s,"
		     "\"disk_writes\":%" PRIu64 ",\"disk_writing\":%s",
		     m->writer,
		     m->rl && m->rl->log_dev_failed ? "true" : "false",
		     m->disk_writes, m->write_in_flight ? "true" : "false");
	}
	if (rr != UINT64_MAX)
		outf(o, ",\"recovering\":{\"region\":%" PRIu64
		     ",\"node\":%u}", rr, rnode);
	outf(o, ",\"digest\":\"%08x\",\"pending\":%zu,\"marks_unstable\":%zu}",
	     m->rl ? rlog_digest(m->rl) : 0, count_pending(m),
	     mlog_marks_unstable(m));
}

/* Why the node is or is not quorate for state changes (cluster only):
 * corosync's verdict, and the ring of the last node loss that a quorum
 * notification for a later ring must confirm. */
static void quorum_detail(struct out *o, const struct logs *ls, bool json)
{
	struct cluster_stats cs;

	if (cluster_stats(ls->t, &cs) < 0)
		return;
	if (json) {
		outf(o, ",\"quorum\":{\"corosync\":%s,\"service\":%s,"
		     "\"ring\":%" PRIu64 ",\"loss_ring\":", cs.quorate ?
		     "true" : "false", cs.quorum_service ? "true" : "false",
		     cs.quorum_ring);
		if (cs.floor_set)
			outf(o, "%" PRIu64 ",\"loss_confirmed\":%s}", cs.floor,
			     cs.floor_confirmed ? "true" : "false");
		else
			outf(o, "null,\"loss_confirmed\":true}");
		return;
	}
	outf(o, "quorum: corosync %s, service %s, last notification ring %"
	     PRIu64, cs.quorate ? "quorate" : "inquorate",
	     cs.quorum_service ? "connected" : "down", cs.quorum_ring);
	if (cs.floor_set)
		outf(o, ", last node loss in ring %" PRIu64 " (%s)", cs.floor,
		     cs.floor_confirmed ? "confirmed by a later ring"
		     : "waiting for a later ring");
	outf(o, "\n");
}

/*
 * What the next logs need outside the daemon: one descriptor each (here and
 * in corosync) and about 3 MiB of corosync's IPC buffers on /dev/shm
 * (doc/operations.md section 11); and whether the daemon is kept resident
 * (residency.h).  -1: unknown.
 */
static void resources(struct out *o, bool json)
{
	long long fds = -1, lim = -1, shm_kib = -1, locked_kib;
	int oom_adj;
	struct rlimit rl;
	struct statvfs sv;
	DIR *d = opendir("/proc/self/fd");

	if (d) {
		fds = -3;	/* ".", ".." and the directory's own fd */
		while (readdir(d))
			fds++;
		closedir(d);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		lim = (long long)rl.rlim_cur;
	if (statvfs("/dev/shm", &sv) == 0)
		shm_kib = (long long)((unsigned long long)sv.f_bavail *
				      sv.f_frsize / 1024);
	residency_read(&locked_kib, &oom_adj);
	if (json) {
		outf(o, ",\"resources\":{\"open_files\":%lld,"
		     "\"open_files_limit\":%lld,\"shm_free_kib\":%lld,"
		     "\"memory_lock\":\"%s\",\"locked_kib\":%lld,"
		     "\"oom_score_adj\":", fds, lim, shm_kib,
		     residency_lock_state(), locked_kib);
		if (oom_adj == INT_MIN)
			outf(o, "null}");
		else
			outf(o, "%d}", oom_adj);
		return;
	}
	outf(o, "open files %lld of %lld  /dev/shm %lld MiB free\n", fds, lim,
	     shm_kib < 0 ? -1 : shm_kib / 1024);
	outf(o, "memory lock %s  VmLck %lld KiB  oom_score_adj ",
	     residency_lock_state(), locked_kib);
	if (oom_adj == INT_MIN)
		outf(o, "unknown\n");
	else
		outf(o, "%d\n", oom_adj);
}

int logs_dump(const struct logs *ls, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	outf(&o, "node %u  quorum %s  transport %s  logs %zu\n", logs_me(ls),
	     ls->t->quorate(ls->t->tctx) ? "yes" : "no", ls->t->name,
	     logs_count(ls));
	quorum_detail(&o, ls, false);
	resources(&o, false);
	for (const struct mlog *m = ls->logs; m; m = m->next)
		text_log(&o, ls, m);
	if (o.len && o.pos >= o.len)
		buf[o.len - 1] = '\0';
	return (int)o.pos;
}

int logs_dump_json(const struct logs *ls, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	outf(&o, "{\"node\":%u,\"quorate\":%s,\"transport\":\"%s\"",
	     logs_me(ls), ls->t->quorate(ls->t->tctx) ? "true" : "false",
	     ls->t->name);
	quorum_detail(&o, ls, true);
	resources(&o, true);
	outf(&o, ",\"logs\":[");
	for (const struct mlog *m = ls->logs; m; m = m->next) {
		json_log(&o, ls, m);
		if (m->next)
			outf(&o, ",");
	}
	outf(&o, "]}\n");
	return (int)o.pos;
}

/* The CPG group's counters (cluster transport only): what batching and
 * stability cost this log. */
static void group_counters(struct out *o, const struct logs *ls,
			   const struct mlog *m, bool json)
{
	struct cluster_group_info gi;

	if (!m->g || cluster_group_info(ls->t, m->g, &gi) < 0)
		return;
	outf(o, json ? ",\"cpg\":{\"msgs_sent\":%" PRIu64 ",\"msgs_recv\":%"
	     PRIu64 ",\"ops_sent\":%" PRIu64 ",\"ops_recv\":%" PRIu64
	     ",\"ops_dropped\":%" PRIu64 ",\"acks_sent\":%" PRIu64
	     ",\"stable\":%" PRIu64 ",\"waiting_stable\":%" PRIu64
	     ",\"try_again\":%" PRIu64 ",\"confchgs\":%" PRIu64
	     ",\"rejoins\":%" PRIu64 ",\"bad_msgs\":%" PRIu64
	     ",\"foreign\":%" PRIu64 ",\"stream_peers\":%" PRIu64
	     ",\"pergroup_peers\":%" PRIu64 "}" :
	     "  cpg messages sent %" PRIu64 "  received %" PRIu64
	     "  ops sent %" PRIu64 "  received %" PRIu64 "  dropped %" PRIu64
	     "\n  acks sent %" PRIu64 "  stable %" PRIu64 "  waiting %" PRIu64
	     "  try-again %" PRIu64 "  confchgs %" PRIu64 "  rejoins %" PRIu64
	     "  bad messages %" PRIu64 "\n  shared-stream mismatch: messages on"
	     " the log's group %" PRIu64 ", members with the option %" PRIu64
	     ", without it %" PRIu64 "\n", gi.msgs_sent, gi.msgs_recv,
	     gi.ops_sent, gi.ops_recv, gi.ops_dropped, gi.acks_sent, gi.stable,
	     gi.waiting_stable, gi.try_again, gi.confchgs, gi.rejoins,
	     gi.bad_msgs, gi.foreign, gi.stream_peers, gi.pergroup_peers);
}

int logs_dump_one(const struct logs *ls, const char *uuid, bool json,
		  char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	const struct mlog *m = NULL;
	char detail[16384];

	for (const struct mlog *x = ls->logs; x; x = x->next)
		if (!strcmp(x->uuid, uuid))
			m = x;
	if (!m)
		return -ENOENT;
	detail[0] = '\0';
	if (m->rl)
		rlog_dump(m->rl, detail, sizeof(detail), 32);
	if (json) {
		json_log(&o, ls, m);
		o.pos--;	/* reopen the object */
		group_counters(&o, ls, m, true);
		outf(&o, ",\"detail\":");
		out_json_str(&o, detail);
		outf(&o, "}\n");
	} else {
		text_log(&o, ls, m);
		group_counters(&o, ls, m, false);
		outf(&o, "%s", detail);
	}
	return (int)o.pos;
}

/* Transport-wide counters; ops per message sent is the batching won. */
static void cluster_totals(struct out *o, const struct logs *ls, bool json)
{
	struct cluster_stats cs;
	bool ok = cluster_stats(ls->t, &cs) == 0;
	const struct lat_hist *h = &cs.order;

	if (ok) {
		outf(o, json ? ",\"cluster\":{\"groups\":%u,\"msgs_sent\":%"
		     PRIu64 ",\"msgs_recv\":%" PRIu64 ",\"ops_sent\":%" PRIu64
		     ",\"ops_recv\":%" PRIu64 ",\"try_again\":%" PRIu64
		     ",\"ckpt_sent\":%" PRIu64 ",\"ckpt_recv\":%" PRIu64
		     ",\"merges\":%" PRIu64 ",\"rejoins\":%" PRIu64
		     ",\"bundles_shared\":%" PRIu64 :
		     "cpg groups %u  messages sent %" PRIu64 "  received %" PRIu64
		     "  ops sent %" PRIu64 "  received %" PRIu64
		     "\ncpg try-again %" PRIu64 "  checkpoints sent %" PRIu64
		     "  received %" PRIu64 "  merges %" PRIu64 "  rejoins %"
		     PRIu64 "\nmessages carrying several logs %" PRIu64 "\n",
		     cs.ngroups, cs.msgs_sent, cs.msgs_recv,
		     cs.ops_sent, cs.ops_recv, cs.try_again, cs.ckpt_sent,
		     cs.ckpt_recv, cs.merges, cs.rejoins, cs.bundles_shared);
		outf(o, json ? ",\"order\":{\"count\":%" PRIu64 ",\"p50_us\":%"
		     PRIu64 ",\"p99_us\":%" PRIu64 ",\"mean_us\":%" PRIu64
		     ",\"max_us\":%" PRIu64 "}}" :
		     "our messages, multicast to delivery back: %" PRIu64
		     "  p50_us<= %" PRIu64 "  p99_us<= %" PRIu64 "  mean_us %"
		     PRIu64 "  max_us %" PRIu64 "\n", h->count,
		     lat_hist_pct(h, 50), lat_hist_pct(h, 99), lat_hist_mean(h),
		     h->max_us);
	}
	if (json)
		outf(o, "}\n");
}

/* Frames in and out of the kernel link: what never became a request
 * (bad frames, foreign senders) and what the kernel could not queue. */
static void kernel_totals(struct out *o, const struct logs *ls, bool json)
{
	struct kernel_stats ks;

	if (!ls->k)
		return;
	kernel_get_stats(ls->k, &ks);
	outf(o, json ? ",\"kernel\":{\"requests\":%" PRIu64 ",\"replies\":%"
	     PRIu64 ",\"sends\":%" PRIu64 ",\"bad_frames\":%" PRIu64
	     ",\"dropped\":%" PRIu64 ",\"overruns\":%" PRIu64 "}" :
	     "kernel link requests %" PRIu64 "  replies %" PRIu64 " in %"
	     PRIu64 " sends  bad frames %" PRIu64 "  dropped %" PRIu64
	     "  overruns %" PRIu64 "\n", ks.requests, ks.replies, ks.sends,
	     ks.bad_frames, ks.dropped, ks.overruns);
}

void logs_set_kernel(struct logs *ls, struct kernel_link *k)
{
	ls->k = k;
}

void logs_stats_reset(struct logs *ls)
{
	if (ls->k)
		kernel_reset_stats(ls->k);
	memset(ls->stats, 0, sizeof(ls->stats));
	ls->ops_submitted = ls->ops_delivered = ls->held_sync = 0;
	ls->flushes_settled = ls->flushes_written = ls->flushes_ahead = 0;
	cluster_stats_reset(ls->t);	/* -EOPNOTSUPP without a cluster */
}

int logs_stats(const struct logs *ls, bool json, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };
	bool first = true;

	outf(&o, json ? "{\"requests\":{" :
	     "%-22s %10s %8s %10s %10s %10s %10s\n", "request", "count",
	     "errors", "p50_us<=", "p99_us<=", "mean_us", "max_us");
	for (uint32_t t = 1; t <= ULOG_NR_TYPES; t++) {
		const struct type_stats *st = &ls->stats[t];
		const struct lat_hist *h = &st->lat;

		if (!h->count)
			continue;
		if (json)
			outf(&o, "%s\"%s\":{\"count\":%" PRIu64
			     ",\"errors\":%" PRIu64 ",\"p50_us\":%" PRIu64
			     ",\"p99_us\":%" PRIu64 ",\"mean_us\":%" PRIu64
			     ",\"max_us\":%" PRIu64 "}",
			     first ? "" : ",", ulog_type_name(t), h->count,
			     st->errors, lat_hist_pct(h, 50), lat_hist_pct(h, 99),
			     lat_hist_mean(h), h->max_us);
		else
			outf(&o, "%-22s %10" PRIu64 " %8" PRIu64 " %10" PRIu64
			     " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			     ulog_type_name(t), h->count, st->errors,
			     lat_hist_pct(h, 50), lat_hist_pct(h, 99),
			     lat_hist_mean(h), h->max_us);
		first = false;
	}
	if (json)
		outf(&o, "},\"ops_submitted\":%" PRIu64 ",\"ops_delivered\":%"
		     PRIu64 ",\"held_for_sync\":%" PRIu64
		     ",\"flushes_settled\":%" PRIu64
		     ",\"flushes_written\":%" PRIu64
		     ",\"flushes_ahead\":%" PRIu64, ls->ops_submitted,
		     ls->ops_delivered, ls->held_sync, ls->flushes_settled,
		     ls->flushes_written, ls->flushes_ahead);
	else
		outf(&o, "group ops submitted %" PRIu64 "  delivered %" PRIu64
		     "  held for sync %" PRIu64 "\nempty flushes answered "
		     "without a round %" PRIu64 "\nflushes answered at the "
		     "end of our own disk write %" PRIu64 "\nflushes answered "
		     "as the disk already held our marks %" PRIu64
		     "\n", ls->ops_submitted, ls->ops_delivered, ls->held_sync,
		     ls->flushes_settled, ls->flushes_written,
		     ls->flushes_ahead);
	kernel_totals(&o, ls, json);
	cluster_totals(&o, ls, json);
	return (int)o.pos;
}
