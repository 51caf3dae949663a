/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the checkpoint codec and the dump (lib/rlog_ckpt.c,
 * lib/rlog_dump.c).  States are built by filling struct rlog directly after
 * rlog_new(), so these tests do not depend on rlog_apply().
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/crc32c.h"
#include "cmirror/rlog.h"

#define HDR		36	/* magic, version, len, count, size, kind */

static struct rlog_params params(const char *ctr)
{
	struct rlog_params p;

	assert_int_equal(rlog_parse_ctr(ctr, &p, NULL, 0), 0);
	return p;
}

static void add_marks(struct rlog *l, uint32_t node, const uint64_t *r,
		      size_t n)
{
	struct rlog_marks *m = &l->marks[l->nmarks++];

	m->node = node;
	m->n = m->cap = n;
	m->regions = malloc(n * sizeof(*r));
	assert_non_null(m->regions);
	memcpy(m->regions, r, n * sizeof(*r));
	for (size_t i = 0; i < n; i++)
		bitmap_clear(&l->clean, r[i]);
}

/* 100 regions of a disk log with every kind of state filled in. */
static struct rlog *make_state(void)
{
	static const uint64_t m1[] = { 3, 4, 5 }, m7[] = { 5, 70 };
	struct rlog_params p = params("800 clustered-disk 7:2 8");
	struct rlog *l = rlog_new(&p);

	assert_non_null(l);
	for (uint64_t i = 0; i < 100; i++)
		if ((i < 12 || i % 3) && i != 70)
			bitmap_set(&l->sync, i);
	l->sync_count = bitmap_count(&l->sync);
	bitmap_clear(&l->clean, 90);	/* dirty, awaiting recovery */
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
	return l;
}

static void assert_same_state(const struct rlog *a, const struct rlog *b)
{
	assert_true(bitmap_equal(&a->clean, &b->clean));
	assert_true(bitmap_equal(&a->sync, &b->sync));
	assert_int_equal(a->sync_count, b->sync_count);
	assert_int_equal(a->sync_search, b->sync_search);
	assert_int_equal(a->nmarks, b->nmarks);
	for (size_t i = 0; i < a->nmarks; i++) {
		assert_int_equal(a->marks[i].node, b->marks[i].node);
		assert_int_equal(a->marks[i].n, b->marks[i].n);
		assert_memory_equal(a->marks[i].regions, b->marks[i].regions,
				    a->marks[i].n * sizeof(uint64_t));
	}
	assert_int_equal(a->nslots, b->nslots);
	assert_memory_equal(a->slots, b->slots, a->nslots * sizeof(a->slots[0]));
	assert_int_equal(a->nprio, b->nprio);
	assert_memory_equal(a->prio, b->prio, a->nprio * sizeof(a->prio[0]));
	assert_int_equal(a->nhalted, b->nhalted);
	assert_memory_equal(a->halted, b->halted,
			    a->nhalted * sizeof(a->halted[0]));
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->log_dev_failed, b->log_dev_failed);
	assert_int_equal(a->flush_failed, b->flush_failed);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Re-seal a tampered buffer so the content checks, not the CRC, decide. */
static void reseal(uint8_t *b, size_t len)
{
	put_le(b + len - 4, crc32c(0, b, len - 4), 4);
}

/*
 * Both decoders: the whole buffer (rlog_deserialize) and in place in
 * pieces (rlog_rx): the same verdict and, when accepted, the same state.
 */
static int decode(const uint8_t *b, size_t n, const struct rlog_params *p,
		  struct rlog **out)
{
	size_t step = n > (1u << 20) ? 65536 + 3 : 5;
	struct rlog *c = NULL, *c2 = NULL;
	struct rlog_rx *rx;
	int r = rlog_deserialize(b, n, p, &c), r2;

	assert_int_equal(rlog_rx_new(p, 0, &rx), 0);
	r2 = rlog_rx_start(rx, n);
	for (size_t off = 0; !r2 && off < n; off += step)
		r2 = rlog_rx_put(rx, off, b + off, n - off < step ? n - off
								   : step);
	if (!r2)
		r2 = rlog_rx_finish(rx, &c2);
	rlog_rx_free(rx);
	if (r != r2)
		fail_msg("rlog_deserialize %d, rlog_rx %d", r, r2);
	if (r) {
		assert_null(c);
		assert_null(c2);
		return r;
	}
	assert_same_state(c, c2);
	assert_int_equal(rlog_digest(c), rlog_digest(c2));
	rlog_free(c2);
	*out = c;
	return 0;
}

static void test_rlog_ckpt_round_trip(void **state)
{
	struct rlog *l = make_state(), *c = NULL;
	uint8_t *b, *b2;
	size_t n, n2;

	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_memory_equal(b, "CMCK", 4);
	assert_int_equal(b[4], 1);		/* version, little-endian */
	assert_int_equal(b[8], n & 0xff);	/* total length */
	assert_int_equal(decode(b, n, &l->p, &c), 0);
	assert_same_state(l, c);
	assert_string_equal(c->p.dev, "7:2");
	assert_int_equal(c->p.region_count, 100);
	/* Canonical: the copy serializes to the same bytes. */
	assert_int_equal(rlog_serialize(c, &b2, &n2), 0);
	assert_int_equal(n, n2);
	assert_memory_equal(b, b2, n);
	free(b);
	free(b2);
	rlog_free(c);
	rlog_free(l);
}

/* The joiner's reserve: exact for a log without marks, below the size of
 * one with state (make_state has marks, slots, priority, halted). */
static void test_rlog_ckpt_size_hint(void **state)
{
	const char *ctrs[] = { "1000 clustered-core 8 nosync",
			       "8 clustered-core 8", "800 clustered-core 8" };
	struct rlog *l = make_state();
	struct rlog_params none;
	uint8_t *b;
	size_t n;

	for (size_t i = 0; i < sizeof(ctrs) / sizeof(ctrs[0]); i++) {
		struct rlog_params p = params(ctrs[i]);
		struct rlog *f = rlog_new(&p);

		assert_non_null(f);
		assert_int_equal(rlog_serialize(f, &b, &n), 0);
		assert_int_equal(rlog_ckpt_size_hint(&p), n);
		free(b);
		rlog_free(f);
	}
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_true(rlog_ckpt_size_hint(&l->p) < n);
	free(b);
	rlog_free(l);
	memset(&none, 0, sizeof(none));
	assert_int_equal(rlog_ckpt_size_hint(&none), 0);
	assert_int_equal(rlog_ckpt_size_hint(NULL), 0);
}

static void test_rlog_ckpt_fresh_log_round_trip(void **state)
{
	struct rlog_params p = params("1000 clustered-core 8 nosync");
	struct rlog *l = rlog_new(&p), *c = NULL;
	uint8_t *b;
	size_t n;

	assert_non_null(l);
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_int_equal(decode(b, n, &p, &c), 0);
	assert_same_state(l, c);
	assert_int_equal(c->sync_count, 125);
	free(b);
	rlog_free(c);
	rlog_free(l);
}

static void test_rlog_ckpt_digest_equal_iff_equal(void **state)
{
	struct rlog *a = make_state(), *b = make_state();
	uint32_t d = rlog_digest(a);
	uint8_t *buf;
	size_t n;

	assert_int_equal(d, rlog_digest(b));
	/* The digest is the CRC the serialization ends with. */
	assert_int_equal(rlog_serialize(a, &buf, &n), 0);
	assert_int_equal(d, (uint32_t)buf[n - 4] | (uint32_t)buf[n - 3] << 8 |
			    (uint32_t)buf[n - 2] << 16 |
			    (uint32_t)buf[n - 1] << 24);
	free(buf);
	/* touched_* are local, not replicated state. */
	b->touched_dirtied = b->touched_cleaned = true;
	assert_int_equal(d, rlog_digest(b));
	/* Extra capacity in a marks array is not state either. */
	b->marks[0].cap = 50;
	assert_int_equal(d, rlog_digest(b));

#define CHANGES(stmt) do {					\
		struct rlog *x = rlog_clone(a);			\
		assert_non_null(x);				\
		stmt;						\
		assert_int_not_equal(d, rlog_digest(x));	\
		rlog_free(x);					\
	} while (0)
	CHANGES(bitmap_clear(&x->clean, 50));
	CHANGES(bitmap_clear(&x->sync, 1));
	CHANGES(x->sync_count++);
	CHANGES(x->sync_search++);
	CHANGES(x->marks[1].regions[1] = 71);
	CHANGES(x->marks[0].node = 0);
	CHANGES(x->marks[1].n = 1);
	CHANGES(x->slots[1].region = 98);
	CHANGES(x->nslots = 1);
	CHANGES(x->prio[0] = 12; x->prio[1] = 33);	/* FIFO order counts */
	CHANGES(x->nhalted = 0);
	CHANGES(x->generation++);
	CHANGES(x->log_dev_failed = true);
	CHANGES(x->flush_failed = false);
#undef CHANGES
	rlog_free(a);
	rlog_free(b);
}

/* An empty mark set is the same state as none: same bytes. */
static void test_rlog_ckpt_empty_marks_canonical(void **state)
{
	struct rlog *a = make_state(), *b = make_state(), *c = NULL;
	static const uint64_t r[] = { 20 };
	uint8_t *buf;
	size_t n;

	add_marks(b, 8, r, 1);
	b->marks[2].n = 0;
	bitmap_set(&b->clean, 20);
	assert_int_equal(rlog_digest(a), rlog_digest(b));
	assert_int_equal(rlog_serialize(b, &buf, &n), 0);
	assert_int_equal(rlog_deserialize(buf, n, &b->p, &c), 0);
	assert_int_equal(c->nmarks, 2);
	free(buf);
	rlog_free(c);
	rlog_free(a);
	rlog_free(b);
}

static void test_rlog_ckpt_rejects_every_byte_corruption(void **state)
{
	struct rlog *l = make_state(), *c;
	uint8_t *b;
	size_t n;

	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	for (size_t i = 0; i < n; i++) {
		uint8_t orig = b[i];

		for (unsigned v = 1; v < 256; v++) {
			c = NULL;
			b[i] = (uint8_t)(orig ^ v);
			if (decode(b, n, &l->p, &c) != -EBADMSG)
				fail_msg("byte %zu ^ 0x%02x accepted", i, v);
			assert_null(c);
		}
		b[i] = orig;
	}
	c = NULL;
	assert_int_equal(decode(b, n, &l->p, &c), 0);
	rlog_free(c);
	free(b);
	rlog_free(l);
}

static void test_rlog_ckpt_rejects_truncation_and_extension(void **state)
{
	struct rlog *l = make_state(), *c = NULL;
	uint8_t *b, *big;
	size_t n;

	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	for (size_t k = 0; k < n; k++) {
		/* A separate copy so ASan/valgrind catch any overread. */
		uint8_t *t = malloc(k ? k : 1);

		assert_non_null(t);
		memcpy(t, b, k);
		if (decode(t, k, &l->p, &c) != -EBADMSG)
			fail_msg("truncation to %zu accepted", k);
		free(t);
	}
	/* Truncated and re-sealed: the length field still catches it. */
	memcpy(b + n - 12, b + n - 4, 4);
	reseal(b, n - 8);
	assert_int_equal(decode(b, n - 8, &l->p, &c), -EBADMSG);
	free(b);
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	big = calloc(1, n + 4);
	assert_non_null(big);
	memcpy(big, b, n);
	assert_int_equal(decode(big, n + 1, &l->p, &c), -EBADMSG);
	assert_null(c);
	free(big);
	free(b);
	rlog_free(l);
}

static void test_rlog_ckpt_geometry_mismatch(void **state)
{
	struct rlog *l = make_state(), *c = NULL;
	struct rlog_params p;
	uint8_t *b;
	size_t n;

	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	p = params("800 clustered-disk 7:2 16");	/* region size */
	assert_int_equal(decode(b, n, &p, &c), -EINVAL);
	p = params("808 clustered-disk 7:2 8");		/* region count */
	assert_int_equal(decode(b, n, &p, &c), -EINVAL);
	p = params("800 clustered-core 8");		/* kind */
	assert_int_equal(decode(b, n, &p, &c), -EINVAL);
	/* Same geometry, other words: fine, and the caller's params win. */
	p = params("800 clustered-disk 7:3 8 nosync");
	assert_int_equal(decode(b, n, &p, &c), 0);
	assert_string_equal(c->p.dev, "7:3");
	rlog_free(c);
	free(b);
	rlog_free(l);
}

/*
 * Validly sealed buffers with inconsistent content.  Offsets for the
 * 100-region state: bitmaps of 16 bytes each, then the counters.
 */
enum {
	O_CLEAN = HDR, O_SYNC = HDR + 16, O_SCOUNT = HDR + 32,
	O_SSEARCH = HDR + 40, O_NMARKS = HDR + 48,
	O_M1 = O_NMARKS + 4,			/* node 1: 3 regions */
	O_M7 = O_M1 + 12 + 24,			/* node 7: 2 regions */
	O_NSLOTS = O_M7 + 12 + 16,
	O_NPRIO = O_NSLOTS + 4 + 24,
	O_NHALT = O_NPRIO + 4 + 16,
	O_GEN = O_NHALT + 4 + 8,
	O_FLAGS = O_GEN + 8,
};

static int tamper(size_t off, uint64_t v, int bytes)
{
	struct rlog *l = make_state(), *c = NULL;
	uint8_t *b;
	size_t n;
	int r;

	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_int_equal(n, O_FLAGS + 8);
	put_le(b + off, v, bytes);
	reseal(b, n);
	r = decode(b, n, &l->p, &c);
	if (r == 0)
		rlog_free(c);
	else
		assert_null(c);
	free(b);
	rlog_free(l);
	return r;
}

static void test_rlog_ckpt_rejects_inconsistent_content(void **state)
{
	/* Layout sanity: untouched values re-sealed are accepted. */
	assert_int_equal(tamper(O_GEN, 43, 8), 0);
	assert_int_equal(tamper(O_FLAGS, 3, 4), 0);

	assert_int_equal(tamper(0, 0x4b434d44, 4), -EBADMSG);	/* magic */
	assert_int_equal(tamper(4, 2, 4), -EBADMSG);		/* version */
	assert_int_equal(tamper(8, 999, 8), -EBADMSG);		/* length */
	assert_int_equal(tamper(32, 7, 4), -EBADMSG);		/* kind */
	assert_int_equal(tamper(12 + 4, 0, 8), -EBADMSG);	/* count 0 */
	/* Bits past region 100 in either bitmap. */
	assert_int_equal(tamper(O_CLEAN + 12, 0xff, 1), -EBADMSG);
	assert_int_equal(tamper(O_SYNC + 15, 0x80, 1), -EBADMSG);
	/* A marked region that is clean. */
	assert_int_equal(tamper(O_CLEAN, 0xff, 1), -EBADMSG);
	assert_int_equal(tamper(O_SCOUNT, 1, 8), -EBADMSG);
	assert_int_equal(tamper(O_SSEARCH, 101, 8), -EBADMSG);
	/* The cursor may not pass the first out-of-sync region (12). */
	assert_int_equal(tamper(O_SSEARCH, 13, 8), -EBADMSG);
	assert_int_equal(tamper(O_SSEARCH, 0, 8), 0);
	/* Marks: counts, order, range. */
	assert_int_equal(tamper(O_NMARKS, 3, 4), -EBADMSG);
	assert_int_equal(tamper(O_NMARKS, 1, 4), -EBADMSG);
	assert_int_equal(tamper(O_NMARKS, UINT32_MAX, 4), -EBADMSG);
	assert_int_equal(tamper(O_NMARKS, RLOG_MAX_NODES + 1, 4), -EBADMSG);
	assert_int_equal(tamper(O_M1 + 4, UINT64_MAX, 8), -EBADMSG);
	assert_int_equal(tamper(O_M1 + 4, 1u << 30, 8), -EBADMSG);
	assert_int_equal(tamper(O_M1 + 4, 0, 8), -EBADMSG);
	assert_int_equal(tamper(O_M7, 1, 4), -EBADMSG);		/* dup node */
	assert_int_equal(tamper(O_M7, 0, 4), -EBADMSG);		/* unsorted */
	assert_int_equal(tamper(O_M1 + 12 + 8, 3, 8), -EBADMSG);	/* dup */
	assert_int_equal(tamper(O_M1 + 12 + 16, 4, 8), -EBADMSG);	/* order */
	assert_int_equal(tamper(O_M7 + 12 + 8, 100, 8), -EBADMSG);	/* range */
	assert_int_equal(tamper(O_M7 + 12 + 8, 90, 8), 0);	/* dirty: ok */
	/* Slots. */
	assert_int_equal(tamper(O_NSLOTS, RLOG_MAX_SLOTS + 1, 4), -EBADMSG);
	assert_int_equal(tamper(O_NSLOTS + 4 + 12, 2, 4), -EBADMSG);
	assert_int_equal(tamper(O_NSLOTS + 4 + 16, 10, 8), -EBADMSG);
	assert_int_equal(tamper(O_NSLOTS + 4 + 16, 100, 8), -EBADMSG);
	/* Priority. */
	assert_int_equal(tamper(O_NPRIO, RLOG_MAX_PRIORITY + 1, 4), -EBADMSG);
	assert_int_equal(tamper(O_NPRIO, 3, 4), -EBADMSG);
	assert_int_equal(tamper(O_NPRIO + 4 + 8, 33, 8), -EBADMSG);
	assert_int_equal(tamper(O_NPRIO + 4 + 8, 1000, 8), -EBADMSG);
	/* Halted. */
	assert_int_equal(tamper(O_NHALT, RLOG_MAX_NODES + 1, 4), -EBADMSG);
	assert_int_equal(tamper(O_NHALT + 8, 3, 4), -EBADMSG);
	assert_int_equal(tamper(O_NHALT + 8, 1, 4), -EBADMSG);
	/* Unknown flag bits. */
	assert_int_equal(tamper(O_FLAGS, 4, 4), -EBADMSG);
}

static void test_rlog_ckpt_large_round_trip(void **state)
{
	struct rlog_params p = params("33554432 clustered-core 2");
	struct rlog *l = rlog_new(&p), *c = NULL;
	uint64_t r[] = { 5, (UINT64_C(1) << 24) - 1 };
	uint8_t *b;
	size_t n;

	assert_non_null(l);
	assert_int_equal(p.region_count, UINT64_C(1) << 24);
	for (uint64_t i = 0; i < p.region_count; i += 7)
		bitmap_set(&l->sync, i);
	bitmap_clear(&l->sync, 5);
	l->sync_count = bitmap_count(&l->sync);
	add_marks(l, 4, r, 2);
	l->sync_search = 1;	/* first out-of-sync region */
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_true(n > 4u << 20);
	assert_int_equal(decode(b, n, &p, &c), 0);
	assert_same_state(l, c);
	assert_int_equal(rlog_digest(c), rlog_digest(l));
	/* The CRC covers the bitmaps too. */
	b[HDR + (2u << 20) + 77] ^= 0x10;
	rlog_free(c);
	c = NULL;
	assert_int_equal(decode(b, n, &p, &c), -EBADMSG);
	free(b);
	rlog_free(l);
}

/* Read a whole snapshot in pieces of at most `step` bytes. */
static void read_snap(const struct rlog_snap *s, uint8_t *out, size_t step)
{
	size_t off = 0, len = rlog_snap_len(s);

	while (off < len) {
		size_t n = len - off < step ? len - off : step;
		const uint8_t *p = rlog_snap_peek(s, off, &n);

		assert_non_null(p);
		assert_true(n > 0);
		memcpy(out + off, p, n);
		off += n;
	}
	assert_null(rlog_snap_peek(s, len, &(size_t){ 1 }));
}

/*
 * A snapshot reads as the serialization of its moment while the log goes
 * on changing (bitmaps, marks, counters) and after the log is freed; its
 * CRC is that of all its bytes; it decodes to the state of its moment.
 */
static void test_rlog_ckpt_snap_is_frozen_serialization(void **state)
{
	/* 2^22 regions: 512 KiB bitmaps, several copy-on-write blocks. */
	struct rlog_params p = params("8388608 clustered-core 2");
	struct rlog *l = rlog_new(&p), *before, *c = NULL;
	static const uint64_t r[] = { 9, 1u << 20, (1u << 22) - 1 };
	static const size_t steps[] = { 1, 7, 4096, SIZE_MAX };
	struct rlog_snap *s;
	uint8_t *b, *seen;
	size_t n;

	(void)state;
	assert_non_null(l);
	for (uint64_t i = 0; i < p.region_count; i += 5)
		bitmap_set(&l->sync, i);
	l->sync_count = bitmap_count(&l->sync);
	add_marks(l, 2, r, 3);
	l->generation = 17;
	before = rlog_clone(l);
	assert_non_null(before);
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_int_equal(rlog_snap_begin(l, &s), 0);
	assert_int_equal(rlog_snap_len(s), n);
	assert_int_equal(rlog_snap_crc(s), crc32c(0, b, n));
	seen = malloc(n);
	assert_non_null(seen);

	/* Change everything the image holds. */
	for (uint64_t i = 3; i < p.region_count; i += 40009) {
		bitmap_clear(&l->clean, i);
		bitmap_set(&l->sync, i);
	}
	l->sync_count = bitmap_count(&l->sync);
	l->marks[0].n = 1;
	l->generation = 99;
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		memset(seen, 0, n);
		read_snap(s, seen, steps[k]);
		assert_memory_equal(seen, b, n);
	}
	rlog_free(l);
	memset(seen, 0, n);
	read_snap(s, seen, SIZE_MAX);
	assert_memory_equal(seen, b, n);
	rlog_snap_end(s);
	assert_int_equal(rlog_deserialize(seen, n, &p, &c), 0);
	assert_same_state(c, before);
	rlog_free(c);
	rlog_free(before);
	free(seen);
	free(b);
}

/* A log that is not changed while a snapshot is out is left as it was. */
static void test_rlog_ckpt_snap_small_log(void **state)
{
	struct rlog *l = make_state();
	struct rlog_snap *s1, *s2;
	uint8_t *b, *seen;
	size_t n;

	(void)state;
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_int_equal(rlog_snap_begin(l, &s1), 0);
	assert_int_equal(rlog_snap_begin(l, &s2), 0);
	seen = malloc(n);
	assert_non_null(seen);
	bitmap_fill(&l->clean, false);
	rlog_snap_end(s2);
	read_snap(s1, seen, 3);
	assert_memory_equal(seen, b, n);
	rlog_snap_end(s1);
	assert_null(l->clean.cow);
	assert_null(l->sync.cow);
	assert_int_equal(rlog_snap_begin(NULL, &s1), -EINVAL);
	free(seen);
	free(b);
	rlog_free(l);
}

/* The in-place receiver's own rules: order, bounds, completeness, reuse,
 * a tail larger than the room asked for, and spent after finishing. */
static void test_rlog_ckpt_rx_protocol(void **state)
{
	struct rlog *l = make_state(), *c = NULL;
	struct rlog_rx *rx;
	uint8_t *b;
	size_t n;

	(void)state;
	assert_int_equal(rlog_serialize(l, &b, &n), 0);
	assert_int_equal(rlog_rx_new(&l->p, 0, &rx), 0);
	/* make_state's marks and queues are more than an empty log's tail. */
	assert_true(rlog_rx_bytes(rx) < n);
	assert_int_equal(rlog_rx_put(rx, 0, b, 1), -EINVAL);	/* no start */
	assert_int_equal(rlog_rx_start(rx, HDR), -EBADMSG);	/* too short */
	assert_int_equal(rlog_rx_start(rx, n), 0);
	assert_true(rlog_rx_bytes(rx) >= n);			/* grew */
	assert_int_equal(rlog_rx_put(rx, 1, b + 1, 1), -EINVAL);	/* gap */
	assert_int_equal(rlog_rx_put(rx, 0, b, n + 1), -EINVAL);	/* past */
	assert_int_equal(rlog_rx_put(rx, 0, b, n - 1), 0);
	assert_int_equal(rlog_rx_put(rx, 0, b, 1), -EINVAL);	/* again */
	/* Begin anew (another snapshot's first chunk) and complete it. */
	assert_int_equal(rlog_rx_start(rx, n), 0);
	assert_int_equal(rlog_rx_put(rx, 0, b, n), 0);
	assert_int_equal(rlog_rx_finish(rx, &c), 0);
	assert_same_state(l, c);
	/* The replica owns the bitmaps now: the rx is spent. */
	assert_int_equal(rlog_rx_start(rx, n), -EINVAL);
	assert_int_equal(rlog_rx_finish(rx, &c), -EINVAL);
	rlog_rx_free(rx);
	rlog_free(c);

	/* Incomplete: rejected, and spent too. */
	assert_int_equal(rlog_rx_new(&l->p, 4096, &rx), 0);
	assert_true(rlog_rx_bytes(rx) >= n);
	assert_int_equal(rlog_rx_start(rx, n), 0);
	assert_int_equal(rlog_rx_put(rx, 0, b, n - 4), 0);
	c = NULL;
	assert_int_equal(rlog_rx_finish(rx, &c), -EBADMSG);
	assert_null(c);
	assert_int_equal(rlog_rx_start(rx, n), -EINVAL);
	rlog_rx_free(rx);
	assert_int_equal(rlog_rx_new(NULL, 0, &rx), -EINVAL);
	free(b);
	rlog_free(l);
}

static void test_rlog_ckpt_dump_content(void **state)
{
	struct rlog *l = make_state();
	char buf[2048];
	int n = rlog_dump(l, buf, sizeof(buf), 8);

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(strlen(buf), n);
	assert_non_null(strstr(buf, "regions 100 region_size 8 type disk"));
	assert_non_null(strstr(buf, "in_sync 69/100"));
	assert_non_null(strstr(buf, "dirty 5 "));	/* 3,4,5,70,90 */
	assert_non_null(strstr(buf, "cursor 12 generation 42 flags F\n"));
	assert_non_null(strstr(buf, "marks 2: node 1: 3 [ 3-5 ] node 7: 2 [ 5 70 ]"));
	assert_non_null(strstr(buf, "slots 2: node 2 -> 10 node 5 -> 99\n"));
	assert_non_null(strstr(buf, "priority 2: 33 12\n"));
	assert_non_null(strstr(buf, "halted 2: 3 9\n"));
	assert_non_null(strstr(buf, "out_of_sync 30: 12 15 18 21 24 27 30 33 ...\n"));
	assert_non_null(strstr(buf, "dirty 3: 3-5 70 90\n"));
	rlog_free(l);
}

static void test_rlog_ckpt_dump_snprintf_semantics(void **state)
{
	struct rlog *l = make_state();
	char full[2048], small[40];
	int n = rlog_dump(l, full, sizeof(full), 4);

	assert_int_equal(rlog_dump(l, NULL, 0, 4), n);
	memset(small, 'x', sizeof(small));
	assert_int_equal(rlog_dump(l, small, sizeof(small), 4), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
	/* max_ranges 0: counts only. */
	rlog_dump(l, full, sizeof(full), 0);
	assert_non_null(strstr(full, "out_of_sync 30: ...\n"));
	assert_non_null(strstr(full, "node 1: 3 [ ... ]"));
	rlog_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rlog_ckpt_round_trip),
		cmocka_unit_test(test_rlog_ckpt_size_hint),
		cmocka_unit_test(test_rlog_ckpt_fresh_log_round_trip),
		cmocka_unit_test(test_rlog_ckpt_digest_equal_iff_equal),
		cmocka_unit_test(test_rlog_ckpt_empty_marks_canonical),
		cmocka_unit_test(test_rlog_ckpt_rejects_every_byte_corruption),
		cmocka_unit_test(test_rlog_ckpt_rejects_truncation_and_extension),
		cmocka_unit_test(test_rlog_ckpt_geometry_mismatch),
		cmocka_unit_test(test_rlog_ckpt_rejects_inconsistent_content),
		cmocka_unit_test(test_rlog_ckpt_large_round_trip),
		cmocka_unit_test(test_rlog_ckpt_snap_is_frozen_serialization),
		cmocka_unit_test(test_rlog_ckpt_snap_small_log),
		cmocka_unit_test(test_rlog_ckpt_rx_protocol),
		cmocka_unit_test(test_rlog_ckpt_dump_content),
		cmocka_unit_test(test_rlog_ckpt_dump_snprintf_semantics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
