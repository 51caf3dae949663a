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
# --shared-stream to soak the shared stream).
#
# Runs test/integ/t-cluster-random.sh with RANDOM_SEEDS set to each batch,
# adds up its per-seed lines (random seed=S faults=F requests=R
# violations=V lost=L crashes=C ...) and stops at the first failing batch,
# whose logs it keeps: BUILDDIR/soak-logs/batch-FIRST.log (the test's
# output, with the failing seed and how to re-run it) and
# BUILDDIR/soak-logs/batch-FIRST/seed-S/ (the nodes' daemon and corosync
# logs, the simulators' outputs and journals).  Logs of passed batches are
# deleted.  Last line:
#   soak: PASS|FAIL runs=N faults=F requests=R lost=0 crashes=0
#         violations=0 time=Ts seeds=A..B
# Exit: 0 every seed passed, 1 a seed failed, 2 usage, 77 cannot run here.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${top_builddir:-$srcdir/build}
n=10 first=1 batch=5 faults='' per_seed=900 pace=0
num() {	# NAME VALUE: a positive decimal number, else exit 2
	case $2 in ''|*[!0-9]*) echo "soak: $1: not a number: '$2'" >&2; exit 2 ;; esac
}
usage() { sed -n '4,35p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
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
	# --kill-after: a test stuck in its teardown still ends.
	RANDOM_SEEDS=$(seq -s ' ' "$s" "$e") H_ARTIFACTS=$arts \
		timeout --kill-after=30 $(((e - s + 1) * per_seed)) \
		bash "$test" </dev/null >"$log" 2>&1
	rc=$?
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
	if [ $rc != 0 ] || [ $got != $((e - s + 1)) ]; then
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
done
# (a failed batch: up to the seed that failed)
upto=$((first + runs - 1))
[ $status = PASS ] || upto=$((upto + 1))
echo "soak: $status runs=$runs faults=$nfaults requests=$reqs lost=$lost crashes=$crashes violations=$viol time=$((SECONDS - start))s seeds=$first..$upto"
[ $status = PASS ] || exit 1
exit 0
