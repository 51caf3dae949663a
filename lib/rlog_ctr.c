// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CTR string parsing and the life cycle of a region log object.
 *
 * The kernel sends "<sectors> <type> <type args...>": the target length it
 * computed, then the table's log words after the UUID verbatim (the UUID
 * and integrated_flush are stripped, the mirror's "#log_args" count is
 * consumed by dm-raid1).  So the usual shapes are
 *
 *   16384 clustered-core 1024 nosync
 *   16384 clustered-disk 7:2 1024 nosync
 *   16384 clustered-disk /dev/loop2 1024 block_on_error
 *
 * The type args may also start with their own count, as dm-log prints them
 * in STATUS_TABLE ("clustered-core 2 1024 nosync"); a table written by hand
 * from such output then reaches us with it.  That form is accepted only
 * when the count equals the number of words after it, and it can never be
 * confused with the plain form: there the word after region_size must be a
 * flag, here it must be a number.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/rlog.h"

#define CTR_MAX_WORDS	8	/* sectors type [count] dev rs sync boe + 1 */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Whole-word unsigned decimal; strtoull alone would accept "-1", " 7", "7x". */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*v = x;
	return 0;
}

/* "major:minor" in decimal, or an absolute path of printable characters. */
static bool dev_word_ok(const char *s)
{
	const char *colon = strchr(s, ':');

	if (s[0] == '/') {
		for (; *s; s++)
			if (!isgraph((unsigned char)*s))
				return false;
		return true;
	}
	if (!colon || colon == s || !colon[1])
		return false;
	for (; *s; s++)
		if (s != colon && !isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * The type args (after the type word) without a leading count:
 * [dev] region_size [sync|nosync] [block_on_error], flags once each.
 */
static int parse_args(char **w, int n, struct rlog_params *p, char *err,
		      size_t errlen)
{
	int i = 0;
	bool have_sync = false;

	if (p->kind == RLOG_DISK) {
		if (i >= n) {
			set_err(err, errlen, "missing log device");
			return -EINVAL;
		}
		if (strlen(w[i]) >= RLOG_DEV_MAX || !dev_word_ok(w[i])) {
			set_err(err, errlen, "bad log device \"%.*s\"",
				RLOG_DEV_MAX, w[i]);
			return -EINVAL;
		}
		memcpy(p->dev, w[i], strlen(w[i]) + 1);
		i++;
	}
	if (i >= n) {
		set_err(err, errlen, "missing region size");
		return -EINVAL;
	}
	if (parse_u64(w[i], &p->region_size) < 0) {
		set_err(err, errlen, "bad region size \"%.32s\"", w[i]);
		return -EINVAL;
	}
	for (i++; i < n; i++) {
		if (!strcmp(w[i], "sync") || !strcmp(w[i], "nosync")) {
			if (have_sync) {
				set_err(err, errlen, "sync/nosync given twice");
				return -EINVAL;
			}
			have_sync = true;
			p->sync = w[i][0] == 's' ? RLOG_SYNC_FORCE :
						   RLOG_SYNC_NONE;
		} else if (!strcmp(w[i], "block_on_error")) {
			if (p->block_on_error) {
				set_err(err, errlen, "block_on_error given twice");
				return -EINVAL;
			}
			p->block_on_error = true;
		} else {
			set_err(err, errlen, "unknown log argument \"%.32s\"",
				w[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* Reset the fields parse_args() fills, between the two attempts. */
static void clear_args(struct rlog_params *p)
{
	p->sync = RLOG_SYNC_DEFAULT;
	p->block_on_error = false;
	p->region_size = 0;
	p->dev[0] = '\0';
}

static int check_geometry(struct rlog_params *p, char *err, size_t errlen)
{
	uint64_t rs = p->region_size;

	if (rs < 2 || (rs & (rs - 1))) {
		set_err(err, errlen,
			"region size %llu is not a power of two >= 2",
			(unsigned long long)rs);
		return -EINVAL;
	}
	/* The kernel keeps region_size as u32 (GET_REGION_SIZE truncates). */
	if (rs > UINT32_MAX || rs > p->sectors) {
		set_err(err, errlen, "region size %llu too large for %llu sectors",
			(unsigned long long)rs, (unsigned long long)p->sectors);
		return -EINVAL;
	}
	p->region_count = p->sectors / rs + (p->sectors % rs != 0);
	if (p->region_count > RLOG_MAX_REGIONS) {
		set_err(err, errlen, "%llu regions is more than supported",
			(unsigned long long)p->region_count);
		return -EINVAL;
	}
	return 0;
}

int rlog_parse_ctr(const char *ctr, struct rlog_params *p, char *err,
		   size_t errlen)
{
	char buf[ULOG_MAX_PAYLOAD + 1], *w[CTR_MAX_WORDS], *save = NULL, *t;
	size_t len, pos = 0;
	uint64_t cnt;
	int n = 0, r;

	memset(p, 0, sizeof(*p));
	set_err(err, errlen, "ok");
	if (!ctr) {
		set_err(err, errlen, "no constructor string");
		return -EINVAL;
	}
	len = strnlen(ctr, sizeof(buf));
	if (len >= sizeof(buf)) {
		set_err(err, errlen, "constructor string too long");
		return -EINVAL;
	}
	memcpy(buf, ctr, len + 1);
	for (t = strtok_r(buf, " \t\n", &save); t;
	     t = strtok_r(NULL, " \t\n", &save)) {
		if (n == CTR_MAX_WORDS) {
			set_err(err, errlen, "too many words");
			return -EINVAL;
		}
		w[n++] = t;
	}
	if (n < 2) {
		set_err(err, errlen, "need \"<sectors> <log type> <args>\"");
		return -EINVAL;
	}
	if (parse_u64(w[0], &p->sectors) < 0 || p->sectors == 0) {
		set_err(err, errlen, "bad target length \"%.32s\"", w[0]);
		return -EINVAL;
	}
	if (!strcmp(w[1], "clustered-core") || !strcmp(w[1], "core")) {
		p->kind = RLOG_CORE;
	} else if (!strcmp(w[1], "clustered-disk") || !strcmp(w[1], "disk")) {
		p->kind = RLOG_DISK;
	} else {
		set_err(err, errlen, "unsupported log type \"%.32s\"", w[1]);
		return -EINVAL;
	}
	r = parse_args(w + 2, n - 2, p, err, errlen);
	if (r < 0 && n > 3 && parse_u64(w[2], &cnt) == 0 &&
	    cnt == (uint64_t)(n - 3)) {
		char err2[8];

		/* The counted form; keep the first reason if it fails too. */
		clear_args(p);
		r = parse_args(w + 3, n - 3, p, err2, sizeof(err2));
		if (r == 0)
			set_err(err, errlen, "ok");
	}
	if (r < 0)
		return r;
	r = check_geometry(p, err, errlen);
	if (r < 0)
		return r;
	/* args: the words after the length, single-spaced. */
	for (int i = 1; i < n; i++) {
		size_t wl = strlen(w[i]);

		if (i > 1)
			p->args[pos++] = ' ';
		memcpy(p->args + pos, w[i], wl);
		pos += wl;
	}
	p->args[pos] = '\0';
	return 0;
}

struct rlog *rlog_new(const struct rlog_params *p)
{
	struct rlog *l;
	bool nosync;
	int r;

	if (!p || !p->region_count || p->region_count > RLOG_MAX_REGIONS) {
		errno = EINVAL;
		return NULL;
	}
	l = calloc(1, sizeof(*l));
	if (!l) {
		errno = ENOMEM;
		return NULL;
	}
	l->p = *p;
	nosync = p->sync == RLOG_SYNC_NONE;
	r = bitmap_init(&l->clean, p->region_count, true);
	if (!r)
		r = bitmap_init(&l->sync, p->region_count, nosync);
	if (r < 0) {
		rlog_free(l);
		errno = -r;
		return NULL;
	}
	l->sync_count = nosync ? p->region_count : 0;
	return l;
}

void rlog_free(struct rlog *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nmarks && i < RLOG_MAX_NODES; i++)
		free(l->marks[i].regions);
	bitmap_free(&l->clean);
	bitmap_free(&l->sync);
	free(l);
}

struct rlog *rlog_clone(const struct rlog *l)
{
	struct rlog *c;
	int r;

	c = malloc(sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	*c = *l;
	/* Drop the shared pointers first so a partial failure frees only ours. */
	memset(&c->clean, 0, sizeof(c->clean));
	memset(&c->sync, 0, sizeof(c->sync));
	for (size_t i = 0; i < RLOG_MAX_NODES; i++) {
		c->marks[i].regions = NULL;
		c->marks[i].cap = 0;
		if (i >= l->nmarks)
			c->marks[i].n = 0;
	}
	r = bitmap_dup(&c->clean, &l->clean);
	if (!r)
		r = bitmap_dup(&c->sync, &l->sync);
	for (size_t i = 0; !r && i < l->nmarks; i++) {
		const struct rlog_marks *m = &l->marks[i];
		size_t cap = m->n ? m->n : 1;

		c->marks[i].regions = malloc(cap * sizeof(uint64_t));
		if (!c->marks[i].regions) {
			r = -ENOMEM;
			break;
		}
		if (m->n)
			memcpy(c->marks[i].regions, m->regions,
			       m->n * sizeof(uint64_t));
		c->marks[i].cap = cap;
	}
	if (r < 0) {
		rlog_free(c);
		errno = -r;
		return NULL;
	}
	return c;
}
