/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel dm-log disk format, pure encode/decode (the daemon does the
 * O_DIRECT I/O in daemons/cmirrord/disk.c):
 *   sector 0: header, 16 bytes LE: magic 0x4D695272, version 2, nr_regions u64
 *   bytes 16..1023: kept as read (the kernel never sets them)
 *   byte 1024: clean bitmap, ceil(nr_regions/32)*4 bytes, 1 = clean
 * Every I/O covers round_up(1024 + bitmap bytes, logical block size).
 */
#ifndef CMIRROR_DISKLOG_H
#define CMIRROR_DISKLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "cmirror/bitmap.h"

#define DISKLOG_MAGIC		0x4D695272u
#define DISKLOG_VERSION		2u
#define DISKLOG_BITMAP_OFFSET	1024u
#define DISKLOG_HEADER_SIZE	16u

struct disklog_header {
	uint32_t magic;
	uint32_t version;
	uint64_t nr_regions;
};

/* Size of the whole log area for region_count regions and a block size
 * (a power of two >= 512): round_up(1024 + bitmap bytes, block). */
size_t disklog_area_size(uint64_t region_count, size_t block_size);

/* Decode the header from an area buffer (>= 16 bytes). */
void disklog_header_decode(const uint8_t *area, struct disklog_header *h);
void disklog_header_encode(uint8_t *area, const struct disklog_header *h);

/*
 * Interpret an area read from disk (area_len bytes): returns 1 when the
 * header is a valid log (magic, version 1 or 2 read as 2) and fills
 * *nr_regions and `clean` (initialised here to nr_regions bits, from the
 * bitmap bytes present; bits past the area are dirty), 0 when the area holds
 * no log (wrong magic: a new log), -EPROTO for an unknown version,
 * -EBADMSG when the area is too short for the header's nr_regions.
 */
int disklog_decode(const uint8_t *area, size_t area_len, uint64_t *nr_regions,
		   struct bitmap *clean);

/*
 * Write header (nr_regions = clean->nbits) and bitmap into an area buffer of
 * area_len bytes (bytes 16..1023 are left as they are).  -ENOSPC if short.
 */
int disklog_encode(uint8_t *area, size_t area_len, const struct bitmap *clean);

/* Region r's bit in an encoded area: true = clean; false past the header's
 * nr_regions or the area (a region the area cannot hold counts as dirty). */
bool disklog_region_clean(const uint8_t *area, size_t area_len, uint64_t r);
/* Set region r's bit in an encoded area: 0, or -ERANGE past nr_regions or
 * the area. */
int disklog_set_region(uint8_t *area, size_t area_len, uint64_t r, bool clean);

/* A change written ahead of the replica: region's bit set to `clean`. */
struct disklog_op {
	uint64_t region;
	bool clean;
};

/* The block of an area (blocks of bs bytes) holding region r's bit. */
size_t disklog_region_block(uint64_t r, size_t bs);
/* The blocks holding bitmap bytes [off, off + n): *first..*last (clamped
 * to the area; *first > *last when none). */
void disklog_bytes_blocks(size_t off, size_t n, size_t bs, size_t area_len,
			  size_t *first, size_t *last);

/* Sort block numbers and drop repeats: the count left. */
size_t disklog_sort_blocks(size_t *blocks, size_t n);

/*
 * An incremental write: for the candidate blocks `cand` (ncand sorted,
 * unique block numbers of an area of area_len bytes), each block as it
 * would be encoded from `clean` (the bitmap bytes; the rest of the block
 * as in `image`) with `ops` applied in order (ops whose block is not a
 * candidate are ignored), compared with `image`.  The blocks that differ
 * go to `out` in order (room for ncand blocks of bs bytes) and their
 * numbers to `changed`; returns how many.  For blocks outside `cand` the
 * caller knows image == encoding (nothing changed there).
 */
size_t disklog_delta(const uint8_t *image, size_t area_len, size_t bs,
		     const struct bitmap *clean, const size_t *cand,
		     size_t ncand, const struct disklog_op *ops, size_t nops,
		     uint8_t *out, size_t *changed);

/*
 * Which blocks differ between two encoded areas: fills `first`/`count` with
 * the smallest run of block_size blocks covering every difference (count 0
 * when equal).  The daemon writes only that run.
 */
void disklog_changed_blocks(const uint8_t *old_area, const uint8_t *new_area,
			    size_t area_len, size_t block_size, size_t *first,
			    size_t *count);

#endif
