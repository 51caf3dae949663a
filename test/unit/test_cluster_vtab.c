/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the shared stream's virtual groups
 * (daemons/cmirrord/cluster_vtab.c): the per-log membership changes and
 * deliveries that the stream's confchgs and records produce.
 */
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

#include "cluster_vtab.h"
#include "cmirror/wire.h"
#include "cmirror/wire_stream.h"

#define NODEDOWN 3
#define NODEUP 4

/* What the callbacks saw, as text: "X:1 2+3/4-2/3@5" = log X, members
 * 1 2, node 3 joined with reason 4, node 2 left with reason 3, inc 5;
 * "D:X<1" = a LOG of log X from node 1 delivered. */
static char seen[4096];

static void say(const char *fmt, ...)
{
	size_t o = strlen(seen);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(seen + o, sizeof(seen) - o, fmt, ap);
	va_end(ap);
}

static void on_change(void *ctx, const char *uuid,
		      const struct wire_nodes *m, const struct csync_node *l,
		      size_t nl, const struct csync_node *j, size_t nj,
		      uint32_t inc)
{
	say("%s%s:", seen[0] ? " " : "", uuid);
	for (uint32_t i = 0; i < m->n; i++)
		say("%s%u", i ? "," : "", m->id[i]);
	for (size_t i = 0; i < nj; i++)
		say("+%u/%u", j[i].nodeid, j[i].reason);
	for (size_t i = 0; i < nl; i++)
		say("-%u/%u", l[i].nodeid, l[i].reason);
	if (inc)
		say("@%u", inc);
}

static void on_deliver(void *ctx, const char *uuid, uint32_t from,
		       const uint8_t *msg, size_t len)
{
	say("%sD:%s<%u", seen[0] ? " " : "", uuid, from);
}

static const struct vtab_ops ops = { on_change, on_deliver };

static struct vtab *vt;

static int setup(void **state)
{
	seen[0] = 0;
	return vtab_new(1, &ops, NULL, &vt);
}

static int teardown(void **state)
{
	vtab_free(vt);
	return 0;
}

static int confchg(const char *members, const char *left,
		   const char *joined)
{
	uint32_t m[64];
	struct csync_node l[64], j[64];
	size_t nm = 0, nl = 0, nj = 0;
	unsigned a, b;
	int n;

	/* "1 2 3", "2/3" (node/reason) */
	for (const char *p = members; sscanf(p, "%u%n", &a, &n) == 1; p += n)
		m[nm++] = a;
	for (const char *p = left; sscanf(p, " %u/%u%n", &a, &b, &n) == 2;
	     p += n)
		l[nl++] = (struct csync_node){ a, b };
	for (const char *p = joined; sscanf(p, " %u/%u%n", &a, &b, &n) == 2;
	     p += n)
		j[nj++] = (struct csync_node){ a, b };
	return vtab_confchg(vt, m, nm, l, nl, j, nj);
}

static int member(uint32_t from, uint16_t type, const char *uuid,
		  uint32_t inc)
{
	uint8_t buf[4 + WSTREAM_UUID_MAX];
	int n = wstream_member_encode(buf, inc, uuid);

	return vtab_record(vt, from, type, buf, (size_t)n);
}

/* Announcement part: "X Y" with flags. */
static int ann(uint32_t from, const char *uuids, uint32_t flags)
{
	uint8_t buf[1024];
	struct wstream_ann_enc a;
	char u[64];
	int n;

	wstream_ann_begin(&a, buf, sizeof(buf));
	for (const char *p = uuids; sscanf(p, "%63s%n", u, &n) == 1; p += n)
		assert_int_equal(wstream_ann_add(&a, u), 0);
	return vtab_record(vt, from, WSTREAM_ANNOUNCE, buf,
			   wstream_ann_finish(&a, flags));
}

#define ALL (WSTREAM_ANN_FIRST | WSTREAM_ANN_LAST)

static int log_msg(uint32_t from, const char *uuid)
{
	uint8_t buf[WIRE_HDR_SIZE + 4];
	struct wire_hdr h = { .sender = from };
	struct wire_ops_enc e;

	snprintf(h.uuid, sizeof(h.uuid), "%s", uuid);
	assert_int_equal(wire_ops_begin(&e, buf, sizeof(buf), &h), 0);
	return vtab_record(vt, from, WSTREAM_LOG, buf, wire_ops_finish(&e));
}

/* Node 1 starts the stream alone and joins log X. */
static void start_alone(void)
{
	assert_int_equal(confchg("1", "", "1/1"), 1);
	assert_true(vtab_in_round(vt));
	assert_int_equal(ann(1, "", ALL), 0);
	assert_false(vtab_in_round(vt));
	assert_int_equal(member(1, WSTREAM_JOIN, "X", 7), 0);
	assert_string_equal(seen, "X:1+1/1@7");
	seen[0] = 0;
}

static void test_vtab_join_leave_deliver(void **state)
{
	start_alone();
	assert_int_equal(log_msg(1, "X"), 0);
	assert_int_equal(log_msg(1, "Y"), 0);	/* no such log: dropped */
	assert_string_equal(seen, "D:X<1");
	seen[0] = 0;
	assert_int_equal(member(1, WSTREAM_JOIN, "X", 8), 0); /* twice */
	assert_int_equal(member(1, WSTREAM_LEAVE, "X", 7), 0);
	assert_int_equal(member(1, WSTREAM_LEAVE, "X", 7), 0);
	assert_int_equal(log_msg(1, "X"), 0);	/* not a member now */
	assert_string_equal(seen, "X:-1/2@7");
	assert_int_equal(vtab_nlogs(vt), 0);
}

/* A daemon joins: records are held until every member announced, the
 * joiner's logs arrive with the stream's reason, then the held ones. */
static void test_vtab_round_holds_records(void **state)
{
	start_alone();
	assert_int_equal(confchg("1 2", "", "2/1"), 1);
	assert_int_equal(log_msg(1, "X"), 0);
	assert_int_equal(member(2, WSTREAM_JOIN, "X", 1), 0);
	assert_int_equal(log_msg(2, "X"), 0);
	assert_string_equal(seen, "");
	assert_int_equal(ann(2, "", ALL), 0);
	assert_true(vtab_in_round(vt));
	assert_int_equal(ann(1, "X", ALL), 0);
	assert_false(vtab_in_round(vt));
	assert_string_equal(seen, "D:X<1 X:1,2+2/1@1 D:X<2");
}

/* Partitions merge: the other side's members of X come in as NODEUP. */
static void test_vtab_merge_is_nodeup(void **state)
{
	start_alone();
	assert_int_equal(confchg("1 2 3", "", "2/4 3/4"), 1);
	assert_int_equal(ann(3, "X Z", ALL), 0);
	assert_int_equal(ann(1, "X", ALL), 0);
	assert_string_equal(seen, "");
	assert_int_equal(ann(2, "Z", ALL), 0);
	assert_non_null(strstr(seen, "X:1,3+3/4"));
	assert_non_null(strstr(seen, "Z:2,3+2/4+3/4"));
	seen[0] = 0;
	/* Node 3 fails: it leaves X and Z with its reason. */
	assert_int_equal(confchg("1 2", "3/3", ""), 0);
	assert_non_null(strstr(seen, "X:1-3/3"));
	assert_non_null(strstr(seen, "Z:2-3/3"));
}

/* A confchg with joiners during a round starts it over: an announcement
 * that began before counts only when sent again in full. */
static void test_vtab_round_restart(void **state)
{
	start_alone();
	assert_int_equal(confchg("1 2", "", "2/4"), 1);
	assert_int_equal(ann(2, "Y", WSTREAM_ANN_FIRST), 0);
	assert_int_equal(confchg("1 2 3", "", "3/1"), 1);
	assert_int_equal(ann(2, "Z", WSTREAM_ANN_LAST), 0);	/* stale */
	assert_int_equal(ann(1, "X", ALL), 0);
	assert_int_equal(ann(3, "", ALL), 0);
	assert_true(vtab_in_round(vt));
	assert_int_equal(ann(2, "Y Z", ALL), 0);
	assert_false(vtab_in_round(vt));
	assert_non_null(strstr(seen, "Y:2+2/4"));
	assert_non_null(strstr(seen, "Z:2+2/4"));
	assert_null(strstr(seen, "X:"));	/* unchanged */
}

/* A member that leaves mid-round ends the wait for it; what it sent
 * meanwhile is dropped, as it is gone from every log. */
static void test_vtab_leave_during_round(void **state)
{
	start_alone();
	assert_int_equal(confchg("1 2", "", "2/1"), 1);
	assert_true(vtab_in_stream(vt, 1));
	assert_true(vtab_in_stream(vt, 2));
	assert_false(vtab_in_stream(vt, 3));
	assert_int_equal(ann(1, "X", ALL), 0);
	assert_int_equal(member(2, WSTREAM_JOIN, "X", 1), 0);
	assert_int_equal(confchg("1", "2/3", ""), 0);
	assert_false(vtab_in_stream(vt, 2));	/* the stream's members: last confchg */
	assert_false(vtab_in_round(vt));
	assert_string_equal(seen, "");
	assert_int_equal(log_msg(2, "X"), 0);	/* not in the stream */
	assert_string_equal(seen, "");
}

/* Our own first confchg forgets whatever table we had. */
static void test_vtab_fresh_join_forgets(void **state)
{
	start_alone();
	assert_int_equal(confchg("1 2", "", "1/1"), 1);
	assert_int_equal(ann(2, "Q", ALL), 0);
	assert_int_equal(ann(1, "", ALL), 0);
	assert_string_equal(seen, "Q:2+2/1");
	assert_int_equal(vtab_nlogs(vt), 1);
}

static void test_vtab_bad_records(void **state)
{
	uint8_t junk[8] = { 1, 2, 3 };

	start_alone();
	assert_int_equal(vtab_record(vt, 1, WSTREAM_LOG, junk, sizeof(junk)),
			 -EBADMSG);
	assert_int_equal(vtab_record(vt, 1, WSTREAM_JOIN, junk, 3), -EBADMSG);
	assert_int_equal(vtab_record(vt, 1, WSTREAM_ANNOUNCE, junk, 3),
			 -EBADMSG);
	assert_int_equal(vtab_record(vt, 1, 77, junk, 3), -EBADMSG);
	/* Not a stream member: ignored whatever it is. */
	assert_int_equal(vtab_record(vt, 5, 77, junk, 3), 0);
	assert_string_equal(seen, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vtab_join_leave_deliver,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtab_round_holds_records,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtab_merge_is_nodeup,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtab_round_restart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtab_leave_during_round,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtab_fresh_join_forgets,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_vtab_bad_records,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
