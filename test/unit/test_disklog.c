// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/disklog.c: the kernel dm-log disk format. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmirror/disklog.h"

static uint8_t *zalloc(size_t n)
{
	uint8_t *p = calloc(1, n);

	assert_non_null(p);
	return p;
}

static void test_disklog_area_size_per_block_size(void **state)
{
	/* 1024 + ceil(n/32)*4, rounded up to the block. */
	assert_int_equal(disklog_area_size(0, 512), 1024);
	assert_int_equal(disklog_area_size(1, 512), 1536);
	assert_int_equal(disklog_area_size(4096, 512), 1536);	/* 512 B map */
	assert_int_equal(disklog_area_size(4097, 512), 2048);
	assert_int_equal(disklog_area_size(1, 4096), 4096);
	assert_int_equal(disklog_area_size(24576, 4096), 4096);	/* 3072 B */
	assert_int_equal(disklog_area_size(24577, 4096), 8192);
	/* 2^27 regions: 16 MiB bitmap + 1 KiB header block. */
	assert_int_equal(disklog_area_size(UINT64_C(1) << 27, 512),
			 (16u << 20) + 1024);
	assert_int_equal(disklog_area_size(UINT64_C(1) << 27, 4096),
			 (16u << 20) + 4096);
}

static void test_disklog_header_bytes_little_endian(void **state)
{
	uint8_t a[16];
	struct disklog_header h = { DISKLOG_MAGIC, DISKLOG_VERSION,
				    UINT64_C(0x0102030405060708) }, g;
	const uint8_t want[16] = { 0x72, 0x52, 0x69, 0x4D, 2, 0, 0, 0,
				   8, 7, 6, 5, 4, 3, 2, 1 };

	disklog_header_encode(a, &h);
	assert_memory_equal(a, want, 16);
	disklog_header_decode(a, &g);
	assert_int_equal(g.magic, DISKLOG_MAGIC);
	assert_int_equal(g.version, 2);
	assert_int_equal(g.nr_regions, UINT64_C(0x0102030405060708));
}

static void test_disklog_round_trip(void **state)
{
	const uint64_t n = 1000;
	size_t len = disklog_area_size(n, 512);
	uint8_t *a = zalloc(len);
	struct bitmap b, d;
	uint64_t nr;

	/* Bytes 16..1023 belong to nobody: encode must keep them. */
	memset(a + 16, 0xA5, 1024 - 16);
	assert_int_equal(bitmap_init(&b, n, false), 0);
	for (uint64_t i = 0; i < n; i += 7)
		bitmap_set(&b, i);
	bitmap_set(&b, n - 1);
	assert_int_equal(disklog_encode(a, len, &b), 0);
	for (size_t i = 16; i < 1024; i++)
		assert_int_equal(a[i], 0xA5);
	assert_int_equal(disklog_decode(a, len, &nr, &d), 1);
	assert_int_equal(nr, n);
	assert_int_equal(d.nbits, n);
	assert_true(bitmap_equal(&b, &d));
	bitmap_free(&d);
	bitmap_free(&b);

	/* Zero regions: a valid, empty log. */
	assert_int_equal(bitmap_init(&b, 0, false), 0);
	assert_int_equal(disklog_encode(a, 1024, &b), 0);
	assert_int_equal(disklog_decode(a, 1024, &nr, &d), 1);
	assert_int_equal(nr, 0);
	assert_int_equal(d.nbits, 0);
	bitmap_free(&d);
	bitmap_free(&b);
	free(a);
}

/* An image laid out by hand as dm-log writes it (set_bit_le on u32s). */
static void test_disklog_decode_kernel_image(void **state)
{
	const uint64_t n = 100;
	const uint64_t clean_regions[] = { 0, 5, 31, 32, 63, 64, 99 };
	uint8_t img[1536] = { 0 }, enc[1536];
	struct bitmap d;
	uint64_t nr;

	/* magic 0x4D695272, version 2, nr_regions 100 */
	img[0] = 0x72; img[1] = 0x52; img[2] = 0x69; img[3] = 0x4D;
	img[4] = 0x02;
	img[8] = 100;
	/* word 0 = bits 0,5,31 -> 0x80000021 LE */
	img[1024] = 0x21; img[1027] = 0x80;
	/* word 1 = bits 0 (32), 31 (63) -> 0x80000001 LE */
	img[1028] = 0x01; img[1031] = 0x80;
	/* word 2 = bit 0 (64) */
	img[1032] = 0x01;
	/* word 3 = bit 3 (99) -> byte 12 bit 3 */
	img[1036] = 0x08;
	memset(img + 16, 0x5A, 1008);	/* foreign bytes, must survive */
	memcpy(enc, img, sizeof(enc));

	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), 1);
	assert_int_equal(nr, n);
	assert_int_equal(bitmap_count(&d), 7);
	for (size_t i = 0; i < 7; i++)
		assert_true(bitmap_test(&d, clean_regions[i]));
	assert_false(bitmap_test(&d, 1));
	assert_false(bitmap_test(&d, 98));

	/* Encoding the decoded set gives the same bytes back. */
	memset(enc, 0, 16);
	memset(enc + 1024, 0xFF, 16);
	assert_int_equal(disklog_encode(enc, sizeof(enc), &d), 0);
	assert_memory_equal(enc, img, sizeof(img));
	bitmap_free(&d);

	/* Version 1 reads as 2. */
	img[4] = 1;
	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), 1);
	assert_int_equal(bitmap_count(&d), 7);
	bitmap_free(&d);

	/* Garbage bits past nr_regions in the last word are dropped. */
	img[4] = 2;
	img[1039] = 0xF0;	/* bits 124..127 */
	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), 1);
	assert_int_equal(bitmap_count(&d), 7);
	bitmap_free(&d);
}

static void test_disklog_wrong_magic_is_new_log(void **state)
{
	uint8_t img[1536] = { 0 };
	struct bitmap d;
	uint64_t nr = 77;

	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), 0);
	assert_int_equal(nr, 0);
	assert_null(d.bits);
	bitmap_free(&d);
	/* Big-endian magic is not the kernel's. */
	img[0] = 0x4D; img[1] = 0x69; img[2] = 0x52; img[3] = 0x72;
	img[4] = 2;
	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), 0);
	bitmap_free(&d);
}

static void test_disklog_unknown_version_eproto(void **state)
{
	uint8_t img[1536] = { 0 };
	struct disklog_header h = { DISKLOG_MAGIC, 3, 10 };
	struct bitmap d;
	uint64_t nr;

	disklog_header_encode(img, &h);
	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), -EPROTO);
	bitmap_free(&d);
	h.version = 0;
	disklog_header_encode(img, &h);
	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), -EPROTO);
	bitmap_free(&d);
}

static void test_disklog_short_area_ebadmsg(void **state)
{
	uint8_t img[1536] = { 0 };
	struct disklog_header h = { DISKLOG_MAGIC, 2, 100 };
	struct bitmap d;
	uint64_t nr;

	disklog_header_encode(img, &h);
	/* Not even a header. */
	assert_int_equal(disklog_decode(img, 15, &nr, &d), -EBADMSG);
	bitmap_free(&d);
	/* A header but no bitmap for its regions. */
	assert_int_equal(disklog_decode(img, 512, &nr, &d), -EBADMSG);
	bitmap_free(&d);
	assert_int_equal(disklog_decode(img, 1024, &nr, &d), -EBADMSG);
	bitmap_free(&d);
}

/* The mirror shrank since the log was written: bits the area holds are
 * decoded, the rest are dirty (dm-log reads only its own area too). */
static void test_disklog_partial_bitmap_rest_dirty(void **state)
{
	uint8_t img[1032] = { 0 };
	struct disklog_header h = { DISKLOG_MAGIC, 2, 5000 };
	struct bitmap d;
	uint64_t nr;

	disklog_header_encode(img, &h);
	memset(img + 1024, 0xFF, 8);
	assert_int_equal(disklog_decode(img, sizeof(img), &nr, &d), 1);
	assert_int_equal(nr, 5000);
	assert_int_equal(bitmap_count(&d), 64);
	assert_true(bitmap_test(&d, 63));
	assert_false(bitmap_test(&d, 64));
	assert_false(bitmap_test(&d, 4999));
	bitmap_free(&d);
}

/* An area that ends inside a bitmap word (found by fuzz_disklog): the
 * bits it holds are read, nothing past it (the copy was a whole word:
 * the ASan and valgrind runs of this test saw the over-read). */
static void test_disklog_area_ends_inside_a_word(void **state)
{
	const size_t len = 1024 + 5;
	uint8_t *img = calloc(1, len);	/* exact size: a read past it shows */
	struct disklog_header h = { DISKLOG_MAGIC, 2, 40 };
	struct bitmap d;
	uint64_t nr;

	(void)state;
	assert_non_null(img);
	disklog_header_encode(img, &h);
	memset(img + 1024, 0xFF, 5);
	assert_int_equal(disklog_decode(img, len, &nr, &d), 1);
	assert_int_equal(nr, 40);
	assert_int_equal(bitmap_count(&d), 40);
	assert_true(disklog_region_clean(img, len, 39));
	assert_false(disklog_region_clean(img, len, 40));
	bitmap_free(&d);
	free(img);
}

static void test_disklog_encode_short_enospc(void **state)
{
	uint8_t img[1536] = { 0 };
	struct bitmap b;

	assert_int_equal(bitmap_init(&b, 4097, true), 0);	/* 516 bytes */
	assert_int_equal(disklog_encode(img, sizeof(img), &b), -ENOSPC);
	assert_int_equal(disklog_encode(img, 512, &b), -ENOSPC);
	/* Nothing written on failure. */
	for (size_t i = 0; i < sizeof(img); i++)
		assert_int_equal(img[i], 0);
	bitmap_free(&b);
}

static void test_disklog_changed_blocks(void **state)
{
	const size_t bs = 512, len = 16 * 512;
	uint8_t *a = zalloc(len), *b = zalloc(len);
	size_t first = 99, count = 99;

	/* No change. */
	disklog_changed_blocks(a, b, len, bs, &first, &count);
	assert_int_equal(count, 0);
	assert_int_equal(first, 0);

	/* One block. */
	b[5 * 512 + 17] = 1;
	disklog_changed_blocks(a, b, len, bs, &first, &count);
	assert_int_equal(first, 5);
	assert_int_equal(count, 1);

	/* First and last byte of the area: the whole area. */
	memset(b, 0, len);
	b[0] = 1;
	b[len - 1] = 1;
	disklog_changed_blocks(a, b, len, bs, &first, &count);
	assert_int_equal(first, 0);
	assert_int_equal(count, 16);

	/* Only the last block, changed in its last byte. */
	b[0] = 0;
	disklog_changed_blocks(a, b, len, bs, &first, &count);
	assert_int_equal(first, 15);
	assert_int_equal(count, 1);

	/* Two distant changes: one run covering both. */
	memset(b, 0, len);
	b[2 * 512] = 1;
	b[11 * 512 + 511] = 1;
	disklog_changed_blocks(a, b, len, bs, &first, &count);
	assert_int_equal(first, 2);
	assert_int_equal(count, 10);

	/* 4096-byte blocks over the same bytes. */
	disklog_changed_blocks(a, b, len, 4096, &first, &count);
	assert_int_equal(first, 0);
	assert_int_equal(count, 2);
	free(a);
	free(b);
}

/* One region's bit, read and set in an encoded area, as the kernel lays it
 * out (byte 1024 + r/8, bit r%8); past nr_regions there is none. */
static void test_disklog_region_bits(void **state)
{
	struct bitmap clean = { 0 };
	size_t len = disklog_area_size(40, 512);
	uint8_t *a = calloc(1, len);

	(void)state;
	assert_non_null(a);
	assert_int_equal(bitmap_init(&clean, 40, true), 0);
	bitmap_clear(&clean, 9);
	assert_int_equal(disklog_encode(a, len, &clean), 0);
	assert_true(disklog_region_clean(a, len, 0));
	assert_false(disklog_region_clean(a, len, 9));
	assert_true(disklog_region_clean(a, len, 39));
	assert_false(disklog_region_clean(a, len, 40));	/* none: dirty */
	assert_int_equal(disklog_set_region(a, len, 33, false), 0);
	assert_int_equal(a[DISKLOG_BITMAP_OFFSET + 4], 0xfd);
	assert_false(disklog_region_clean(a, len, 33));
	assert_int_equal(disklog_set_region(a, len, 9, true), 0);
	assert_int_equal(a[DISKLOG_BITMAP_OFFSET + 1], 0xff);
	assert_int_equal(disklog_set_region(a, len, 40, true), -ERANGE);
	assert_int_equal(disklog_set_region(a, 1000, 0, true), -ERANGE);
	assert_false(disklog_region_clean(NULL, 0, 0));
	bitmap_free(&clean);
	free(a);
}

/* disklog_delta gives, for the candidate blocks, what a whole encoding
 * with the ops applied gives, and only the blocks that differ from the
 * image; blocks, ops and bytes outside the candidates are left alone. */
static void test_disklog_delta_matches_a_full_encoding(void **state)
{
	const size_t bs = 512, nbits = 20000;
	size_t len = disklog_area_size(nbits, bs), nblocks = len / bs;
	uint8_t *image = calloc(1, len), *full = calloc(1, len);
	uint8_t *out = calloc(1, len);
	size_t cand[8], changed[8];
	struct disklog_op ops[6];
	struct bitmap clean = { 0 };
	unsigned seed = 7;

	(void)state;
	assert_non_null(image);
	assert_non_null(full);
	assert_non_null(out);
	assert_int_equal(bitmap_init(&clean, nbits, true), 0);
	for (int round = 0; round < 200; round++) {
		size_t ncand = 0, kept, want = 0;

		/* An image as written before, then the replica moved on. */
		assert_int_equal(disklog_encode(image, len, &clean), 0);
		memset(image + 16, round, 1008);	/* kept as read */
		for (int k = 0; k < 20; k++) {
			uint64_t r = (uint64_t)rand_r(&seed) % nbits;

			if (rand_r(&seed) % 2)
				bitmap_set(&clean, r);
			else
				bitmap_clear(&clean, r);
		}
		for (size_t b = 0; b < nblocks && ncand < 8; b++)
			if (b == 0 || rand_r(&seed) % 4 == 0)
				cand[ncand++] = b;
		for (size_t k = 0; k < 6; k++)
			ops[k] = (struct disklog_op){
				(uint64_t)rand_r(&seed) % (nbits + 100),
				rand_r(&seed) % 2 };

		/* Expected: the whole encoding with the ops, candidates
		 * only. */
		memcpy(full, image, len);
		assert_int_equal(disklog_encode(full, len, &clean), 0);
		memcpy(full + 16, image + 16, 1008);
		for (size_t k = 0; k < 6; k++) {
			size_t b = disklog_region_block(ops[k].region, bs);
			bool in = false;

			for (size_t i = 0; i < ncand; i++)
				in |= cand[i] == b;
			if (in && ops[k].region < nbits)
				disklog_set_region(full, len, ops[k].region,
						   ops[k].clean);
		}
		kept = disklog_delta(image, len, bs, &clean, cand, ncand, ops,
				     6, out, changed);
		for (size_t i = 0; i < ncand; i++) {
			size_t b = cand[i];

			if (!memcmp(full + b * bs, image + b * bs, bs))
				continue;
			assert_true(want < kept);
			assert_int_equal(changed[want], b);
			assert_memory_equal(out + want * bs, full + b * bs, bs);
			want++;
		}
		assert_int_equal(kept, want);
		/* The disk now holds that (the daemon copies it in). */
		for (size_t i = 0; i < kept; i++)
			memcpy(image + changed[i] * bs, out + i * bs, bs);
	}
	/* Past the area: no block. */
	cand[0] = nblocks;
	assert_int_equal(disklog_delta(image, len, bs, &clean, cand, 1, ops, 0,
				       out, changed), 0);
	bitmap_free(&clean);
	free(image);
	free(full);
	free(out);
}

/* Which blocks hold which bitmap bytes, with 512 and 4096-byte blocks. */
static void test_disklog_blocks_of_bytes(void **state)
{
	size_t f, l;

	(void)state;
	assert_int_equal(disklog_region_block(0, 512), 2);
	assert_int_equal(disklog_region_block(4095, 512), 2);
	assert_int_equal(disklog_region_block(4096, 512), 3);
	assert_int_equal(disklog_region_block(4096 * 8 - 1, 4096), 1);
	disklog_bytes_blocks(0, 512, 512, 4096, &f, &l);
	assert_int_equal(f, 2);
	assert_int_equal(l, 2);
	disklog_bytes_blocks(3000, 512, 4096, 8192, &f, &l);
	assert_int_equal(f, 0);
	assert_int_equal(l, 1);
	disklog_bytes_blocks(512 * 5, 512, 512, 4096, &f, &l);
	assert_int_equal(f, 7);
	assert_int_equal(l, 7);
	disklog_bytes_blocks(512 * 7, 512, 512, 4096, &f, &l);	/* past */
	assert_true(f > l);
}

/* Candidate blocks come sorted and without repeats. */
static void test_disklog_sort_blocks(void **state)
{
	size_t b[] = { 9, 2, 9, 4, 2, 2, 0 };

	(void)state;
	assert_int_equal(disklog_sort_blocks(b, 7), 4);
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 2);
	assert_int_equal(b[2], 4);
	assert_int_equal(b[3], 9);
	assert_int_equal(disklog_sort_blocks(NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disklog_area_size_per_block_size),
		cmocka_unit_test(test_disklog_header_bytes_little_endian),
		cmocka_unit_test(test_disklog_round_trip),
		cmocka_unit_test(test_disklog_decode_kernel_image),
		cmocka_unit_test(test_disklog_wrong_magic_is_new_log),
		cmocka_unit_test(test_disklog_unknown_version_eproto),
		cmocka_unit_test(test_disklog_short_area_ebadmsg),
		cmocka_unit_test(test_disklog_partial_bitmap_rest_dirty),
		cmocka_unit_test(test_disklog_area_ends_inside_a_word),
		cmocka_unit_test(test_disklog_encode_short_enospc),
		cmocka_unit_test(test_disklog_changed_blocks),
		cmocka_unit_test(test_disklog_region_bits),
		cmocka_unit_test(test_disklog_delta_matches_a_full_encoding),
		cmocka_unit_test(test_disklog_blocks_of_bytes),
		cmocka_unit_test(test_disklog_sort_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
