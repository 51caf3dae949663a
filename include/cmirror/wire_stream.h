/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared-stream wire format (pure codec, no I/O): with the option
 * shared-stream every daemon joins one CPG group for all its logs and
 * sends one BUNDLE per loop iteration holding the messages of every log
 * (doc/design.md, "Shared stream").  Little-endian, field by field:
 *
 *   bundle:  magic "CMS1" u32, version u16, reserved u16 (0),
 *            length u32 (whole bundle), sender u32, count u32,
 *            then `count` records
 *   record:  type u16, reserved u16 (0), len u32, then `len` bytes
 *
 * Record types:
 *   LOG       a whole message of wire.h (OPS, CKPT, MERGE_IN); its header
 *             names the log.
 *   JOIN      incarnation u32, then the uuid (1..128 bytes, no NUL):
 *             the sender becomes a member of that log's virtual group.
 *   LEAVE     incarnation u32, uuid: it stops being one.
 *   ANNOUNCE  flags u32 (bit 0: last record of this announcement, bit 1:
 *             first), count u32,
 *             then per log: ulen u16, uuid bytes.  After a membership
 *             change of the stream group with joiners, every daemon lists
 *             the logs it is a member of.
 *
 * The decoder validates the whole bundle before yielding a record, and
 * never allocates.  -EPROTO for another version, -EBADMSG otherwise.
 */
#ifndef CMIRROR_WIRE_STREAM_H
#define CMIRROR_WIRE_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define WSTREAM_MAGIC		0x31534d43u	/* "CMS1" read as LE u32 */
#define WSTREAM_VERSION		1u
#define WSTREAM_HDR_SIZE	20u
#define WSTREAM_REC_HDR_SIZE	8u
#define WSTREAM_UUID_MAX	128u
#define WSTREAM_ANN_LAST	1u	/* the announcement ends here */
#define WSTREAM_ANN_FIRST	2u	/* an announcement starts here */

enum wstream_type {
	WSTREAM_LOG = 1,
	WSTREAM_JOIN = 2,
	WSTREAM_LEAVE = 3,
	WSTREAM_ANNOUNCE = 4,
};

struct wstream_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint32_t count;
};

/* Start a bundle in buf (cap >= WSTREAM_HDR_SIZE). */
void wstream_begin(struct wstream_enc *e, uint8_t *buf, size_t cap,
		   uint32_t sender);
/* Bytes one record of `len` payload bytes takes. */
size_t wstream_rec_size(size_t len);
/* Append one record made of the iovecs; -ENOSPC if it does not fit (the
 * bundle so far stays valid), -EINVAL for a bad type. */
int wstream_add(struct wstream_enc *e, uint16_t type, const struct iovec *iov,
		unsigned n);
/* Patch count and length; returns the bundle's length. */
size_t wstream_finish(struct wstream_enc *e);

/* JOIN / LEAVE payload into buf (>= 4 + WSTREAM_UUID_MAX); its length or
 * -EINVAL (empty or too long uuid). */
int wstream_member_encode(uint8_t *buf, uint32_t inc, const char *uuid);
/* uuid gets the NUL-terminated uuid (>= WSTREAM_UUID_MAX + 1 bytes). */
int wstream_member_decode(const uint8_t *p, size_t len, uint32_t *inc,
			  char *uuid);

struct wstream_rec {
	uint16_t type;
	const uint8_t *data;	/* points into the bundle */
	uint32_t len;
};

struct wstream_dec {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	uint32_t left;
	uint32_t sender;
};

/* Validate a whole bundle; the record count, or -errno. */
int wstream_open(struct wstream_dec *d, const uint8_t *buf, size_t len);
/* Next record: 1, or 0 at the end. */
int wstream_next(struct wstream_dec *d, struct wstream_rec *r);

/* ANNOUNCE: the encoder writes flags and count then uuids into buf; each
 * ann_add returns -ENOSPC when buf is full. */
struct wstream_ann_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint32_t count;
};

void wstream_ann_begin(struct wstream_ann_enc *a, uint8_t *buf, size_t cap);
int wstream_ann_add(struct wstream_ann_enc *a, const char *uuid);
size_t wstream_ann_finish(struct wstream_ann_enc *a, uint32_t flags);

struct wstream_ann_dec {
	const uint8_t *p;
	size_t len;
	size_t pos;
	uint32_t left;
	uint32_t flags;
};

/* Validate a whole ANNOUNCE payload; its count or -EBADMSG. */
int wstream_ann_open(struct wstream_ann_dec *a, const uint8_t *p, size_t len);
/* Next uuid into uuid (>= WSTREAM_UUID_MAX + 1): 1, or 0 at the end. */
int wstream_ann_next(struct wstream_ann_dec *a, char *uuid);

#endif
