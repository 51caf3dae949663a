/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared-stream bundle codec (wire_stream.h).  Another member (or a fuzzer)
 * controls every byte decoded here: each read follows a bounds check.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "le_bytes.h"
#include "cmirror/wire_stream.h"

void wstream_begin(struct wstream_enc *e, uint8_t *buf, size_t cap,
		   uint32_t sender)
{
	e->buf = buf;
	e->cap = cap;
	e->len = WSTREAM_HDR_SIZE;
	e->count = 0;
	put32(buf, WSTREAM_MAGIC);
	put16(buf + 4, WSTREAM_VERSION);
	put16(buf + 6, 0);
	put32(buf + 12, sender);
}

size_t wstream_rec_size(size_t len)
{
	return WSTREAM_REC_HDR_SIZE + len;
}

int wstream_add(struct wstream_enc *e, uint16_t type, const struct iovec *iov,
		unsigned n)
{
	size_t len = 0;

	if (type < WSTREAM_LOG || type > WSTREAM_ANNOUNCE)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (len > UINT32_MAX || e->cap - e->len < wstream_rec_size(len))
		return -ENOSPC;
	put16(e->buf + e->len, type);
	put16(e->buf + e->len + 2, 0);
	put32(e->buf + e->len + 4, (uint32_t)len);
	e->len += WSTREAM_REC_HDR_SIZE;
	for (unsigned i = 0; i < n; i++) {
		if (iov[i].iov_len)
			memcpy(e->buf + e->len, iov[i].iov_base,
			       iov[i].iov_len);
		e->len += iov[i].iov_len;
	}
	e->count++;
	return 0;
}

size_t wstream_finish(struct wstream_enc *e)
{
	put32(e->buf + 8, (uint32_t)e->len);
	put32(e->buf + 16, e->count);
	return e->len;
}

/* A uuid on the wire: 1..WSTREAM_UUID_MAX bytes, none of them NUL. */
static int uuid_ok(const uint8_t *p, size_t n)
{
	return n && n <= WSTREAM_UUID_MAX && !memchr(p, 0, n);
}

int wstream_member_encode(uint8_t *buf, uint32_t inc, const char *uuid)
{
	size_t n = strnlen(uuid, WSTREAM_UUID_MAX + 1);

	if (!n || n > WSTREAM_UUID_MAX)
		return -EINVAL;
	put32(buf, inc);
	memcpy(buf + 4, uuid, n);
	return (int)(4 + n);
}

int wstream_member_decode(const uint8_t *p, size_t len, uint32_t *inc,
			  char *uuid)
{
	if (len < 5 || !uuid_ok(p + 4, len - 4))
		return -EBADMSG;
	*inc = get32(p);
	memcpy(uuid, p + 4, len - 4);
	uuid[len - 4] = 0;
	return 0;
}

int wstream_open(struct wstream_dec *d, const uint8_t *buf, size_t len)
{
	size_t pos = WSTREAM_HDR_SIZE;
	uint32_t count;

	if (len < WSTREAM_HDR_SIZE || get32(buf) != WSTREAM_MAGIC)
		return -EBADMSG;
	if (get16(buf + 4) != WSTREAM_VERSION)
		return -EPROTO;
	if (get16(buf + 6) != 0 || get32(buf + 8) != len)
		return -EBADMSG;
	count = get32(buf + 16);
	for (uint32_t i = 0; i < count; i++) {
		uint16_t type;
		uint32_t rlen;

		if (len - pos < WSTREAM_REC_HDR_SIZE)
			return -EBADMSG;
		type = get16(buf + pos);
		rlen = get32(buf + pos + 4);
		if (type < WSTREAM_LOG || type > WSTREAM_ANNOUNCE ||
		    get16(buf + pos + 2) != 0)
			return -EBADMSG;
		pos += WSTREAM_REC_HDR_SIZE;
		if (len - pos < rlen)
			return -EBADMSG;
		pos += rlen;
	}
	if (pos != len)
		return -EBADMSG;
	d->buf = buf;
	d->len = len;
	d->pos = WSTREAM_HDR_SIZE;
	d->left = count;
	d->sender = get32(buf + 12);
	return (int)(count > INT32_MAX ? INT32_MAX : count);
}

int wstream_next(struct wstream_dec *d, struct wstream_rec *r)
{
	if (!d->left)
		return 0;
	r->type = get16(d->buf + d->pos);
	r->len = get32(d->buf + d->pos + 4);
	r->data = d->buf + d->pos + WSTREAM_REC_HDR_SIZE;
	d->pos += WSTREAM_REC_HDR_SIZE + r->len;
	d->left--;
	return 1;
}

void wstream_ann_begin(struct wstream_ann_enc *a, uint8_t *buf, size_t cap)
{
	a->buf = buf;
	a->cap = cap;
	a->len = 8;
	a->count = 0;
}

int wstream_ann_add(struct wstream_ann_enc *a, const char *uuid)
{
	size_t n = strnlen(uuid, WSTREAM_UUID_MAX + 1);

	if (!n || n > WSTREAM_UUID_MAX)
		return -EINVAL;
	if (a->cap - a->len < 2 + n)
		return -ENOSPC;
	put16(a->buf + a->len, (uint16_t)n);
	memcpy(a->buf + a->len + 2, uuid, n);
	a->len += 2 + n;
	a->count++;
	return 0;
}

size_t wstream_ann_finish(struct wstream_ann_enc *a, uint32_t flags)
{
	put32(a->buf, flags);
	put32(a->buf + 4, a->count);
	return a->len;
}

int wstream_ann_open(struct wstream_ann_dec *a, const uint8_t *p, size_t len)
{
	size_t pos = 8;
	uint32_t count, flags;

	if (len < 8)
		return -EBADMSG;
	flags = get32(p);
	count = get32(p + 4);
	if (flags & ~(WSTREAM_ANN_LAST | WSTREAM_ANN_FIRST))
		return -EBADMSG;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t n;

		if (len - pos < 2)
			return -EBADMSG;
		n = get16(p + pos);
		pos += 2;
		if (len - pos < n || !uuid_ok(p + pos, n))
			return -EBADMSG;
		pos += n;
	}
	if (pos != len)
		return -EBADMSG;
	a->p = p;
	a->len = len;
	a->pos = 8;
	a->left = count;
	a->flags = flags;
	return (int)(count > INT32_MAX ? INT32_MAX : count);
}

int wstream_ann_next(struct wstream_ann_dec *a, char *uuid)
{
	uint16_t n;

	if (!a->left)
		return 0;
	n = get16(a->p + a->pos);
	memcpy(uuid, a->p + a->pos + 2, n);
	uuid[n] = 0;
	a->pos += 2 + (size_t)n;
	a->left--;
	return 1;
}
