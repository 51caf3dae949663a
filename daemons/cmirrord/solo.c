/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The single-node transport (--no-cluster): the group is this node alone.
 * Ops are delivered in submission order on the next loop iteration, never
 * from inside submit(), so the core sees the same re-entrancy rules as with
 * CPG (an op is applied after the request handler returns).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/ulog.h"
#include "group.h"
#include "logging.h"

struct solo_op {
	struct solo_op *next;
	uint64_t tag;
	uint32_t type, nwords;
	uint64_t words[GROUP_MAX_OP_WORDS];
};

struct group {
	struct group *next;
	struct solo *solo;
	char name[ULOG_UUID_LEN + 16];
	const struct group_core_ops *ops;
	void *core;
	bool started;
	struct solo_op *head, **tail;
};

struct solo {
	struct loop *lp;
	uint32_t node;
	struct group *groups;
	struct group_transport t;
};

static void run_group(struct group *g)
{
	uint32_t me = g->solo->node;

	if (!g->started) {
		g->started = true;
		if (g->ops->init_fresh(g->core) < 0)
			log_err("solo: %s: cannot initialise the log", g->name);
		g->ops->members(g->core, &me, 1);
		g->ops->synced(g->core);
	}
	/* Ops submitted while delivering go to the next iteration. */
	struct solo_op *op = g->head;
	g->head = NULL;
	g->tail = &g->head;
	while (op) {
		struct solo_op *next = op->next;
		g->ops->deliver(g->core, me, op->tag,
				op->type & ~GROUP_OP_F_ACKED, op->words,
				op->nwords);
		/* The only member holds it once delivered. */
		if (op->type & GROUP_OP_F_ACKED)
			g->ops->stable(g->core, op->tag);
		free(op);
		op = next;
	}
}

static void solo_hook(struct loop *lp, void *ctx)
{
	struct solo *s = ctx;

	for (struct group *g = s->groups; g; g = g->next)
		if (!g->started || g->head)
			run_group(g);
	for (struct group *g = s->groups; g; g = g->next)
		if (g->head) {
			loop_wake(lp);
			break;
		}
}

static int solo_join(void *tctx, const char *uuid,
		     const struct group_core_ops *ops, void *core,
		     struct group **out)
{
	struct solo *s = tctx;
	struct group *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	g->solo = s;
	snprintf(g->name, sizeof(g->name), "solo:%s", uuid);
	g->ops = ops;
	g->core = core;
	g->tail = &g->head;
	g->next = s->groups;
	s->groups = g;
	loop_wake(s->lp);
	*out = g;
	return 0;
}

static void solo_leave(struct group *g)
{
	struct solo *s = g->solo;

	for (struct group **pp = &s->groups; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	while (g->head) {
		struct solo_op *next = g->head->next;
		free(g->head);
		g->head = next;
	}
	free(g);
}

static int solo_submit(struct group *g, uint64_t tag, uint32_t type,
		       const uint64_t *words, uint32_t nwords)
{
	struct solo_op *op;

	if (nwords > GROUP_MAX_OP_WORDS)
		return -EINVAL;
	op = calloc(1, sizeof(*op));
	if (!op)
		return -ENOMEM;
	op->tag = tag;
	op->type = type & ~GROUP_OP_F_LAZY;	/* one node: nothing to save */
	op->nwords = nwords;
	if (nwords)
		memcpy(op->words, words, nwords * sizeof(*words));
	*g->tail = op;
	g->tail = &op->next;
	loop_wake(g->solo->lp);
	return 0;
}

static uint32_t solo_local_node(void *tctx)
{
	return ((struct solo *)tctx)->node;
}

static bool solo_quorate(void *tctx)
{
	return true;
}

static const char *solo_group_name(const struct group *g)
{
	return g->name;
}

int solo_transport_new(struct loop *lp, uint32_t node,
		       struct group_transport **out)
{
	struct solo *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->lp = lp;
	s->node = node;
	r = loop_add_hook(lp, solo_hook, s);
	if (r < 0) {
		free(s);
		return r;
	}
	s->t = (struct group_transport){
		.name = "solo",
		.join = solo_join,
		.leave = solo_leave,
		.submit = solo_submit,
		.local_node = solo_local_node,
		.quorate = solo_quorate,
		.group_name = solo_group_name,
		.tctx = s,
	};
	*out = &s->t;
	return 0;
}

void solo_transport_free(struct group_transport *t)
{
	struct solo *s;

	if (!t)
		return;
	s = t->tctx;
	while (s->groups)
		solo_leave(s->groups);
	loop_del_hook(s->lp, solo_hook, s);
	free(s);
}
