// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Memory locking and OOM protection at startup (see residency.h for why).
 * Runs once, after daemonizing (locks are not inherited across fork).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "logging.h"
#include "residency.h"

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4	/* Linux 4.4; older headers lack the name */
#endif

#define PROC_STATUS_MAX 8192

static const char *lock_state = "none";

const char *residency_lock_state(void)
{
	return lock_state;
}

int residency_status_kib(const char *text, const char *key, long long *kib)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');

		if (!strncmp(p, key, kl) && p[kl] == ':') {
			const char *s = p + kl + 1;
			char *end;
			long long v;

			while (*s == ' ' || *s == '\t')
				s++;
			if (*s < '0' || *s > '9')
				return -EINVAL;
			errno = 0;
			v = strtoll(s, &end, 10);
			if (errno || strncmp(end, " kB", 3) ||
			    (end[3] && end[3] != '\n'))
				return -EINVAL;
			*kib = v;
			return 0;
		}
		p = eol ? eol + 1 : NULL;
	}
	return -ENOENT;
}

/* Read a small /proc file whole into buf (NUL-terminated): 0 or -errno. */
static int read_proc(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return r;
}

static int write_proc(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, text, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

/* VmLck in KiB, -1 when unknown. */
static long long read_locked_kib(void)
{
	char buf[PROC_STATUS_MAX];
	long long kib;

	if (read_proc("/proc/self/status", buf, sizeof(buf)) < 0 ||
	    residency_status_kib(buf, "VmLck", &kib) < 0)
		return -1;
	return kib;
}

/* oom_score_adj, INT_MIN when unknown. */
static int read_oom_adj(void)
{
	char buf[32], *end;
	long v;

	if (read_proc("/proc/self/oom_score_adj", buf, sizeof(buf)) < 0)
		return INT_MIN;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || v < -1000 || v > 1000)
		return INT_MIN;
	return (int)v;
}

void residency_read(long long *locked_kib, int *oom_adj)
{
	*locked_kib = read_locked_kib();
	*oom_adj = read_oom_adj();
}

static void oom_protect_self(void)
{
	char text[16];
	int r, adj = read_oom_adj();

	if (adj == OOM_SCORE_ADJ_NEVER) {
		log_info("oom_score_adj already %d", adj);
		return;
	}
	snprintf(text, sizeof(text), "%d", OOM_SCORE_ADJ_NEVER);
	r = write_proc("/proc/self/oom_score_adj", text);
	if (r < 0)
		log_warn("cannot set oom_score_adj %d: %s (needs "
			 "CAP_SYS_RESOURCE, or OOMScoreAdjust=%d in the unit); "
			 "the OOM killer may pick cmirrord and stall every "
			 "mirror's I/O", OOM_SCORE_ADJ_NEVER, strerror(-r),
			 OOM_SCORE_ADJ_NEVER);
	else
		log_info("oom_score_adj %d: never chosen by the OOM killer",
			 OOM_SCORE_ADJ_NEVER);
}

/* CAP_IPC_LOCK in our effective set: the locked-memory limit does not
 * apply to us (glibc has no capget wrapper; libcap is not worth a link). */
static bool can_lock_unlimited(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &
	       CAP_TO_MASK(CAP_IPC_LOCK);
}

static void lock_self(void)
{
	struct rlimit rl = { 0, 0 };
	const struct rlimit inf = { RLIM_INFINITY, RLIM_INFINITY };
	long long kib;
	bool later;
	int e;

	/* Unlimited locking needs CAP_IPC_LOCK (the limit does not apply)
	 * or CAP_SYS_RESOURCE to lift the limit; root has both. */
	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY && setrlimit(RLIMIT_MEMLOCK, &inf) == 0)
		rl = inf;
	later = rl.rlim_cur == RLIM_INFINITY || can_lock_unlimited();
	if (mlockall(MCL_CURRENT) < 0) {
		e = errno;
		log_warn("cannot lock memory: %s (locked-memory limit %lld "
			 "KiB); pages can be swapped out or read back from disk "
			 "while a mirror waits for cmirrord", strerror(e),
			 rl.rlim_cur == RLIM_INFINITY ? -1LL :
			 (long long)(rl.rlim_cur / 1024));
		lock_state = "failed";
		return;
	}
	/* Pages mapped later are locked as they are first touched: a new
	 * log's bitmaps and corosync's 3 MiB of IPC rings per log are mapped
	 * whole but only partly used. */
	if (later && mlockall(MCL_FUTURE | MCL_ONFAULT) < 0) {
		log_warn("cannot lock later allocations: %s", strerror(errno));
		later = false;
	}
	kib = read_locked_kib();
	lock_state = kib == 0 ? "ignored" : later ? "all" : "startup";
	if (kib == 0)
		log_warn("mlockall() succeeded but nothing is locked (VmLck 0 "
			 "kB); a sanitizer build ignores it");
	else if (!later)
		log_warn("memory locked: %lld KiB mapped now; with a "
			 "locked-memory limit of %lld KiB, later allocations "
			 "are not locked", kib, (long long)(rl.rlim_cur / 1024));
	else
		log_info("memory locked: %lld KiB now, later mappings as they "
			 "are touched", kib);
}

void residency_apply(bool lock_memory, bool oom_protect)
{
	if (oom_protect)
		oom_protect_self();
	if (lock_memory)
		lock_self();
	else {
		lock_state = "off";
		log_info("memory not locked (lock-memory = no)");
	}
}
