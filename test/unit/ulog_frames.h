/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Frame crafting for the ulog codec tests.  Frames are written byte by byte
 * at the offsets of kernel-dm-ulog.md section 1 (not with the codec under
 * test), so a layout mistake in the codec cannot hide in both sides.
 * Include after <cmocka.h>: craft() asserts.
 */
#ifndef TEST_ULOG_FRAMES_H
#define TEST_ULOG_FRAMES_H

#include <stdint.h>
#include <string.h>

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

static inline struct fr fr_default(uint32_t type, const void *data, uint32_t len)
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

static inline void le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);	/* host order, as on the wire */
}

static inline uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Serialise at explicit offsets (kernel-dm-ulog.md section 1). */
static inline size_t craft(uint8_t *b, size_t cap, const struct fr *f)
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

/* A payload of `n` bytes the kernel could send for `type`. */
static inline uint32_t valid_payload(uint32_t type, uint8_t *p)
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

#endif
