/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Raw CPG baseline: what corosync itself costs, measured the way cmirrord is
 * measured, so the benchmark report can print cmirrord's figures as ratios.
 *
 *   cpg-bench [--group NAME] [--count N] [--size BYTES] [--senders K]
 *             [--window W] [--timeout-s T]
 *   cpg-bench --bulk BYTES --role send|recv [--chunk C] [--group NAME]
 *
 * Joins NAME, waits until K members are present, then each member sends N
 * messages of BYTES with at most W of its own in flight (W = 1 measures the
 * round trip: multicast -> own agreed delivery).  Prints one line:
 *   cpgbench: size=.. window=.. senders=.. msgs=.. p50_us=.. p99_us=.. msgs_per_s=..
 * msgs_per_s counts every message delivered to this member (all senders).
 *
 * Bulk mode is the baseline of a checkpoint: the sender waits for a second
 * member, then streams BYTES in C-byte messages as fast as corosync takes
 * them (CS_ERR_TRY_AGAIN is the only brake, as in cmirrord); the receiver
 * is started after it and times from its own cpg_join (what a joining
 * cmirrord's RESUME waits for) and from the first chunk to the last:
 *   cpgbulk: role=.. bytes=.. chunk=.. join_to_last_us=.. first_to_last_us=..
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <corosync/cpg.h>

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
};

static struct bench B;

static void deliver_cb(cpg_handle_t h, const struct cpg_name *g,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	uint64_t t = now_us(), sent_at;

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
	}
}

static void confchg_cb(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *m, size_t nm,
		       const struct cpg_address *l, size_t nl,
		       const struct cpg_address *j, size_t nj)
{
	B.members = (unsigned)nm;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int try_send(cpg_handle_t h)
{
	struct iovec iov;
	uint64_t t;
	cs_error_t e;

	while (B.sent < B.count && B.inflight < B.window) {
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
		{ "role", 1, 0, 'r' }, { 0, 0, 0, 0 } };
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver_cb,
			       .cpg_confchg_fn = confchg_cb };
	struct cpg_name name;
	const char *group = "cmirror-bench";
	unsigned timeout_s = 120;
	cpg_handle_t h;
	int fd, c, r = 0;
	uint64_t deadline, v, t_join;
	bool sender = true;

	B.count = 10000;
	B.size = 64;
	B.senders = 1;
	B.window = 1;
	while (r == 0 &&
	       (c = getopt_long(argc, argv, "g:n:s:k:w:t:b:c:r:", lo, NULL)) != -1) {
		switch (c) {
		case 'g': group = optarg; break;
		case 'n': r = num("count", optarg, 1, 100000000, &v); B.count = (unsigned)v; break;
		case 's': r = num("size", optarg, 8, 1000000, &v); B.size = (unsigned)v; break;
		case 'c': r = num("chunk", optarg, 8, 1000000, &v); B.size = (unsigned)v; break;
		case 'k': r = num("senders", optarg, 1, 64, &v); B.senders = (unsigned)v; break;
		case 'w': r = num("window", optarg, 1, 100000, &v); B.window = (unsigned)v; break;
		case 't': r = num("timeout-s", optarg, 1, 86400, &v); timeout_s = (unsigned)v; break;
		case 'b': r = num("bulk", optarg, 1, UINT64_C(1) << 40, &B.bulk); break;
		case 'r':
			sender = !strcmp(optarg, "send");
			if (!sender && strcmp(optarg, "recv"))
				r = -EINVAL;
			break;
		default: r = -EINVAL; break;
		}
	}
	if (r < 0) {
		fprintf(stderr, "usage: see the comment at the top of cpg_bench.c\n");
		return 2;
	}
	B.lat = calloc(B.count, sizeof(*B.lat));
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
	if (B.bulk) {
		r = bulk_main(h, fd, sender, t_join, deadline);
		cpg_leave(h, &name);
		cpg_finalize(h);
		free(B.lat);
		free(B.buf);
		return r;
	}
	while (B.total_delivered < B.expect_total ||
	       B.own_delivered < B.count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (now_us() > deadline) {
			fprintf(stderr, "cpg-bench: timeout (%" PRIu64
				" of %" PRIu64 " delivered)\n",
				B.total_delivered, B.expect_total);
			return 4;
		}
		if (B.members >= B.senders && try_send(h) < 0)
			return 5;
		if (poll(&p, 1, 100) > 0 &&
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			return 5;
	}
	qsort(B.lat, B.count, sizeof(*B.lat), cmp_u64);
	printf("cpgbench: size=%u window=%u senders=%u msgs=%u p50_us=%" PRIu64
	       " p99_us=%" PRIu64 " msgs_per_s=%.0f\n", B.size, B.window,
	       B.senders, B.count, B.lat[B.count / 2],
	       B.lat[(B.count * 99) / 100 < B.count ? (B.count * 99) / 100
						     : B.count - 1],
	       B.t_last > B.t_first ? (double)B.total_delivered * 1e6 /
				      (double)(B.t_last - B.t_first) : 0.0);
	/* Let the others finish before leaving, or their counts stall. */
	cpg_leave(h, &name);
	cpg_finalize(h);
	free(B.lat);
	free(B.buf);
	return 0;
}
