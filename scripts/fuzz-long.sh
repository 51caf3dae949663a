#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# fuzz-long.sh - long libFuzzer runs of the parser targets, one at a time
# (by default those `test/fuzz/run.sh --list` names; the short runs of
# scripts/test.sh are test/fuzz/run.sh).
#
# Usage: scripts/fuzz-long.sh [-t SECONDS_PER_TARGET] [-b BUILDDIR] [TARGET...]
#   -t N        fuzzing time per target (default 300)
#   -b DIR      configured build dir holding config.h (default build/)
#   TARGET      a name `test/fuzz/run.sh --list` prints (default: all)
# Unlike run.sh, a crash does not end the target's run: the crashing input
# is kept (DIR/fuzz-long/artifacts-TARGET/crash-*) and libFuzzer restarts
# on the grown corpus for the time that is left.  Each crash belongs in
# test/fuzz/regress/TARGET/ plus a cmocka case once fixed.
# Prints per target:
#   fuzz-long TARGET: execs=N cov=C ft=F corpus=K crashes=M seconds=S
# Exit: 0 no crash, 1 a crash or a build failure, 77 no clang/libFuzzer.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
secs=300
builddir=${top_builddir:-$srcdir/build}
while getopts t:b:h o; do
	case $o in
	t) secs=$OPTARG ;;
	b) builddir=$OPTARG ;;
	h) sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $secs in ''|*[!0-9]*|0) echo "fuzz-long: bad -t '$secs'" >&2; exit 2 ;; esac
targets=("$@")
[ ${#targets[@]} -gt 0 ] || read -ra targets <<<"$(bash "$srcdir/test/fuzz/run.sh" --list)"
builddir=$(cd "$builddir" && pwd)
out=$builddir/fuzz-long

# Build (and replay the regressions) through the short runner: one build
# recipe for both.
rc=0
top_builddir=$builddir FUZZ_OUT=$out FUZZ_BUILD_ONLY=1 \
	bash "$srcdir/test/fuzz/run.sh" 1 "${targets[@]}" || rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || { echo "fuzz-long: build or regression replay failed"; exit 1; }

fail=0
for t in "${targets[@]}"; do
	bin=$out/fuzz_$t
	corpus=$out/corpus-$t
	art=$out/artifacts-$t
	mkdir -p "$corpus" "$art"
	[ -d "$srcdir/test/fuzz/corpus/$t" ] &&
		cp -n "$srcdir/test/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*
	execs=0 runs=0 cov='?' ft='?' start=$SECONDS
	while :; do
		left=$((secs - (SECONDS - start)))
		[ $left -gt 0 ] || break
		log=$out/$t.run$runs.log
		runs=$((runs + 1))
		touch "$out/.mark"
		# nice: the machine is shared; the run is about execs, not latency
		nice -n 10 "$bin" -max_total_time="$left" -print_final_stats=1 \
			-max_len=65536 -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="$art/" "$corpus" >"$log" 2>&1 || true
		n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		if [ -z "$n" ]; then
			# crashed: the last status line holds the count so far
			n=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)
		fi
		execs=$((execs + ${n:-0}))
		c=$(sed -n 's/^#[0-9]*[^c]*cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \2/p' "$log" | tail -1)
		[ -n "$c" ] && { cov=${c% *}; ft=${c#* }; }
		# a new artifact: restart for the time left; else the run is over
		# (finished, or failed without finding anything: said below)
		[ -n "$(find "$art" -maxdepth 1 -type f -newer "$out/.mark" -print -quit)" ] && continue
		grep -q 'stat::number_of_executed_units' "$log" ||
			{ echo "fuzz-long $t: libFuzzer failed, see $log"; fail=1; }
		break
	done
	crashes=$(find "$art" -maxdepth 1 -type f \( -name 'crash-*' -o \
		-name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
	echo "fuzz-long $t: execs=$execs cov=$cov ft=$ft corpus=$(find "$corpus" -type f | wc -l) crashes=$crashes seconds=$((SECONDS - start))"
	if [ "$crashes" -gt 0 ]; then
		fail=1
		find "$art" -maxdepth 1 -type f -printf '    %p\n'
	fi
done
exit $fail
