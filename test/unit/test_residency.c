// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * residency.c: the /proc/PID/status reader behind `cmirrorctl status`'s
 * locked-memory figure takes only "KEY: N kB" lines of exactly its key, and
 * says why anything else is not a figure.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "residency.h"

static const char status_text[] =
	"Name:\tcmirrord\n"
	"VmPeak:\t   30964 kB\n"
	"VmLckOther:\t  17 kB\n"	/* a longer key sharing the prefix */
	"VmLck:\t    8640 kB\n"
	"VmPin:\t       0 kB\n";

static void test_finds_key(void **state)
{
	long long kib = -1;

	(void)state;
	assert_int_equal(residency_status_kib(status_text, "VmLck", &kib), 0);
	assert_int_equal(kib, 8640);
	assert_int_equal(residency_status_kib(status_text, "VmPin", &kib), 0);
	assert_int_equal(kib, 0);
	assert_int_equal(residency_status_kib(status_text, "VmPeak", &kib), 0);
	assert_int_equal(kib, 30964);
}

static void test_last_line_without_newline(void **state)
{
	long long kib = -1;

	(void)state;
	assert_int_equal(residency_status_kib("A: 1 kB\nVmLck: 42 kB", "VmLck",
					      &kib), 0);
	assert_int_equal(kib, 42);
}

static void test_missing_key(void **state)
{
	long long kib = 7;

	(void)state;
	assert_int_equal(residency_status_kib("VmLckOther: 3 kB\n", "VmLck",
					      &kib), -ENOENT);
	assert_int_equal(residency_status_kib("", "VmLck", &kib), -ENOENT);
	assert_int_equal(residency_status_kib("xVmLck: 3 kB\n", "VmLck",
					      &kib), -ENOENT);
	assert_int_equal(kib, 7);
}

static void test_not_a_figure(void **state)
{
	static const char *const bad[] = {
		"VmLck:\n",
		"VmLck: kB\n",
		"VmLck: -5 kB\n",
		"VmLck: 5\n",
		"VmLck: 5 MB\n",
		"VmLck: 5 kBx\n",
		"VmLck: 99999999999999999999999 kB\n",
	};
	long long kib = 7;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(residency_status_kib(bad[i], "VmLck", &kib),
				 -EINVAL);
	assert_int_equal(kib, 7);
}

/* The live reader gives this process's figures, not the "unknown" ones. */
static void test_read_self(void **state)
{
	long long kib;
	int adj;

	(void)state;
	residency_read(&kib, &adj);
	assert_true(kib >= 0);
	assert_true(adj >= -1000 && adj <= 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_key),
		cmocka_unit_test(test_last_line_without_newline),
		cmocka_unit_test(test_missing_key),
		cmocka_unit_test(test_not_a_figure),
		cmocka_unit_test(test_read_self),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
