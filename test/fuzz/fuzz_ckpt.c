/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the checkpoint decoder (lib/rlog_ckpt.c).  Build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I BUILDDIR \
 *     test/fuzz/fuzz_ckpt.c lib/rlog_ckpt.c lib/rlog_ctr.c lib/bitmap.c lib/crc32c.c
 * Seeds come from test/fuzz/gen_ckpt_seeds.c.  The CRC makes random bytes
 * fail early, so the target also re-seals the input (writes the correct
 * CRC over its last four bytes) and decodes it again: that reaches the
 * content checks.  Whatever decodes must re-encode to the very same bytes
 * (the format is canonical) and pass the invariants that the decoder
 * promises.  The in-place receiver (rlog_rx), fed the same bytes in
 * pieces whose size depends on the input, must reach the same verdict and
 * the same replica.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/crc32c.h"
#include "cmirror/rlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The geometries the seeds use: 100 regions (disk) and 32 (core). */
static const char *const CTRS[] = {
	"800 clustered-disk 7:2 8",
	"64 clustered-core 2 nosync",
};

static void check_state(const struct rlog *l)
{
	uint64_t rc = l->p.region_count;

	if (l->sync_count != bitmap_count(&l->sync) || l->sync_search > rc ||
	    l->sync_search > bitmap_next_zero(&l->sync, 0) ||
	    l->nmarks > RLOG_MAX_NODES || l->nslots > RLOG_MAX_SLOTS ||
	    l->nprio > RLOG_MAX_PRIORITY || l->nhalted > RLOG_MAX_NODES)
		abort();
	for (size_t i = 0; i < l->nmarks; i++)
		for (size_t k = 0; k < l->marks[i].n; k++)
			if (l->marks[i].regions[k] >= rc ||
			    bitmap_test(&l->clean, l->marks[i].regions[k]))
				abort();
}

static int decode_in_place(const uint8_t *buf, size_t size,
			   const struct rlog_params *p, struct rlog **out)
{
	size_t step = 1 + size % 13;
	struct rlog_rx *rx;
	int r = rlog_rx_new(p, 0, &rx);

	if (r)
		abort();
	r = rlog_rx_start(rx, size);
	for (size_t off = 0; !r && off < size; off += step)
		r = rlog_rx_put(rx, off, buf + off,
				size - off < step ? size - off : step);
	if (!r)
		r = rlog_rx_finish(rx, out);
	rlog_rx_free(rx);
	return r;
}

static void decode(const uint8_t *buf, size_t size, const char *ctr)
{
	struct rlog_params p;
	struct rlog *l = NULL, *l2 = NULL;
	uint8_t *again;
	size_t n;
	int r, r2;

	if (rlog_parse_ctr(ctr, &p, NULL, 0) != 0)
		abort();
	r = rlog_deserialize(buf, size, &p, &l);
	r2 = decode_in_place(buf, size, &p, &l2);
	/* A length that cannot fit p's geometry: -EBADMSG at rlog_rx_start,
	 * where rlog_deserialize reads the header first (-EINVAL). */
	if ((r == 0) != (r2 == 0))
		abort();
	if (r != 0) {
		if (l || l2 || (r != -EBADMSG && r != -EINVAL && r != -ENOMEM) ||
		    (r2 != -EBADMSG && r2 != -EINVAL && r2 != -ENOMEM))
			abort();
		return;
	}
	check_state(l);
	check_state(l2);
	if (rlog_digest(l2) != rlog_digest(l))
		abort();
	rlog_free(l2);
	if (rlog_serialize(l, &again, &n) != 0)
		abort();
	if (n != size || memcmp(again, buf, n))
		abort();
	if (rlog_digest(l) != crc32c(0, buf, size - 4))
		abort();
	free(again);
	rlog_free(l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size heap copy so any over-read is caught by ASan. */
	uint8_t *b = malloc(size ? size : 1);
	uint32_t crc;

	if (!b)
		return 0;
	if (size)
		memcpy(b, data, size);
	for (size_t i = 0; i < sizeof(CTRS) / sizeof(CTRS[0]); i++)
		decode(b, size, CTRS[i]);
	if (size >= 4) {
		crc = crc32c(0, b, size - 4);
		for (int k = 0; k < 4; k++)
			b[size - 4 + k] = (uint8_t)(crc >> (8 * k));
		for (size_t i = 0; i < sizeof(CTRS) / sizeof(CTRS[0]); i++)
			decode(b, size, CTRS[i]);
	}
	free(b);
	return 0;
}
