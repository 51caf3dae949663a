// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bit sets in the kernel dm-log layout (byte i/8, bit i%8).
 *
 * The scans work a 64-bit word at a time: eight bytes of the layout read as
 * a little-endian u64 put bit i at position i%64, so the byte layout and a
 * word-wise view agree on every host.  Storage is rounded to 32-bit words,
 * so the last 64-bit word may be only half backed by memory; load_word()
 * and store_word() handle that tail.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cmirror/bitmap.h"

/* Largest bit count whose byte size still fits a size_t. */
#define BITMAP_MAX_BITS	((uint64_t)(SIZE_MAX / 8) - 31)

size_t bitmap_bytes_for(uint64_t nbits)
{
	return (size_t)((nbits + 31) / 32) * 4;
}

static size_t nwords(const struct bitmap *b)
{
	return (b->nbytes + 7) / 8;
}

static uint64_t load_word(const struct bitmap *b, size_t w)
{
	size_t off = w * 8;
	uint64_t v = 0;

	/* Fixed-size copy in the common case compiles to one load. */
	if (b->nbytes - off >= 8)
		memcpy(&v, b->bits + off, 8);
	else
		memcpy(&v, b->bits + off, b->nbytes - off);
	return le64toh(v);
}

static void store_word(struct bitmap *b, size_t w, uint64_t v)
{
	size_t off = w * 8;
	size_t n = b->nbytes - off < 8 ? b->nbytes - off : 8;

	v = htole64(v);
	memcpy(b->bits + off, &v, n);
}

/* Mask of the bits of word w that are below nbits. */
static uint64_t valid_mask(const struct bitmap *b, size_t w)
{
	uint64_t first = (uint64_t)w * 64;

	if (b->nbits >= first + 64)
		return UINT64_MAX;
	if (b->nbits <= first)
		return 0;
	return (UINT64_C(1) << (b->nbits - first)) - 1;
}

/* ---- frozen views (copy-on-write) ---------------------------------------- */

struct bitmap_cow {
	struct bitmap_cow *next;	/* other views of the same bitmap */
	struct bitmap *owner;		/* NULL once detached */
	size_t nbytes, nblocks;
	bool lost;			/* a block could not be saved */
	uint8_t *saved[];		/* old bytes of a changed block, or NULL */
};

static size_t block_len(const struct bitmap_cow *c, size_t i)
{
	size_t start = i * BITMAP_COW_BLOCK;

	return c->nbytes - start < BITMAP_COW_BLOCK ? c->nbytes - start
						    : BITMAP_COW_BLOCK;
}

static void save_block(struct bitmap_cow *c, size_t i)
{
	if (c->saved[i] || c->lost)
		return;
	c->saved[i] = malloc(block_len(c, i));
	if (!c->saved[i]) {
		c->lost = true;
		return;
	}
	memcpy(c->saved[i], c->owner->bits + i * BITMAP_COW_BLOCK,
	       block_len(c, i));
}

static size_t chunks_for(size_t nbytes)
{
	return (nbytes + BITMAP_TOUCH_CHUNK - 1) / BITMAP_TOUCH_CHUNK;
}

static size_t nchunks(const struct bitmap *b)
{
	return chunks_for(b->nbytes);
}

void bitmap_will_write(struct bitmap *b, size_t off, size_t n)
{
	if ((!b->cow && !b->touched) || !n || off >= b->nbytes)
		return;
	if (n > b->nbytes - off)
		n = b->nbytes - off;
	if (b->touched)
		for (size_t i = off / BITMAP_TOUCH_CHUNK;
		     i <= (off + n - 1) / BITMAP_TOUCH_CHUNK; i++)
			b->touched[i / 8] |= (uint8_t)(1u << (i % 8));
	for (struct bitmap_cow *c = b->cow; c; c = c->next)
		for (size_t i = off / BITMAP_COW_BLOCK;
		     i <= (off + n - 1) / BITMAP_COW_BLOCK; i++)
			save_block(c, i);
}

/* The views keep what they need; b is about to be freed or reallocated. */
static void detach_views(struct bitmap *b)
{
	while (b->cow) {
		struct bitmap_cow *c = b->cow;

		for (size_t i = 0; i < c->nblocks; i++)
			save_block(c, i);
		c->owner = NULL;
		b->cow = c->next;
		c->next = NULL;
	}
}

int bitmap_freeze(struct bitmap *b, struct bitmap_cow **out)
{
	size_t nblocks = (b->nbytes + BITMAP_COW_BLOCK - 1) / BITMAP_COW_BLOCK;
	struct bitmap_cow *c = calloc(1, sizeof(*c) +
					  nblocks * sizeof(c->saved[0]));

	if (!c)
		return -ENOMEM;
	c->owner = b;
	c->nbytes = b->nbytes;
	c->nblocks = nblocks;
	c->next = b->cow;
	b->cow = c;
	*out = c;
	return 0;
}

size_t bitmap_cow_bytes(const struct bitmap_cow *c)
{
	return c->nbytes;
}

const uint8_t *bitmap_cow_peek(const struct bitmap_cow *c, size_t off,
			       size_t *n)
{
	size_t i, end, avail;
	const uint8_t *p;

	if (c->lost || off >= c->nbytes)
		return NULL;
	i = off / BITMAP_COW_BLOCK;
	if (c->saved[i]) {
		p = c->saved[i] + off % BITMAP_COW_BLOCK;
		end = i * BITMAP_COW_BLOCK + block_len(c, i);
	} else {
		/* Unsaved blocks in a row are contiguous in the live bits. */
		p = c->owner->bits + off;
		while (++i < c->nblocks && !c->saved[i])
			;
		end = i < c->nblocks ? i * BITMAP_COW_BLOCK : c->nbytes;
	}
	avail = end - off;
	if (*n > avail)
		*n = avail;
	return p;
}

void bitmap_thaw(struct bitmap_cow *c)
{
	if (!c)
		return;
	if (c->owner) {
		struct bitmap_cow **pp = &c->owner->cow;

		while (*pp != c)
			pp = &(*pp)->next;
		*pp = c->next;
	}
	for (size_t i = 0; i < c->nblocks; i++)
		free(c->saved[i]);
	free(c);
}

/* Store word w only if it changes, saving its block for the views first. */
static void update_word(struct bitmap *b, size_t w, uint64_t old, uint64_t v)
{
	if (v == old)
		return;
	if (b->cow || b->touched)
		bitmap_will_write(b, w * 8, 8);
	store_word(b, w, v);
}

void bitmap_trim(struct bitmap *b)
{
	size_t w;

	if (!b->bits || b->nbytes == 0)
		return;
	w = (size_t)(b->nbits / 64);
	/* Everything from the word holding bit nbits to the end. */
	for (; w < nwords(b); w++) {
		uint64_t v = load_word(b, w);

		update_word(b, w, v, v & valid_mask(b, w));
	}
}

void bitmap_fill(struct bitmap *b, bool value)
{
	if (!b->bits)
		return;
	bitmap_will_write(b, 0, b->nbytes);
	memset(b->bits, value ? 0xff : 0, b->nbytes);
	if (value)
		bitmap_trim(b);
}

#define HUGE_PAGE	(2u << 20)

void *big_alloc(size_t n, bool zero)
{
	void *p;

	if (n < HUGE_PAGE)
		return zero ? calloc(n ? n : 1, 1) : malloc(n ? n : 1);
	if (posix_memalign(&p, HUGE_PAGE, n))
		return NULL;
	/* A hint: without transparent huge pages it changes nothing. */
	(void)madvise(p, n & ~(size_t)(HUGE_PAGE - 1), MADV_HUGEPAGE);
	if (zero)
		memset(p, 0, n);
	return p;
}

int bitmap_init(struct bitmap *b, uint64_t nbits, bool fill)
{
	b->nbits = 0;
	b->nbytes = 0;
	b->bits = NULL;
	b->cow = NULL;
	b->touched = NULL;
	if (nbits > BITMAP_MAX_BITS)
		return -EINVAL;
	b->nbytes = bitmap_bytes_for(nbits);
	/* Never NULL for an empty map (big_alloc allocates 1 byte). */
	b->bits = big_alloc(b->nbytes, !fill);
	if (!b->bits) {
		b->nbytes = 0;
		return -ENOMEM;
	}
	b->nbits = nbits;
	if (fill)
		bitmap_fill(b, true);
	return 0;
}

void bitmap_free(struct bitmap *b)
{
	if (!b)
		return;
	detach_views(b);
	bitmap_untrack(b);
	free(b->bits);
	b->bits = NULL;
	b->nbits = 0;
	b->nbytes = 0;
}

int bitmap_track(struct bitmap *b)
{
	bitmap_untrack(b);
	b->touched = calloc(chunks_for(b->nbytes) / 8 + 1, 1);
	return b->touched ? 0 : -ENOMEM;
}

void bitmap_untrack(struct bitmap *b)
{
	free(b->touched);
	b->touched = NULL;
}

size_t bitmap_take_touched(struct bitmap *b, size_t from)
{
	size_t n = nchunks(b);

	if (!b->touched)
		return SIZE_MAX;
	for (size_t i = from; i < n; i++) {
		uint8_t m = (uint8_t)(1u << (i % 8));

		if (!b->touched[i / 8]) {
			i |= 7;		/* the next byte */
			continue;
		}
		if (b->touched[i / 8] & m) {
			b->touched[i / 8] &= (uint8_t)~m;
			return i;
		}
	}
	return SIZE_MAX;
}

int bitmap_dup(struct bitmap *dst, const struct bitmap *src)
{
	int r = bitmap_init(dst, src->nbits, false);

	if (r < 0)
		return r;
	if (src->nbytes)
		memcpy(dst->bits, src->bits, src->nbytes);
	return 0;
}

int bitmap_resize(struct bitmap *b, uint64_t nbits, bool fill)
{
	size_t nbytes;
	uint64_t old = b->nbits;
	uint8_t *p;

	if (nbits > BITMAP_MAX_BITS)
		return -EINVAL;
	nbytes = bitmap_bytes_for(nbits);
	detach_views(b);	/* realloc may move or cut the bits */
	if (b->touched) {
		/* Every chunk counts as changed: a new map, all set. */
		size_t len = chunks_for(nbytes) / 8 + 1;
		uint8_t *t = malloc(len);

		if (!t)
			return -ENOMEM;
		memset(t, 0xff, len);
		free(b->touched);
		b->touched = t;
	}
	p = realloc(b->bits, nbytes ? nbytes : 1);
	if (!p)
		return -ENOMEM;
	if (nbytes > b->nbytes)
		memset(p + b->nbytes, 0, nbytes - b->nbytes);
	b->bits = p;
	b->nbytes = nbytes;
	b->nbits = nbits;
	/* Shrinking: bits past the new end must read as 0. */
	bitmap_trim(b);
	if (fill && nbits > old) {
		/* Set [old, nbits): partial first word, then whole bytes. */
		uint64_t i = old;

		while (i < nbits && (i % 8) != 0)
			bitmap_set(b, i++);
		if (i < nbits) {
			memset(b->bits + i / 8, 0xff, (size_t)(nbytes - i / 8));
			bitmap_trim(b);
		}
	}
	return 0;
}

bool bitmap_test(const struct bitmap *b, uint64_t i)
{
	if (i >= b->nbits)
		return false;
	return (b->bits[i / 8] >> (i % 8)) & 1;
}

bool bitmap_set(struct bitmap *b, uint64_t i)
{
	uint8_t m;
	bool old;

	if (i >= b->nbits)
		return false;
	m = (uint8_t)(1u << (i % 8));
	old = (b->bits[i / 8] & m) != 0;
	if ((b->cow || b->touched) && !old)
		bitmap_will_write(b, (size_t)(i / 8), 1);
	b->bits[i / 8] |= m;
	return old;
}

bool bitmap_clear(struct bitmap *b, uint64_t i)
{
	uint8_t m;
	bool old;

	if (i >= b->nbits)
		return false;
	m = (uint8_t)(1u << (i % 8));
	old = (b->bits[i / 8] & m) != 0;
	if ((b->cow || b->touched) && old)
		bitmap_will_write(b, (size_t)(i / 8), 1);
	b->bits[i / 8] &= (uint8_t)~m;
	return old;
}

uint64_t bitmap_count(const struct bitmap *b)
{
	uint64_t c = 0;
	size_t w, n = nwords(b);

	for (w = 0; w < n; w++)
		c += (uint64_t)__builtin_popcountll(load_word(b, w) &
						    valid_mask(b, w));
	return c;
}

/* Shared scan for the first bit >= from equal to want_set. */
static uint64_t next_bit(const struct bitmap *b, uint64_t from, bool want_set)
{
	size_t w, n = nwords(b);
	uint64_t v;

	if (from >= b->nbits)
		return b->nbits;
	w = (size_t)(from / 64);
	v = load_word(b, w);
	if (!want_set)
		v = ~v;
	v &= valid_mask(b, w) & (UINT64_MAX << (from % 64));
	for (;;) {
		if (v)
			return (uint64_t)w * 64 + (uint64_t)__builtin_ctzll(v);
		if (++w >= n)
			return b->nbits;
		v = load_word(b, w);
		if (!want_set)
			v = ~v;
		v &= valid_mask(b, w);
	}
}

uint64_t bitmap_next_zero(const struct bitmap *b, uint64_t from)
{
	return next_bit(b, from, false);
}

uint64_t bitmap_next_set(const struct bitmap *b, uint64_t from)
{
	return next_bit(b, from, true);
}

int bitmap_and(struct bitmap *dst, const struct bitmap *src)
{
	size_t w, n;

	if (dst->nbits != src->nbits)
		return -EINVAL;
	n = nwords(dst);
	for (w = 0; w < n; w++) {
		uint64_t v = load_word(dst, w);

		update_word(dst, w, v, v & load_word(src, w));
	}
	return 0;
}

int bitmap_or(struct bitmap *dst, const struct bitmap *src)
{
	size_t w, n;

	if (dst->nbits != src->nbits)
		return -EINVAL;
	n = nwords(dst);
	for (w = 0; w < n; w++) {
		uint64_t v = load_word(dst, w);

		update_word(dst, w, v, v | load_word(src, w));
	}
	/* src may carry stray tail bits if it was loaded raw. */
	bitmap_trim(dst);
	return 0;
}

bool bitmap_equal(const struct bitmap *a, const struct bitmap *b)
{
	size_t w, n;

	if (a->nbits != b->nbits)
		return false;
	n = nwords(a);
	for (w = 0; w < n; w++)
		if ((load_word(a, w) ^ load_word(b, w)) & valid_mask(a, w))
			return false;
	return true;
}
