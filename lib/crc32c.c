// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CRC-32C.  A 2^27-region checkpoint is 32 MiB and is checksummed twice on
 * each side of a transfer, so speed matters: the SSE4.2 crc32 instruction
 * where the CPU has it (chosen once, at start-up), slicing-by-8 tables
 * otherwise.  Both compute the same function; test_crc32c compares them.
 */
#include <stdbool.h>
#include <string.h>

#include "cmirror/crc32c.h"

typedef uint32_t crc_fn(uint32_t crc, const uint8_t *p, size_t len);

static uint32_t table[8][256];
static crc_fn *impl;

/* crc without the initial and final inversion. */
static uint32_t crc_tables(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);

		crc = table[7][lo & 0xff] ^ table[6][(lo >> 8) & 0xff] ^
		      table[5][(lo >> 16) & 0xff] ^ table[4][lo >> 24] ^
		      table[3][p[4]] ^ table[2][p[5]] ^
		      table[1][p[6]] ^ table[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ table[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_CRC_INSN 1
__attribute__((target("sse4.2")))
static uint32_t crc_insn(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, sizeof(v));	/* unaligned is fine on x86 */
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

/* Before main(), so threads never race on the tables; the check in
 * crc32c() covers a call from another constructor. */
static void crc32c_init(void) __attribute__((constructor));
static void crc32c_init(void)
{
	crc_fn *f = crc_tables;

	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^
				      table[0][table[t - 1][i] & 0xff];
#ifdef HAVE_CRC_INSN
	__builtin_cpu_init();
	if (__builtin_cpu_supports("sse4.2"))
		f = crc_insn;
#endif
	__atomic_store_n(&impl, f, __ATOMIC_RELEASE);
}

uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
	crc_fn *f = __atomic_load_n(&impl, __ATOMIC_ACQUIRE);

	if (!f) {
		crc32c_init();
		f = impl;
	}
	return ~f(~crc, data, len);
}

uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len)
{
	if (!__atomic_load_n(&impl, __ATOMIC_ACQUIRE))
		crc32c_init();
	return ~crc_tables(~crc, data, len);
}
