// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmirrorctl: ask a running cmirrord for its state over the control socket
 * (see ctlproto.h and cmirrorctl(8)).  One request, one reply; the body is
 * printed as the daemon sent it, so --json output is the daemon's JSON.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cmirror/ctlproto.h"

/* Exit status, documented in --help and cmirrorctl(8). */
enum ctl_exit {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_NOT_RUNNING = 2,	/* no daemon, cannot connect, no reply in time */
	EXIT_PERM = 3,
	EXIT_NO_LOG = 4,
	EXIT_PROTO = 5,		/* bad reply, or the daemon reported an error */
};

#define DEFAULT_SOCKET	RUNSTATEDIR "/cmirrord.sock"
#define DEFAULT_TIMEOUT_MS	5000u
#define MAX_TIMEOUT_MS	3600000u

static const char *prog = "cmirrorctl";

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [OPTIONS] COMMAND\n"
"Query a running cmirrord over its control socket.\n"
"\n"
"Commands:\n"
"  status        node id, quorum and every mirror log\n"
"  log UUID      detail of one log, with a picture of its regions\n"
"  stats         requests by type, latencies, group operations, CPG\n"
"                ordering time of our messages\n"
"  dump          the daemon's in-memory debug log ring\n"
"  config        effective options and where each came from\n"
"  ping          check that the daemon answers\n"
"\n"
"Options:\n"
"  -s, --socket PATH      control socket (default %s)\n"
"  -j, --json             print the daemon's JSON reply unchanged\n"
"  -t, --timeout-ms N     give up after N milliseconds (default %u)\n"
"  -r, --reset            with stats: zero the statistics once shown\n"
"  -h, --help             show this help\n"
"  -V, --version          show the version\n"
"\n"
"Exit status: 0 ok, 1 usage error, 2 daemon not running or cannot connect\n"
"(or no reply in time), 3 permission denied, 4 unknown log, 5 protocol\n"
"error or other daemon-side error.\n",
		prog, DEFAULT_SOCKET, DEFAULT_TIMEOUT_MS);
}

static int parse_timeout(const char *s, unsigned *out)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v == 0 || v > MAX_TIMEOUT_MS)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait for `events` on fd until the deadline: 1 ready, 0 timed out,
 * -errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t now = now_ms();
		int r;

		if (now >= deadline)
			return 0;
		r = poll(&p, 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r > 0)
			return 1;
	}
}

static int connect_daemon(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long: %s\n", prog, path);
		return EXIT_USAGE;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return EXIT_NOT_RUNNING;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		*out = fd;
		return EXIT_OK;
	}
	e = errno;
	close(fd);
	if (e == ENOENT || e == ECONNREFUSED)
		fprintf(stderr, "%s: cmirrord is not running (%s: %s)\n", prog,
			path, strerror(e));
	else if (e == EACCES || e == EPERM)
		fprintf(stderr, "%s: permission denied: only root and the "
			"daemon's user may use %s\n", prog, path);
	else
		fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, path,
			strerror(e));
	return e == EACCES || e == EPERM ? EXIT_PERM : EXIT_NOT_RUNNING;
}

/* Send the request and collect the whole reply. */
static int exchange(int fd, const void *req, size_t rlen, uint64_t deadline,
		    struct ctl_reply *rp)
{
	static unsigned char frame[CTL_FRAME_MAX + 1];
	bool sent = false, reset = false;
	int r = 0;

	while (!sent) {
		if (send(fd, req, rlen, MSG_NOSIGNAL) >= 0) {
			sent = true;
		} else if (errno == EAGAIN || errno == EINTR) {
			r = wait_fd(fd, POLLOUT, deadline);
			if (r <= 0)
				goto timeout;
		} else {
			/* A refused peer may still have its error frame
			 * waiting: read before giving up. */
			break;
		}
	}
	for (;;) {
		ssize_t n;

		r = wait_fd(fd, POLLIN, deadline);
		if (r <= 0)
			goto timeout;
		n = recv(fd, frame, sizeof(frame), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 && errno == ECONNRESET && !reset) {
			/* A daemon refusing us closes with our request
			 * unread: the kernel reports the reset before the
			 * error frame queued ahead of it, and only once. */
			reset = true;
			continue;
		}
		if (n < 0 && rp->frames == 0 && !sent) {
			fprintf(stderr, "%s: send: %s\n", prog, strerror(errno));
			return EXIT_NOT_RUNNING;
		}
		if (n < 0) {
			fprintf(stderr, "%s: recv: %s\n", prog, strerror(errno));
			return EXIT_PROTO;
		}
		if (n == 0) {
			fprintf(stderr, "%s: the daemon closed the connection "
				"%s\n", prog, rp->frames ? "mid-reply" :
				"without replying");
			return EXIT_PROTO;
		}
		r = ctl_reply_feed(rp, frame, (size_t)n);
		if (r < 0) {
			fprintf(stderr, "%s: bad reply from the daemon: %s\n",
				prog, strerror(-r));
			return EXIT_PROTO;
		}
		if (r == 1)
			return EXIT_OK;
	}
timeout:
	if (r < 0)
		fprintf(stderr, "%s: poll: %s\n", prog, strerror(-r));
	else
		fprintf(stderr, "%s: no reply from cmirrord in time\n", prog);
	return EXIT_NOT_RUNNING;
}

static int status_exit(int32_t status)
{
	switch (status) {
	case 0:
		return EXIT_OK;
	case -EPERM:
	case -EACCES:
		return EXIT_PERM;
	case -ENOENT:
		return EXIT_NO_LOG;
	default:
		return EXIT_PROTO;
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "reset", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = DEFAULT_SOCKET, *arg = NULL;
	unsigned timeout = DEFAULT_TIMEOUT_MS;
	unsigned char req[CTL_REQ_MAX];
	struct ctl_reply rp;
	uint16_t flags = 0;
	int c, cmd, n, fd, code;

	/* Our own one-line messages: cmirrorctl(8) promises one line. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jt:rhV", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			flags |= CTL_F_JSON;
			break;
		case 'r':
			flags |= CTL_F_RESET;
			break;
		case 't':
			if (parse_timeout(optarg, &timeout) < 0) {
				fprintf(stderr, "%s: --timeout-ms: not a number "
					"of milliseconds in 1..%u: %s\n", prog,
					MAX_TIMEOUT_MS, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("%s %s\n", prog, PACKAGE_VERSION);
			return EXIT_OK;
		case ':':
			fprintf(stderr, "%s: option %s needs an argument (try "
				"--help)\n", prog, argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (optopt)
				fprintf(stderr, "%s: unknown option -%c (try "
					"--help)\n", prog, optopt);
			else
				fprintf(stderr, "%s: unknown option %s (try "
					"--help)\n", prog, argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "%s: no command given (try --help)\n", prog);
		return EXIT_USAGE;
	}
	cmd = ctl_cmd_parse(argv[optind]);
	if (cmd < 0) {
		fprintf(stderr, "%s: unknown command '%s' (try --help)\n", prog,
			argv[optind]);
		return EXIT_USAGE;
	}
	if (cmd == CTL_CMD_LOG) {
		if (optind + 2 != argc || !argv[optind + 1][0]) {
			fprintf(stderr, "%s: usage: log UUID\n", prog);
			return EXIT_USAGE;
		}
		arg = argv[optind + 1];
	} else if (optind + 1 != argc) {
		fprintf(stderr, "%s: '%s' takes no argument\n", prog,
			argv[optind]);
		return EXIT_USAGE;
	}
	if (!ctl_req_flags_valid((uint32_t)cmd, flags)) {	/* only --reset can */
		fprintf(stderr, "%s: --reset goes with stats only\n", prog);
		return EXIT_USAGE;
	}
	n = ctl_req_encode((uint32_t)cmd, flags, arg, req, sizeof(req));
	if (n < 0) {
		fprintf(stderr, "%s: cannot encode the request: %s\n", prog,
			strerror(-n));
		return EXIT_USAGE;
	}

	code = connect_daemon(path, &fd);
	if (code != EXIT_OK)
		return code;
	ctl_reply_init(&rp);
	code = exchange(fd, req, (size_t)n, now_ms() + timeout, &rp);
	close(fd);
	if (code == EXIT_OK) {
		code = status_exit(rp.status);
		if (code == EXIT_OK) {
			if (fwrite(rp.body, 1, rp.body_len, stdout) !=
			    rp.body_len || fflush(stdout) != 0) {
				fprintf(stderr, "%s: writing the output: %s\n",
					prog, strerror(errno));
				code = EXIT_PROTO;
			}
		} else {
			fprintf(stderr, "%s: %s%s", prog,
				rp.body_len ? rp.body : strerror(-rp.status),
				rp.body_len && rp.body[rp.body_len - 1] == '\n' ?
				"" : "\n");
		}
	}
	ctl_reply_free(&rp);
	return code;
}
