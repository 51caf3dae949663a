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

struct bitmap {
	uint64_t nbits;
	size_t nbytes;		/* ceil(nbits/32)*4 */
	uint8_t *bits;
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

#endif
