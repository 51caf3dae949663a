// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's options: one cfg_option table (below) drives getopt_long,
 * the config file, --help and the effective-config dump.  Keep
 * doc/cmirrord.8 and doc/cmirrord.conf.5 in step with it
 * (test/check_manpage.sh fails the build when an option is missing).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "cmirror/cfgparse.h"
#include "options.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define FIELD(f) offsetof(struct cmirrord_opts, f), \
	sizeof(((struct cmirrord_opts *)0)->f)
/* Socket paths must fit sockaddr_un.sun_path with its NUL. */
#define SUN_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define CONFIG_MAX_BYTES (1u << 20)

static const struct cfg_word level_words[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
	{ "error", LOG_ERR }, { "warn", LOG_WARNING }, { NULL, 0 },
};

static const struct cfg_word facility_words[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 }, { NULL, 0 },
};

static const struct cfg_word quorum_words[] = {
	{ "require", 1 }, { "ignore", 0 }, { NULL, 0 },
};

static const struct cfg_option opt_table[] = {
	{ .name = "foreground", .short_opt = 'f', .type = CFG_BOOL,
	  FIELD(foreground), .def = "no",
	  .help = "do not daemonize; log to stderr instead of syslog" },
	{ .name = "config", .short_opt = 'c', .type = CFG_STRING,
	  FIELD(config_file), .max = PATH_MAX - 1,
	  .def = SYSCONFDIR "/cmirrord.conf", .argname = "PATH",
	  .help = "configuration file",
	  .flags = CFG_F_CLI_ONLY | CFG_F_NONEMPTY },
	{ .name = "pid-file", .type = CFG_STRING, FIELD(pid_file),
	  .max = PATH_MAX - 1, .def = RUNSTATEDIR "/cmirrord.pid",
	  .argname = "PATH", .help = "pid file, locked while running",
	  .flags = CFG_F_NONEMPTY },
	{ .name = "control-socket", .type = CFG_STRING,
	  FIELD(control_socket), .max = SUN_MAX,
	  .def = RUNSTATEDIR "/cmirrord.sock", .argname = "PATH",
	  .help = "unix socket for cmirrorctl (root only)",
	  .flags = CFG_F_NONEMPTY },
	{ .name = "kernel-socket", .type = CFG_STRING, FIELD(kernel_socket),
	  .max = SUN_MAX, .def = "", .argname = "PATH",
	  .help = "serve a kernel simulator on this seqpacket socket "
		  "instead of netlink (testing)" },
	{ .name = "no-cluster", .type = CFG_BOOL, FIELD(no_cluster),
	  .def = "no", .help = "single node, no corosync (testing)" },
	{ .name = "node-id", .type = CFG_UINT, FIELD(node_id), .min = 1,
	  .max = UINT32_MAX, .def = "1", .argname = "N",
	  .help = "this node's id with --no-cluster" },
	{ .name = "log-level", .type = CFG_ENUM, FIELD(log_level),
	  .words = level_words, .def = "info", .argname = "LEVEL",
	  .help = "lowest priority sent to syslog/stderr" },
	{ .name = "syslog-facility", .type = CFG_ENUM, FIELD(log_facility),
	  .words = facility_words, .def = "daemon", .argname = "FACILITY",
	  .help = "syslog facility" },
	{ .name = "cpg-prefix", .type = CFG_STRING, FIELD(cpg_prefix),
	  .max = sizeof(((struct cmirrord_opts *)0)->cpg_prefix) - 1,
	  .def = "cmirror:", .argname = "PREFIX",
	  .help = "prefix of the CPG group names", .flags = CFG_F_NONEMPTY },
	{ .name = "batch-max-ops", .type = CFG_UINT, FIELD(batch_max_ops),
	  .min = 1, .max = 4096, .def = "64", .argname = "N",
	  .help = "operations packed into one CPG message" },
	{ .name = "clear-delay-ms", .type = CFG_UINT, FIELD(clear_delay_ms),
	  .min = 0, .max = 10000, .def = "50", .argname = "MS",
	  .help = "longest wait of an answered CLEAR_REGION for the next "
		  "operation of its log, to share its CPG message (0: none)" },
	{ .name = "retry-ms", .type = CFG_UINT, FIELD(retry_ms), .min = 1,
	  .max = 10000, .def = "10", .argname = "MS",
	  .help = "retry interval when corosync is congested" },
	{ .name = "quorum", .type = CFG_ENUM, FIELD(require_quorum),
	  .words = quorum_words, .def = "require", .argname = "MODE",
	  .help = "hold cluster operations while inquorate" },
	{ .name = "shared-stream", .type = CFG_BOOL, FIELD(shared_stream),
	  .def = "yes", .help = "send every log's messages in one CPG group "
		  "(all nodes must agree; =no: one group per log); each log "
		  "keeps its own group, idle, for corosync-cpgtool" },
	{ .name = "orphan-timeout", .type = CFG_UINT, FIELD(orphan_timeout_s),
	  .min = 1, .max = 604800, .def = "600", .argname = "SECONDS",
	  .help = "free a constructed log never resumed after this long" },
	{ .name = "lock-memory", .type = CFG_BOOL, FIELD(lock_memory),
	  .def = "yes", .help = "lock the daemon's memory (mlockall): no "
		  "swap-out or page read-back while a mirror waits for it" },
	{ .name = "oom-protect", .type = CFG_BOOL, FIELD(oom_protect),
	  .def = "yes", .help = "set oom_score_adj -1000: the OOM killer "
		  "never picks the daemon that every mirror's I/O waits on" },
};

#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))
#define OPT_LONG_BASE 256	/* getopt val for long-only options */

/* Where each value of the last options_load() came from, for the dump. */
static enum cfg_source opt_src[NOPTS];
static bool opt_src_valid;

static void usage(FILE *f)
{
	char *help;
	int n = cfg_render_help(opt_table, NOPTS, NULL, 0);

	fprintf(f, "Usage: cmirrord [OPTION]...\n"
		"Cluster mirror log daemon for dm-log-userspace.\n\n");
	help = malloc((size_t)n + 1);
	if (help) {
		cfg_render_help(opt_table, NOPTS, help, (size_t)n + 1);
		fputs(help, f);
		free(help);
	}
	fprintf(f, "  -h, --help                    show this help and exit\n"
		"  -V, --version                 show the version and exit\n"
		"\nOptions can also be set in the configuration file as "
		"\"name = value\";\nsee cmirrord.conf(5).  "
		"Command line > file > default.\n");
}

/* Read a whole file into a NUL-terminated malloc'd buffer. */
static int read_file(const char *path, char **out, size_t *outlen)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int fd, r = 0;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len + 1 == cap) {
			char *nb;

			if (cap >= CONFIG_MAX_BYTES) {
				r = -EFBIG;
				break;
			}
			nb = realloc(buf, cap * 2);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
out:
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

static int load_file(struct cmirrord_opts *o, enum cfg_source *src,
		     bool explicit)
{
	char err[PATH_MAX + 256], *buf;
	size_t len;
	int r = read_file(o->config_file, &buf, &len);

	if (r == -ENOENT && !explicit)
		return 0;	/* no file: built-in defaults */
	if (r < 0) {
		fprintf(stderr, "cmirrord: cannot read %s: %s\n",
			o->config_file, strerror(-r));
		return r;
	}
	/* The file's own path must survive parsing (it is CLI-only). */
	r = cfg_parse_buffer(opt_table, NOPTS, o, src, buf, len,
			     o->config_file, err, sizeof(err));
	free(buf);
	if (r < 0)
		fprintf(stderr, "cmirrord: %s\n", err);
	return r;
}

static int build_getopt(struct option *lo, char *so)
{
	size_t s = 0, l = 0;

	for (size_t i = 0; i < NOPTS; i++) {
		const struct cfg_option *c = &opt_table[i];
		/* --NAME alone turns a switch on, --NAME=no off (needed for
		 * switches that default to yes); -X takes no argument. */
		int has_arg = c->type == CFG_BOOL ? optional_argument :
			required_argument;

		lo[l++] = (struct option){ c->name, has_arg, NULL,
			c->short_opt ? c->short_opt : OPT_LONG_BASE + (int)i };
		if (c->short_opt) {
			so[s++] = c->short_opt;
			if (c->type != CFG_BOOL)
				so[s++] = ':';
		}
	}
	lo[l++] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[l++] = (struct option){ "version", no_argument, NULL, 'V' };
	lo[l] = (struct option){ NULL, 0, NULL, 0 };
	so[s++] = 'h';
	so[s++] = 'V';
	so[s] = '\0';
	return 0;
}

static int parse_cli(int argc, char **argv, struct cmirrord_opts *o,
		     enum cfg_source *src)
{
	struct option lo[NOPTS + 3];
	char so[2 * NOPTS + 4], err[512];
	int c;

	build_getopt(lo, so);
	optind = 0;	/* glibc: full re-initialisation (SIGHUP reload) */
	opterr = 1;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const struct cfg_option *opt;
		const char *v;

		if (c == 'h') {
			usage(stdout);
			return 1;
		}
		if (c == 'V') {
			printf("cmirrord %s\n", PACKAGE_VERSION);
			return 1;
		}
		if (c >= OPT_LONG_BASE && c < OPT_LONG_BASE + (int)NOPTS)
			opt = &opt_table[c - OPT_LONG_BASE];
		else
			opt = cfg_find_short(opt_table, NOPTS, (char)c);
		if (!opt) {
			fprintf(stderr, "Try 'cmirrord --help'.\n");
			return -EINVAL;
		}
		/* (getopt clears optarg for an option without one) */
		v = opt->type == CFG_BOOL && !optarg ? "yes" : optarg;
		if (cfg_set_value(opt, o, v, strlen(v), true, err,
				  sizeof(err)) < 0) {
			fprintf(stderr, "cmirrord: --%s: %s\n", opt->name, err);
			return -EINVAL;
		}
		src[opt - opt_table] = CFG_SRC_CLI;
	}
	if (optind < argc) {
		fprintf(stderr, "cmirrord: unexpected argument '%s'\n"
			"Try 'cmirrord --help'.\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int options_load(int argc, char **argv, struct cmirrord_opts *o)
{
	enum cfg_source src[NOPTS];
	const struct cfg_option *cf;
	int r;

	memset(o, 0, sizeof(*o));
	r = cfg_set_defaults(opt_table, NOPTS, o, src);
	if (r < 0) {
		fprintf(stderr, "cmirrord: internal error in the option table\n");
		return r;
	}
	r = parse_cli(argc, argv, o, src);
	if (r)
		return r;
	cf = cfg_find(opt_table, NOPTS, "config", strlen("config"));
	r = load_file(o, src, src[cf - opt_table] == CFG_SRC_CLI);
	if (r < 0)
		return r;
	memcpy(opt_src, src, sizeof(opt_src));
	opt_src_valid = true;
	return 0;
}

int options_dump(const struct cmirrord_opts *o, char *buf, size_t len)
{
	return cfg_render_dump(opt_table, NOPTS, o,
			       opt_src_valid ? opt_src : NULL, buf, len);
}
