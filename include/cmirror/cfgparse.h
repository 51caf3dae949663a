/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table-driven options: one table of struct cfg_option describes every
 * setting (name, short letter, type, bounds, default, help, where it lives
 * in the caller's struct).  The same table parses "key = value" config
 * files, command-line values, renders --help and the effective-config dump.
 * Pure code: no I/O, no globals, never crashes on arbitrary input (fuzzed).
 *
 * Config syntax, one setting per line:
 *   # comment
 *   key = value            (whitespace around key and value is trimmed)
 *   key = "quoted value"   (\" and \\ are the only escapes inside quotes)
 *   key = value  # comment (an unquoted value ends at '#')
 * Keys are the long option names; '_' is accepted for '-'.  Unknown keys
 * and bad values are errors.  A key given twice: the last one wins.
 */
#ifndef CMIRROR_CFGPARSE_H
#define CMIRROR_CFGPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cfg_type {
	CFG_BOOL,	/* field: bool; yes|no|true|false|on|off|1|0 */
	CFG_UINT,	/* field: uint32_t (size 4) or uint64_t (size 8), min..max */
	CFG_STRING,	/* field: char[size]; at most `max` bytes (<= size - 1) */
	CFG_ENUM,	/* field: int (size 4) or bool (size 1); one of `words` */
};

enum cfg_source { CFG_SRC_DEFAULT, CFG_SRC_FILE, CFG_SRC_CLI };

#define CFG_F_CLI_ONLY	0x1	/* refused in a config file (e.g. the file's own path) */
#define CFG_F_NONEMPTY	0x2	/* CFG_STRING: the empty string is refused */

/* An allowed word of a CFG_ENUM; several words may share a value (aliases:
 * the first one is the canonical name shown by help and dump).  The array
 * ends with a NULL word. */
struct cfg_word {
	const char *word;
	int value;
};

struct cfg_option {
	const char *name;	/* long option and config key */
	char short_opt;		/* 0: none */
	enum cfg_type type;
	size_t offset;		/* offsetof(struct ..., field) */
	size_t size;		/* sizeof the field */
	uint64_t min, max;	/* CFG_UINT bounds; CFG_STRING: max length */
	const struct cfg_word *words;	/* CFG_ENUM */
	const char *def;	/* default, as text, parsed like any value */
	const char *argname;	/* "PATH", "N" in --help; NULL for flags */
	const char *help;
	unsigned flags;		/* CFG_F_* */
};

/* Find by key (also "log_level" for "log-level"), or by short letter. */
const struct cfg_option *cfg_find(const struct cfg_option *tab, size_t n,
				  const char *key, size_t keylen);
const struct cfg_option *cfg_find_short(const struct cfg_option *tab,
					size_t n, char c);

/* Apply every default (src may be NULL).  0 or -EINVAL (bad table). */
int cfg_set_defaults(const struct cfg_option *tab, size_t n, void *base,
		     enum cfg_source *src);

/*
 * Check `value` (len bytes, need not be NUL-terminated) for opt and store it
 * into base unless `store` is false (validate only).  0, or -EINVAL with
 * err = "bad value 'y' for 'z' (expected ...)".
 */
int cfg_set_value(const struct cfg_option *opt, void *base, const char *value,
		  size_t len, bool store, char *err, size_t errlen);

/*
 * Parse one config line (no newline).  Blank and comment lines are 0.
 * Stores into base and sets src[i] = CFG_SRC_FILE, unless src[i] is already
 * CFG_SRC_CLI (the command line wins; the value is still validated).
 * 0, or -EINVAL with err = "unknown key 'x'", "bad value ...", etc.
 */
int cfg_parse_line(const struct cfg_option *tab, size_t n, void *base,
		   enum cfg_source *src, const char *line, size_t len,
		   char *err, size_t errlen);

/* Parse a whole buffer; the first error is reported as
 * "<fname>:<line>: <message>".  0 or -EINVAL. */
int cfg_parse_buffer(const struct cfg_option *tab, size_t n, void *base,
		     enum cfg_source *src, const char *buf, size_t len,
		     const char *fname, char *err, size_t errlen);

/* Format a field's current value (canonical enum word, "yes"/"no", digits,
 * raw string).  snprintf rules. */
int cfg_format_value(const struct cfg_option *opt, const void *base,
		     char *buf, size_t len);

/* "  -f, --foreground       help (default: x)" lines.  snprintf rules:
 * returns the full length even when truncated. */
int cfg_render_help(const struct cfg_option *tab, size_t n, char *buf,
		    size_t len);

/* "key = value    # default|file|cli" lines, values quoted when needed.
 * src may be NULL (all "default").  snprintf rules. */
int cfg_render_dump(const struct cfg_option *tab, size_t n, const void *base,
		    const enum cfg_source *src, char *buf, size_t len);

const char *cfg_source_name(enum cfg_source s);

#endif
