// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/cfgparse.c: the table-driven option parser. */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmirror/cfgparse.h"

struct conf {
	bool verbose;
	uint32_t count;
	uint64_t big;
	char name[16];
	char path[64];
	int color;
	bool mode;
};

static const struct cfg_word color_words[] = {
	{ "red", 1 }, { "green", 2 }, { "blue", 3 }, { "rouge", 1 },
	{ NULL, 0 },
};

static const struct cfg_word mode_words[] = {
	{ "on", 1 }, { "off", 0 }, { NULL, 0 },
};

#define F(f) offsetof(struct conf, f), sizeof(((struct conf *)0)->f)

static const struct cfg_option tab[] = {
	{ .name = "verbose", .short_opt = 'v', .type = CFG_BOOL, F(verbose),
	  .def = "no", .help = "talk more" },
	{ .name = "count", .short_opt = 'n', .type = CFG_UINT, F(count),
	  .min = 1, .max = 100, .def = "10", .argname = "N",
	  .help = "how many" },
	{ .name = "big", .type = CFG_UINT, F(big), .min = 0,
	  .max = UINT64_MAX, .def = "0", .help = "a big number" },
	{ .name = "name", .type = CFG_STRING, F(name), .max = 15,
	  .def = "x", .help = "a name", .flags = CFG_F_NONEMPTY },
	{ .name = "file-path", .type = CFG_STRING, F(path), .max = 63,
	  .def = "", .argname = "PATH", .help = "a path" },
	{ .name = "color", .type = CFG_ENUM, F(color), .words = color_words,
	  .def = "green", .help = "a color" },
	{ .name = "mode", .type = CFG_ENUM, F(mode), .words = mode_words,
	  .def = "on", .help = "a switch" },
	{ .name = "config", .type = CFG_STRING, F(path), .max = 63,
	  .def = "", .help = "cli only", .flags = CFG_F_CLI_ONLY },
};

#define N (sizeof(tab) / sizeof(tab[0]))

static int setup(void **state)
{
	struct conf *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	assert_int_equal(cfg_set_defaults(tab, N, c, NULL), 0);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int parse(struct conf *c, enum cfg_source *src, const char *text,
		 char *err, size_t errlen)
{
	return cfg_parse_buffer(tab, N, c, src, text, strlen(text), "t.conf",
				err, errlen);
}

static void test_cfgparse_defaults(void **state)
{
	struct conf *c = *state;

	assert_false(c->verbose);
	assert_int_equal(c->count, 10);
	assert_string_equal(c->name, "x");
	assert_string_equal(c->path, "");
	assert_int_equal(c->color, 2);
	assert_true(c->mode);
}

static void test_cfgparse_buffer_sets_values(void **state)
{
	struct conf *c = *state;
	enum cfg_source src[N] = { 0 };
	char err[256];

	assert_int_equal(parse(c, src,
			       "# comment\n\n  verbose = yes\n"
			       "count=42   # trailing comment\r\n"
			       "big = 18446744073709551615\n"
			       "file_path = \"/a b/#c\\\"d\"\n"
			       "color = ROUGE\nmode = off", err, sizeof(err)), 0);
	assert_true(c->verbose);
	assert_int_equal(c->count, 42);
	assert_true(c->big == UINT64_MAX);
	assert_string_equal(c->path, "/a b/#c\"d");
	assert_int_equal(c->color, 1);
	assert_false(c->mode);
	assert_int_equal(src[0], CFG_SRC_FILE);
	assert_int_equal(src[3], CFG_SRC_DEFAULT);
}

static void test_cfgparse_unknown_key_has_line(void **state)
{
	char err[256];

	assert_int_equal(parse(*state, NULL, "count = 5\n\n# x\nbogus = 1\n",
			       err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:4: unknown key 'bogus'");
}

static void test_cfgparse_bad_value_message(void **state)
{
	char err[256];

	assert_int_equal(parse(*state, NULL, "verbose = no\ncount = 0x10\n",
			       err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:2: bad value '0x10' for 'count' "
			    "(expected an integer in 1..100)");
	assert_int_equal(parse(*state, NULL, "color = pink", err,
			       sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.conf:1: bad value 'pink' for 'color' "
			    "(expected red|green|blue)");
}

static void test_cfgparse_uint_bounds(void **state)
{
	struct conf *c = *state;
	char err[256];

	assert_int_equal(cfg_set_value(&tab[1], c, "1", 1, true, err,
				       sizeof(err)), 0);
	assert_int_equal(c->count, 1);
	assert_int_equal(cfg_set_value(&tab[1], c, "100", 3, true, err,
				       sizeof(err)), 0);
	assert_int_equal(cfg_set_value(&tab[1], c, "101", 3, true, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(cfg_set_value(&tab[1], c, "0", 1, true, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(cfg_set_value(&tab[1], c, "-1", 2, true, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(cfg_set_value(&tab[1], c, "", 0, true, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(cfg_set_value(&tab[2], c, "18446744073709551616",
				       20, true, err, sizeof(err)), -EINVAL);
	assert_int_equal(c->count, 100);	/* failures change nothing */
}

static void test_cfgparse_string_limits(void **state)
{
	struct conf *c = *state;
	char err[256];

	assert_int_equal(cfg_set_value(&tab[3], c, "123456789012345", 15,
				       true, err, sizeof(err)), 0);
	assert_string_equal(c->name, "123456789012345");
	assert_int_equal(cfg_set_value(&tab[3], c, "1234567890123456", 16,
				       true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "at most 15 characters"));
	assert_int_equal(cfg_set_value(&tab[3], c, "", 0, true, err,
				       sizeof(err)), -EINVAL);
	assert_int_equal(cfg_set_value(&tab[3], c, "a\0b", 3, true, err,
				       sizeof(err)), -EINVAL);
}

static void test_cfgparse_quoting_errors(void **state)
{
	char err[256];

	assert_int_equal(parse(*state, NULL, "name = \"abc", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.conf:1: unterminated quote"));
	assert_int_equal(parse(*state, NULL, "name = \"abc\" x", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "unexpected text"));
	assert_int_equal(parse(*state, NULL, "name = \"abc\"  # ok", err,
			       sizeof(err)), 0);
	assert_int_equal(parse(*state, NULL, "just words", err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "expected 'key = value'"));
	assert_int_equal(parse(*state, NULL, " = 3", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "missing key"));
}

static void test_cfgparse_cli_only_and_cli_wins(void **state)
{
	struct conf *c = *state;
	enum cfg_source src[N] = { 0 };
	char err[256];

	assert_int_equal(parse(c, NULL, "config = /x", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "only be given on the command line"));
	c->count = 7;
	src[1] = CFG_SRC_CLI;
	assert_int_equal(parse(c, src, "count = 50", err, sizeof(err)), 0);
	assert_int_equal(c->count, 7);
	assert_int_equal(src[1], CFG_SRC_CLI);
	/* Still validated even though the command line wins. */
	assert_int_equal(parse(c, src, "count = 500", err, sizeof(err)),
			 -EINVAL);
}

static void test_cfgparse_find(void **state)
{
	assert_ptr_equal(cfg_find(tab, N, "file_path", 9), &tab[4]);
	assert_ptr_equal(cfg_find(tab, N, "file-path", 9), &tab[4]);
	assert_null(cfg_find(tab, N, "file-pat", 8));
	assert_ptr_equal(cfg_find_short(tab, N, 'n'), &tab[1]);
	assert_null(cfg_find_short(tab, N, 'z'));
	assert_null(cfg_find_short(tab, N, 0));
}

static void test_cfgparse_help_render(void **state)
{
	char buf[2048];
	int n = cfg_render_help(tab, N, buf, sizeof(buf));

	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf, "  -v, --verbose "));
	assert_non_null(strstr(buf, "  -n, --count=N "));
	assert_non_null(strstr(buf, "how many (default: 10)\n"));
	assert_non_null(strstr(buf, "      --color=VALUE"));
	assert_non_null(strstr(buf, "a color (red|green|blue; default: green)"));
	/* Truncation keeps snprintf rules. */
	assert_int_equal(cfg_render_help(tab, N, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
}

static void test_cfgparse_dump_render(void **state)
{
	struct conf *c = *state;
	enum cfg_source src[N] = { 0 };
	char buf[2048], err[256];
	int n;

	assert_int_equal(parse(c, src, "file-path = \"a #b\"\n", err,
			       sizeof(err)), 0);
	src[1] = CFG_SRC_CLI;
	n = cfg_render_dump(tab, N, c, src, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_non_null(strstr(buf, "verbose = no"));
	assert_non_null(strstr(buf, "count = 10"));
	assert_non_null(strstr(buf, "file-path = \"a #b\""));
	assert_non_null(strstr(buf, "color = green"));
	assert_non_null(strstr(buf, "mode = on"));
	assert_non_null(strstr(buf, "config = \"a #b\""));	/* shares path */
	assert_non_null(strstr(strstr(buf, "count = 10"), "# cli\n"));
	assert_non_null(strstr(strstr(buf, "file-path"), "# file\n"));
	assert_non_null(strstr(strstr(buf, "verbose"), "# default\n"));
}

static void test_cfgparse_dump_roundtrip(void **state)
{
	struct conf *c = *state, c2;
	char buf[2048], err[256];

	snprintf(c->path, sizeof(c->path), "%s", " a\\b\"c ");
	c->color = 3;
	c->big = 123456789012ull;
	cfg_render_dump(tab, N, c, NULL, buf, sizeof(buf));
	/* The config key is CLI-only: drop its line before re-parsing. */
	*strstr(buf, "config =") = '\0';
	memset(&c2, 0, sizeof(c2));
	assert_int_equal(cfg_set_defaults(tab, N, &c2, NULL), 0);
	assert_int_equal(parse(&c2, NULL, buf, err, sizeof(err)), 0);
	assert_memory_equal(c, &c2, sizeof(c2));
}

static void test_cfgparse_garbage_never_crashes(void **state)
{
	struct conf *c = *state;
	char buf[512], err[64];
	int r;

	srand(1);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % sizeof(buf);
		static const char alpha[] = "=\"#\\ \n\tcountnamecolor0123x\r";

		for (size_t j = 0; j < len; j++)
			buf[j] = (rand() & 3) ? alpha[rand() % (sizeof(alpha) - 1)]
					      : (char)rand();
		r = cfg_parse_buffer(tab, N, c, NULL, buf, len, "f", err,
				     sizeof(err));
		assert_true(r == 0 || r == -EINVAL);
		assert_true(strnlen(c->name, sizeof(c->name)) < sizeof(c->name));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_cfgparse_defaults),
		T(test_cfgparse_buffer_sets_values),
		T(test_cfgparse_unknown_key_has_line),
		T(test_cfgparse_bad_value_message),
		T(test_cfgparse_uint_bounds),
		T(test_cfgparse_string_limits),
		T(test_cfgparse_quoting_errors),
		T(test_cfgparse_cli_only_and_cli_wins),
		T(test_cfgparse_find),
		T(test_cfgparse_help_render),
		T(test_cfgparse_dump_render),
		T(test_cfgparse_dump_roundtrip),
		T(test_cfgparse_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
