// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * logging.c: the per-call-site burst limit of routine per-log lines (the
 * first LOG_BURST_LINES of a window pass, one line announces the rest,
 * which go to debug level only, and a new window starts over), and that
 * every line, held back or not, is in the ring that `cmirrorctl dump` shows.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logging.h"

static void test_burst_counts(void **state)
{
	struct log_burst b = { 0 };
	uint64_t t = 5000;

	(void)state;
	for (int i = 0; i < LOG_BURST_LINES; i++)
		assert_int_equal(log_burst_take(&b, t + (uint64_t)i),
				 LOG_BURST_PASS);
	assert_int_equal(log_burst_take(&b, t + 20), LOG_BURST_ANNOUNCE);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(log_burst_take(&b, t + 30 + (uint64_t)i),
				 LOG_BURST_HOLD);
	/* Still inside the window that started at t. */
	assert_int_equal(log_burst_take(&b, t + LOG_BURST_WINDOW_MS - 1),
			 LOG_BURST_HOLD);
	/* A new window starts over. */
	t += LOG_BURST_WINDOW_MS;
	for (int i = 0; i < LOG_BURST_LINES; i++)
		assert_int_equal(log_burst_take(&b, t), LOG_BURST_PASS);
	assert_int_equal(log_burst_take(&b, t), LOG_BURST_ANNOUNCE);
	assert_int_equal(log_burst_take(&b, t), LOG_BURST_HOLD);
}

/* A window starts at the first line after a quiet spell, not at a fixed
 * clock: ten lines long ago do not hold back the next one. */
static void test_burst_quiet_spell(void **state)
{
	struct log_burst b = { 0 };

	(void)state;
	for (int i = 0; i < LOG_BURST_LINES; i++)
		assert_int_equal(log_burst_take(&b, 0), LOG_BURST_PASS);
	assert_int_equal(log_burst_take(&b, 3 * LOG_BURST_WINDOW_MS),
			 LOG_BURST_PASS);
	assert_int_equal(b.count, 1);
}

/* A cluster event inside a window starts a new one: the lines of a node
 * loss right after a burst of joins are not held back with them. */
static void test_burst_new_event(void **state)
{
	struct log_burst b = { 0 };

	(void)state;
	for (int i = 0; i <= LOG_BURST_LINES; i++)
		log_burst_take(&b, 100);
	assert_int_equal(log_burst_take(&b, 200), LOG_BURST_HOLD);
	log_burst_new_event();
	for (int i = 0; i < LOG_BURST_LINES; i++)
		assert_int_equal(log_burst_take(&b, 300), LOG_BURST_PASS);
	assert_int_equal(log_burst_take(&b, 300), LOG_BURST_ANNOUNCE);
	assert_int_equal(log_burst_take(&b, 400), LOG_BURST_HOLD);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_burst_lines_in_ring(void **state)
{
	struct log_burst b = { 0 };
	size_t cap = 256 * 1024 + 1;
	char *ring = malloc(cap);

	(void)state;
	assert_non_null(ring);
	/* Nothing to stderr below LOG_ERR: the ring is what we look at. */
	logging_setup("test_logging", true, LOG_ERR, LOG_DAEMON);
	for (int i = 0; i < 25; i++)
		log_burst_msg(&b, "test lines", LOG_INFO, "burst line %02d", i);
	logging_ring_dump(ring, cap);
	assert_int_equal(count(ring, "] I burst line "), LOG_BURST_LINES);
	assert_int_equal(count(ring, "] D burst line "), 25 - LOG_BURST_LINES);
	assert_int_equal(count(ring, "] I more than 10 test lines within 60 s: "
			       "the rest of them at debug level only"), 1);
	/* In order: the announcement between the last passed and the first
	 * held line. */
	assert_true(strstr(ring, "] I burst line 09") <
		    strstr(ring, "] I more than 10 test lines"));
	assert_true(strstr(ring, "] I more than 10 test lines") <
		    strstr(ring, "] D burst line 10"));
	free(ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_counts),
		cmocka_unit_test(test_burst_quiet_spell),
		cmocka_unit_test(test_burst_new_event),
		cmocka_unit_test(test_burst_lines_in_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
