// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control protocol codec (see ctlproto.h).  Pure: no I/O, so the daemon,
 * cmirrorctl and the unit tests share exactly the same checks.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/ctlproto.h"

static const char *const cmd_names[CTL_CMD_MAX + 1] = {
	[CTL_CMD_PING] = "ping",
	[CTL_CMD_STATUS] = "status",
	[CTL_CMD_LOG] = "log",
	[CTL_CMD_STATS] = "stats",
	[CTL_CMD_DUMP] = "dump",
	[CTL_CMD_CONFIG] = "config",
};

const char *ctl_cmd_name(uint32_t cmd)
{
	return cmd >= 1 && cmd <= CTL_CMD_MAX ? cmd_names[cmd] : NULL;
}

int ctl_cmd_parse(const char *word)
{
	for (uint32_t c = 1; c <= CTL_CMD_MAX; c++)
		if (!strcmp(word, cmd_names[c]))
			return (int)c;
	return -EINVAL;
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_hdr(unsigned char *p, enum ctl_type type, uint16_t flags,
		    uint32_t word, uint32_t plen)
{
	memcpy(p, CTL_MAGIC, 4);
	p[4] = CTL_VERSION;
	p[5] = (unsigned char)type;
	put16(p + 6, flags);
	put32(p + 8, word);
	put32(p + 12, plen);
}

/* Common header checks; *word and *plen on success. */
static int get_hdr(const void *buf, size_t len, enum ctl_type type,
		   size_t max, uint16_t *flags, uint32_t *word, uint32_t *plen)
{
	const unsigned char *p = buf;

	if (!buf || len < CTL_HDR_SIZE || memcmp(p, CTL_MAGIC, 4))
		return -EBADMSG;
	if (p[4] != CTL_VERSION)
		return -EPROTONOSUPPORT;
	if (p[5] != type)
		return -EBADMSG;
	if (len > max)
		return -EMSGSIZE;
	*flags = get16(p + 6);
	*word = get32(p + 8);
	*plen = get32(p + 12);
	/* A length that disagrees with the frame means truncation or junk. */
	if ((size_t)*plen != len - CTL_HDR_SIZE)
		return -EBADMSG;
	return 0;
}

/* LOG needs a uuid; the others take nothing (catches typos early). */
static int check_arg(uint32_t cmd, size_t arg_len)
{
	if (cmd == CTL_CMD_LOG)
		return arg_len ? 0 : -EINVAL;
	return arg_len ? -EINVAL : 0;
}

bool ctl_req_flags_valid(uint32_t cmd, uint16_t flags)
{
	return !(flags & ~CTL_F_REQ_ALL) &&
	       (!(flags & CTL_F_RESET) || cmd == CTL_CMD_STATS);
}

int ctl_req_encode(uint32_t cmd, uint16_t flags, const char *arg, void *buf,
		   size_t len)
{
	size_t alen = arg ? strlen(arg) : 0;
	int r;

	if (!ctl_cmd_name(cmd) || !ctl_req_flags_valid(cmd, flags))
		return -EINVAL;
	r = check_arg(cmd, alen);
	if (r < 0)
		return r;
	if (alen > CTL_ARG_MAX || len < CTL_HDR_SIZE + alen)
		return -EMSGSIZE;
	put_hdr(buf, CTL_T_REQUEST, flags, cmd, (uint32_t)alen);
	if (alen)
		memcpy((unsigned char *)buf + CTL_HDR_SIZE, arg, alen);
	return (int)(CTL_HDR_SIZE + alen);
}

int ctl_req_decode(const void *buf, size_t len, struct ctl_req *r)
{
	uint32_t cmd, plen;
	uint16_t flags;
	int e;

	e = get_hdr(buf, len, CTL_T_REQUEST, CTL_REQ_MAX, &flags, &cmd, &plen);
	if (e < 0)
		return e;
	if (memchr((const char *)buf + CTL_HDR_SIZE, '\0', plen))
		return -EBADMSG;
	if (!ctl_cmd_name(cmd))
		return -EOPNOTSUPP;
	if (!ctl_req_flags_valid(cmd, flags))
		return -EINVAL;
	e = check_arg(cmd, plen);
	if (e < 0)
		return e;
	r->cmd = cmd;
	r->flags = flags;
	memcpy(r->arg, (const char *)buf + CTL_HDR_SIZE, plen);
	r->arg[plen] = '\0';
	return 0;
}

int ctl_reply_encode(int32_t status, uint16_t flags, const void *chunk,
		     size_t chunk_len, void *buf, size_t len)
{
	if (status > 0 || status < -4095 || (flags & ~CTL_F_MORE) ||
	    (chunk_len && !chunk))
		return -EINVAL;
	if (chunk_len > CTL_CHUNK_MAX || len < CTL_HDR_SIZE + chunk_len)
		return -EMSGSIZE;
	put_hdr(buf, CTL_T_REPLY, flags, (uint32_t)status, (uint32_t)chunk_len);
	if (chunk_len)
		memcpy((unsigned char *)buf + CTL_HDR_SIZE, chunk, chunk_len);
	return (int)(CTL_HDR_SIZE + chunk_len);
}

int ctl_reply_decode(const void *buf, size_t len, struct ctl_frame *f)
{
	uint32_t word, plen;
	uint16_t flags;
	int32_t status;
	int e;

	e = get_hdr(buf, len, CTL_T_REPLY, CTL_FRAME_MAX, &flags, &word, &plen);
	if (e < 0)
		return e;
	status = (int32_t)word;
	if (status > 0 || status < -4095 || (flags & ~CTL_F_MORE))
		return -EBADMSG;
	f->status = status;
	f->flags = flags;
	f->chunk = (const char *)buf + CTL_HDR_SIZE;
	f->chunk_len = plen;
	return 0;
}

void ctl_reply_init(struct ctl_reply *rp)
{
	memset(rp, 0, sizeof(*rp));
}

int ctl_reply_feed(struct ctl_reply *rp, const void *buf, size_t len)
{
	struct ctl_frame f;
	size_t need;
	int r;

	if (rp->done)
		return -EPROTO;
	r = ctl_reply_decode(buf, len, &f);
	if (r < 0)
		return r;
	if (rp->frames && f.status != rp->status)
		return -EPROTO;
	if (f.chunk_len > CTL_BODY_MAX - rp->body_len)
		return -EMSGSIZE;
	need = rp->body_len + f.chunk_len + 1;
	if (need > rp->cap) {
		size_t cap = rp->cap ? rp->cap : 4096;
		char *nb;

		while (cap < need)
			cap *= 2;
		nb = realloc(rp->body, cap);
		if (!nb)
			return -ENOMEM;
		rp->body = nb;
		rp->cap = cap;
	}
	memcpy(rp->body + rp->body_len, f.chunk, f.chunk_len);
	rp->body_len += f.chunk_len;
	rp->body[rp->body_len] = '\0';
	rp->status = f.status;
	rp->frames++;
	rp->done = !(f.flags & CTL_F_MORE);
	return rp->done ? 1 : 0;
}

void ctl_reply_free(struct ctl_reply *rp)
{
	free(rp->body);
	ctl_reply_init(rp);
}

/* ---- JSON helpers (snprintf rules) ---- */

struct jout {
	char *buf;
	size_t len, pos;
};

static void jput(struct jout *o, const char *s, size_t n)
{
	if (o->pos < o->len) {
		size_t room = o->len - o->pos - 1;

		memcpy(o->buf + o->pos, s, n < room ? n : room);
		o->buf[o->pos + (n < room ? n : room)] = '\0';
	}
	o->pos += n;
}

static void jstr(struct jout *o, const char *s, size_t slen)
{
	static const char hex[] = "0123456789abcdef";

	jput(o, "\"", 1);
	for (size_t i = 0; i < slen; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jput(o, esc, 2);
		} else if (c == '\n') {
			jput(o, "\\n", 2);
		} else if (c == '\t') {
			jput(o, "\\t", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			/* Non-ASCII as \u00XX keeps the output valid JSON
			 * whatever bytes the source held. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			jput(o, esc, 6);
		} else {
			jput(o, (const char *)&c, 1);
		}
	}
	jput(o, "\"", 1);
}

size_t ctl_json_string(char *out, size_t outlen, const char *s, size_t slen)
{
	struct jout o = { out, outlen, 0 };

	if (outlen)
		out[0] = '\0';
	jstr(&o, s, slen);
	return o.pos;
}

static int jresult(const struct jout *o)
{
	return o->pos > (size_t)INT32_MAX ? -EOVERFLOW : (int)o->pos;
}

/* One "key = value  # source" line: value unquoted, or "quoted" with
 * \" and \\ escapes (cfgparse's dump format). */
static int config_line(struct jout *o, const char *line, size_t n, bool first)
{
	const char *eq = NULL, *end = line + n, *v, *hash;
	char val[4096];
	size_t vl = 0;

	for (const char *p = line; p + 2 < end; p++)
		if (p[0] == ' ' && p[1] == '=' && p[2] == ' ') {
			eq = p;
			break;
		}
	if (!eq || eq == line)
		return -EINVAL;
	v = eq + 3;
	if (v < end && *v == '"') {
		for (v++; v < end && *v != '"'; v++) {
			if (*v == '\\' && v + 1 < end)
				v++;
			if (vl == sizeof(val))
				return -EINVAL;
			val[vl++] = *v;
		}
		if (v == end)
			return -EINVAL;
		v++;
		hash = memchr(v, '#', (size_t)(end - v));
	} else {
		hash = memchr(v, '#', (size_t)(end - v));
		if (!hash)
			return -EINVAL;
		vl = (size_t)(hash - v);
		while (vl && v[vl - 1] == ' ')
			vl--;
		if (vl > sizeof(val))
			return -EINVAL;
		memcpy(val, v, vl);
	}
	if (!hash || hash + 1 >= end || hash[1] != ' ')
		return -EINVAL;
	jput(o, first ? "" : ",", first ? 0 : 1);
	jstr(o, line, (size_t)(eq - line));
	jput(o, ":{\"value\":", 10);
	jstr(o, val, vl);
	jput(o, ",\"source\":", 10);
	jstr(o, hash + 2, (size_t)(end - hash - 2));
	jput(o, "}", 1);
	return 0;
}

int ctl_config_json(const char *text, char *out, size_t outlen)
{
	struct jout o = { out, outlen, 0 };
	bool first = true;

	if (outlen)
		out[0] = '\0';
	jput(&o, "{", 1);
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		if (n) {
			int r = config_line(&o, text, n, first);

			if (r < 0)
				return r;
			first = false;
		}
		text += n + (nl ? 1 : 0);
	}
	jput(&o, "}\n", 2);
	return jresult(&o);
}

int ctl_lines_json(const char *key, const char *text, char *out,
		   size_t outlen)
{
	struct jout o = { out, outlen, 0 };
	bool first = true;

	if (outlen)
		out[0] = '\0';
	jput(&o, "{", 1);
	jstr(&o, key, strlen(key));
	jput(&o, ":[", 2);
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		jput(&o, first ? "" : ",", first ? 0 : 1);
		jstr(&o, text, n);
		first = false;
		text += n + (nl ? 1 : 0);
	}
	jput(&o, "]}\n", 3);
	return jresult(&o);
}
