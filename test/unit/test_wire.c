/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the cluster wire codec (lib/wire.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/wire.h"

static const char UUID[] = "LVM-abcdefghijklmnopqrstuvwxyz0123456789";

static struct wire_hdr hdr(uint32_t sender, uint64_t view)
{
	struct wire_hdr h;

	memset(&h, 0, sizeof(h));
	h.sender = sender;
	h.view = view;
	strcpy(h.uuid, UUID);
	return h;
}

/* Three ops with 0, 1 and WIRE_MAX_OP_WORDS words. */
static size_t make_ops(uint8_t *buf, size_t cap)
{
	struct wire_hdr h = hdr(7, 0);
	struct wire_ops_enc e;
	uint64_t w[WIRE_MAX_OP_WORDS];

	for (unsigned i = 0; i < WIRE_MAX_OP_WORDS; i++)
		w[i] = 0x0102030405060708ull * (i + 1);
	assert_int_equal(wire_ops_begin(&e, buf, cap, &h), 0);
	assert_int_equal(wire_ops_add(&e, 1, 7, 3, NULL, 0), 0);
	assert_int_equal(wire_ops_add(&e, UINT64_MAX, 7, 0x100, w, 1), 0);
	assert_int_equal(wire_ops_add(&e, 42, 7, 9, w, WIRE_MAX_OP_WORDS), 0);
	return wire_ops_finish(&e);
}

static void test_wire_header_little_endian(void **state)
{
	uint8_t buf[WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_MAX_SIZE];
	size_t len = make_ops(buf, sizeof(buf));

	assert_memory_equal(buf, "CMW1", 4);
	assert_int_equal(buf[4], WIRE_VERSION);	/* version LE */
	assert_int_equal(buf[5], 0);
	assert_int_equal(buf[6], WIRE_KIND_OPS);
	assert_int_equal(buf[8], len & 0xff);
	assert_int_equal(buf[12], 7);	/* sender */
	assert_memory_equal(buf + 16, UUID, sizeof(UUID));
}

static void test_wire_ops_round_trip(void **state)
{
	uint8_t buf[WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_MAX_SIZE];
	size_t len = make_ops(buf, sizeof(buf));
	struct wire_ops_dec d;
	struct wire_hdr h;
	struct wire_op op;

	assert_int_equal(len, WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_HDR_SIZE +
			 8 * (1 + WIRE_MAX_OP_WORDS));
	assert_int_equal(wire_ops_open(&d, buf, len, &h), 3);
	assert_int_equal(h.kind, WIRE_KIND_OPS);
	assert_int_equal(h.sender, 7);
	assert_int_equal(h.length, len);
	assert_string_equal(h.uuid, UUID);
	assert_int_equal(wire_ops_next(&d, &op), 1);
	assert_int_equal(op.tag, 1);
	assert_int_equal(op.type, 3);
	assert_int_equal(op.nwords, 0);
	assert_int_equal(wire_ops_next(&d, &op), 1);
	assert_true(op.tag == UINT64_MAX);
	assert_int_equal(op.type, 0x100);
	assert_int_equal(op.nwords, 1);
	assert_true(op.words[0] == 0x0102030405060708ull);
	assert_int_equal(wire_ops_next(&d, &op), 1);
	assert_int_equal(op.origin, 7);
	assert_int_equal(op.nwords, WIRE_MAX_OP_WORDS);
	assert_true(op.words[39] == 0x0102030405060708ull * 40);
	assert_int_equal(wire_ops_next(&d, &op), 0);
}

static void test_wire_ops_add_limits(void **state)
{
	uint8_t buf[WIRE_HDR_SIZE + 4 + WIRE_OP_HDR_SIZE + 8];
	struct wire_hdr h = hdr(1, 0);
	struct wire_ops_enc e;
	uint64_t w[WIRE_MAX_OP_WORDS + 1] = { 0 };
	struct wire_ops_dec d;

	assert_int_equal(wire_ops_begin(&e, buf, 10, &h), -EINVAL);
	assert_int_equal(wire_ops_begin(&e, buf, sizeof(buf), &h), 0);
	assert_int_equal(wire_ops_add(&e, 1, 1, 1, w, WIRE_MAX_OP_WORDS + 1),
			 -EINVAL);
	assert_int_equal(wire_ops_add(&e, 1, 1, 1, w, 2), -ENOSPC);
	assert_int_equal(wire_ops_add(&e, 1, 1, 1, w, 1), 0);
	assert_int_equal(wire_ops_add(&e, 2, 1, 1, NULL, 0), -ENOSPC);
	/* The message built so far is still valid. */
	assert_int_equal(wire_ops_open(&d, buf, wire_ops_finish(&e), &h), 1);
}

static void test_wire_ops_truncated_rejected(void **state)
{
	uint8_t buf[WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_MAX_SIZE];
	size_t len = make_ops(buf, sizeof(buf));
	struct wire_ops_dec d;
	struct wire_hdr h;

	for (size_t l = 0; l < len; l++) {
		uint8_t *copy = malloc(l ? l : 1);

		memcpy(copy, buf, l);
		/* Length field still says the old length: mismatch. */
		assert_int_equal(wire_ops_open(&d, copy, l, &h), -EBADMSG);
		/* And with the length field patched to agree. */
		if (l >= WIRE_HDR_SIZE) {
			copy[8] = (uint8_t)l;
			copy[9] = (uint8_t)(l >> 8);
			copy[10] = copy[11] = 0;
			assert_int_equal(wire_ops_open(&d, copy, l, &h),
					 -EBADMSG);
		}
		free(copy);
	}
}

static void test_wire_ops_bad_counts_rejected(void **state)
{
	uint8_t buf[WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_MAX_SIZE];
	size_t len = make_ops(buf, sizeof(buf));
	struct wire_ops_dec d;
	struct wire_hdr h;
	uint8_t save;

	/* Op count larger than the message. */
	buf[WIRE_HDR_SIZE] = 4;
	assert_int_equal(wire_ops_open(&d, buf, len, &h), -EBADMSG);
	buf[WIRE_HDR_SIZE + 3] = 0xff;
	assert_int_equal(wire_ops_open(&d, buf, len, &h), -EBADMSG);
	buf[WIRE_HDR_SIZE] = 3;
	buf[WIRE_HDR_SIZE + 3] = 0;
	assert_int_equal(wire_ops_open(&d, buf, len, &h), 3);
	/* Fewer ops than present: trailing bytes. */
	buf[WIRE_HDR_SIZE] = 2;
	assert_int_equal(wire_ops_open(&d, buf, len, &h), -EBADMSG);
	buf[WIRE_HDR_SIZE] = 3;
	/* nwords over the limit in the first op. */
	save = buf[WIRE_HDR_SIZE + 4 + 16];
	buf[WIRE_HDR_SIZE + 4 + 16] = WIRE_MAX_OP_WORDS + 1;
	assert_int_equal(wire_ops_open(&d, buf, len, &h), -EBADMSG);
	buf[WIRE_HDR_SIZE + 4 + 16] = save;
	/* nwords huge (would overflow 8 * n in 32 bits). */
	buf[WIRE_HDR_SIZE + 4 + 19] = 0x20;
	assert_int_equal(wire_ops_open(&d, buf, len, &h), -EBADMSG);
}

static void test_wire_header_checks(void **state)
{
	uint8_t buf[WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_MAX_SIZE];
	size_t len = make_ops(buf, sizeof(buf));
	struct wire_hdr h;

	assert_int_equal(wire_hdr_decode(buf, len, &h), 0);
	assert_int_equal(wire_hdr_decode(buf, WIRE_HDR_SIZE - 1, &h), -EBADMSG);
	buf[4] = WIRE_VERSION + 1;	/* unknown version */
	assert_int_equal(wire_hdr_decode(buf, len, &h), -EPROTO);
	buf[4] = 1;	/* before FLUSH acknowledgements: refused too */
	assert_int_equal(wire_hdr_decode(buf, len, &h), -EPROTO);
	buf[4] = WIRE_VERSION;
	buf[0] = 'X';	/* magic */
	assert_int_equal(wire_hdr_decode(buf, len, &h), -EBADMSG);
	buf[0] = 'C';
	buf[6] = 9;	/* kind */
	assert_int_equal(wire_hdr_decode(buf, len, &h), -EBADMSG);
	buf[6] = WIRE_KIND_OPS;
	memset(buf + 16, 'a', WIRE_UUID_SIZE);	/* no NUL in uuid */
	assert_int_equal(wire_hdr_decode(buf, len, &h), -EBADMSG);
	memset(buf + 16, 0, WIRE_UUID_SIZE);
	buf[16 + WIRE_UUID_SIZE] = 1;	/* reserved */
	assert_int_equal(wire_hdr_decode(buf, len, &h), -EBADMSG);
	buf[16 + WIRE_UUID_SIZE] = 0;
	assert_int_equal(wire_hdr_decode(buf, len, &h), 0);
	assert_string_equal(h.uuid, "");
}

static struct wire_ckpt ckpt(const uint8_t *data, uint32_t chunk)
{
	struct wire_ckpt c;

	memset(&c, 0, sizeof(c));
	c.members.n = 3;
	c.members.id[0] = 1;
	c.members.id[1] = 2;
	c.members.id[2] = 70000;
	c.synced.n = 1;
	c.synced.id[0] = 1;
	c.total = 1000;
	c.offset = 900;
	c.chunk = chunk;
	c.crc = 0xdeadbeef;
	c.data = data;
	return c;
}

/* Encode a CKPT-like message (header + metadata + bytes). */
static size_t make_ckpt(uint8_t *buf, size_t cap, uint16_t kind)
{
	static const uint8_t data[100] = { 1, 2, 3, [99] = 99 };
	struct wire_hdr h = hdr(2, 0x200000005ull);
	struct wire_ckpt c = ckpt(data, sizeof(data));
	int meta = wire_ckpt_encode_hdr(buf, cap, kind, &h, &c);

	assert_true(meta > 0);
	assert_true((size_t)meta + sizeof(data) <= cap);
	memcpy(buf + meta, data, sizeof(data));
	return (size_t)meta + sizeof(data);
}

static void test_wire_ckpt_round_trip(void **state)
{
	uint8_t buf[WIRE_CKPT_MAX_HDR + 100];
	struct wire_hdr h;
	struct wire_ckpt c;

	for (uint16_t kind = WIRE_KIND_CKPT; kind <= WIRE_KIND_MERGE_IN;
	     kind++) {
		size_t len = make_ckpt(buf, sizeof(buf), kind);

		assert_int_equal(len, WIRE_CKPT_MIN_SIZE + 4 * 4 + 100);
		assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), 0);
		assert_int_equal(h.kind, kind);
		assert_true(h.view == 0x200000005ull);
		assert_int_equal(c.members.n, 3);
		assert_int_equal(c.members.id[2], 70000);
		assert_int_equal(c.synced.n, 1);
		assert_int_equal(c.total, 1000);
		assert_int_equal(c.offset, 900);
		assert_int_equal(c.chunk, 100);
		assert_int_equal(c.crc, 0xdeadbeef);
		assert_int_equal(c.data[99], 99);
		assert_ptr_equal(c.data, buf + len - 100);
	}
}

static void test_wire_ckpt_encode_rejects_bad_ranges(void **state)
{
	uint8_t buf[WIRE_CKPT_MAX_HDR];
	struct wire_hdr h = hdr(2, 1);
	struct wire_ckpt c = ckpt(NULL, 100);

	assert_int_equal(wire_ckpt_encode_hdr(buf, sizeof(buf), WIRE_KIND_OPS,
					      &h, &c), -EINVAL);
	c.chunk = 101;	/* past total */
	assert_int_equal(wire_ckpt_encode_hdr(buf, sizeof(buf), WIRE_KIND_CKPT,
					      &h, &c), -EINVAL);
	c = ckpt(NULL, 100);
	c.members.id[1] = 1;	/* not strictly sorted */
	assert_int_equal(wire_ckpt_encode_hdr(buf, sizeof(buf), WIRE_KIND_CKPT,
					      &h, &c), -EINVAL);
	c = ckpt(NULL, 100);
	c.total = WIRE_CKPT_MAX + 1;
	assert_int_equal(wire_ckpt_encode_hdr(buf, sizeof(buf), WIRE_KIND_CKPT,
					      &h, &c), -EINVAL);
	c = ckpt(NULL, 100);
	c.synced.n = WIRE_MAX_MEMBERS + 1;
	assert_int_equal(wire_ckpt_encode_hdr(buf, sizeof(buf), WIRE_KIND_CKPT,
					      &h, &c), -EINVAL);
}

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_wire_ckpt_malformed_rejected(void **state)
{
	uint8_t buf[WIRE_CKPT_MAX_HDR + 100];
	size_t len = make_ckpt(buf, sizeof(buf), WIRE_KIND_CKPT);
	size_t pos_total = WIRE_HDR_SIZE + 4 + 12 + 4 + 4;
	struct wire_hdr h;
	struct wire_ckpt c;
	uint8_t orig[sizeof(buf)];

	memcpy(orig, buf, len);
	/* Every truncation, with the length field made to agree. */
	for (size_t l = WIRE_HDR_SIZE; l < len; l++) {
		put32le(buf + 8, (uint32_t)l);
		assert_int_equal(wire_ckpt_decode(buf, l, &h, &c), -EBADMSG);
	}
	memcpy(buf, orig, len);
	put32le(buf + WIRE_HDR_SIZE, WIRE_MAX_MEMBERS + 1);	/* members */
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	put32le(buf + WIRE_HDR_SIZE, 0xffffffffu);
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	memcpy(buf, orig, len);
	put32le(buf + WIRE_HDR_SIZE + 8, 1);	/* unsorted members */
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	memcpy(buf, orig, len);
	buf[pos_total + 7] = 0x80;	/* total over WIRE_CKPT_MAX */
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	memcpy(buf, orig, len);
	put32le(buf + pos_total + 8, 950);	/* offset + chunk > total */
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	memcpy(buf, orig, len);
	put32le(buf + pos_total + 16, 99);	/* chunk != remaining bytes */
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	memcpy(buf, orig, len);
	buf[6] = WIRE_KIND_OPS;	/* wrong kind for this decoder */
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EBADMSG);
	memcpy(buf, orig, len);
	buf[4] = 7;
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), -EPROTO);
	memcpy(buf, orig, len);
	assert_int_equal(wire_ckpt_decode(buf, len, &h, &c), 0);
}

/* Decode every single-byte mutation and random noise: never crash (run
 * under valgrind / ASan), and whatever decodes stays within bounds. */
static void test_wire_mutations_never_crash(void **state)
{
	uint8_t ops[WIRE_HDR_SIZE + 4 + 3 * WIRE_OP_MAX_SIZE];
	uint8_t ck[WIRE_CKPT_MAX_HDR + 100];
	size_t lo = make_ops(ops, sizeof(ops));
	size_t lc = make_ckpt(ck, sizeof(ck), WIRE_KIND_MERGE_IN);
	unsigned seed = 12345;
	struct wire_hdr h;
	struct wire_ckpt c;
	struct wire_ops_dec d;
	struct wire_op op;

	for (int round = 0; round < 20000; round++) {
		uint8_t *src = round & 1 ? ck : ops;
		size_t len = round & 1 ? lc : lo;
		uint8_t *m = malloc(len);
		int n;

		memcpy(m, src, len);
		for (int k = 0; k <= round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			m[(seed >> 8) % len] ^= (uint8_t)(seed >> 20 | 1);
		}
		n = wire_ops_open(&d, m, len, &h);
		if (n >= 0) {
			int got = 0;

			while (wire_ops_next(&d, &op) == 1) {
				assert_true(op.nwords <= WIRE_MAX_OP_WORDS);
				got++;
			}
			assert_int_equal(got, n);
		}
		if (wire_ckpt_decode(m, len, &h, &c) == 0) {
			assert_true(c.data + c.chunk == m + len);
			assert_true(c.offset + c.chunk <= c.total);
		}
		free(m);
	}
}

static void test_wire_nodes_equal(void **state)
{
	struct wire_nodes a = { 2, { 1, 2 } }, b = { 2, { 1, 2 } };

	assert_true(wire_nodes_equal(&a, &b));
	b.id[1] = 3;
	assert_false(wire_nodes_equal(&a, &b));
	b.n = 1;
	assert_false(wire_nodes_equal(&a, &b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_header_little_endian),
		cmocka_unit_test(test_wire_ops_round_trip),
		cmocka_unit_test(test_wire_ops_add_limits),
		cmocka_unit_test(test_wire_ops_truncated_rejected),
		cmocka_unit_test(test_wire_ops_bad_counts_rejected),
		cmocka_unit_test(test_wire_header_checks),
		cmocka_unit_test(test_wire_ckpt_round_trip),
		cmocka_unit_test(test_wire_ckpt_encode_rejects_bad_ranges),
		cmocka_unit_test(test_wire_ckpt_malformed_rejected),
		cmocka_unit_test(test_wire_mutations_never_crash),
		cmocka_unit_test(test_wire_nodes_equal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
