// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * cmirror-ksim: the kernel simulator's command line.  Options may come
 * before or after the command word (the test harness prepends --socket and
 * --state-dir).  Exit status: 0 ok, 1 a check failed (violations), 2 an
 * error or a timeout.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ksim.h"

volatile sig_atomic_t ksim_stop;

static void on_signal(int sig)
{
	(void)sig;
	ksim_stop = 1;
}

static void usage(FILE *f)
{
	fputs("usage: cmirror-ksim --socket PATH [options] COMMAND [args]\n"
	      "options:\n"
	      "  --uuid U (ksim-uuid)  --luid N (1)  --ctr \"8192 clustered-core 1024 nosync\"\n"
	      "  --state-dir DIR  --node NAME (ksim)  --slot K (0..7)\n"
	      "  --timeout-ms N (15000)  --reconnect-seconds S (60)  --seed N\n"
	      "  --quiet  --stats\n"
	      "commands:\n"
	      "  up | down\n"
	      "  run [--no-up] [--writes N] [--regions A:B] [--burst K]\n"
	      "      [--mode integrated|mark] [--resync|--no-resync] [--down]\n"
	      "      [--lazy-clear N]  (clear a write's regions N writes later,\n"
	      "      as the region hash does while I/O is in flight)\n"
	      "      [--pace-ms N]  (start a new write at most every N ms)\n"
	      "  resync [--hold-after N]  (after N regions, take the next one's\n"
	      "      work, journal H and hold the slot until killed)\n"
	      "      [--until-sync [--max-seconds S]]  (ask again for work, as\n"
	      "      the kernel does, until every region is in sync)\n"
	      "  wait-sync [--count N] [--max-seconds S]\n"
	      "  query in_sync|is_clean|remote_recovering REGION\n"
	      "  query sync_count|region_size|status_info|status_table\n"
	      "  query mark|clear REGION  (one MARK_REGION / CLEAR_REGION)\n"
	      "  query flush          (one empty FLUSH)\n"
	      "  check-dead NAME...\n"
	      "  verify\n", f);
}

enum {
	O_SOCKET = 256, O_UUID, O_LUID, O_CTR, O_STATE, O_NODE, O_SLOT,
	O_TIMEOUT, O_RECONNECT, O_SEED, O_QUIET, O_STATS, O_NOUP, O_WRITES,
	O_REGIONS, O_BURST, O_MODE, O_RESYNC, O_NORESYNC, O_DOWN, O_COUNT,
	O_MAXSEC, O_LAZY, O_PACE, O_HOLD, O_UNTIL, O_HELP,
};

static const struct option longopts[] = {
	{ "socket", required_argument, NULL, O_SOCKET },
	{ "uuid", required_argument, NULL, O_UUID },
	{ "luid", required_argument, NULL, O_LUID },
	{ "ctr", required_argument, NULL, O_CTR },
	{ "state-dir", required_argument, NULL, O_STATE },
	{ "node", required_argument, NULL, O_NODE },
	{ "slot", required_argument, NULL, O_SLOT },
	{ "timeout-ms", required_argument, NULL, O_TIMEOUT },
	{ "reconnect-seconds", required_argument, NULL, O_RECONNECT },
	{ "seed", required_argument, NULL, O_SEED },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "stats", no_argument, NULL, O_STATS },
	{ "no-up", no_argument, NULL, O_NOUP },
	{ "writes", required_argument, NULL, O_WRITES },
	{ "regions", required_argument, NULL, O_REGIONS },
	{ "burst", required_argument, NULL, O_BURST },
	{ "mode", required_argument, NULL, O_MODE },
	{ "resync", no_argument, NULL, O_RESYNC },
	{ "no-resync", no_argument, NULL, O_NORESYNC },
	{ "down", no_argument, NULL, O_DOWN },
	{ "count", required_argument, NULL, O_COUNT },
	{ "max-seconds", required_argument, NULL, O_MAXSEC },
	{ "lazy-clear", required_argument, NULL, O_LAZY },
	{ "pace-ms", required_argument, NULL, O_PACE },
	{ "hold-after", required_argument, NULL, O_HOLD },
	{ "until-sync", no_argument, NULL, O_UNTIL },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

static int num(const char *opt, const char *s, uint64_t min, uint64_t max,
	       uint64_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || x < min || x > max) {
		fprintf(stderr, "cmirror-ksim: bad --%s '%s'\n", opt, s);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

static int parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	const char *colon = strchr(s, ':');
	char buf[64];
	size_t n;

	if (!colon || (n = (size_t)(colon - s)) >= sizeof(buf)) {
		fprintf(stderr, "cmirror-ksim: --regions A:B\n");
		return -EINVAL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (num("regions", buf, 0, UINT64_MAX, lo) < 0 ||
	    num("regions", colon + 1, 0, UINT64_MAX, hi) < 0)
		return -EINVAL;
	if (*lo > *hi) {
		fprintf(stderr, "cmirror-ksim: --regions A:B needs A <= B\n");
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct ksim_opts *o)
{
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		int r = 0;

		switch (c) {
		case O_SOCKET: o->socket = optarg; break;
		case O_UUID: o->uuid = optarg; break;
		case O_LUID: r = num("luid", optarg, 0, UINT64_MAX, &o->luid); break;
		case O_CTR: o->ctr = optarg; break;
		case O_STATE: o->state_dir = optarg; break;
		case O_NODE: o->node = optarg; break;
		case O_SLOT:
			r = num("slot", optarg, 0, KSIM_SLOTS - 1, &v);
			o->slot = (unsigned)v;
			break;
		case O_TIMEOUT:
			r = num("timeout-ms", optarg, 1, 3600000, &v);
			o->timeout_ms = (unsigned)v;
			break;
		case O_RECONNECT:
			r = num("reconnect-seconds", optarg, 0, 86400, &v);
			o->reconnect_s = (unsigned)v;
			break;
		case O_SEED: r = num("seed", optarg, 0, UINT64_MAX, &o->seed); break;
		case O_QUIET: o->quiet = true; break;
		case O_STATS: o->stats = true; break;
		case O_NOUP: o->no_up = true; break;
		case O_WRITES: r = num("writes", optarg, 0, UINT64_MAX, &o->writes); break;
		case O_REGIONS: r = parse_range(optarg, &o->reg_lo, &o->reg_hi); break;
		case O_BURST:
			r = num("burst", optarg, 1, ULOG_MAX_REGIONS, &v);
			o->burst = (unsigned)v;
			break;
		case O_MODE:
			if (!strcmp(optarg, "integrated"))
				o->mode = KSIM_MODE_INTEGRATED;
			else if (!strcmp(optarg, "mark"))
				o->mode = KSIM_MODE_MARK;
			else {
				fprintf(stderr, "cmirror-ksim: --mode integrated|mark\n");
				r = -EINVAL;
			}
			break;
		case O_RESYNC: o->resync = true; break;
		case O_NORESYNC: o->resync = false; break;
		case O_DOWN: o->down = true; break;
		case O_COUNT:
			r = num("count", optarg, 0, UINT64_MAX, &o->count);
			o->have_count = true;
			break;
		case O_MAXSEC:
			r = num("max-seconds", optarg, 0, 86400, &v);
			o->max_seconds = (unsigned)v;
			break;
		case O_LAZY:
			r = num("lazy-clear", optarg, 0, KSIM_LAZY_MAX, &v);
			o->lazy_clear = (unsigned)v;
			break;
		case O_PACE:
			r = num("pace-ms", optarg, 0, 60000, &v);
			o->pace_ms = (unsigned)v;
			break;
		case O_HOLD:
			r = num("hold-after", optarg, 0, UINT64_MAX, &o->hold_after);
			o->hold = true;
			break;
		case O_UNTIL:
			o->until_sync = true;
			break;
		case 'h': case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	if (!o->socket) {
		fprintf(stderr, "cmirror-ksim: --socket PATH is required\n");
		return -EINVAL;
	}
	if (strlen(o->uuid) > ULOG_UUID_LEN) {
		fprintf(stderr, "cmirror-ksim: --uuid longer than %u\n",
			ULOG_UUID_LEN);
		return -EINVAL;
	}
	return 0;
}

static void init(struct ksim *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = -1;
	k->leg_fd[0] = k->leg_fd[1] = k->lock_fd = -1;
	k->o.uuid = "ksim-uuid";
	k->o.luid = 1;
	k->o.ctr = "8192 clustered-core 1024 nosync";
	k->o.node = "ksim";
	k->o.timeout_ms = 15000;
	k->o.reconnect_s = 60;
	k->o.burst = 1;
	k->o.reg_hi = UINT64_MAX;
	k->o.resync = true;
	k->o.max_seconds = 120;
	k->o.mode = KSIM_MODE_MARK;
}

static int dispatch(struct ksim *k, int argc, char **argv)
{
	const char *cmd = argv[0];
	int r;

	if (!strcmp(cmd, "up") || !strcmp(cmd, "down")) {
		r = cmd[0] == 'u' ? ksim_cmd_up(k) : ksim_cmd_down(k);
		if (r < 0) {
			fprintf(stderr, "cmirror-ksim: %s: %s\n", cmd,
				strerror(-r));
			return 2;
		}
		return 0;
	}
	if (!strcmp(cmd, "run"))
		return ksim_cmd_run(k);
	if (!strcmp(cmd, "resync")) {
		r = ksim_geometry(k);
		if (r == 0) {
			k->table_up = true;
			r = ksim_data_open(k, false, true);
		}
		if (r == 0)
			r = ksim_cmd_resync(k);
		printf("resync: node=%s resynced=%" PRIu64 " violations=%"
		       PRIu64 "\n", k->o.node, k->c.resynced,
		       k->c.violations);
		if (r < 0) {
			fprintf(stderr, "cmirror-ksim: resync: %s\n",
				strerror(-r));
			return 2;
		}
		return k->c.violations ? 1 : 0;
	}
	if (!strcmp(cmd, "wait-sync"))
		return ksim_cmd_wait_sync(k);
	if (!strcmp(cmd, "query"))
		return ksim_cmd_query(k, argc - 1, argv + 1);
	if (!strcmp(cmd, "check-dead"))
		return ksim_cmd_check_dead(k, argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return ksim_cmd_verify(k);
	fprintf(stderr, "cmirror-ksim: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct ksim k;
	int rc;

	init(&k);
	if (parse_opts(argc, argv, &k.o) < 0)
		return 2;
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (ksim_parse_ctr(&k) < 0)
		return 2;
	k.rng = k.o.seed ? k.o.seed :
		(uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	/* Values written are unique per slot across runs of a test. */
	k.counter = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() wakes up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	rc = dispatch(&k, argc - optind, argv + optind);
	ksim_print_stats(&k);
	ksim_free_stats(&k);
	ksim_data_close(&k);
	ksim_close(&k);
	return rc;
}
