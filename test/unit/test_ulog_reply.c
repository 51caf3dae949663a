/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the kernel protocol codec, build side and replies
 * (lib/ulog.c): request and reply frames, the round trip for every type,
 * and the simulator's reply parser.  Request parsing: test_ulog.c.
 * Expected frames come from ulog_frames.h (written byte by byte).
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
	assert_int_equal(rd32(b), CN_IDX_DM);
	assert_int_equal(rd32(b + 4), CN_VAL_DM_USERSPACE_LOG);
	assert_int_equal(rd32(b + 8), 11);
	assert_int_equal(rd32(b + 12), 22);
	memcpy(&cl, b + 16, 2);
	assert_int_equal(cl, 176);
	memcpy(&cl, b + 18, 2);
	assert_int_equal(cl, 0);
	assert_int_equal(ulog_get_u64(b + 20), LUID);
	assert_memory_equal(b + 28, f.uuid, 129);	/* NUL padded */
	assert_memory_equal(b + 157, "\0\0\0", 3);
	assert_int_equal(rd32(b + 160), 3);
	memcpy(&err, b + 164, 4);
	assert_int_equal(err, -EIO);
	assert_int_equal(rd32(b + 168), 33);
	assert_int_equal(rd32(b + 172), 0x5500 | DM_ULOG_IS_REMOTE_RECOVERING);
	assert_int_equal(rd32(b + 176), 16);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ulog_build_request_layout),
		cmocka_unit_test(test_ulog_build_request_errors),
		cmocka_unit_test(test_ulog_build_reply_echoes),
		cmocka_unit_test(test_ulog_build_reply_errors),
		cmocka_unit_test(test_ulog_build_reply_unaligned),
		cmocka_unit_test(test_ulog_round_trip_all_types),
		cmocka_unit_test(test_ulog_parse_reply_bare_ack),
		cmocka_unit_test(test_ulog_parse_reply_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
