// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the control protocol codec (lib/ctlproto.c). */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmirror/ctlproto.h"

static unsigned char buf[CTL_FRAME_MAX + 64];

static void test_ctlproto_cmd_names(void **state)
{
	for (uint32_t c = 1; c <= CTL_CMD_MAX; c++) {
		const char *n = ctl_cmd_name(c);

		assert_non_null(n);
		assert_int_equal(ctl_cmd_parse(n), (int)c);
	}
	assert_null(ctl_cmd_name(0));
	assert_null(ctl_cmd_name(CTL_CMD_MAX + 1));
	assert_int_equal(ctl_cmd_parse("STATUS"), -EINVAL);
	assert_int_equal(ctl_cmd_parse(""), -EINVAL);
	assert_int_equal(ctl_cmd_parse("statu"), -EINVAL);
}

static void test_ctlproto_req_roundtrip(void **state)
{
	struct ctl_req r;
	int n;

	for (uint32_t c = 1; c <= CTL_CMD_MAX; c++) {
		const char *arg = c == CTL_CMD_LOG ? "LVM-abc\"def" : NULL;

		for (uint16_t fl = 0; fl <= CTL_F_JSON; fl++) {
			n = ctl_req_encode(c, fl, arg, buf, sizeof(buf));
			assert_int_equal(n, (int)(CTL_HDR_SIZE +
						  (arg ? strlen(arg) : 0)));
			memset(&r, 0xa5, sizeof(r));
			assert_int_equal(ctl_req_decode(buf, (size_t)n, &r), 0);
			assert_int_equal(r.cmd, c);
			assert_int_equal(r.flags, fl);
			assert_string_equal(r.arg, arg ? arg : "");
		}
	}
	/* RESET goes with STATS (and JSON) only. */
	for (uint16_t fl = CTL_F_RESET; fl <= CTL_F_REQ_ALL; fl++) {
		n = ctl_req_encode(CTL_CMD_STATS, fl, NULL, buf, sizeof(buf));
		assert_int_equal(n, (int)CTL_HDR_SIZE);
		assert_int_equal(ctl_req_decode(buf, (size_t)n, &r), 0);
		assert_int_equal(r.flags, fl);
		assert_int_equal(ctl_req_encode(CTL_CMD_STATUS, fl, NULL, buf,
						sizeof(buf)), -EINVAL);
	}
	/* Wire layout is fixed: magic, version, type, LE fields. */
	n = ctl_req_encode(CTL_CMD_STATS, CTL_F_JSON, NULL, buf, sizeof(buf));
	assert_memory_equal(buf, "CMC1\x01\x01\x01\x00\x04\x00\x00\x00"
			    "\x00\x00\x00\x00", 16);
}

static void test_ctlproto_req_truncated(void **state)
{
	struct ctl_req r;
	int n = ctl_req_encode(CTL_CMD_LOG, 0, "some-uuid", buf, sizeof(buf));

	assert_true(n > 0);
	for (int len = 0; len < n; len++)
		assert_int_equal(ctl_req_decode(buf, (size_t)len, &r),
				 -EBADMSG);
	/* Trailing junk after the declared payload is as bad. */
	assert_int_equal(ctl_req_decode(buf, (size_t)n + 1, &r), -EBADMSG);
	assert_int_equal(ctl_req_decode(NULL, 0, &r), -EBADMSG);
}

static void test_ctlproto_req_garbage(void **state)
{
	struct ctl_req r;
	unsigned char f[64];
	int n = ctl_req_encode(CTL_CMD_LOG, 0, "u1", f, sizeof(f));

	assert_int_equal(n, 18);
	f[0] = 'X';
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EBADMSG);
	f[0] = 'C';
	f[4] = 2;	/* future version */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EPROTONOSUPPORT);
	f[4] = CTL_VERSION;
	f[5] = CTL_T_REPLY;	/* a reply is not a request */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EBADMSG);
	f[5] = CTL_T_REQUEST;
	f[16] = '\0';	/* NUL inside the argument */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EBADMSG);
	f[16] = 'u';
	f[8] = 99;	/* unknown command */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EOPNOTSUPP);
	f[8] = CTL_CMD_LOG;
	f[6] = 0x80;	/* unknown flag */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EINVAL);
	f[6] = CTL_F_RESET;	/* a reset of a log's status: no such thing */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EINVAL);
	f[6] = 0;
	f[8] = CTL_CMD_STATUS;	/* STATUS takes no argument */
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), -EINVAL);
	f[8] = CTL_CMD_LOG;
	assert_int_equal(ctl_req_decode(f, (size_t)n, &r), 0);

	/* LOG without a uuid, STATUS with one: refused when encoding. */
	assert_int_equal(ctl_req_encode(CTL_CMD_LOG, 0, "", buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(ctl_req_encode(CTL_CMD_STATUS, 0, "x", buf,
					sizeof(buf)), -EINVAL);
	assert_int_equal(ctl_req_encode(0, 0, NULL, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(ctl_req_encode(CTL_CMD_PING, 2, NULL, buf,
					sizeof(buf)), -EINVAL);
}

static void test_ctlproto_req_oversize(void **state)
{
	char *arg = malloc(CTL_ARG_MAX + 2);
	struct ctl_req *r = malloc(sizeof(*r));
	int n;

	assert_non_null(arg);
	assert_non_null(r);
	memset(arg, 'a', CTL_ARG_MAX);
	arg[CTL_ARG_MAX] = '\0';
	n = ctl_req_encode(CTL_CMD_LOG, 0, arg, buf, sizeof(buf));
	assert_int_equal(n, (int)CTL_REQ_MAX);
	assert_int_equal(ctl_req_decode(buf, (size_t)n, r), 0);
	assert_int_equal(strlen(r->arg), CTL_ARG_MAX);

	arg[CTL_ARG_MAX] = 'a';
	arg[CTL_ARG_MAX + 1] = '\0';
	assert_int_equal(ctl_req_encode(CTL_CMD_LOG, 0, arg, buf, sizeof(buf)),
			 -EMSGSIZE);
	/* A hand-made frame one byte over the limit. */
	memcpy(buf + CTL_HDR_SIZE, arg, CTL_ARG_MAX + 1);
	buf[12] = (unsigned char)((CTL_ARG_MAX + 1) & 0xff);
	buf[13] = (unsigned char)((CTL_ARG_MAX + 1) >> 8);
	assert_int_equal(ctl_req_decode(buf, CTL_REQ_MAX + 1, r), -EMSGSIZE);
	/* The output buffer too small. */
	assert_int_equal(ctl_req_encode(CTL_CMD_PING, 0, NULL, buf, 15),
			 -EMSGSIZE);
	free(arg);
	free(r);
}

static void test_ctlproto_reply_roundtrip(void **state)
{
	struct ctl_frame f;
	int n = ctl_reply_encode(-ENOENT, CTL_F_MORE, "abc", 3, buf,
				 sizeof(buf));

	assert_int_equal(n, 19);
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, &f), 0);
	assert_int_equal(f.status, -ENOENT);
	assert_int_equal(f.flags, CTL_F_MORE);
	assert_int_equal(f.chunk_len, 3);
	assert_memory_equal(f.chunk, "abc", 3);

	n = ctl_reply_encode(0, 0, NULL, 0, buf, sizeof(buf));
	assert_int_equal(n, (int)CTL_HDR_SIZE);
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, &f), 0);
	assert_int_equal(f.status, 0);
	assert_int_equal(f.chunk_len, 0);
}

static void test_ctlproto_reply_garbage(void **state)
{
	struct ctl_frame f;
	int n = ctl_reply_encode(0, 0, "xy", 2, buf, sizeof(buf));

	for (int len = 0; len < n; len++)
		assert_int_equal(ctl_reply_decode(buf, (size_t)len, &f),
				 -EBADMSG);
	buf[8] = 1;	/* positive status */
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, &f), -EBADMSG);
	buf[8] = 0;
	buf[6] = 4;	/* unknown flag */
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, &f), -EBADMSG);
	buf[6] = 0;
	buf[5] = CTL_T_REQUEST;
	assert_int_equal(ctl_reply_decode(buf, (size_t)n, &f), -EBADMSG);
	assert_int_equal(ctl_reply_encode(5, 0, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
	assert_int_equal(ctl_reply_encode(0, 8, NULL, 0, buf, sizeof(buf)),
			 -EINVAL);
}

static void test_ctlproto_reply_oversize(void **state)
{
	static char big[CTL_CHUNK_MAX + 1];
	struct ctl_frame f;
	struct ctl_reply rp;
	int n;

	assert_int_equal(ctl_reply_encode(0, 0, big, sizeof(big), buf,
					  sizeof(buf)), -EMSGSIZE);
	n = ctl_reply_encode(0, CTL_F_MORE, big, CTL_CHUNK_MAX, buf,
			     sizeof(buf));
	assert_int_equal(n, (int)CTL_FRAME_MAX);
	/* Hand-made frame with one byte too many. */
	buf[12] = (unsigned char)((CTL_CHUNK_MAX + 1) & 0xff);
	buf[13] = (unsigned char)((CTL_CHUNK_MAX + 1) >> 8);
	assert_int_equal(ctl_reply_decode(buf, CTL_FRAME_MAX + 1, &f),
			 -EMSGSIZE);

	/* A body that keeps coming past CTL_BODY_MAX is cut off. */
	n = ctl_reply_encode(0, CTL_F_MORE, big, CTL_CHUNK_MAX, buf,
			     sizeof(buf));
	ctl_reply_init(&rp);
	for (unsigned i = 0; i < CTL_BODY_MAX / CTL_CHUNK_MAX; i++)
		assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), 0);
	assert_int_equal(rp.body_len, CTL_BODY_MAX);
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), -EMSGSIZE);
	ctl_reply_free(&rp);
}

static void test_ctlproto_reply_reassembly(void **state)
{
	struct ctl_reply rp;
	int n;

	ctl_reply_init(&rp);
	n = ctl_reply_encode(0, CTL_F_MORE, "hello ", 6, buf, sizeof(buf));
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), 0);
	n = ctl_reply_encode(0, CTL_F_MORE, "", 0, buf, sizeof(buf));
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), 0);
	n = ctl_reply_encode(0, 0, "world\n", 6, buf, sizeof(buf));
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), 1);
	assert_true(rp.done);
	assert_int_equal(rp.frames, 3);
	assert_int_equal(rp.body_len, 12);
	assert_string_equal(rp.body, "hello world\n");
	/* Nothing may follow the last frame. */
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), -EPROTO);
	ctl_reply_free(&rp);

	/* The status may not change mid-reply. */
	ctl_reply_init(&rp);
	n = ctl_reply_encode(0, CTL_F_MORE, "a", 1, buf, sizeof(buf));
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), 0);
	n = ctl_reply_encode(-EIO, 0, "b", 1, buf, sizeof(buf));
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), -EPROTO);
	ctl_reply_free(&rp);

	/* A bad frame is reported as such. */
	ctl_reply_init(&rp);
	assert_int_equal(ctl_reply_feed(&rp, "CMC1", 4), -EBADMSG);
	n = ctl_reply_encode(-EPERM, 0, "no\n", 3, buf, sizeof(buf));
	assert_int_equal(ctl_reply_feed(&rp, buf, (size_t)n), 1);
	assert_int_equal(rp.status, -EPERM);
	assert_string_equal(rp.body, "no\n");
	ctl_reply_free(&rp);
}

/* Random bytes never crash the decoders; what decodes re-encodes to the
 * same bytes. */
static void test_ctlproto_random_frames(void **state)
{
	static unsigned char out[CTL_FRAME_MAX];
	struct ctl_req *r = malloc(sizeof(*r));
	struct ctl_frame f;
	unsigned seed = 12345, reqs = 0, replies = 0;

	assert_non_null(r);
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (size_t)(rand_r(&seed) % 40);

		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)rand_r(&seed);
		/* Often a valid header, so the deeper checks run too. */
		if (len >= CTL_HDR_SIZE && (iter & 1)) {
			memcpy(buf, CTL_MAGIC, 4);
			buf[4] = CTL_VERSION;
			buf[5] = (unsigned char)(1 + (iter & 2) / 2);
			buf[6] &= 1;
			buf[7] = 0;
			buf[8] = (unsigned char)((iter >> 2) % 8);
			buf[9] = buf[10] = buf[11] = 0;
			memset(buf + 12, 0, 4);
			buf[12] = (unsigned char)(len - CTL_HDR_SIZE);
		}
		if (ctl_req_decode(buf, len, r) == 0) {
			int n = ctl_req_encode(r->cmd, r->flags,
					       r->arg[0] ? r->arg : NULL, out,
					       sizeof(out));

			assert_int_equal(n, (int)len);
			assert_memory_equal(out, buf, len);
			reqs++;
		}
		if (ctl_reply_decode(buf, len, &f) == 0) {
			int n = ctl_reply_encode(f.status, f.flags, f.chunk,
						 f.chunk_len, out, sizeof(out));

			assert_int_equal(n, (int)len);
			assert_memory_equal(out, buf, len);
			replies++;
		}
	}
	/* The valid paths were exercised, not only the rejections. */
	assert_true(reqs > 100);
	assert_true(replies > 100);
	free(r);
}

static void test_ctlproto_json_string(void **state)
{
	char out[64];
	size_t n = ctl_json_string(out, sizeof(out), "a\"b\\c\nd\x01\xc3", 9);

	assert_string_equal(out, "\"a\\\"b\\\\c\\nd\\u0001\\u00c3\"");
	assert_int_equal(n, strlen(out));
	/* snprintf rules: the full length even when cut, NUL-terminated. */
	n = ctl_json_string(out, 4, "abcdef", 6);
	assert_int_equal(n, 8);
	assert_string_equal(out, "\"ab");
	assert_int_equal(ctl_json_string(NULL, 0, "ab", 2), 4);
}

static void test_ctlproto_config_json(void **state)
{
	const char *text =
		"foreground = no                         # default\n"
		"pid-file = /run/cmirrord.pid            # file\n"
		"cpg-prefix = \"a#b \\\"q\\\"\"             # command line\n"
		"kernel-socket = \"\"                      # default\n";
	char out[512];
	int n = ctl_config_json(text, out, sizeof(out));

	assert_true(n > 0 && (size_t)n < sizeof(out));
	assert_string_equal(out,
		"{\"foreground\":{\"value\":\"no\",\"source\":\"default\"},"
		"\"pid-file\":{\"value\":\"/run/cmirrord.pid\",\"source\":"
		"\"file\"},\"cpg-prefix\":{\"value\":\"a#b \\\"q\\\"\","
		"\"source\":\"command line\"},\"kernel-socket\":{\"value\":"
		"\"\",\"source\":\"default\"}}\n");
	/* Too small: the length needed, like snprintf. */
	assert_int_equal(ctl_config_json(text, out, 10), n);
	assert_int_equal(ctl_config_json("", out, sizeof(out)), 3);
	assert_string_equal(out, "{}\n");
	assert_int_equal(ctl_config_json("no equals sign\n", out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(ctl_config_json("k = v without source\n", out,
					 sizeof(out)), -EINVAL);
	assert_int_equal(ctl_config_json("k = \"unterminated # x\n", out,
					 sizeof(out)), -EINVAL);
}

static void test_ctlproto_lines_json(void **state)
{
	char out[128];
	int n = ctl_lines_json("ring", "one\ntwo \"2\"\n", out, sizeof(out));

	assert_string_equal(out, "{\"ring\":[\"one\",\"two \\\"2\\\"\"]}\n");
	assert_int_equal(n, (int)strlen(out));
	n = ctl_lines_json("ring", "", out, sizeof(out));
	assert_string_equal(out, "{\"ring\":[]}\n");
	n = ctl_lines_json("ring", "last-no-newline", out, sizeof(out));
	assert_string_equal(out, "{\"ring\":[\"last-no-newline\"]}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctlproto_cmd_names),
		cmocka_unit_test(test_ctlproto_req_roundtrip),
		cmocka_unit_test(test_ctlproto_req_truncated),
		cmocka_unit_test(test_ctlproto_req_garbage),
		cmocka_unit_test(test_ctlproto_req_oversize),
		cmocka_unit_test(test_ctlproto_reply_roundtrip),
		cmocka_unit_test(test_ctlproto_reply_garbage),
		cmocka_unit_test(test_ctlproto_reply_oversize),
		cmocka_unit_test(test_ctlproto_reply_reassembly),
		cmocka_unit_test(test_ctlproto_random_frames),
		cmocka_unit_test(test_ctlproto_json_string),
		cmocka_unit_test(test_ctlproto_config_json),
		cmocka_unit_test(test_ctlproto_lines_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
