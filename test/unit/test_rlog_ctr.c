/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for CTR parsing and rlog_new/free/clone (lib/rlog_ctr.c). */
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

#include "cmirror/rlog.h"

static int parse(const char *s, struct rlog_params *p, char *err, size_t n)
{
	return rlog_parse_ctr(s, p, err, n);
}

/* The exact CTR payloads a stock kernel sent in the qemu e2e run. */
static void test_rlog_ctr_kernel_payloads(void **state)
{
	struct rlog_params p;
	char err[128];

	assert_int_equal(parse("16384 clustered-core 1024 nosync", &p, err,
			       sizeof(err)), 0);
	assert_int_equal(p.kind, RLOG_CORE);
	assert_int_equal(p.sync, RLOG_SYNC_NONE);
	assert_int_equal(p.sectors, 16384);
	assert_int_equal(p.region_size, 1024);
	assert_int_equal(p.region_count, 16);
	assert_false(p.block_on_error);
	assert_string_equal(p.args, "clustered-core 1024 nosync");

	assert_int_equal(parse("16384 clustered-disk 7:2 1024 nosync", &p, err,
			       sizeof(err)), 0);
	assert_int_equal(p.kind, RLOG_DISK);
	assert_string_equal(p.dev, "7:2");
	assert_int_equal(p.region_count, 16);
	assert_string_equal(p.args, "clustered-disk 7:2 1024 nosync");

	assert_int_equal(parse("16384 clustered-disk /dev/loop2 1024 nosync",
			       &p, err, sizeof(err)), 0);
	assert_string_equal(p.dev, "/dev/loop2");

	assert_int_equal(parse("16384 clustered-core 1024 sync", &p, err,
			       sizeof(err)), 0);
	assert_int_equal(p.sync, RLOG_SYNC_FORCE);

	/* The "bad-ctr" case: no region size. */
	assert_int_equal(parse("16384 clustered-core nosync", &p, err,
			       sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "region size"));
	/* The lvm2 notes' example. */
	assert_int_equal(parse("2097152 clustered-disk 253:2 1024 nosync", &p,
			       err, sizeof(err)), 0);
	assert_int_equal(p.region_count, 2048);
	assert_string_equal(p.dev, "253:2");
}

static void test_rlog_ctr_defaults_and_flags(void **state)
{
	struct rlog_params p;
	char err[128];

	assert_int_equal(parse("1024 clustered-core 2", &p, err, sizeof(err)), 0);
	assert_int_equal(p.sync, RLOG_SYNC_DEFAULT);
	assert_int_equal(p.region_count, 512);
	assert_int_equal(parse("1024 core 64 block_on_error nosync", &p, err,
			       sizeof(err)), 0);
	assert_true(p.block_on_error);
	assert_int_equal(p.sync, RLOG_SYNC_NONE);
	assert_int_equal(p.kind, RLOG_CORE);
	assert_int_equal(parse("1024 disk 8:16 64 sync block_on_error", &p, err,
			       sizeof(err)), 0);
	assert_int_equal(p.kind, RLOG_DISK);
	assert_true(p.block_on_error);
	assert_int_equal(p.sync, RLOG_SYNC_FORCE);
	/* Extra whitespace is tolerated; args are single-spaced. */
	assert_int_equal(parse("  1024  clustered-core   64  ", &p, err,
			       sizeof(err)), 0);
	assert_string_equal(p.args, "clustered-core 64");
}

/* dm-log's STATUS_TABLE shape, with the argument count, reparses. */
static void test_rlog_ctr_counted_form(void **state)
{
	struct rlog_params p;
	char err[128];

	assert_int_equal(parse("16384 clustered-core 2 1024 nosync", &p, err,
			       sizeof(err)), 0);
	assert_int_equal(p.region_size, 1024);
	assert_int_equal(p.sync, RLOG_SYNC_NONE);
	assert_int_equal(parse("16384 clustered-core 1 1024", &p, err,
			       sizeof(err)), 0);
	assert_int_equal(p.region_size, 1024);
	assert_int_equal(parse("16384 clustered-disk 3 7:2 1024 sync", &p, err,
			       sizeof(err)), 0);
	assert_string_equal(p.dev, "7:2");
	assert_int_equal(p.sync, RLOG_SYNC_FORCE);
	assert_int_equal(parse("16384 clustered-disk 4 7:2 1024 nosync block_on_error",
			       &p, err, sizeof(err)), 0);
	assert_true(p.block_on_error);
	/* The count must match the words after it exactly. */
	assert_int_equal(parse("16384 clustered-core 3 1024 nosync", &p, err,
			       sizeof(err)), -EINVAL);
	assert_int_equal(parse("16384 clustered-core 2 1024", &p, err,
			       sizeof(err)), -EINVAL);
	assert_int_equal(parse("16384 clustered-disk 2 7:2 1024 nosync", &p,
			       err, sizeof(err)), -EINVAL);
}

static void test_rlog_ctr_region_count_rounds_up(void **state)
{
	struct rlog_params p;

	assert_int_equal(parse("1025 clustered-core 1024", &p, NULL, 0), 0);
	assert_int_equal(p.region_count, 2);
	assert_int_equal(parse("2047 clustered-core 1024", &p, NULL, 0), 0);
	assert_int_equal(p.region_count, 2);
	assert_int_equal(parse("2048 clustered-core 1024", &p, NULL, 0), 0);
	assert_int_equal(p.region_count, 2);
	assert_int_equal(parse("2 clustered-core 2", &p, NULL, 0), 0);
	assert_int_equal(p.region_count, 1);
	assert_int_equal(parse("3 clustered-core 2", &p, NULL, 0), 0);
	assert_int_equal(p.region_count, 2);
}

static void test_rlog_ctr_limits(void **state)
{
	struct rlog_params p;
	char err[128], s[128];

	/* 2^27 regions: the scale target. */
	assert_int_equal(parse("137438953472 clustered-core 1024", &p, NULL, 0), 0);
	assert_int_equal(p.region_count, UINT64_C(1) << 27);
	/* Exactly RLOG_MAX_REGIONS is fine, one more is not. */
	snprintf(s, sizeof(s), "%llu clustered-core 2",
		 (unsigned long long)(RLOG_MAX_REGIONS * 2));
	assert_int_equal(parse(s, &p, NULL, 0), 0);
	assert_int_equal(p.region_count, RLOG_MAX_REGIONS);
	snprintf(s, sizeof(s), "%llu clustered-core 2",
		 (unsigned long long)(RLOG_MAX_REGIONS * 2 + 1));
	assert_int_equal(parse(s, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "regions"));
	/* Region size at most the device, and fits the kernel's u32. */
	assert_int_equal(parse("1024 clustered-core 1024", &p, NULL, 0), 0);
	assert_int_equal(parse("1023 clustered-core 1024", &p, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(parse("9223372036854775808 clustered-core 2147483648",
			       &p, NULL, 0), 0);
	assert_int_equal(p.region_count, RLOG_MAX_REGIONS);
	assert_int_equal(parse("9223372036854775808 clustered-core 4294967296",
			       &p, NULL, 0), -EINVAL);
	assert_int_equal(parse("18446744073709551615 clustered-core 2", &p,
			       NULL, 0), -EINVAL);
}

static void test_rlog_ctr_rejects_bad_strings(void **state)
{
	static const char *const bad[] = {
		"", " ", "16384", "16384 clustered-core",
		"0 clustered-core 1024",
		"-1 clustered-core 1024",
		"+16384 clustered-core 1024",
		"16384x clustered-core 1024",
		"18446744073709551616 clustered-core 1024",	/* overflow */
		"16384 mirror-core 1024",
		"16384 Clustered-Core 1024",
		"16384 clustered-core 1000",		/* not a power of two */
		"16384 clustered-core 1",
		"16384 clustered-core 0",
		"16384 clustered-core -1024",
		"16384 clustered-core 1024k",
		"16384 clustered-core 0x400",
		"16384 clustered-core 1024 nosync sync",
		"16384 clustered-core 1024 nosync nosync",
		"16384 clustered-core 1024 block_on_error block_on_error",
		"16384 clustered-core 1024 handle_errors",
		"16384 clustered-core 1024 nosync 2 7:0 0 7:1 0",
		"16384 clustered-disk 1024 nosync",	/* no device */
		"16384 clustered-disk 7:2",
		"16384 clustered-disk 7:2 nosync",
		"16384 clustered-disk loop2 1024",	/* neither maj:min nor path */
		"16384 clustered-disk 7: 1024",
		"16384 clustered-disk :2 1024",
		"16384 clustered-disk 7:2x 1024",
		"16384 clustered-disk /dev/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa 1024",
		"16384 clustered-core 1024 sync 1 2 3 4 5 6",
	};
	struct rlog_params p;
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (parse(bad[i], &p, err, sizeof(err)) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		/* One line of reason, never empty, never "ok". */
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
		assert_string_not_equal(err, "ok");
	}
	assert_int_equal(rlog_parse_ctr(NULL, &p, NULL, 0), -EINVAL);
}

static void test_rlog_ctr_too_long(void **state)
{
	char s[ULOG_MAX_PAYLOAD + 40];
	struct rlog_params p;
	size_t n;

	n = (size_t)snprintf(s, sizeof(s), "16384 clustered-disk /dev/x 1024");
	memset(s + n, ' ', sizeof(s) - n - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(parse(s, &p, NULL, 0), -EINVAL);
	/* The same with the spaces cut to fit the kernel's 331 characters. */
	s[ULOG_MAX_PAYLOAD - 1] = '\0';
	assert_int_equal(parse(s, &p, NULL, 0), 0);
}

static void test_rlog_ctr_new_core_default(void **state)
{
	struct rlog_params p;
	struct rlog *l;

	assert_int_equal(parse("1000 clustered-core 8", &p, NULL, 0), 0);
	l = rlog_new(&p);
	assert_non_null(l);
	assert_int_equal(l->clean.nbits, 125);
	assert_int_equal(bitmap_count(&l->clean), 125);
	assert_int_equal(bitmap_count(&l->sync), 0);
	assert_int_equal(l->sync_count, 0);
	assert_int_equal(l->nmarks, 0);
	assert_int_equal(l->generation, 0);
	rlog_free(l);
	rlog_free(NULL);
}

static void test_rlog_ctr_new_nosync_and_sync(void **state)
{
	struct rlog_params p;
	struct rlog *l;

	assert_int_equal(parse("1000 clustered-core 8 nosync", &p, NULL, 0), 0);
	l = rlog_new(&p);
	assert_non_null(l);
	assert_int_equal(bitmap_count(&l->sync), 125);
	assert_int_equal(l->sync_count, 125);
	rlog_free(l);
	assert_int_equal(parse("1000 clustered-core 8 sync", &p, NULL, 0), 0);
	l = rlog_new(&p);
	assert_non_null(l);
	assert_int_equal(l->sync_count, 0);
	assert_int_equal(bitmap_count(&l->clean), 125);
	rlog_free(l);
	p.region_count = 0;
	errno = 0;
	assert_null(rlog_new(&p));
	assert_int_equal(errno, EINVAL);
}

static void test_rlog_ctr_clone_is_deep(void **state)
{
	struct rlog_params p;
	struct rlog *l, *c;
	uint64_t r1[] = { 1, 5 }, r2[] = { 7 };

	assert_int_equal(parse("1000 clustered-core 8", &p, NULL, 0), 0);
	l = rlog_new(&p);
	assert_non_null(l);
	l->marks[0] = (struct rlog_marks){ .node = 2, .n = 2, .cap = 2,
					   .regions = malloc(sizeof(r1)) };
	memcpy(l->marks[0].regions, r1, sizeof(r1));
	l->marks[1] = (struct rlog_marks){ .node = 9, .n = 1, .cap = 1,
					   .regions = malloc(sizeof(r2)) };
	memcpy(l->marks[1].regions, r2, sizeof(r2));
	l->nmarks = 2;
	bitmap_clear(&l->clean, 1);
	bitmap_clear(&l->clean, 5);
	bitmap_clear(&l->clean, 7);
	l->nslots = 1;
	l->slots[0] = (struct rlog_slot){ 3, 40 };
	l->generation = 17;

	c = rlog_clone(l);
	assert_non_null(c);
	assert_ptr_not_equal(c->marks[0].regions, l->marks[0].regions);
	assert_ptr_not_equal(c->clean.bits, l->clean.bits);
	assert_int_equal(c->marks[1].regions[0], 7);
	assert_true(bitmap_equal(&c->clean, &l->clean));
	assert_int_equal(c->slots[0].region, 40);
	assert_int_equal(c->generation, 17);
	/* Changing the original does not change the copy. */
	l->marks[0].regions[0] = 2;
	bitmap_clear(&l->clean, 100);
	assert_int_equal(c->marks[0].regions[0], 1);
	assert_true(bitmap_test(&c->clean, 100));
	rlog_free(l);
	assert_int_equal(c->marks[0].regions[1], 5);
	rlog_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rlog_ctr_kernel_payloads),
		cmocka_unit_test(test_rlog_ctr_defaults_and_flags),
		cmocka_unit_test(test_rlog_ctr_counted_form),
		cmocka_unit_test(test_rlog_ctr_region_count_rounds_up),
		cmocka_unit_test(test_rlog_ctr_limits),
		cmocka_unit_test(test_rlog_ctr_rejects_bad_strings),
		cmocka_unit_test(test_rlog_ctr_too_long),
		cmocka_unit_test(test_rlog_ctr_new_core_default),
		cmocka_unit_test(test_rlog_ctr_new_nosync_and_sync),
		cmocka_unit_test(test_rlog_ctr_clone_is_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
