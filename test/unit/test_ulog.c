/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the kernel protocol codec, request side (lib/ulog.c,
 * lib/ulog_ops.c): the type table, every parse error class, copy_string.
 * Frames are crafted byte by byte (ulog_frames.h), not with the codec under
 * test, so a layout mistake cannot hide in both sides.  Every parse of
 * a short frame runs on a heap copy of exactly that length, so ASan and
 * valgrind catch any read past it.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/ulog.h"
#include "ulog_frames.h"

/* Parse a heap copy of exactly len bytes. */
static int parse_exact(const uint8_t *b, size_t len, struct ulog_req *req,
		       bool *hdr)
{
	uint8_t *c = malloc(len ? len : 1);
	int r;

	assert_non_null(c);
	if (len)
		memcpy(c, b, len);
	r = ulog_parse_frame(c, len, req, hdr);
	/* req->data must not outlive the copy in the tests' hands. */
	if (r == 0)
		assert_ptr_equal(req->data, c + 180);
	req->data = NULL;
	free(c);
	return r;
}

static int parse_fr(const struct fr *f, struct ulog_req *req, bool *hdr)
{
	uint8_t b[1024];

	return parse_exact(b, craft(b, sizeof(b), f), req, hdr);
}


/* ---- the table ---- */

static void test_ulog_ops_names_and_lookup(void **state)
{
	static const char *const names[] = {
		NULL, "CTR", "DTR", "PRESUSPEND", "POSTSUSPEND", "RESUME",
		"GET_REGION_SIZE", "IS_CLEAN", "IN_SYNC", "FLUSH",
		"MARK_REGION", "CLEAR_REGION", "GET_RESYNC_WORK",
		"SET_REGION_SYNC", "GET_SYNC_COUNT", "STATUS_INFO",
		"STATUS_TABLE", "IS_REMOTE_RECOVERING",
	};

	assert_null(ulog_ops[0].name);
	assert_null(ulog_op(0));
	assert_null(ulog_op(18));
	assert_null(ulog_op(255));
	assert_null(ulog_op(UINT32_MAX));
	assert_string_equal(ulog_type_name(0), "UNKNOWN");
	assert_string_equal(ulog_type_name(18), "UNKNOWN");
	for (uint32_t t = 1; t <= ULOG_NR_TYPES; t++) {
		assert_ptr_equal(ulog_op(t), &ulog_ops[t]);
		assert_string_equal(ulog_type_name(t), names[t]);
	}
}

static void test_ulog_ops_routes_flags_out_sizes(void **state)
{
	static const struct {
		uint32_t type, out;
		enum ulog_route route;
		uint32_t flags;
	} want[] = {
		{ DM_ULOG_CTR, ULOG_CTR_REPLY_MAX, ULOG_ROUTE_LIFECYCLE,
		  ULOG_F_STRING_IN | ULOG_F_STRING_OUT },
		{ DM_ULOG_DTR, 0, ULOG_ROUTE_LIFECYCLE, 0 },
		{ DM_ULOG_PRESUSPEND, 0, ULOG_ROUTE_LIFECYCLE, 0 },
		{ DM_ULOG_POSTSUSPEND, 0, ULOG_ROUTE_LIFECYCLE, ULOG_F_DURABLE },
		{ DM_ULOG_RESUME, 0, ULOG_ROUTE_LIFECYCLE, 0 },
		{ DM_ULOG_GET_REGION_SIZE, 8, ULOG_ROUTE_LOCAL, 0 },
		{ DM_ULOG_IS_CLEAN, 8, ULOG_ROUTE_LOCAL, 0 },
		{ DM_ULOG_IN_SYNC, 8, ULOG_ROUTE_LOCAL, 0 },
		{ DM_ULOG_FLUSH, 0, ULOG_ROUTE_ORDERED,
		  ULOG_F_REGIONS | ULOG_F_DURABLE },
		{ DM_ULOG_MARK_REGION, 0, ULOG_ROUTE_ORDERED, ULOG_F_REGIONS },
		{ DM_ULOG_CLEAR_REGION, 0, ULOG_ROUTE_ORDERED,
		  ULOG_F_REGIONS | ULOG_F_ANSWER_QUEUED },
		{ DM_ULOG_GET_RESYNC_WORK, 16, ULOG_ROUTE_ORDERED, 0 },
		{ DM_ULOG_SET_REGION_SYNC, 0, ULOG_ROUTE_ORDERED, 0 },
		{ DM_ULOG_GET_SYNC_COUNT, 8, ULOG_ROUTE_LOCAL, 0 },
		{ DM_ULOG_STATUS_INFO, ULOG_MAX_PAYLOAD, ULOG_ROUTE_LOCAL,
		  ULOG_F_STRING_OUT },
		{ DM_ULOG_STATUS_TABLE, ULOG_MAX_PAYLOAD, ULOG_ROUTE_LOCAL,
		  ULOG_F_STRING_OUT },
		{ DM_ULOG_IS_REMOTE_RECOVERING, 16, ULOG_ROUTE_ORDERED, 0 },
	};

	assert_int_equal(sizeof(want) / sizeof(want[0]), ULOG_NR_TYPES);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct ulog_op_desc *d = ulog_op(want[i].type);

		assert_non_null(d);
		assert_int_equal(d->out_size, want[i].out);
		assert_int_equal(d->route, want[i].route);
		assert_int_equal(d->flags, want[i].flags);
		assert_true(d->min_in <= d->max_in);
		assert_true(d->max_in <= ULOG_MAX_PAYLOAD);
	}
}

/* ---- parse: valid frames ---- */

static void test_ulog_parse_valid_fields(void **state)
{
	uint8_t pl[8] = { 0 };
	struct fr f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	uint8_t b[512];
	size_t n;
	struct ulog_req req;
	bool hdr = false;

	ulog_put_u64(pl, 0x1122334455667788ull);
	f.cn_seq = 1234;
	f.cn_ack = 5;
	f.seq = 99;
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_frame(b, n, &req, &hdr), 0);
	assert_true(hdr);
	assert_int_equal(req.cn_seq, 1234);
	assert_int_equal(req.cn_ack, 5);
	assert_int_equal(req.luid, LUID);
	assert_string_equal(req.uuid, UUID);
	assert_int_equal(req.version, 3);
	assert_int_equal(req.seq, 99);
	assert_int_equal(req.type, DM_ULOG_IN_SYNC);
	assert_int_equal(req.raw_type, DM_ULOG_IN_SYNC);
	assert_int_equal(req.data_size, 8);
	assert_ptr_equal(req.data, b + 180);
	assert_int_equal(ulog_get_u64(req.data), 0x1122334455667788ull);
}

static void test_ulog_parse_unaligned_buffer(void **state)
{
	uint8_t pl[32];
	uint32_t len = valid_payload(DM_ULOG_MARK_REGION, pl);
	struct fr f = fr_default(DM_ULOG_MARK_REGION, pl, len);
	uint8_t b[600];
	struct ulog_req req;
	bool hdr;

	for (size_t off = 1; off < 8; off++) {
		size_t n = craft(b + off, sizeof(b) - off, &f);

		assert_int_equal(ulog_parse_frame(b + off, n, &req, &hdr), 0);
		assert_int_equal(req.luid, LUID);
		assert_int_equal(req.data_size, 32);
		assert_int_equal(ulog_get_u64(req.data), 3);
		assert_int_equal(ulog_get_u64(req.data + 24), 0);
	}
}

static void test_ulog_parse_type_upper_bits_ignored(void **state)
{
	uint8_t pl[8] = { 0 };
	struct fr f = fr_default(0xabcd0000u | DM_ULOG_IN_SYNC, pl, 8);
	struct ulog_req req;
	bool hdr;

	assert_int_equal(parse_fr(&f, &req, &hdr), 0);
	assert_int_equal(req.type, DM_ULOG_IN_SYNC);
	assert_int_equal(req.raw_type, 0xabcd0000u | DM_ULOG_IN_SYNC);
	/* The mask leaves 0: unknown, whatever the upper bits say. */
	f = fr_default(0x100, NULL, 0);
	assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
	assert_true(hdr);
}

static void test_ulog_parse_netlink_padding(void **state)
{
	uint8_t b[512];
	struct fr f = fr_default(DM_ULOG_RESUME, NULL, 0);
	size_t n = craft(b, sizeof(b), &f);
	struct ulog_req req;
	bool hdr;

	memset(b + n, 0, 4);
	for (size_t pad = 1; pad <= 3; pad++) {
		assert_int_equal(parse_exact(b, n + pad, &req, &hdr), 0);
		assert_int_equal(req.data_size, 0);
	}
	/* Four bytes more than cn_msg.len is not padding. */
	assert_int_equal(parse_exact(b, n + 4, &req, &hdr), -EBADMSG);
	assert_false(hdr);
}

static void test_ulog_parse_real_ctr_payload(void **state)
{
	/* From the qemu run: data_size 32, the NUL not sent. */
	static const char s[] = "16384 clustered-core 1024 nosync";
	struct fr f = fr_default(DM_ULOG_CTR, s, 32);
	uint8_t b[512];
	size_t n = craft(b, sizeof(b), &f);
	char out[ULOG_MAX_PAYLOAD + 1];
	struct ulog_req req;
	bool hdr, nul = true;

	assert_int_equal(ulog_parse_frame(b, n, &req, &hdr), 0);
	assert_int_equal(req.data_size, 32);
	assert_int_equal(ulog_copy_string(req.data, req.data_size, out,
					  sizeof(out), &nul), 0);
	assert_false(nul);
	assert_string_equal(out, s);
	/* The reconnect CTR counts the NUL. */
	f = fr_default(DM_ULOG_CTR, s, 33);
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_frame(b, n, &req, &hdr), 0);
	assert_int_equal(ulog_copy_string(req.data, req.data_size, out,
					  sizeof(out), &nul), 0);
	assert_true(nul);
	assert_string_equal(out, s);
}

/* ---- parse: every error class ---- */

static void test_ulog_parse_wrong_connector_id(void **state)
{
	uint8_t pl[8] = { 0 };
	struct fr f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	struct ulog_req req;
	bool hdr = true;

	f.idx = 9;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EPROTO);
	assert_false(hdr);
	f.idx = CN_IDX_DM;
	f.val = 2;
	hdr = true;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EPROTO);
	assert_false(hdr);
	f.val = CN_VAL_DM_USERSPACE_LOG;
	assert_int_equal(parse_fr(&f, &req, &hdr), 0);
}

static void check_truncations(uint32_t type, const void *pl, uint32_t len)
{
	struct fr f = fr_default(type, pl, len);
	uint8_t b[600];
	size_t full = craft(b, sizeof(b), &f);
	struct ulog_req req;
	bool hdr;

	for (size_t n = 0; n < full; n++) {
		hdr = true;
		assert_int_equal(parse_exact(b, n, &req, &hdr), -EBADMSG);
		assert_false(hdr);
	}
	assert_int_equal(parse_exact(b, full, &req, &hdr), 0);
	assert_true(hdr);
}

static void test_ulog_parse_truncated_every_length(void **state)
{
	uint8_t pl[ULOG_MAX_REGIONS * 8];

	for (uint32_t i = 0; i < ULOG_MAX_REGIONS; i++)
		ulog_put_u64(pl + 8 * i, i);
	check_truncations(DM_ULOG_IN_SYNC, pl, 8);
	check_truncations(DM_ULOG_RESUME, NULL, 0);
	check_truncations(DM_ULOG_MARK_REGION, pl, sizeof(pl));
}

static void test_ulog_parse_cn_len_mismatch(void **state)
{
	uint8_t pl[8] = { 0 };
	struct fr f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	struct ulog_req req;
	bool hdr;

	/* Longer than the datagram. */
	f.cn_len = 500;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	assert_false(hdr);
	f.cn_len = 169;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	/* Shorter than the datagram by more than padding. */
	f.cn_len = 160;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	assert_false(hdr);
	/* Too short for a request header, with enough bytes present. */
	f = fr_default(DM_ULOG_RESUME, NULL, 0);
	f.cn_len = 159;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	assert_false(hdr);
	f.cn_len = 0;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
}

static void test_ulog_parse_wrong_version(void **state)
{
	uint8_t pl[8] = { 0 };
	struct fr f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	struct ulog_req req;
	bool hdr = false;

	f.seq = 4242;
	for (uint32_t v = 0; v < 6; v++) {
		if (v == DM_ULOG_REQUEST_VERSION)
			continue;
		f.version = v;
		assert_int_equal(parse_fr(&f, &req, &hdr), -EPROTO);
		/* Header readable: the caller can answer seq 4242. */
		assert_true(hdr);
		assert_int_equal(req.seq, 4242);
		assert_int_equal(req.version, v);
		assert_string_equal(req.uuid, UUID);
	}
}

static void test_ulog_parse_data_size_mismatch(void **state)
{
	uint8_t pl[8] = { 0 };
	struct fr f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	struct ulog_req req;
	bool hdr;

	f.data_size = 400;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	assert_true(hdr);
	assert_int_equal(req.seq, 77);
	assert_null(req.data);
	f.data_size = 0;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	f.data_size = 0xffffffffll;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
	f.data_size = 7;
	assert_int_equal(parse_fr(&f, &req, &hdr), -EBADMSG);
}

static void test_ulog_parse_oversize_payload(void **state)
{
	uint8_t pl[ULOG_MAX_PAYLOAD + 8];
	struct ulog_req req;
	bool hdr;
	struct fr f;

	memset(pl, 'a', sizeof(pl));
	/* The largest CTR the kernel can send... */
	f = fr_default(DM_ULOG_CTR, pl, ULOG_MAX_PAYLOAD);
	assert_int_equal(parse_fr(&f, &req, &hdr), 0);
	/* ...and one byte more, with consistent lengths. */
	for (uint32_t n = ULOG_MAX_PAYLOAD + 1; n <= sizeof(pl); n++) {
		f = fr_default(DM_ULOG_CTR, pl, n);
		assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
		assert_true(hdr);
	}
	f = fr_default(DM_ULOG_FLUSH, pl, 42 * 8);
	assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
}

static void test_ulog_parse_unknown_type(void **state)
{
	static const uint32_t bad[] = { 0, 18, 19, 100, 255 };
	struct ulog_req req;
	bool hdr;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fr f = fr_default(bad[i], NULL, 0);

		hdr = false;
		assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
		assert_true(hdr);
		assert_int_equal(req.type, bad[i]);
		assert_string_equal(ulog_type_name(req.type), "UNKNOWN");
	}
}

/*
 * Expected input sizes, written from the kernel reference rather than
 * read from ulog_ops[], for every type and every size up to the limit.
 */
static bool kernel_sends(uint32_t type, uint32_t n)
{
	switch (type) {
	case DM_ULOG_CTR:
		return n >= 1 && n <= 332;
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		return n == 8;
	case DM_ULOG_SET_REGION_SYNC:
		return n == 16;
	case DM_ULOG_FLUSH:
		return n % 8 == 0 && n <= 256;
	case DM_ULOG_MARK_REGION:
	case DM_ULOG_CLEAR_REGION:
		return n % 8 == 0 && n >= 8 && n <= 256;
	default:
		return n == 0;
	}
}

static void test_ulog_parse_payload_size_per_type(void **state)
{
	uint8_t pl[ULOG_MAX_PAYLOAD];
	struct ulog_req req;
	bool hdr;

	memset(pl, 'x', sizeof(pl));
	for (uint32_t t = 1; t <= ULOG_NR_TYPES; t++) {
		unsigned ok = 0;

		for (uint32_t n = 0; n <= ULOG_MAX_PAYLOAD; n++) {
			struct fr f = fr_default(t, pl, n);
			int r = parse_fr(&f, &req, &hdr);

			if (kernel_sends(t, n)) {
				assert_int_equal(r, 0);
				ok++;
			} else {
				assert_int_equal(r, -EINVAL);
				assert_true(hdr);
				assert_int_equal(req.type, t);
			}
		}
		assert_true(ok > 0);
	}
}

static void test_ulog_parse_regions_multiple_of_8(void **state)
{
	uint8_t pl[ULOG_MAX_REGIONS * 8 + 8] = { 0 };
	static const uint32_t types[] = {
		DM_ULOG_MARK_REGION, DM_ULOG_CLEAR_REGION, DM_ULOG_FLUSH,
	};
	static const uint32_t odd[] = { 4, 9, 12, 15, 255 };
	struct ulog_req req;
	struct fr f;
	bool hdr;

	for (size_t i = 0; i < 3; i++) {

		for (size_t j = 0; j < sizeof(odd) / sizeof(odd[0]); j++) {
			f = fr_default(types[i], pl, odd[j]);
			assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
		}
		f = fr_default(types[i], pl, ULOG_MAX_REGIONS * 8);
		assert_int_equal(parse_fr(&f, &req, &hdr), 0);
		f = fr_default(types[i], pl, (ULOG_MAX_REGIONS + 1) * 8);
		assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
	}
	/* MARK/CLEAR need at least one region; FLUSH may be empty. */
	f = fr_default(DM_ULOG_MARK_REGION, NULL, 0);
	assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
	f = fr_default(DM_ULOG_CLEAR_REGION, NULL, 0);
	assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
	f = fr_default(DM_ULOG_FLUSH, NULL, 0);
	assert_int_equal(parse_fr(&f, &req, &hdr), 0);
}

static void test_ulog_parse_unterminated_uuid(void **state)
{
	struct fr f = fr_default(DM_ULOG_RESUME, NULL, 0);
	struct ulog_req req;
	bool hdr = false;

	memset(f.uuid, 'x', sizeof(f.uuid));
	assert_int_equal(parse_fr(&f, &req, &hdr), -EINVAL);
	assert_true(hdr);
	/* Still a C string for logging. */
	assert_int_equal(strlen(req.uuid), ULOG_UUID_LEN);
	/* 128 characters and the NUL in the last byte: accepted. */
	f.uuid[128] = '\0';
	assert_int_equal(parse_fr(&f, &req, &hdr), 0);
	assert_int_equal(strlen(req.uuid), ULOG_UUID_LEN);
	/* Bytes after the NUL are not the uuid. */
	memset(f.uuid, 0, sizeof(f.uuid));
	memcpy(f.uuid, "ab\0cd", 5);
	assert_int_equal(parse_fr(&f, &req, &hdr), 0);
	assert_string_equal(req.uuid, "ab");
}

/* ---- strings and helpers ---- */

static int cs(const char *s, uint32_t size, char *d, size_t dlen, bool *nul)
{
	return ulog_copy_string((const uint8_t *)s, size, d, dlen, nul);
}

static void test_ulog_copy_string_forms(void **state)
{
	char d[8];
	bool nul = true;

	assert_int_equal(cs("abc", 3, d, sizeof(d), &nul), 0);
	assert_string_equal(d, "abc");
	assert_false(nul);
	assert_int_equal(cs("abc", 4, d, sizeof(d), &nul), 0);
	assert_string_equal(d, "abc");
	assert_true(nul);
	/* had_nul may be NULL. */
	assert_int_equal(cs("xy", 2, d, sizeof(d), NULL), 0);
	assert_string_equal(d, "xy");
	/* Empty, and a lone NUL. */
	assert_int_equal(ulog_copy_string(NULL, 0, d, sizeof(d), &nul), 0);
	assert_string_equal(d, "");
	assert_false(nul);
	assert_int_equal(cs("", 1, d, sizeof(d), &nul), 0);
	assert_string_equal(d, "");
	assert_true(nul);
}

static void test_ulog_copy_string_rejects(void **state)
{
	char d[8];

	assert_int_equal(cs("ab\0cd", 5, d, sizeof(d), NULL), -EINVAL);
	assert_int_equal(cs("ab\0cd", 6, d, sizeof(d), NULL), -EINVAL);
	assert_int_equal(cs("a\0\0", 3, d, sizeof(d), NULL), -EINVAL);
	/* 7 characters fit 8 bytes, with or without the NUL sent... */
	assert_int_equal(cs("1234567", 7, d, sizeof(d), NULL), 0);
	assert_int_equal(cs("1234567", 8, d, sizeof(d), NULL), 0);
	assert_string_equal(d, "1234567");
	/* ...8 do not. */
	assert_int_equal(cs("12345678", 8, d, sizeof(d), NULL), -ENAMETOOLONG);
	assert_int_equal(cs("12345678", 9, d, sizeof(d), NULL), -ENAMETOOLONG);
	assert_int_equal(ulog_copy_string((const uint8_t *)"", 0, d, 0, NULL),
			 -ENAMETOOLONG);
}

static void test_ulog_u64_helpers(void **state)
{
	uint8_t b[16];
	uint64_t v = 0x0102030405060708ull, w;

	for (size_t off = 0; off < 8; off++) {
		memset(b, 0, sizeof(b));
		ulog_put_u64(b + off, v);
		memcpy(&w, b + off, 8);		/* host order */
		assert_int_equal(w, v);
		assert_int_equal(ulog_get_u64(b + off), v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulog_ops_names_and_lookup),
		cmocka_unit_test(test_ulog_ops_routes_flags_out_sizes),
		cmocka_unit_test(test_ulog_parse_valid_fields),
		cmocka_unit_test(test_ulog_parse_unaligned_buffer),
		cmocka_unit_test(test_ulog_parse_type_upper_bits_ignored),
		cmocka_unit_test(test_ulog_parse_netlink_padding),
		cmocka_unit_test(test_ulog_parse_real_ctr_payload),
		cmocka_unit_test(test_ulog_parse_wrong_connector_id),
		cmocka_unit_test(test_ulog_parse_truncated_every_length),
		cmocka_unit_test(test_ulog_parse_cn_len_mismatch),
		cmocka_unit_test(test_ulog_parse_wrong_version),
		cmocka_unit_test(test_ulog_parse_data_size_mismatch),
		cmocka_unit_test(test_ulog_parse_oversize_payload),
		cmocka_unit_test(test_ulog_parse_unknown_type),
		cmocka_unit_test(test_ulog_parse_payload_size_per_type),
		cmocka_unit_test(test_ulog_parse_regions_multiple_of_8),
		cmocka_unit_test(test_ulog_parse_unterminated_uuid),
		cmocka_unit_test(test_ulog_copy_string_forms),
		cmocka_unit_test(test_ulog_copy_string_rejects),
		cmocka_unit_test(test_ulog_u64_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
