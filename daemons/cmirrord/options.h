/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's effective options.  One table (options.c) drives the command
 * line, /etc/cmirrord.conf, --help and the config dump; precedence is
 * command line > file > built-in default.
 */
#ifndef CMIRRORD_OPTIONS_H
#define CMIRRORD_OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmirrord_opts {
	bool foreground;		/* -f, --foreground */
	char config_file[PATH_MAX];	/* -c, --config (default SYSCONFDIR/cmirrord.conf) */
	char pid_file[PATH_MAX];	/* --pid-file (default RUNSTATEDIR/cmirrord.pid) */
	char control_socket[PATH_MAX];	/* --control-socket (default RUNSTATEDIR/cmirrord.sock) */
	char kernel_socket[PATH_MAX];	/* --kernel-socket PATH: seqpacket test transport; "" = netlink */
	bool no_cluster;		/* --no-cluster: single node, no corosync (tests only) */
	uint32_t node_id;		/* --node-id, with --no-cluster (default 1) */
	int log_level;			/* --log-level err|warning|notice|info|debug */
	int log_facility;		/* --syslog-facility daemon|local0..7 */
	char cpg_prefix[32];		/* --cpg-prefix, group name prefix (default "cmirror:") */
	uint32_t batch_max_ops;		/* --batch-max-ops, ops packed per CPG message (default 64) */
	uint32_t clear_delay_ms;	/* --clear-delay-ms, longest wait of an answered CLEAR for company (default 50) */
	uint32_t retry_ms;		/* --retry-ms, CPG TRY_AGAIN retry interval (default 10) */
	bool require_quorum;		/* --quorum require|ignore (default require) */
	bool shared_stream;		/* --shared-stream: one CPG group carries every log (default yes) */
	uint32_t orphan_timeout_s;	/* --orphan-timeout, seconds before a CTR never resumed is freed (default 600) */
	bool lock_memory;		/* --lock-memory: mlockall at startup (default yes) */
	bool oom_protect;		/* --oom-protect: oom_score_adj -1000 (default yes) */
};

/*
 * Parse argv then the config file into *o.  Returns 0, 1 when the program
 * should exit 0 (--help/--version printed), or -errno after printing a
 * message naming the option or "file:line" to stderr.
 */
int options_load(int argc, char **argv, struct cmirrord_opts *o);

/* Write "key = value  # source" lines for every option (config dump). */
int options_dump(const struct cmirrord_opts *o, char *buf, size_t len);

#endif
