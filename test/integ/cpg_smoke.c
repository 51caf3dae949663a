/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Smoke test of the cluster transport against a real corosync
 * (test/integ/cpg_smoke.sh starts one).  A fake core records what the
 * transport delivers.
 *
 *   cpg-smoke first UUID SECONDS   expect init_fresh (first member), check
 *                                  self-delivery of submitted ops, then
 *                                  stay SECONDS serving checkpoints
 *   cpg-smoke joiner UUID          expect a checkpoint (install, no
 *                                  init_fresh), check its bytes and
 *                                  self-delivery, exit
 * Exit status 0 when every check passed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "logging.h"
#include "loop.h"
#include "options.h"

#define NOPS		2000
#define SNAP_LEN	(3u * 1024 * 1024 + 17)	/* several chunks */

struct fake {
	struct loop *lp;
	struct group_transport *t;
	struct group *g;
	bool joiner;
	int inits, installs, synced_calls, members_calls;
	uint32_t me;
	uint64_t next_expect;	/* next own tag we expect back */
	uint64_t own_delivered, others_delivered;
	bool submitted;
	int failed;
	uint64_t stay_ms;
	uint64_t t0;
};

static void fail(struct fake *f, const char *what)
{
	fprintf(stderr, "cpg-smoke: FAIL: %s\n", what);
	f->failed = 1;
	loop_stop(f->lp);
}

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 9));
}

static void fk_deliver(void *ctx, uint32_t origin, uint64_t tag, uint32_t type,
		       const uint64_t *words, uint32_t nwords)
{
	struct fake *f = ctx;

	if (origin != f->t->local_node(f->t->tctx)) {
		f->others_delivered++;
		return;
	}
	if (tag != f->next_expect) {
		fail(f, "own ops delivered out of order");
		return;
	}
	if (type != (uint32_t)(tag % 7) || nwords != tag % (GROUP_MAX_OP_WORDS + 1)) {
		fail(f, "op type or size changed");
		return;
	}
	for (uint32_t i = 0; i < nwords; i++)
		if (words[i] != tag * 1000003u + i) {
			fail(f, "op payload changed");
			return;
		}
	f->next_expect++;
	f->own_delivered++;
}

static int fk_snapshot(void *ctx, uint8_t **buf, size_t *len)
{
	uint8_t *b = malloc(SNAP_LEN);

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < SNAP_LEN; i++)
		b[i] = pattern(i);
	*buf = b;
	*len = SNAP_LEN;
	return 0;
}

static int fk_install(void *ctx, const uint8_t *buf, size_t len)
{
	struct fake *f = ctx;

	if (len != SNAP_LEN) {
		fail(f, "checkpoint length");
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pattern(i)) {
			fail(f, "checkpoint bytes");
			return -EINVAL;
		}
	f->installs++;
	return 0;
}

static int fk_merge(void *ctx, const uint8_t *buf, size_t len)
{
	return 0;
}

static int fk_init_fresh(void *ctx)
{
	((struct fake *)ctx)->inits++;
	return 0;
}

static void fk_node_lost(void *ctx, uint32_t node)
{
	printf("cpg-smoke: node %u lost\n", node);
}

static void submit_all(struct fake *f)
{
	uint64_t w[GROUP_MAX_OP_WORDS];

	for (uint64_t tag = 1; tag <= NOPS; tag++) {
		uint32_t n = (uint32_t)(tag % (GROUP_MAX_OP_WORDS + 1));

		for (uint32_t i = 0; i < n; i++)
			w[i] = tag * 1000003u + i;
		if (f->t->submit(f->g, tag, (uint32_t)(tag % 7), w, n) < 0) {
			fail(f, "submit");
			return;
		}
	}
	if (f->t->submit(f->g, 1, 0, w, GROUP_MAX_OP_WORDS + 1) != -EINVAL)
		fail(f, "oversized op accepted");
}

static void fk_synced(void *ctx)
{
	struct fake *f = ctx;

	f->synced_calls++;
	if (!f->submitted) {
		f->submitted = true;
		f->next_expect = 1;
		submit_all(f);
	}
}

static void fk_members(void *ctx, const uint32_t *nodes, size_t n)
{
	struct fake *f = ctx;

	f->members_calls++;
	for (size_t i = 1; i < n; i++)
		if (nodes[i - 1] >= nodes[i])
			fail(f, "members not sorted");
}

static void fk_quorum(void *ctx, bool quorate)
{
	printf("cpg-smoke: quorum %d\n", quorate);
}

static void fk_stable(void *ctx, uint64_t tag)
{
	(void)ctx;
	(void)tag;
}

static void fk_reset(void *ctx)
{
	(void)ctx;
}

static const struct group_core_ops fk_ops = {
	.deliver = fk_deliver, .snapshot = fk_snapshot, .install = fk_install,
	.merge = fk_merge, .init_fresh = fk_init_fresh,
	.node_lost = fk_node_lost, .synced = fk_synced, .members = fk_members,
	.quorum = fk_quorum, .stable = fk_stable, .reset = fk_reset,
};

static void check_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct fake *f = ctx;
	struct cluster_group_info gi;

	if (f->own_delivered < NOPS) {
		if (loop_now_ms() - f->t0 > 30000)
			fail(f, "timed out waiting for our own ops");
		return;
	}
	if (loop_now_ms() - f->t0 < f->stay_ms)
		return;
	if (cluster_group_info(f->t, f->g, &gi) < 0) {
		fail(f, "cluster_group_info");
		return;
	}
	printf("cpg-smoke: %s state %s, %u members, %u synced, sent %" PRIu64
	       " msgs / %" PRIu64 " ops, received %" PRIu64 " msgs / %" PRIu64
	       " ops, try_again %" PRIu64 ", ckpt sent %" PRIu64 " recv %"
	       PRIu64 ", others' ops %" PRIu64 "\n", gi.name, gi.state,
	       gi.nmembers, gi.nsynced, gi.msgs_sent, gi.ops_sent, gi.msgs_recv,
	       gi.ops_recv, gi.try_again, gi.ckpt_sent, gi.ckpt_recv,
	       f->others_delivered);
	if (gi.ops_sent != NOPS || gi.out_ops != 0)
		fail(f, "ops_sent / out_ops");
	if (gi.msgs_sent >= NOPS)
		fail(f, "ops were not batched");
	if (f->joiner && (f->inits != 0 || f->installs != 1 ||
			  gi.ckpt_recv != 1))
		fail(f, "joiner: expected exactly one install and no init");
	if (!f->joiner && f->inits != 1)
		fail(f, "first: expected init_fresh");
	if (strlen(gi.name) > 127)
		fail(f, "group name too long");
	loop_stop(lp);
}

int main(int argc, char **argv)
{
	struct cmirrord_opts o = { .batch_max_ops = 64, .retry_ms = 10,
				   .require_quorum = true };
	struct fake f = { 0 };
	int r;

	if (argc < 3 || (strcmp(argv[1], "first") && strcmp(argv[1], "joiner"))) {
		fprintf(stderr, "usage: %s first|joiner UUID [SECONDS]\n",
			argv[0]);
		return 2;
	}
	snprintf(o.cpg_prefix, sizeof(o.cpg_prefix), "cmirror:");
	f.joiner = !strcmp(argv[1], "joiner");
	f.stay_ms = argc > 3 ? strtoull(argv[3], NULL, 10) * 1000 : 0;
	logging_setup("cpg-smoke", true, LOG_INFO, LOG_DAEMON);
	if (loop_new(&f.lp) < 0)
		return 1;
	r = cluster_transport_new(f.lp, &o, &f.t);
	if (r < 0) {
		fprintf(stderr, "cluster_transport_new: %s\n", strerror(-r));
		return 1;
	}
	f.me = f.t->local_node(f.t->tctx);
	r = f.t->join(f.t->tctx, argv[2], &fk_ops, &f, &f.g);
	if (r < 0) {
		fprintf(stderr, "join: %s\n", strerror(-r));
		return 1;
	}
	if (f.t->join(f.t->tctx, argv[2], &fk_ops, &f, &f.g) != -EEXIST)
		fail(&f, "second join of the same uuid accepted");
	f.t0 = loop_now_ms();
	loop_timer_add(f.lp, 100, 100, check_cb, &f, "check");
	loop_run(f.lp);
	f.t->leave(f.g);
	cluster_transport_free(f.t);
	loop_free(f.lp);
	logging_close();
	printf("cpg-smoke: %s %s\n", argv[1], f.failed ? "FAILED" : "OK");
	return f.failed;
}
