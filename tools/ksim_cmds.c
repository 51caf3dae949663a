// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one-shot commands (up, down, query, wait-sync, check-dead, verify)
 * and the --stats latency report.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksim.h"

#define POLL_MS	50u

int ksim_cmd_up(struct ksim *k)
{
	return ksim_ctr_resume(k, false);
}

/* A suspend hook's error: dm-raid1's mirror_presuspend/postsuspend only
 * warn ("log postsuspend failed") and go on, so a failed log device still
 * lets the table be removed. */
static void suspend_hook(struct ksim *k, uint32_t type)
{
	int r = ksim_request(k, type, NULL, 0, NULL, 0, NULL);

	if (r < 0)
		fprintf(stderr, "cmirror-ksim: warning: log %s failed: %s\n",
			ulog_type_name(type), strerror(-r));
}

/* dmsetup remove: PRESUSPEND, POSTSUSPEND (a pending delayed FLUSH runs
 * first), DTR. */
int ksim_cmd_down(struct ksim *k)
{
	int r;

	suspend_hook(k, DM_ULOG_PRESUSPEND);
	r = ksim_delayed_flush(k, true);
	if (r < 0)
		return r;
	suspend_hook(k, DM_ULOG_POSTSUSPEND);
	return ksim_request(k, DM_ULOG_DTR, NULL, 0, NULL, 0, NULL);
}

static int parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		return -EINVAL;
	*v = x;
	return 0;
}

static const struct {
	const char *name;
	uint32_t type;
	bool region;
} queries[] = {
	{ "in_sync", DM_ULOG_IN_SYNC, true },
	{ "is_clean", DM_ULOG_IS_CLEAN, true },
	{ "sync_count", DM_ULOG_GET_SYNC_COUNT, false },
	{ "region_size", DM_ULOG_GET_REGION_SIZE, false },
	{ "status_info", DM_ULOG_STATUS_INFO, false },
	{ "status_table", DM_ULOG_STATUS_TABLE, false },
	{ "remote_recovering", DM_ULOG_IS_REMOTE_RECOVERING, true },
	/* Not reads: one region marked or cleared by hand (tests). */
	{ "mark", DM_ULOG_MARK_REGION, true },
	{ "clear", DM_ULOG_CLEAR_REGION, true },
	{ "flush", DM_ULOG_FLUSH, false },	/* empty */
};

int ksim_cmd_query(struct ksim *k, int argc, char **argv)
{
	uint8_t in[8], out[ULOG_MAX_PAYLOAD + 1];
	uint32_t olen = 0;
	uint64_t reg = 0;
	size_t i;
	int r;

	if (argc < 1) {
		fprintf(stderr, "ksim: query TYPE [REGION]\n");
		return 2;
	}
	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		if (!strcmp(argv[0], queries[i].name))
			break;
	if (i == sizeof(queries) / sizeof(queries[0])) {
		fprintf(stderr, "ksim: unknown query '%s'\n", argv[0]);
		return 2;
	}
	if (queries[i].region) {
		if (argc != 2 || parse_u64(argv[1], &reg) < 0) {
			fprintf(stderr, "ksim: query %s needs a REGION\n",
				argv[0]);
			return 2;
		}
	} else if (argc != 1) {
		fprintf(stderr, "ksim: query %s takes no REGION\n", argv[0]);
		return 2;
	}
	ulog_put_u64(in, reg);
	r = ksim_request(k, queries[i].type, queries[i].region ? in : NULL,
			 queries[i].region ? 8 : 0, out, ULOG_MAX_PAYLOAD,
			 &olen);
	if (r < 0) {
		fprintf(stderr, "ksim: query %s: %s\n", argv[0], strerror(-r));
		return 2;
	}
	switch (queries[i].type) {
	case DM_ULOG_MARK_REGION:
	case DM_ULOG_CLEAR_REGION:
	case DM_ULOG_FLUSH:
		printf("ok\n");
		break;
	case DM_ULOG_STATUS_INFO:
	case DM_ULOG_STATUS_TABLE:
		out[olen] = '\0';	/* out has one spare byte */
		printf("%s\n", (char *)out);
		break;
	case DM_ULOG_IS_REMOTE_RECOVERING:
		if (olen < 16)
			return 2;
		printf("%" PRId64 " %" PRIu64 "\n",
		       (int64_t)ulog_get_u64(out), ulog_get_u64(out + 8));
		break;
	default:
		if (olen < 8)
			return 2;
		if (queries[i].type == DM_ULOG_IN_SYNC ||
		    queries[i].type == DM_ULOG_IS_CLEAN)
			printf("%" PRId64 "\n", (int64_t)ulog_get_u64(out));
		else
			printf("%" PRIu64 "\n", ulog_get_u64(out));
	}
	return 0;
}

int ksim_cmd_wait_sync(struct ksim *k)
{
	uint64_t end = ksim_now_ms() + (uint64_t)k->o.max_seconds * 1000u;
	uint64_t want;
	int64_t cnt = -1;
	int r;

	r = ksim_geometry(k);
	if (r < 0) {
		fprintf(stderr, "ksim: wait-sync: %s\n", strerror(-r));
		return 2;
	}
	want = k->o.have_count ? k->o.count : k->region_count;
	for (;;) {
		r = ksim_req_u64(k, DM_ULOG_GET_SYNC_COUNT, 0, false, &cnt);
		if (r < 0) {
			fprintf(stderr, "ksim: wait-sync: %s\n", strerror(-r));
			return 2;
		}
		if ((uint64_t)cnt == want)
			break;
		if (ksim_stop || ksim_now_ms() >= end) {
			printf("wait-sync: timeout sync_count=%" PRId64 "/%"
			       PRIu64 "\n", cnt, want);
			return 2;
		}
		ksim_nap_ms(POLL_MS);
	}
	printf("wait-sync: sync_count=%" PRId64 "/%" PRIu64 "\n", cnt, want);
	return 0;
}

int ksim_cmd_check_dead(struct ksim *k, int argc, char **argv)
{
	uint64_t checked = 0, bad = 0;
	int i, r;

	if (argc < 1) {
		fprintf(stderr, "ksim: check-dead NAME...\n");
		return 2;
	}
	r = ksim_geometry(k);
	if (r == 0)
		r = ksim_data_open(k, true, false);
	if (r < 0) {
		fprintf(stderr, "ksim: check-dead: %s\n", strerror(-r));
		return 2;
	}
	for (i = 0; i < argc; i++) {
		uint64_t *regs;
		long n, j;

		n = ksim_journal_dirty(k, argv[i], &regs);
		if (n < 0) {
			fprintf(stderr, "ksim: journal.%s: %s\n", argv[i],
				strerror((int)-n));
			return 2;
		}
		for (j = 0; j < n; j++) {
			int64_t sync = -1, clean = -1;

			r = ksim_req_u64(k, DM_ULOG_IN_SYNC, regs[j], true,
					 &sync);
			if (r == 0)
				r = ksim_req_u64(k, DM_ULOG_IS_CLEAN, regs[j],
						 true, &clean);
			if (r < 0) {
				free(regs);
				fprintf(stderr, "ksim: check-dead: %s\n",
					strerror(-r));
				return 2;
			}
			checked++;
			if (sync != 0 || clean != 0) {
				bad++;
				fprintf(stderr, "check-dead: region %" PRIu64
					" left marked by %s: IN_SYNC=%" PRId64
					" IS_CLEAN=%" PRId64 "\n", regs[j],
					argv[i], sync, clean);
			}
		}
		free(regs);
	}
	printf("check-dead: checked=%" PRIu64 " violations=%" PRIu64 "\n",
	       checked, bad);
	return bad ? 1 : 0;
}

int ksim_cmd_verify(struct ksim *k)
{
	uint64_t r, in_sync = 0, mism = 0;
	int64_t v, cnt;
	int e;

	e = ksim_geometry(k);
	if (e == 0)
		e = ksim_data_open(k, true, false);
	if (e < 0) {
		fprintf(stderr, "ksim: verify: %s\n", strerror(-e));
		return 2;
	}
	for (r = 0; r < k->region_count; r++) {
		e = ksim_req_u64(k, DM_ULOG_IN_SYNC, r, true, &v);
		if (e < 0)
			break;
		if (v != 1)
			continue;
		in_sync++;
		e = ksim_lock_region(k, r, true);
		if (e == 0)
			e = ksim_legs_equal(k, r);
		(void)ksim_lock_region(k, r, false);
		if (e < 0)
			break;
		if (e == 0) {
			mism++;
			fprintf(stderr, "verify: region %" PRIu64
				" IN_SYNC=1 but the legs differ\n", r);
		}
		e = 0;
	}
	if (e == 0)
		e = ksim_req_u64(k, DM_ULOG_GET_SYNC_COUNT, 0, false, &cnt);
	if (e < 0) {
		fprintf(stderr, "ksim: verify: %s\n", strerror(-e));
		return 2;
	}
	printf("verify: regions=%" PRIu64 " in_sync=%" PRIu64
	       " mismatches=%" PRIu64 "\n", k->region_count, in_sync, mism);
	if ((uint64_t)cnt != in_sync) {
		fprintf(stderr, "verify: GET_SYNC_COUNT=%" PRId64 " but %"
			PRIu64 " regions report IN_SYNC=1\n", cnt, in_sync);
		return 1;
	}
	return mism ? 1 : 0;
}

void ksim_lat_add(struct ksim *k, uint32_t type, uint64_t us)
{
	struct ksim_lat *l;

	if (!k->o.stats || type == 0 || type > ULOG_NR_TYPES)
		return;
	l = &k->lat[type];
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		uint32_t *p = realloc(l->us, cap * sizeof(*p));

		if (!p)
			return;		/* a sample lost; stats only */
		l->us = p;
		l->cap = cap;
	}
	l->us[l->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

void ksim_print_stats(struct ksim *k)
{
	uint32_t t;

	if (!k->o.stats)
		return;
	for (t = 1; t <= ULOG_NR_TYPES; t++) {
		struct ksim_lat *l = &k->lat[t];

		if (!l->n)
			continue;
		qsort(l->us, l->n, sizeof(*l->us), cmp_u32);
		printf("stats: type=%s n=%zu p50_us=%u p99_us=%u max_us=%u\n",
		       ulog_type_name(t), l->n, l->us[(l->n - 1) / 2],
		       l->us[(l->n * 99 + 99) / 100 - 1], l->us[l->n - 1]);
	}
}

void ksim_free_stats(struct ksim *k)
{
	uint32_t t;

	for (t = 0; t <= ULOG_NR_TYPES; t++) {
		free(k->lat[t].us);
		k->lat[t].us = NULL;
	}
}
