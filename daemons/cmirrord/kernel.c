// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel link (see kernel.h): a libnl-3 NETLINK_CONNECTOR socket, or a
 * unix SOCK_SEQPACKET listener for the kernel simulator.  Both hand the
 * same connector frame to ulog_parse_frame() and send the same reply frame,
 * so everything above this file is transport-agnostic.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "kernel.h"
#include "kernel_policy.h"
#include "kernel_txq.h"
#include "logging.h"

#define NL_RCVBUF	(4 * 1024 * 1024)	/* absorb bursts of requests */
#define RX_PER_CALL	64	/* frames per callback: fair to other fds */
#define REPLY_MAX	2048	/* cn_msg + request + the largest reply */
#define BADLOG_BURST	10	/* malformed-frame log lines per window */
#define BADLOG_WINDOW_MS 60000

struct kconn {
	struct kconn *next;
	struct kernel_link *k;
	uint64_t id;
	int fd;
};

struct kernel_link {
	struct loop *lp;
	kernel_request_cb on_request;
	kernel_gone_cb on_gone;
	void *ctx;
	struct nl_sock *sk;		/* netlink transport */
	int listen_fd;			/* seqpacket transport */
	struct loop_pause accept_pause;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct kconn *conns;
	uint64_t last_conn_id;
	struct kernel_stats st;
	uint64_t badlog_start;
	unsigned badlog_count, badlog_suppressed;
	uint32_t nl_seq;
	int tx_error;			/* last send error of this flush */
	struct kernel_txq txq;		/* replies of this iteration */
	struct kernel_rx *rx;		/* requests of one callback */
};

/*
 * Requests come in with one recvmmsg() of up to RX_PER_CALL frames: a
 * recv() per frame and one more that finds nothing cost every request two
 * calls (libnl's nl_recv() three: it peeks for the size first, and
 * allocates a buffer each time).
 */
struct kernel_rx {
	struct mmsghdr mm[RX_PER_CALL];
	struct iovec iov[RX_PER_CALL];
	struct sockaddr_nl from[RX_PER_CALL];
	unsigned char buf[RX_PER_CALL][REPLY_MAX] __attribute__((aligned(8)));
};

static struct kernel_rx *rx_new(void)
{
	struct kernel_rx *rx = calloc(1, sizeof(*rx));

	for (unsigned i = 0; rx && i < RX_PER_CALL; i++) {
		rx->iov[i] = (struct iovec){ rx->buf[i], sizeof(rx->buf[i]) };
		rx->mm[i].msg_hdr.msg_iov = &rx->iov[i];
		rx->mm[i].msg_hdr.msg_iovlen = 1;
	}
	return rx;
}

/* The frames queued on fd now: their count (0: none), or -errno.  named:
 * each sender's address into rx->from (netlink). */
static int rx_batch(struct kernel_rx *rx, int fd, bool named)
{
	int n;

	for (unsigned i = 0; i < RX_PER_CALL; i++) {
		rx->mm[i].msg_hdr.msg_name = named ? &rx->from[i] : NULL;
		rx->mm[i].msg_hdr.msg_namelen = named ? sizeof(rx->from[i]) : 0;
		rx->mm[i].msg_hdr.msg_flags = 0;
	}
	do
		n = recvmmsg(fd, rx->mm, RX_PER_CALL, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return n;
}

/* libnl returns -NLE_* codes, not -errno: convert at this one edge. */
static int nle_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS:		return 0;
	case NLE_INTR:			return -EINTR;
	case NLE_BAD_SOCK:		return -EBADF;
	case NLE_AGAIN:			return -EAGAIN;
	case NLE_NOMEM:			return -ENOMEM;	/* also ENOBUFS */
	case NLE_EXIST:			return -EEXIST;
	case NLE_INVAL:			return -EINVAL;
	case NLE_RANGE:			return -ERANGE;
	case NLE_MSGSIZE:		return -EMSGSIZE;
	case NLE_OPNOTSUPP:		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:		return -ENOENT;
	case NLE_MSG_TRUNC:		return -EMSGSIZE;
	case NLE_MSG_OVERFLOW:		return -EMSGSIZE;
	case NLE_MSG_TOOSHORT:		return -EBADMSG;
	case NLE_SEQ_MISMATCH:		return -EPROTO;
	case NLE_NOADDR:		return -EADDRNOTAVAIL;
	case NLE_BUSY:			return -EBUSY;
	case NLE_PROTO_MISMATCH:	return -EPROTONOSUPPORT;
	case NLE_NOACCESS:		return -EACCES;
	case NLE_PERM:			return -EPERM;
	case NLE_NODEV:			return -ENODEV;
	default:			return -EIO;
	}
}

/* At most BADLOG_BURST lines a minute: a misbehaving peer must not flood
 * syslog, but the first occurrences are what an operator needs. */
__attribute__((format(printf, 2, 3)))
static void log_bad(struct kernel_link *k, const char *fmt, ...)
{
	uint64_t now = loop_now_ms();
	char msg[256];
	va_list ap;

	if (now - k->badlog_start >= BADLOG_WINDOW_MS) {
		if (k->badlog_suppressed)
			log_warn("kernel link: %u more malformed frames not logged",
				 k->badlog_suppressed);
		k->badlog_start = now;
		k->badlog_count = 0;
		k->badlog_suppressed = 0;
	}
	if (k->badlog_count >= BADLOG_BURST) {
		k->badlog_suppressed++;
		return;
	}
	k->badlog_count++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warn("kernel link: %s", msg);
}

static void handle_frame(struct kernel_link *k, uint64_t conn_id,
			 const void *frame, size_t len)
{
	struct kernel_peer peer = { .link = k, .conn_id = conn_id };
	struct ulog_req req;
	bool hdr_ok = false;
	int r;

	memset(&req, 0, sizeof(req));
	r = ulog_parse_frame(frame, len, &req, &hdr_ok);
	if (r < 0) {
		k->st.bad_frames++;
		if (!hdr_ok) {
			log_bad(k, "dropped a malformed frame of %zu bytes: %s",
				len, strerror(-r));
			return;
		}
		log_bad(k, "%s: bad %s request seq %u (%zu bytes): %s",
			req.uuid, ulog_type_name(req.type), req.seq, len,
			strerror(-r));
		kernel_reply(&peer, &req, r, NULL, 0);
		return;
	}
	k->st.requests++;
	k->on_request(&peer, &req, k->ctx);
}

/* ---- netlink connector ---- */

static void nl_dispatch(struct kernel_link *k, const struct sockaddr_nl *from,
			unsigned char *buf, int len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	int left = len;

	/* Only the kernel (port 0, DM group) may talk to us: anyone else
	 * could forge requests that change the shared region state. */
	if (!kernel_nl_sender_ok(from)) {
		k->st.dropped++;
		log_bad(k, "dropped a message from port %u groups %#x",
			from->nl_pid, from->nl_groups);
		return;
	}
	for (; nlmsg_ok(h, left); h = nlmsg_next(h, &left)) {
		if (h->nlmsg_type != NLMSG_DONE) {
			k->st.dropped++;
			continue;
		}
		handle_frame(k, 0, nlmsg_data(h), (size_t)nlmsg_datalen(h));
	}
	if (left > 0) {
		k->st.bad_frames++;
		log_bad(k, "%d trailing bytes after the last netlink message",
			left);
	}
}

static void nl_readable(struct loop *lp, int fd, short revents, void *ctx)
{
	struct kernel_link *k = ctx;
	struct kernel_rx *rx = k->rx;
	int n = rx_batch(rx, fd, true);

	if (n == -ENOBUFS) {
		/* The kernel dropped requests; it resends them after its
		 * 15 s timeout.  What is still queued comes next time. */
		k->st.overruns++;
		log_warn("kernel link: receive buffer overrun");
		return;
	}
	if (n < 0) {
		log_err("kernel link: receive failed: %s", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		if (rx->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			k->st.bad_frames++;
			log_bad(k, "dropped a netlink message of more than "
				"%zu bytes", sizeof(rx->buf[i]));
			continue;
		}
		nl_dispatch(k, &rx->from[i], rx->buf[i], (int)rx->mm[i].msg_len);
	}
}

static int nl_setup(struct kernel_link *k)
{
	int r, fd, sz = NL_RCVBUF;

	k->sk = nl_socket_alloc();
	if (!k->sk)
		return -ENOMEM;
	/* The connector neither acks nor numbers like rtnetlink does. */
	nl_socket_disable_seq_check(k->sk);
	nl_socket_disable_auto_ack(k->sk);
	r = nl_connect(k->sk, NETLINK_CONNECTOR);
	if (r < 0) {
		r = nle_to_errno(r);
		log_err("kernel link: cannot open the netlink connector: %s",
			strerror(-r));
		return r;
	}
	/* A real membership of group CN_IDX_DM: the bind() nl_groups mask
	 * would join groups 1..3 instead. */
	r = nl_socket_add_membership(k->sk, CN_IDX_DM);
	if (r < 0) {
		r = nle_to_errno(r);
		log_err("kernel link: cannot join connector group %d: %s",
			CN_IDX_DM, strerror(-r));
		return r;
	}
	r = nl_socket_set_nonblocking(k->sk);
	if (r < 0)
		return nle_to_errno(r);
	fd = nl_socket_get_fd(k->sk);
	/* Root may exceed rmem_max; otherwise take what we are allowed. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		nl_socket_set_buffer_size(k->sk, sz, 0);
	r = loop_add_fd(k->lp, fd, POLLIN, nl_readable, k, "kernel-netlink");
	if (r < 0)
		return r;
	log_info("kernel link: listening on netlink connector group %d",
		 CN_IDX_DM);
	return 0;
}

/* ---- seqpacket test transport ---- */

static struct kconn *conn_find(struct kernel_link *k, uint64_t id)
{
	for (struct kconn *c = k->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void conn_close(struct kernel_link *k, struct kconn *c, bool notify)
{
	struct kernel_peer peer = { .link = k, .conn_id = c->id };

	for (struct kconn **pp = &k->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	loop_del_fd(k->lp, c->fd);
	close(c->fd);
	free(c);
	/* Unlinked first: replies from on_gone get -ENOTCONN. */
	if (notify && k->on_gone)
		k->on_gone(&peer, k->ctx);
}

static void conn_readable(struct loop *lp, int fd, short revents, void *ctx)
{
	struct kconn *c = ctx;
	struct kernel_link *k = c->k;
	struct kernel_rx *rx = k->rx;
	uint64_t id = c->id;
	int n = rx_batch(rx, fd, false);
	bool eof = n < 0 || (n == 0 && (revents & (POLLHUP | POLLERR)));

	if (n < 0)
		log_warn("kernel link: connection %" PRIu64 ": %s", id,
			 strerror(-n));
	for (int i = 0; i < n && !eof; i++) {
		if (rx->mm[i].msg_len == 0) {
			eof = true;	/* the simulated kernel went away */
			break;
		}
		if (rx->mm[i].msg_hdr.msg_flags & MSG_TRUNC) {
			k->st.bad_frames++;
			log_bad(k, "dropped an oversized frame (more than %zu "
				"bytes)", sizeof(rx->buf[i]));
			continue;
		}
		handle_frame(k, id, rx->buf[i], rx->mm[i].msg_len);
		/* Callbacks must not close the link; never touch c if a
		 * connection with this id is no longer there. */
		if (conn_find(k, id) != c)
			return;
	}
	/* More may be queued: epoll reports it again next iteration. */
	if (!eof)
		return;
	log_info("kernel link: connection %" PRIu64 " closed", id);
	conn_close(k, c, true);
}

static void listen_readable(struct loop *lp, int fd, short revents, void *ctx)
{
	struct kernel_link *k = ctx;

	for (;;) {
		struct kconn *c;
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			log_err("kernel link: accept: %s (not accepting for "
				"%d ms)", strerror(errno), LOOP_ACCEPT_PAUSE_MS);
			loop_pause_fd(lp, &k->accept_pause, fd, POLLIN,
				      LOOP_ACCEPT_PAUSE_MS);
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c || loop_add_fd(lp, cfd, POLLIN, conn_readable, c,
				      "kernel-conn") < 0) {
			log_err("kernel link: cannot track a new connection");
			free(c);
			close(cfd);
			continue;
		}
		c->k = k;
		c->fd = cfd;
		c->id = ++k->last_conn_id;
		c->next = k->conns;
		k->conns = c;
		log_info("kernel link: connection %" PRIu64 " opened", c->id);
	}
}

static int seqpacket_setup(struct kernel_link *k, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(k->path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		log_err("kernel link: cannot listen on %s: %s", path,
			strerror(-r));
		close(fd);
		return r;
	}
	k->listen_fd = fd;
	r = loop_add_fd(k->lp, fd, POLLIN, listen_readable, k, "kernel-listen");
	if (r < 0)
		return r;
	log_info("kernel link: listening on seqpacket socket %s", path);
	return 0;
}

/* ---- replies: queued, sent at the end of the iteration ---- */

static int tx_send(void *ctx, uint64_t dest, struct mmsghdr *mm, unsigned n)
{
	struct kernel_link *k = ctx;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct kconn *c = NULL;
	int fd, r;

	if (k->sk) {
		fd = nl_socket_get_fd(k->sk);
		for (unsigned i = 0; i < n; i++) {
			mm[i].msg_hdr.msg_name = &kernel;
			mm[i].msg_hdr.msg_namelen = sizeof(kernel);
		}
	} else {
		c = conn_find(k, dest);
		if (!c)
			return -ENOTCONN;
		fd = c->fd;
	}
	do
		r = sendmmsg(fd, mm, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	k->st.replies += (uint64_t)r;
	k->st.sends++;
	return r;
}

static void tx_drop(void *ctx, uint64_t dest, int error)
{
	struct kernel_link *k = ctx;

	k->st.dropped++;
	if (error != -ENOTCONN)
		k->tx_error = error;
}

static void tx_flush(struct kernel_link *k)
{
	unsigned lost;

	if (k->txq.n == 0)
		return;
	k->tx_error = 0;
	lost = txq_flush(&k->txq, tx_send, tx_drop, k);
	/* A gone connection is no news (its "kernel" went away). */
	if (lost && k->tx_error)
		log_warn("kernel link: %u repl%s not sent: %s", lost,
			 lost == 1 ? "y" : "ies", strerror(-k->tx_error));
}

static void tx_hook(struct loop *lp, void *ctx)
{
	tx_flush(ctx);
}

/* ---- public ---- */

int kernel_setup(struct loop *lp, const char *socket_path,
		 kernel_request_cb on_request, kernel_gone_cb on_gone,
		 void *ctx, struct kernel_link **out)
{
	struct kernel_link *k;
	int r;

	if (!on_request)
		return -EINVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->lp = lp;
	k->on_request = on_request;
	k->on_gone = on_gone;
	k->ctx = ctx;
	k->listen_fd = -1;
	k->rx = rx_new();
	if (!k->rx) {
		free(k);
		return -ENOMEM;
	}
	k->badlog_start = loop_now_ms();
	r = loop_add_hook(lp, tx_hook, k);
	if (r == 0)
		r = socket_path ? seqpacket_setup(k, socket_path) : nl_setup(k);
	if (r < 0) {
		kernel_close(k);
		return r;
	}
	*out = k;
	return 0;
}

void kernel_close(struct kernel_link *k)
{
	if (!k)
		return;
	tx_flush(k);
	loop_del_hook(k->lp, tx_hook, k);
	while (k->conns)
		conn_close(k, k->conns, false);
	loop_pause_cancel(k->lp, &k->accept_pause);
	if (k->listen_fd >= 0) {
		loop_del_fd(k->lp, k->listen_fd);
		close(k->listen_fd);
		unlink(k->path);
	}
	if (k->sk) {
		loop_del_fd(k->lp, nl_socket_get_fd(k->sk));
		nl_socket_free(k->sk);	/* closes the fd */
	}
	free(k->rx);
	free(k);
}

int kernel_reply(const struct kernel_peer *peer, const struct ulog_req *req,
		 int error, const void *out, uint32_t out_len)
{
	struct kernel_link *k = peer->link;
	/* netlink: nlmsghdr + the frame, laid out as libnl's nl_send_simple
	 * did (type NLMSG_DONE like the kernel's own messages, padded to
	 * 4 bytes, padding counted in nlmsg_len, our port, our sequence). */
	unsigned char buf[NLMSG_HDRLEN + REPLY_MAX + NLMSG_ALIGNTO]
		__attribute__((aligned(8)));
	size_t hdr = k->sk ? NLMSG_HDRLEN : 0, len;
	int r;

	if (!k->sk && !conn_find(k, peer->conn_id)) {
		k->st.dropped++;
		return -ENOTCONN;
	}
	r = ulog_build_reply(req, error, out, out_len, buf + hdr, REPLY_MAX);
	if (r < 0)
		return r;
	len = hdr + (size_t)r;
	if (k->sk) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		memset(buf + len, 0, NLMSG_ALIGN(len) - len);
		len = NLMSG_ALIGN(len);
		*nlh = (struct nlmsghdr){
			.nlmsg_len = (uint32_t)len,
			.nlmsg_type = NLMSG_DONE,
			.nlmsg_flags = NLM_F_REQUEST,
			.nlmsg_seq = ++k->nl_seq,
			.nlmsg_pid = nl_socket_get_local_port(k->sk),
		};
	}
	if (k->txq.n == 0)
		loop_wake(k->lp);	/* queued by a later hook: no sleep */
	r = txq_add(&k->txq, peer->conn_id, buf, len);
	if (r == -ENOSPC) {
		tx_flush(k);
		r = txq_add(&k->txq, peer->conn_id, buf, len);
	}
	if (r < 0) {
		k->st.dropped++;
		return r;
	}
	return 0;
}

void kernel_get_stats(const struct kernel_link *k, struct kernel_stats *st)
{
	*st = k->st;
}

void kernel_reset_stats(struct kernel_link *k)
{
	memset(&k->st, 0, sizeof(k->st));
}
