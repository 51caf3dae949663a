/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bit sets in the kernel dm-log layout: region i lives in byte i/8, bit i%8
 * (little-endian bit order), storage rounded up to whole 32-bit words so a
 * bitmap can be copied to and from the on-disk log without conversion.
 */
#ifndef CMIRROR_BITMAP_H
#define CMIRROR_BITMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bitmap_cow;

struct bitmap {
	uint64_t nbits;
	size_t nbytes;		/* ceil(nbits/32)*4 */
	uint8_t *bits;
	struct bitmap_cow *cow;	/* frozen views that still read bits */
	uint8_t *touched;	/* bitmap_track(): changed chunks, 1 bit each */
};

/* Bytes the kernel's dm-log uses for nbits regions: ceil(nbits/32)*4. */
size_t bitmap_bytes_for(uint64_t nbits);

/* 0 or -ENOMEM/-EINVAL. All bits start as `fill` (bits past nbits stay 0). */
int bitmap_init(struct bitmap *b, uint64_t nbits, bool fill);
/*
 * Memory for a large buffer (bitmaps, checkpoint images), zeroed if `zero`:
 * from 2 MiB up it is 2 MiB aligned and asks for transparent huge pages,
 * since a 2^27-region log's 16 MiB maps faulted in 4 KiB pages cost more
 * than the copying itself.  Released with free(); NULL on failure.
 */
void *big_alloc(size_t n, bool zero);
void bitmap_free(struct bitmap *b);
/* Deep copy into an uninitialised dst. */
int bitmap_dup(struct bitmap *dst, const struct bitmap *src);
/* Change the size, keeping the first min(old,new) bits; new bits get `fill`. */
int bitmap_resize(struct bitmap *b, uint64_t nbits, bool fill);

bool bitmap_test(const struct bitmap *b, uint64_t i);	/* false when i >= nbits */
/* Return the previous value (false when i is out of range and nothing is changed). */
bool bitmap_set(struct bitmap *b, uint64_t i);
bool bitmap_clear(struct bitmap *b, uint64_t i);
void bitmap_fill(struct bitmap *b, bool value);
uint64_t bitmap_count(const struct bitmap *b);	/* number of set bits < nbits */
/* First bit >= from with value 0 (or 1); nbits when none. */
uint64_t bitmap_next_zero(const struct bitmap *b, uint64_t from);
uint64_t bitmap_next_set(const struct bitmap *b, uint64_t from);
/* dst &= src, dst |= src; sizes must match (-EINVAL otherwise). */
int bitmap_and(struct bitmap *dst, const struct bitmap *src);
int bitmap_or(struct bitmap *dst, const struct bitmap *src);
bool bitmap_equal(const struct bitmap *a, const struct bitmap *b);
/* Mark the 1-bits of bits past nbits as 0 (used after loading raw bytes). */
void bitmap_trim(struct bitmap *b);

/*
 * A frozen view of a bitmap's bytes (copy-on-write): later changes made
 * through this API save the old contents of a block before they change
 * it, so a 16 MiB bitmap can be streamed over many loop iterations as it
 * was at the moment of the freeze without being copied up front (a fresh
 * 32 MiB copy is mostly the kernel zeroing new pages).  Code that writes
 * b->bits itself must call bitmap_will_write() first.  Freeing or
 * resizing the bitmap saves what the views still need; they outlive it.
 */
#define BITMAP_COW_BLOCK	(64u * 1024)

/* 0 or -ENOMEM. */
int bitmap_freeze(struct bitmap *b, struct bitmap_cow **out);
size_t bitmap_cow_bytes(const struct bitmap_cow *c);
/*
 * The frozen bytes at off (< bitmap_cow_bytes()): a pointer valid until
 * the next change of the bitmap, and in *n how many bytes from there are
 * contiguous (at most the *n asked for).  NULL if a block could not be
 * saved (out of memory when the bitmap changed): the view is lost.
 */
const uint8_t *bitmap_cow_peek(const struct bitmap_cow *c, size_t off,
			       size_t *n);
void bitmap_thaw(struct bitmap_cow *c);
/* Before changing bytes [off, off+n) of b->bits outside this API. */
void bitmap_will_write(struct bitmap *b, size_t off, size_t n);

/*
 * Change tracking: after bitmap_track(), every change made through this
 * API (and every bitmap_will_write()) records which BITMAP_TOUCH_CHUNK-
 * byte chunks of b->bits it touched, so a writer of the on-disk log finds
 * what changed without comparing the whole map.  bitmap_track() again
 * forgets what was recorded; resizing records every chunk.
 */
#define BITMAP_TOUCH_CHUNK	512u

/* 0 or -ENOMEM (tracking is then off). */
int bitmap_track(struct bitmap *b);
void bitmap_untrack(struct bitmap *b);
static inline bool bitmap_tracking(const struct bitmap *b)
{
	return b->touched != NULL;
}
/* The first chunk >= from touched since it was last taken, forgotten as
 * it is returned; SIZE_MAX when none (or not tracking). */
size_t bitmap_take_touched(struct bitmap *b, size_t from);

#endif
