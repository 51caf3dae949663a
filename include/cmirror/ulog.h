/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel protocol codec: the connector frame (struct cn_msg) carrying a
 * struct dm_ulog_request (<linux/dm-log-userspace.h>, version 3) and its
 * payload, exactly as dm-log-userspace sends it.  Pure code: no I/O.
 *
 * Every request type has one entry in ulog_ops[]: its name, the payload size
 * limits the kernel can send, the reply size, and where it is served
 * (locally, or ordered through the log's group).  The parser checks a frame
 * against that table so the rest of the daemon only ever sees valid requests.
 */
#ifndef CMIRROR_ULOG_H
#define CMIRROR_ULOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/connector.h>
#include <linux/dm-log-userspace.h>

#define ULOG_CN_HDR_SIZE	20u	/* sizeof(struct cn_msg) */
#define ULOG_REQ_HDR_SIZE	160u	/* sizeof(struct dm_ulog_request) */
#define ULOG_MAX_PAYLOAD	332u	/* 512 - 160 - 20: the kernel's buffer */
#define ULOG_MAX_FRAME		(ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE + ULOG_MAX_PAYLOAD)
#define ULOG_UUID_LEN		128u	/* strlen limit; the field is 129 bytes */
#define ULOG_MAX_REGIONS	32u	/* MAX_FLUSH_GROUP_COUNT */
#define ULOG_NR_TYPES		17u
#define ULOG_CTR_REPLY_MAX	128u	/* DM_NAME_LEN the kernel offers */

/* Where a request type is served. */
enum ulog_route {
	ULOG_ROUTE_LOCAL,	/* answered from the local table/replica */
	ULOG_ROUTE_ORDERED,	/* applied by every member in group order */
	ULOG_ROUTE_LIFECYCLE,	/* CTR/DTR/suspend/resume: local, with group effects */
};

#define ULOG_F_REGIONS		0x1	/* payload is an array of u64 regions */
#define ULOG_F_STRING_IN	0x2	/* payload is a string (CTR) */
#define ULOG_F_STRING_OUT	0x4	/* reply is a NUL-terminated string */
#define ULOG_F_DURABLE		0x8	/* state must be durable before the reply */
/* Ordered, but answered as soon as it is queued for the group: the kernel
 * acts on nothing in the answer, and an op lost on the way can only leave
 * regions dirty (a resync, never a lost mark).  CLEAR_REGION. */
#define ULOG_F_ANSWER_QUEUED	0x10

struct ulog_op_desc {
	const char *name;	/* "MARK_REGION", ... */
	uint32_t min_in, max_in;	/* payload bytes the kernel may send */
	uint32_t out_size;	/* fixed reply size; max for string replies */
	enum ulog_route route;
	uint32_t flags;		/* ULOG_F_* */
};

/* Indexed by DM_ULOG_* (1..17); entry 0 is unused (name NULL). */
extern const struct ulog_op_desc ulog_ops[ULOG_NR_TYPES + 1];

/* NULL for unknown types. `type` is already masked. */
const struct ulog_op_desc *ulog_op(uint32_t type);
const char *ulog_type_name(uint32_t type);	/* "UNKNOWN" when not known */

/* A parsed request.  `data` points into the caller's frame buffer. */
struct ulog_req {
	uint32_t cn_seq, cn_ack;	/* from the cn_msg, echoed in replies */
	uint64_t luid;
	char uuid[ULOG_UUID_LEN + 1];	/* always NUL-terminated */
	uint32_t version;
	uint32_t seq;
	uint32_t type;			/* DM_ULOG_REQUEST_TYPE(request_type) */
	uint32_t raw_type;		/* request_type as sent */
	uint32_t data_size;
	const uint8_t *data;
};

/*
 * Parse one connector frame (cn_msg + dm_ulog_request + payload) of `len`
 * bytes.  Returns 0, or a negative errno with as much of *req filled as could
 * be read, so the caller can still send an error reply when `*req_valid_hdr`
 * is set:
 *   -EBADMSG  frame shorter than the headers, or cn_msg.len disagrees
 *   -EPROTO   wrong connector id or request version
 *   -EINVAL   unknown type, payload size not allowed for the type,
 *             a MARK/CLEAR array not a multiple of 8, oversize data_size
 * *req_valid_hdr is true when the request header was readable (seq known).
 */
int ulog_parse_frame(const void *frame, size_t len, struct ulog_req *req,
		     bool *req_valid_hdr);

/*
 * Build a reply frame into buf (>= ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE +
 * out_len bytes): cn_msg id {CN_IDX_DM, CN_VAL_DM_USERSPACE_LOG}, seq/ack
 * echoed, len = 160 + out_len; request header echoes luid, uuid, version,
 * seq and request_type; error = `error` (0 or -errno).
 * Returns the frame length, or -ENOSPC when buf is too small, -EINVAL when
 * error > 0.
 */
int ulog_build_reply(const struct ulog_req *req, int error, const void *out,
		     uint32_t out_len, void *buf, size_t buflen);

/*
 * Build a request frame (for the kernel simulator and tests).  Same return
 * convention as ulog_build_reply.
 */
int ulog_build_request(uint64_t luid, const char *uuid, uint32_t seq,
		       uint32_t type, const void *data, uint32_t data_size,
		       void *buf, size_t buflen);

/*
 * Parse a reply frame (simulator side).  Returns 0 and fills req (with
 * `error` stored into *error), or -EBADMSG/-EPROTO.
 */
int ulog_parse_reply(const void *frame, size_t len, struct ulog_req *req,
		     int32_t *error);

/*
 * Copy a kernel string payload into dst (dstlen bytes) with a NUL, whether or
 * not the kernel counted its terminating NUL (CTR at load does not; the
 * reconnect CTR does).  Embedded NULs before the end -> -EINVAL; too long ->
 * -ENAMETOOLONG.  *had_nul tells which form was sent (may be NULL).
 */
int ulog_copy_string(const uint8_t *data, uint32_t size, char *dst,
		     size_t dstlen, bool *had_nul);

/* Helpers for fixed-size little payloads in host byte order. */
uint64_t ulog_get_u64(const uint8_t *p);
void ulog_put_u64(uint8_t *p, uint64_t v);

#endif
