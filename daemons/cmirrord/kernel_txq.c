// SPDX-License-Identifier: GPL-2.0-or-later
/* The kernel reply queue (see kernel_txq.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "kernel_txq.h"

int txq_add(struct kernel_txq *q, uint64_t dest, const void *frame,
	    size_t len)
{
	/* 8-byte aligned, as where the frame was built (see the test). */
	size_t off = (q->used + 7) & ~(size_t)7;

	if (len == 0 || len > TXQ_BYTES)
		return -EMSGSIZE;
	if (q->n == TXQ_FRAMES || off + len > TXQ_BYTES)
		return -ENOSPC;
	memcpy(q->buf + off, frame, len);
	q->f[q->n++] = (struct txq_frame){ dest, (uint32_t)off,
					    (uint32_t)len };
	q->used = off + len;
	return 0;
}

/* Frames [i, end) all go to one destination. */
static unsigned send_run(struct kernel_txq *q, unsigned i, unsigned end,
			 txq_send_fn send_fn, txq_drop_fn drop_fn, void *ctx)
{
	struct mmsghdr mm[TXQ_FRAMES];
	struct iovec iov[TXQ_FRAMES];
	unsigned dropped = 0;

	while (i < end) {
		unsigned n = end - i;
		int r;

		memset(mm, 0, n * sizeof(mm[0]));
		for (unsigned j = 0; j < n; j++) {
			iov[j].iov_base = q->buf + q->f[i + j].off;
			iov[j].iov_len = q->f[i + j].len;
			mm[j].msg_hdr.msg_iov = &iov[j];
			mm[j].msg_hdr.msg_iovlen = 1;
		}
		r = send_fn(ctx, q->f[i].dest, mm, n);
		if (r > 0) {
			i += (unsigned)r < n ? (unsigned)r : n;
			continue;
		}
		/* Nothing went: the rest of this run is dropped (the
		 * kernel times out and resends, as for one lost reply). */
		for (; i < end; i++, dropped++)
			if (drop_fn)
				drop_fn(ctx, q->f[i].dest, r < 0 ? r : -EIO);
	}
	return dropped;
}

unsigned txq_flush(struct kernel_txq *q, txq_send_fn send_fn,
		   txq_drop_fn drop_fn, void *ctx)
{
	unsigned i = 0, dropped = 0;

	while (i < q->n) {
		unsigned end = i + 1;

		while (end < q->n && q->f[end].dest == q->f[i].dest)
			end++;
		dropped += send_run(q, i, end, send_fn, drop_fn, ctx);
		i = end;
	}
	q->n = 0;
	q->used = 0;
	return dropped;
}
