// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cpg-relay: the floor of cmirrord's architecture, for the benchmarks.  A
 * kernel request travels load generator -> daemon -> corosync -> daemon ->
 * load generator; a raw CPG sender only talks to corosync.  This program is
 * a daemon that does nothing else: it serves the simulator's seqpacket
 * socket, answers every request at once with no payload, except FLUSH,
 * which it answers when one CPG message of --size bytes that it multicast
 * for it comes back (on one node cmirrord answers an integrated FLUSH on
 * its own delivery of one such message, and CLEAR_REGION at once).  No
 * state, no batching, no timers.  `ulog-load write` against it measures
 * what any daemon of this design would cost on this machine.
 *
 *   cpg-relay --socket PATH [--group NAME] [--size BYTES]
 *
 * The socket is created once the group is joined; runs until SIGTERM.
 * Exit status 0, 2 (usage), 3 (corosync or socket setup), 5 (CPG error).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <corosync/cpg.h>

#include "cmirror/ulog.h"

#define MAX_PENDING	4096	/* FLUSHes waiting for their message */
#define MAX_CONNS	8

struct pending {
	int fd;
	struct ulog_req req;
};

static struct {
	struct cpg_name name;
	unsigned size;
	uint8_t *msg;
	bool joined;
	unsigned nodeid;
	uint32_t pid;
	/* FIFO of FLUSHes in send order: our own messages come back in it. */
	struct pending q[MAX_PENDING];
	unsigned head, sent, tail;	/* [head, sent) multicast, [sent, tail) not yet */
	int conns[MAX_CONNS];
	int failed;
} R;

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void reply(int fd, const struct ulog_req *req)
{
	uint8_t out[ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE];
	int n = ulog_build_reply(req, 0, NULL, 0, out, sizeof(out));

	if (n > 0)
		(void)send(fd, out, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void deliver_cb(cpg_handle_t h, const struct cpg_name *g,
		       uint32_t nodeid, uint32_t pid, void *msg, size_t len)
{
	(void)h; (void)g; (void)msg; (void)len;
	if (nodeid != R.nodeid || pid != R.pid || R.head == R.sent)
		return;
	reply(R.q[R.head % MAX_PENDING].fd, &R.q[R.head % MAX_PENDING].req);
	R.head++;
}

static void confchg_cb(cpg_handle_t h, const struct cpg_name *g,
		       const struct cpg_address *m, size_t nm,
		       const struct cpg_address *l, size_t nl,
		       const struct cpg_address *j, size_t nj)
{
	(void)h; (void)g; (void)l; (void)nl; (void)j; (void)nj;
	for (size_t i = 0; i < nm; i++)
		if (m[i].nodeid == R.nodeid && m[i].pid == R.pid)
			R.joined = true;
}

/* Multicast one message per FLUSH not sent yet; TRY_AGAIN keeps them. */
static int send_pending(cpg_handle_t h)
{
	struct iovec iov = { .iov_base = R.msg, .iov_len = R.size };

	while (R.sent != R.tail) {
		cs_error_t e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);

		if (e == CS_ERR_TRY_AGAIN)
			return 0;
		if (e != CS_OK)
			return -EIO;
		R.sent++;
	}
	return 0;
}

static void on_frame(int fd, const uint8_t *buf, size_t len)
{
	struct ulog_req req;
	bool hdr_ok = false;

	if (ulog_parse_frame(buf, len, &req, &hdr_ok) < 0) {
		if (hdr_ok)
			reply(fd, &req);
		return;
	}
	if (req.type != DM_ULOG_FLUSH || R.tail - R.head >= MAX_PENDING) {
		reply(fd, &req);
		return;
	}
	req.data = NULL;	/* points into buf */
	R.q[R.tail % MAX_PENDING] = (struct pending){ .fd = fd, .req = req };
	R.tail++;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 8) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static void serve(cpg_handle_t h, int cfd, int lfd)
{
	uint8_t buf[ULOG_MAX_FRAME];

	while (!stop && !R.failed) {
		struct pollfd p[2 + MAX_CONNS];
		nfds_t n = 2;

		p[0] = (struct pollfd){ .fd = cfd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (unsigned i = 0; i < MAX_CONNS; i++)
			if (R.conns[i] >= 0)
				p[n++] = (struct pollfd){ .fd = R.conns[i],
							  .events = POLLIN };
		if (poll(p, n, R.sent != R.tail ? 1 : -1) < 0) {
			if (errno != EINTR)
				R.failed = 5;
			continue;
		}
		if ((p[0].revents & POLLIN) &&
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK)
			R.failed = 5;
		if (p[1].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			for (unsigned i = 0; c >= 0 && i < MAX_CONNS; i++)
				if (R.conns[i] < 0) {
					R.conns[i] = c;
					c = -1;
				}
			if (c >= 0)
				close(c);
		}
		for (nfds_t k = 2; k < n; k++) {
			ssize_t got;

			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = recv(p[k].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (got > 0) {
				on_frame(p[k].fd, buf, (size_t)got);
				continue;
			}
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			for (unsigned i = 0; i < MAX_CONNS; i++)
				if (R.conns[i] == p[k].fd)
					R.conns[i] = -1;
			close(p[k].fd);	/* its FLUSHes' replies fail quietly */
		}
		if (send_pending(h) < 0)
			R.failed = 5;
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket", 1, 0, 'S' }, { "group", 1, 0, 'g' },
		{ "size", 1, 0, 's' }, { 0, 0, 0, 0 } };
	cpg_callbacks_t cb = { .cpg_deliver_fn = deliver_cb,
			       .cpg_confchg_fn = confchg_cb };
	struct sigaction sa = { .sa_handler = on_term };
	const char *path = NULL, *group = "cmirror-relay";
	cpg_handle_t h;
	int c, cfd, lfd;

	R.size = 188;
	while ((c = getopt_long(argc, argv, "S:g:s:", lo, NULL)) != -1) {
		switch (c) {
		case 'S': path = optarg; break;
		case 'g': group = optarg; break;
		case 's': R.size = (unsigned)strtoul(optarg, NULL, 10); break;
		default: path = NULL; optind = argc + 1; break;
		}
	}
	if (!path || optind != argc || R.size < 1 || R.size > 65536 ||
	    strlen(group) >= sizeof(R.name.value)) {
		fprintf(stderr, "usage: cpg-relay --socket PATH [--group NAME] "
			"[--size BYTES]\n");
		return 2;
	}
	R.msg = calloc(1, R.size);
	for (unsigned i = 0; i < MAX_CONNS; i++)
		R.conns[i] = -1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (!R.msg || cpg_initialize(&h, &cb) != CS_OK ||
	    cpg_local_get(h, &R.nodeid) != CS_OK) {
		fprintf(stderr, "cpg-relay: cannot reach corosync\n");
		return 3;
	}
	R.pid = (uint32_t)getpid();
	snprintf(R.name.value, sizeof(R.name.value), "%s", group);
	R.name.length = (uint32_t)strlen(R.name.value);
	if (cpg_join(h, &R.name) != CS_OK || cpg_fd_get(h, &cfd) != CS_OK) {
		fprintf(stderr, "cpg-relay: cannot join %s\n", group);
		return 3;
	}
	while (!R.joined && !stop) {
		struct pollfd p = { .fd = cfd, .events = POLLIN };

		if (poll(&p, 1, 10000) != 1 ||
		    cpg_dispatch(h, CS_DISPATCH_ALL) != CS_OK) {
			fprintf(stderr, "cpg-relay: no join of %s\n", group);
			return 3;
		}
	}
	lfd = listen_on(path);
	if (lfd < 0) {
		fprintf(stderr, "cpg-relay: %s: %s\n", path, strerror(-lfd));
		return 3;
	}
	serve(h, cfd, lfd);
	close(lfd);
	unlink(path);
	cpg_leave(h, &R.name);
	cpg_finalize(h);
	free(R.msg);
	return R.failed;
}
