// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The intrusive work queue (qlist.h): an object is queued at most once,
 * leaves from any position, and removal during a walk that saved the next
 * link visits every other object once.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "qlist.h"

struct obj {
	int id;
	struct qlink q;
};

static int walk(struct qlink *head, int *ids, int max)
{
	int n = 0;

	for (struct qlink *l = head; l; l = l->next) {
		assert_true(n < max);
		ids[n++] = qlist_entry(l, struct obj, q)->id;
	}
	return n;
}

static void test_add_once(void **state)
{
	struct qlink *head = NULL;
	struct obj a = { .id = 1 }, b = { .id = 2 };
	int ids[4];

	(void)state;
	assert_false(qlist_queued(&a.q));
	qlist_add(&head, &a.q);
	qlist_add(&head, &b.q);
	qlist_add(&head, &a.q);	/* already queued: stays where it is */
	assert_int_equal(walk(head, ids, 4), 2);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 1);
	assert_true(qlist_queued(&a.q));
}

static void test_del_any_position(void **state)
{
	struct qlink *head = NULL;
	struct obj o[4];
	int ids[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		o[i] = (struct obj){ .id = i };
		qlist_add(&head, &o[i].q);	/* head: 3 2 1 0 */
	}
	qlist_del(&o[2].q);		/* middle */
	qlist_del(&o[3].q);		/* head */
	qlist_del(&o[0].q);		/* tail */
	qlist_del(&o[0].q);		/* not queued: no-op */
	assert_int_equal(walk(head, ids, 4), 1);
	assert_int_equal(ids[0], 1);
	assert_false(qlist_queued(&o[2].q));
	qlist_add(&head, &o[2].q);	/* queued again after leaving */
	assert_int_equal(walk(head, ids, 4), 2);
	assert_int_equal(ids[0], 2);
	qlist_del(&o[1].q);
	qlist_del(&o[2].q);
	assert_null(head);
}

/* The hooks' pattern: save next, handle, maybe leave. */
static void test_del_while_walking(void **state)
{
	struct qlink *head = NULL;
	struct obj o[5];
	int seen = 0, ids[5];

	(void)state;
	for (int i = 0; i < 5; i++) {
		o[i] = (struct obj){ .id = i };
		qlist_add(&head, &o[i].q);
	}
	for (struct qlink *l = head, *next; l; l = next) {
		struct obj *x = qlist_entry(l, struct obj, q);

		next = l->next;
		seen |= 1 << x->id;
		if (x->id % 2 == 0)
			qlist_del(&x->q);
	}
	assert_int_equal(seen, 0x1f);
	assert_int_equal(walk(head, ids, 5), 2);
	assert_int_equal(ids[0], 3);
	assert_int_equal(ids[1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_once),
		cmocka_unit_test(test_del_any_position),
		cmocka_unit_test(test_del_while_walking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
