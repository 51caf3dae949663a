// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checkpoint codec for the replicated region log.
 *
 * Layout (all integers little-endian, no padding), version 1:
 *
 *   "CMCK"  u32 version  u64 total_len (including the CRC)
 *   u64 region_count  u64 region_size  u32 kind
 *   clean bitmap  (bitmap_bytes_for(region_count) bytes, dm-log layout)
 *   sync bitmap   (same size)
 *   u64 sync_count  u64 sync_search
 *   u32 nmarks, then per node: u32 node, u64 n, n x u64 region (sorted)
 *   u32 nslots, then per slot: u32 node, u64 region
 *   u32 nprio,  then nprio x u64 region (FIFO order)
 *   u32 nhalted, then nhalted x u32 node
 *   u64 generation  u32 flags (bit 0 log_dev_failed, bit 1 flush_failed)
 *   u32 CRC-32C of every byte before it
 *
 * Canonical: every field is a pure function of the replicated state
 * (touched_* are local and left out, empty mark sets are not written), so
 * equal replicas give equal bytes and rlog_digest() can compare them.
 * The bitmaps are copied as bytes: their storage already is the
 * little-endian dm-log layout.
 *
 * The decoder trusts nothing: the CRC and the total length are checked
 * first, every count is bounded by its RLOG_MAX_* limit and by the bytes
 * left before anything is allocated, and the decoded state must satisfy
 * the rlog.h invariants.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/crc32c.h"
#include "cmirror/rlog.h"

#define CKPT_MAGIC	"CMCK"
#define CKPT_VERSION	1u
#define CKPT_HDR	(4 + 4 + 8 + 8 + 8 + 4)
#define CKPT_FLAG_DEV	1u
#define CKPT_FLAG_FLUSH	2u

/* ---- encoder ---- */

/*
 * Writes into p, or (p == NULL) only runs the CRC over what would be
 * written, so rlog_digest() needs no 32 MiB buffer for a 2^27-region log.
 */
struct enc {
	uint8_t *p;
	size_t pos;
	uint32_t crc;
};

static void put_bytes(struct enc *e, const void *d, size_t n)
{
	if (!n)
		return;
	if (e->p)
		memcpy(e->p + e->pos, d, n);
	else
		e->crc = crc32c(e->crc, d, n);
	e->pos += n;
}

static void put_le(struct enc *e, uint64_t v, int bytes)
{
	uint8_t b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put_bytes(e, b, (size_t)bytes);
}

size_t rlog_ckpt_size_hint(const struct rlog_params *p)
{
	if (!p || !p->region_count)
		return 0;
	/* encoded_len() of an rlog with empty arrays. */
	return CKPT_HDR + 2 * bitmap_bytes_for(p->region_count) + 16 +
	       4 + 4 + 4 + 4 + 8 + 4 + 4;
}

static size_t encoded_len(const struct rlog *l)
{
	size_t n = CKPT_HDR + 2 * bitmap_bytes_for(l->p.region_count) + 16;

	n += 4;
	for (size_t i = 0; i < l->nmarks && i < RLOG_MAX_NODES; i++)
		if (l->marks[i].n)
			n += 12 + 8 * l->marks[i].n;
	n += 4 + 12 * l->nslots + 4 + 8 * l->nprio + 4 + 4 * l->nhalted;
	return n + 8 + 4 + 4;
}

/* The bitmap must match the geometry; check rather than trust. */
static int check_bitmap(const struct bitmap *b, uint64_t nbits)
{
	size_t nb = bitmap_bytes_for(nbits);

	if (b->nbits != nbits || b->nbytes != nb || (nb && !b->bits))
		return -EINVAL;
	return 0;
}

static int put_bitmap(struct enc *e, const struct bitmap *b, uint64_t nbits)
{
	if (check_bitmap(b, nbits) < 0)
		return -EINVAL;
	put_bytes(e, b->bits, b->nbytes);
	return 0;
}

static int put_head(struct enc *e, const struct rlog *l, size_t len)
{
	if (l->nmarks > RLOG_MAX_NODES || l->nslots > RLOG_MAX_SLOTS ||
	    l->nprio > RLOG_MAX_PRIORITY || l->nhalted > RLOG_MAX_NODES)
		return -EINVAL;
	put_bytes(e, CKPT_MAGIC, 4);
	put_le(e, CKPT_VERSION, 4);
	put_le(e, len, 8);
	put_le(e, l->p.region_count, 8);
	put_le(e, l->p.region_size, 8);
	put_le(e, (uint32_t)l->p.kind, 4);
	return 0;
}

/* What follows the bitmaps, up to the trailing CRC. */
static void put_tail(struct enc *e, const struct rlog *l)
{
	uint32_t nm = 0, flags = 0;

	put_le(e, l->sync_count, 8);
	put_le(e, l->sync_search, 8);
	for (size_t i = 0; i < l->nmarks; i++)
		nm += l->marks[i].n != 0;
	put_le(e, nm, 4);
	for (size_t i = 0; i < l->nmarks; i++) {
		const struct rlog_marks *m = &l->marks[i];

		if (!m->n)
			continue;
		put_le(e, m->node, 4);
		put_le(e, m->n, 8);
		for (size_t k = 0; k < m->n; k++)
			put_le(e, m->regions[k], 8);
	}
	put_le(e, l->nslots, 4);
	for (size_t i = 0; i < l->nslots; i++) {
		put_le(e, l->slots[i].node, 4);
		put_le(e, l->slots[i].region, 8);
	}
	put_le(e, l->nprio, 4);
	for (size_t i = 0; i < l->nprio; i++)
		put_le(e, l->prio[i], 8);
	put_le(e, l->nhalted, 4);
	for (size_t i = 0; i < l->nhalted; i++)
		put_le(e, l->halted[i], 4);
	put_le(e, l->generation, 8);
	if (l->log_dev_failed)
		flags |= CKPT_FLAG_DEV;
	if (l->flush_failed)
		flags |= CKPT_FLAG_FLUSH;
	put_le(e, flags, 4);
}

/* Everything but the trailing CRC; returns the CRC of those bytes. */
static int encode(const struct rlog *l, uint8_t *buf, size_t len,
		  uint32_t *crc)
{
	struct enc e = { buf, 0, 0 };

	if (put_head(&e, l, len) < 0 ||
	    put_bitmap(&e, &l->clean, l->p.region_count) < 0 ||
	    put_bitmap(&e, &l->sync, l->p.region_count) < 0)
		return -EINVAL;
	put_tail(&e, l);
	if (e.pos + 4 != len)
		return -EINVAL;
	*crc = buf ? crc32c(0, buf, e.pos) : e.crc;
	return 0;
}

int rlog_serialize(const struct rlog *l, uint8_t **buf, size_t *len)
{
	size_t n;
	uint8_t *b;
	uint32_t crc;
	int r;

	if (!l || !buf || !len)
		return -EINVAL;
	n = encoded_len(l);
	b = big_alloc(n, false);
	if (!b)
		return -ENOMEM;
	r = encode(l, b, n, &crc);
	if (r < 0) {
		free(b);
		return r;
	}
	for (int i = 0; i < 4; i++)
		b[n - 4 + i] = (uint8_t)(crc >> (8 * i));
	*buf = b;
	*len = n;
	return 0;
}

uint32_t rlog_digest(const struct rlog *l)
{
	uint32_t crc = 0;

	/* Same value as the CRC a serialization of l ends with. */
	if (!l || encode(l, NULL, encoded_len(l), &crc) < 0)
		return 0;
	return crc;
}

/* ---- snapshot streamed from the live bitmaps ---- */

/*
 * The image as rlog_serialize() would write it at rlog_snap_begin(),
 * without the 32 MiB copy: header and tail are encoded into small buffers
 * and the two bitmaps are frozen copy-on-write, so the state machine goes
 * on changing them while the image is sent.
 */
struct rlog_snap {
	size_t len, nb;		/* whole image; bytes per bitmap */
	uint32_t crc_all;
	struct bitmap_cow *bm[2];	/* clean, sync */
	uint8_t head[CKPT_HDR];
	size_t tail_len;	/* with the image's own CRC */
	uint8_t tail[];
};

/*
 * Where byte off (< len) of an image with nb-byte bitmaps lies: part 0
 * header, 1 clean bitmap, 2 sync bitmap, 3 the rest; *rel is its offset
 * in that part.  Returns the bytes from off to the end of the part.
 */
static size_t image_part(size_t nb, size_t len, size_t off, int *part,
			 size_t *rel)
{
	const size_t start[5] = { 0, CKPT_HDR, CKPT_HDR + nb,
				  CKPT_HDR + 2 * nb, len };
	int i = 3;

	while (off < start[i])
		i--;
	*part = i;
	*rel = off - start[i];
	return start[i + 1] - off;
}

static void put_crc(uint8_t *p, uint32_t crc)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(crc >> (8 * i));
}

int rlog_snap_begin(struct rlog *l, struct rlog_snap **out)
{
	size_t len, nb, tail_len;
	struct rlog_snap *s;
	struct enc e = { NULL, 0, 0 };
	uint32_t crc = 0;
	int r;

	if (!l || !out)
		return -EINVAL;
	len = encoded_len(l);
	nb = bitmap_bytes_for(l->p.region_count);
	tail_len = len - CKPT_HDR - 2 * nb;
	s = calloc(1, sizeof(*s) + tail_len);
	if (!s)
		return -ENOMEM;
	s->len = len;
	s->nb = nb;
	s->tail_len = tail_len;
	e.p = s->head;
	r = put_head(&e, l, len);
	if (!r)
		r = check_bitmap(&l->clean, l->p.region_count);
	if (!r)
		r = check_bitmap(&l->sync, l->p.region_count);
	if (!r) {
		/* Read once for the CRC; the bytes stay where they are. */
		crc = crc32c(0, s->head, CKPT_HDR);
		crc = crc32c(crc, l->clean.bits, nb);
		crc = crc32c(crc, l->sync.bits, nb);
		e = (struct enc){ s->tail, 0, 0 };
		put_tail(&e, l);
		if (e.pos + 4 != tail_len)
			r = -EINVAL;
	}
	if (!r)
		r = bitmap_freeze(&l->clean, &s->bm[0]);
	if (!r)
		r = bitmap_freeze(&l->sync, &s->bm[1]);
	if (r < 0) {
		rlog_snap_end(s);
		return r;
	}
	crc = crc32c(crc, s->tail, e.pos);
	put_crc(s->tail + e.pos, crc);
	s->crc_all = crc32c(crc, s->tail + e.pos, 4);
	*out = s;
	return 0;
}

size_t rlog_snap_len(const struct rlog_snap *s)
{
	return s->len;
}

uint32_t rlog_snap_crc(const struct rlog_snap *s)
{
	return s->crc_all;
}

const uint8_t *rlog_snap_peek(const struct rlog_snap *s, size_t off,
			      size_t *n)
{
	size_t rel, avail;
	int part;

	if (off >= s->len || !*n)
		return NULL;
	avail = image_part(s->nb, s->len, off, &part, &rel);
	if (*n > avail)
		*n = avail;
	if (part == 0)
		return s->head + rel;
	if (part == 3)
		return s->tail + rel;
	return bitmap_cow_peek(s->bm[part - 1], rel, n);
}

void rlog_snap_end(struct rlog_snap *s)
{
	if (!s)
		return;
	bitmap_thaw(s->bm[0]);
	bitmap_thaw(s->bm[1]);
	free(s);
}

/* ---- decoder ---- */

struct dec {
	const uint8_t *p;
	size_t pos, len;	/* len excludes the CRC */
	int err;		/* sticky: first failure wins */
};

static uint64_t get_le(struct dec *d, int bytes)
{
	uint64_t v = 0;

	if (d->err || d->len - d->pos < (size_t)bytes) {
		d->err = -EBADMSG;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)d->p[d->pos + i] << (8 * i);
	d->pos += (size_t)bytes;
	return v;
}

static size_t left(const struct dec *d)
{
	return d->len - d->pos;
}

static void fail(struct dec *d, int err)
{
	if (!d->err)
		d->err = err;
}

static uint32_t get_crc(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Magic, version, length and geometry of the CKPT_HDR header bytes. */
static int check_head(const uint8_t *head, size_t len,
		      const struct rlog_params *p)
{
	struct dec d = { head, 4, CKPT_HDR, 0 };
	uint64_t rc, rs, kind;

	if (memcmp(head, CKPT_MAGIC, 4))
		return -EBADMSG;
	if (get_le(&d, 4) != CKPT_VERSION || get_le(&d, 8) != len)
		return -EBADMSG;
	rc = get_le(&d, 8);
	rs = get_le(&d, 8);
	kind = get_le(&d, 4);
	if (d.err)
		return d.err;
	if (kind > RLOG_DISK || rc == 0 || rc > RLOG_MAX_REGIONS)
		return -EBADMSG;
	if (rc != p->region_count || rs != p->region_size || kind != p->kind)
		return -EINVAL;
	return 0;
}

/* Checks CRC, then the header; d is left at the first bitmap. */
static int check_header(struct dec *d, const uint8_t *buf, size_t len,
			const struct rlog_params *p)
{
	int r;

	if (len < CKPT_HDR + 4)
		return -EBADMSG;
	if (crc32c(0, buf, len - 4) != get_crc(buf + len - 4))
		return -EBADMSG;
	r = check_head(buf, len, p);
	if (r < 0)
		return r;
	*d = (struct dec){ buf, CKPT_HDR, len - 4, 0 };
	return 0;
}

/* Bits past nbits (only in the last 32-bit word) would break "equal
 * state, equal bytes". */
static bool tail_bits_set(const struct bitmap *b)
{
	for (uint64_t i = b->nbits; i < (uint64_t)b->nbytes * 8; i++)
		if ((b->bits[i / 8] >> (i % 8)) & 1)
			return true;
	return false;
}

/* One bitmap: exact size from the geometry, tail bits past nbits zero. */
static void get_bitmap(struct dec *d, struct bitmap *b, uint64_t nbits)
{
	size_t nb = bitmap_bytes_for(nbits);
	int r;

	if (d->err)
		return;
	if (left(d) < nb) {
		fail(d, -EBADMSG);
		return;
	}
	r = bitmap_init(b, nbits, false);
	if (r < 0) {
		fail(d, r);
		return;
	}
	if (nb)
		memcpy(b->bits, d->p + d->pos, nb);
	d->pos += nb;
	if (tail_bits_set(b))
		fail(d, -EBADMSG);
}

static void get_marks(struct dec *d, struct rlog *l)
{
	uint64_t cnt = get_le(d, 4), prev_node = 0;

	if (d->err)
		return;
	if (cnt > RLOG_MAX_NODES || cnt * 12 > left(d)) {
		fail(d, -EBADMSG);
		return;
	}
	for (uint64_t i = 0; i < cnt && !d->err; i++) {
		struct rlog_marks *m = &l->marks[i];
		uint64_t node = get_le(d, 4), n = get_le(d, 8);

		if (d->err)
			return;
		/* Sorted by node, unique, non-empty; n bounded by the bytes. */
		if ((i && node <= prev_node) || n == 0 ||
		    n > l->p.region_count || n > left(d) / 8) {
			fail(d, -EBADMSG);
			return;
		}
		prev_node = node;
		m->regions = malloc((size_t)n * sizeof(uint64_t));
		if (!m->regions) {
			fail(d, -ENOMEM);
			return;
		}
		l->nmarks = (size_t)i + 1;	/* owned from here: rlog_free */
		m->node = (uint32_t)node;
		m->n = m->cap = (size_t)n;
		for (uint64_t k = 0; k < n; k++) {
			uint64_t r = get_le(d, 8);

			if (r >= l->p.region_count ||
			    (k && r <= m->regions[k - 1]) ||
			    bitmap_test(&l->clean, r)) {
				fail(d, -EBADMSG);
				return;
			}
			m->regions[k] = r;
		}
	}
}

static void get_slots(struct dec *d, struct rlog *l)
{
	uint64_t cnt = get_le(d, 4);

	if (d->err)
		return;
	if (cnt > RLOG_MAX_SLOTS || cnt * 12 > left(d)) {
		fail(d, -EBADMSG);
		return;
	}
	l->nslots = (size_t)cnt;
	for (size_t i = 0; i < l->nslots; i++) {
		l->slots[i].node = (uint32_t)get_le(d, 4);
		l->slots[i].region = get_le(d, 8);
		if (l->slots[i].region >= l->p.region_count ||
		    (i && l->slots[i].node <= l->slots[i - 1].node))
			fail(d, -EBADMSG);
		/* No region in two slots (at most 64 entries: quadratic ok). */
		for (size_t k = 0; k < i; k++)
			if (l->slots[k].region == l->slots[i].region)
				fail(d, -EBADMSG);
	}
}

static void get_prio_halted(struct dec *d, struct rlog *l)
{
	uint64_t cnt = get_le(d, 4);

	if (d->err)
		return;
	if (cnt > RLOG_MAX_PRIORITY || cnt * 8 > left(d)) {
		fail(d, -EBADMSG);
		return;
	}
	l->nprio = (size_t)cnt;
	for (size_t i = 0; i < l->nprio; i++) {
		l->prio[i] = get_le(d, 8);
		if (l->prio[i] >= l->p.region_count)
			fail(d, -EBADMSG);
		for (size_t k = 0; k < i; k++)	/* FIFO, unique */
			if (l->prio[k] == l->prio[i])
				fail(d, -EBADMSG);
	}
	cnt = get_le(d, 4);
	if (d->err)
		return;
	if (cnt > RLOG_MAX_NODES || cnt * 4 > left(d)) {
		fail(d, -EBADMSG);
		return;
	}
	l->nhalted = (size_t)cnt;
	for (size_t i = 0; i < l->nhalted; i++) {
		l->halted[i] = (uint32_t)get_le(d, 4);
		if (i && l->halted[i] <= l->halted[i - 1])
			fail(d, -EBADMSG);
	}
}

/* Everything after the bitmaps, into l (which has them); frees l on error. */
static int decode_rest(struct dec *d, struct rlog *l, struct rlog **out)
{
	uint64_t flags;

	l->sync_count = get_le(d, 8);
	l->sync_search = get_le(d, 8);
	/* The cursor never passes an out-of-sync region (rlog_check()). */
	if (!d->err && (l->sync_count != bitmap_count(&l->sync) ||
			l->sync_search > l->p.region_count ||
			l->sync_search > bitmap_next_zero(&l->sync, 0)))
		fail(d, -EBADMSG);
	get_marks(d, l);
	get_slots(d, l);
	get_prio_halted(d, l);
	l->generation = get_le(d, 8);
	flags = get_le(d, 4);
	if (!d->err &&
	    ((flags & ~(uint64_t)(CKPT_FLAG_DEV | CKPT_FLAG_FLUSH)) ||
	     d->pos != d->len))
		fail(d, -EBADMSG);
	if (d->err) {
		rlog_free(l);
		return d->err;
	}
	l->log_dev_failed = flags & CKPT_FLAG_DEV;
	l->flush_failed = flags & CKPT_FLAG_FLUSH;
	*out = l;
	return 0;
}

int rlog_deserialize(const uint8_t *buf, size_t len,
		     const struct rlog_params *p, struct rlog **out)
{
	struct dec d;
	struct rlog *l;
	int r;

	if (!buf || !p || !out)
		return -EINVAL;
	r = check_header(&d, buf, len, p);
	if (r < 0)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->p = *p;
	get_bitmap(&d, &l->clean, p->region_count);
	get_bitmap(&d, &l->sync, p->region_count);
	return decode_rest(&d, l, out);
}

/* ---- receiving in place ---- */

/*
 * An incoming checkpoint written straight into the bitmaps of the replica
 * it becomes: a 2^27-region log is installed without a second 32 MiB of
 * fresh memory and a copy.  The bytes must come in order (the CRC runs
 * along); nothing is trusted before rlog_rx_finish() has checked it all.
 */
struct rlog_rx {
	struct rlog_params p;
	size_t nb;		/* bytes per bitmap */
	size_t total, got, tail_len, tail_cap;
	uint32_t crc;		/* of bytes [0, min(got, total - 4)) */
	uint8_t head[CKPT_HDR];
	struct bitmap bm[2];	/* clean, sync */
	uint8_t *tail;
};

int rlog_rx_new(const struct rlog_params *p, size_t tail_room,
		struct rlog_rx **out)
{
	struct rlog_rx *rx;
	int r;

	if (!p || !out || !p->region_count ||
	    p->region_count > RLOG_MAX_REGIONS)
		return -EINVAL;
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return -ENOMEM;
	rx->p = *p;
	rx->nb = bitmap_bytes_for(p->region_count);
	rx->tail_cap = rlog_ckpt_size_hint(p) - CKPT_HDR - 2 * rx->nb +
		       tail_room;
	rx->tail = malloc(rx->tail_cap);
	/* Filled, not zeroed: the pages are written now, before the bytes
	 * arrive (see cluster_io_reserve()). */
	r = rx->tail ? bitmap_init(&rx->bm[0], p->region_count, true)
		     : -ENOMEM;
	if (!r)
		r = bitmap_init(&rx->bm[1], p->region_count, true);
	if (r < 0) {
		rlog_rx_free(rx);
		return r;
	}
	*out = rx;
	return 0;
}

size_t rlog_rx_bytes(const struct rlog_rx *rx)
{
	return CKPT_HDR + 2 * rx->nb + rx->tail_cap;
}

int rlog_rx_start(struct rlog_rx *rx, size_t total)
{
	size_t min = rlog_ckpt_size_hint(&rx->p);

	if (!rx->bm[0].bits || !rx->bm[1].bits)
		return -EINVAL;		/* spent by rlog_rx_finish() */
	if (total < min)
		return -EBADMSG;
	rx->total = total;
	rx->got = 0;
	rx->crc = 0;
	rx->tail_len = total - CKPT_HDR - 2 * rx->nb;
	if (rx->tail_len > rx->tail_cap) {
		uint8_t *t = realloc(rx->tail, rx->tail_len);

		if (!t)
			return -ENOMEM;
		rx->tail = t;
		rx->tail_cap = rx->tail_len;
	}
	return 0;
}

/* Where image byte off goes, and how many bytes fit there. */
static uint8_t *rx_place(struct rlog_rx *rx, size_t off, size_t *n)
{
	int part;
	size_t rel, avail = image_part(rx->nb, rx->total, off, &part, &rel);

	if (*n > avail)
		*n = avail;
	if (part == 0)
		return rx->head + rel;
	if (part == 3)
		return rx->tail + rel;
	return rx->bm[part - 1].bits + rel;
}

int rlog_rx_put(struct rlog_rx *rx, size_t off, const uint8_t *data,
		size_t n)
{
	if (!rx->total || off != rx->got || n > rx->total - rx->got)
		return -EINVAL;
	while (n) {
		size_t k = n, crc_k;
		uint8_t *p = rx_place(rx, off, &k);

		memcpy(p, data, k);
		crc_k = off + k <= rx->total - 4 ? k :
			off < rx->total - 4 ? rx->total - 4 - off : 0;
		rx->crc = crc32c(rx->crc, p, crc_k);
		off += k;
		data += k;
		n -= k;
	}
	rx->got = off;
	return 0;
}

int rlog_rx_finish(struct rlog_rx *rx, struct rlog **out)
{
	/* The rx is spent from here: the replica takes the bitmaps. */
	struct bitmap bm[2] = { rx->bm[0], rx->bm[1] };
	struct rlog *l = NULL;
	struct dec d;
	int r = 0;

	memset(rx->bm, 0, sizeof(rx->bm));
	if (!bm[0].bits || !bm[1].bits)
		r = -EINVAL;
	else if (!rx->total || rx->got != rx->total ||
		 rx->crc != get_crc(rx->tail + rx->tail_len - 4))
		r = -EBADMSG;
	if (!r)
		r = check_head(rx->head, rx->total, &rx->p);
	if (!r && (tail_bits_set(&bm[0]) || tail_bits_set(&bm[1])))
		r = -EBADMSG;
	if (!r && !(l = calloc(1, sizeof(*l))))
		r = -ENOMEM;
	if (r < 0) {
		bitmap_free(&bm[0]);
		bitmap_free(&bm[1]);
		return r;
	}
	l->p = rx->p;
	l->clean = bm[0];
	l->sync = bm[1];
	d = (struct dec){ rx->tail, 0, rx->tail_len - 4, 0 };
	return decode_rest(&d, l, out);
}

void rlog_rx_free(struct rlog_rx *rx)
{
	if (!rx)
		return;
	bitmap_free(&rx->bm[0]);
	bitmap_free(&rx->bm[1]);
	free(rx->tail);
	free(rx);
}
