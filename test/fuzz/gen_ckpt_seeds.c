/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed checkpoints of test/fuzz/corpus/ckpt/ (run from the
 * source tree):
 *   cc -std=gnu11 -Iinclude -I BUILDDIR test/fuzz/gen_ckpt_seeds.c \
 *     lib/rlog_ckpt.c lib/rlog_ctr.c lib/bitmap.c lib/crc32c.c -o gen && ./gen DIR
 * The geometries match the ones fuzz_ckpt.c decodes with.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/rlog.h"

static struct rlog *fresh(const char *ctr)
{
	struct rlog_params p;
	struct rlog *l;

	if (rlog_parse_ctr(ctr, &p, NULL, 0) != 0 || !(l = rlog_new(&p))) {
		fprintf(stderr, "bad ctr %s\n", ctr);
		exit(1);
	}
	return l;
}

static void add_marks(struct rlog *l, uint32_t node, const uint64_t *r,
		      size_t n)
{
	struct rlog_marks *m = &l->marks[l->nmarks++];

	m->node = node;
	m->n = m->cap = n;
	m->regions = malloc(n * sizeof(*r));
	if (!m->regions)
		exit(1);
	memcpy(m->regions, r, n * sizeof(*r));
	for (size_t i = 0; i < n; i++)
		bitmap_clear(&l->clean, r[i]);
}

static void save(const char *dir, const char *name, struct rlog *l)
{
	char path[4096];
	uint8_t *b;
	size_t n;
	FILE *f;

	if (rlog_serialize(l, &b, &n) != 0)
		exit(1);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(b);
	rlog_free(l);
}

int main(int argc, char **argv)
{
	static const uint64_t m1[] = { 3, 4, 5 }, m7[] = { 5, 70 }, m2[] = { 31 };
	const char *dir = argc > 1 ? argv[1] : ".";
	struct rlog *l;

	save(dir, "01-fresh-disk", fresh("800 clustered-disk 7:2 8"));
	save(dir, "02-fresh-core-nosync", fresh("64 clustered-core 2 nosync"));

	/* Everything filled in. */
	l = fresh("800 clustered-disk 7:2 8");
	for (uint64_t i = 0; i < 100; i++)
		if ((i < 12 || i % 3) && i != 70)
			bitmap_set(&l->sync, i);
	l->sync_count = bitmap_count(&l->sync);
	bitmap_clear(&l->clean, 90);
	add_marks(l, 1, m1, 3);
	add_marks(l, 7, m7, 2);
	l->nslots = 2;
	l->slots[0] = (struct rlog_slot){ 2, 10 };
	l->slots[1] = (struct rlog_slot){ 5, 99 };
	l->nprio = 2;
	l->prio[0] = 33;
	l->prio[1] = 12;
	l->nhalted = 2;
	l->halted[0] = 3;
	l->halted[1] = 9;
	l->sync_search = 12;
	l->generation = 42;
	l->flush_failed = true;
	save(dir, "03-full-disk", l);

	/* A core log at the 32-bit word edge, failure flags, one mark. */
	l = fresh("64 clustered-core 2 nosync");
	add_marks(l, 2, m2, 1);
	bitmap_clear(&l->sync, 31);
	l->sync_count--;
	l->nhalted = 1;
	l->halted[0] = 2;
	l->sync_search = 31;
	l->generation = 7;
	l->log_dev_failed = true;
	save(dir, "04-core-edge", l);
	return 0;
}
