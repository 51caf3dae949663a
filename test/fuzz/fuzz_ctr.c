// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for rlog_parse_ctr() (lib/rlog_ctr.c): the CTR string
 * comes from whatever table line was loaded (dmsetup, LVM, a typo), so any
 * bytes, not only what the kernel's own checks let through.  A string it
 * takes must give sane parameters:
 *  - region_size a power of two >= 2 and <= sectors, region_count the
 *    regions that cover sectors and within RLOG_MAX_REGIONS;
 *  - dev and args NUL-terminated inside their arrays;
 *  - "<sectors> <args>" parses to the same parameters again (STATUS_TABLE
 *    reports args);
 * and the reason of a refusal is one NUL-terminated line within errlen.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -I<builddir> \
 *       test/fuzz/fuzz_ctr.c lib/rlog_ctr.c lib/bitmap.c -o fuzz_ctr
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmirror/rlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rlog_params p, q;
	static char again[sizeof(p.args) + 32];
	char *s = malloc(size + 1), err[48];
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = rlog_parse_ctr(s, &p, err, sizeof(err));
	if (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n'))
		abort();
	if (r == 0) {
		uint64_t rs = p.region_size;

		if (rs < 2 || (rs & (rs - 1)) || rs > p.sectors ||
		    p.region_count != p.sectors / rs + !!(p.sectors % rs) ||
		    p.region_count > RLOG_MAX_REGIONS ||
		    !memchr(p.dev, '\0', sizeof(p.dev)) ||
		    !memchr(p.args, '\0', sizeof(p.args)))
			abort();
		snprintf(again, sizeof(again), "%" PRIu64 " %s", p.sectors,
			 p.args);
		if (rlog_parse_ctr(again, &q, NULL, 0) != 0 ||
		    memcmp(&p, &q, sizeof(p)))
			abort();
	} else if (r != -EINVAL) {
		abort();
	}
	free(s);
	return 0;
}
