// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel dm-log disk format (drivers/md/dm-log.c), encode and decode
 * only: no I/O here (daemons/cmirrord/disk.c does it).
 *
 *   bytes 0..15     header, little-endian: magic u32, version u32,
 *                   nr_regions u64
 *   bytes 16..1023  never set by the kernel: kept as read, written back
 *   byte 1024..     clean bitmap, ceil(nr_regions/32)*4 bytes, 1 = clean,
 *                   region i in byte i/8 bit i%8 (which is bit i%32 of the
 *                   little-endian u32 word i/32, the kernel's set_bit_le)
 *   up to area end  kept as read (the kernel reads the whole area into the
 *                   buffer the bitmap lives in)
 *
 * Decoding follows dm-log's disk_resume: a wrong magic is a new log, version
 * 1 reads as 2 (on little-endian hosts the two layouts are the same), any
 * other version is an error.  The on-disk nr_regions may exceed what the
 * area read covers (the mirror shrank since the log was written: dm-log
 * reads only its own area then too); the bits the area holds are decoded
 * and the rest count as dirty.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/disklog.h"

size_t disklog_area_size(uint64_t region_count, size_t block_size)
{
	size_t raw = DISKLOG_BITMAP_OFFSET + bitmap_bytes_for(region_count);

	if (block_size < 512)
		block_size = 512;
	return (raw + block_size - 1) / block_size * block_size;
}

void disklog_header_decode(const uint8_t *area, struct disklog_header *h)
{
	uint32_t v32;
	uint64_t v64;

	/* memcpy: the area has no alignment guarantee. */
	memcpy(&v32, area, 4);
	h->magic = le32toh(v32);
	memcpy(&v32, area + 4, 4);
	h->version = le32toh(v32);
	memcpy(&v64, area + 8, 8);
	h->nr_regions = le64toh(v64);
}

void disklog_header_encode(uint8_t *area, const struct disklog_header *h)
{
	uint32_t v32;
	uint64_t v64;

	v32 = htole32(h->magic);
	memcpy(area, &v32, 4);
	v32 = htole32(h->version);
	memcpy(area + 4, &v32, 4);
	v64 = htole64(h->nr_regions);
	memcpy(area + 8, &v64, 8);
}

int disklog_decode(const uint8_t *area, size_t area_len, uint64_t *nr_regions,
		   struct bitmap *clean)
{
	struct disklog_header h;
	uint64_t nbits, room;
	int r;

	/* Left freeable whatever happens (callers bitmap_free it). */
	memset(clean, 0, sizeof(*clean));
	*nr_regions = 0;
	if (!area || area_len < DISKLOG_HEADER_SIZE)
		return -EBADMSG;
	disklog_header_decode(area, &h);
	if (h.magic != DISKLOG_MAGIC)
		return 0;
	/* dm-log reads version 1 as 2 on little-endian hosts. */
	if (h.version != 1 && h.version != DISKLOG_VERSION)
		return -EPROTO;
	/* A log with regions needs at least its first bitmap word. */
	if (h.nr_regions &&
	    area_len < (size_t)DISKLOG_BITMAP_OFFSET + 4)
		return -EBADMSG;

	room = area_len > DISKLOG_BITMAP_OFFSET ?
		(uint64_t)(area_len - DISKLOG_BITMAP_OFFSET) * 8 : 0;
	/* Bits past the area stay dirty: bitmap_test() is false past nbits. */
	nbits = h.nr_regions < room ? h.nr_regions : room;
	r = bitmap_init(clean, nbits, false);
	if (r < 0)
		return r;
	/* The bitmap is whole 32-bit words: an area that ends inside the
	 * last one (never a device's, whose areas are whole blocks) has
	 * fewer bytes than it; the bits it lacks are past nbits. */
	memcpy(clean->bits, area + DISKLOG_BITMAP_OFFSET,
	       clean->nbytes < room / 8 ? clean->nbytes : (size_t)(room / 8));
	/* Bits from nr_regions to the word end carry no meaning (dm-log
	 * clears them at resume too). */
	bitmap_trim(clean);
	*nr_regions = h.nr_regions;
	return 1;
}

int disklog_encode(uint8_t *area, size_t area_len, const struct bitmap *clean)
{
	struct disklog_header h = {
		.magic = DISKLOG_MAGIC,
		.version = DISKLOG_VERSION,
		.nr_regions = clean->nbits,
	};

	if (area_len < DISKLOG_BITMAP_OFFSET ||
	    area_len - DISKLOG_BITMAP_OFFSET < clean->nbytes)
		return -ENOSPC;
	disklog_header_encode(area, &h);
	if (clean->nbytes)
		memcpy(area + DISKLOG_BITMAP_OFFSET, clean->bits, clean->nbytes);
	return 0;
}

/* Byte of region r's bit, or 0 when the area has none (byte 0 is the
 * header's, never a bit's). */
static size_t region_byte(const uint8_t *area, size_t area_len, uint64_t r)
{
	struct disklog_header h;
	uint64_t byte;

	if (!area || area_len < DISKLOG_BITMAP_OFFSET)
		return 0;
	disklog_header_decode(area, &h);
	if (r >= h.nr_regions)
		return 0;
	byte = DISKLOG_BITMAP_OFFSET + r / 8;
	return byte < area_len ? (size_t)byte : 0;
}

static void put_bit(uint8_t *byte, uint64_t r, bool clean)
{
	if (clean)
		*byte |= (uint8_t)(1u << (r % 8));
	else
		*byte &= (uint8_t)~(1u << (r % 8));
}

bool disklog_region_clean(const uint8_t *area, size_t area_len, uint64_t r)
{
	size_t b = region_byte(area, area_len, r);

	return b && (area[b] >> (r % 8) & 1);
}

int disklog_set_region(uint8_t *area, size_t area_len, uint64_t r, bool clean)
{
	size_t b = region_byte(area, area_len, r);

	if (!b)
		return -ERANGE;
	put_bit(&area[b], r, clean);
	return 0;
}

void disklog_changed_blocks(const uint8_t *old_area, const uint8_t *new_area,
			    size_t area_len, size_t block_size, size_t *first,
			    size_t *count)
{
	size_t nblocks, lo = SIZE_MAX, hi = 0;

	*first = 0;
	*count = 0;
	if (!block_size || !area_len)
		return;
	nblocks = (area_len + block_size - 1) / block_size;
	for (size_t b = 0; b < nblocks; b++) {
		size_t off = b * block_size;
		size_t n = area_len - off < block_size ? area_len - off :
			block_size;

		if (!memcmp(old_area + off, new_area + off, n))
			continue;
		if (lo == SIZE_MAX)
			lo = b;
		hi = b;
	}
	if (lo == SIZE_MAX)
		return;
	*first = lo;
	*count = hi - lo + 1;
}

size_t disklog_region_block(uint64_t r, size_t bs)
{
	return (size_t)((DISKLOG_BITMAP_OFFSET + r / 8) / bs);
}

void disklog_bytes_blocks(size_t off, size_t n, size_t bs, size_t area_len,
			  size_t *first, size_t *last)
{
	size_t nblocks = area_len / bs;

	*first = 1;
	*last = 0;
	if (!n || !nblocks)
		return;
	*first = (DISKLOG_BITMAP_OFFSET + off) / bs;
	*last = (DISKLOG_BITMAP_OFFSET + off + n - 1) / bs;
	if (*last >= nblocks)
		*last = nblocks - 1;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

size_t disklog_sort_blocks(size_t *blocks, size_t n)
{
	size_t kept = 0;

	if (!n)
		return 0;
	qsort(blocks, n, sizeof(*blocks), cmp_size);
	for (size_t i = 0; i < n; i++)
		if (!kept || blocks[kept - 1] != blocks[i])
			blocks[kept++] = blocks[i];
	return kept;
}

size_t disklog_delta(const uint8_t *image, size_t area_len, size_t bs,
		     const struct bitmap *clean, const size_t *cand,
		     size_t ncand, const struct disklog_op *ops, size_t nops,
		     uint8_t *out, size_t *changed)
{
	size_t bm_end = DISKLOG_BITMAP_OFFSET + clean->nbytes, kept = 0;

	for (size_t i = 0; i < ncand; i++) {
		size_t start = cand[i] * bs, lo, hi;
		uint8_t *blk = out + i * bs;

		if (cand[i] >= area_len / bs)
			continue;	/* none: never written */
		memcpy(blk, image + start, bs);
		/* The bitmap bytes of this block, from the replica. */
		lo = start > DISKLOG_BITMAP_OFFSET ? start :
		     DISKLOG_BITMAP_OFFSET;
		hi = start + bs < bm_end ? start + bs : bm_end;
		if (lo < hi)
			memcpy(blk + (lo - start),
			       clean->bits + (lo - DISKLOG_BITMAP_OFFSET),
			       hi - lo);
	}
	for (size_t k = 0; k < nops; k++) {
		size_t b = disklog_region_block(ops[k].region, bs);
		const size_t *hit;
		size_t byte;

		if (ops[k].region >= clean->nbits || b >= area_len / bs)
			continue;
		hit = bsearch(&b, cand, ncand, sizeof(*cand), cmp_size);
		if (!hit)
			continue;
		byte = DISKLOG_BITMAP_OFFSET + ops[k].region / 8 - b * bs;
		put_bit(&out[(size_t)(hit - cand) * bs + byte], ops[k].region,
			ops[k].clean);
	}
	for (size_t i = 0; i < ncand; i++) {
		if (cand[i] >= area_len / bs ||
		    !memcmp(out + i * bs, image + cand[i] * bs, bs))
			continue;
		if (kept != i)
			memmove(out + kept * bs, out + i * bs, bs);
		changed[kept++] = cand[i];
	}
	return kept;
}
