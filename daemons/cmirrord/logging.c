// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Logging sinks: syslog (daemon) or stderr with a wall-clock timestamp
 * (foreground), filtered by level; plus a fixed in-memory ring that keeps
 * every message, debug included, with a monotonic timestamp, so a SIGUSR1
 * dump shows what happened just before a problem even at the default level.
 * A mutex guards the state because the disk worker thread may log.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "logging.h"

#define RING_SIZE	(256u * 1024u)
#define LINE_MAX_LEN	1024

static struct {
	pthread_mutex_t lock;
	bool to_stderr, syslog_open;
	int level;
	char ident[64];
	char ring[RING_SIZE];
	size_t head;		/* next write position */
	bool wrapped;
} lg = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.to_stderr = true,
	.level = LOG_INFO,
	.ident = "cmirrord",
};

static const char *const level_names[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void logging_setup(const char *ident, bool to_stderr, int level, int facility)
{
	pthread_mutex_lock(&lg.lock);
	snprintf(lg.ident, sizeof(lg.ident), "%s", ident ? ident : "cmirrord");
	lg.to_stderr = to_stderr;
	lg.level = level;
	if (!to_stderr) {
		openlog(lg.ident, LOG_PID, facility);
		lg.syslog_open = true;
	}
	pthread_mutex_unlock(&lg.lock);
}

void logging_set_level(int level)
{
	pthread_mutex_lock(&lg.lock);
	lg.level = level;
	pthread_mutex_unlock(&lg.lock);
}

void logging_close(void)
{
	pthread_mutex_lock(&lg.lock);
	if (lg.syslog_open)
		closelog();
	lg.syslog_open = false;
	lg.to_stderr = true;
	pthread_mutex_unlock(&lg.lock);
}

static void ring_put(const char *s, size_t len)
{
	/* Only the tail of an oversized message can survive anyway. */
	if (len > RING_SIZE) {
		s += len - RING_SIZE;
		len = RING_SIZE;
	}
	while (len) {
		size_t n = RING_SIZE - lg.head;

		if (n > len)
			n = len;
		memcpy(lg.ring + lg.head, s, n);
		lg.head += n;
		s += n;
		len -= n;
		if (lg.head == RING_SIZE) {
			lg.head = 0;
			lg.wrapped = true;
		}
	}
}

static void ring_line(int prio, const char *msg)
{
	struct timespec ts;
	char hdr[48];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(hdr, sizeof(hdr), "[%lld.%03ld] %c ",
		     (long long)ts.tv_sec, ts.tv_nsec / 1000000L,
		     "EACEWNID"[prio & LOG_PRIMASK]);
	ring_put(hdr, (size_t)n);
	ring_put(msg, strlen(msg));
	ring_put("\n", 1);
}

static void sink_line(int prio, const char *msg)
{
	if (!lg.to_stderr) {
		syslog(prio, "%s", msg);
		return;
	}

	struct timeval tv;
	struct tm tm;
	char ts[32] = "";

	gettimeofday(&tv, NULL);
	if (localtime_r(&tv.tv_sec, &tm))
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s[%d]: %s: %s\n", ts,
		(long)(tv.tv_usec / 1000), lg.ident, (int)getpid(),
		level_names[prio & LOG_PRIMASK], msg);
}

void log_msg(int prio, const char *fmt, ...)
{
	char msg[LINE_MAX_LEN];
	int saved = errno;	/* callers may log between a failure and %m */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	prio &= LOG_PRIMASK;
	pthread_mutex_lock(&lg.lock);
	ring_line(prio, msg);
	if (prio <= lg.level)
		sink_line(prio, msg);
	pthread_mutex_unlock(&lg.lock);
	errno = saved;
}

static unsigned burst_events;

void log_burst_new_event(void)
{
	burst_events++;
}

enum log_burst_verdict log_burst_take(struct log_burst *b, uint64_t now_ms)
{
	if (!b->count || now_ms - b->start_ms >= LOG_BURST_WINDOW_MS ||
	    b->event != burst_events) {
		b->start_ms = now_ms;
		b->count = 0;
		b->event = burst_events;
	}
	if (b->count > LOG_BURST_LINES)
		return LOG_BURST_HOLD;		/* announced already */
	b->count++;
	return b->count <= LOG_BURST_LINES ? LOG_BURST_PASS
					   : LOG_BURST_ANNOUNCE;
}

void log_burst_msg(struct log_burst *b, const char *what, int prio,
		   const char *fmt, ...)
{
	char msg[LINE_MAX_LEN];
	struct timespec ts;
	enum log_burst_verdict v;
	va_list ap;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	v = log_burst_take(b, (uint64_t)ts.tv_sec * 1000u +
			      (uint64_t)ts.tv_nsec / 1000000u);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (v == LOG_BURST_PASS) {
		log_msg(prio, "%s", msg);
		return;
	}
	if (v == LOG_BURST_ANNOUNCE)
		log_msg(prio, "more than %d %s within %d s: the rest of them "
			"at debug level only (cmirrorctl dump)",
			LOG_BURST_LINES, what, LOG_BURST_WINDOW_MS / 1000);
	log_msg(LOG_DEBUG, "%s", msg);
}

void logging_emit_lines(int prio, const char *text, bool to_ring)
{
	char line[LINE_MAX_LEN];

	prio &= LOG_PRIMASK;
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		size_t n = len < sizeof(line) - 1 ? len : sizeof(line) - 1;

		memcpy(line, text, n);
		line[n] = '\0';
		pthread_mutex_lock(&lg.lock);
		if (to_ring)
			ring_line(prio, line);
		sink_line(prio, line);
		pthread_mutex_unlock(&lg.lock);
		text += len + (nl ? 1 : 0);
	}
}

size_t logging_ring_dump(char *buf, size_t len)
{
	size_t used, start, skip = 0, n, first;

	if (!buf || !len)
		return 0;
	pthread_mutex_lock(&lg.lock);
	used = lg.wrapped ? RING_SIZE : lg.head;
	start = lg.wrapped ? lg.head : 0;
	if (lg.wrapped) {
		/* The oldest line was partly overwritten: start after it. */
		for (; skip < used; skip++)
			if (lg.ring[(start + skip) % RING_SIZE] == '\n') {
				skip++;
				break;
			}
	}
	/* Keep the newest part when the caller's buffer is smaller. */
	n = used - skip;
	if (n > len - 1) {
		skip += n - (len - 1);
		n = len - 1;
		while (n && lg.ring[(start + skip - 1) % RING_SIZE] != '\n') {
			skip++;
			n--;
		}
	}
	start = (start + skip) % RING_SIZE;
	first = RING_SIZE - start < n ? RING_SIZE - start : n;
	memcpy(buf, lg.ring + start, first);
	memcpy(buf + first, lg.ring, n - first);
	buf[n] = '\0';
	pthread_mutex_unlock(&lg.lock);
	return n;
}

int logging_parse_level(const char *s, int *level)
{
	static const struct { const char *name; int level; } names[] = {
		{ "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};

	if (!s)
		return -EINVAL;
	if (s[0] >= '0' && s[0] <= '7' && s[1] == '\0') {
		*level = s[0] - '0';
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name)) {
			*level = names[i].level;
			return 0;
		}
	return -EINVAL;
}

int logging_parse_facility(const char *s, int *facility)
{
	static const int locals[] = {
		LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
		LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7,
	};

	if (!s)
		return -EINVAL;
	if (!strcasecmp(s, "daemon")) {
		*facility = LOG_DAEMON;
		return 0;
	}
	if (!strcasecmp(s, "user")) {
		*facility = LOG_USER;
		return 0;
	}
	if (!strncasecmp(s, "local", 5) && s[5] >= '0' && s[5] <= '7' &&
	    s[6] == '\0') {
		*facility = locals[s[5] - '0'];
		return 0;
	}
	return -EINVAL;
}
