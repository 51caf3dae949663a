// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Kernel protocol codec (see ulog.h): the cn_msg + dm_ulog_request frame.
 *
 * Fields are read and written at fixed offsets with memcpy, never through
 * struct casts: the frame may sit at any alignment in the caller's buffer,
 * and the offsets are checked against the system headers below so a layout
 * change breaks the build rather than the protocol.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "cmirror/ulog.h"

/* struct cn_msg */
#define CN_OFF_IDX	0
#define CN_OFF_VAL	4
#define CN_OFF_SEQ	8
#define CN_OFF_ACK	12
#define CN_OFF_LEN	16
#define CN_OFF_FLAGS	18

/* struct dm_ulog_request, relative to its start */
#define RQ_OFF_LUID	0
#define RQ_OFF_UUID	8
#define RQ_UUID_FIELD	(ULOG_UUID_LEN + 1)
#define RQ_OFF_VERSION	140
#define RQ_OFF_ERROR	144
#define RQ_OFF_SEQ	148
#define RQ_OFF_TYPE	152
#define RQ_OFF_DSIZE	156

/* Netlink pads messages to 4 bytes; a datagram may carry up to 3 bytes
 * after cn_msg.len.  More than that is not padding but a broken frame. */
#define PAD_SLACK	3u

_Static_assert(sizeof(struct cn_msg) == ULOG_CN_HDR_SIZE, "cn_msg size");
_Static_assert(offsetof(struct cn_msg, len) == CN_OFF_LEN, "cn_msg.len");
_Static_assert(offsetof(struct cn_msg, ack) == CN_OFF_ACK, "cn_msg.ack");
_Static_assert(sizeof(struct dm_ulog_request) == ULOG_REQ_HDR_SIZE,
	       "dm_ulog_request size");
_Static_assert(offsetof(struct dm_ulog_request, uuid) == RQ_OFF_UUID, "uuid");
_Static_assert(sizeof(((struct dm_ulog_request *)0)->uuid) == RQ_UUID_FIELD,
	       "uuid field");
_Static_assert(offsetof(struct dm_ulog_request, version) == RQ_OFF_VERSION,
	       "version");
_Static_assert(offsetof(struct dm_ulog_request, error) == RQ_OFF_ERROR, "error");
_Static_assert(offsetof(struct dm_ulog_request, seq) == RQ_OFF_SEQ, "seq");
_Static_assert(offsetof(struct dm_ulog_request, request_type) == RQ_OFF_TYPE,
	       "request_type");
_Static_assert(offsetof(struct dm_ulog_request, data_size) == RQ_OFF_DSIZE,
	       "data_size");
_Static_assert(ULOG_MAX_FRAME == 512u, "the kernel's preallocated buffer");

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

uint64_t ulog_get_u64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void ulog_put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/*
 * Check the connector header of a frame and return the payload length it
 * announces (cn_msg.len), or a negative errno.  Shared by both directions.
 */
static int check_cn(const uint8_t *f, size_t len, struct ulog_req *req)
{
	uint32_t cn_len;

	if (len < ULOG_CN_HDR_SIZE)
		return -EBADMSG;
	req->cn_seq = get32(f + CN_OFF_SEQ);
	req->cn_ack = get32(f + CN_OFF_ACK);
	if (get32(f + CN_OFF_IDX) != CN_IDX_DM ||
	    get32(f + CN_OFF_VAL) != CN_VAL_DM_USERSPACE_LOG)
		return -EPROTO;
	cn_len = get16(f + CN_OFF_LEN);
	if (len - ULOG_CN_HDR_SIZE < cn_len ||
	    len - ULOG_CN_HDR_SIZE - cn_len > PAD_SLACK)
		return -EBADMSG;
	return (int)cn_len;
}

/*
 * Copy the request header (cn_len >= 160 bytes are known to be in the
 * frame).  Returns 0, or -EINVAL when the uuid field has no NUL; req->uuid
 * is NUL-terminated either way.
 */
static int read_req_hdr(const uint8_t *f, struct ulog_req *req)
{
	const uint8_t *r = f + ULOG_CN_HDR_SIZE;
	const uint8_t *nul;

	req->luid = ulog_get_u64(r + RQ_OFF_LUID);
	memcpy(req->uuid, r + RQ_OFF_UUID, RQ_UUID_FIELD);
	nul = memchr(r + RQ_OFF_UUID, '\0', RQ_UUID_FIELD);
	req->uuid[ULOG_UUID_LEN] = '\0';
	req->version = get32(r + RQ_OFF_VERSION);
	req->seq = get32(r + RQ_OFF_SEQ);
	req->raw_type = get32(r + RQ_OFF_TYPE);
	req->type = DM_ULOG_REQUEST_TYPE(req->raw_type);
	req->data_size = get32(r + RQ_OFF_DSIZE);
	req->data = NULL;
	return nul ? 0 : -EINVAL;
}

int ulog_parse_frame(const void *frame, size_t len, struct ulog_req *req,
		     bool *req_valid_hdr)
{
	const uint8_t *f = frame;
	const struct ulog_op_desc *d;
	int cn_len, uuid_ok;

	memset(req, 0, sizeof(*req));
	*req_valid_hdr = false;
	/* A frame whose connector framing is wrong is not known to be a
	 * request at all: no header, so the caller drops it unanswered. */
	cn_len = check_cn(f, len, req);
	if (cn_len < 0)
		return cn_len;
	if ((uint32_t)cn_len < ULOG_REQ_HDR_SIZE)
		return -EBADMSG;
	uuid_ok = read_req_hdr(f, req);
	*req_valid_hdr = true;

	if (req->version != DM_ULOG_REQUEST_VERSION)
		return -EPROTO;
	if (uuid_ok < 0)
		return uuid_ok;
	if (req->data_size != (uint32_t)cn_len - ULOG_REQ_HDR_SIZE)
		return -EBADMSG;
	/* The kernel refuses to send more; a bigger frame is not its. */
	if (req->data_size > ULOG_MAX_PAYLOAD)
		return -EINVAL;
	req->data = f + ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE;

	d = ulog_op(req->type);
	if (!d)
		return -EINVAL;
	if (req->data_size < d->min_in || req->data_size > d->max_in)
		return -EINVAL;
	if ((d->flags & ULOG_F_REGIONS) && req->data_size % 8)
		return -EINVAL;
	return 0;
}

/* Write cn_msg + request header; the caller checked the size. */
static void put_frame(uint8_t *b, uint32_t cn_seq, uint32_t cn_ack,
		      uint64_t luid, const char *uuid, uint32_t version,
		      int32_t error, uint32_t seq, uint32_t raw_type,
		      const void *data, uint32_t data_size)
{
	uint8_t *r = b + ULOG_CN_HDR_SIZE;
	size_t ulen = strnlen(uuid, ULOG_UUID_LEN);

	memset(b, 0, ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE);
	put32(b + CN_OFF_IDX, CN_IDX_DM);
	put32(b + CN_OFF_VAL, CN_VAL_DM_USERSPACE_LOG);
	put32(b + CN_OFF_SEQ, cn_seq);
	put32(b + CN_OFF_ACK, cn_ack);
	put16(b + CN_OFF_LEN, (uint16_t)(ULOG_REQ_HDR_SIZE + data_size));
	put16(b + CN_OFF_FLAGS, 0);

	ulog_put_u64(r + RQ_OFF_LUID, luid);
	/* NUL-padded to the full field, like the kernel. */
	memcpy(r + RQ_OFF_UUID, uuid, ulen);
	put32(r + RQ_OFF_VERSION, version);
	memcpy(r + RQ_OFF_ERROR, &error, sizeof(error));
	put32(r + RQ_OFF_SEQ, seq);
	put32(r + RQ_OFF_TYPE, raw_type);
	put32(r + RQ_OFF_DSIZE, data_size);
	if (data_size)
		memcpy(r + ULOG_REQ_HDR_SIZE, data, data_size);
}

/* cn_msg.len is 16 bits: the largest payload a frame can describe. */
#define FRAME_PAYLOAD_LIMIT	(UINT16_MAX - ULOG_REQ_HDR_SIZE)

int ulog_build_reply(const struct ulog_req *req, int error, const void *out,
		     uint32_t out_len, void *buf, size_t buflen)
{
	size_t need = ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE + (size_t)out_len;

	/* The kernel passes `error` straight to its caller: positive values
	 * would read as success counts there. */
	if (error > 0 || out_len > FRAME_PAYLOAD_LIMIT || (out_len && !out))
		return -EINVAL;
	if (buflen < need)
		return -ENOSPC;
	put_frame(buf, req->cn_seq, req->cn_ack, req->luid, req->uuid,
		  req->version, error, req->seq, req->raw_type, out, out_len);
	return (int)need;
}

int ulog_build_request(uint64_t luid, const char *uuid, uint32_t seq,
		       uint32_t type, const void *data, uint32_t data_size,
		       void *buf, size_t buflen)
{
	size_t need = ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE + (size_t)data_size;

	/* Same limits as the kernel: it refuses an oversize payload or a
	 * uuid longer than 128 before sending anything. */
	if (!uuid || strnlen(uuid, ULOG_UUID_LEN + 1) > ULOG_UUID_LEN ||
	    data_size > ULOG_MAX_PAYLOAD || (data_size && !data))
		return -EINVAL;
	if (buflen < need)
		return -ENOSPC;
	/* The kernel sends cn seq = request seq and ack 0. */
	put_frame(buf, seq, 0, luid, uuid, DM_ULOG_REQUEST_VERSION, 0, seq,
		  type, data, data_size);
	return (int)need;
}

int ulog_parse_reply(const void *frame, size_t len, struct ulog_req *req,
		     int32_t *error)
{
	const uint8_t *f = frame;
	int cn_len, r;

	memset(req, 0, sizeof(*req));
	*error = 0;
	cn_len = check_cn(f, len, req);
	if (cn_len < 0)
		return cn_len;
	if (cn_len == 0) {
		/* A bare ack: the kernel matches it on cn_msg.seq and takes
		 * -ack as the result. */
		if (req->cn_ack > (uint32_t)INT32_MAX)
			return -EPROTO;
		req->seq = req->cn_seq;
		*error = -(int32_t)req->cn_ack;
		return 0;
	}
	/* The kernel drops 0 < len < 160 ("Incomplete message"). */
	if ((uint32_t)cn_len < ULOG_REQ_HDR_SIZE)
		return -EBADMSG;
	r = read_req_hdr(f, req);
	if (r < 0)
		return -EBADMSG;
	memcpy(error, f + ULOG_CN_HDR_SIZE + RQ_OFF_ERROR, sizeof(*error));
	if (req->version != DM_ULOG_REQUEST_VERSION || *error > 0)
		return -EPROTO;
	if (req->data_size != (uint32_t)cn_len - ULOG_REQ_HDR_SIZE)
		return -EBADMSG;
	req->data = f + ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE;
	return 0;
}

int ulog_copy_string(const uint8_t *data, uint32_t size, char *dst,
		     size_t dstlen, bool *had_nul)
{
	bool nul = size > 0 && data[size - 1] == '\0';
	uint32_t n = nul ? size - 1 : size;

	if (had_nul)
		*had_nul = nul;
	if (n && memchr(data, '\0', n))
		return -EINVAL;
	if (dstlen == 0 || (size_t)n > dstlen - 1)
		return -ENAMETOOLONG;
	if (n)
		memcpy(dst, data, n);
	dst[n] = '\0';
	return 0;
}
