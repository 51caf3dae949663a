// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for CRC-32C (lib/crc32c.c): known vectors, chaining, and the
 * CPU-instruction path against the table-driven one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmirror/crc32c.h"

static void test_crc32c_known_values(void **state)
{
	uint8_t z[32] = { 0 }, ff[32];

	memset(ff, 0xff, sizeof(ff));
	/* The standard check value and the iSCSI (RFC 3720) vectors. */
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c(0, z, sizeof(z)), 0x8a9136aau);
	assert_int_equal(crc32c(0, ff, sizeof(ff)), 0x62a8ab43u);
	assert_int_equal(crc32c(0, "", 0), 0);
	assert_int_equal(crc32c_portable(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(crc32c_portable(0, z, sizeof(z)), 0x8a9136aau);
}

static void test_crc32c_chaining(void **state)
{
	assert_int_equal(crc32c(crc32c(0, "1234", 4), "56789", 5),
			 0xe3069283u);
	assert_int_equal(crc32c(crc32c(0, "12345", 5), "6789", 4),
			 0xe3069283u);
	assert_int_equal(crc32c_portable(crc32c(0, "123", 3), "456789", 6),
			 0xe3069283u);
}

/* Every length 0..300 at every alignment 0..7, and a large buffer split at
 * odd points: the two implementations agree, one pass or chained. */
static void test_crc32c_paths_agree(void **state)
{
	size_t big = 1u << 20;
	uint8_t *buf = malloc(big + 8);
	uint32_t seed = 12345, whole;

	assert_non_null(buf);
	for (size_t i = 0; i < big + 8; i++) {
		seed = seed * 1103515245u + 12345u;
		buf[i] = (uint8_t)(seed >> 16);
	}
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len <= 300; len++)
			assert_int_equal(crc32c(0, buf + off, len),
					 crc32c_portable(0, buf + off, len));
	whole = crc32c_portable(0, buf + 3, big);
	assert_int_equal(crc32c(0, buf + 3, big), whole);
	assert_int_equal(crc32c(crc32c(crc32c(0, buf + 3, 7), buf + 10, 65531),
				buf + 65541, big - 65538), whole);
	assert_int_not_equal(crc32c(0, buf + 4, big), whole);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_known_values),
		cmocka_unit_test(test_crc32c_chaining),
		cmocka_unit_test(test_crc32c_paths_agree),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
