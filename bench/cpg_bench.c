/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw CPG baseline: what corosync itself costs, measured the way cmirrord is
 * measured, so the benchmark report can print cmirrord's figures as ratios.
 *
 *   cpg-bench [--group NAME] [--count N] [--size BYTES] [--senders K]
 *             [--window W] [--timeout-s T]
 *   cpg-bench --ack [same options as above; --count 0 = only acknowledge]
 *   cpg-bench --bulk BYTES --role send|recv [--chunk C] [--group NAME]
 *
 * Joins NAME, waits until K members are present, then each member sends N
 * messages of BYTES with at most W of its own in flight (W = 1 measures the
 * round trip: multicast -> own agreed delivery).  Prints one line:
 *   cpgbench: mode=self size=.. window=.. senders=.. msgs=.. p50_us=.. p99_us=.. mean_us=.. msgs_per_s=..
 * msgs_per_s counts every message delivered to this member (all senders);
 * cpu_us_per_msg is this process's CPU time (user + system) from its first
 * multicast to its last delivery, per message it sent: what a sender pays
 * corosync's client library for each, next to the daemon's CPU per request.
 *
 * --ack measures the stable round trip, the raw-CPG cost of what cmirrord
 * waits for before it answers a FLUSH on a group of several nodes (see
 * daemons/cmirrord/cluster_stable.c): a message counts as held only once
 * every other member at its delivery has delivered it too.  Every member
 * multicasts, once per loop iteration (one cpg_dispatch), one ACK carrying
 * the highest sequence number it delivered from each other sender since its
 * last ACK; the latency of a message is from its multicast until its own
 * delivery and the ACKs of all other current members covering it have been
 * delivered here (a member that leaves is no longer waited for; one that
 * joins is waited for only for messages delivered after its join).  The
 * window W bounds the messages not yet acknowledged.  A member with
 * --count 0 sends nothing and only acknowledges (it still counts among the
 * K members everyone waits for).  Every member multicasts
 * DONE once its own messages are all acknowledged and leaves once every
 * current member's DONE has been delivered, so nobody stops acknowledging
 * while someone still waits.  Prints
 *   cpgbench: mode=ack size=.. window=.. senders=.. msgs=.. p50_us=.. p99_us=.. mean_us=.. msgs_per_s=.. acks_sent=..
 * where msgs_per_s counts the data messages (not ACKs) of all senders
 * delivered here, from the first one to the last data delivery or own
 * completion, and p50/p99/mean are "-" for a member that sent nothing.
 *
 * Bulk mode is the baseline of a checkpoint: the sender waits for a second
 * member, then streams BYTES in C-byte messages as fast as corosync takes
 * them (CS_ERR_TRY_AGAIN is the only brake, as in cmirrord); the receiver
 * is started after it and times from its own cpg_join (what a joining
 * cmirrord's RESUME waits for) and from the first chunk to the last:
 *   cpgbulk: role=.. bytes=.. chunk=.. join_to_last_us=.. first_to_last_us=..
 */
#define _GNU_SOURCE	/* ppoll */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <corosync/cpg.h>

static uint64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct bench {
	uint32_t me;
	unsigned count, size, senders, window;
	unsigned members;
	unsigned sent, own_delivered, inflight;
	uint64_t total_delivered, expect_total;
	uint64_t t_first, t_last;
	uint64_t *lat;
	char *buf;
	/* bulk mode */
	uint64_t bulk, bulk_sent, bulk_own, bulk_got;
	uint64_t t_bulk_first;
	/* ack mode */
	bool ack, err;
	unsigned stable;	/* own messages acknowledged by everyone */
	uint64_t acks_sent;
	/* --think-us: a pause before each next message */
	uint64_t think_us, next_at;
	uint64_t cpu_first;	/* CPU time at the first multicast */
};

static struct bench B;

/* A message of ours completed at t: the next one waits a uniformly random
 * 0..think_us, so that sends fall at any point of the token's rotation
 * (back to back, they fall where the completion put them). */
static void think_after(uint64_t t)
{
	if (B.think_us)
		B.next_at = t + (uint64_t)random() % (B.think_us + 1);
}

static bool think_over(void)
{
	return !B.think_us || now_us() >= B.next_at;
}

/* poll() on fd for at most max_ms, less if a pause ends sooner. */
static int wait_fd(int fd, int max_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t t = now_us(), us = (uint64_t)max_ms * 1000u;
	struct timespec ts;

	if (B.think_us && B.next_at > t && B.next_at - t < us)
		us = B.next_at - t;
	ts.tv_sec = (time_t)(us / 1000000u);
	ts.tv_nsec = (long)(us % 1000000u) * 1000;
	return ppoll(&p, 1, &ts, NULL) > 0 ? 1 : 0;
}

static void ack_deliver(uint32_t nodeid, uint32_t pid, const void *msg,
			size_t len, uint64_t t);
static void ack_confchg(const struct cpg_address *m, size_t nm);

static void deliver_cb(cpg_handle_t h, const struct cpg_name *g,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	uint64_t t = now_us(), sent_at;

	if (B.ack) {
		ack_deliver(nodeid, pid, msg, len, t);
		return;
	}
	if (B.bulk) {
		if (nodeid == B.me && pid == (uint32_t)getpid()) {
			B.bulk_own += len;
			B.inflight--;
		} else {
			if (!B.bulk_got)
				B.t_bulk_first = t;
			B.bulk_got += len;
		}
		B.t_last = t;
		return;
	}
	if (len < 8)
		return;
	if (!B.total_delivered)
		B.t_first = t;
	B.total_delivered++;
	B.t_last = t;
	if (nodeid == B.me && pid == (uint32_t)getpid()) {
		memcpy(&sent_at, msg, 8);
		if (B.own_delivered < B.count)
			B.lat[B.own_delivered] = t - sent_at;
		B.own_delivered++;
		B.inflight--;
		think_after(t);
	}
}

static void confchg_cb(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *m, size_t nm,
		       const struct cpg_address *l, size_t nl,
		       const struct cpg_address *j, size_t nj)
{
	B.members = (unsigned)nm;
	if (B.ack)
		ack_confchg(m, nm);
}

static uint64_t mean_u64(const uint64_t *a, unsigned n)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < n; i++)
		sum += a[i];
	return n ? sum / n : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* ---- --ack mode --------------------------------------------------------
 * Wire format, native byte order (all nodes of the netns cluster are one
 * host): DATA {type, seq, send time u64} padded to --size; ACK {type, n,
 * n x {nodeid, pid, seq}}; DONE {type, 0}.
 */
enum { AK_DATA = 0x41544144, AK_ACK = 0x4b434141, AK_DONE = 0x454e4f44 };
#define AK_MAXP 256

struct ak_ent {
	uint32_t nodeid, pid, seq;
};

struct peer {
	uint32_t nodeid, pid;
	uint32_t got;		/* highest DATA seq of theirs delivered here */
	uint32_t acked;		/* highest of theirs put into one of our ACKs */
	uint32_t mine;		/* highest of our seqs they acknowledged */
	bool self, done;
};

static struct peer P[AK_MAXP];
static unsigned np;
static uint32_t own_seq_delivered;	/* our DATA delivered here */
static bool done_sent;

static struct peer *ack_peer(uint32_t nodeid, uint32_t pid)
{
	for (unsigned i = 0; i < np; i++)
		if (P[i].nodeid == nodeid && P[i].pid == pid)
			return &P[i];
	return NULL;
}

/* Our messages 1..lo are delivered here and acknowledged by every other
 * current member: they are stable; record their latency. */
static void ack_complete(uint64_t t)
{
	uint32_t lo = own_seq_delivered;

	for (unsigned i = 0; i < np; i++)
		if (!P[i].self && P[i].mine < lo)
			lo = P[i].mine;
	if (lo > B.count)
		lo = B.count;
	if (B.stable >= lo)
		return;
	while (B.stable < lo) {
		B.lat[B.stable] = t - B.lat[B.stable];	/* was the send time */
		B.stable++;
	}
	think_after(t);
	B.t_last = t;
}

static void ack_confchg(const struct cpg_address *m, size_t nm)
{
	static struct peer np_[AK_MAXP];
	uint32_t mypid = (uint32_t)getpid();

	if (nm > AK_MAXP) {
		fprintf(stderr, "cpg-bench: %zu members, at most %d\n", nm,
			AK_MAXP);
		B.err = true;
		return;
	}
	for (size_t i = 0; i < nm; i++) {
		const struct peer *old = ack_peer(m[i].nodeid, m[i].pid);

		if (old) {
			np_[i] = *old;
			continue;
		}
		/* A joiner never sees what was delivered before its join. */
		np_[i] = (struct peer){ .nodeid = m[i].nodeid, .pid = m[i].pid,
					.mine = own_seq_delivered,
					.self = m[i].nodeid == B.me &&
						m[i].pid == mypid };
	}
	memcpy(P, np_, nm * sizeof(*P));
	np = (unsigned)nm;
	ack_complete(now_us());	/* a member that left no longer counts */
}

static void ack_bad(const char *what, uint32_t nodeid, uint32_t pid, size_t len)
{
	fprintf(stderr, "cpg-bench: bad %s message (%zu bytes) from %" PRIu32
		"/%" PRIu32 "\n", what, len, nodeid, pid);
	B.err = true;
}

static void ack_deliver(uint32_t nodeid, uint32_t pid, const void *msg,
			size_t len, uint64_t t)
{
	struct peer *p = ack_peer(nodeid, pid);
	const unsigned char *b = msg;
	uint32_t type, n;

	if (len < 8) {
		ack_bad("short", nodeid, pid, len);
		return;
	}
	if (!p)
		return;		/* not a member in our view: cannot happen */
	memcpy(&type, b, 4);
	memcpy(&n, b + 4, 4);
	if (type == AK_DATA) {
		if (len < 16) {
			ack_bad("DATA", nodeid, pid, len);
			return;
		}
		if (!B.total_delivered)
			B.t_first = t;
		B.total_delivered++;
		if (B.t_last < t)
			B.t_last = t;
		if (!p->self) {
			if (n > p->got)
				p->got = n;	/* ACKed after this dispatch */
		} else if (n != own_seq_delivered + 1) {
			ack_bad("out-of-order own DATA", nodeid, pid, len);
		} else {
			own_seq_delivered = n;
			ack_complete(t);
		}
	} else if (type == AK_ACK) {
		if (len != 8 + (size_t)n * sizeof(struct ak_ent)) {
			ack_bad("ACK", nodeid, pid, len);
			return;
		}
		for (uint32_t i = 0; i < n && !p->self; i++) {
			struct ak_ent e;

			memcpy(&e, b + 8 + i * sizeof(e), sizeof(e));
			if (e.nodeid == B.me && e.pid == (uint32_t)getpid() &&
			    e.seq > p->mine)
				p->mine = e.seq;
		}
		ack_complete(t);
	} else if (type == AK_DONE) {
		p->done = true;
	} else {
		ack_bad("unknown", nodeid, pid, len);
	}
}

/* One multicast of LEN bytes of BUF; 1 sent, 0 try again, -EIO. */
static int ack_mcast(cpg_handle_t h, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	cs_error_t e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);

	if (e == CS_ERR_TRY_AGAIN)
		return 0;
	if (e != CS_OK) {
		fprintf(stderr, "cpg-bench: cpg_mcast_joined: error %d\n", e);
		return -EIO;
	}
	return 1;
}

/* One ACK for everything of the others delivered since our last ACK. */
static int ack_send_acks(cpg_handle_t h)
{
	static unsigned char buf[8 + AK_MAXP * sizeof(struct ak_ent)];
	uint32_t type = AK_ACK, n = 0;
	int r;

	for (unsigned i = 0; i < np; i++) {
		struct ak_ent e = { P[i].nodeid, P[i].pid, P[i].got };

		if (P[i].self || P[i].got <= P[i].acked)
			continue;
		memcpy(buf + 8 + n * sizeof(e), &e, sizeof(e));
		n++;
	}
	if (!n)
		return 0;
	memcpy(buf, &type, 4);
	memcpy(buf + 4, &n, 4);
	r = ack_mcast(h, buf, 8 + n * sizeof(struct ak_ent));
	if (r <= 0)
		return r;	/* nothing marked: the next ACK carries it */
	for (unsigned i = 0; i < np; i++)
		if (!P[i].self)
			P[i].acked = P[i].got;
	B.acks_sent++;
	return 0;
}

/* Our DATA messages, at most B.window not yet stable; then DONE. */
static int ack_send_data(cpg_handle_t h)
{
	uint32_t hdr[2];
	uint64_t t;
	int r;

	while (B.sent < B.count && B.sent - B.stable < B.window &&
	       think_over()) {
		t = now_us();
		hdr[0] = AK_DATA;
		hdr[1] = B.sent + 1;
		memcpy(B.buf, hdr, 8);
		memcpy(B.buf + 8, &t, 8);
		r = ack_mcast(h, B.buf, B.size);
		if (r <= 0)
			return r;
		B.lat[B.sent++] = t;	/* the latency once stable */
	}
	if (B.stable >= B.count && !done_sent) {
		hdr[0] = AK_DONE;
		hdr[1] = 0;
		r = ack_mcast(h, hdr, sizeof(hdr));
		if (r <= 0)
			return r;
		done_sent = true;
	}
	return 0;
}

static bool ack_all_done(void)
{
	if (!done_sent)
		return false;
	for (unsigned i = 0; i < np; i++)
		if (!P[i].done)
			return false;	/* includes our own DONE */
	return true;
}

/* Ack mode main loop; 0 or an exit status. */
static int ack_main(cpg_handle_t h, int fd, uint64_t deadline)
{
	bool started = false;
	cs_error_t e;

	while (!ack_all_done()) {
		bool pending = false;

		if (B.err)
			return 5;
		if (now_us() > deadline) {
			fprintf(stderr, "cpg-bench: timeout (%u of %u own "
				"messages stable, %u members of %u, DONE %s)\n",
				B.stable, B.count, B.members, B.senders,
				done_sent ? "sent" : "not sent");
			return 4;
		}
		if (!started && B.members >= B.senders)
			started = true;
		if (started) {
			if (ack_send_acks(h) < 0 || ack_send_data(h) < 0)
				return 5;
			for (unsigned i = 0; i < np; i++)
				if (!P[i].self && P[i].got > P[i].acked)
					pending = true;
			pending |= B.sent < B.count &&
				   B.sent - B.stable < B.window;
			pending |= B.stable >= B.count && !done_sent;
		}
		/* pending: corosync said try again, retry soon */
		if (wait_fd(fd, pending ? 1 : 100)) {
			e = cpg_dispatch(h, CS_DISPATCH_ALL);
			if (e != CS_OK) {
				fprintf(stderr, "cpg-bench: cpg_dispatch: "
					"error %d\n", e);
				return 5;
			}
		}
	}
	if (B.err)
		return 5;
	if (B.count) {
		qsort(B.lat, B.count, sizeof(*B.lat), cmp_u64);
		printf("cpgbench: mode=ack size=%u window=%u senders=%u msgs=%u"
		       " p50_us=%" PRIu64 " p99_us=%" PRIu64 " mean_us=%" PRIu64,
		       B.size, B.window, B.senders, B.count, B.lat[B.count / 2],
		       B.lat[(uint64_t)B.count * 99 / 100],
		       mean_u64(B.lat, B.count));
	} else {
		printf("cpgbench: mode=ack size=%u window=%u senders=%u msgs=0"
		       " p50_us=- p99_us=- mean_us=-", B.size, B.window,
		       B.senders);
	}
	printf(" msgs_per_s=%.0f acks_sent=%" PRIu64 "\n",
	       B.t_last > B.t_first ? (double)B.total_delivered * 1e6 /
				      (double)(B.t_last - B.t_first) : 0.0,
	       B.acks_sent);
	return 0;
}

static int try_send(cpg_handle_t h)
{
	struct iovec iov;
	uint64_t t;
	cs_error_t e;

	while (B.sent < B.count && B.inflight < B.window && think_over()) {
		if (!B.sent && !B.cpu_first)
			B.cpu_first = cpu_us();
		t = now_us();
		memcpy(B.buf, &t, 8);
		iov.iov_base = B.buf;
		iov.iov_len = B.size;
		e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
		if (e == CS_ERR_TRY_AGAIN)
			return 0;	/* flow control: retry after dispatch */
		if (e != CS_OK) {
			fprintf(stderr, "cpg_mcast_joined: error %d\n", e);
			return -EIO;
		}
		B.sent++;
		B.inflight++;
	}
	return 0;
}

/* Bulk sender: as many chunks as corosync accepts now. */
static int bulk_send(cpg_handle_t h)
{
	struct iovec iov;
	cs_error_t e;

	while (B.bulk_sent < B.bulk) {
		uint64_t left = B.bulk - B.bulk_sent;

		iov.iov_base = B.buf;
		iov.iov_len = left < B.size ? (size_t)left : B.size;
		e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
		if (e == CS_ERR_TRY_AGAIN)
			return 0;
		if (e != CS_OK) {
			fprintf(stderr, "cpg_mcast_joined: error %d\n", e);
			return -EIO;
		}
		B.bulk_sent += iov.iov_len;
		B.inflight++;
	}
	return 0;
}

static int num(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || x < min || x > max) {
		fprintf(stderr, "cpg-bench: bad --%s '%s'\n", opt, s);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

/* Bulk mode main loop; 0 or an exit status. */
static int bulk_main(cpg_handle_t h, int fd, bool sender, uint64_t t_join,
		     uint64_t deadline)
{
	uint64_t t0 = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (sender ? B.bulk_own >= B.bulk : B.bulk_got >= B.bulk)
			break;
		if (now_us() > deadline) {
			fprintf(stderr, "cpg-bench: bulk timeout (%" PRIu64
				" of %" PRIu64 " bytes)\n", sender ? B.bulk_own
				: B.bulk_got, B.bulk);
			return 4;
		}
		if (sender && B.members >= 2) {
			if (!t0)
				t0 = now_us();
			if (bulk_send(h) < 0)
				return 5;
		}
		if (poll(&p, 1, B.bulk_sent < B.bulk && B.members >= 2 ? 1 : 100) > 0 &&
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			return 5;
	}
	printf("cpgbulk: role=%s bytes=%" PRIu64 " chunk=%u join_to_last_us=%"
	       PRIu64 " first_to_last_us=%" PRIu64 "\n", sender ? "send" : "recv",
	       B.bulk, B.size, sender ? 0 : B.t_last - t_join,
	       sender ? B.t_last - t0 : B.t_last - B.t_bulk_first);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "group", 1, 0, 'g' }, { "count", 1, 0, 'n' },
		{ "size", 1, 0, 's' }, { "senders", 1, 0, 'k' },
		{ "window", 1, 0, 'w' }, { "timeout-s", 1, 0, 't' },
		{ "bulk", 1, 0, 'b' }, { "chunk", 1, 0, 'c' },
		{ "role", 1, 0, 'r' }, { "ack", 0, 0, 'a' },
		{ "think-us", 1, 0, 'T' }, { 0, 0, 0, 0 } };
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver_cb,
			       .cpg_confchg_fn = confchg_cb };
	struct cpg_name name;
	const char *group = "cmirror-bench";
	unsigned timeout_s = 120;
	cpg_handle_t h;
	int fd, c, r = 0;
	uint64_t deadline, v, t_join, cpu;
	bool sender = true;

	B.count = 10000;
	B.size = 64;
	B.senders = 1;
	B.window = 1;
	while (r == 0 &&
	       (c = getopt_long(argc, argv, "g:n:s:k:w:t:b:c:r:aT:", lo, NULL)) != -1) {
		switch (c) {
		case 'g': group = optarg; break;
		case 'n': r = num("count", optarg, 0, 100000000, &v); B.count = (unsigned)v; break;
		case 's': r = num("size", optarg, 8, 1000000, &v); B.size = (unsigned)v; break;
		case 'c': r = num("chunk", optarg, 8, 1000000, &v); B.size = (unsigned)v; break;
		case 'k': r = num("senders", optarg, 1, 64, &v); B.senders = (unsigned)v; break;
		case 'w': r = num("window", optarg, 1, 100000, &v); B.window = (unsigned)v; break;
		case 't': r = num("timeout-s", optarg, 1, 86400, &v); timeout_s = (unsigned)v; break;
		case 'b': r = num("bulk", optarg, 1, UINT64_C(1) << 40, &B.bulk); break;
		case 'a': B.ack = true; break;
		case 'T': r = num("think-us", optarg, 0, 10000000, &B.think_us); break;
		case 'r':
			sender = !strcmp(optarg, "send");
			if (!sender && strcmp(optarg, "recv"))
				r = -EINVAL;
			break;
		default: r = -EINVAL; break;
		}
	}
	if (r == 0 && optind < argc) {
		fprintf(stderr, "cpg-bench: unexpected argument '%s'\n", argv[optind]);
		r = -EINVAL;
	}
	if (r == 0 && B.ack && B.bulk) {
		fprintf(stderr, "cpg-bench: --ack and --bulk exclude each other\n");
		r = -EINVAL;
	}
	if (r == 0 && B.ack && B.size < 16) {
		fprintf(stderr, "cpg-bench: --ack needs --size >= 16\n");
		r = -EINVAL;
	}
	if (r == 0 && !B.ack && !B.count) {
		fprintf(stderr, "cpg-bench: --count 0 only with --ack\n");
		r = -EINVAL;
	}
	if (r < 0) {
		fprintf(stderr, "usage: see the comment at the top of cpg_bench.c\n");
		return 2;
	}
	srandom((unsigned)(now_us() ^ (uint64_t)getpid()));
	B.lat = calloc(B.count ? B.count : 1, sizeof(*B.lat));
	B.buf = calloc(1, B.size);
	if (!B.lat || !B.buf)
		return 3;
	B.expect_total = (uint64_t)B.count * B.senders;
	if (cpg_initialize(&h, &cb) != CS_OK ||
	    cpg_local_get(h, &B.me) != CS_OK) {
		fprintf(stderr, "cpg-bench: cannot reach corosync\n");
		return 3;
	}
	snprintf(name.value, sizeof(name.value), "%s", group);
	name.length = (uint32_t)strlen(name.value);
	t_join = now_us();
	if (cpg_join(h, &name) != CS_OK) {
		fprintf(stderr, "cpg-bench: cpg_join failed\n");
		return 3;
	}
	cpg_fd_get(h, &fd);
	deadline = now_us() + (uint64_t)timeout_s * 1000000u;
	if (B.bulk || B.ack) {
		r = B.bulk ? bulk_main(h, fd, sender, t_join, deadline)
			   : ack_main(h, fd, deadline);
		cpg_leave(h, &name);
		cpg_finalize(h);
		free(B.lat);
		free(B.buf);
		return r;
	}
	while (B.total_delivered < B.expect_total ||
	       B.own_delivered < B.count) {
		if (now_us() > deadline) {
			fprintf(stderr, "cpg-bench: timeout (%" PRIu64
				" of %" PRIu64 " delivered)\n",
				B.total_delivered, B.expect_total);
			return 4;
		}
		if (B.members >= B.senders && try_send(h) < 0)
			return 5;
		if (wait_fd(fd, 100) &&
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			return 5;
	}
	cpu = cpu_us() - B.cpu_first;
	qsort(B.lat, B.count, sizeof(*B.lat), cmp_u64);
	printf("cpgbench: mode=self size=%u window=%u senders=%u msgs=%u p50_us=%" PRIu64
	       " p99_us=%" PRIu64 " mean_us=%" PRIu64 " msgs_per_s=%.0f"
	       " cpu_us_per_msg=%.1f\n",
	       B.size, B.window, B.senders, B.count, B.lat[B.count / 2],
	       B.lat[(B.count * 99) / 100 < B.count ? (B.count * 99) / 100
						     : B.count - 1],
	       mean_u64(B.lat, B.count),
	       B.t_last > B.t_first ? (double)B.total_delivered * 1e6 /
				      (double)(B.t_last - B.t_first) : 0.0,
	       (double)cpu / B.count);
	/* Let the others finish before leaving, or their counts stall. */
	cpg_leave(h, &name);
	cpg_finalize(h);
	free(B.lat);
	free(B.buf);
	return 0;
}
