#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# bench/run.sh - `make bench`: cmirrord against raw CPG on one netns cluster
# (test/integ/lib.sh; 3 nodes, 5 for the node-growth phase), every figure
# printed as a ratio to the raw CPG figure of the same run.  Needs root;
# exits 77 (skip) without it.  No figure here is a pass/fail test.
#
#   BUILDDIR=/path/to/build bench/run.sh
#
# Writes $BUILDDIR/bench/report.md (the table), results.txt (every raw
# output line), latency.png (when gnuplot is installed) and keeps the node
# logs in $BUILDDIR/bench/logs/.  Environment knobs (defaults in brackets):
#   BENCH_SECONDS   length of one throughput run [3]
#   BENCH_IDLE_LOGS idle logs for the scale figure [1000]
#   BENCH_BIG_REGIONS regions of the checkpoint/memory log [134217728]
#   BENCH_PAIR_ROUNDS alternating raw / daemon rounds of the 1-node
#                   mark+flush row [5]
#   BENCH_THINK_US  longest random pause before each send of the
#                   random-arrival latency rows [1000]
#   H_CMIRRORD_ARGS options for every cmirrord (e.g. --shared-stream=no)
# The whole run takes about 2 minutes on 2 cores (2026-12-06, 1000 idle logs).
#
# Phases:
#  a) raw CPG (cpg-bench inside the nodes): round trip (window 1) and
#     msgs/s at windows 1, 8, 64, with 1 and 3 senders, messages the size
#     of the OPS message cmirrord multicasts for one integrated mark+flush
#     (wire header 156 + op count 4 + op header 20 + one region 8 = 188 B);
#     the stable round trip (cpg-bench --ack: multicast until the acks of
#     all other members are delivered, what cmirrord waits for before it
#     answers a FLUSH on a group of several nodes), 3 senders, window 1;
#     bulk streaming of the checkpoint's byte count in the daemon's chunks.
#  b) cmirrord: mark+flush latency of one cmirror-ksim log (integrated
#     flush, clustered-core), once and in BENCH_PAIR_ROUNDS rounds that
#     alternate with short raw round-trip runs; state-changing requests/s (FLUSH with a mark
#     + CLEAR_REGION) with 1, 8, 64 logs, one request in flight per log as
#     dm-raid1 issues them (bench/ulog_load.c), on 1 node (the group has
#     one member) and on 3 nodes (every node drives the same logs); IN_SYNC
#     reads/s (answered locally); the non-integrated write path (ulog-load
#     markwrite: MARK_REGION, empty FLUSH, CLEAR_REGION, empty FLUSH), mark
#     then flush latency of 1 log on 1 and on 3 nodes; mark+flush latency
#     with random arrivals (a random pause before each write cycle, and
#     before each raw message: both sides send at any point of the token's
#     rotation) on 1 and 3 nodes; mark+flush of a clustered-disk log on 1
#     and 3 nodes, integrated and not (mark then flush), and on a
#     2^27-region disk log on 1 node, against the raw
#     round trip plus one synchronous 512-byte
#     write (dd oflag=direct,dsync on the same file system, mean); for the
#     random-arrival rows, where the time goes: the daemon's statistics
#     of the run (cmirrorctl stats --reset before, --json after) split the
#     load generator's mean into the daemon's part, the CPG ordering of
#     its messages within it, and the socket hops outside it, next to the
#     same two hops measured alone (ulog-load hop); the daemon's CPU per
#     write cycle of the 1-node run against cpg-bench's CPU per message;
#     the architecture's floor, cpg-relay (a daemon that answers a FLUSH on
#     the delivery of one CPG message and does nothing else), under the
#     same load generator, back to back and with random arrivals.
#  c) scale: RSS, the daemon's own (anonymous) memory, corosync's IPC
#     buffers on /dev/shm and CPU (ours, and corosync's against an idle
#     window before they came) of BENCH_IDLE_LOGS idle logs, and mark+flush
#     latency of one busy log on the same daemon before and after the idle
#     logs come (what an idle log costs a busy one); a 2^27-region log:
#     RSS per region on the node that created it and on the node that
#     installed its checkpoint; checkpoint time (the joiner's RESUME, which
#     waits for the install) and bytes vs raw bulk CPG.  Node growth: nodes
#     4 and 5 join the ring; with 1, 3 and 5 nodes, the raw round trip,
#     stable round trip and msgs/s (window 8, every node sending: the same
#     8 requests in flight per node as the cmirrord side) against mark+flush
#     latency and requests/s of 8 logs written from every one of those nodes.
set -u

top_srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILDDIR=${BUILDDIR:-$top_srcdir/build}
top_builddir=$BUILDDIR
export top_srcdir top_builddir
OUT=$BUILDDIR/bench
SECS=${BENCH_SECONDS:-3}
THINK_US=${BENCH_THINK_US:-1000}
IDLE_LOGS=${BENCH_IDLE_LOGS:-1000}
BIG_REGIONS=${BENCH_BIG_REGIONS:-134217728}
PAIR_ROUNDS=${BENCH_PAIR_ROUNDS:-5}
REGION_SECTORS=1024
OPS_MSG=188
RES=$OUT/results.txt
CPGB=$BUILDDIR/cpg-bench
ULOAD=$OUT/ulog-load

mkdir -p "$OUT" || exit 1
: >"$RES"
for b in cmirrord cmirror-ksim cmirrorctl cpg-bench; do
	[ -x "$BUILDDIR/$b" ] || { echo "bench: no $BUILDDIR/$b (make first)" >&2; exit 1; }
done

# ulog-load is a benchmark helper, not a product: built here, with the
# configured compiler and the same warnings, so the Makefile needs nothing.
CC=$(sed -n 's/^CC = //p' "$BUILDDIR/Makefile")
# shellcheck disable=SC2086
${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
	-Wmissing-prototypes -Wstrict-prototypes -Wno-unused-parameter \
	-I"$top_srcdir/include" -I"$BUILDDIR" "$top_srcdir/bench/ulog_load.c" \
	"$top_srcdir/lib/ulog.c" "$top_srcdir/lib/ulog_ops.c" -o "$ULOAD" || exit 1

# shellcheck source=test/integ/lib.sh disable=SC1091
. "$top_srcdir/test/integ/lib.sh"

# 1,000 logs are 1,000 CPG handles (and a few fds each) in one daemon.
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true

B_T0=$SECONDS
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
b_log() { h_log "bench: $*"; }
# field NAME LINE: the value of NAME=... in a result line
field() { sed -n "s/.*[ :]$1=\([^ ]*\).*/\1/p" <<<"$2" | head -1; }
rec() { echo "$1" | tee -a "$RES" >&2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else print "n/a" }'; }
# verdict RATIO OP LIMIT
verdict() { awk -v r="$1" -v op="$2" -v l="$3" 'BEGIN {
	if (r == "n/a") { print "?"; exit }
	ok = (op == "<=") ? (r <= l) : (r >= l); print ok ? "met" : "MISSED" }'; }
# status_kb PID FIELD: a KiB figure of /proc/PID/status (VmRSS, RssAnon).
status_kb() { sed -n "s/^$2:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$1/status"; }
rss_kb() { status_kb "$1" VmRSS; }
# shm_kb NODE: KiB in use on the node's /dev/shm, where corosync puts the
# ring buffers of every IPC connection (libcpg sizes them; a CPG handle is
# one connection, and a handle joins one group).
shm_kb() { h_exec "$1" df -k --output=used /dev/shm | tail -1 | tr -d ' '; }
cpu_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
# cpu_ns PID: CPU time of all its threads in ns (schedstat: ticks are too
# coarse for what 1000 idle logs cost in 10 s).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f", s }'; }
daemon_pid() { h__pid "$1" cmirrord; }
# jnum OBJECT KEY JSON: a number inside "OBJECT":{...} of cmirrorctl's JSON
jnum() { sed -n "s/.*\"$1\":{[^}]*\"$2\":\([0-9]*\).*/\1/p" <<<"$3" | head -1; }
# The daemon's own view of a run: its statistics are zeroed before the run
# and read after it (cmirrorctl stats --reset / --json).
dstats_reset() { h_cmirrorctl "$1" --reset stats >/dev/null; }
dstats() { h_cmirrorctl "$1" --json stats | tr -d '\n'; }
uload() {	# NODE ARGS...: ulog-load against the node's daemon
	local i=$1
	shift
	h_exec "$i" "$ULOAD" --socket "$(h_kernel_sock "$i")" "$@"
}
# settle NODE: wait until the daemon has had nothing to do for a moment
# (joins, checkpoints and delayed flushes of the previous phase are over).
settle() {
	local p a b
	p=$(daemon_pid "$1") || return 0
	for _ in $(seq 50); do
		a=$(cpu_ticks "$p"); sleep 0.2; b=$(cpu_ticks "$p")
		[ "$a" = "$b" ] && return 0
	done
}

# raw_k K GROUP WINDOW COUNT [ARGS...]: cpg-bench on nodes 1..K at once,
# each sending COUNT (ARGS: e.g. --ack); prints node 1's result line.
raw_k() {
	local k=$1 g=$2 w=$3 n=$4 i pids=''
	shift 4
	for i in $(seq "$k"); do
		h_exec "$i" "$CPGB" --group "$g" --size $OPS_MSG --window "$w" \
			--count "$n" --senders "$k" "$@" >"$OUT/raw.$i" 2>&1 &
		pids="$pids $!"
	done
	# (not a bare wait: corosync and the holders are our children too)
	# shellcheck disable=SC2086
	wait $pids
	grep cpgbench: "$OUT/raw.1" || { cat "$OUT"/raw.* >&2; return 1; }
	rm -f "$OUT"/raw.*
}
# write_k K PREFIX NLOGS [MODE [SECONDS]]: NLOGS logs up on nodes 1..K, then
# the write load (ulog-load MODE, default write, for SECONDS, default
# $SECS, plus the options in WK_ARGS) on all K at once; sets W_RPS (sum over
# nodes), W_P50/W_P99 (node 1).
write_k() {
	local k=$1 pre=$2 n=$3 mode=${4:-write} secs=${5:-$SECS} i pids='' line
	for i in $(seq "$k"); do
		uload "$i" --prefix "$pre" --logs "$n" --ctr "$CTR" up >/dev/null || return 1
	done
	settle 1
	dstats_reset 1 || return 1
	for i in $(seq "$k"); do
		# shellcheck disable=SC2086
		uload "$i" --prefix "$pre" --logs "$n" --ctr "$CTR" --seconds "$secs" \
			${WK_ARGS:-} "$mode" >"$OUT/w.$i" 2>&1 &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	W_RPS=0
	for i in $(seq "$k"); do
		line=$(grep uload: "$OUT/w.$i") || { cat "$OUT/w.$i" >&2; return 1; }
		rec "cmirrord nodes=$k node=$i $line"
		W_RPS=$(awk -v a="$W_RPS" -v b="$(field reqs_per_s "$line")" 'BEGIN { print a + b }')
	done
	line=$(grep uload: "$OUT/w.1")
	W_P50=$(field p50_us "$line"); W_P99=$(field p99_us "$line")
	W_MEAN=$(field mean_us "$line")
	W_STATS=$(dstats 1) || return 1
	rm -f "$OUT"/w.*
}

# Five nodes in the nodelist, three running: the main phases use a 3-node
# ring; nodes 4 and 5 join for the node-growth phase at the end.
h_setup 5 || exit 1
H_ARTIFACTS=$OUT/logs
rm -rf "$H_ARTIFACTS"
for i in 1 2 3; do h_start_corosync "$i" || exit 1; done
h_wait_quorate 1 60 || exit 1
h_wait_members 1 3 60 || exit 1

# ---- a) raw CPG --------------------------------------------------------
b_log "raw CPG: ${OPS_MSG}-byte messages"
declare -A RAW
for w in 1 8 64; do
	n=$((w == 1 ? 1000 : 4000))
	line=$(h_exec 1 "$CPGB" --group raw1-w$w --size $OPS_MSG --window $w \
		--count $n --senders 1) || { b_log "cpg-bench failed"; exit 1; }
	rec "raw senders=1 $line"
	RAW[1,$w,p50]=$(field p50_us "$line"); RAW[1,$w,p99]=$(field p99_us "$line")
	RAW[1,$w,mps]=$(field msgs_per_s "$line")
	line=$(raw_k 3 raw3-w$w $w $((n / 2))) || exit 1
	rec "raw senders=3 $line"
	RAW[3,$w,p50]=$(field p50_us "$line"); RAW[3,$w,p99]=$(field p99_us "$line")
	RAW[3,$w,mps]=$(field msgs_per_s "$line")
done
# The stable round trip: what a FLUSH on a group of several members waits
# for in cmirrord (its own delivery and every other member's ack of it).
b_log "raw CPG: stable round trip (mcast + acks of all members), 3 senders"
line=$(raw_k 3 rawack3-w1 1 500 --ack) || exit 1
rec "raw stable senders=3 $line"
RAWS_P50=$(field p50_us "$line"); RAWS_P99=$(field p99_us "$line")

# ---- daemons -----------------------------------------------------------
for i in 1 2 3; do h_start_cmirrord "$i" --log-level info || exit 1; done
CHUNK=$(sed -n 's/.*checkpoint chunks of \([0-9]*\) bytes.*/\1/p' \
	"$(h_node_dir 1)/log/cmirrord.log" | head -1)
CHUNK=${CHUNK:-262144}

# ---- b) latency: one cmirror-ksim log ----------------------------------
b_log "mark+flush latency: cmirror-ksim, 1 log, integrated flush"
CTR="8192 clustered-core $REGION_SECTORS nosync"
out=$(h_ksim 1 --uuid bench-ksim --ctr "$CTR" --quiet --stats run \
	--mode integrated --writes 1000 --no-resync --down 2>&1) ||
	{ echo "$out" >&2; b_log "cmirror-ksim failed"; exit 1; }
line=$(grep 'type=FLUSH ' <<<"$out")
rec "ksim 1node $line"
K_P50=$(field p50_us "$line"); K_P99=$(field p99_us "$line")

# Paired rounds.  The raw round trip above ran minutes before this, and on
# a small VM the 1-node ratio moved by 0.5x from one `make bench` to the
# next (where the scheduler puts three busy processes on two vCPUs).
# Alternate short raw and daemon runs and keep every round's ratio: the
# median says more than one pair, the range shows the noise.
b_log "mark+flush vs raw RTT, 1 node: $PAIR_ROUNDS alternating rounds"
PAIR_R=() PAIR_K=() PAIR_X=()
for r in $(seq "$PAIR_ROUNDS"); do
	line=$(h_exec 1 "$CPGB" --group rawpair$r --size $OPS_MSG --window 1 \
		--count 300 --senders 1) || { b_log "cpg-bench failed"; exit 1; }
	rec "raw pair round=$r $line"
	PAIR_R+=("$(field p50_us "$line")")
	out=$(h_ksim 1 --uuid bench-pair$r --ctr "$CTR" --quiet --stats run \
		--mode integrated --writes 300 --no-resync --down 2>&1) ||
		{ echo "$out" >&2; b_log "cmirror-ksim failed"; exit 1; }
	line=$(grep 'type=FLUSH ' <<<"$out")
	rec "ksim pair round=$r $line"
	PAIR_K+=("$(field p50_us "$line")")
	PAIR_X+=("$(ratio "${PAIR_K[-1]}" "${PAIR_R[-1]}")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
PAIR_RMED=$(median "${PAIR_R[@]}"); PAIR_KMED=$(median "${PAIR_K[@]}")
PAIR_XMED=$(median "${PAIR_X[@]}")
PAIR_XRANGE="$(printf '%s\n' "${PAIR_X[@]}" | sort -g | head -1)-$(printf '%s\n' "${PAIR_X[@]}" | sort -g | tail -1)"
rec "pair rounds=$PAIR_ROUNDS ratios=$(IFS=,; echo "${PAIR_X[*]}") median=$PAIR_XMED"

# ---- b) requests/s with 1, 8, 64 logs ----------------------------------
declare -A D
for n in 1 8 64; do
	b_log "write load: $n logs on node 1"
	uload 1 --prefix w1-$n --logs "$n" --ctr "$CTR" up >/dev/null || exit 1
	line=$(uload 1 --prefix w1-$n --logs "$n" --ctr "$CTR" --seconds "$SECS" write) || exit 1
	rec "cmirrord nodes=1 $line"
	D[1,$n,rps]=$(field reqs_per_s "$line")
	D[1,$n,p50]=$(field p50_us "$line"); D[1,$n,p99]=$(field p99_us "$line")

	b_log "write load: $n logs on 3 nodes"
	write_k 3 w3-$n "$n" || exit 1
	D[3,$n,rps]=$W_RPS; D[3,$n,p50]=$W_P50; D[3,$n,p99]=$W_P99
done

# The non-integrated write path (no integrated_flush, the default of most
# tables): MARK_REGION, empty FLUSH, CLEAR_REGION, empty FLUSH; latency from
# the MARK_REGION until the answer of the FLUSH after it.  1 log, on node 1
# alone (the w1-1 log of above) and on 3 nodes (fresh logs, as write_k does).
MW_SECS=$((SECS < 2 ? SECS : 2))
b_log "mark then flush (non-integrated): 1 log on node 1"
settle 1
line=$(uload 1 --prefix w1-1 --logs 1 --ctr "$CTR" --seconds "$MW_SECS" markwrite) || exit 1
rec "cmirrord nodes=1 $line"
MW1_P50=$(field p50_us "$line"); MW1_P99=$(field p99_us "$line")
b_log "mark then flush (non-integrated): 1 log on 3 nodes"
write_k 3 m3-1 1 markwrite "$MW_SECS" || exit 1
MW3_P50=$W_P50; MW3_P99=$W_P99

# Random arrivals.  Back to back, each side's next send falls where its own
# completion puts it in the token's rotation: the raw side multicasts at
# once, the daemon only after a round through the load generator, and that
# phase alone favours one side or the other by up to a rotation (on 1 node
# the raw side waits longer, on 3 nodes the daemon).  With a random pause of
# 0..THINK_US before each raw message and each write cycle, sends fall at any
# point of the rotation, as independent writes do.  The pause is not timed.
b_log "random arrivals (pause 0..$THINK_US us): raw CPG"
line=$(h_exec 1 "$CPGB" --group rawthink1 --size $OPS_MSG --window 1 \
	--count 1000 --senders 1 --think-us "$THINK_US") || exit 1
rec "raw think senders=1 $line"
RT1_P50=$(field p50_us "$line"); RT1_P99=$(field p99_us "$line")
RT1_MEAN=$(field mean_us "$line"); RT1_CPU=$(field cpu_us_per_msg "$line")
line=$(raw_k 3 rawthink3 1 500 --think-us "$THINK_US") || exit 1
rec "raw think senders=3 $line"
RT3_P50=$(field p50_us "$line"); RT3_P99=$(field p99_us "$line")
line=$(raw_k 3 rawthinkack3 1 500 --ack --think-us "$THINK_US") || exit 1
rec "raw stable think senders=3 $line"
RTS_P50=$(field p50_us "$line"); RTS_P99=$(field p99_us "$line")
RTS_MEAN=$(field mean_us "$line")
b_log "random arrivals: 1 log on node 1, 1 log on 3 nodes"
settle 1
dstats_reset 1 || exit 1
cpu0=$(cpu_ns "$(daemon_pid 1)")
line=$(uload 1 --prefix w1-1 --logs 1 --ctr "$CTR" --seconds "$SECS" \
	--think-us "$THINK_US" write) || exit 1
cpu1=$(cpu_ns "$(daemon_pid 1)")
rec "cmirrord think nodes=1 $line"
T1_P50=$(field p50_us "$line"); T1_P99=$(field p99_us "$line")
# The daemon's CPU per write cycle (FLUSH with the mark, then CLEAR_REGION,
# one CPG message), next to cpg-bench's CPU per message of the same pauses.
T1_CPU=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$(field reqs "$line")" \
	'BEGIN { if (n > 1) printf "%.1f", (b - a) / 1000 / (n / 2); else print "" }')
rec "cmirrord think nodes=1 cpu_us_per_cycle=$T1_CPU"
# The floor of the two socket hops on this machine: the same pauses, a
# request and its answer between two processes, no daemon work.
hop=$(h_exec 1 "$ULOAD" --seconds "$SECS" --think-us "$THINK_US" hop) || exit 1
rec "hop $hop"
HOP_MEAN=$(field mean_us "$hop")
# The floor of the architecture: cpg-relay, a daemon that answers a FLUSH
# on its own delivery of one CPG message of the same size and anything else
# at once, with no state (what cmirrord does on one node, minus the log).
# The same load generator, back to back and with the same pauses.
RSOCK=$(h_node_dir 1)/run/relay.sock
h__spawn 1 relay "$BUILDDIR/cpg-relay" --socket "$RSOCK" --group bench-relay \
	--size "$OPS_MSG" || exit 1
for _ in $(seq 100); do [ -S "$RSOCK" ] && break; sleep "$H_POLL"; done
[ -S "$RSOCK" ] || { b_log "cpg-relay did not start"; exit 1; }
h_exec 1 "$ULOAD" --socket "$RSOCK" --prefix w1-1 --logs 1 --ctr "$CTR" up >/dev/null || exit 1
line=$(h_exec 1 "$ULOAD" --socket "$RSOCK" --prefix w1-1 --logs 1 --ctr "$CTR" \
	--seconds "$SECS" write) || exit 1
rec "relay nodes=1 $line"
RL_P50=$(field p50_us "$line"); RL_P99=$(field p99_us "$line")
line=$(h_exec 1 "$ULOAD" --socket "$RSOCK" --prefix w1-1 --logs 1 --ctr "$CTR" \
	--seconds "$SECS" --think-us "$THINK_US" write) || exit 1
rec "relay think nodes=1 $line"
RLT_P50=$(field p50_us "$line"); RLT_P99=$(field p99_us "$line")
h__kill 1 relay TERM || exit 1
# Where the time goes (means add up, percentiles do not): the load
# generator's figure = the daemon's (request in to answer queued, of which
# the CPG ordering of its messages) + the two socket hops and wake-ups.
T1_MEAN=$(field mean_us "$line")
json=$(dstats 1) || exit 1
rec "stats think nodes=1 node=1 $json"
T1_DMN=$(jnum FLUSH mean_us "$json"); T1_ORD=$(jnum order mean_us "$json")
WK_ARGS="--think-us $THINK_US" write_k 3 t3-1 1 || exit 1
T3_P50=$W_P50; T3_P99=$W_P99; T3_MEAN=$W_MEAN
rec "stats think nodes=3 node=1 $W_STATS"
T3_DMN=$(jnum FLUSH mean_us "$W_STATS"); T3_ORD=$(jnum order mean_us "$W_STATS")

# A clustered-disk log: the FLUSH also waits for the device.  Its baseline
# adds one synchronous 512-byte write (O_DIRECT|O_DSYNC, what the daemon's
# writes are on this file system) to the raw round trip; dd's mean.
b_log "clustered-disk log: 1 log on node 1, 1 log on 3 nodes; dd baseline"
truncate -s 1M "$H_DIR/bench-d1.img" "$H_DIR/bench-d3.img" \
	"$H_DIR/bench-dm3.img" || exit 1
DCTR="8192 clustered-disk $H_DIR/bench-d1.img $REGION_SECTORS nosync"
uload 1 --prefix d1 --logs 1 --ctr "$DCTR" up >/dev/null || exit 1
settle 1
line=$(uload 1 --prefix d1 --logs 1 --ctr "$DCTR" --seconds "$SECS" write) || exit 1
rec "cmirrord disk nodes=1 $line"
DK1_P50=$(field p50_us "$line")
line=$(uload 1 --prefix d1 --logs 1 --ctr "$DCTR" --seconds "$MW_SECS" markwrite) || exit 1
rec "cmirrord disk nodes=1 $line"
DKM1_P50=$(field p50_us "$line")
# The same on a 2^27-region disk log (a 16 MiB bitmap): a write covers the
# blocks that changed, not the area.
truncate -s 20M "$H_DIR/bench-dbig.img" || exit 1
DCTR="$(((1 << 27) * REGION_SECTORS)) clustered-disk $H_DIR/bench-dbig.img $REGION_SECTORS nosync"
uload 1 --prefix dbig --logs 1 --ctr "$DCTR" up >/dev/null || exit 1
line=$(uload 1 --prefix dbig --logs 1 --ctr "$DCTR" --seconds "$SECS" \
	--regions $((1 << 27)) write) || exit 1
rec "cmirrord disk-2^27 nodes=1 $line"
DKB1_P50=$(field p50_us "$line")
CTR="8192 clustered-disk $H_DIR/bench-d3.img $REGION_SECTORS nosync" \
	write_k 3 d3 1 || exit 1
DK3_P50=$W_P50
CTR="8192 clustered-disk $H_DIR/bench-dm3.img $REGION_SECTORS nosync" \
	write_k 3 dm3 1 markwrite "$MW_SECS" || exit 1
DKM3_P50=$W_P50
line=$(dd if=/dev/zero of="$H_DIR/bench-dd.img" bs=512 count=1000 \
	oflag=direct,dsync 2>&1 | tail -1)
rec "dd 1000 x 512 B direct,dsync: $line"
DD_US=$(awk -v l="$line" 'BEGIN { n = split(l, w, " "); for (i = 1; i < n; i++)
	if (w[i + 1] == "s,") { printf "%.0f", w[i] * 1e6 / 1000; exit } }')
DDR1=$(awk -v a="${RAW[1,1,p50]}" -v b="$DD_US" 'BEGIN { if (b != "") print a + b }')
DDRS=$(awk -v a="$RAWS_P50" -v b="$DD_US" 'BEGIN { if (b != "") print a + b }')

b_log "IN_SYNC reads: 64 logs x 4 in flight on node 1"
line=$(uload 1 --prefix w1-64 --logs 64 --ctr "$CTR" --seconds "$SECS" \
	--window 4 read) || exit 1
rec "cmirrord reads $line"
READ_RPS=$(field reqs_per_s "$line")

# ---- c) idle logs ------------------------------------------------------
b_log "scale: $IDLE_LOGS idle logs on node 3"
# One busy log on node 3 (a group of one), written before and after the
# idle logs come: what an idle log costs every request of a busy one.
uload 3 --prefix solo3 --logs 1 --ctr "$CTR" up >/dev/null || exit 1
settle 3
line=$(uload 3 --prefix solo3 --logs 1 --ctr "$CTR" --seconds "$SECS" write) || exit 1
rec "cmirrord beside=0 node=3 $line"
S0_P50=$(field p50_us "$line")
p3=$(daemon_pid 3)
rss0=$(rss_kb "$p3"); anon0=$(status_kb "$p3" RssAnon); shm0=$(shm_kb 3)
# corosync's CPU while idle, before and after the idle logs: what their
# connections cost it (the token's rotation costs the same in both).
cs3=$(h__pid 3 corosync)
k0=$(cpu_ns "$cs3"); u0=$(date +%s.%N)
sleep 5
k1=$(cpu_ns "$cs3"); u1=$(date +%s.%N)
IDLE_CTR="2097152 clustered-core $REGION_SECTORS nosync"	# 1 GiB, 2048 regions
# Bringing them up (all at once, as LVM activates a volume group): the
# wall time, and whose CPU it takes (each join is a new IPC connection to
# corosync, whose ring buffers corosync allocates and fills).
d_up0=$(cpu_ns "$p3"); k_up0=$(cpu_ns "$cs3")
line=$(uload 3 --prefix idle --logs "$IDLE_LOGS" --ctr "$IDLE_CTR" up) ||
	{ b_log "idle logs: up failed"; exit 1; }
d_up1=$(cpu_ns "$p3"); k_up1=$(cpu_ns "$cs3")
rec "idle up $line"
UP_SECS=$(field secs "$line")
UP_CPU=$(awk -v a="$d_up0" -v b="$d_up1" -v c="$k_up0" -v d="$k_up1" \
	'BEGIN { printf "%.1f / %.1f", (b - a) / 1e9, (d - c) / 1e9 }')
rec "idle up secs=$UP_SECS cpu_s_daemon_corosync=$UP_CPU"
settle 3
rss1=$(rss_kb "$p3"); anon1=$(status_kb "$p3" RssAnon); shm1=$(shm_kb 3)
c0=$(cpu_ns "$p3"); k2=$(cpu_ns "$cs3"); t0=$(date +%s.%N)
sleep 10
c1=$(cpu_ns "$p3"); k3=$(cpu_ns "$cs3"); t1=$(date +%s.%N)
per_log() { awk -v a="$1" -v b="$2" -v n="$IDLE_LOGS" 'BEGIN { printf "%.1f", (b - a) / n }'; }
IDLE_RSS=$(per_log "$rss0" "$rss1")
IDLE_ANON=$(per_log "$anon0" "$anon1")
IDLE_SHM=$(per_log "$shm0" "$shm1")
IDLE_CPU=$(awk -v a="$c0" -v b="$c1" -v s0="$t0" -v s1="$t1" -v n="$IDLE_LOGS" \
	'BEGIN { printf "%.3f", (b - a) / 1e3 / (s1 - s0) / n }')	# CPU-us per s per log
# Both as rates: the token's rotation dominates, and the difference is
# within its noise (it came out negative in a run).
cpu_ms_per_s() { awk -v a="$1" -v b="$2" -v s0="$3" -v s1="$4" 'BEGIN { printf "%.2f", (b - a) / 1e6 / (s1 - s0) }'; }
CS_CPU0=$(cpu_ms_per_s "$k0" "$k1" "$u0" "$u1")
CS_CPU1=$(cpu_ms_per_s "$k2" "$k3" "$t0" "$t1")
rec "idle logs=$IDLE_LOGS rss_before_kb=$rss0 rss_after_kb=$rss1 kb_per_log=$IDLE_RSS anon_before_kb=$anon0 anon_after_kb=$anon1 anon_kb_per_log=$IDLE_ANON shm_before_kb=$shm0 shm_after_kb=$shm1 shm_kb_per_log=$IDLE_SHM cpu_us_per_s_per_log=$IDLE_CPU corosync_cpu_ms_per_s_before=$CS_CPU0 corosync_cpu_ms_per_s_with=$CS_CPU1"
line=$(uload 3 --prefix solo3 --logs 1 --ctr "$CTR" --seconds "$SECS" write) || exit 1
rec "cmirrord beside=$IDLE_LOGS node=3 $line"
S1_P50=$(field p50_us "$line")

# ---- c) the 2^27-region log: memory and checkpoint ----------------------
b_log "scale: $BIG_REGIONS-region log on node 1, checkpoint to node 2"
BIG_CTR="$((BIG_REGIONS * REGION_SECTORS)) clustered-core $REGION_SECTORS nosync"
settle 1; settle 2
p1=$(daemon_pid 1); p2=$(daemon_pid 2)
m1a=$(rss_kb "$p1"); m2a=$(rss_kb "$p2")
line=$(uload 1 --prefix big --logs 1 --ctr "$BIG_CTR" up) || exit 1
rec "big up node=1 $line"
settle 1
m1b=$(rss_kb "$p1")
line=$(uload 2 --prefix big --logs 1 --ctr "$BIG_CTR" up) || exit 1
rec "big up node=2 (checkpoint) $line"
CK_US=$(field p50_us "$line")
settle 1; settle 2
m1c=$(rss_kb "$p1"); m2b=$(rss_kb "$p2")
CK_BYTES=$(sed -n 's/.*big-0: checkpoint of \([0-9]*\) bytes sent.*/\1/p' \
	"$(h_node_dir 1)/log/cmirrord.log" | tail -1)
BITS1=$(awk -v a="$m1a" -v b="$m1b" -v n="$BIG_REGIONS" 'BEGIN { printf "%.2f", (b - a) * 8192 / n }')
BITS2=$(awk -v a="$m2a" -v b="$m2b" -v n="$BIG_REGIONS" 'BEGIN { printf "%.2f", (b - a) * 8192 / n }')
BITS1C=$(awk -v a="$m1a" -v b="$m1c" -v n="$BIG_REGIONS" 'BEGIN { printf "%.2f", (b - a) * 8192 / n }')
rec "big regions=$BIG_REGIONS ckpt_bytes=${CK_BYTES:-?} resume_us=$CK_US node1_rss_kb=$m1a->$m1b->$m1c node2_rss_kb=$m2a->$m2b bits_per_region_node1=$BITS1 after_ckpt=$BITS1C node2=$BITS2"

b_log "raw CPG bulk: ${CK_BYTES:-0} bytes in $CHUNK-byte messages"
RAW_BULK=
if [ -n "${CK_BYTES:-}" ]; then
	h_exec 1 "$CPGB" --group rawbulk --bulk "$CK_BYTES" --chunk "$CHUNK" \
		--role send >"$OUT/bulk.1" 2>&1 &
	sp=$!
	sleep 0.5	# the sender is a member first, as node 1's daemon was
	line=$(h_exec 2 "$CPGB" --group rawbulk --bulk "$CK_BYTES" --chunk "$CHUNK" \
		--role recv) || { b_log "bulk receiver failed"; }
	wait "$sp"
	rec "rawbulk $line"
	rec "rawbulk $(cat "$OUT/bulk.1")"
	RAW_BULK=$(field join_to_last_us "$line")
	rm -f "$OUT/bulk.1"
fi

# ---- c) node growth: 1, 3, 5 nodes on a 5-node ring ---------------------
b_log "node growth: nodes 4 and 5 join the ring"
for i in 4 5; do h_start_corosync "$i" || exit 1; done
h_wait_members 1 5 60 || exit 1
for i in 4 5; do h_start_cmirrord "$i" --log-level info || exit 1; done
declare -A G
for k in 1 3 5; do
	b_log "node growth: $k node(s): raw CPG (window 8), then 8 logs written on each"
	line=$(raw_k "$k" grow$k 8 $((2400 / k))) || exit 1
	rec "grow raw senders=$k $line"
	G[$k,rp50]=$(field p50_us "$line"); G[$k,rmps]=$(field msgs_per_s "$line")
	line=$(raw_k "$k" growack$k 8 $((2400 / k)) --ack) || exit 1
	rec "grow raw stable senders=$k $line"
	G[$k,sp50]=$(field p50_us "$line")
	write_k "$k" g$k 8 || exit 1
	G[$k,rps]=$W_RPS; G[$k,p50]=$W_P50
done

for i in 1 2 3; do
	rec "stats node=$i $(h_cmirrorctl "$i" stats 2>&1 | tr '\n' ' ' | tr -s ' ')"
done

# ---- report ------------------------------------------------------------
REPORT=$OUT/report.md
{
	echo "# cmirrord benchmark ($(date -u +%F\ %T) UTC, $(nproc) CPUs, load average before/after: $LOAD0 / $(cut -d' ' -f1-3 /proc/loadavg))"
	echo
	echo "3-node netns cluster (knet aes256/sha256); nodes 4 and 5 join for the node-growth table."
	echo
	echo "cmirrord options: ${H_CMIRRORD_ARGS:-(defaults: one shared stream for all logs)}."
	echo
	echo "Raw CPG: cpg-bench, ${OPS_MSG}-byte messages (one integrated mark+flush OPS message)."
	echo "Ratios are cmirrord / raw CPG of the same run; for latency lower is better, for rates higher."
	echo
	echo "| figure | cmirrord | raw CPG | ratio | target | |"
	echo "|---|---:|---:|---:|---|---|"
	row() {	# NAME VALUE RAW TARGET-OP TARGET-LIMIT
		local r v
		r=$(ratio "$2" "$3")
		if [ -n "$4" ]; then v=$(verdict "$r" "$4" "$5"); echo "| $1 | $2 | $3 | $r | $4 $5x | $v |"
		else echo "| $1 | $2 | $3 | $r | | |"; fi
	}
	row "mark+flush p50 us (ksim, 1 log, 1 node) vs RTT w=1" "$K_P50" "${RAW[1,1,p50]}" "<=" 1.2
	row "mark+flush p99 us (ksim, 1 log, 1 node) vs RTT w=1" "$K_P99" "${RAW[1,1,p99]}" "<=" 1.5
	echo "| mark+flush p50 us (ksim, 1 log, 1 node) vs RTT w=1, $PAIR_ROUNDS alternating rounds of 300: medians; ratio = median of the rounds' ratios (their range) | $PAIR_KMED | $PAIR_RMED | $PAIR_XMED ($PAIR_XRANGE) | <= 1.2x | $(verdict "$PAIR_XMED" "<=" 1.2) |"
	row "mark+flush p50 us (1 log, 3 nodes) vs RTT 3 senders" "${D[3,1,p50]}" "${RAW[3,1,p50]}" "<=" 1.2
	row "mark+flush p99 us (1 log, 3 nodes) vs RTT 3 senders" "${D[3,1,p99]}" "${RAW[3,1,p99]}" "<=" 1.5
	row "mark+flush p50 us (1 log, 3 nodes) vs raw stable RTT (mcast + acks of all members), 3 senders" "${D[3,1,p50]}" "$RAWS_P50" "" ""
	row "mark+flush p99 us (1 log, 3 nodes) vs raw stable RTT (mcast + acks of all members), 3 senders" "${D[3,1,p99]}" "$RAWS_P99" "" ""
	row "mark+flush p50 us (1 log, 1 node), random arrivals, vs RTT w=1 with the same pauses" "$T1_P50" "$RT1_P50" "<=" 1.2
	row "mark+flush p99 us (1 log, 1 node), random arrivals, vs RTT w=1 with the same pauses" "$T1_P99" "$RT1_P99" "<=" 1.5
	row "mark+flush p50 us (1 log, 3 nodes), random arrivals, vs RTT 3 senders with the same pauses" "$T3_P50" "$RT3_P50" "<=" 1.2
	row "mark+flush p99 us (1 log, 3 nodes), random arrivals, vs RTT 3 senders with the same pauses" "$T3_P99" "$RT3_P99" "<=" 1.5
	row "mark+flush p50 us (1 log, 3 nodes), random arrivals, vs raw stable RTT, 3 senders, same pauses" "$T3_P50" "$RTS_P50" "" ""
	row "mark+flush p99 us (1 log, 3 nodes), random arrivals, vs raw stable RTT, 3 senders, same pauses" "$T3_P99" "$RTS_P99" "" ""
	row "architecture floor: cpg-relay p50 us (1 node, back to back; answers a FLUSH on the delivery of one ${OPS_MSG}-byte message) vs RTT w=1" "$RL_P50" "${RAW[1,1,p50]}" "" ""
	row "architecture floor: cpg-relay p50 us (1 node, random arrivals) vs RTT w=1 with the same pauses" "$RLT_P50" "$RT1_P50" "" ""
	row "mark+flush p50 us (1 log, 1 node, ulog-load back to back) vs that floor" "${D[1,1,p50]}" "$RL_P50" "" ""
	row "mark+flush p99 us (1 log, 1 node, ulog-load back to back) vs that floor" "${D[1,1,p99]}" "$RL_P99" "" ""
	row "mark+flush p50 us (1 log, 1 node, random arrivals) vs that floor, same pauses" "$T1_P50" "$RLT_P50" "" ""
	row "mark+flush p99 us (1 log, 1 node, random arrivals) vs that floor, same pauses" "$T1_P99" "$RLT_P99" "" ""
	row "mark then flush p50 us (non-integrated, 1 log, 1 node) vs RTT w=1" "$MW1_P50" "${RAW[1,1,p50]}" "" ""
	row "mark then flush p99 us (non-integrated, 1 log, 1 node) vs RTT w=1" "$MW1_P99" "${RAW[1,1,p99]}" "" ""
	row "mark then flush p50 us (non-integrated, 1 log, 3 nodes) vs RTT 3 senders" "$MW3_P50" "${RAW[3,1,p50]}" "" ""
	row "mark then flush p99 us (non-integrated, 1 log, 3 nodes) vs RTT 3 senders" "$MW3_P99" "${RAW[3,1,p99]}" "" ""
	row "mark then flush p50 us (non-integrated, 1 log, 3 nodes) vs raw stable RTT (mcast + acks of all members), 3 senders" "$MW3_P50" "$RAWS_P50" "" ""
	row "mark then flush p99 us (non-integrated, 1 log, 3 nodes) vs raw stable RTT (mcast + acks of all members), 3 senders" "$MW3_P99" "$RAWS_P99" "" ""
	for n in 1 8 64; do
		if [ "$n" = 64 ]; then op=">="; lim=1.0; else op=; lim=; fi
		row "requests/s, $n logs, 1 node vs msgs/s w=$n" "${D[1,$n,rps]}" "${RAW[1,$n,mps]}" "$op" "$lim"
	done
	for n in 1 8 64; do
		if [ "$n" = 64 ]; then op=">="; lim=1.0; else op=; lim=; fi
		row "requests/s, $n logs, 3 nodes vs msgs/s 3 senders w=$n" "${D[3,$n,rps]}" "${RAW[3,$n,mps]}" "$op" "$lim"
	done
	row "mark+flush p50 us (clustered-disk, 1 log, 1 node) vs RTT w=1 + one synchronous 512 B write (${DD_US:-?} us, dd)" "$DK1_P50" "$DDR1" "" ""
	row "mark+flush p50 us (clustered-disk, 1 log, 3 nodes, node 1 the writer) vs raw stable RTT + that write" "$DK3_P50" "$DDRS" "" ""
	row "mark then flush p50 us (non-integrated, clustered-disk, 1 log, 1 node) vs RTT w=1 + that write" "$DKM1_P50" "$DDR1" "" ""
	row "mark+flush p50 us (clustered-disk, 2^27 regions, 1 log, 1 node) vs RTT w=1 + that write" "$DKB1_P50" "$DDR1" "" ""
	row "mark then flush p50 us (non-integrated, clustered-disk, 1 log, 3 nodes, node 1 the writer) vs raw stable RTT + that write" "$DKM3_P50" "$DDRS" "" ""
	row "IN_SYNC reads/s (64 logs x 4, local) vs msgs/s w=64" "$READ_RPS" "${RAW[1,64,mps]}" "" ""
	row "CPU us per mark+flush (FLUSH + CLEAR, 1 log, 1 node, random arrivals) vs cpg-bench per message, same pauses" "$T1_CPU" "$RT1_CPU" "" ""
	row "checkpoint us, $BIG_REGIONS regions (${CK_BYTES:-?} B) vs bulk CPG" "$CK_US" "${RAW_BULK:-}" "<=" 2.0
	echo
	echo "Node growth on the 5-node ring (nodes 4 and 5 joined), same concurrency on"
	echo "both sides: K nodes each run cpg-bench with window 8 (8 own messages in"
	echo "flight), resp. write 8 logs that all K nodes share (one request in flight"
	echo "per log: 8 per node).  Raw RTT is the self-delivery latency, raw stable RTT"
	echo "the latency until every other member's ack is delivered (cpg-bench --ack);"
	echo "both include the queueing of 8 in flight per node."
	echo
	echo "| nodes | raw RTT p50 us (w=8) | raw stable RTT p50 us (w=8) | mark+flush p50 us (8 logs) | ratio to RTT | ratio to stable RTT | raw msgs/s (w=8) | cmirrord req/s (8 logs) | ratio |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for k in 1 3 5; do
		echo "| $k | ${G[$k,rp50]} | ${G[$k,sp50]} | ${G[$k,p50]} | $(ratio "${G[$k,p50]}" "${G[$k,rp50]}") | $(ratio "${G[$k,p50]}" "${G[$k,sp50]}") | ${G[$k,rmps]} | ${G[$k,rps]} | $(ratio "${G[$k,rps]}" "${G[$k,rmps]}") |"
	done
	echo
	echo "| scale figure | value | target |"
	echo "|---|---:|---|"
	echo "| memory per region, creating node (RSS delta x 8 / regions) | $BITS1 bits | <= 2 bits + const |"
	echo "| memory per region, node that installed the checkpoint | $BITS2 bits | <= 2 bits + const |"
	echo "| idle log RSS ($IDLE_LOGS logs, 1 daemon; includes the pages of corosync's IPC buffers it touched) | $IDLE_RSS KiB/log | |"
	echo "| idle log, cmirrord's own memory (RssAnon) | $IDLE_ANON KiB/log | |"
	echo "| idle log, corosync IPC buffers in /dev/shm (one CPG connection per log; sizes fixed by libcpg) | $IDLE_SHM KiB/log | |"
	echo "| $IDLE_LOGS logs brought up at once (CTR + RESUME each): wall time; CPU of cmirrord / corosync on the node | $UP_SECS s; $UP_CPU CPU-s | |"
	echo "| idle log CPU ($IDLE_LOGS logs, 10 s) | $IDLE_CPU CPU-us/s per log | |"
	echo "| corosync's CPU on that node, idle, before / with the $IDLE_LOGS idle logs | $CS_CPU0 / $CS_CPU1 CPU-ms/s | |"
	echo "| mark+flush p50, 1 log on node 3 (group of one) beside $IDLE_LOGS idle logs / the same before they came | $S1_P50 / $S0_P50 us = $(ratio "$S1_P50" "$S0_P50")x | |"
	echo "| the same beside $IDLE_LOGS idle logs, vs raw RTT w=1 (node 1) | $(ratio "$S1_P50" "${RAW[1,1,p50]}")x | |"
	echo
	echo "Where a mark+flush's time goes, random arrivals, node 1, means in us (cmirrorctl stats of the run):"
	echo
	minus() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") print a - b; else print "n/a" }'; }
	echo "| | 1 node | 3 nodes |"
	echo "|---|---:|---:|"
	echo "| load generator: request sent to answer read | $T1_MEAN | $T3_MEAN |"
	echo "| socket hops and wake-ups (load generator - daemon) | $(minus "$T1_MEAN" "$T1_DMN") | $(minus "$T3_MEAN" "$T3_DMN") |"
	echo "| the same two hops between two processes alone, same pauses (ulog-load hop) | $HOP_MEAN | $HOP_MEAN |"
	echo "| daemon: FLUSH in to answer queued | $T1_DMN | $T3_DMN |"
	echo "| of which CPG ordering of the daemon's messages (multicast to own delivery) | $T1_ORD | $T3_ORD |"
	echo "| the rest: daemon's own work (3 nodes: and the members' acks) | $(minus "$T1_DMN" "$T1_ORD") | $(minus "$T3_DMN" "$T3_ORD") |"
	echo "| raw CPG mean, same pauses (1 node: RTT; 3 nodes: stable RTT) | $RT1_MEAN | $RTS_MEAN |"
	echo "| daemon / raw | $(ratio "$T1_DMN" "$RT1_MEAN")x | $(ratio "$T3_DMN" "$RTS_MEAN")x |"
	echo
	echo "Raw lines: results.txt.  Run time: $((SECONDS - B_T0)) s."
} >"$REPORT"
cat "$REPORT"

# ---- plot (optional) ---------------------------------------------------
if command -v gnuplot >/dev/null 2>&1; then
	dat=$OUT/latency.dat
	{
		echo "label p50 p99"
		echo "\"raw CPG 1 sender\" ${RAW[1,1,p50]} ${RAW[1,1,p99]}"
		echo "\"mark+flush ksim 1 node\" $K_P50 $K_P99"
		echo "\"mark+flush 1 log 1 node\" ${D[1,1,p50]} ${D[1,1,p99]}"
		echo "\"cpg-relay floor 1 node\" $RL_P50 $RL_P99"
		echo "\"raw CPG 3 senders\" ${RAW[3,1,p50]} ${RAW[3,1,p99]}"
		echo "\"raw stable RTT 3 senders\" $RAWS_P50 $RAWS_P99"
		echo "\"mark+flush 1 log 3 nodes\" ${D[3,1,p50]} ${D[3,1,p99]}"
		echo "\"mark+flush 64 logs 1 node\" ${D[1,64,p50]} ${D[1,64,p99]}"
		echo "\"raw CPG 1 sender, random arrivals\" $RT1_P50 $RT1_P99"
		echo "\"mark+flush 1 log 1 node, random arrivals\" $T1_P50 $T1_P99"
		echo "\"raw stable RTT 3 senders, random arrivals\" $RTS_P50 $RTS_P99"
		echo "\"mark+flush 1 log 3 nodes, random arrivals\" $T3_P50 $T3_P99"
		echo "\"raw CPG w=64 1 sender\" ${RAW[1,64,p50]} ${RAW[1,64,p99]}"
	} >"$dat"
	gnuplot <<EOF || b_log "gnuplot failed (plot skipped)"
set terminal png size 1000,500
set output "$OUT/latency.png"
set title "round trip / mark+flush latency (us), same 3-node netns cluster"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set xtics rotate by -20
set ylabel "microseconds"
set yrange [0:*]
plot "$dat" using 2:xtic(1) title "p50", "" using 3 title "p99"
EOF
	[ -f "$OUT/latency.png" ] && b_log "plot: $OUT/latency.png"
else
	b_log "no gnuplot: plot skipped"
fi
b_log "report: $REPORT ($((SECONDS - B_T0)) s)"
h_teardown 0
