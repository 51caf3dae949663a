// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmirrord main: a straight startup checklist, the poll loop, and teardown
 * in reverse order.  Signals arrive through a signalfd as ordinary loop
 * events.  When daemonizing, the parent waits on a pipe and exits 0 only
 * once the child is ready (pid file written, kernel link listening), or
 * with the child's exit code and error message, so init scripts and
 * `cmirrord && ...` see real failures.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "cluster.h"
#include "control.h"
#include "group.h"
#include "kernel.h"
#include "logging.h"
#include "logs.h"
#include "loop.h"
#include "options.h"
#include "pidfile.h"
#include "residency.h"

/* Exit status, documented in cmirrord(8). */
enum cmirrord_exit {
	CMIRRORD_EXIT_OK = 0,
	CMIRRORD_EXIT_USAGE = 1,	/* bad option or configuration file */
	CMIRRORD_EXIT_RUNNING = 2,	/* another instance holds the pid file */
	CMIRRORD_EXIT_STARTUP = 3,	/* startup (or fatal loop) failure */
};

#define DUMP_INITIAL	(64 * 1024)
#define RING_DUMP_SIZE	(256 * 1024 + 1)

/* Startup result sent from the daemon child to the waiting parent. */
struct ready_msg {
	int code;
	char msg[240];
};

struct daemon {
	struct cmirrord_opts o;
	int argc;
	char **argv;
	int ready_fd;			/* -1: nobody waits (foreground) */
	struct ready_msg ready;
	struct pidfile *pf;
	struct loop *lp;
	int sfd;
	struct group_transport *t;
	struct logs *ls;
	struct kernel_link *k;
	struct control *ctl;
};

__attribute__((format(printf, 3, 4)))
static int startup_fail(struct daemon *d, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->ready.msg, sizeof(d->ready.msg), fmt, ap);
	va_end(ap);
	d->ready.code = code;
	log_err("%s", d->ready.msg);
	return code;
}

/* Tell the waiting parent how startup ended (once). */
static void report_ready(struct daemon *d)
{
	ssize_t n;

	if (d->ready_fd < 0)
		return;
	do
		n = write(d->ready_fd, &d->ready, sizeof(d->ready));
	while (n < 0 && errno == EINTR);
	close(d->ready_fd);
	d->ready_fd = -1;
}

/* ---- daemonizing ---- */

static int parent_wait(pid_t child, int fd)
{
	struct ready_msg m;
	size_t got = 0;
	int st;

	while (got < sizeof(m)) {
		ssize_t n = read(fd, (char *)&m + got, sizeof(m) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == sizeof(m)) {
		m.msg[sizeof(m.msg) - 1] = '\0';
		if (m.code)
			fprintf(stderr, "cmirrord: %s\n", m.msg);
		return m.code;
	}
	/* The child died before reporting: say how. */
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st)) {
		fprintf(stderr, "cmirrord: daemon exited with status %d during "
			"startup (see syslog)\n", WEXITSTATUS(st));
		return WEXITSTATUS(st);
	}
	if (WIFSIGNALED(st))
		fprintf(stderr, "cmirrord: daemon killed by signal %d during "
			"startup\n", WTERMSIG(st));
	else
		fprintf(stderr, "cmirrord: daemon exited during startup\n");
	return CMIRRORD_EXIT_STARTUP;
}

static int daemonize(struct daemon *d)
{
	int p[2], nullfd;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "cmirrord: pipe: %s\n", strerror(errno));
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "cmirrord: fork: %s\n", strerror(errno));
		return -errno;
	}
	if (pid > 0) {
		close(p[1]);
		exit(parent_wait(pid, p[0]));
	}
	close(p[0]);
	d->ready_fd = p[1];
	setsid();
	if (chdir("/") < 0)
		log_warn("chdir /: %s", strerror(errno));
	umask(022);
	nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (nullfd >= 0) {
		dup2(nullfd, STDIN_FILENO);
		dup2(nullfd, STDOUT_FILENO);
		dup2(nullfd, STDERR_FILENO);
		if (nullfd > STDERR_FILENO)
			close(nullfd);
	}
	return 0;
}

/* ---- signals ---- */

static int stats_text(const struct logs *ls, char *buf, size_t len)
{
	return logs_stats(ls, false, buf, len);
}

/* One text of the dump, in a buffer grown to what it says it needs. */
static void emit_text(const struct logs *ls,
		      int (*text)(const struct logs *, char *, size_t))
{
	size_t cap = DUMP_INITIAL;
	char *buf = NULL;

	for (int tries = 0; tries < 4; tries++) {
		char *nb = realloc(buf, cap);
		int n;

		if (!nb)
			break;
		buf = nb;
		n = text(ls, buf, cap);
		if (n < 0 || (size_t)n < cap) {
			if (n >= 0)
				logging_emit_lines(LOG_NOTICE, buf, true);
			break;
		}
		cap = (size_t)n + 1;
	}
	free(buf);
}

/* The state, then what `cmirrorctl stats` shows (the kernel link's
 * counters with it), then the debug ring. */
static void dump_state(struct daemon *d)
{
	char *buf;

	logging_emit_lines(LOG_NOTICE, "state dump (SIGUSR1):", true);
	emit_text(d->ls, logs_dump);
	emit_text(d->ls, stats_text);
	buf = malloc(RING_DUMP_SIZE);
	if (buf) {
		logging_ring_dump(buf, RING_DUMP_SIZE);
		logging_emit_lines(LOG_NOTICE, "--- debug ring, oldest first ---",
				   false);
		logging_emit_lines(LOG_NOTICE, buf, false);
		logging_emit_lines(LOG_NOTICE, "--- end of debug ring ---", false);
		free(buf);
	}
}

/* SIGHUP: re-read the command line and file; only the log level applies
 * at run time (the rest needs a restart, which we say). */
static void reload(struct daemon *d)
{
	struct cmirrord_opts fresh;
	int r = options_load(d->argc, d->argv, &fresh);

	if (r != 0) {
		log_warn("SIGHUP: %s is invalid, nothing reloaded",
			 d->o.config_file);
		return;
	}
	if (fresh.log_level != d->o.log_level) {
		log_info("SIGHUP: log level %d -> %d", d->o.log_level,
			 fresh.log_level);
		logging_set_level(fresh.log_level);
		d->o.log_level = fresh.log_level;
	}
	if (memcmp(&fresh, &d->o, sizeof(fresh)))
		log_warn("SIGHUP: settings other than log-level change only "
			 "after a restart");
}

static void on_signal(struct loop *lp, int fd, short revents, void *ctx)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;
	size_t n;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
		case SIGQUIT:
			/* Like the old daemon (SIGQUIT included): exiting
			 * under live mirrors would hang their I/O until a
			 * restart. */
			n = logs_count(d->ls);
			if (n) {
				log_warn("refusing to exit: %zu logs active", n);
				break;
			}
			log_info("exiting on %s", strsignal((int)si.ssi_signo));
			loop_stop(lp);
			break;
		case SIGUSR1:
		case SIGUSR2:
			dump_state(d);
			break;
		case SIGHUP:
			reload(d);
			break;
		default:
			break;
		}
	}
}

static int setup_signals(struct daemon *d)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set;

	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	/* Blocked before any thread starts, so every thread inherits it. */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->sfd < 0)
		return -errno;
	return loop_add_fd(d->lp, d->sfd, POLLIN, on_signal, d, "signals");
}

/* ---- startup / teardown ---- */

static int start(struct daemon *d)
{
	const char *ksock = d->o.kernel_socket[0] ? d->o.kernel_socket : NULL;
	pid_t holder;
	int r;

	r = pidfile_create(d->o.pid_file, &holder, &d->pf);
	if (r == -EEXIST)
		return startup_fail(d, CMIRRORD_EXIT_RUNNING,
				    "already running (pid %d holds %s)",
				    (int)holder, d->o.pid_file);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP,
				    "cannot create pid file %s: %s",
				    d->o.pid_file, strerror(-r));
	r = loop_new(&d->lp);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP, "loop: %s",
				    strerror(-r));
	r = setup_signals(d);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP, "signals: %s",
				    strerror(-r));
	if (d->o.no_cluster)
		r = solo_transport_new(d->lp, d->o.node_id, &d->t);
	else
		r = cluster_transport_new(d->lp, &d->o, &d->t);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP,
				    "cannot start the %s transport: %s",
				    d->o.no_cluster ? "single-node" : "cluster",
				    strerror(-r));
	r = logs_new(d->lp, &d->o, d->t, &d->ls);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP,
				    "log registry: %s", strerror(-r));
	r = kernel_setup(d->lp, ksock, logs_on_kernel_request,
			 logs_on_kernel_gone, d->ls, &d->k);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP,
				    "cannot open the kernel link%s%s: %s",
				    ksock ? " " : "", ksock ? ksock : "",
				    strerror(-r));
	logs_set_kernel(d->ls, d->k);
	r = control_setup(d->lp, d->o.control_socket, d->ls, &d->o, &d->ctl);
	if (r < 0)
		return startup_fail(d, CMIRRORD_EXIT_STARTUP,
				    "cannot open the control socket %s: %s",
				    d->o.control_socket, strerror(-r));
	return 0;
}

static void stop(struct daemon *d)
{
	control_close(d->ctl);
	if (d->ls)
		logs_set_kernel(d->ls, NULL);
	kernel_close(d->k);
	logs_free(d->ls);	/* leaves groups: before the transport */
	if (d->t && d->o.no_cluster)
		solo_transport_free(d->t);
	else if (d->t)
		cluster_transport_free(d->t);
	if (d->sfd >= 0)
		close(d->sfd);
	loop_free(d->lp);
	pidfile_remove(d->pf);
}

/*
 * Every log holds a corosync connection, one descriptor each, and systemd
 * starts services with a soft limit of 1024 (for select(), which nothing
 * here uses) under a much higher hard one: take the hard one.
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t was;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= rl.rlim_max)
		return;
	was = rl.rlim_cur;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		log_warn("cannot raise the open-file limit from %llu: %s",
			 (unsigned long long)was, strerror(errno));
	else
		log_info("open-file limit raised from %llu to %llu",
			 (unsigned long long)was,
			 (unsigned long long)rl.rlim_cur);
}

int main(int argc, char **argv)
{
	struct daemon d = { .argc = argc, .argv = argv, .ready_fd = -1,
			    .sfd = -1 };
	int r, code;

	/*
	 * glibc raises its mmap threshold to the size of any mmapped block
	 * that is freed (up to 32 MiB); from then on the ~1 MiB buffers libqb
	 * allocates for each CPG connection (one per log) come from the heap
	 * and count in full, so a log's RSS depended on the order of earlier
	 * frees (64 small logs: 37 or 75 MiB for the same code with another
	 * struct layout).  A fixed threshold keeps them mapped on their own
	 * and untouched (16 MiB); the stream's 256 KiB bundles stay below it.
	 * Fixing it also fixes the trim threshold at 128 KiB, and the heap
	 * then shrank and regrew for every bundle of a checkpoint (141 brk
	 * calls for one 32 MiB transfer, fresh pages each time): keep a few
	 * MiB at the top instead.
	 */
	mallopt(M_MMAP_THRESHOLD, 512 * 1024);
	mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	r = options_load(argc, argv, &d.o);
	if (r == 1)
		return CMIRRORD_EXIT_OK;
	if (r < 0)
		return CMIRRORD_EXIT_USAGE;
	logging_setup("cmirrord", d.o.foreground, d.o.log_level,
		      d.o.log_facility);
	if (!d.o.foreground && daemonize(&d) < 0)
		return CMIRRORD_EXIT_STARTUP;
	log_info("starting cmirrord %s (pid %d, %s)", PACKAGE_VERSION,
		 (int)getpid(), d.o.no_cluster ? "single node" : "cluster");
	raise_fd_limit();
	residency_apply(d.o.lock_memory, d.o.oom_protect);

	code = start(&d);
	report_ready(&d);
	if (code == CMIRRORD_EXIT_OK) {
#ifdef HAVE_SYSTEMD
		sd_notify(0, "READY=1");
#endif
		log_info("ready");
		r = loop_run(d.lp);
		if (r < 0) {
			log_err("poll loop failed: %s", strerror(-r));
			code = CMIRRORD_EXIT_STARTUP;
		}
#ifdef HAVE_SYSTEMD
		sd_notify(0, "STOPPING=1");
#endif
	}
	stop(&d);
	log_info("exited");
	logging_close();
	return code;
}
