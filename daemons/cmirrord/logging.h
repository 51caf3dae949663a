/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: syslog (or stderr in the foreground) at or above the configured
 * level, and every message, debug included, into an in-memory ring buffer
 * that SIGUSR1 and `cmirrorctl dump` print.
 */
#ifndef CMIRRORD_LOGGING_H
#define CMIRRORD_LOGGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* level: LOG_ERR..LOG_DEBUG; facility: LOG_DAEMON etc. */
void logging_setup(const char *ident, bool to_stderr, int level, int facility);
void logging_set_level(int level);
void logging_close(void);

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_dbg(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/*
 * Routine lines that one event repeats for every log (a node lost or back,
 * a thousand logs brought up): the first LOG_BURST_LINES of a call site in
 * a LOG_BURST_WINDOW_MS window go out at their priority; the next one says
 * that more are coming at debug level only, and the rest are logged at
 * debug level (the ring, `cmirrorctl dump`, always has them).  Warnings
 * and errors are never limited this way.  `what` names the kind of line
 * ("membership changes").  One static counter per call site.  A cluster
 * event (log_burst_new_event(): a new corosync ring, a daemon joining or
 * leaving) starts every window anew, so a node lost a few seconds after a
 * thousand logs came up still gets its first lines at their priority.
 */
#define LOG_BURST_LINES		10
#define LOG_BURST_WINDOW_MS	60000
struct log_burst {
	uint64_t start_ms;
	unsigned count;		/* lines of the current window */
	unsigned event;		/* log_burst_new_event() count at its start */
};
enum log_burst_verdict { LOG_BURST_PASS, LOG_BURST_ANNOUNCE, LOG_BURST_HOLD };
/* The counting alone (unit-tested): what to do with one more line now. */
enum log_burst_verdict log_burst_take(struct log_burst *b, uint64_t now_ms);
/* Main loop only, as the limited lines are. */
void log_burst_new_event(void);
void log_burst_msg(struct log_burst *b, const char *what, int prio,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define log_info_many(what, ...) do {					\
		static struct log_burst burst_;				\
		log_burst_msg(&burst_, what, LOG_INFO, __VA_ARGS__);	\
	} while (0)

/* Copy the ring buffer, oldest first, into buf (NUL-terminated); returns
 * bytes written. */
size_t logging_ring_dump(char *buf, size_t len);

/* Parse "err|warning|notice|info|debug" (or a number 0-7); -EINVAL. */
int logging_parse_level(const char *s, int *level);
/* Parse "daemon|local0..local7|user"; -EINVAL. */
int logging_parse_facility(const char *s, int *facility);

/* ---- Added by the infrastructure work (logging.c) ---- */
/*
 * Emit a multi-line text (a dump) line by line to the sink at `prio`,
 * bypassing the level filter (the operator asked for it); to the ring too
 * unless to_ring is false (dumping the ring must not copy it into itself).
 */
void logging_emit_lines(int prio, const char *text, bool to_ring);

#endif
