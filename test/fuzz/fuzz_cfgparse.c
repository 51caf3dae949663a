// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for lib/cfgparse.c: arbitrary bytes as a config file,
 * then the dump and help renderers on whatever got stored.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I<builddir> \
 *       test/fuzz/fuzz_cfgparse.c lib/cfgparse.c -o fuzz_cfgparse
 *   ./fuzz_cfgparse -max_len=4096
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/cfgparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct conf {
	bool b;
	uint32_t u32;
	uint64_t u64;
	char s[8];
	char path[64];
	int e;
	bool eb;
};

static const struct cfg_word words[] = {
	{ "one", 1 }, { "two", 2 }, { "uno", 1 }, { NULL, 0 },
};
static const struct cfg_word bwords[] = {
	{ "require", 1 }, { "ignore", 0 }, { NULL, 0 },
};

#define F(f) offsetof(struct conf, f), sizeof(((struct conf *)0)->f)

static const struct cfg_option tab[] = {
	{ .name = "b", .short_opt = 'b', .type = CFG_BOOL, F(b), .def = "no" },
	{ .name = "u32", .type = CFG_UINT, F(u32), .min = 1, .max = 1000,
	  .def = "5" },
	{ .name = "u64", .type = CFG_UINT, F(u64), .max = UINT64_MAX,
	  .def = "0" },
	{ .name = "s", .type = CFG_STRING, F(s), .max = 7, .def = "x",
	  .flags = CFG_F_NONEMPTY },
	{ .name = "path-name", .type = CFG_STRING, F(path), .max = 63,
	  .def = "" },
	{ .name = "e", .type = CFG_ENUM, F(e), .words = words, .def = "two" },
	{ .name = "eb", .type = CFG_ENUM, F(eb), .words = bwords,
	  .def = "require" },
	{ .name = "cli", .type = CFG_STRING, F(path), .max = 63, .def = "",
	  .flags = CFG_F_CLI_ONLY },
};

#define N (sizeof(tab) / sizeof(tab[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum cfg_source src[N];
	struct conf c;
	char err[128], out[2048];
	int r;

	memset(&c, 0, sizeof(c));
	if (cfg_set_defaults(tab, N, &c, src) < 0)
		abort();
	if (size && data[0] & 1)
		src[1] = CFG_SRC_CLI;	/* exercise the "CLI wins" path */
	r = cfg_parse_buffer(tab, N, &c, src, (const char *)data, size,
			     "fuzz", err, sizeof(err));
	if (r != 0 && r != -EINVAL)
		abort();
	if (r < 0 && strncmp(err, "fuzz:", 5) != 0)
		abort();
	if (strnlen(c.s, sizeof(c.s)) >= sizeof(c.s) ||
	    strnlen(c.path, sizeof(c.path)) >= sizeof(c.path) ||
	    c.u32 < 1 || c.u32 > 1000)
		abort();
	cfg_render_dump(tab, N, &c, src, out, sizeof(out));
	cfg_render_help(tab, N, out, (size_t)(size % sizeof(out)));
	/* The value as CLI text must be accepted or refused, never crash. */
	cfg_set_value(&tab[(size_t)size % N], &c, (const char *)data, size,
		      true, err, sizeof(err));
	return 0;
}
