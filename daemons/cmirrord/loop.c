// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The loop.  One iteration: epoll_wait(), fd callbacks, expired
 * timers, before-sleep hooks, then the next wait with the nearest timer as
 * timeout (0 when loop_wake() was called from a hook or outside the loop;
 * from an fd callback or a timer it has nothing to add, since the hooks of
 * that iteration are still to run: it used to cost every request an
 * epoll_wait() that found nothing).
 *
 * epoll, not poll(): every log holds a CPG handle, so a daemon with many
 * logs has hundreds of fds, and poll() registers and removes a wait on each
 * of them for every sleep.  With 129 idle logs that made one busy log's
 * FLUSH 2.3x slower; epoll's cost follows the fds that are ready.
 *
 * Re-entrancy: callbacks may add or remove fds, timers and hooks, their own
 * included.  An fd entry is allocated on its own (epoll hands its address
 * back); a removed one is only marked dead while dispatching and freed
 * after the iteration, so an event already fetched for it is skipped.
 * Hooks are compacted the same way.  A timer cancelled from its own
 * callback is freed when the callback returns.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct loop_fd {
	int fd;
	bool dead;
	loop_fd_cb cb;
	void *ctx;
	const char *name;
};

struct loop_hook {
	loop_hook_cb cb;
	void *ctx;
	bool dead;
};

#define TIMER_UNARMED	SIZE_MAX

struct loop_timer {
	uint64_t due, period, seq;
	size_t idx;		/* position in the heap, TIMER_UNARMED if none */
	bool firing, cancelled;
	loop_timer_cb cb;
	void *ctx;
	const char *name;
};

#define LOOP_MAX_EVENTS	64	/* per epoll_wait; the rest come next time */

struct loop {
	int epfd;
	struct loop_fd **fds;	/* for look-ups by fd; entries stay put */
	size_t nfds, capfds;
	struct loop_hook *hooks;
	size_t nhooks, caphooks;
	struct loop_timer **heap;	/* min-heap on (due, seq) */
	size_t nheap, capheap;
	size_t ntimers;		/* live timers; capheap >= ntimers */
	uint64_t next_seq;
	int dispatching;
	bool stop, wake, fds_dirty, hooks_dirty;
	bool hooks_pending;	/* in fd callbacks or timers: hooks still due */
};

uint64_t loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Grow *arr to hold at least `need` elements of `size` bytes. */
static int grow(void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int loop_new(struct loop **out)
{
	struct loop *lp = calloc(1, sizeof(*lp));

	if (!lp)
		return -ENOMEM;
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->epfd < 0) {
		int e = errno;

		free(lp);
		return -e;
	}
	*out = lp;
	return 0;
}

void loop_free(struct loop *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < lp->nheap; i++)
		free(lp->heap[i]);
	/* Disarmed one-shot timers are not in the heap: their owners must
	 * cancel them (documented in loop.h). */
	free(lp->heap);
	for (size_t i = 0; i < lp->nfds; i++)
		free(lp->fds[i]);
	free(lp->fds);
	free(lp->hooks);
	close(lp->epfd);
	free(lp);
}

/* ---- fds ---- */

static size_t find_fd_idx(const struct loop *lp, int fd)
{
	for (size_t i = 0; i < lp->nfds; i++)
		if (lp->fds[i]->fd == fd && !lp->fds[i]->dead)
			return i;
	return SIZE_MAX;
}

static struct loop_fd *find_fd(struct loop *lp, int fd)
{
	size_t i = find_fd_idx(lp, fd);

	return i == SIZE_MAX ? NULL : lp->fds[i];
}

/* poll() bits to epoll's; errors and hang-ups are always reported. */
static uint32_t to_epoll(short events)
{
	return (events & POLLIN ? EPOLLIN : 0u) |
	       (events & POLLOUT ? EPOLLOUT : 0u) |
	       (events & POLLPRI ? EPOLLPRI : 0u);
}

static short from_epoll(uint32_t ev)
{
	return (short)((ev & EPOLLIN ? POLLIN : 0) |
		       (ev & EPOLLOUT ? POLLOUT : 0) |
		       (ev & EPOLLPRI ? POLLPRI : 0) |
		       (ev & EPOLLERR ? POLLERR : 0) |
		       (ev & EPOLLHUP ? POLLHUP : 0));
}

int loop_add_fd(struct loop *lp, int fd, short events, loop_fd_cb cb,
		void *ctx, const char *name)
{
	struct epoll_event ev = { .events = to_epoll(events) };
	struct loop_fd *f;

	if (fd < 0 || !cb)
		return -EINVAL;
	if (find_fd(lp, fd))
		return -EEXIST;
	if (grow((void **)&lp->fds, &lp->capfds, lp->nfds + 1,
		 sizeof(*lp->fds)) < 0)
		return -ENOMEM;
	f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	*f = (struct loop_fd){ .fd = fd, .cb = cb, .ctx = ctx, .name = name };
	ev.data.ptr = f;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int e = errno;

		free(f);
		return -e;
	}
	lp->fds[lp->nfds++] = f;
	return 0;
}

int loop_set_events(struct loop *lp, int fd, short events)
{
	struct loop_fd *f = find_fd(lp, fd);
	struct epoll_event ev = { .events = to_epoll(events) };

	if (!f)
		return -ENOENT;
	ev.data.ptr = f;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

static void pause_end(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct loop_pause *p = ctx;

	loop_timer_cancel(lp, t);
	p->t = NULL;
	loop_set_events(lp, p->fd, p->events);
}

void loop_pause_fd(struct loop *lp, struct loop_pause *p, int fd,
		   short events, uint64_t ms)
{
	if (p->t)
		return;
	p->fd = fd;
	p->events = events;
	p->t = loop_timer_add(lp, ms, 0, pause_end, p, "fd-pause");
	if (p->t)
		loop_set_events(lp, fd, 0);
}

void loop_pause_cancel(struct loop *lp, struct loop_pause *p)
{
	if (p->t)
		loop_timer_cancel(lp, p->t);
	p->t = NULL;
}

int loop_del_fd(struct loop *lp, int fd)
{
	size_t i = find_fd_idx(lp, fd);
	struct loop_fd *f;

	if (i == SIZE_MAX)
		return -ENOENT;
	f = lp->fds[i];
	/* Fails harmlessly if the caller closed the fd first: closing the
	 * last reference took it out of the epoll set already. */
	epoll_ctl(lp->epfd, EPOLL_CTL_DEL, fd, NULL);
	f->dead = true;
	if (lp->dispatching) {
		lp->fds_dirty = true;	/* an event may still point here */
		return 0;
	}
	free(f);
	memmove(&lp->fds[i], &lp->fds[i + 1],
		(lp->nfds - i - 1) * sizeof(*lp->fds));
	lp->nfds--;
	return 0;
}

static void compact_fds(struct loop *lp)
{
	size_t o = 0;

	for (size_t i = 0; i < lp->nfds; i++) {
		if (lp->fds[i]->dead)
			free(lp->fds[i]);
		else
			lp->fds[o++] = lp->fds[i];
	}
	lp->nfds = o;
	lp->fds_dirty = false;
}

/* ---- timers: binary min-heap ordered by (due, seq) ---- */

static bool timer_before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(struct loop *lp, size_t i, struct loop_timer *t)
{
	lp->heap[i] = t;
	t->idx = i;
}

static void heap_up(struct loop *lp, size_t i)
{
	struct loop_timer *t = lp->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!timer_before(t, lp->heap[parent]))
			break;
		heap_set(lp, i, lp->heap[parent]);
		i = parent;
	}
	heap_set(lp, i, t);
}

static void heap_down(struct loop *lp, size_t i)
{
	struct loop_timer *t = lp->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= lp->nheap)
			break;
		if (c + 1 < lp->nheap && timer_before(lp->heap[c + 1], lp->heap[c]))
			c++;
		if (!timer_before(lp->heap[c], t))
			break;
		heap_set(lp, i, lp->heap[c]);
		i = c;
	}
	heap_set(lp, i, t);
}

static void heap_remove(struct loop *lp, struct loop_timer *t)
{
	size_t i = t->idx;
	struct loop_timer *last;

	if (i == TIMER_UNARMED)
		return;
	t->idx = TIMER_UNARMED;
	last = lp->heap[--lp->nheap];
	if (last == t)
		return;
	heap_set(lp, i, last);
	heap_up(lp, i);
	heap_down(lp, last->idx);
}

/* Arm (or re-arm) t; the heap has room (reserved when the timer was made). */
static void timer_arm(struct loop *lp, struct loop_timer *t, uint64_t delay)
{
	uint64_t now = loop_now_ms();

	heap_remove(lp, t);
	t->due = delay > UINT64_MAX - now ? UINT64_MAX : now + delay;
	t->seq = ++lp->next_seq;
	heap_set(lp, lp->nheap++, t);
	heap_up(lp, t->idx);
}

struct loop_timer *loop_timer_add(struct loop *lp, uint64_t delay_ms,
				  uint64_t period_ms, loop_timer_cb cb,
				  void *ctx, const char *name)
{
	struct loop_timer *t;

	if (!cb) {
		errno = EINVAL;
		return NULL;
	}
	/* Reserve a heap slot for every live timer so re-arming never fails. */
	if (grow((void **)&lp->heap, &lp->capheap, lp->ntimers + 1,
		 sizeof(*lp->heap)) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	t->period = period_ms;
	t->cb = cb;
	t->ctx = ctx;
	t->name = name;
	t->idx = TIMER_UNARMED;
	lp->ntimers++;
	timer_arm(lp, t, delay_ms);
	return t;
}

void loop_timer_cancel(struct loop *lp, struct loop_timer *t)
{
	if (!t || t->cancelled)
		return;
	heap_remove(lp, t);
	lp->ntimers--;
	if (t->firing)
		t->cancelled = true;	/* freed by run_timers() */
	else
		free(t);
}

void loop_timer_rearm(struct loop *lp, struct loop_timer *t, uint64_t delay_ms)
{
	if (!t || t->cancelled)
		return;
	timer_arm(lp, t, delay_ms);
}

static void run_timers(struct loop *lp)
{
	uint64_t now = loop_now_ms(), pass = lp->next_seq;

	/* Timers armed during this pass (seq > pass) wait for the next one,
	 * so a callback re-arming with delay 0 cannot spin here. */
	while (lp->nheap && lp->heap[0]->due <= now && lp->heap[0]->seq <= pass) {
		struct loop_timer *t = lp->heap[0];

		heap_remove(lp, t);
		if (t->period) {
			t->due += t->period;
			if (t->due <= now)
				t->due = now + t->period;
			t->seq = ++lp->next_seq;
			heap_set(lp, lp->nheap++, t);
			heap_up(lp, t->idx);
		}
		t->firing = true;
		t->cb(lp, t, t->ctx);
		t->firing = false;
		if (t->cancelled)
			free(t);
	}
}

static int next_timeout(const struct loop *lp)
{
	uint64_t now, due;

	if (lp->wake)
		return 0;
	if (!lp->nheap)
		return -1;
	due = lp->heap[0]->due;
	now = loop_now_ms();
	if (due <= now)
		return 0;
	return due - now > INT_MAX ? INT_MAX : (int)(due - now);
}

/* ---- hooks ---- */

int loop_add_hook(struct loop *lp, loop_hook_cb cb, void *ctx)
{
	if (!cb)
		return -EINVAL;
	if (grow((void **)&lp->hooks, &lp->caphooks, lp->nhooks + 1,
		 sizeof(*lp->hooks)) < 0)
		return -ENOMEM;
	lp->hooks[lp->nhooks++] = (struct loop_hook){ .cb = cb, .ctx = ctx };
	return 0;
}

void loop_del_hook(struct loop *lp, loop_hook_cb cb, void *ctx)
{
	for (size_t i = 0; i < lp->nhooks; i++) {
		struct loop_hook *h = &lp->hooks[i];

		if (h->dead || h->cb != cb || h->ctx != ctx)
			continue;
		if (lp->dispatching) {
			h->dead = true;
			lp->hooks_dirty = true;
		} else {
			memmove(h, h + 1, (lp->nhooks - i - 1) * sizeof(*h));
			lp->nhooks--;
		}
		return;
	}
}

static void compact_hooks(struct loop *lp)
{
	size_t o = 0;

	for (size_t i = 0; i < lp->nhooks; i++)
		if (!lp->hooks[i].dead)
			lp->hooks[o++] = lp->hooks[i];
	lp->nhooks = o;
	lp->hooks_dirty = false;
}

/* ---- running ---- */

static void dispatch_fds(struct loop *lp, const struct epoll_event *ev,
			 int n)
{
	for (int i = 0; i < n; i++) {
		struct loop_fd *f = ev[i].data.ptr;

		if (!f->dead)	/* removed by an earlier callback */
			f->cb(lp, f->fd, from_epoll(ev[i].events), f->ctx);
	}
}

static void run_hooks(struct loop *lp)
{
	size_t n = lp->nhooks;	/* hooks added now run next iteration */

	for (size_t i = 0; i < n; i++) {
		struct loop_hook h = lp->hooks[i];

		if (!h.dead)
			h.cb(lp, h.ctx);
	}
}

int loop_run(struct loop *lp)
{
	struct epoll_event ev[LOOP_MAX_EVENTS];

	lp->stop = false;
	while (!lp->stop) {
		int timeout, r;

		timeout = next_timeout(lp);
		lp->wake = false;
		r = epoll_wait(lp->epfd, ev, LOOP_MAX_EVENTS, timeout);
		if (r < 0 && errno != EINTR)
			return -errno;
		lp->dispatching++;
		lp->hooks_pending = true;
		if (r > 0)
			dispatch_fds(lp, ev, r);
		run_timers(lp);
		lp->hooks_pending = false;
		run_hooks(lp);
		lp->dispatching--;
		if (lp->fds_dirty)
			compact_fds(lp);
		if (lp->hooks_dirty)
			compact_hooks(lp);
	}
	return 0;
}

void loop_stop(struct loop *lp)
{
	lp->stop = true;
}

void loop_wake(struct loop *lp)
{
	if (!lp->hooks_pending)
		lp->wake = true;
}
