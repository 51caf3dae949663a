/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's single loop: registered fds, monotonic timers and
 * before-sleep hooks.  Callbacks never block; retries re-arm a timer.
 */
#ifndef CMIRRORD_LOOP_H
#define CMIRRORD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct loop_timer;

/* `events` is a poll() mask (POLLIN, POLLOUT, POLLERR, POLLHUP), mapped to
 * epoll; loop_add_fd() passes on epoll_ctl's error (-EBADF: a closed fd). */
typedef void (*loop_fd_cb)(struct loop *lp, int fd, short revents, void *ctx);
typedef void (*loop_timer_cb)(struct loop *lp, struct loop_timer *t, void *ctx);
/* Runs once per iteration, after all ready callbacks, before the wait. */
typedef void (*loop_hook_cb)(struct loop *lp, void *ctx);

int loop_new(struct loop **out);
void loop_free(struct loop *lp);

/* 0 or -EEXIST/-ENOMEM/-errno of epoll_ctl.  `name` is kept for dumps
 * (static string). */
int loop_add_fd(struct loop *lp, int fd, short events, loop_fd_cb cb,
		void *ctx, const char *name);
int loop_set_events(struct loop *lp, int fd, short events);
int loop_del_fd(struct loop *lp, int fd);

/* A listening socket whose accept() fails for want of descriptors stays
 * readable, and the loop would spin on it: loop_pause_fd() stops polling
 * fd for ms, then asks for `events` again.  The caller owns the struct
 * and cancels a pause before it drops the fd. */
#define LOOP_ACCEPT_PAUSE_MS 500
struct loop_pause {
	struct loop_timer *t;
	int fd;
	short events;
};
void loop_pause_fd(struct loop *lp, struct loop_pause *p, int fd,
		   short events, uint64_t ms);
void loop_pause_cancel(struct loop *lp, struct loop_pause *p);

/* One-shot (period_ms 0) or periodic timer, first firing after delay_ms.
 * NULL + errno on failure.  A timer callback may cancel its own timer. */
struct loop_timer *loop_timer_add(struct loop *lp, uint64_t delay_ms,
				  uint64_t period_ms, loop_timer_cb cb,
				  void *ctx, const char *name);
void loop_timer_cancel(struct loop *lp, struct loop_timer *t);
/* Re-arm a timer (one-shot or periodic) to fire after delay_ms. */
void loop_timer_rearm(struct loop *lp, struct loop_timer *t, uint64_t delay_ms);

int loop_add_hook(struct loop *lp, loop_hook_cb cb, void *ctx);
void loop_del_hook(struct loop *lp, loop_hook_cb cb, void *ctx);

/* Run until loop_stop(); returns 0, or -errno if epoll_wait() fails. */
int loop_run(struct loop *lp);
void loop_stop(struct loop *lp);
/* Ask for one more iteration without sleeping (work was queued): the
 * before-sleep hooks run again first.  From an fd callback or a timer, a
 * no-op: that iteration's hooks have not run yet. */
void loop_wake(struct loop *lp);

uint64_t loop_now_ms(void);	/* CLOCK_MONOTONIC in ms */
uint64_t loop_now_us(void);	/* the same in us (request latencies) */

#endif
