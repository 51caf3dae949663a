// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for daemons/cmirrord/loop.c: timers, fds, hooks, wake-ups. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

struct rec {
	struct loop *lp;
	char order[64];
	size_t n;
	int fires, stop_after;
	struct loop_timer *self, *other;
};

static void note(struct rec *r, char c)
{
	if (r->n + 1 < sizeof(r->order))
		r->order[r->n++] = c;
}

static int setup(void **state)
{
	struct rec *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	assert_int_equal(loop_new(&r->lp), 0);
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	struct rec *r = *state;

	loop_free(r->lp);
	free(r);
	return 0;
}

/* Stops the loop after a delay so a broken test cannot hang. */
static void stop_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	loop_stop(lp);
}

struct tagged {
	struct rec *r;
	char tag;
};

static void tag_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct tagged *tg = ctx;

	note(tg->r, tg->tag);
}

static void test_loop_timers_fire_in_order(void **state)
{
	struct rec *r = *state;
	struct tagged a = { r, 'a' }, b = { r, 'b' }, c = { r, 'c' },
		      d = { r, 'd' };
	struct loop_timer *ts[5];

	ts[0] = loop_timer_add(r->lp, 30, 0, tag_cb, &c, "c");
	ts[1] = loop_timer_add(r->lp, 10, 0, tag_cb, &a, "a");
	ts[2] = loop_timer_add(r->lp, 20, 0, tag_cb, &b, "b");
	ts[3] = loop_timer_add(r->lp, 20, 0, tag_cb, &d, "d");	/* after b */
	ts[4] = loop_timer_add(r->lp, 60, 0, stop_cb, NULL, "stop");
	for (int i = 0; i < 5; i++)
		assert_non_null(ts[i]);
	assert_int_equal(loop_run(r->lp), 0);
	assert_string_equal(r->order, "abdc");
	for (int i = 0; i < 5; i++)
		loop_timer_cancel(r->lp, ts[i]);
}

static void count_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct rec *r = ctx;

	r->fires++;
	if (r->stop_after && r->fires >= r->stop_after)
		loop_stop(lp);
}

static void test_loop_oneshot_vs_periodic(void **state)
{
	struct rec *r = *state, once = { 0 };
	struct loop_timer *p, *o, *guard;
	uint64_t t0 = loop_now_ms();

	r->stop_after = 4;
	p = loop_timer_add(r->lp, 5, 5, count_cb, r, "periodic");
	o = loop_timer_add(r->lp, 1, 0, count_cb, &once, "once");
	guard = loop_timer_add(r->lp, 5000, 0, stop_cb, NULL, "guard");
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(r->fires, 4);
	assert_int_equal(once.fires, 1);
	assert_true(loop_now_ms() - t0 >= 20);
	/* A fired one-shot can be re-armed. */
	r->stop_after = 0;
	once.stop_after = 2;
	loop_timer_rearm(r->lp, o, 0);
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(once.fires, 2);
	loop_timer_cancel(r->lp, p);
	loop_timer_cancel(r->lp, o);
	loop_timer_cancel(r->lp, guard);
}

static void cancel_self_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct rec *r = ctx;

	r->fires++;
	loop_timer_cancel(lp, t);	/* freed after we return */
	loop_timer_cancel(lp, r->other);	/* due now too: must not fire */
	r->other = NULL;
}

static void must_not_fire(struct loop *lp, struct loop_timer *t, void *ctx)
{
	fail_msg("cancelled timer fired");
}

static void test_loop_cancel_inside_callback(void **state)
{
	struct rec *r = *state;
	struct loop_timer *guard;

	r->self = loop_timer_add(r->lp, 0, 1, cancel_self_cb, r, "self");
	r->other = loop_timer_add(r->lp, 0, 0, must_not_fire, r, "other");
	guard = loop_timer_add(r->lp, 30, 0, stop_cb, NULL, "guard");
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(r->fires, 1);	/* periodic, but cancelled */
	loop_timer_cancel(r->lp, guard);
}

struct piper {
	struct rec *r;
	int fds[2];
	int reads;
};

static void pipe_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct piper *p = ctx;
	char buf[16];

	assert_true(revents & POLLIN);
	assert_int_equal(read(fd, buf, sizeof(buf)), 3);
	p->reads++;
	loop_del_fd(lp, fd);	/* removing itself during dispatch */
	loop_stop(lp);
}

static void test_loop_fd_readiness(void **state)
{
	struct rec *r = *state;
	struct piper p = { .r = r };
	struct loop_timer *guard;

	assert_int_equal(pipe(p.fds), 0);
	assert_int_equal(loop_add_fd(r->lp, p.fds[0], POLLIN, pipe_cb, &p,
				     "pipe"), 0);
	assert_int_equal(loop_add_fd(r->lp, p.fds[0], POLLIN, pipe_cb, &p,
				     "dup"), -EEXIST);
	assert_int_equal(write(p.fds[1], "abc", 3), 3);
	guard = loop_timer_add(r->lp, 2000, 0, stop_cb, NULL, "guard");
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(p.reads, 1);
	assert_int_equal(loop_del_fd(r->lp, p.fds[0]), -ENOENT);
	assert_int_equal(loop_set_events(r->lp, p.fds[0], POLLIN), -ENOENT);
	loop_timer_cancel(r->lp, guard);
	close(p.fds[0]);
	close(p.fds[1]);
}

struct hookrec {
	int hooks, timers, hooks_after_timer;
	bool timer_pending;
};

static void hook_cb(struct loop *lp, void *ctx)
{
	struct hookrec *h = ctx;

	h->hooks++;
	if (h->timer_pending)
		h->hooks_after_timer++;
	h->timer_pending = false;
}

static void hook_timer_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct hookrec *h = ctx;

	h->timers++;
	h->timer_pending = true;	/* the hook of this iteration clears it */
	if (h->timers == 3)
		loop_stop(lp);
}

static void test_loop_hooks_once_per_iteration(void **state)
{
	struct rec *r = *state;
	struct hookrec h = { 0 };
	struct loop_timer *t;

	assert_int_equal(loop_add_hook(r->lp, hook_cb, &h), 0);
	t = loop_timer_add(r->lp, 2, 2, hook_timer_cb, &h, "tick");
	assert_int_equal(loop_run(r->lp), 0);
	/* The hook ran after the callbacks of each iteration, even the one
	 * that called loop_stop(). */
	assert_true(h.hooks >= 3);
	assert_int_equal(h.hooks_after_timer, 3);
	loop_del_hook(r->lp, hook_cb, &h);
	h.hooks = 0;
	loop_timer_rearm(r->lp, t, 0);
	h.timers = 2;
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(h.hooks, 0);
	loop_timer_cancel(r->lp, t);
}

struct waker {
	int runs;
	uint64_t t0;
};

static void wake_hook(struct loop *lp, void *ctx)
{
	struct waker *w = ctx;

	/* Keep asking for another iteration; without loop_wake() the loop
	 * would sleep until the 10 s guard timer. */
	if (++w->runs < 50)
		loop_wake(lp);
	else
		loop_stop(lp);
}

static void test_loop_wake_skips_sleep(void **state)
{
	struct rec *r = *state;
	struct waker w = { .t0 = loop_now_ms() };
	struct loop_timer *guard;

	assert_int_equal(loop_add_hook(r->lp, wake_hook, &w), 0);
	guard = loop_timer_add(r->lp, 10000, 0, stop_cb, NULL, "guard");
	loop_wake(r->lp);
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(w.runs, 50);
	assert_true(loop_now_ms() - w.t0 < 5000);
	loop_timer_cancel(r->lp, guard);
	loop_del_hook(r->lp, wake_hook, &w);
}

struct fdwake {
	int fds[2];
	int hooks;
};

static void fdwake_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
	loop_wake(lp);	/* the hooks of this iteration are still to run */
}

static void fdwake_hook(struct loop *lp, void *ctx)
{
	((struct fdwake *)ctx)->hooks++;
}

/* A wake from an fd callback adds no pass: the hooks run once for the
 * byte and once for the timer that stops the loop, not a third time for
 * an epoll_wait() that finds nothing. */
static void test_loop_wake_from_fd_no_extra_pass(void **state)
{
	struct rec *r = *state;
	struct fdwake w = { .hooks = 0 };
	struct loop_timer *stop;

	assert_int_equal(pipe(w.fds), 0);
	assert_int_equal(loop_add_fd(r->lp, w.fds[0], POLLIN, fdwake_cb, &w,
				     "fdwake"), 0);
	assert_int_equal(loop_add_hook(r->lp, fdwake_hook, &w), 0);
	assert_int_equal(write(w.fds[1], "x", 1), 1);
	stop = loop_timer_add(r->lp, 50, 0, stop_cb, NULL, "stop");
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(w.hooks, 2);
	loop_timer_cancel(r->lp, stop);
	loop_del_hook(r->lp, fdwake_hook, &w);
	loop_del_fd(r->lp, w.fds[0]);
	close(w.fds[0]);
	close(w.fds[1]);
}

static void rearm0_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct rec *r = ctx;

	/* Re-arming with delay 0 must wait for the next iteration. */
	if (++r->fires < 5)
		loop_timer_rearm(lp, t, 0);
	else
		loop_stop(lp);
}

static void count_hook(struct loop *lp, void *ctx)
{
	(*(int *)ctx)++;
}

static void test_loop_rearm_zero_next_iteration(void **state)
{
	struct rec *r = *state;
	struct loop_timer *t;
	int hooks = 0;

	assert_int_equal(loop_add_hook(r->lp, count_hook, &hooks), 0);
	t = loop_timer_add(r->lp, 0, 0, rearm0_cb, r, "rearm");
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(r->fires, 5);
	assert_int_equal(hooks, 5);	/* one firing per iteration */
	loop_timer_cancel(r->lp, t);
	loop_del_hook(r->lp, count_hook, &hooks);
}

struct adder {
	struct rec *r;
	int fds[2], fds2[2], filler[40];
	int first, second;
};

static void second_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct adder *a = ctx;

	a->second++;
	loop_del_fd(lp, fd);
	loop_stop(lp);
}

static void first_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct adder *a = ctx;

	a->first++;
	/* Add many fds to force the registry to grow during dispatch. */
	loop_del_fd(lp, fd);
	assert_int_equal(loop_add_fd(lp, a->fds2[0], POLLIN, second_cb, a,
				     "second"), 0);
	for (int i = 0; i < 40; i++) {
		a->filler[i] = dup(a->fds2[1]);
		assert_true(a->filler[i] >= 0);
		assert_int_equal(loop_add_fd(lp, a->filler[i], 0, second_cb,
					     a, "filler"), 0);
	}
	for (int i = 0; i < 40; i++) {
		assert_int_equal(loop_del_fd(lp, a->filler[i]), 0);
		close(a->filler[i]);
	}
}

static void test_loop_add_fd_during_dispatch(void **state)
{
	struct rec *r = *state;
	struct adder a = { .r = r };

	assert_int_equal(pipe(a.fds), 0);
	assert_int_equal(pipe(a.fds2), 0);
	assert_int_equal(loop_add_fd(r->lp, a.fds[0], POLLIN, first_cb, &a,
				     "first"), 0);
	assert_int_equal(write(a.fds[1], "x", 1), 1);
	assert_int_equal(write(a.fds2[1], "y", 1), 1);
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(a.first, 1);
	assert_int_equal(a.second, 1);
	for (int i = 0; i < 2; i++) {
		close(a.fds[i]);
		close(a.fds2[i]);
	}
}

/* Both fds are ready in one iteration; whichever runs first removes the
 * other, whose event, already fetched, must not reach its callback. */
struct pair {
	int a[2], b[2];
	int calls;
};

static void remove_other_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct pair *p = ctx;

	p->calls++;
	assert_int_equal(loop_del_fd(lp, fd == p->a[0] ? p->b[0] : p->a[0]),
			 0);
	assert_int_equal(loop_del_fd(lp, fd), 0);
	loop_stop(lp);
}

static void test_loop_removed_ready_fd_skipped(void **state)
{
	struct rec *r = *state;
	struct pair p = { .calls = 0 };

	assert_int_equal(pipe(p.a), 0);
	assert_int_equal(pipe(p.b), 0);
	assert_int_equal(loop_add_fd(r->lp, p.a[0], POLLIN, remove_other_cb,
				     &p, "a"), 0);
	assert_int_equal(loop_add_fd(r->lp, p.b[0], POLLIN, remove_other_cb,
				     &p, "b"), 0);
	assert_int_equal(write(p.a[1], "x", 1), 1);
	assert_int_equal(write(p.b[1], "x", 1), 1);
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(p.calls, 1);
	for (int i = 0; i < 2; i++) {
		close(p.a[i]);
		close(p.b[i]);
	}
}

/* Many registered fds, one ready: only its callback runs; a closed fd is
 * refused with the kernel's reason. */
#define MANY 300

struct many {
	int rd[MANY], wr[MANY];
	int calls, which;
};

static void many_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct many *m = ctx;

	m->calls++;
	m->which = fd;
	loop_stop(lp);
}

static void test_loop_many_fds_one_ready(void **state)
{
	struct rec *r = *state;
	struct many *m = calloc(1, sizeof(*m));
	int fds[2];

	assert_non_null(m);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(pipe(fds), 0);
		m->rd[i] = fds[0];
		m->wr[i] = fds[1];
		assert_int_equal(loop_add_fd(r->lp, m->rd[i], POLLIN, many_cb,
					     m, "many"), 0);
	}
	assert_int_equal(write(m->wr[MANY / 2], "x", 1), 1);
	assert_int_equal(loop_run(r->lp), 0);
	assert_int_equal(m->calls, 1);
	assert_int_equal(m->which, m->rd[MANY / 2]);
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(loop_del_fd(r->lp, m->rd[i]), 0);
		close(m->rd[i]);
		close(m->wr[i]);
	}
	assert_int_equal(loop_add_fd(r->lp, m->rd[0], POLLIN, many_cb, m,
				     "closed"), -EBADF);
	free(m);
}

struct pauser {
	struct loop_pause pause;
	int calls, calls_at_check;
};

/* Never reads: the fd stays readable, as a listening socket does while
 * accept() fails with EMFILE. */
static void stuck_cb(struct loop *lp, int fd, short revents, void *ctx)
{
	struct pauser *p = ctx;

	if (++p->calls == 2) {
		loop_stop(lp);
		return;
	}
	loop_pause_fd(lp, &p->pause, fd, POLLIN, 50);
}

static void check_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct pauser *p = ctx;

	p->calls_at_check = p->calls;
}

static void test_loop_pause_fd(void **state)
{
	struct rec *r = *state;
	struct pauser p = { .calls = 0 };
	struct loop_timer *guard, *check;
	int fds[2];

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(loop_add_fd(r->lp, fds[0], POLLIN, stuck_cb, &p,
				     "stuck"), 0);
	check = loop_timer_add(r->lp, 25, 0, check_cb, &p, "check");
	guard = loop_timer_add(r->lp, 5000, 0, stop_cb, NULL, "guard");
	assert_int_equal(loop_run(r->lp), 0);
	/* Paused after the first call, polled again once the pause ended. */
	assert_int_equal(p.calls_at_check, 1);
	assert_int_equal(p.calls, 2);
	assert_null(p.pause.t);
	/* A pause cancelled before the fd goes leaves no timer behind. */
	loop_pause_fd(r->lp, &p.pause, fds[0], POLLIN, 50);
	assert_non_null(p.pause.t);
	loop_pause_cancel(r->lp, &p.pause);
	assert_null(p.pause.t);
	loop_timer_cancel(r->lp, check);
	loop_timer_cancel(r->lp, guard);
	assert_int_equal(loop_del_fd(r->lp, fds[0]), 0);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_loop_timers_fire_in_order),
		T(test_loop_oneshot_vs_periodic),
		T(test_loop_cancel_inside_callback),
		T(test_loop_fd_readiness),
		T(test_loop_hooks_once_per_iteration),
		T(test_loop_wake_skips_sleep),
		T(test_loop_wake_from_fd_no_extra_pass),
		T(test_loop_rearm_zero_next_iteration),
		T(test_loop_add_fd_during_dispatch),
		T(test_loop_removed_ready_fd_skipped),
		T(test_loop_many_fds_one_ready),
		T(test_loop_pause_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
