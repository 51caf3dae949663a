/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmirrorctl <-> cmirrord control protocol: a pure codec (no I/O).
 *
 * Every frame is one SOCK_SEQPACKET message starting with a 16-byte
 * little-endian header:
 *
 *   0  magic   "CMC1"
 *   4  u8      version (CTL_VERSION)
 *   5  u8      type: CTL_T_REQUEST or CTL_T_REPLY
 *   6  u16     flags (request: CTL_F_JSON, CTL_F_RESET; reply: CTL_F_MORE)
 *   8  u32/i32 request: command; reply: status (0 or -errno)
 *   12 u32     payload length (must equal the frame length - 16)
 *   16 payload request: argument (no NUL); reply: a chunk of the body
 *
 * A request is one frame of at most CTL_REQ_MAX bytes.  A reply body (text,
 * or JSON with CTL_F_JSON) is cut into chunks of at most CTL_CHUNK_MAX
 * bytes; every frame but the last carries CTL_F_MORE and all carry the same
 * status.  A whole body is at most CTL_BODY_MAX bytes.  On error the body is
 * a one-line human message.
 */
#ifndef CMIRROR_CTLPROTO_H
#define CMIRROR_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC	"CMC1"
#define CTL_VERSION	1u
#define CTL_HDR_SIZE	16u
#define CTL_REQ_MAX	4096u
#define CTL_ARG_MAX	(CTL_REQ_MAX - CTL_HDR_SIZE)
#define CTL_CHUNK_MAX	32768u
#define CTL_FRAME_MAX	(CTL_HDR_SIZE + CTL_CHUNK_MAX)
#define CTL_BODY_MAX	(4u * 1024u * 1024u)

enum ctl_type {
	CTL_T_REQUEST = 1,
	CTL_T_REPLY = 2,
};

/* Request flags.  CTL_F_RESET: STATS only; zero the statistics once
 * the reply holds them. */
#define CTL_F_JSON	0x0001u
#define CTL_F_RESET	0x0002u
#define CTL_F_REQ_ALL	(CTL_F_JSON | CTL_F_RESET)
/* Reply flags. */
#define CTL_F_MORE	0x0001u

enum ctl_cmd {
	CTL_CMD_PING = 1,
	CTL_CMD_STATUS = 2,
	CTL_CMD_LOG = 3,	/* arg: uuid */
	CTL_CMD_STATS = 4,
	CTL_CMD_DUMP = 5,
	CTL_CMD_CONFIG = 6,
};
#define CTL_CMD_MAX	CTL_CMD_CONFIG

struct ctl_req {
	uint32_t cmd;			/* enum ctl_cmd */
	uint16_t flags;			/* CTL_F_JSON, CTL_F_RESET */
	char arg[CTL_ARG_MAX + 1];	/* NUL-terminated */
};

struct ctl_frame {
	int32_t status;
	uint16_t flags;			/* CTL_F_MORE */
	const char *chunk;		/* points into the decoded buffer */
	size_t chunk_len;
};

/* "ping", "status", ... or NULL. */
const char *ctl_cmd_name(uint32_t cmd);
/* Known request flags, and CTL_F_RESET only with CTL_CMD_STATS. */
bool ctl_req_flags_valid(uint32_t cmd, uint16_t flags);
/* Command word -> enum ctl_cmd; -EINVAL if unknown. */
int ctl_cmd_parse(const char *word);

/*
 * Encode a request into buf; returns the frame length or -EINVAL (bad
 * command/flags, arg missing for LOG or given for others, NUL-free arg
 * required) or -EMSGSIZE (arg too long or buf too small).
 */
int ctl_req_encode(uint32_t cmd, uint16_t flags, const char *arg, void *buf,
		   size_t len);
/*
 * Decode and validate one request frame.  0, or -EBADMSG (garbage or
 * truncated), -EPROTONOSUPPORT (other version), -EMSGSIZE (over
 * CTL_REQ_MAX), -EOPNOTSUPP (unknown command), -EINVAL (bad flags/arg).
 */
int ctl_req_decode(const void *buf, size_t len, struct ctl_req *r);

/* One reply frame; returns its length or -EINVAL/-EMSGSIZE. */
int ctl_reply_encode(int32_t status, uint16_t flags, const void *chunk,
		     size_t chunk_len, void *buf, size_t len);
/* Decode one reply frame (f->chunk points into buf); 0 or -errno as for
 * ctl_req_decode. */
int ctl_reply_decode(const void *buf, size_t len, struct ctl_frame *f);

/* Reassembles a reply from its frames (client side). */
struct ctl_reply {
	int32_t status;
	char *body;		/* NUL-terminated, malloc'd; body_len excludes NUL */
	size_t body_len, cap;
	unsigned frames;
	bool done;
};

void ctl_reply_init(struct ctl_reply *rp);
/* Feed one received frame: 1 when the reply is complete, 0 when more
 * frames are needed, -errno on a bad frame, a status change mid-reply,
 * a frame after the last one, or a body over CTL_BODY_MAX (-EMSGSIZE). */
int ctl_reply_feed(struct ctl_reply *rp, const void *buf, size_t len);
void ctl_reply_free(struct ctl_reply *rp);

/*
 * Write s (slen bytes) as a quoted JSON string into out; snprintf rules:
 * returns the length needed (without the NUL), writes at most outlen
 * bytes, always NUL-terminated when outlen > 0.
 */
size_t ctl_json_string(char *out, size_t outlen, const char *s, size_t slen);

/*
 * Convert an options_dump() text ("key = value  # source" lines, values
 * possibly "quoted") into a JSON object {"key":{"value":"..","source":".."}}.
 * snprintf rules; -EINVAL on a line it cannot parse.
 */
int ctl_config_json(const char *text, char *out, size_t outlen);

/* Convert multi-line text into a JSON object {"<key>":["line",...]}. */
int ctl_lines_json(const char *key, const char *text, char *out,
		   size_t outlen);

#endif
