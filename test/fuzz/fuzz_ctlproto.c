// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for lib/ctlproto.c, the control socket's codec: the
 * daemon decodes requests from any process that may open the socket, and
 * cmirrorctl reassembles replies and converts text to JSON.
 *  - the input as one request frame: a decoded request encodes back to
 *    the same bytes;
 *  - the input cut into reply frames (each led by a length byte): fed in
 *    turn, a completed reply holds no more than CTL_BODY_MAX bytes and is
 *    NUL-terminated;
 *  - the input as text for ctl_config_json(), ctl_lines_json() and
 *    ctl_json_string(): each writes no more than its buffer, and a second
 *    call with the length it asked for succeeds.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I<builddir> \
 *       test/fuzz/fuzz_ctlproto.c lib/ctlproto.c -o fuzz_ctlproto
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/ctlproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void request(const uint8_t *data, size_t size)
{
	uint8_t *frame = malloc(size ? size : 1), out[CTL_REQ_MAX];
	struct ctl_req r;
	int n;

	if (!frame)
		return;
	memcpy(frame, data, size);	/* exact size: a read past it shows */
	if (ctl_req_decode(frame, size, &r) == 0) {
		n = ctl_req_encode(r.cmd, r.flags, r.arg[0] ? r.arg : NULL, out,
				   sizeof(out));
		/* LOG needs its argument: an empty one cannot decode. */
		if (n != (int)size || memcmp(out, frame, size))
			abort();
	}
	free(frame);
}

static void reply(const uint8_t *data, size_t size)
{
	struct ctl_reply rp;

	ctl_reply_init(&rp);
	while (size) {
		size_t len = data[0] * 8u + 16u;
		uint8_t *frame;
		int r;

		data++;
		size--;
		if (len > size)
			len = size;
		frame = malloc(len ? len : 1);
		if (!frame)
			break;
		memcpy(frame, data, len);
		r = ctl_reply_feed(&rp, frame, len);
		free(frame);
		data += len;
		size -= len;
		if (r == 1) {
			if (!rp.done || rp.body_len > CTL_BODY_MAX ||
			    (rp.body && rp.body[rp.body_len] != '\0'))
				abort();
			break;
		}
		if (r < 0)
			break;
	}
	ctl_reply_free(&rp);
}

/* snprintf rules: at most outlen bytes; with the length asked for + 1,
 * the whole text. */
static void text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), small[64], *big;
	int n;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	n = ctl_config_json(s, small, sizeof(small));
	if (n >= 0 && (size_t)n >= sizeof(small) && (big = malloc(n + 1))) {
		if (ctl_config_json(s, big, n + 1) != n || strlen(big) != (size_t)n)
			abort();
		free(big);
	}
	n = ctl_lines_json("lines", s, small, sizeof(small));
	if (n >= 0 && (size_t)n >= sizeof(small) && (big = malloc(n + 1))) {
		if (ctl_lines_json("lines", s, big, n + 1) != n ||
		    strlen(big) != (size_t)n)
			abort();
		free(big);
	}
	n = (int)ctl_json_string(small, sizeof(small), s, size);
	if ((big = malloc(n + 1))) {
		if (ctl_json_string(big, n + 1, s, size) != (size_t)n ||
		    big[n] != '\0')
			abort();
		free(big);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	request(data, size);
	reply(data, size);
	text(data, size);
	return 0;
}
