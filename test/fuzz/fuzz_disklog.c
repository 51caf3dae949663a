// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for lib/disklog.c: arbitrary bytes as a log device's
 * area (a corrupted or foreign device is read as it is).  The input is the
 * area exactly, so a read past it is ASan's to see.  What a decoded area
 * must satisfy:
 *  - disklog_region_clean() agrees with the decoded bitmap for every
 *    region the area holds, and says dirty past it;
 *  - encoding the bitmap into an area of the same size and decoding that
 *    gives the same regions and bits back.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I<builddir> \
 *       test/fuzz/fuzz_disklog.c lib/disklog.c lib/bitmap.c -o fuzz_disklog
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/bitmap.h"
#include "cmirror/disklog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bitmap clean, again;
	uint64_t nr, nr2;
	uint8_t *area, *copy;
	int r;

	/* An exact-size copy: libFuzzer's buffer may have slack behind it. */
	area = malloc(size ? size : 1);
	if (!area)
		return 0;
	memcpy(area, data, size);
	r = disklog_decode(area, size, &nr, &clean);
	if (r == 1) {
		for (uint64_t i = 0; i < clean.nbits && i < 4096; i++)
			if (disklog_region_clean(area, size, i) !=
			    bitmap_test(&clean, i))
				abort();
		if (disklog_region_clean(area, size, nr))
			abort();	/* past the header's regions */
		copy = malloc(size);
		if (copy)
			memcpy(copy, area, size);
		if (copy && clean.nbits == nr &&
		    disklog_encode(copy, size, &clean) == 0) {
			if (disklog_decode(copy, size, &nr2, &again) != 1 ||
			    nr2 != nr || !bitmap_equal(&clean, &again))
				abort();
			bitmap_free(&again);
		}
		free(copy);
	}
	bitmap_free(&clean);
	free(area);
	return 0;
}
