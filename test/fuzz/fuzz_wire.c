/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the cluster wire decoders (lib/wire.c).  Build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include -I BUILDDIR \
 *     test/fuzz/fuzz_wire.c lib/wire.c lib/crc32c.c -o fuzz_wire
 * (BUILDDIR holds config.h.)  Every input must decode or be rejected
 * without reading outside it; what decodes must be self-consistent.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cmirror/crc32c.h"
#include "cmirror/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_hdr h;
	struct wire_ops_dec d;
	struct wire_op op;
	struct wire_ckpt c;
	int n = wire_ops_open(&d, data, size, &h);

	if (n >= 0) {
		int got = 0;

		while (wire_ops_next(&d, &op) == 1) {
			if (op.nwords > WIRE_MAX_OP_WORDS)
				abort();
			got++;
		}
		if (got != n)
			abort();
	}
	if (wire_ckpt_decode(data, size, &h, &c) == 0) {
		if (c.data + c.chunk != data + size ||
		    c.offset + c.chunk > c.total || c.total > WIRE_CKPT_MAX)
			abort();
		(void)crc32c(0, c.data, c.chunk);
	}
	return 0;
}
