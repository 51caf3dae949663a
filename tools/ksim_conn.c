// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulator's transport, modelled on dm-log-userspace-transfer.c and
 * userspace_do_request(): one outstanding request (the kernel serialises a
 * log's requests), a new seq on every send and resend, replies matched on
 * the request header's seq (stale ones ignored), a resend after
 * --timeout-ms, and a CTR+RESUME rebuild when the daemon answers -ESRCH or
 * the connection was lost (a restarted daemon has no table).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ksim.h"

#define RECV_BUF	4096u

uint64_t ksim_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t ksim_now_ms(void)
{
	return ksim_now_us() / 1000u;
}

/* A pause for a tool (backoff): poll() with no fds; a signal cuts it. */
void ksim_nap_ms(unsigned ms)
{
	(void)poll(NULL, 0, (int)ms);
}

void ksim_close(struct ksim *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
}

static int try_connect(struct ksim *k)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(k->o.socket) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, k->o.socket, strlen(k->o.socket) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	k->fd = fd;
	return 0;
}

static bool is_runtime(uint32_t type)
{
	switch (type) {
	case DM_ULOG_CTR: case DM_ULOG_DTR: case DM_ULOG_PRESUSPEND:
	case DM_ULOG_POSTSUSPEND: case DM_ULOG_RESUME:
		return false;
	default:
		return true;
	}
}

/* The kernel's -ESRCH loop: CTR (NUL counted, no reply space) until it
 * succeeds, then RESUME.  Bounded here by --reconnect-seconds. */
static int rebuild(struct ksim *k)
{
	uint64_t end = ksim_now_ms() + (uint64_t)k->o.reconnect_s * 1000u;
	unsigned nap = 50;
	int r;

	k->in_rebuild = true;
	for (;;) {
		r = ksim_ctr_resume(k, true);
		if (r == 0 || r == -ECONNREFUSED || ksim_now_ms() >= end)
			break;
		KSIM_LOG(k, "rebuild CTR+RESUME: %s; again", strerror(-r));
		ksim_nap_ms(nap);
		nap = nap < 1000 ? nap * 2 : 1000;
	}
	k->in_rebuild = false;
	if (r == 0) {
		k->c.reconnects++;
		/* Marks made before this point may be gone (a core log, or
		 * a MARK not yet flushed): check-dead stops trusting them. */
		ksim_journal(k, 'X', 0);
	}
	return r;
}

/* Connect (with backoff on ECONNREFUSED/ENOENT) and, after a loss, rebuild
 * our table on the (maybe restarted) daemon. */
static int ensure_connected(struct ksim *k)
{
	uint64_t end = ksim_now_ms() + (uint64_t)k->o.reconnect_s * 1000u;
	unsigned nap = 20;
	int r;

	while (k->fd < 0) {
		r = try_connect(k);
		if (r == 0)
			break;
		if (r != -ECONNREFUSED && r != -ENOENT && r != -EAGAIN) {
			fprintf(stderr, "ksim: connect %s: %s\n", k->o.socket,
				strerror(-r));
			return r;
		}
		if (ksim_now_ms() >= end) {
			fprintf(stderr, "ksim: no daemon at %s for %u s\n",
				k->o.socket, k->o.reconnect_s);
			return -ECONNREFUSED;
		}
		ksim_nap_ms(nap);
		nap = nap < 500 ? nap * 2 : 500;
	}
	if (k->connected_once && k->table_up && !k->in_rebuild) {
		KSIM_LOG(k, "reconnected; rebuilding the table (CTR+RESUME)");
		r = rebuild(k);
		if (r < 0)
			return r;
	}
	k->connected_once = true;
	return 0;
}

/*
 * One send and the wait for its reply.  0 with *derr = the daemon's result,
 * -ETIMEDOUT, or -ENOTCONN (connection lost: the caller reconnects).
 */
static int xfer_once(struct ksim *k, uint32_t type, const void *in,
		     uint32_t in_len, void *out, uint32_t out_cap,
		     uint32_t *out_len, int *derr)
{
	uint64_t frame[(ULOG_MAX_FRAME + 7) / 8];
	uint64_t rbuf[RECV_BUF / 8];
	uint64_t t0, deadline;
	uint32_t seq = ++k->seq;
	int len;

	len = ulog_build_request(k->o.luid, k->o.uuid, seq, type, in, in_len,
				 frame, sizeof(frame));
	if (len < 0)
		return len;
	t0 = ksim_now_us();
	if (send(k->fd, frame, (size_t)len, MSG_NOSIGNAL) < 0) {
		if (errno == EINTR)
			return -ETIMEDOUT;	/* resend with a new seq */
		return -ENOTCONN;
	}
	deadline = ksim_now_ms() + k->o.timeout_ms;
	for (;;) {
		struct pollfd p = { .fd = k->fd, .events = POLLIN };
		uint64_t now = ksim_now_ms();
		struct ulog_req rep;
		struct cn_msg cn;
		int32_t err;
		ssize_t n;
		int pr;

		if (now >= deadline)
			return -ETIMEDOUT;
		pr = poll(&p, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
			return -errno;
		if (pr == 0)
			continue;
		n = recv(k->fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -ENOTCONN;
		if ((size_t)n < sizeof(cn))
			continue;
		memcpy(&cn, rbuf, sizeof(cn));
		if (cn.len == 0) {
			/* A bare ack: matched on cn_msg.seq, result -ack. */
			if (cn.seq != seq)
				continue;
			*derr = -(int)cn.ack;
			*out_len = 0;
			break;
		}
		if (ulog_parse_reply(rbuf, (size_t)n, &rep, &err) < 0) {
			KSIM_LOG(k, "malformed reply (%zd bytes) ignored", n);
			continue;
		}
		if (rep.seq != seq)
			continue;	/* late reply to an earlier send */
		if (rep.data_size > out_cap) {
			/* "Insufficient space to receive package" */
			*derr = -ENOSPC;
			*out_len = 0;
		} else {
			*derr = err;
			if (rep.data_size)
				memcpy(out, rep.data, rep.data_size);
			*out_len = rep.data_size;
		}
		break;
	}
	ksim_lat_add(k, type, ksim_now_us() - t0);
	return 0;
}

int ksim_request(struct ksim *k, uint32_t type, const void *in,
		 uint32_t in_len, void *out, uint32_t out_cap,
		 uint32_t *out_len)
{
	uint8_t dummy[8];
	uint32_t dlen;
	unsigned esrch_nap = 50;
	int r, derr = 0;

	if (!out) {
		out = dummy;
		out_cap = 0;
	}
	if (!out_len)
		out_len = &dlen;
	for (;;) {
		if (k->fd < 0) {
			r = ensure_connected(k);
			if (r < 0)
				return r;
		}
		r = xfer_once(k, type, in, in_len, out, out_cap, out_len,
			      &derr);
		if (r == -ETIMEDOUT) {
			k->c.retries++;
			KSIM_LOG(k, "%s timed out - retrying",
				 ulog_type_name(type));
			continue;
		}
		if (r == -ENOTCONN) {
			KSIM_LOG(k, "connection lost during %s",
				 ulog_type_name(type));
			ksim_close(k);
			continue;
		}
		if (r < 0)
			return r;
		if (derr == -EAGAIN) {
			k->c.retries++;
			continue;
		}
		if (derr == -ESRCH && is_runtime(type) && !k->in_rebuild) {
			KSIM_LOG(k, "%s: -ESRCH, rebuilding the table",
				 ulog_type_name(type));
			ksim_nap_ms(esrch_nap);
			esrch_nap = esrch_nap < 1000 ? esrch_nap * 2 : 1000;
			r = rebuild(k);
			if (r < 0)
				return r;
			continue;
		}
		if (type == DM_ULOG_CTR && derr == 0)
			k->table_up = true;
		if (type == DM_ULOG_DTR && derr == 0)
			k->table_up = false;
		return derr;
	}
}

int ksim_req_u64(struct ksim *k, uint32_t type, uint64_t in, bool has_in,
		 int64_t *out)
{
	uint8_t ib[8], ob[16];
	uint32_t olen = 0;
	int r;

	ulog_put_u64(ib, in);
	r = ksim_request(k, type, has_in ? ib : NULL, has_in ? 8 : 0, ob,
			 sizeof(ob), &olen);
	if (r < 0)
		return r;
	if (out) {
		if (olen < 8)
			return -EBADMSG;
		*out = (int64_t)ulog_get_u64(ob);
	}
	return 0;
}

int ksim_ctr_resume(struct ksim *k, bool with_nul)
{
	char dev[ULOG_CTR_REPLY_MAX];
	size_t n = strlen(k->o.ctr);
	uint32_t olen = 0;
	int r;

	if (n + (with_nul ? 1 : 0) > ULOG_MAX_PAYLOAD)
		return -ENAMETOOLONG;
	/* At load the kernel offers DM_NAME_LEN for a device name; on the
	 * reconnect CTR it offers nothing (a name there is -ENOSPC). */
	r = ksim_request(k, DM_ULOG_CTR, k->o.ctr,
			 (uint32_t)n + (with_nul ? 1u : 0u), dev,
			 with_nul ? 0 : sizeof(dev), &olen);
	if (r < 0)
		return r;
	if (olen > 0 && dev[olen - 1] != '\0') {
		fprintf(stderr, "ksim: CTR device string not terminated\n");
		return -EINVAL;
	}
	if (!with_nul) {
		/* The kernel's construction: region size, then the sync
		 * count from the mirror's constructor checks. */
		r = ksim_geometry(k);
		if (r < 0)
			return r;
		r = ksim_req_u64(k, DM_ULOG_GET_SYNC_COUNT, 0, false, NULL);
		if (r < 0)
			return r;
	}
	return ksim_request(k, DM_ULOG_RESUME, NULL, 0, NULL, 0, NULL);
}

int ksim_parse_ctr(struct ksim *k)
{
	const char *s = k->o.ctr;
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || (*end != ' ' && *end != '\0') || v == 0 ||
	    s[0] == '-') {
		fprintf(stderr, "ksim: --ctr must start with the sector count\n");
		return -EINVAL;
	}
	k->sectors = v;
	return 0;
}

int ksim_geometry(struct ksim *k)
{
	int64_t rs;
	int r;

	r = ksim_req_u64(k, DM_ULOG_GET_REGION_SIZE, 0, false, &rs);
	if (r < 0)
		return r;
	if (rs <= 0) {
		fprintf(stderr, "ksim: bad region size %" PRId64 "\n", rs);
		return -EPROTO;
	}
	/* The kernel truncates to u32 and computes the count itself. */
	k->region_size = (uint32_t)rs;
	if (k->region_size == 0)
		return -EPROTO;
	k->region_count = (k->sectors + k->region_size - 1) / k->region_size;
	return 0;
}
