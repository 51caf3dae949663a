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
