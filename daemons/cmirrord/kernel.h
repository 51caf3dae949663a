/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel link: where dm-log-userspace requests come from and replies go.
 * Two transports carry the identical frame (struct cn_msg + struct
 * dm_ulog_request + payload):
 *   - the real one: a libnl-3 NETLINK_CONNECTOR socket joined to group
 *     CN_IDX_DM, accepting only messages from the kernel (port 0);
 *   - the test one (--kernel-socket PATH): a unix SOCK_SEQPACKET listening
 *     socket; each accepted connection is a "kernel" (the simulator), one
 *     datagram per frame, no nlmsghdr.
 * Both feed the same callback with a parsed, validated request.  Malformed
 * frames are answered with an error reply when the header is readable,
 * dropped with a log line otherwise.
 */
#ifndef CMIRRORD_KERNEL_H
#define CMIRRORD_KERNEL_H

#include <stdint.h>
#include "cmirror/ulog.h"
#include "loop.h"

struct kernel_link;

/*
 * Identifies where a reply must go: the link and (for the seqpacket
 * transport) the connection.  Copy it by value into pending requests.
 * `conn_id` is 0 for netlink; a connection's id is never reused.
 */
struct kernel_peer {
	struct kernel_link *link;
	uint64_t conn_id;
};

/* A valid request arrived.  `req->data` is valid only during the call. */
typedef void (*kernel_request_cb)(const struct kernel_peer *peer,
				  const struct ulog_req *req, void *ctx);
/* A seqpacket connection closed (the simulated kernel went away). */
typedef void (*kernel_gone_cb)(const struct kernel_peer *peer, void *ctx);

/*
 * socket_path NULL: netlink connector.  Otherwise listen on that unix
 * SOCK_SEQPACKET path (unlinked first, mode 0600).  0 or -errno.
 */
int kernel_setup(struct loop *lp, const char *socket_path,
		 kernel_request_cb on_request, kernel_gone_cb on_gone,
		 void *ctx, struct kernel_link **out);
void kernel_close(struct kernel_link *k);

/*
 * Queue the reply for `req` (error 0 or -errno; out payload in host order).
 * Replies go out at the end of the loop iteration, in the order queued, one
 * sendmmsg() per destination (kernel_txq.h); one that cannot be sent then
 * is counted in `dropped` and logged.  0, or -errno (-ENOTCONN when the
 * connection is already gone: the reply is dropped, as the kernel would
 * time out and resend).
 */
int kernel_reply(const struct kernel_peer *peer, const struct ulog_req *req,
		 int error, const void *out, uint32_t out_len);

/* Counters for stats. */
struct kernel_stats {
	uint64_t requests, replies, bad_frames, dropped, overruns;
	uint64_t sends;		/* sendmmsg() calls that carried the replies */
};
void kernel_get_stats(const struct kernel_link *k, struct kernel_stats *st);
void kernel_reset_stats(struct kernel_link *k);	/* cmirrorctl stats --reset */

#endif
