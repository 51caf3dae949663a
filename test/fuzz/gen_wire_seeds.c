/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed messages of test/fuzz/corpus/wire/ (run from the source
 * tree; the output is deterministic, so the committed seeds can be
 * regenerated and compared):
 *   cc -std=gnu11 -Iinclude -I BUILDDIR test/fuzz/gen_wire_seeds.c \
 *     lib/wire.c lib/crc32c.c -o gen && ./gen test/fuzz/corpus/wire
 * One seed per message shape the decoders accept (OPS with 0, 1, several
 * and maximal ops; CKPT and MERGE_IN first, middle and last chunks), so
 * the fuzzer starts past the header checks.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/crc32c.h"
#include "cmirror/wire.h"

static uint8_t buf[65536];

static void save(const char *dir, const char *name, const uint8_t *b,
		 size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static struct wire_hdr hdr(uint32_t sender, uint64_t view)
{
	struct wire_hdr h;

	memset(&h, 0, sizeof(h));
	h.version = WIRE_VERSION;
	h.sender = sender;
	h.view = view;
	snprintf(h.uuid, sizeof(h.uuid), "LVM-fuzzseed%u", sender);
	return h;
}

/* An OPS message of n ops, op i carrying i % (WIRE_MAX_OP_WORDS + 1) words
 * (or `words` each when words >= 0). */
static size_t ops(uint32_t n, int words)
{
	struct wire_hdr h = hdr(2, 0);
	struct wire_ops_enc e;
	uint64_t w[WIRE_MAX_OP_WORDS];

	for (uint32_t i = 0; i < WIRE_MAX_OP_WORDS; i++)
		w[i] = (uint64_t)i * 7 + 1;
	if (wire_ops_begin(&e, buf, sizeof(buf), &h) < 0)
		exit(1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nw = words >= 0 ? (uint32_t)words :
			i % (WIRE_MAX_OP_WORDS + 1);

		if (wire_ops_add(&e, 1000 + i, 1 + i % 3, 1 + i % 20, w,
				 nw) < 0)
			exit(1);
	}
	return wire_ops_finish(&e);
}

static size_t ckpt(uint16_t kind, uint64_t total, uint64_t off, uint32_t chunk,
		   uint32_t nmembers, uint32_t nsynced)
{
	struct wire_hdr h = hdr(1, 77);
	struct wire_ckpt c;
	int meta;

	memset(&c, 0, sizeof(c));
	c.members.n = nmembers;
	for (uint32_t i = 0; i < nmembers; i++)
		c.members.id[i] = i * 2 + 1;
	c.synced.n = nsynced;
	for (uint32_t i = 0; i < nsynced; i++)
		c.synced.id[i] = i * 2 + 1;
	c.total = total;
	c.offset = off;
	c.chunk = chunk;
	for (uint32_t i = 0; i < chunk; i++)
		buf[WIRE_CKPT_MAX_HDR + i] = (uint8_t)(i * 31 + off);
	c.crc = crc32c(0, buf + WIRE_CKPT_MAX_HDR, chunk);
	meta = wire_ckpt_encode_hdr(buf, WIRE_CKPT_MAX_HDR, kind, &h, &c);
	if (meta < 0)
		exit(1);
	memmove(buf + meta, buf + WIRE_CKPT_MAX_HDR, chunk);
	return (size_t)meta + chunk;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";

	save(dir, "01-ops-empty", buf, ops(0, 0));
	save(dir, "02-ops-one", buf, ops(1, 2));
	save(dir, "03-ops-mixed", buf, ops(12, -1));
	save(dir, "04-ops-maxwords", buf, ops(3, (int)WIRE_MAX_OP_WORDS));
	save(dir, "05-ckpt-whole", buf, ckpt(WIRE_KIND_CKPT, 200, 0, 200, 3, 2));
	save(dir, "06-ckpt-first", buf, ckpt(WIRE_KIND_CKPT, 1000, 0, 256, 2, 1));
	save(dir, "07-ckpt-last", buf, ckpt(WIRE_KIND_CKPT, 1000, 768, 232, 2, 2));
	save(dir, "08-merge-in", buf, ckpt(WIRE_KIND_MERGE_IN, 64, 0, 64, 1, 1));
	save(dir, "09-ckpt-maxmembers", buf,
	     ckpt(WIRE_KIND_CKPT, 16, 8, 8, WIRE_MAX_MEMBERS, WIRE_MAX_MEMBERS));
	save(dir, "10-ckpt-empty-chunk", buf, ckpt(WIRE_KIND_CKPT, 0, 0, 0, 0, 0));
	return 0;
}
