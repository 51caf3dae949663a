#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# soak.sh - run the seeded random fault test for many seeds (issue 7).
#
# Usage: sudo scripts/soak.sh [-n N] [-s FIRST_SEED] [-b BUILDDIR]
#                             [-k BATCH] [-f FAULTS] [-t SECONDS] [-p MS]
#   -n N           seeds to run (default 10): FIRST_SEED .. FIRST_SEED+N-1
#   -s FIRST_SEED  first seed (default 1)
#   -b BUILDDIR    build with cmirrord, cmirror-ksim, cmirrorctl (default
#                  $top_builddir, else ./build of the source tree)
#   -k BATCH       seeds per run of the test (default 5): one process runs a
#                  batch, one fresh 3-node cluster per seed
#   -f FAULTS      faults per seed (default: the test's, RANDOM_FAULTS)
#   -t SECONDS     time limit per seed (default 900)
#   -p MS          writers start a write at most every MS ms (default 0: flat
#                  out).  Flat out keeps a 2-core machine saturated and a
#                  seed takes 60-130 s; -p 20 halves that at about a third of
#                  the requests.  Seeds do not run in parallel: two clusters
#                  on 2 cores take four times as long each.
#
# Environment: H_CMIRRORD_ARGS, options for every cmirrord (e.g.
# --shared-stream=no to soak one CPG group per log; the shared stream is
# the default).
#
# Runs test/integ/t-cluster-random.sh with RANDOM_SEEDS set to each batch,
# adds up its per-seed lines (random seed=S faults=F requests=R
# violations=V lost=L crashes=C ...) and stops at the first failing batch,
# whose logs it keeps: BUILDDIR/soak-logs/batch-FIRST.log (the test's
# output, with the failing seed and how to re-run it) and
# BUILDDIR/soak-logs/batch-FIRST/seed-S/ (the nodes' daemon and corosync
# logs, the simulators' outputs and journals).  Logs of passed batches are
# deleted.  Last line:
#   soak: PASS|FAIL|STOPPED runs=N faults=F requests=R lost=0 crashes=0
#         violations=0 time=Ts seeds=A..B
#
# Stopping early (the summary then says STOPPED and counts the seeds that
# finished; a seed cut short is neither passed nor failed):
#   kill -USR1 PID  finish the current batch, then stop
#   kill -TERM PID  (or ^C) end the current batch now: the test tears its
#                   cluster down (daemons, corosync, namespaces) before
#                   soak.sh exits, so nothing is left behind
# Exit: 0 every seed passed, 1 a seed failed, 2 usage, 3 stopped early
# (every seed that finished passed), 77 cannot run here.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${top_builddir:-$srcdir/build}
n=10 first=1 batch=5 faults='' per_seed=900 pace=0
num() {	# NAME VALUE: a positive decimal number, else exit 2
	case $2 in ''|*[!0-9]*) echo "soak: $1: not a number: '$2'" >&2; exit 2 ;; esac
}
usage() { sed -n '4,43p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while getopts "n:s:b:k:f:t:p:h" o; do
	case $o in
	n) num -n "$OPTARG"; n=$OPTARG ;;
	s) num -s "$OPTARG"; first=$OPTARG ;;
	b) builddir=$OPTARG ;;
	k) num -k "$OPTARG"; batch=$OPTARG ;;
	f) num -f "$OPTARG"; faults=$OPTARG ;;
	t) num -t "$OPTARG"; per_seed=$OPTARG ;;
	p) num -p "$OPTARG"; pace=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || usage
if [ "$batch" -eq 0 ] || [ "$n" -eq 0 ]; then echo "soak: -n and -k must be > 0" >&2; exit 2; fi
[ "$(id -u)" = 0 ] || { echo "soak: needs root (network namespaces)" >&2; exit 77; }
[ -d "$builddir" ] || { echo "soak: no build dir $builddir" >&2; exit 1; }
builddir=$(cd "$builddir" && pwd)
for b in cmirrord cmirror-ksim cmirrorctl; do
	[ -x "$builddir/$b" ] || { echo "soak: $builddir/$b not built" >&2; exit 1; }
done
test=$srcdir/test/integ/t-cluster-random.sh
logdir=$builddir/soak-logs
mkdir -p "$logdir"
export top_builddir=$builddir top_srcdir=$srcdir
[ -z "$faults" ] || export RANDOM_FAULTS=$faults
export R_PACE_MS=$pace

runs=0 nfaults=0 reqs=0 lost=0 crashes=0 viol=0 status=PASS

# A signal only sets flags (and forwards TERM); the loop below acts on them.
stop='' signalled='' tpid=''
# shellcheck disable=SC2317 # (run by the traps below)
on_signal() {	# SIG
	signalled=1
	if [ "$1" = USR1 ]; then
		[ -n "$stop" ] || stop=after
		echo "soak: USR1: stopping after the current batch" >&2
		return
	fi
	# Once: a second TERM would reach the test in its teardown and leave
	# the cluster behind.
	[ "$stop" = now ] && return
	stop=now
	echo "soak: $1: ending the current batch (its cluster is torn down first)" >&2
	[ -z "$tpid" ] || kill -TERM "$tpid" 2>/dev/null
}
trap 'on_signal USR1' USR1
trap 'on_signal TERM' TERM
trap 'on_signal INT' INT
start=$SECONDS
last=$((first + n - 1))
s=$first
echo "soak: seeds $first..$last in batches of $batch, pace ${pace} ms, build $builddir, daemon options: ${H_CMIRRORD_ARGS:-(defaults)}"
while [ "$s" -le "$last" ]; do
	e=$((s + batch - 1))
	[ "$e" -le "$last" ] || e=$last
	log=$logdir/batch-$s.log
	arts=$logdir/batch-$s
	rm -rf "$arts"
	t0=$SECONDS
	# --kill-after: a test stuck in its teardown still ends.  In the
	# background so that a signal's trap runs while the batch does.
	RANDOM_SEEDS=$(seq -s ' ' "$s" "$e") H_ARTIFACTS=$arts \
		timeout --kill-after=30 $(((e - s + 1) * per_seed)) \
		bash "$test" </dev/null >"$log" 2>&1 &
	tpid=$!
	# wait returns >128 when a trapped signal interrupts it; the batch is
	# then still running (or its status is kept for the next wait).
	while :; do
		signalled=''
		wait "$tpid"
		rc=$?
		[ -n "$signalled" ] && [ $rc -gt 128 ] && continue
		break
	done
	tpid=''
	got=0
	while read -r line; do
		# "random seed=S faults=F requests=R violations=V lost=L crashes=C ..."
		read -ra kvs <<<"$line"
		for kv in "${kvs[@]}"; do
			v=${kv#*=}
			case $kv in
			faults=*) nfaults=$((nfaults + v)) ;;
			requests=*) reqs=$((reqs + v)) ;;
			violations=*) viol=$((viol + v)) ;;
			lost=*) lost=$((lost + v)) ;;
			crashes=*) crashes=$((crashes + v)) ;;
			esac
		done
		got=$((got + 1))
		echo "  $line"
	done < <(grep -E '^random seed=[0-9]+ faults=' "$log")
	runs=$((runs + got))
	complete=1
	[ $rc = 0 ] && [ $got = $((e - s + 1)) ] || complete=0
	if [ $complete = 0 ] && [ "$stop" = now ]; then
		status=STOPPED
		echo "soak: batch $s..$e ended early by a signal after $((SECONDS - t0)) s ($got of its seeds finished); log kept: $log"
		break
	fi
	if [ $complete = 0 ]; then
		status=FAIL
		why="exit $rc"
		[ $rc != 124 ] && [ $rc != 137 ] || why="timeout after $(((e - s + 1) * per_seed)) s"
		# The test names the failing seed and fault; a daemon that died
		# unasked or a sanitizer report is a crash.
		grep -E 'FAILED: seed=|FAIL: ' "$log" | head -5 | sed 's/^/  | /'
		if grep -qE 'died unasked|sanitizer report' "$log"; then crashes=$((crashes + 1)); fi
		if grep -qE 'check-dead: region|left marked by' "$log"; then lost=$((lost + 1)); fi
		echo "soak: batch $s..$e failed ($why) after $((SECONDS - t0)) s; logs kept: $log $arts/"
		break
	fi
	echo "soak: batch $s..$e passed in $((SECONDS - t0)) s"
	rm -rf "$arts" "$log"
	s=$((e + 1))
	if [ -n "$stop" ]; then
		[ "$s" -le "$last" ] && status=STOPPED
		break
	fi
done
# (a failed batch: up to the seed that failed)
upto=$((first + runs - 1))
[ $status = FAIL ] && upto=$((upto + 1))
seeds=$first..$upto
[ "$upto" -ge "$first" ] || seeds=none
echo "soak: $status runs=$runs faults=$nfaults requests=$reqs lost=$lost crashes=$crashes violations=$viol time=$((SECONDS - start))s seeds=$seeds"
case $status in PASS) exit 0 ;; STOPPED) exit 3 ;; esac
exit 1
