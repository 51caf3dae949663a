// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Table-driven option parsing (see cfgparse.h).  Everything works on
 * (pointer, length) slices of the input so that no line length, embedded NUL
 * or missing newline can overrun anything: this code is fuzzed.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmirror/cfgparse.h"

/* Append-only text buffer with snprintf semantics: `pos` counts every byte
 * that would have been written, the buffer holds what fits plus a NUL. */
struct sbuf {
	char *buf;
	size_t len, pos;
};

static void sb_putc(struct sbuf *sb, char c)
{
	if (sb->pos + 1 < sb->len) {
		sb->buf[sb->pos] = c;
		sb->buf[sb->pos + 1] = '\0';
	}
	sb->pos++;
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	size_t room = sb->pos < sb->len ? sb->len - sb->pos : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->pos += (size_t)n;
}

static void sb_pad(struct sbuf *sb, size_t start, size_t col)
{
	do
		sb_putc(sb, ' ');
	while (sb->pos - start < col);
}

static int sb_result(const struct sbuf *sb)
{
	if (sb->len)
		sb->buf[sb->pos < sb->len ? sb->pos : sb->len - 1] = '\0';
	return sb->pos > INT32_MAX ? INT32_MAX : (int)sb->pos;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_space((*s)[*len - 1]))
		(*len)--;
}

/* A printable, bounded rendition of user input for error messages. */
static void show(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0, lim = len > 40 ? 40 : len;

	if (!outlen)
		return;
	for (i = 0; i < lim && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = (c >= 0x20 && c < 0x7f && c != '\'') ? (char)c : '?';
	}
	if (len > lim)
		for (i = 0; i < 3 && o + 1 < outlen; i++)
			out[o++] = '.';
	out[o] = '\0';
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const struct cfg_option *cfg_find(const struct cfg_option *tab, size_t n,
				  const char *key, size_t keylen)
{
	for (size_t i = 0; i < n; i++) {
		const char *name = tab[i].name;
		size_t j;

		if (strlen(name) != keylen)
			continue;
		for (j = 0; j < keylen; j++)
			if (key[j] != name[j] &&
			    !(key[j] == '_' && name[j] == '-'))
				break;
		if (j == keylen)
			return &tab[i];
	}
	return NULL;
}

const struct cfg_option *cfg_find_short(const struct cfg_option *tab,
					size_t n, char c)
{
	for (size_t i = 0; c && i < n; i++)
		if (tab[i].short_opt == c)
			return &tab[i];
	return NULL;
}

static bool word_eq(const char *w, const char *s, size_t len)
{
	return strlen(w) == len && strncasecmp(w, s, len) == 0;
}

static int parse_bool(const char *s, size_t len, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (word_eq(yes[i], s, len)) {
			*out = true;
			return 0;
		}
		if (word_eq(no[i], s, len)) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal digits only: no sign, no base prefix, no surrounding junk. */
static int parse_uint(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static void enum_words(const struct cfg_option *opt, struct sbuf *sb)
{
	int seen_first = 0;

	for (const struct cfg_word *w = opt->words; w && w->word; w++) {
		bool alias = false;

		/* Show canonical words only: skip a value already listed. */
		for (const struct cfg_word *p = opt->words; p < w; p++)
			if (p->value == w->value)
				alias = true;
		if (alias)
			continue;
		sb_printf(sb, "%s%s", seen_first++ ? "|" : "", w->word);
	}
}

static int bad_value(const struct cfg_option *opt, const char *v, size_t len,
		     char *err, size_t errlen)
{
	char shown[64], exp[256];
	struct sbuf sb = { exp, sizeof(exp), 0 };

	exp[0] = '\0';
	switch (opt->type) {
	case CFG_BOOL:
		sb_printf(&sb, "yes or no");
		break;
	case CFG_UINT:
		sb_printf(&sb, "an integer in %" PRIu64 "..%" PRIu64,
			  opt->min, opt->max);
		break;
	case CFG_STRING:
		sb_printf(&sb, "%sat most %" PRIu64 " characters",
			  opt->flags & CFG_F_NONEMPTY ? "1 to " : "",
			  opt->max);
		break;
	case CFG_ENUM:
		enum_words(opt, &sb);
		break;
	}
	sb_result(&sb);
	show(v, len, shown, sizeof(shown));
	return fail(err, errlen, "bad value '%s' for '%s' (expected %s)",
		    shown, opt->name, exp);
}

int cfg_set_value(const struct cfg_option *opt, void *base, const char *value,
		  size_t len, bool store, char *err, size_t errlen)
{
	char *field = (char *)base + opt->offset;
	uint64_t u;
	bool b;

	switch (opt->type) {
	case CFG_BOOL:
		if (opt->size != sizeof(bool))
			break;
		if (parse_bool(value, len, &b) < 0)
			return bad_value(opt, value, len, err, errlen);
		if (store)
			*(bool *)field = b;
		return 0;
	case CFG_UINT:
		if (opt->size != 4 && opt->size != 8)
			break;
		if (parse_uint(value, len, &u) < 0 || u < opt->min ||
		    u > opt->max || (opt->size == 4 && u > UINT32_MAX))
			return bad_value(opt, value, len, err, errlen);
		if (store && opt->size == 4)
			*(uint32_t *)field = (uint32_t)u;
		else if (store)
			*(uint64_t *)field = u;
		return 0;
	case CFG_STRING:
		if (!opt->size || opt->max >= opt->size)
			break;
		if (len > opt->max || memchr(value, '\0', len) ||
		    (!len && (opt->flags & CFG_F_NONEMPTY)))
			return bad_value(opt, value, len, err, errlen);
		if (store) {
			memcpy(field, value, len);
			field[len] = '\0';
		}
		return 0;
	case CFG_ENUM:
		if (opt->size != sizeof(int) && opt->size != sizeof(bool))
			break;
		for (const struct cfg_word *w = opt->words; w && w->word; w++) {
			if (!word_eq(w->word, value, len))
				continue;
			if (store && opt->size == sizeof(int))
				*(int *)field = w->value;
			else if (store)
				*(bool *)field = w->value != 0;
			return 0;
		}
		return bad_value(opt, value, len, err, errlen);
	}
	return fail(err, errlen, "internal error: bad table entry '%s'",
		    opt->name);
}

int cfg_set_defaults(const struct cfg_option *tab, size_t n, void *base,
		     enum cfg_source *src)
{
	for (size_t i = 0; i < n; i++) {
		const char *d = tab[i].def ? tab[i].def : "";
		int r = cfg_set_value(&tab[i], base, d, strlen(d), true,
				      NULL, 0);

		if (r < 0)
			return r;
		if (src)
			src[i] = CFG_SRC_DEFAULT;
	}
	return 0;
}

/* Unescape a quoted value starting after the opening quote.  On success
 * *out is malloc'd, *consumed counts the bytes up to the closing quote. */
static int unquote(const char *s, size_t len, char **out, size_t *outlen,
		   size_t *consumed)
{
	char *v = malloc(len + 1);
	size_t o = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			v[o] = '\0';
			*out = v;
			*outlen = o;
			*consumed = i + 1;
			return 0;
		}
		if (s[i] == '\\' && i + 1 < len &&
		    (s[i + 1] == '"' || s[i + 1] == '\\'))
			i++;
		v[o++] = s[i];
	}
	free(v);
	return -EINVAL;
}

int cfg_parse_line(const struct cfg_option *tab, size_t n, void *base,
		   enum cfg_source *src, const char *line, size_t len,
		   char *err, size_t errlen)
{
	const struct cfg_option *opt;
	const char *key = line, *eq, *val;
	size_t keylen, vlen, idx;
	char shown[64], *copy = NULL;
	bool store;
	int r;

	trim(&key, &len);
	if (!len || key[0] == '#')
		return 0;
	eq = memchr(key, '=', len);
	if (!eq) {
		show(key, len, shown, sizeof(shown));
		return fail(err, errlen, "expected 'key = value', got '%s'",
			    shown);
	}
	keylen = (size_t)(eq - key);
	val = eq + 1;
	vlen = len - keylen - 1;
	trim(&key, &keylen);
	if (!keylen)
		return fail(err, errlen, "missing key before '='");
	opt = cfg_find(tab, n, key, keylen);
	if (!opt) {
		show(key, keylen, shown, sizeof(shown));
		return fail(err, errlen, "unknown key '%s'", shown);
	}
	if (opt->flags & CFG_F_CLI_ONLY)
		return fail(err, errlen,
			    "'%s' can only be given on the command line",
			    opt->name);
	trim(&val, &vlen);
	if (vlen && val[0] == '"') {
		const char *rest;
		size_t used, restlen, outlen;

		r = unquote(val + 1, vlen - 1, &copy, &outlen, &used);
		if (r == -ENOMEM)
			return fail(err, errlen, "out of memory");
		if (r < 0)
			return fail(err, errlen,
				    "unterminated quote in the value of '%s'",
				    opt->name);
		/* Only a comment may follow the closing quote. */
		rest = val + 1 + used;
		restlen = vlen - 1 - used;
		trim(&rest, &restlen);
		if (restlen && rest[0] != '#') {
			free(copy);
			return fail(err, errlen,
				    "unexpected text after the quoted value of '%s'",
				    opt->name);
		}
		val = copy;
		vlen = outlen;
	} else {
		const char *hash = vlen ? memchr(val, '#', vlen) : NULL;

		if (hash)
			vlen = (size_t)(hash - val);
		trim(&val, &vlen);
	}
	idx = (size_t)(opt - tab);
	store = !src || src[idx] != CFG_SRC_CLI;
	r = cfg_set_value(opt, base, val, vlen, store, err, errlen);
	if (!r && store && src)
		src[idx] = CFG_SRC_FILE;
	free(copy);
	return r;
}

int cfg_parse_buffer(const struct cfg_option *tab, size_t n, void *base,
		     enum cfg_source *src, const char *buf, size_t len,
		     const char *fname, char *err, size_t errlen)
{
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		char lerr[256];
		int r;

		lineno++;
		r = cfg_parse_line(tab, n, base, src, buf + pos, ll, lerr,
				   sizeof(lerr));
		if (r < 0)
			return fail(err, errlen, "%s:%u: %s", fname, lineno,
				    lerr);
		pos += ll + 1;
	}
	return 0;
}

static const char *canonical_word(const struct cfg_option *opt, int v)
{
	for (const struct cfg_word *w = opt->words; w && w->word; w++)
		if (w->value == v)
			return w->word;
	return NULL;
}

static void format_value(const struct cfg_option *opt, const void *base,
			 struct sbuf *sb, bool quote)
{
	const char *field = (const char *)base + opt->offset;
	const char *w;
	size_t len;
	int v;

	switch (opt->type) {
	case CFG_BOOL:
		sb_printf(sb, "%s", *(const bool *)field ? "yes" : "no");
		break;
	case CFG_UINT:
		sb_printf(sb, "%" PRIu64, opt->size == 4 ?
			  (uint64_t)*(const uint32_t *)field :
			  *(const uint64_t *)field);
		break;
	case CFG_ENUM:
		v = opt->size == sizeof(int) ? *(const int *)field :
			(int)*(const bool *)field;
		w = canonical_word(opt, v);
		if (w)
			sb_printf(sb, "%s", w);
		else
			sb_printf(sb, "%d", v);
		break;
	case CFG_STRING:
		len = strnlen(field, opt->size);
		quote = quote && (!len || is_space(field[0]) ||
				  is_space(field[len - 1]) ||
				  strpbrk(field, "#\"\\") != NULL);
		if (quote)
			sb_putc(sb, '"');
		for (size_t i = 0; i < len; i++) {
			if (quote && (field[i] == '"' || field[i] == '\\'))
				sb_putc(sb, '\\');
			sb_putc(sb, field[i]);
		}
		if (quote)
			sb_putc(sb, '"');
		break;
	}
}

int cfg_format_value(const struct cfg_option *opt, const void *base,
		     char *buf, size_t len)
{
	struct sbuf sb = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	format_value(opt, base, &sb, false);
	return sb_result(&sb);
}

const char *cfg_source_name(enum cfg_source s)
{
	switch (s) {
	case CFG_SRC_FILE:
		return "file";
	case CFG_SRC_CLI:
		return "cli";
	case CFG_SRC_DEFAULT:
		break;
	}
	return "default";
}

int cfg_render_help(const struct cfg_option *tab, size_t n, char *buf,
		    size_t len)
{
	struct sbuf sb = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct cfg_option *o = &tab[i];
		size_t start = sb.pos;
		/* A switch shows its default (and =no) only when it is on. */
		bool on = o->type == CFG_BOOL && o->def &&
			  strcmp(o->def, "yes") == 0;
		bool has_def = o->def && o->def[0] &&
			       (o->type != CFG_BOOL || on);

		if (o->short_opt)
			sb_printf(&sb, "  -%c, --%s", o->short_opt, o->name);
		else
			sb_printf(&sb, "      --%s", o->name);
		if (o->type != CFG_BOOL)
			sb_printf(&sb, "=%s", o->argname ? o->argname : "VALUE");
		else if (on)
			sb_printf(&sb, "[=no]");
		sb_pad(&sb, start, 32);
		sb_printf(&sb, "%s", o->help ? o->help : "");
		if (o->type == CFG_ENUM) {
			sb_printf(&sb, " (");
			enum_words(o, &sb);
			sb_printf(&sb, "%s", has_def ? "; " : ")");
		} else if (has_def) {
			sb_printf(&sb, " (");
		}
		if (has_def)
			sb_printf(&sb, "default: %s)", o->def);
		sb_putc(&sb, '\n');
	}
	return sb_result(&sb);
}

int cfg_render_dump(const struct cfg_option *tab, size_t n, const void *base,
		    const enum cfg_source *src, char *buf, size_t len)
{
	struct sbuf sb = { buf, len, 0 };

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t start = sb.pos;

		sb_printf(&sb, "%s = ", tab[i].name);
		format_value(&tab[i], base, &sb, true);
		sb_pad(&sb, start, 40);
		sb_printf(&sb, "# %s\n",
			  cfg_source_name(src ? src[i] : CFG_SRC_DEFAULT));
	}
	return sb_result(&sb);
}
