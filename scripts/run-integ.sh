#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-integ.sh - run the integration tests test/integ/t-*.sh.
#
# Usage: scripts/run-integ.sh [-t SECONDS] [-b BUILDDIR] [-q] [NAME|GLOB ...]
#   -t SECONDS  per-test timeout (default 600, or $INTEG_TIMEOUT)
#   -b BUILDDIR build whose binaries the tests use (default $top_builddir,
#               else ./build of the source tree)
#   -q          no log tail of failures
#   NAME|GLOB   only these tests (t-foo, t-foo.sh or a glob like 't-solo-*');
#               names that match nothing are reported and skipped
#
# Each test runs under timeout(1) with top_builddir/top_srcdir exported and
# its output in BUILDDIR/integ-logs/NAME.log (cluster tests also leave the
# nodes' logs in BUILDDIR/integ-logs/NAME/).  Exit status of a test: 0 pass,
# 77 skip, anything else (124 = timeout) fail.
# Prints "PASS|FAIL|SKIP NAME (N s)" per test, then a "integ: ..." count.
# Exit: 0 nothing failed, 1 something failed, 77 everything skipped.
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=${top_builddir:-$srcdir/build}
tmo=${INTEG_TIMEOUT:-600}
quiet=0
while getopts "t:b:qh" o; do
	case $o in
	t) tmo=$OPTARG ;;
	b) builddir=$OPTARG ;;
	q) quiet=1 ;;
	*) sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
case $tmo in ''|*[!0-9]*) echo "run-integ: bad timeout '$tmo'" >&2; exit 2 ;; esac
[ -d "$builddir" ] || { echo "run-integ: no build dir $builddir" >&2; exit 1; }
builddir=$(cd "$builddir" && pwd)
top_builddir=$builddir
top_srcdir=$srcdir
export top_builddir top_srcdir

# (INTEG_TESTDIR: another test dir, for testing this runner itself)
testdir=${INTEG_TESTDIR:-$srcdir/test/integ}
logdir=$builddir/integ-logs
mkdir -p "$logdir"

# The test list: every t-*.sh, or those named.
tests=()
if [ $# -eq 0 ]; then
	for f in "$testdir"/t-*.sh; do
		[ -f "$f" ] && tests+=("$f")
	done
else
	for pat in "$@"; do
		pat=${pat%.sh}
		found=0
		for f in "$testdir"/$pat.sh; do
			[ -f "$f" ] || continue
			tests+=("$f")
			found=1
		done
		[ $found = 1 ] || echo "run-integ: no test matches '$pat'"
	done
fi

pass=0 fail=0 skip=0
failed=()
for f in "${tests[@]}"; do
	name=$(basename "$f" .sh)
	log=$logdir/$name.log
	rm -rf "${logdir:?}/$name"
	start=$SECONDS
	# --kill-after: a test that ignores TERM (stuck in teardown) still ends.
	H_ARTIFACTS=$logdir/$name timeout --kill-after=30 "$tmo" \
		bash "$f" </dev/null >"$log" 2>&1
	rc=$?
	dt=$((SECONDS - start))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS $name (${dt} s)" ;;
	77) skip=$((skip + 1)); echo "SKIP $name (${dt} s): $(grep -m1 -i 'skip' "$log" || tail -1 "$log")" ;;
	*)
		fail=$((fail + 1)); failed+=("$name")
		why="exit $rc"
		if [ $rc = 124 ] || [ $rc = 137 ]; then why="timeout after ${tmo} s"; fi
		echo "FAIL $name (${dt} s, $why): log $log"
		if [ $quiet = 0 ]; then
			tail -40 "$log" | sed 's/^/    | /'
		fi
		;;
	esac
done

echo "integ: $pass passed, $fail failed, $skip skipped${failed[*]:+ (failed: ${failed[*]})}"
[ $fail -eq 0 ] || exit 1
[ $pass -eq 0 ] && [ $skip -gt 0 ] && exit 77
exit 0
