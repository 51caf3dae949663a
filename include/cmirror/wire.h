/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cluster wire format (pure codec, no I/O): the messages cmirrord members
 * multicast to each other through one CPG group per mirror log.
 *
 * Every field is fixed-width little-endian and encoded field by field, so
 * the format does not depend on the word size, the compiler's padding or
 * the host byte order.  Every message starts with the same header:
 *
 *   off size field
 *     0    4 magic     "CMW1" (bytes 'C' 'M' 'W' '1')
 *     4    2 version   WIRE_VERSION
 *     6    2 kind      WIRE_KIND_*
 *     8    4 length    whole message, header included
 *    12    4 sender    sender's corosync node id
 *    16  129 uuid      log uuid, NUL padded (the CPG name may be a hash)
 *   145    3 reserved  zero
 *   148    8 view      snapshot id (CKPT, MERGE_IN); 0 for OPS
 *   156                payload
 *
 * OPS payload: count u32, then per op: tag u64, origin u32, type u32,
 *   nwords u32, words u64[nwords] (nwords <= WIRE_MAX_OP_WORDS).  Since
 *   version 2 the type's top bit asks every member to acknowledge the op,
 *   and type 0x102 is an acknowledgement {origin, tag}... (daemons/
 *   cmirrord/group.h): a version 1 member would apply neither, so the
 *   versions do not mix.
 * CKPT / MERGE_IN payload (one chunk of a serialized replica):
 *   nmembers u32, members u32[nmembers] (sorted, the membership tag),
 *   nsynced u32, synced u32[nsynced] (sorted, the sender's synced set),
 *   total u64, offset u64, chunk u32, crc u32 (CRC-32C of all `total`
 *   bytes), then `chunk` bytes.  offset + chunk <= total <= WIRE_CKPT_MAX.
 *
 * Decoders check the buffer length before the header, then the magic, the
 * version (-EPROTO when unknown), then the kind's payload, every count
 * against the bytes that remain; anything else is -EBADMSG.  They never
 * allocate.
 */
#ifndef CMIRROR_WIRE_H
#define CMIRROR_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRE_MAGIC		0x31574d43u	/* "CMW1" read as LE u32 */
#define WIRE_VERSION		2u	/* 2: FLUSH acknowledgements */
#define WIRE_UUID_SIZE		129u		/* 128 chars + NUL */
#define WIRE_HDR_SIZE		156u
#define WIRE_OP_HDR_SIZE	20u		/* tag, origin, type, nwords */
#define WIRE_MAX_OP_WORDS	40u		/* == GROUP_MAX_OP_WORDS */
#define WIRE_OP_MAX_SIZE	(WIRE_OP_HDR_SIZE + 8u * WIRE_MAX_OP_WORDS)
#define WIRE_MAX_MEMBERS	64u
#define WIRE_CKPT_MAX		(UINT64_C(1) << 31)	/* 2 GiB replica */
/* Fixed part of a CKPT chunk with no members and no bytes. */
#define WIRE_CKPT_MIN_SIZE	(WIRE_HDR_SIZE + 4u + 4u + 8u + 8u + 4u + 4u)
#define WIRE_CKPT_MAX_HDR	(WIRE_CKPT_MIN_SIZE + 8u * WIRE_MAX_MEMBERS)

enum wire_kind {
	WIRE_KIND_OPS = 1,
	WIRE_KIND_CKPT = 2,
	WIRE_KIND_MERGE_IN = 3,
};

struct wire_hdr {
	uint16_t version;
	uint16_t kind;
	uint32_t length;
	uint32_t sender;
	char uuid[WIRE_UUID_SIZE];	/* always NUL-terminated after decode */
	uint64_t view;
};

struct wire_op {
	uint64_t tag;
	uint32_t origin;
	uint32_t type;
	uint32_t nwords;
	uint64_t words[WIRE_MAX_OP_WORDS];
};

struct wire_nodes {
	uint32_t n;
	uint32_t id[WIRE_MAX_MEMBERS];	/* strictly ascending */
};

struct wire_ckpt {
	struct wire_nodes members;	/* membership at the snapshot */
	struct wire_nodes synced;	/* sender's synced set at the snapshot */
	uint64_t total;
	uint64_t offset;
	uint32_t chunk;
	uint32_t crc;
	const uint8_t *data;		/* decode: points into the message */
};

/* Header: encode into buf (>= WIRE_HDR_SIZE bytes); h->uuid is copied up to
 * its NUL.  Decode checks len >= WIRE_HDR_SIZE, magic, version, length ==
 * len, known kind, NUL in uuid, zero reserved bytes. */
void wire_hdr_encode(uint8_t *buf, const struct wire_hdr *h);
int wire_hdr_decode(const uint8_t *buf, size_t len, struct wire_hdr *h);

/*
 * OPS encoder: wire_ops_begin writes the header (h->kind and h->length are
 * set by the encoder), wire_ops_add appends one op or returns -ENOSPC (the
 * buffer is full; the message so far stays valid) or -EINVAL (too many
 * words), wire_ops_finish patches count and length and returns the length.
 */
struct wire_ops_enc {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint32_t count;
};

int wire_ops_begin(struct wire_ops_enc *e, uint8_t *buf, size_t cap,
		   const struct wire_hdr *h);
int wire_ops_add(struct wire_ops_enc *e, uint64_t tag, uint32_t origin,
		 uint32_t type, const uint64_t *words, uint32_t nwords);
size_t wire_ops_finish(struct wire_ops_enc *e);

/*
 * OPS decoder: wire_ops_open validates the whole message (header included)
 * and returns the op count; wire_ops_next then yields each op (1), or 0 at
 * the end.  Nothing is yielded from a message that does not validate.
 */
struct wire_ops_dec {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	uint32_t left;
};

int wire_ops_open(struct wire_ops_dec *d, const uint8_t *buf, size_t len,
		  struct wire_hdr *h);
int wire_ops_next(struct wire_ops_dec *d, struct wire_op *op);

/*
 * CKPT / MERGE_IN: encode the header and chunk metadata (not the bytes)
 * into buf (>= WIRE_CKPT_MAX_HDR); h->length is computed (metadata +
 * c->chunk).  Returns the metadata size; the caller sends c->chunk bytes
 * after it (an iovec).  -EINVAL on bad kind, counts or ranges.
 */
int wire_ckpt_encode_hdr(uint8_t *buf, size_t cap, uint16_t kind,
			 const struct wire_hdr *h, const struct wire_ckpt *c);
/* Decode a whole CKPT or MERGE_IN message; c->data points into buf. */
int wire_ckpt_decode(const uint8_t *buf, size_t len, struct wire_hdr *h,
		     struct wire_ckpt *c);

/* Sorted-set helpers for membership tags. */
bool wire_nodes_equal(const struct wire_nodes *a, const struct wire_nodes *b);

#endif
