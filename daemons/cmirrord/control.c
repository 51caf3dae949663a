// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control socket: serves cmirrorctl from the poll loop without ever
 * blocking.  Each connection handles one request at a time: the reply body
 * is rendered whole (dumps are snapshots, never interleaved with state
 * changes), then sent frame by frame as the socket accepts them; while a
 * reply is pending the connection waits for POLLOUT and reads nothing, so a
 * slow reader only costs its own buffer.  Idle or stuck connections are
 * closed by a periodic sweep.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmirror/ctlproto.h"
#include "control.h"
#include "logging.h"

#define CONN_MAX	16		/* connections served at once */
#define CONN_IDLE_MS	30000		/* no request / no send progress */
#define SWEEP_MS	5000
#define RENDER_INITIAL	(64u * 1024u)

struct conn {
	struct conn *next;
	struct control *c;
	int fd;
	uid_t uid;
	pid_t pid;
	uint64_t last_ms;
	/* The reply being sent: body[sent..body_len) still to go. */
	char *body;
	size_t body_len, sent;
	int32_t status;
	bool sending;
};

struct control {
	struct loop *lp;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct logs *ls;
	const struct cmirrord_opts *o;
	uid_t self;
	struct conn *conns;
	size_t nconns;
	struct loop_timer *sweep;
	struct loop_pause accept_pause;
	unsigned char frame[CTL_FRAME_MAX];
};

bool control_peer_allowed(uid_t peer, uid_t self)
{
	return peer == 0 || peer == self;
}

/* ---- rendering ---- */

/* snprintf-style producer of a reply body. */
typedef int (*render_fn)(struct control *c, const struct ctl_req *rq,
			 const char *text, char *buf, size_t len);

/*
 * Run fn with a growing buffer until the output fits (the dump functions
 * return the length they needed).  *out is malloc'd on success.
 */
static int render(struct control *c, const struct ctl_req *rq,
		  const char *text, render_fn fn, char **out, size_t *outlen)
{
	size_t cap = RENDER_INITIAL;

	for (int tries = 0; tries < 6; tries++) {
		char *buf = malloc(cap);
		int n;

		if (!buf)
			return -ENOMEM;
		buf[0] = '\0';
		n = fn(c, rq, text, buf, cap);
		if (n < 0) {
			free(buf);
			return n;
		}
		if ((size_t)n < cap) {
			*out = buf;
			*outlen = (size_t)n;
			return 0;
		}
		free(buf);
		if ((size_t)n > CTL_BODY_MAX)
			return -EFBIG;
		cap = (size_t)n + 1;
	}
	return -EAGAIN;	/* kept growing: the state changed under us */
}

static int r_status(struct control *c, const struct ctl_req *rq,
		    const char *text, char *buf, size_t len)
{
	return rq->flags & CTL_F_JSON ? logs_dump_json(c->ls, buf, len) :
					 logs_dump(c->ls, buf, len);
}

static int r_log(struct control *c, const struct ctl_req *rq,
		 const char *text, char *buf, size_t len)
{
	return logs_dump_one(c->ls, rq->arg, rq->flags & CTL_F_JSON, buf, len);
}

static int r_stats(struct control *c, const struct ctl_req *rq,
		   const char *text, char *buf, size_t len)
{
	return logs_stats(c->ls, rq->flags & CTL_F_JSON, buf, len);
}

static int r_config(struct control *c, const struct ctl_req *rq,
		    const char *text, char *buf, size_t len)
{
	return options_dump(c->o, buf, len);
}

/* logging_ring_dump() returns what it wrote, not what it needed: a full
 * buffer means "maybe more", so report one byte more to make render() grow. */
static int r_ring(struct control *c, const struct ctl_req *rq,
		  const char *text, char *buf, size_t len)
{
	size_t n = logging_ring_dump(buf, len);

	if (n + 1 < len)
		return (int)n;
	return len > CTL_BODY_MAX ? (int)CTL_BODY_MAX + 1 : (int)(2 * len);
}

static int r_config_json(struct control *c, const struct ctl_req *rq,
			 const char *text, char *buf, size_t len)
{
	return ctl_config_json(text, buf, len);
}

static int r_ring_json(struct control *c, const struct ctl_req *rq,
		       const char *text, char *buf, size_t len)
{
	return ctl_lines_json("ring", text, buf, len);
}

static int r_ping(struct control *c, const struct ctl_req *rq,
		  const char *text, char *buf, size_t len)
{
	if (rq->flags & CTL_F_JSON)
		return snprintf(buf, len, "{\"pong\":true,\"version\":\"%s\","
				"\"pid\":%d}\n", PACKAGE_VERSION, (int)getpid());
	return snprintf(buf, len, "pong: cmirrord %s, pid %d\n",
			PACKAGE_VERSION, (int)getpid());
}

/* DUMP and CONFIG in JSON: render the text, then convert it. */
static int render_converted(struct control *c, const struct ctl_req *rq,
			    render_fn text_fn, render_fn json_fn, char **out,
			    size_t *outlen)
{
	char *text;
	size_t tlen;
	int r = render(c, rq, NULL, text_fn, &text, &tlen);

	if (r < 0 || !(rq->flags & CTL_F_JSON)) {
		if (r == 0) {
			*out = text;
			*outlen = tlen;
		}
		return r;
	}
	r = render(c, rq, text, json_fn, out, outlen);
	free(text);
	return r;
}

/* Build the reply body for a valid request; returns the status. */
static int32_t answer(struct control *c, const struct ctl_req *rq,
		      char **body, size_t *blen)
{
	static const render_fn direct[CTL_CMD_MAX + 1] = {
		[CTL_CMD_PING] = r_ping,
		[CTL_CMD_STATUS] = r_status,
		[CTL_CMD_LOG] = r_log,
	};

	int32_t st;

	switch (rq->cmd) {
	case CTL_CMD_STATS:
		st = render(c, rq, NULL, r_stats, body, blen);
		/* After the body is final: render() may go round again. */
		if (st == 0 && (rq->flags & CTL_F_RESET))
			logs_stats_reset(c->ls);
		return st;
	case CTL_CMD_DUMP:
		return render_converted(c, rq, r_ring, r_ring_json, body, blen);
	case CTL_CMD_CONFIG:
		return render_converted(c, rq, r_config, r_config_json, body,
					blen);
	default:
		return render(c, rq, NULL, direct[rq->cmd], body, blen);
	}
}

/* The one-line error body: what the operator should read. */
static int error_body(int32_t status, const struct ctl_req *rq, uid_t uid,
		      char **body, size_t *blen)
{
	char msg[CTL_ARG_MAX + 128];
	int n;

	if (status == -ENOENT && rq && rq->cmd == CTL_CMD_LOG)
		n = snprintf(msg, sizeof(msg), "unknown log %s\n", rq->arg);
	else if (status == -EPERM)
		n = snprintf(msg, sizeof(msg), "permission denied: uid %u may "
			     "not use the control socket\n", (unsigned)uid);
	else if (status == -EMSGSIZE)
		n = snprintf(msg, sizeof(msg), "request larger than %u bytes\n",
			     CTL_REQ_MAX);
	else if (status == -EBUSY)
		n = snprintf(msg, sizeof(msg), "too many control connections\n");
	else
		n = snprintf(msg, sizeof(msg), "%s%s%s\n",
			     rq ? ctl_cmd_name(rq->cmd) : "request",
			     ": ", strerror(-status));
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = (int)sizeof(msg) - 1;
	*body = strdup(msg);
	if (!*body)
		return -ENOMEM;
	*blen = (size_t)n;
	return 0;
}

/* ---- connections ---- */

static void conn_free(struct conn *cn)
{
	struct control *c = cn->c;

	for (struct conn **pp = &c->conns; *pp; pp = &(*pp)->next)
		if (*pp == cn) {
			*pp = cn->next;
			break;
		}
	c->nconns--;
	loop_del_fd(c->lp, cn->fd);
	close(cn->fd);
	free(cn->body);
	free(cn);
}

/*
 * Send as many frames as the socket takes.  0 when the reply is done or
 * waits for POLLOUT, -errno when the connection is broken.
 */
static int conn_flush(struct conn *cn)
{
	struct control *c = cn->c;

	while (cn->sending) {
		size_t left = cn->body_len - cn->sent;
		size_t chunk = left < CTL_CHUNK_MAX ? left : CTL_CHUNK_MAX;
		uint16_t flags = chunk < left ? CTL_F_MORE : 0;
		int n = ctl_reply_encode(cn->status, flags, cn->body + cn->sent,
					 chunk, c->frame, sizeof(c->frame));

		if (n < 0)
			return n;
		if (send(cn->fd, c->frame, (size_t)n,
			 MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return loop_set_events(c->lp, cn->fd, POLLOUT);
			return -errno;
		}
		cn->last_ms = loop_now_ms();
		cn->sent += chunk;
		if (!flags) {
			free(cn->body);
			cn->body = NULL;
			cn->sending = false;
		}
	}
	return loop_set_events(c->lp, cn->fd, POLLIN);
}

static void conn_reply(struct conn *cn, int32_t status, char *body,
		       size_t blen)
{
	cn->status = status;
	cn->body = body;
	cn->body_len = blen;
	cn->sent = 0;
	cn->sending = true;
}

/* Read and answer one request. 0, or -errno to drop the connection. */
static int conn_read(struct conn *cn)
{
	struct control *c = cn->c;
	unsigned char buf[CTL_REQ_MAX];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct ctl_req *rq;
	char *body = NULL;
	size_t blen = 0;
	ssize_t n;
	int32_t st;
	bool decoded;

	n = recvmsg(cn->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;	/* peer closed */
	cn->last_ms = loop_now_ms();
	rq = calloc(1, sizeof(*rq));
	if (!rq)
		return -ENOMEM;
	/* A request over CTL_REQ_MAX arrives cut: refuse it as oversize. */
	st = mh.msg_flags & MSG_TRUNC ? -EMSGSIZE :
		ctl_req_decode(buf, (size_t)n, rq);
	decoded = st == 0;
	if (decoded) {
		log_dbg("control: uid %u pid %d: %s%s%s%s",
			(unsigned)cn->uid, (int)cn->pid, ctl_cmd_name(rq->cmd),
			rq->arg[0] ? " " : "", rq->arg,
			rq->flags & CTL_F_JSON ? " (json)" : "");
		st = answer(c, rq, &body, &blen);
	} else {
		log_warn("control: uid %u pid %d: bad request: %s",
			 (unsigned)cn->uid, (int)cn->pid, strerror(-st));
	}
	if (st < 0 && error_body(st, decoded ? rq : NULL, cn->uid,
				 &body, &blen) < 0) {
		free(rq);
		return -ENOMEM;
	}
	free(rq);
	conn_reply(cn, st, body, blen);
	return conn_flush(cn);
}

static void conn_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct conn *cn = ctx;
	int r = 0;

	if (cn->sending && (revents & POLLOUT))
		r = conn_flush(cn);
	else if (!cn->sending && (revents & POLLIN))
		r = conn_read(cn);
	else if (revents & (POLLHUP | POLLERR | POLLNVAL))
		r = -ECONNRESET;
	if (r < 0) {
		if (r != -ECONNRESET && r != -EPIPE)
			log_info("control: uid %u pid %d: connection dropped: "
				 "%s", (unsigned)cn->uid, (int)cn->pid,
				 strerror(-r));
		conn_free(cn);
	}
}

/* Best effort one-frame error before closing a refused connection. */
static void refuse(struct control *c, int fd, int32_t status, uid_t uid)
{
	char *body;
	size_t blen;
	int n;

	if (error_body(status, NULL, uid, &body, &blen) < 0)
		return;
	n = ctl_reply_encode(status, 0, body, blen, c->frame,
			     sizeof(c->frame));
	if (n > 0 && send(fd, c->frame, (size_t)n,
			  MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		log_dbg("control: refusal not sent: %s", strerror(errno));
	free(body);
}

static void accept_one(struct control *c, int fd)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct conn *cn;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		log_warn("control: SO_PEERCRED: %s", strerror(errno));
		close(fd);
		return;
	}
	if (!control_peer_allowed(cred.uid, c->self)) {
		log_warn("control: refused uid %u pid %d (only root%s may "
			 "connect)", (unsigned)cred.uid, (int)cred.pid,
			 c->self ? " and the daemon's uid" : "");
		refuse(c, fd, -EPERM, cred.uid);
		close(fd);
		return;
	}
	if (c->nconns >= CONN_MAX) {
		log_warn("control: refused pid %d: %zu connections open",
			 (int)cred.pid, c->nconns);
		refuse(c, fd, -EBUSY, cred.uid);
		close(fd);
		return;
	}
	cn = calloc(1, sizeof(*cn));
	if (!cn || loop_add_fd(c->lp, fd, POLLIN, conn_cb, cn,
			       "control-conn") < 0) {
		log_warn("control: cannot serve pid %d: out of memory",
			 (int)cred.pid);
		free(cn);
		close(fd);
		return;
	}
	cn->c = c;
	cn->fd = fd;
	cn->uid = cred.uid;
	cn->pid = cred.pid;
	cn->last_ms = loop_now_ms();
	cn->next = c->conns;
	c->conns = cn;
	c->nconns++;
}

static void listen_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct control *c = ctx;

	/* Bounded: a flood of connects cannot starve the kernel link. */
	for (int i = 0; i < 32; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				return;
			log_warn("control: accept: %s (not accepting for %d "
				 "ms)", strerror(errno), LOOP_ACCEPT_PAUSE_MS);
			loop_pause_fd(lp, &c->accept_pause, fd, POLLIN,
				      LOOP_ACCEPT_PAUSE_MS);
			return;
		}
		accept_one(c, cfd);
	}
}

static void sweep_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct control *c = ctx;
	uint64_t now = loop_now_ms();
	struct conn *cn = c->conns;

	while (cn) {
		struct conn *next = cn->next;

		if (now - cn->last_ms >= CONN_IDLE_MS) {
			log_info("control: closing idle connection of pid %d",
				 (int)cn->pid);
			conn_free(cn);
		}
		cn = next;
	}
}

/* ---- the listening socket ---- */

/*
 * Clear `path` for bind(): nothing there, or a dead socket (removed).  A
 * socket somebody still accepts on is another daemon's: leave it alone.
 */
static int clear_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, r;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (r == 0 || errno == EAGAIN)
		return -EADDRINUSE;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

static int open_listener(struct control *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int r;

	if (!path[0])
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(c->path, path, strlen(path) + 1);
	r = clear_path(&sa);
	if (r < 0)
		return r;
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0);
	if (c->fd < 0)
		return -errno;
	/* Created 0600 from the start: no window where others can connect
	 * (the peer check would refuse them anyway). */
	old = umask(0177);
	r = bind(c->fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return -errno;
	if (chmod(path, 0600) < 0 || lstat(path, &st) < 0) {
		r = -errno;
		unlink(path);
		return r;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(c->fd, 16) < 0) {
		r = -errno;
		unlink(path);
		return r;
	}
	return 0;
}

int control_setup(struct loop *lp, const char *path, struct logs *ls,
		  const struct cmirrord_opts *o, struct control **out)
{
	struct control *c;
	int r;

	if (!lp || !path || !out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->lp = lp;
	c->ls = ls;
	c->o = o;
	c->fd = -1;
	c->self = geteuid();
	r = open_listener(c, path);
	if (r < 0) {
		if (c->fd >= 0)
			close(c->fd);
		free(c);
		return r;
	}
	c->sweep = loop_timer_add(lp, SWEEP_MS, SWEEP_MS, sweep_cb, c,
				  "control-sweep");
	r = c->sweep ? loop_add_fd(lp, c->fd, POLLIN, listen_cb, c, "control")
		     : -errno;
	if (r < 0) {
		if (c->sweep)
			loop_timer_cancel(lp, c->sweep);
		c->path[0] = '\0';
		unlink(path);
		close(c->fd);
		free(c);
		return r;
	}
	log_info("control socket %s", path);
	*out = c;
	return 0;
}

void control_close(struct control *c)
{
	struct stat st;

	if (!c)
		return;
	while (c->conns)
		conn_free(c->conns);
	loop_timer_cancel(c->lp, c->sweep);
	loop_pause_cancel(c->lp, &c->accept_pause);
	loop_del_fd(c->lp, c->fd);
	close(c->fd);
	/* Only our own socket: a newer daemon may have replaced it. */
	if (c->path[0] && lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}
