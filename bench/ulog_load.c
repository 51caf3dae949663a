// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ulog-load: a multi-log kernel-side load generator for the benchmarks.
 * cmirror-ksim drives one log synchronously (and writes its state dir on
 * every request, which is what the tests need); the benchmark needs many
 * logs with one request each in flight, as dm-raid1's per-mirror worker
 * issues them, from one process, so that the daemon - not 64 simulator
 * processes - is what gets measured.
 *
 *   ulog-load --socket PATH --logs N [--first I] [--prefix P] [--ctr CTR]
 *             [--seconds S] [--window W] [--regions R] [--think-us T] MODE
 *   MODE  up     CTR + RESUME every log (RESUME waits for the replica: a
 *                join, or a checkpoint when the group already has members)
 *         write  per log: FLUSH carrying one mark (integrated_flush), then
 *                CLEAR_REGION of that region; one request in flight per log
 *         markwrite  per log, as dm-raid1 without integrated_flush:
 *                MARK_REGION of one region, empty FLUSH, CLEAR_REGION of
 *                it, empty FLUSH (the one after a batch of clears); one
 *                request in flight per log
 *         read   per log: IN_SYNC, W requests in flight per log
 *         hop    no daemon (no --socket): the floor of the two socket hops
 *                a request crosses, on this machine.  A forked child
 *                stands in for the daemon: it polls its end of a
 *                socketpair and answers each frame at once; the parent
 *                sends a frame of an integrated FLUSH with one mark and
 *                waits for an answer of the reply's size, with the same
 *                --think-us pauses, for --seconds.  Most of it is waking
 *                a process that sleeps on another CPU (on a VM, an idle
 *                vCPU), which the load generator and the daemon pay on
 *                every request and a raw CPG sender does not.
 * Log i (first <= i < first + N) is uuid PREFIX-i, luid i + 1.  Prints:
 *   uload: mode=.. logs=.. reqs=.. secs=.. reqs_per_s=.. p50_us=.. p99_us=..
 *          mean_us=.. max_us=.. retries=..
 * Latency is that of the mark-carrying FLUSH (write), from sending
 * MARK_REGION until the answer of the FLUSH after it (markwrite: what
 * delays the write), of IN_SYNC (read), of RESUME (up); reqs counts every
 * request of every mode.  --think-us T: each write cycle (write, markwrite)
 * starts after a uniformly random pause of 0..T us, not at once; the
 * pause is not part of the latency.  Exit status 0, or 2 on an error or a
 * timeout.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmirror/ulog.h"

/* seq = gen << 14 | slot << 10 | log: a reply finds its request without a
 * table, and one slot never has two requests in flight. */
#define LOG_BITS	10u
#define SLOT_BITS	4u
#define MAX_LOGS	(1u << LOG_BITS)
#define MAX_WINDOW	(1u << SLOT_BITS)
#define MAX_INFLIGHT	128u	/* bounds what sits in the socket buffers */
#define UUID_MAX	64u
#define RETRY_US	1000u	/* -EAGAIN: the daemon asks us to come back */

enum mode { M_UP, M_WRITE, M_MARKWRITE, M_READ, M_HOP };

struct slot {
	uint32_t gen;
	uint32_t type;		/* 0: idle */
	uint64_t t0, region;
	uint64_t retry_at;	/* != 0: resend the same request then */
	uint64_t start_at;	/* != 0: --think-us, first send then */
	uint64_t t_mark;	/* markwrite: when MARK_REGION was first sent */
	bool cleared;		/* markwrite: the FLUSH follows the clear */
	bool done;		/* up: RESUME answered */
};

struct lg {
	char uuid[UUID_MAX];
	uint64_t luid;
	uint64_t next_region;
	struct slot s[MAX_WINDOW];
};

struct load {
	const char *sock, *prefix, *ctr;
	enum mode mode;
	unsigned nlogs, first, window, seconds;
	uint64_t regions, think_us;
	int fd;
	struct lg *logs;
	unsigned inflight;
	uint64_t reqs, retries;
	uint32_t *lat;
	size_t nlat, caplat;
	uint64_t t_start, t_end;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int num(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || x < min || x > max) {
		fprintf(stderr, "ulog-load: bad --%s '%s'\n", opt, s);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

static int lat_add(struct load *L, uint64_t us)
{
	if (L->nlat == L->caplat) {
		size_t cap = L->caplat ? L->caplat * 2 : 4096;
		uint32_t *p = realloc(L->lat, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		L->lat = p;
		L->caplat = cap;
	}
	L->lat[L->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return 0;
}

static int send_req(struct load *L, unsigned li, unsigned si)
{
	struct lg *g = &L->logs[li];
	struct slot *s = &g->s[si];
	uint64_t frame[(ULOG_MAX_FRAME + 7) / 8];
	uint8_t payload[8];
	const void *in = NULL;
	uint32_t in_len = 0, seq;
	int len;

	if (s->type == DM_ULOG_CTR) {
		in = L->ctr;
		in_len = (uint32_t)strlen(L->ctr);
	} else if ((s->type == DM_ULOG_FLUSH && L->mode != M_MARKWRITE) ||
		   s->type == DM_ULOG_MARK_REGION ||
		   s->type == DM_ULOG_CLEAR_REGION ||
		   s->type == DM_ULOG_IN_SYNC) {
		ulog_put_u64(payload, s->region);
		in = payload;
		in_len = 8;
	}
	s->gen++;
	seq = (s->gen << (LOG_BITS + SLOT_BITS)) | (uint32_t)si << LOG_BITS |
	      (uint32_t)li;
	len = ulog_build_request(g->luid, g->uuid, seq, s->type, in, in_len,
				 frame, sizeof(frame));
	if (len < 0)
		return len;
	if (!s->retry_at)
		s->t0 = now_us();
	s->retry_at = 0;
	if (send(L->fd, frame, (size_t)len, MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* Start the slot's next request (type chosen by the mode). */
static int start(struct load *L, unsigned li, unsigned si, uint32_t type)
{
	struct lg *g = &L->logs[li];
	struct slot *s = &g->s[si];

	s->type = type;
	if ((type == DM_ULOG_FLUSH && L->mode != M_MARKWRITE) ||
	    type == DM_ULOG_MARK_REGION || type == DM_ULOG_IN_SYNC) {
		s->region = g->next_region;
		g->next_region = (g->next_region + 1) % L->regions;
	}
	L->inflight++;
	/* A write cycle starts after a random pause: the daemon's multicast
	 * then falls at any point of the token's rotation, as independent
	 * writes do, not where the previous answer put it. */
	if (L->think_us && (type == DM_ULOG_FLUSH ? L->mode == M_WRITE :
			    type == DM_ULOG_MARK_REGION)) {
		s->start_at = now_us() + (uint64_t)random() % (L->think_us + 1);
		return 0;
	}
	return send_req(L, li, si);
}

static bool running(const struct load *L)
{
	return L->mode == M_UP || now_us() < L->t_start +
	       (uint64_t)L->seconds * 1000000u;
}

/* markwrite, after a reply of type `type` at time t: MARK_REGION ->
 * FLUSH (latency since the MARK was sent) -> CLEAR_REGION -> FLUSH ->
 * the next MARK_REGION while running. */
static int complete_markwrite(struct load *L, unsigned li, unsigned si,
			      uint32_t type, uint64_t t)
{
	struct slot *s = &L->logs[li].s[si];
	uint32_t next = 0;
	int r;

	switch (type) {
	case DM_ULOG_MARK_REGION:
		s->t_mark = s->t0;	/* t0: first send, kept over retries */
		s->cleared = false;
		next = DM_ULOG_FLUSH;
		break;
	case DM_ULOG_FLUSH:
		if (s->cleared) {
			next = running(L) ? DM_ULOG_MARK_REGION : 0;
			break;
		}
		r = lat_add(L, t - s->t_mark);
		if (r < 0)
			return r;
		next = DM_ULOG_CLEAR_REGION;
		break;
	case DM_ULOG_CLEAR_REGION:
		s->cleared = true;
		next = DM_ULOG_FLUSH;
		break;
	default: break;
	}
	return next ? start(L, li, si, next) : 0;
}

/* A reply for (li, si): account it and issue the slot's next request. */
static int complete(struct load *L, unsigned li, unsigned si, int32_t err)
{
	struct slot *s = &L->logs[li].s[si];
	uint32_t type = s->type, next = 0;
	uint64_t t = now_us();
	int r = 0;

	if (err == -EAGAIN) {
		L->retries++;
		s->retry_at = t + RETRY_US;
		return 0;
	}
	if (err) {
		fprintf(stderr, "ulog-load: %s %s: %s\n", L->logs[li].uuid,
			ulog_type_name(type), strerror(-err));
		return -EIO;
	}
	L->inflight--;
	L->reqs++;
	L->t_end = t;
	s->type = 0;
	if (type == DM_ULOG_RESUME || (L->mode == M_WRITE &&
				       type == DM_ULOG_FLUSH) ||
	    L->mode == M_READ)
		r = lat_add(L, t - s->t0);
	if (r < 0)
		return r;
	if (L->mode == M_MARKWRITE)
		return complete_markwrite(L, li, si, type, t);
	switch (type) {
	case DM_ULOG_CTR: next = DM_ULOG_RESUME; break;
	case DM_ULOG_RESUME: s->done = true; break;
	case DM_ULOG_FLUSH: next = DM_ULOG_CLEAR_REGION; break;
	case DM_ULOG_CLEAR_REGION:
		next = running(L) ? DM_ULOG_FLUSH : 0;
		break;
	case DM_ULOG_IN_SYNC:
		next = running(L) ? DM_ULOG_IN_SYNC : 0;
		break;
	default: break;
	}
	return next ? start(L, li, si, next) : 0;
}

static int receive(struct load *L)
{
	uint64_t rbuf[4096 / 8];
	struct ulog_req rep;
	int32_t err;
	ssize_t n;
	unsigned li, si;
	int r;

	n = recv(L->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (ulog_parse_reply(rbuf, (size_t)n, &rep, &err) < 0) {
		fprintf(stderr, "ulog-load: malformed reply ignored\n");
		return 1;
	}
	li = rep.seq & (MAX_LOGS - 1);
	si = (rep.seq >> LOG_BITS) & (MAX_WINDOW - 1);
	if (li >= L->nlogs || si >= L->window ||
	    L->logs[li].s[si].gen != rep.seq >> (LOG_BITS + SLOT_BITS) ||
	    !L->logs[li].s[si].type)
		return 1;	/* stale */
	r = complete(L, li, si, err);
	return r < 0 ? r : 1;
}

/* Keep at most MAX_INFLIGHT requests out: the up phase starts logs as
 * earlier ones finish; the others start everything at once. */
static int kick(struct load *L, unsigned *next_log)
{
	uint64_t t = now_us();
	int r;

	for (unsigned li = 0; li < L->nlogs; li++)
		for (unsigned si = 0; si < L->window; si++) {
			struct slot *s = &L->logs[li].s[si];

			if (s->type && ((s->start_at && s->start_at <= t) ||
					(s->retry_at && s->retry_at <= t))) {
				s->start_at = 0;
				r = send_req(L, li, si);
				if (r < 0)
					return r;
			}
		}
	while (*next_log < L->nlogs && L->inflight < MAX_INFLIGHT) {
		unsigned li = (*next_log)++;

		for (unsigned si = 0; si < L->window; si++) {
			uint32_t type = L->mode == M_UP ? DM_ULOG_CTR :
				L->mode == M_WRITE ? DM_ULOG_FLUSH :
				L->mode == M_MARKWRITE ? DM_ULOG_MARK_REGION :
				DM_ULOG_IN_SYNC;

			r = start(L, li, si, type);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* How long to wait for replies: 1 ms (the retry granularity), less if a
 * think pause ends sooner. */
static struct timespec *wait_ts(const struct load *L, struct timespec *ts)
{
	uint64_t t = now_us(), us = 1000;

	for (unsigned li = 0; L->think_us && li < L->nlogs; li++)
		for (unsigned si = 0; si < L->window; si++) {
			const struct slot *s = &L->logs[li].s[si];

			if (s->type && s->start_at)
				us = s->start_at <= t ? 0 :
				     s->start_at - t < us ? s->start_at - t : us;
		}
	ts->tv_sec = 0;
	ts->tv_nsec = (long)us * 1000;
	return ts;
}

static int run(struct load *L)
{
	uint64_t deadline;
	unsigned next_log = 0;
	int r;

	L->t_start = L->t_end = now_us();
	/* Up: bounded by the orphan timeout's order of magnitude; the
	 * others: their run time plus a grace for the last replies. */
	deadline = L->t_start + (L->mode == M_UP ? 600u :
				 L->seconds + 30u) * 1000000ull;
	r = kick(L, &next_log);
	while (r == 0 && (L->inflight || next_log < L->nlogs)) {
		struct pollfd p = { .fd = L->fd, .events = POLLIN };
		struct timespec ts;

		if (now_us() > deadline) {
			fprintf(stderr, "ulog-load: timeout, %u in flight\n",
				L->inflight);
			return -ETIMEDOUT;
		}
		if (ppoll(&p, 1, wait_ts(L, &ts), NULL) < 0 && errno != EINTR)
			return -errno;
		/* Every reply queued now, but no recv() that finds nothing
		 * once the socket is drained: this process shares the CPUs
		 * with the daemon and corosync it measures. */
		for (unsigned i = 0; i < 256 && p.revents; i++) {
			r = receive(L);
			if (r <= 0)
				break;
		}
		if (r > 0)
			r = 0;
		if (r == 0)
			r = kick(L, &next_log);
	}
	return r;
}

/* The stand-in daemon of hop mode: answer every frame until EOF. */
static void hop_child(int fd)
{
	uint8_t in[ULOG_MAX_FRAME], out[ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	memset(out, 0, sizeof(out));
	while (poll(&p, 1, -1) >= 0)
		if (recv(fd, in, sizeof(in), 0) <= 0 ||
		    send(fd, out, sizeof(out), MSG_NOSIGNAL) < 0)
			break;
	_exit(0);
}

static int hop_run(struct load *L)
{
	uint8_t frame[ULOG_MAX_FRAME];
	int sv[2], len, r = 0;
	pid_t pid;

	len = ulog_build_request(1, "hop", 1, DM_ULOG_FLUSH, "\0\0\0\0\0\0\0", 8,
				 frame, sizeof(frame));
	if (len < 0)
		return len;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		r = -errno;
	} else if (pid == 0) {
		close(sv[0]);
		hop_child(sv[1]);
	}
	close(sv[1]);
	L->t_start = now_us();
	while (r == 0 && now_us() < L->t_start + L->seconds * 1000000ull) {
		struct pollfd p = { .fd = sv[0], .events = POLLIN };
		uint64_t t0, pause = L->think_us ?
			(uint64_t)random() % (L->think_us + 1) : 0;
		struct timespec ts = { .tv_sec = (time_t)(pause / 1000000u),
				       .tv_nsec = (long)(pause % 1000000u) * 1000 };

		/* Paused as the load generator pauses: asleep in ppoll. */
		if (pause && ppoll(NULL, 0, &ts, NULL) < 0 && errno != EINTR)
			r = -errno;
		t0 = now_us();
		if (r == 0 && send(sv[0], frame, (size_t)len, MSG_NOSIGNAL) < 0)
			r = -errno;
		if (r == 0 && (poll(&p, 1, 10000) != 1 ||
			       recv(sv[0], frame, sizeof(frame), 0) <= 0))
			r = -EIO;
		if (r == 0)
			r = lat_add(L, now_us() - t0);
		L->reqs++;
	}
	L->t_end = now_us();
	close(sv[0]);	/* the child sees EOF */
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return r;
}

static int connect_sock(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int parse(int argc, char **argv, struct load *L)
{
	static const struct option lo[] = {
		{ "socket", 1, 0, 's' }, { "logs", 1, 0, 'n' },
		{ "first", 1, 0, 'i' }, { "prefix", 1, 0, 'p' },
		{ "ctr", 1, 0, 'c' }, { "seconds", 1, 0, 't' },
		{ "window", 1, 0, 'w' }, { "regions", 1, 0, 'r' },
		{ "think-us", 1, 0, 'T' }, { 0, 0, 0, 0 } };
	uint64_t v;
	int c, r = 0;

	while (r == 0 && (c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's': L->sock = optarg; break;
		case 'p': L->prefix = optarg; break;
		case 'c': L->ctr = optarg; break;
		case 'n':
			r = num("logs", optarg, 1, MAX_LOGS, &v);
			L->nlogs = (unsigned)v;
			break;
		case 'i':
			r = num("first", optarg, 0, 1000000, &v);
			L->first = (unsigned)v;
			break;
		case 't':
			r = num("seconds", optarg, 1, 3600, &v);
			L->seconds = (unsigned)v;
			break;
		case 'w':
			r = num("window", optarg, 1, MAX_WINDOW, &v);
			L->window = (unsigned)v;
			break;
		case 'r': r = num("regions", optarg, 1, UINT64_MAX, &L->regions); break;
		case 'T': r = num("think-us", optarg, 0, 10000000, &L->think_us); break;
		default: r = -EINVAL; break;
		}
	}
	if (r < 0)
		return r;
	if (optind != argc - 1 || (!L->sock && strcmp(argv[optind], "hop"))) {
		fprintf(stderr, "usage: see the comment at the top of bench/ulog_load.c\n");
		return -EINVAL;
	}
	if (!strcmp(argv[optind], "up"))
		L->mode = M_UP;
	else if (!strcmp(argv[optind], "write"))
		L->mode = M_WRITE;
	else if (!strcmp(argv[optind], "markwrite"))
		L->mode = M_MARKWRITE;
	else if (!strcmp(argv[optind], "read"))
		L->mode = M_READ;
	else if (!strcmp(argv[optind], "hop"))
		L->mode = M_HOP;
	else
		return -EINVAL;
	if (L->mode != M_READ)
		L->window = 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct load L = { .prefix = "bench", .nlogs = 1, .window = 1,
			  .seconds = 5, .regions = 8,
			  .ctr = "8192 clustered-core 1024 nosync", .fd = -1 };
	uint64_t lat_sum = 0;
	double secs;
	int r;

	srandom((unsigned)(now_us() ^ (uint64_t)getpid()));
	if (parse(argc, argv, &L) < 0)
		return 2;
	L.logs = calloc(L.nlogs, sizeof(*L.logs));
	if (!L.logs)
		return 2;
	for (unsigned i = 0; i < L.nlogs; i++) {
		snprintf(L.logs[i].uuid, UUID_MAX, "%s-%u", L.prefix,
			 L.first + i);
		L.logs[i].luid = L.first + i + 1u;
		L.logs[i].next_region = (i * 7919u) % L.regions;
	}
	if (L.mode != M_HOP) {	/* hop: no daemon */
		L.fd = connect_sock(L.sock);
		if (L.fd < 0) {
			fprintf(stderr, "ulog-load: connect %s: %s\n", L.sock,
				strerror(-L.fd));
			return 2;
		}
	}
	r = L.mode == M_HOP ? hop_run(&L) : run(&L);
	if (L.fd >= 0)
		close(L.fd);
	if (r < 0) {
		fprintf(stderr, "ulog-load: %s\n", strerror(-r));
		free(L.logs);
		free(L.lat);
		return 2;
	}
	secs = (double)(L.t_end - L.t_start) / 1e6;
	for (size_t i = 0; i < L.nlat; i++)
		lat_sum += L.lat[i];
	if (L.nlat)
		qsort(L.lat, L.nlat, sizeof(*L.lat), cmp_u32);
	printf("uload: mode=%s logs=%u window=%u reqs=%" PRIu64
	       " secs=%.3f reqs_per_s=%.0f p50_us=%u p99_us=%u mean_us=%" PRIu64
	       " max_us=%u"
	       " retries=%" PRIu64 "\n", argv[argc - 1], L.nlogs, L.window,
	       L.reqs, secs, secs > 0 ? (double)L.reqs / secs : 0.0,
	       L.nlat ? L.lat[(L.nlat - 1) / 2] : 0,
	       L.nlat ? L.lat[(L.nlat * 99 + 99) / 100 - 1] : 0,
	       L.nlat ? lat_sum / L.nlat : 0,
	       L.nlat ? L.lat[L.nlat - 1] : 0, L.retries);
	free(L.logs);
	free(L.lat);
	return 0;
}
