/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replies to the kernel queued during one loop iteration and sent together
 * at its end with one sendmmsg() per destination.  A delivered bundle
 * answers the FLUSHes of many logs at once; sent one by one, each reply
 * wakes the receiver separately (the simulator, or the kernel in our
 * sendmsg context), and on a small machine those wake-ups, not the
 * ordering, were most of a 64-log write cycle.  Order is kept: frames go
 * out in the order they were queued.  No I/O here: the send function is
 * the caller's, so the module is unit tested alone.
 */
#ifndef CMIRRORD_KERNEL_TXQ_H
#define CMIRRORD_KERNEL_TXQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TXQ_FRAMES	64		/* one sendmmsg() at most */
#define TXQ_BYTES	(64 * 1024)

struct txq_frame {
	uint64_t dest;			/* connection id (0: netlink) */
	uint32_t off, len;
};

struct kernel_txq {
	unsigned n;
	size_t used;
	struct txq_frame f[TXQ_FRAMES];
	unsigned char buf[TXQ_BYTES] __attribute__((aligned(8)));
};

/*
 * Sends the n frames of one destination (consecutive in the queue), as
 * sendmmsg() does: the number sent from the start (0..n), or -errno when
 * none could be.  The messages carry only msg_iov; the function adds the
 * address it needs.
 */
typedef int (*txq_send_fn)(void *ctx, uint64_t dest, struct mmsghdr *mm,
			   unsigned n);
/* Called once per frame that could not be sent (error -errno). */
typedef void (*txq_drop_fn)(void *ctx, uint64_t dest, int error);

/* 0, -ENOSPC (queue full: flush, then add again), -EMSGSIZE (can never
 * fit). */
int txq_add(struct kernel_txq *q, uint64_t dest, const void *frame,
	    size_t len);
/* Sends everything queued and empties the queue; returns the number of
 * frames dropped.  A short send is retried from the first unsent frame;
 * an error drops the rest of that destination's run only. */
unsigned txq_flush(struct kernel_txq *q, txq_send_fn send_fn,
		   txq_drop_fn drop_fn, void *ctx);

#endif
