// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel reply queue (kernel_txq.c): frames leave in queue order, one
 * send per run of one destination, short sends resume where they stopped,
 * and a failed destination loses only its own frames.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel_txq.h"

#define MAX_SENT 512

/* What the fake socket layer saw, and how it behaves. */
struct fake {
	unsigned calls;
	unsigned nsent;
	uint64_t dest[MAX_SENT];
	char text[MAX_SENT][32];
	unsigned call_n[MAX_SENT];	/* n offered per call */
	int limit;			/* > 0: at most this many per call */
	uint64_t fail_dest;		/* this dest: every send fails */
	int fail_error;
	unsigned drops;
	uint64_t drop_dest[MAX_SENT];
	int drop_error[MAX_SENT];
};

static int fake_send(void *ctx, uint64_t dest, struct mmsghdr *mm,
		     unsigned n)
{
	struct fake *f = ctx;
	unsigned take = n;

	f->call_n[f->calls++] = n;
	if (f->fail_error && dest == f->fail_dest)
		return f->fail_error;
	if (f->limit > 0 && take > (unsigned)f->limit)
		take = (unsigned)f->limit;
	for (unsigned i = 0; i < take; i++) {
		const struct iovec *v = mm[i].msg_hdr.msg_iov;

		assert_int_equal(mm[i].msg_hdr.msg_iovlen, 1);
		assert_true(v->iov_len < sizeof(f->text[0]));
		memcpy(f->text[f->nsent], v->iov_base, v->iov_len);
		f->text[f->nsent][v->iov_len] = '\0';
		f->dest[f->nsent++] = dest;
	}
	return (int)take;
}

static void fake_drop(void *ctx, uint64_t dest, int error)
{
	struct fake *f = ctx;

	f->drop_dest[f->drops] = dest;
	f->drop_error[f->drops++] = error;
}

static void add(struct kernel_txq *q, uint64_t dest, const char *text)
{
	assert_int_equal(txq_add(q, dest, text, strlen(text)), 0);
}

static struct kernel_txq *new_q(void)
{
	struct kernel_txq *q = calloc(1, sizeof(*q));

	assert_non_null(q);
	return q;
}

static void test_txq_order_and_runs(void **state)
{
	struct kernel_txq *q = new_q();
	struct fake f = { 0 };
	const char *want[] = { "a1", "a2", "b1", "a3", "a4", "a5" };
	uint64_t dest[] = { 1, 1, 2, 1, 1, 1 };

	(void)state;
	for (unsigned i = 0; i < 6; i++)
		add(q, dest[i], want[i]);
	assert_int_equal(txq_flush(q, fake_send, fake_drop, &f), 0);
	/* Three runs: a1 a2 | b1 | a3 a4 a5, never reordered across b1. */
	assert_int_equal(f.calls, 3);
	assert_int_equal(f.call_n[0], 2);
	assert_int_equal(f.call_n[1], 1);
	assert_int_equal(f.call_n[2], 3);
	assert_int_equal(f.nsent, 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_string_equal(f.text[i], want[i]);
		assert_int_equal(f.dest[i], dest[i]);
	}
	/* Empty afterwards, and a second flush sends nothing. */
	assert_int_equal(q->n, 0);
	assert_int_equal(txq_flush(q, fake_send, fake_drop, &f), 0);
	assert_int_equal(f.calls, 3);
	free(q);
}

static void test_txq_short_send_resumes(void **state)
{
	struct kernel_txq *q = new_q();
	struct fake f = { .limit = 2 };
	char t[8];

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		snprintf(t, sizeof(t), "m%u", i);
		add(q, 7, t);
	}
	assert_int_equal(txq_flush(q, fake_send, fake_drop, &f), 0);
	assert_int_equal(f.calls, 3);		/* 2 + 2 + 1 */
	assert_int_equal(f.call_n[1], 3);	/* offered from the first unsent */
	assert_int_equal(f.nsent, 5);
	for (unsigned i = 0; i < 5; i++) {
		snprintf(t, sizeof(t), "m%u", i);
		assert_string_equal(f.text[i], t);
	}
	free(q);
}

static void test_txq_failure_drops_only_its_run(void **state)
{
	struct kernel_txq *q = new_q();
	struct fake f = { .fail_dest = 2, .fail_error = -EAGAIN };

	(void)state;
	add(q, 1, "x1");
	add(q, 2, "y1");
	add(q, 2, "y2");
	add(q, 3, "z1");
	assert_int_equal(txq_flush(q, fake_send, fake_drop, &f), 2);
	assert_int_equal(f.nsent, 2);
	assert_string_equal(f.text[0], "x1");
	assert_string_equal(f.text[1], "z1");
	assert_int_equal(f.drops, 2);
	assert_int_equal(f.drop_dest[0], 2);
	assert_int_equal(f.drop_error[1], -EAGAIN);
	free(q);
}

/* A send function that takes nothing and reports no error must not loop
 * for ever: the frames count as dropped. */
static int send_none(void *ctx, uint64_t dest, struct mmsghdr *mm,
		     unsigned n)
{
	(void)ctx; (void)dest; (void)mm; (void)n;
	return 0;
}

static void test_txq_zero_progress_is_a_drop(void **state)
{
	struct kernel_txq *q = new_q();
	struct fake f = { 0 };

	(void)state;
	add(q, 4, "p");
	add(q, 4, "q");
	assert_int_equal(txq_flush(q, send_none, fake_drop, &f), 2);
	assert_int_equal(f.drops, 2);
	assert_int_equal(f.drop_error[0], -EIO);
	free(q);
}

static void test_txq_full_and_bad_sizes(void **state)
{
	struct kernel_txq *q = new_q();
	struct fake f = { 0 };
	static unsigned char big[TXQ_BYTES / 2];
	unsigned i;

	(void)state;
	assert_int_equal(txq_add(q, 1, "x", 0), -EMSGSIZE);
	assert_int_equal(txq_add(q, 1, big, TXQ_BYTES + 1), -EMSGSIZE);
	/* Full by frame count. */
	for (i = 0; i < TXQ_FRAMES; i++)
		add(q, 1, "f");
	assert_int_equal(txq_add(q, 1, "f", 1), -ENOSPC);
	assert_int_equal(txq_flush(q, fake_send, fake_drop, &f), 0);
	assert_int_equal(f.nsent, TXQ_FRAMES);
	/* Full by bytes: two halves fit, a third byte does not. */
	memset(big, 'b', sizeof(big));
	assert_int_equal(txq_add(q, 1, big, sizeof(big)), 0);
	assert_int_equal(txq_add(q, 1, big, sizeof(big)), 0);
	assert_int_equal(txq_add(q, 1, "c", 1), -ENOSPC);
	free(q);
}

/* Frames start 8-byte aligned in the buffer, as they were where they were
 * built: a queued frame can be read through struct nlmsghdr / cn_msg
 * (a debugger, or code that looks into the queue) without a misaligned
 * access.  Nothing reads them that way today; the receiver gets copies. */
static void test_txq_frames_aligned(void **state)
{
	struct kernel_txq *q = new_q();

	(void)state;
	add(q, 1, "abc");
	add(q, 1, "defgh");
	add(q, 1, "i");
	for (unsigned i = 0; i < q->n; i++)
		assert_int_equal(q->f[i].off % 8, 0);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_txq_order_and_runs),
		cmocka_unit_test(test_txq_short_send_resumes),
		cmocka_unit_test(test_txq_failure_drops_only_its_run),
		cmocka_unit_test(test_txq_zero_progress_is_a_drop),
		cmocka_unit_test(test_txq_full_and_bad_sizes),
		cmocka_unit_test(test_txq_frames_aligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
