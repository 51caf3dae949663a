/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the shared-stream bundle codec (lib/wire_stream.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/wire_stream.h"

/* A bundle from node 9: LOG "abc" (two iovecs), JOIN and ANNOUNCE. */
static size_t make(uint8_t *buf, size_t cap)
{
	struct wstream_enc e;
	struct wstream_ann_enc a;
	uint8_t m[4 + WSTREAM_UUID_MAX], ann[256];
	struct iovec log[2] = { { "ab", 2 }, { "c", 1 } };
	struct iovec iov;
	int n;

	wstream_begin(&e, buf, cap, 9);
	assert_int_equal(wstream_add(&e, WSTREAM_LOG, log, 2), 0);
	n = wstream_member_encode(m, 5, "LVM-x");
	assert_int_equal(n, 9);
	iov = (struct iovec){ m, (size_t)n };
	assert_int_equal(wstream_add(&e, WSTREAM_JOIN, &iov, 1), 0);
	wstream_ann_begin(&a, ann, sizeof(ann));
	assert_int_equal(wstream_ann_add(&a, "one"), 0);
	assert_int_equal(wstream_ann_add(&a, "two"), 0);
	iov = (struct iovec){ ann, wstream_ann_finish(&a, WSTREAM_ANN_FIRST |
						       WSTREAM_ANN_LAST) };
	assert_int_equal(wstream_add(&e, WSTREAM_ANNOUNCE, &iov, 1), 0);
	return wstream_finish(&e);
}

static void test_stream_round_trip(void **state)
{
	uint8_t buf[512];
	size_t len = make(buf, sizeof(buf));
	struct wstream_dec d;
	struct wstream_rec r;
	struct wstream_ann_dec a;
	char uuid[WSTREAM_UUID_MAX + 1];
	uint32_t inc = 0;

	assert_memory_equal(buf, "CMS1", 4);
	assert_int_equal(wstream_open(&d, buf, len), 3);
	assert_int_equal(d.sender, 9);
	assert_int_equal(wstream_next(&d, &r), 1);
	assert_int_equal(r.type, WSTREAM_LOG);
	assert_int_equal(r.len, 3);
	assert_memory_equal(r.data, "abc", 3);
	assert_int_equal(wstream_next(&d, &r), 1);
	assert_int_equal(r.type, WSTREAM_JOIN);
	assert_int_equal(wstream_member_decode(r.data, r.len, &inc, uuid), 0);
	assert_int_equal(inc, 5);
	assert_string_equal(uuid, "LVM-x");
	assert_int_equal(wstream_next(&d, &r), 1);
	assert_int_equal(r.type, WSTREAM_ANNOUNCE);
	assert_int_equal(wstream_ann_open(&a, r.data, r.len), 2);
	assert_int_equal(a.flags, WSTREAM_ANN_FIRST | WSTREAM_ANN_LAST);
	assert_int_equal(wstream_ann_next(&a, uuid), 1);
	assert_string_equal(uuid, "one");
	assert_int_equal(wstream_ann_next(&a, uuid), 1);
	assert_string_equal(uuid, "two");
	assert_int_equal(wstream_ann_next(&a, uuid), 0);
	assert_int_equal(wstream_next(&d, &r), 0);
}

/* Every truncation, and every single-byte corruption of the framing,
 * is refused before anything is yielded. */
static void test_stream_rejects_bad_framing(void **state)
{
	uint8_t buf[512], bad[512];
	size_t len = make(buf, sizeof(buf));
	struct wstream_dec d;

	for (size_t cut = 0; cut < len; cut++)
		assert_true(wstream_open(&d, buf, cut) < 0);
	memcpy(bad, buf, len);
	bad[0] ^= 1;				/* magic */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[4] = 2;				/* version */
	assert_int_equal(wstream_open(&d, bad, len), -EPROTO);
	memcpy(bad, buf, len);
	bad[6] = 1;				/* reserved */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[16] = 4;				/* count too high */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[16] = 2;				/* count too low: bytes left */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[WSTREAM_HDR_SIZE] = 9;		/* record type */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[WSTREAM_HDR_SIZE + 7] = 0x80;	/* record length */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
	memcpy(bad, buf, len);
	bad[8]++;				/* bundle length */
	assert_int_equal(wstream_open(&d, bad, len), -EBADMSG);
}

static void test_stream_member_and_announce_checks(void **state)
{
	uint8_t m[4 + WSTREAM_UUID_MAX + 1];
	char uuid[WSTREAM_UUID_MAX + 2], big[WSTREAM_UUID_MAX + 2];
	uint8_t ann[32] = { 0 };
	struct wstream_ann_dec a;
	uint32_t inc;

	memset(big, 'u', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(wstream_member_encode(m, 1, big), -EINVAL);
	assert_int_equal(wstream_member_encode(m, 1, ""), -EINVAL);
	big[WSTREAM_UUID_MAX] = 0;
	assert_int_equal(wstream_member_encode(m, 1, big),
			 4 + WSTREAM_UUID_MAX);
	assert_int_equal(wstream_member_decode(m, 4 + WSTREAM_UUID_MAX, &inc,
					       uuid), 0);
	assert_string_equal(uuid, big);
	/* Too long, empty, or with a NUL inside. */
	assert_int_equal(wstream_member_decode(m, 4 + WSTREAM_UUID_MAX + 1,
					       &inc, uuid), -EBADMSG);
	assert_int_equal(wstream_member_decode(m, 4, &inc, uuid), -EBADMSG);
	m[6] = 0;
	assert_int_equal(wstream_member_decode(m, 10, &inc, uuid), -EBADMSG);
	/* ANNOUNCE: unknown flag, count beyond the bytes, NUL in a uuid. */
	ann[0] = 4;
	assert_int_equal(wstream_ann_open(&a, ann, 8), -EBADMSG);
	ann[0] = 0;
	ann[4] = 1;
	assert_int_equal(wstream_ann_open(&a, ann, 8), -EBADMSG);
	ann[8] = 2;	/* ulen 2: "x\0" */
	ann[10] = 'x';
	assert_int_equal(wstream_ann_open(&a, ann, 12), -EBADMSG);
	ann[11] = 'y';
	assert_int_equal(wstream_ann_open(&a, ann, 12), 1);
	assert_int_equal(wstream_ann_open(&a, ann, 13), -EBADMSG);
}

static void test_stream_full_bundle(void **state)
{
	uint8_t buf[WSTREAM_HDR_SIZE + 2 * (WSTREAM_REC_HDR_SIZE + 4)];
	struct wstream_enc e;
	struct wstream_dec d;
	struct iovec iov = { "abcd", 4 };

	wstream_begin(&e, buf, sizeof(buf), 1);
	assert_int_equal(wstream_add(&e, WSTREAM_LOG, &iov, 1), 0);
	assert_int_equal(wstream_add(&e, WSTREAM_LOG, &iov, 1), 0);
	assert_int_equal(wstream_add(&e, WSTREAM_LOG, &iov, 1), -ENOSPC);
	assert_int_equal(wstream_add(&e, 0, &iov, 1), -EINVAL);
	assert_int_equal(wstream_open(&d, buf, wstream_finish(&e)), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_round_trip),
		cmocka_unit_test(test_stream_rejects_bad_framing),
		cmocka_unit_test(test_stream_member_and_announce_checks),
		cmocka_unit_test(test_stream_full_bundle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
