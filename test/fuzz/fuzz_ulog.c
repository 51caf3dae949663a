/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the kernel protocol codec (lib/ulog.c).  Build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include -I BUILDDIR \
 *     test/fuzz/fuzz_ulog.c lib/ulog.c lib/ulog_ops.c -o fuzz_ulog
 * (BUILDDIR holds config.h.)  Every input is parsed as a request frame and
 * as a reply frame; what parses must respect the table, and its reply must
 * parse back to the same header.  Inputs are copied to a heap buffer of
 * exactly their size at an odd address, so over-reads and aligned loads
 * both show.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/ulog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_request(const uint8_t *f, size_t size)
{
	const struct ulog_op_desc *d;
	struct ulog_req req, back;
	uint8_t out[ULOG_MAX_PAYLOAD], rb[ULOG_MAX_FRAME];
	char s[ULOG_MAX_PAYLOAD + 1];
	bool hdr;
	int32_t err;
	int n;

	if (ulog_parse_frame(f, size, &req, &hdr) != 0) {
		if (hdr && !memchr(req.uuid, '\0', sizeof(req.uuid)))
			abort();
		return;
	}
	d = ulog_op(req.type);
	if (!hdr || !d || req.data_size < d->min_in ||
	    req.data_size > d->max_in || req.data_size > ULOG_MAX_PAYLOAD ||
	    req.data + req.data_size > f + size ||
	    req.data != f + ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE ||
	    ((d->flags & ULOG_F_REGIONS) && req.data_size % 8))
		abort();
	if (d->flags & ULOG_F_REGIONS)
		for (uint32_t i = 0; i < req.data_size; i += 8)
			(void)ulog_get_u64(req.data + i);
	if (d->flags & ULOG_F_STRING_IN &&
	    ulog_copy_string(req.data, req.data_size, s, sizeof(s), NULL) == 0 &&
	    strlen(s) > req.data_size)
		abort();

	/* Echo the payload back as a reply of the table's size. */
	memset(out, 0x5a, sizeof(out));
	memcpy(out, req.data, req.data_size < d->out_size ?
	       req.data_size : d->out_size);
	n = ulog_build_reply(&req, -22, out, d->out_size, rb, sizeof(rb));
	if (n != (int)(ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE + d->out_size))
		abort();
	if (ulog_parse_reply(rb, (size_t)n, &back, &err) != 0 || err != -22 ||
	    back.seq != req.seq || back.luid != req.luid ||
	    back.raw_type != req.raw_type || back.cn_seq != req.cn_seq ||
	    strcmp(back.uuid, req.uuid) != 0 || back.data_size != d->out_size ||
	    memcmp(back.data, out, d->out_size) != 0)
		abort();
	/* A buffer one byte short is refused, not overrun. */
	if (ulog_build_reply(&req, 0, out, d->out_size, rb, (size_t)n - 1) >= 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size + 1);
	const uint8_t *f;
	struct ulog_req req;
	int32_t err;

	if (!buf)
		return 0;
	/* Odd address; size + 1 bytes so the frame ends the allocation. */
	memcpy(buf + 1, data, size);
	f = buf + 1;
	check_request(f, size);
	if (ulog_parse_reply(f, size, &req, &err) == 0 &&
	    (err > 0 || (req.data && req.data + req.data_size > f + size)))
		abort();
	free(buf);
	return 0;
}
