/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the kernel protocol codec (lib/ulog.c, lib/ulog_ops.c).
 * Frames are crafted byte by byte here (not with the codec under test) so
 * a layout mistake in the codec cannot hide in both sides.  Every parse of
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

#define LUID	0xffff8cbb12fd3e00ull
static const char UUID[] = "e2e-core-uuid";

/* Everything a crafted frame can get wrong. */
struct fr {
	uint32_t idx, val, cn_seq, cn_ack;
	int cn_len;		/* -1: 160 + payload length */
	uint64_t luid;
	uint8_t uuid[129];
	uint32_t version;
	int32_t error;
	uint32_t seq, type;
	int64_t data_size;	/* -1: payload length */
	const void *data;
	uint32_t datalen;
};

static struct fr fr_default(uint32_t type, const void *data, uint32_t len)
{
	struct fr f;

	memset(&f, 0, sizeof(f));
	f.idx = CN_IDX_DM;
	f.val = CN_VAL_DM_USERSPACE_LOG;
	f.cn_seq = 77;
	f.cn_len = -1;
	f.luid = LUID;
	memcpy(f.uuid, UUID, sizeof(UUID));
	f.version = DM_ULOG_REQUEST_VERSION;
	f.seq = 77;
	f.type = type;
	f.data_size = -1;
	f.data = data;
	f.datalen = len;
	return f;
}

static void le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* host order, as on the wire */
}

/* Serialise at explicit offsets (kernel-dm-ulog.md section 1). */
static size_t craft(uint8_t *b, size_t cap, const struct fr *f)
{
	size_t n = 20 + 160 + f->datalen;
	uint16_t cl = (uint16_t)(f->cn_len < 0 ? 160 + f->datalen :
				 (uint32_t)f->cn_len);
	uint32_t ds = (uint32_t)(f->data_size < 0 ? f->datalen : f->data_size);

	assert_true(n <= cap);
	memset(b, 0, n);
	le32(b + 0, f->idx);
	le32(b + 4, f->val);
	le32(b + 8, f->cn_seq);
	le32(b + 12, f->cn_ack);
	memcpy(b + 16, &cl, 2);
	memcpy(b + 20, &f->luid, 8);
	memcpy(b + 28, f->uuid, 129);
	le32(b + 160, f->version);
	memcpy(b + 164, &f->error, 4);
	le32(b + 168, f->seq);
	le32(b + 172, f->type);
	le32(b + 176, ds);
	if (f->datalen)
		memcpy(b + 180, f->data, f->datalen);
	return n;
}

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

/* A payload of `n` bytes the kernel could send for `type`. */
static uint32_t valid_payload(uint32_t type, uint8_t *p)
{
	static const char ctr[] = "16384 clustered-core 1024 nosync";

	switch (type) {
	case DM_ULOG_CTR:
		memcpy(p, ctr, sizeof(ctr) - 1);	/* no NUL, as at load */
		return sizeof(ctr) - 1;
	case DM_ULOG_IS_CLEAN:
	case DM_ULOG_IN_SYNC:
	case DM_ULOG_IS_REMOTE_RECOVERING:
		ulog_put_u64(p, 5);
		return 8;
	case DM_ULOG_FLUSH:
	case DM_ULOG_MARK_REGION:
	case DM_ULOG_CLEAR_REGION:
		for (uint32_t i = 0; i < 4; i++)
			ulog_put_u64(p + 8 * i, 3 - i);
		return 32;
	case DM_ULOG_SET_REGION_SYNC:
		ulog_put_u64(p, 9);
		ulog_put_u64(p + 8, 1);
		return 16;
	default:
		return 0;
	}
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
		{ DM_ULOG_CLEAR_REGION, 0, ULOG_ROUTE_ORDERED, ULOG_F_REGIONS },
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

/* ---- build ---- */

static void test_ulog_build_request_layout(void **state)
{
	uint8_t pl[16], b[512], want[512];
	uint32_t len = valid_payload(DM_ULOG_SET_REGION_SYNC, pl);
	struct fr f = fr_default(DM_ULOG_SET_REGION_SYNC, pl, len);
	size_t n;

	f.cn_seq = f.seq = 31337;
	n = craft(want, sizeof(want), &f);
	memset(b, 0xa5, sizeof(b));
	assert_int_equal(ulog_build_request(LUID, UUID, 31337,
					    DM_ULOG_SET_REGION_SYNC, pl, len,
					    b, sizeof(b)), (int)n);
	assert_memory_equal(b, want, n);
}

static void test_ulog_build_request_errors(void **state)
{
	char longu[ULOG_UUID_LEN + 2];
	uint8_t pl[ULOG_MAX_PAYLOAD + 1] = { 0 }, b[600];

	memset(longu, 'u', sizeof(longu));
	longu[ULOG_UUID_LEN + 1] = '\0';
	assert_int_equal(ulog_build_request(1, longu, 1, DM_ULOG_RESUME, NULL,
					    0, b, sizeof(b)), -EINVAL);
	longu[ULOG_UUID_LEN] = '\0';
	assert_int_equal(ulog_build_request(1, longu, 1, DM_ULOG_RESUME, NULL,
					    0, b, sizeof(b)), 180);
	assert_int_equal(ulog_build_request(1, NULL, 1, DM_ULOG_RESUME, NULL,
					    0, b, sizeof(b)), -EINVAL);
	assert_int_equal(ulog_build_request(1, UUID, 1, DM_ULOG_CTR, pl,
					    ULOG_MAX_PAYLOAD + 1, b, sizeof(b)),
			 -EINVAL);
	assert_int_equal(ulog_build_request(1, UUID, 1, DM_ULOG_IN_SYNC, NULL,
					    8, b, sizeof(b)), -EINVAL);
	assert_int_equal(ulog_build_request(1, UUID, 1, DM_ULOG_IN_SYNC, pl,
					    8, b, 187), -ENOSPC);
	assert_int_equal(ulog_build_request(1, UUID, 1, DM_ULOG_IN_SYNC, pl,
					    8, b, 188), 188);
}

static void test_ulog_build_reply_echoes(void **state)
{
	uint8_t pl[8] = { 0 }, b[512], out[16];
	struct fr f = fr_default(0x5500 | DM_ULOG_IS_REMOTE_RECOVERING, pl, 8);
	struct ulog_req req;
	bool hdr;
	size_t n;
	int32_t err;
	uint32_t u;
	uint16_t cl;

	f.cn_seq = 11;
	f.cn_ack = 22;
	f.seq = 33;
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_frame(b, n, &req, &hdr), 0);
	ulog_put_u64(out, 1);
	ulog_put_u64(out + 8, 16);
	memset(b, 0xee, sizeof(b));
	assert_int_equal(ulog_build_reply(&req, -EIO, out, 16, b, sizeof(b)),
			 196);
	memcpy(&u, b, 4);
	assert_int_equal(u, CN_IDX_DM);
	memcpy(&u, b + 4, 4);
	assert_int_equal(u, CN_VAL_DM_USERSPACE_LOG);
	memcpy(&u, b + 8, 4);
	assert_int_equal(u, 11);
	memcpy(&u, b + 12, 4);
	assert_int_equal(u, 22);
	memcpy(&cl, b + 16, 2);
	assert_int_equal(cl, 176);
	memcpy(&cl, b + 18, 2);
	assert_int_equal(cl, 0);
	assert_int_equal(ulog_get_u64(b + 20), LUID);
	assert_memory_equal(b + 28, f.uuid, 129);	/* NUL padded */
	assert_memory_equal(b + 157, "\0\0\0", 3);
	memcpy(&u, b + 160, 4);
	assert_int_equal(u, 3);
	memcpy(&err, b + 164, 4);
	assert_int_equal(err, -EIO);
	memcpy(&u, b + 168, 4);
	assert_int_equal(u, 33);
	memcpy(&u, b + 172, 4);
	assert_int_equal(u, 0x5500 | DM_ULOG_IS_REMOTE_RECOVERING);
	memcpy(&u, b + 176, 4);
	assert_int_equal(u, 16);
	assert_memory_equal(b + 180, out, 16);
}

static void test_ulog_build_reply_errors(void **state)
{
	struct ulog_req req;
	uint8_t b[200], out[8] = { 0 };

	memset(&req, 0, sizeof(req));
	memcpy(req.uuid, UUID, sizeof(UUID));
	req.version = 3;
	assert_int_equal(ulog_build_reply(&req, EIO, NULL, 0, b, sizeof(b)),
			 -EINVAL);
	assert_int_equal(ulog_build_reply(&req, 0, NULL, 8, b, sizeof(b)),
			 -EINVAL);
	assert_int_equal(ulog_build_reply(&req, 0, out, 8, b, 187), -ENOSPC);
	assert_int_equal(ulog_build_reply(&req, 0, out, 8, b, 188), 188);
	assert_int_equal(ulog_build_reply(&req, 0, NULL, 0, b, 179), -ENOSPC);
	assert_int_equal(ulog_build_reply(&req, -ESRCH, NULL, 0, b, 180), 180);
	/* cn_msg.len cannot describe it. */
	assert_int_equal(ulog_build_reply(&req, 0, out, 70000, b, sizeof(b)),
			 -EINVAL);
}

static void test_ulog_build_reply_unaligned(void **state)
{
	struct ulog_req req, back;
	uint8_t b[256], out[8];
	int32_t err;

	memset(&req, 0, sizeof(req));
	memcpy(req.uuid, UUID, sizeof(UUID));
	req.version = 3;
	req.seq = 5;
	req.luid = LUID;
	req.raw_type = req.type = DM_ULOG_GET_SYNC_COUNT;
	ulog_put_u64(out, 16);
	for (size_t off = 1; off < 8; off++) {
		assert_int_equal(ulog_build_reply(&req, 0, out, 8, b + off,
						  sizeof(b) - off), 188);
		assert_int_equal(ulog_parse_reply(b + off, 188, &back, &err),
				 0);
		assert_int_equal(back.luid, LUID);
		assert_int_equal(ulog_get_u64(back.data), 16);
	}
}

/* ---- round trip and reply parsing ---- */

static void test_ulog_round_trip_all_types(void **state)
{
	for (uint32_t t = 1; t <= ULOG_NR_TYPES; t++) {
		const struct ulog_op_desc *d = ulog_op(t);
		uint8_t pl[ULOG_MAX_PAYLOAD], out[ULOG_MAX_PAYLOAD];
		uint8_t b[ULOG_MAX_FRAME], rb[ULOG_MAX_FRAME];
		uint32_t len = valid_payload(t, pl), olen = d->out_size;
		struct ulog_req req, back;
		bool hdr;
		int32_t err = 1;
		int n, rn;

		n = ulog_build_request(LUID + t, UUID, 1000 + t, t, pl, len,
				       b, sizeof(b));
		assert_int_equal(n, 180 + (int)len);
		assert_int_equal(ulog_parse_frame(b, (size_t)n, &req, &hdr), 0);
		assert_int_equal(req.type, t);
		assert_int_equal(req.seq, 1000 + t);
		assert_int_equal(req.cn_seq, 1000 + t);
		assert_int_equal(req.luid, LUID + t);
		assert_string_equal(req.uuid, UUID);
		assert_int_equal(req.data_size, len);
		if (len)
			assert_memory_equal(req.data, pl, len);

		if (d->flags & ULOG_F_STRING_OUT) {
			memcpy(out, "1 clustered-core", 17);
			olen = 17;
		} else {
			for (uint32_t i = 0; i < olen; i++)
				out[i] = (uint8_t)(i * 7 + t);
		}
		rn = ulog_build_reply(&req, t % 2 ? 0 : -EAGAIN, out, olen,
				      rb, sizeof(rb));
		assert_int_equal(rn, 180 + (int)olen);
		assert_int_equal(ulog_parse_reply(rb, (size_t)rn, &back, &err),
				 0);
		assert_int_equal(err, t % 2 ? 0 : -EAGAIN);
		assert_int_equal(back.seq, req.seq);
		assert_int_equal(back.cn_seq, req.cn_seq);
		assert_int_equal(back.luid, req.luid);
		assert_string_equal(back.uuid, req.uuid);
		assert_int_equal(back.type, t);
		assert_int_equal(back.data_size, olen);
		if (olen)
			assert_memory_equal(back.data, out, olen);
	}
}

static void test_ulog_parse_reply_bare_ack(void **state)
{
	uint8_t b[20] = { 0 };
	uint32_t v;
	struct ulog_req req;
	int32_t err = 0;

	le32(b, CN_IDX_DM);
	le32(b + 4, CN_VAL_DM_USERSPACE_LOG);
	le32(b + 8, 4711);
	v = EAGAIN;
	memcpy(b + 12, &v, 4);
	assert_int_equal(ulog_parse_reply(b, 20, &req, &err), 0);
	assert_int_equal(err, -EAGAIN);
	assert_int_equal(req.seq, 4711);
	assert_int_equal(req.data_size, 0);
	v = 0x80000000u;
	memcpy(b + 12, &v, 4);
	assert_int_equal(ulog_parse_reply(b, 20, &req, &err), -EPROTO);
}

static void test_ulog_parse_reply_rejects(void **state)
{
	uint8_t pl[8] = { 0 }, pl16[16] = { 0 }, b[512];
	struct fr f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	struct ulog_req req;
	int32_t err;
	size_t n;

	/* Truncated at every length: cn_msg.len never fits. */
	n = craft(b, sizeof(b), &f);
	for (size_t k = 0; k < n; k++) {
		uint8_t *c = malloc(k ? k : 1);

		assert_non_null(c);
		memcpy(c, b, k);
		assert_int_equal(ulog_parse_reply(c, k, &req, &err), -EBADMSG);
		free(c);
	}
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), 0);
	f.error = EIO;		/* positive errors are a daemon bug */
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), -EPROTO);
	f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	f.val = 7;
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), -EPROTO);
	f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	f.version = 2;
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), -EPROTO);
	f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	f.cn_len = 100;		/* "Incomplete message" */
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, 120, &req, &err), -EBADMSG);
	f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	f.data_size = 9;
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), -EBADMSG);
	f = fr_default(DM_ULOG_IN_SYNC, pl, 8);
	memset(f.uuid, 'z', sizeof(f.uuid));
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), -EBADMSG);
	/* Reply sizes are not limited per type: 16 bytes for IN_SYNC. */
	f = fr_default(DM_ULOG_IN_SYNC, pl16, 16);
	n = craft(b, sizeof(b), &f);
	assert_int_equal(ulog_parse_reply(b, n, &req, &err), 0);
	assert_int_equal(req.data_size, 16);
}

/* ---- strings and helpers ---- */

static void test_ulog_copy_string_forms(void **state)
{
	char d[8];
	bool nul = true;

	assert_int_equal(ulog_copy_string((const uint8_t *)"abc", 3, d,
					  sizeof(d), &nul), 0);
	assert_string_equal(d, "abc");
	assert_false(nul);
	assert_int_equal(ulog_copy_string((const uint8_t *)"abc", 4, d,
					  sizeof(d), &nul), 0);
	assert_string_equal(d, "abc");
	assert_true(nul);
	/* had_nul may be NULL. */
	assert_int_equal(ulog_copy_string((const uint8_t *)"xy", 2, d,
					  sizeof(d), NULL), 0);
	assert_string_equal(d, "xy");
	/* Empty, and a lone NUL. */
	assert_int_equal(ulog_copy_string(NULL, 0, d, sizeof(d), &nul), 0);
	assert_string_equal(d, "");
	assert_false(nul);
	assert_int_equal(ulog_copy_string((const uint8_t *)"", 1, d,
					  sizeof(d), &nul), 0);
	assert_string_equal(d, "");
	assert_true(nul);
}

static void test_ulog_copy_string_rejects(void **state)
{
	char d[8];

	assert_int_equal(ulog_copy_string((const uint8_t *)"ab\0cd", 5, d,
					  sizeof(d), NULL), -EINVAL);
	assert_int_equal(ulog_copy_string((const uint8_t *)"ab\0cd", 6, d,
					  sizeof(d), NULL), -EINVAL);
	assert_int_equal(ulog_copy_string((const uint8_t *)"a\0\0", 3, d,
					  sizeof(d), NULL), -EINVAL);
	/* 7 characters fit 8 bytes, with or without the NUL sent... */
	assert_int_equal(ulog_copy_string((const uint8_t *)"1234567", 7, d,
					  sizeof(d), NULL), 0);
	assert_int_equal(ulog_copy_string((const uint8_t *)"1234567", 8, d,
					  sizeof(d), NULL), 0);
	assert_string_equal(d, "1234567");
	/* ...8 do not. */
	assert_int_equal(ulog_copy_string((const uint8_t *)"12345678", 8, d,
					  sizeof(d), NULL), -ENAMETOOLONG);
	assert_int_equal(ulog_copy_string((const uint8_t *)"12345678", 9, d,
					  sizeof(d), NULL), -ENAMETOOLONG);
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
		cmocka_unit_test(test_ulog_build_request_layout),
		cmocka_unit_test(test_ulog_build_request_errors),
		cmocka_unit_test(test_ulog_build_reply_echoes),
		cmocka_unit_test(test_ulog_build_reply_errors),
		cmocka_unit_test(test_ulog_build_reply_unaligned),
		cmocka_unit_test(test_ulog_round_trip_all_types),
		cmocka_unit_test(test_ulog_parse_reply_bare_ack),
		cmocka_unit_test(test_ulog_parse_reply_rejects),
		cmocka_unit_test(test_ulog_copy_string_forms),
		cmocka_unit_test(test_ulog_copy_string_rejects),
		cmocka_unit_test(test_ulog_u64_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
