/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Virtual groups over the shared stream: the replicated table of which
 * node is a member of which log (cluster_vtab.h).  Every member feeds the
 * same confchgs and records in the same order, so every decision here -
 * including what is dropped as bad - comes out the same everywhere.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_vtab.h"
#include "cmirror/crc32c.h"
#include "cmirror/wire_stream.h"

#define VT_BUCKETS	4096u

struct vt_ent {
	struct vt_ent *next;
	struct wire_nodes members;
	char uuid[WSTREAM_UUID_MAX + 1];
};

struct vt_map {
	struct vt_ent **b;
	size_t n;
};

struct vt_held {
	struct vt_held *next;
	uint32_t from;
	uint16_t type;
	size_t len;
	uint8_t data[];
};

struct vtab {
	uint32_t me;
	const struct vtab_ops *ops;
	void *ctx;
	struct wire_nodes dm;		/* stream group members */
	struct vt_map cur;		/* the committed table */
	/* A round: `next` collects the announcements; `pending` have not
	 * finished theirs, `open` started one since the round began. */
	bool round;
	struct vt_map next;
	struct wire_nodes pending, open;
	struct csync_node reasons[WIRE_MAX_MEMBERS];
	size_t nreasons;
	struct vt_held *held, **held_tail;
	size_t held_bytes;
};

static struct vt_ent *map_find(const struct vt_map *m, const char *uuid)
{
	size_t b = crc32c_bucket(uuid, VT_BUCKETS);

	for (struct vt_ent *e = m->b[b]; e; e = e->next)
		if (!strcmp(e->uuid, uuid))
			return e;
	return NULL;
}

/* NULL: no memory, or the table is full (*full set). */
static struct vt_ent *map_get(struct vt_map *m, const char *uuid, bool *full)
{
	struct vt_ent *e = map_find(m, uuid);
	size_t b;

	*full = false;
	if (e)
		return e;
	if (m->n >= VTAB_MAX_LOGS) {
		*full = true;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->uuid, sizeof(e->uuid), "%s", uuid);
	b = crc32c_bucket(uuid, VT_BUCKETS);
	e->next = m->b[b];
	m->b[b] = e;
	m->n++;
	return e;
}

static void map_del(struct vt_map *m, struct vt_ent *e)
{
	size_t b = crc32c_bucket(e->uuid, VT_BUCKETS);

	for (struct vt_ent **pp = &m->b[b]; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			free(e);
			m->n--;
			return;
		}
}

static void map_clear(struct vt_map *m)
{
	for (size_t i = 0; i < VT_BUCKETS; i++)
		while (m->b[i]) {
			struct vt_ent *e = m->b[i];

			m->b[i] = e->next;
			free(e);
		}
	m->n = 0;
}

static void held_clear(struct vtab *vt)
{
	while (vt->held) {
		struct vt_held *h = vt->held;

		vt->held = h->next;
		free(h);
	}
	vt->held_tail = &vt->held;
	vt->held_bytes = 0;
}

int vtab_new(uint32_t me, const struct vtab_ops *ops, void *ctx,
	     struct vtab **out)
{
	struct vtab *vt = calloc(1, sizeof(*vt));

	if (!vt)
		return -ENOMEM;
	vt->cur.b = calloc(VT_BUCKETS, sizeof(*vt->cur.b));
	vt->next.b = calloc(VT_BUCKETS, sizeof(*vt->next.b));
	if (!vt->cur.b || !vt->next.b) {
		free(vt->cur.b);
		free(vt->next.b);
		free(vt);
		return -ENOMEM;
	}
	vt->me = me;
	vt->ops = ops;
	vt->ctx = ctx;
	vt->held_tail = &vt->held;
	*out = vt;
	return 0;
}

void vtab_free(struct vtab *vt)
{
	if (!vt)
		return;
	map_clear(&vt->cur);
	map_clear(&vt->next);
	held_clear(vt);
	free(vt->cur.b);
	free(vt->next.b);
	free(vt);
}

static uint32_t reason_of(const struct vtab *vt, uint32_t node)
{
	for (size_t i = 0; i < vt->nreasons; i++)
		if (vt->reasons[i].nodeid == node)
			return vt->reasons[i].reason;
	return VTAB_REASON_JOIN;
}

static void start_round(struct vtab *vt)
{
	vt->round = true;
	map_clear(&vt->next);
	vt->pending = vt->dm;
	vt->open.n = 0;
}

/* Remove the left nodes from every log (reported), and from the round. */
static void apply_left(struct vtab *vt, const struct csync_node *left,
		       size_t nl)
{
	for (size_t i = 0; i < VT_BUCKETS; i++) {
		for (struct vt_ent *e = vt->cur.b[i], *nx; e; e = nx) {
			struct csync_node gone[WIRE_MAX_MEMBERS];
			size_t ng = 0;

			nx = e->next;
			for (size_t k = 0; k < nl; k++)
				if (csync_has(&e->members, left[k].nodeid)) {
					csync_del(&e->members, left[k].nodeid);
					gone[ng++] = left[k];
				}
			if (!ng)
				continue;
			vt->ops->change(vt->ctx, e->uuid, &e->members, gone,
					ng, NULL, 0, 0);
			if (!e->members.n)
				map_del(&vt->cur, e);
		}
	}
	if (!vt->round)
		return;
	for (size_t i = 0; i < VT_BUCKETS; i++)
		for (struct vt_ent *e = vt->next.b[i]; e; e = e->next)
			for (size_t k = 0; k < nl; k++)
				csync_del(&e->members, left[k].nodeid);
	for (size_t k = 0; k < nl; k++) {
		csync_del(&vt->pending, left[k].nodeid);
		csync_del(&vt->open, left[k].nodeid);
	}
}

static int apply(struct vtab *vt, uint32_t from, uint16_t type,
		 const uint8_t *data, size_t len);

/* Every member announced: report each log's change, then apply what
 * was held, in order. */
static void complete_round(struct vtab *vt)
{
	struct vt_held *h;
	struct vt_map tmp;

	vt->round = false;
	for (size_t i = 0; i < VT_BUCKETS; i++) {
		for (struct vt_ent *e = vt->next.b[i]; e; e = e->next) {
			const struct vt_ent *o = map_find(&vt->cur, e->uuid);
			struct csync_node l[WIRE_MAX_MEMBERS], j[WIRE_MAX_MEMBERS];
			size_t nl = 0, nj = 0;

			for (uint32_t k = 0; o && k < o->members.n; k++)
				if (!csync_has(&e->members, o->members.id[k]))
					l[nl++] = (struct csync_node){
						o->members.id[k],
						VTAB_REASON_LEAVE };
			for (uint32_t k = 0; k < e->members.n; k++)
				if (!o || !csync_has(&o->members,
						     e->members.id[k]))
					j[nj++] = (struct csync_node){
						e->members.id[k],
						reason_of(vt, e->members.id[k]) };
			if (nl || nj)
				vt->ops->change(vt->ctx, e->uuid, &e->members,
						l, nl, j, nj, 0);
		}
	}
	for (size_t i = 0; i < VT_BUCKETS; i++) {
		for (struct vt_ent *o = vt->cur.b[i]; o; o = o->next) {
			struct csync_node l[WIRE_MAX_MEMBERS];
			static const struct wire_nodes none;

			if (map_find(&vt->next, o->uuid))
				continue;
			for (uint32_t k = 0; k < o->members.n; k++)
				l[k] = (struct csync_node){ o->members.id[k],
							    VTAB_REASON_LEAVE };
			vt->ops->change(vt->ctx, o->uuid, &none, l,
					o->members.n, NULL, 0, 0);
		}
	}
	/* Announcements name members only: drop emptied entries. */
	tmp = vt->cur;
	vt->cur = vt->next;
	vt->next = tmp;
	map_clear(&vt->next);
	for (size_t i = 0; i < VT_BUCKETS; i++)
		for (struct vt_ent *e = vt->cur.b[i], *nx; e; e = nx) {
			nx = e->next;
			if (!e->members.n)
				map_del(&vt->cur, e);
		}
	vt->nreasons = 0;
	h = vt->held;
	vt->held = NULL;
	vt->held_tail = &vt->held;
	vt->held_bytes = 0;
	while (h) {
		struct vt_held *nx = h->next;

		/* A node that left meanwhile is gone from every log. */
		if (csync_has(&vt->dm, h->from))
			apply(vt, h->from, h->type, h->data, h->len);
		free(h);
		h = nx;
	}
}

int vtab_confchg(struct vtab *vt, const uint32_t *members, size_t nm,
		 const struct csync_node *left, size_t nl,
		 const struct csync_node *joined, size_t nj)
{
	struct wire_nodes cur = { 0 };
	bool fresh = false, others = false;

	for (size_t i = 0; i < nm; i++)
		if (csync_add(&cur, members[i]) < 0)
			return -E2BIG;
	for (size_t i = 0; i < nj; i++)
		fresh |= joined[i].nodeid == vt->me;
	vt->dm = cur;
	if (fresh) {
		/* Our first confchg: we know nothing of the logs yet. */
		map_clear(&vt->cur);
		held_clear(vt);
		vt->nreasons = 0;
	} else if (nl) {
		apply_left(vt, left, nl);
	}
	for (size_t i = 0; i < nj; i++) {
		uint32_t id = joined[i].nodeid;

		if (id == vt->me || !csync_has(&cur, id))
			continue;
		others = true;
		for (size_t k = 0; k <= vt->nreasons; k++) {
			if (k == vt->nreasons) {
				if (k < WIRE_MAX_MEMBERS)
					vt->reasons[vt->nreasons++] = joined[i];
				break;
			}
			if (vt->reasons[k].nodeid == id) {
				vt->reasons[k].reason = joined[i].reason;
				break;
			}
		}
	}
	if (fresh || others) {
		start_round(vt);
		return 1;
	}
	if (vt->round && !vt->pending.n)
		complete_round(vt);
	return 0;
}

static int announce(struct vtab *vt, uint32_t from, const uint8_t *data,
		    size_t len)
{
	struct wstream_ann_dec a;
	char uuid[WSTREAM_UUID_MAX + 1];
	int r = wstream_ann_open(&a, data, len);

	if (r < 0)
		return -EBADMSG;
	if (!vt->round || !csync_has(&vt->pending, from))
		return 0;
	if (a.flags & WSTREAM_ANN_FIRST)
		csync_add(&vt->open, from);
	if (!csync_has(&vt->open, from))
		return 0;	/* began before the round did: wait for anew */
	r = 0;
	while (wstream_ann_next(&a, uuid) == 1) {
		bool full;
		struct vt_ent *e = map_get(&vt->next, uuid, &full);

		if (!e) {
			r = full ? -ENOSPC : -ENOMEM;
			continue;
		}
		csync_add(&e->members, from);
	}
	if (a.flags & WSTREAM_ANN_LAST) {
		csync_del(&vt->pending, from);
		csync_del(&vt->open, from);
		if (!vt->pending.n)
			complete_round(vt);
	}
	return r;
}

static int apply(struct vtab *vt, uint32_t from, uint16_t type,
		 const uint8_t *data, size_t len)
{
	char uuid[WSTREAM_UUID_MAX + 1];
	struct csync_node who = { from, 0 };
	struct wire_hdr h;
	struct vt_ent *e;
	uint32_t inc;
	bool full;

	switch (type) {
	case WSTREAM_LOG:
		if (wire_hdr_decode(data, len, &h) < 0)
			return -EBADMSG;
		e = map_find(&vt->cur, h.uuid);
		if (e && csync_has(&e->members, from))
			vt->ops->deliver(vt->ctx, e->uuid, from, data, len);
		return 0;
	case WSTREAM_JOIN:
		if (wstream_member_decode(data, len, &inc, uuid) < 0)
			return -EBADMSG;
		e = map_get(&vt->cur, uuid, &full);
		if (!e)
			return full ? -ENOSPC : -ENOMEM;
		if (csync_has(&e->members, from))
			return 0;
		csync_add(&e->members, from);
		who.reason = VTAB_REASON_JOIN;
		vt->ops->change(vt->ctx, e->uuid, &e->members, NULL, 0, &who,
				1, inc);
		return 0;
	case WSTREAM_LEAVE:
		if (wstream_member_decode(data, len, &inc, uuid) < 0)
			return -EBADMSG;
		e = map_find(&vt->cur, uuid);
		if (!e || !csync_has(&e->members, from))
			return 0;
		csync_del(&e->members, from);
		who.reason = VTAB_REASON_LEAVE;
		vt->ops->change(vt->ctx, e->uuid, &e->members, &who, 1, NULL,
				0, inc);
		if (!e->members.n)
			map_del(&vt->cur, e);
		return 0;
	default:
		return -EBADMSG;
	}
}

int vtab_record(struct vtab *vt, uint32_t from, uint16_t type,
		const uint8_t *data, size_t len)
{
	struct vt_held *h;

	if (!csync_has(&vt->dm, from))
		return 0;	/* not (or no longer) in the stream */
	if (type == WSTREAM_ANNOUNCE)
		return announce(vt, from, data, len);
	if (!vt->round)
		return apply(vt, from, type, data, len);
	if (len > VTAB_HELD_MAX - vt->held_bytes)
		return -ENOBUFS;
	h = malloc(sizeof(*h) + len);
	if (!h)
		return -ENOBUFS;
	h->next = NULL;
	h->from = from;
	h->type = type;
	h->len = len;
	memcpy(h->data, data, len);
	*vt->held_tail = h;
	vt->held_tail = &h->next;
	vt->held_bytes += len;
	return 0;
}

int vtab_each_of(const struct vtab *vt, uint32_t node,
		 int (*fn)(void *arg, const char *uuid), void *arg)
{
	for (size_t i = 0; i < VT_BUCKETS; i++)
		for (const struct vt_ent *e = vt->cur.b[i]; e; e = e->next)
			if (csync_has(&e->members, node)) {
				int r = fn(arg, e->uuid);

				if (r < 0)
					return r;
			}
	return 0;
}

bool vtab_in_round(const struct vtab *vt)
{
	return vt->round;
}

bool vtab_in_stream(const struct vtab *vt, uint32_t node)
{
	return csync_has(&vt->dm, node);
}

size_t vtab_held_bytes(const struct vtab *vt)
{
	return vt->held_bytes;
}

size_t vtab_nlogs(const struct vtab *vt)
{
	return vt->cur.n;
}
