/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cluster wire codec.  Explicit little-endian field-by-field encoding; the
 * decoders are exposed to whatever another member (or a fuzzer) sends, so
 * every read is preceded by a bounds check against the received length.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cmirror/crc32c.h"
#include "cmirror/wire.h"
#include "le_bytes.h"

/* Layout checks: the offsets in wire.h add up. */
_Static_assert(4 + 2 + 2 + 4 + 4 + WIRE_UUID_SIZE + 3 + 8 == WIRE_HDR_SIZE,
	       "wire header layout");
_Static_assert(8 + 4 + 4 + 4 == WIRE_OP_HDR_SIZE, "wire op layout");
_Static_assert(WIRE_CKPT_MIN_SIZE == WIRE_HDR_SIZE + 32, "ckpt layout");
_Static_assert(sizeof(((struct wire_hdr *)0)->uuid) == WIRE_UUID_SIZE,
	       "uuid field");
_Static_assert(WIRE_CKPT_MAX < UINT32_MAX * UINT64_C(2), "ckpt limit");

#define OFF_MAGIC	0
#define OFF_VERSION	4
#define OFF_KIND	6
#define OFF_LENGTH	8
#define OFF_SENDER	12
#define OFF_UUID	16
#define OFF_RESERVED	(OFF_UUID + WIRE_UUID_SIZE)
#define OFF_VIEW	(OFF_RESERVED + 3)
_Static_assert(OFF_VIEW + 8 == WIRE_HDR_SIZE, "header offsets");

void wire_hdr_encode(uint8_t *buf, const struct wire_hdr *h)
{
	size_t ulen = strnlen(h->uuid, WIRE_UUID_SIZE - 1);

	put32(buf + OFF_MAGIC, WIRE_MAGIC);
	put16(buf + OFF_VERSION, WIRE_VERSION);
	put16(buf + OFF_KIND, h->kind);
	put32(buf + OFF_LENGTH, h->length);
	put32(buf + OFF_SENDER, h->sender);
	memset(buf + OFF_UUID, 0, WIRE_UUID_SIZE + 3);
	memcpy(buf + OFF_UUID, h->uuid, ulen);
	put64(buf + OFF_VIEW, h->view);
}

int wire_hdr_decode(const uint8_t *buf, size_t len, struct wire_hdr *h)
{
	if (len < WIRE_HDR_SIZE)
		return -EBADMSG;
	if (get32(buf + OFF_MAGIC) != WIRE_MAGIC)
		return -EBADMSG;
	h->version = get16(buf + OFF_VERSION);
	if (h->version != WIRE_VERSION)
		return -EPROTO;
	h->kind = get16(buf + OFF_KIND);
	h->length = get32(buf + OFF_LENGTH);
	if (h->length != len)
		return -EBADMSG;
	if (h->kind < WIRE_KIND_OPS || h->kind > WIRE_KIND_MERGE_IN)
		return -EBADMSG;
	h->sender = get32(buf + OFF_SENDER);
	if (!memchr(buf + OFF_UUID, 0, WIRE_UUID_SIZE))
		return -EBADMSG;
	for (unsigned i = 0; i < 3; i++)
		if (buf[OFF_RESERVED + i])
			return -EBADMSG;
	memcpy(h->uuid, buf + OFF_UUID, WIRE_UUID_SIZE);
	h->view = get64(buf + OFF_VIEW);
	return 0;
}

int wire_ops_begin(struct wire_ops_enc *e, uint8_t *buf, size_t cap,
		   const struct wire_hdr *h)
{
	struct wire_hdr hh = *h;

	if (cap < WIRE_HDR_SIZE + 4 || cap > UINT32_MAX)
		return -EINVAL;
	hh.kind = WIRE_KIND_OPS;
	hh.length = 0;
	wire_hdr_encode(buf, &hh);
	put32(buf + WIRE_HDR_SIZE, 0);
	e->buf = buf;
	e->cap = cap;
	e->len = WIRE_HDR_SIZE + 4;
	e->count = 0;
	return 0;
}

int wire_ops_add(struct wire_ops_enc *e, uint64_t tag, uint32_t origin,
		 uint32_t type, const uint64_t *words, uint32_t nwords)
{
	uint8_t *p;

	if (nwords > WIRE_MAX_OP_WORDS)
		return -EINVAL;
	if (e->cap - e->len < WIRE_OP_HDR_SIZE + 8u * nwords)
		return -ENOSPC;
	p = e->buf + e->len;
	put64(p, tag);
	put32(p + 8, origin);
	put32(p + 12, type);
	put32(p + 16, nwords);
	p += WIRE_OP_HDR_SIZE;
	for (uint32_t i = 0; i < nwords; i++)
		put64(p + 8 * i, words[i]);
	e->len += WIRE_OP_HDR_SIZE + 8u * nwords;
	e->count++;
	return 0;
}

size_t wire_ops_finish(struct wire_ops_enc *e)
{
	put32(e->buf + WIRE_HDR_SIZE, e->count);
	put32(e->buf + OFF_LENGTH, (uint32_t)e->len);
	return e->len;
}

int wire_ops_open(struct wire_ops_dec *d, const uint8_t *buf, size_t len,
		  struct wire_hdr *h)
{
	size_t pos = WIRE_HDR_SIZE + 4;
	uint32_t count;
	int r = wire_hdr_decode(buf, len, h);

	if (r < 0)
		return r;
	if (h->kind != WIRE_KIND_OPS || len < pos)
		return -EBADMSG;
	count = get32(buf + WIRE_HDR_SIZE);
	/* Each op takes at least WIRE_OP_HDR_SIZE bytes. */
	if (count > (len - pos) / WIRE_OP_HDR_SIZE)
		return -EBADMSG;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t nwords;

		if (len - pos < WIRE_OP_HDR_SIZE)
			return -EBADMSG;
		nwords = get32(buf + pos + 16);
		if (nwords > WIRE_MAX_OP_WORDS)
			return -EBADMSG;
		pos += WIRE_OP_HDR_SIZE;
		if (len - pos < 8u * nwords)
			return -EBADMSG;
		pos += 8u * nwords;
	}
	if (pos != len)
		return -EBADMSG;	/* trailing garbage */
	d->buf = buf;
	d->len = len;
	d->pos = WIRE_HDR_SIZE + 4;
	d->left = count;
	return (int)count;
}

int wire_ops_next(struct wire_ops_dec *d, struct wire_op *op)
{
	const uint8_t *p;

	/* Re-checked here too, so a misuse can never read past the end. */
	if (!d->left || d->len - d->pos < WIRE_OP_HDR_SIZE)
		return 0;
	p = d->buf + d->pos;
	op->tag = get64(p);
	op->origin = get32(p + 8);
	op->type = get32(p + 12);
	op->nwords = get32(p + 16);
	if (op->nwords > WIRE_MAX_OP_WORDS ||
	    d->len - d->pos - WIRE_OP_HDR_SIZE < 8u * op->nwords)
		return 0;
	p += WIRE_OP_HDR_SIZE;
	for (uint32_t i = 0; i < op->nwords; i++)
		op->words[i] = get64(p + 8 * i);
	d->pos += WIRE_OP_HDR_SIZE + 8u * op->nwords;
	d->left--;
	return 1;
}

static bool nodes_valid(const struct wire_nodes *s)
{
	if (s->n > WIRE_MAX_MEMBERS)
		return false;
	for (uint32_t i = 1; i < s->n; i++)
		if (s->id[i - 1] >= s->id[i])
			return false;
	return true;
}

bool wire_nodes_equal(const struct wire_nodes *a, const struct wire_nodes *b)
{
	return a->n == b->n && !memcmp(a->id, b->id, a->n * sizeof(a->id[0]));
}

static size_t put_nodes(uint8_t *p, const struct wire_nodes *s)
{
	put32(p, s->n);
	for (uint32_t i = 0; i < s->n; i++)
		put32(p + 4 + 4 * i, s->id[i]);
	return 4 + 4u * s->n;
}

int wire_ckpt_encode_hdr(uint8_t *buf, size_t cap, uint16_t kind,
			 const struct wire_hdr *h, const struct wire_ckpt *c)
{
	struct wire_hdr hh = *h;
	size_t meta;
	uint8_t *p;

	if (kind != WIRE_KIND_CKPT && kind != WIRE_KIND_MERGE_IN)
		return -EINVAL;
	if (!nodes_valid(&c->members) || !nodes_valid(&c->synced))
		return -EINVAL;
	if (c->total > WIRE_CKPT_MAX || c->offset > c->total ||
	    c->chunk > c->total - c->offset)
		return -EINVAL;
	meta = WIRE_CKPT_MIN_SIZE + 4u * (c->members.n + c->synced.n);
	if (cap < meta || meta + (uint64_t)c->chunk > UINT32_MAX)
		return -EINVAL;
	hh.kind = kind;
	hh.length = (uint32_t)(meta + c->chunk);
	wire_hdr_encode(buf, &hh);
	p = buf + WIRE_HDR_SIZE;
	p += put_nodes(p, &c->members);
	p += put_nodes(p, &c->synced);
	put64(p, c->total);
	put64(p + 8, c->offset);
	put32(p + 16, c->chunk);
	put32(p + 20, c->crc);
	return (int)meta;
}

/* Read a node list at *pos, checking the count against what remains. */
static int get_nodes(const uint8_t *buf, size_t len, size_t *pos,
		     struct wire_nodes *s)
{
	if (len - *pos < 4)
		return -EBADMSG;
	s->n = get32(buf + *pos);
	*pos += 4;
	if (s->n > WIRE_MAX_MEMBERS || (len - *pos) / 4 < s->n)
		return -EBADMSG;
	for (uint32_t i = 0; i < s->n; i++)
		s->id[i] = get32(buf + *pos + 4 * i);
	*pos += 4u * s->n;
	return nodes_valid(s) ? 0 : -EBADMSG;
}

int wire_ckpt_decode(const uint8_t *buf, size_t len, struct wire_hdr *h,
		     struct wire_ckpt *c)
{
	size_t pos = WIRE_HDR_SIZE;
	int r = wire_hdr_decode(buf, len, h);

	if (r < 0)
		return r;
	if (h->kind != WIRE_KIND_CKPT && h->kind != WIRE_KIND_MERGE_IN)
		return -EBADMSG;
	r = get_nodes(buf, len, &pos, &c->members);
	if (r == 0)
		r = get_nodes(buf, len, &pos, &c->synced);
	if (r < 0)
		return r;
	if (len - pos < 24)
		return -EBADMSG;
	c->total = get64(buf + pos);
	c->offset = get64(buf + pos + 8);
	c->chunk = get32(buf + pos + 16);
	c->crc = get32(buf + pos + 20);
	pos += 24;
	if (c->total > WIRE_CKPT_MAX || c->offset > c->total ||
	    c->chunk > c->total - c->offset || c->chunk != len - pos)
		return -EBADMSG;
	c->data = buf + pos;
	return 0;
}
