#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test.sh - build cmirrord and run every test suite; one summary line at the end.
#
# Usage: scripts/test.sh [--quick] [--only REGEX] [--fuzz-seconds N]
#   --quick         no sanitizer build, no valgrind, no kernel suite
#   --only REGEX    run only the tests whose name matches REGEX (grep -E),
#                   e.g. 'unit:', 'integ:t-netns', 'valgrind|san:'.  The build
#                   steps (deps, autoreconf, configure, make) always run.
#   --fuzz-seconds N  per fuzz target (default 30, 10 with --quick)
#
# Steps, each recorded under a name ("kind:what"):
#   deps            scripts/deps.sh (installs what is missing when root)
#   autoreconf      autoreconf -fi in the source tree
#   build:configure, build:make    out of tree in build/
#   unit:NAME       make check in build/ (on failure: test-suite.log)
#   san:configure, san:make, san:NAME   the same in build-san/ with
#                   --with-sanitizers=address,undefined
#   valgrind:NAME   each unit test binary of build/ under valgrind
#   dist:distcheck  make distcheck in build/
#   integ:NAME      scripts/run-integ.sh with build/
#   integ-asan:NAME the integration tests listed below, with
#                   build-san/'s binaries
#   kernel:NAME     test/kernel/run.sh (qemu; skips when qemu cannot run)
#   kernel2vm-kN:NAME  test/kernel/run-2vm.sh -k N: two guests share the
#                   disks, guest N is killed mid-write (N = 2, then 1)
#   fuzz:NAME       test/fuzz/run.sh, short runs
# Logs: build/test-logs/STEP.log (integration: build/integ-logs/).
# Env: CI=true -> no colour, make V=1, whole logs of failing steps.
#   RANDOM_SEEDS (t-cluster-random, default "1 2 3"); SAN_RANDOM_SEEDS
#   the same for its ASan run (default 4).
# Exit: 0 if nothing failed, 1 otherwise.  The last line printed is always
#   cmirrord-tests: P passed, F failed, S skipped
#   (the line before it gives the wall time: "cmirrord tests took T s")
set -u

# Integration tests that are re-run with the ASan build's daemon
# and simulator (names or globs of test/integ/t-*.sh; missing ones ignored).
# Env SAN_INTEG_TESTS (space separated) replaces the list.
if [ -n "${SAN_INTEG_TESTS:-}" ]; then
	read -r -a SAN_INTEG <<<"$SAN_INTEG_TESTS"
else
	# Every test that runs cmirrord (t-netns-smoke runs corosync only).
	# t-cluster-random runs one seed here, another than the plain run's
	# (SAN_RANDOM_SEEDS).
	SAN_INTEG=('t-solo-*' 't-badframes' 't-cluster-basic' 't-cluster-crash'
		't-cluster-join' 't-cluster-partition' 't-cluster-quorum'
		't-cluster-marks' 't-cluster-batching' 't-cluster-restart' 't-cluster-slot' 't-cluster-writer'
		't-cluster-writer-frozen'
		't-disk-fault' 't-ops-cmirrorctl' 't-sec-control' 't-demo'
		't-ops-config' 't-ops-install' 't-cluster-random' 't-cluster-stream'
		't-cluster-pergroup' 't-cluster-mixed' 't-cluster-mixed-first'
		't-cluster-limits' 't-cluster-overtake' 't-cluster-ckpt-lost'
		't-ops-residency' 't-sec-netlink' 't-cluster-loglines')
fi

srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=$srcdir/build
BS=$srcdir/build-san
quick=0
only=
fuzz_secs=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--only) [ $# -ge 2 ] || { echo "test.sh: --only needs a REGEX" >&2; exit 2; }
		only=$2; shift ;;
	--only=*) only=${1#--only=} ;;
	--fuzz-seconds) fuzz_secs=${2:-}; shift ;;
	-h|--help) sed -n '4,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$fuzz_secs" ] || { [ $quick = 1 ] && fuzz_secs=10 || fuzz_secs=30; }
case $fuzz_secs in ''|*[!0-9]*) echo "test.sh: bad --fuzz-seconds" >&2; exit 2 ;; esac

ci=0
[ "${CI:-}" = true ] && ci=1
if [ $ci = 0 ] && [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
	C_PASS=$'\e[32m' C_FAIL=$'\e[31;1m' C_SKIP=$'\e[33m' C_OFF=$'\e[0m'
else
	C_PASS='' C_FAIL='' C_SKIP='' C_OFF=''
fi
MAKEV=()
[ $ci = 1 ] && MAKEV=(V=1)
JOBS=$(nproc 2>/dev/null || echo 2)

LOGS=$B/test-logs
mkdir -p "$LOGS" || exit 1
T0=$SECONDS
R_NAME=() R_STATUS=()
declare -A FAIL_LOG=()	# failed result -> its log, for the digest in summary()

# --- results -----------------------------------------------------------------

want() { [ -z "$only" ] || printf '%s\n' "$1" | grep -Eq -- "$only"; }

# selected KIND: may --only select any KIND:* test (names known only later)?
selected() { [ -z "$only" ] || want "$1:suite" || [[ $only == *"$1"* ]]; }

# need_san: is any test of the sanitizer build selected?
need_san() {
	local t
	[ -z "$only" ] && return 0
	want san:configure && return 0
	for t in $(make_tests "$B"); do want "san:$(tname "$t")" && return 0; done
	for t in "${SAN_INTEG[@]}"; do want "integ-asan:${t%.sh}" && return 0; done
	return 1
}

# record NAME pass|fail|skip [DETAIL]
record() {
	local c
	R_NAME+=("$1") R_STATUS+=("$2")
	case $2 in pass) c=$C_PASS ;; fail) c=$C_FAIL ;; *) c=$C_SKIP ;; esac
	printf '%s%-4s%s %s%s\n' "$c" "${2^^}" "$C_OFF" "$1" "${3:+ ($3)}"
}

# show_log FILE: what a failing step said (all of it in CI).
show_log() {
	[ -s "$1" ] || return 0
	if [ $ci = 1 ]; then
		echo "---- $1 ----"
		cat "$1"
		echo "---- end of $1 ----"
	else
		echo "---- last lines of $1 ----"
		tail -40 "$1"
	fi
}

# step NAME CMD...: run CMD (output in $LOGS/NAME.log), record by exit status
# (0 pass, 77 skip, else fail).  Returns CMD's status.
step() {
	local name=$1 log rc t
	shift
	log=$LOGS/${name//[:\/]/_}.log
	t=$SECONDS
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	case $rc in
	0) record "$name" pass "$((SECONDS - t)) s" ;;
	77) record "$name" skip "$(tail -1 "$log")" ;;
	*) record "$name" fail "exit $rc, log $log"; FAIL_LOG[$name]=$log; show_log "$log" ;;
	esac
	return $rc
}

summary() {
	local i p=0 f=0 s=0 failed=()
	for i in "${!R_NAME[@]}"; do
		case ${R_STATUS[$i]} in
		pass) p=$((p + 1)) ;;
		fail) f=$((f + 1)); failed+=("${R_NAME[$i]}") ;;
		*) s=$((s + 1)) ;;
		esac
	done
	# CI shows the head and the tail of a long output: each failure's
	# telling lines again here, next to the summary.
	for i in "${failed[@]}"; do
		[ -s "${FAIL_LOG[$i]:-}" ] || continue
		echo "---- why $i (${FAIL_LOG[$i]}) ----"
		grep -E 'FAIL|VIOLATION|violations=[1-9]|lost=[1-9]|stuck|[Tt]imed out|ERROR|runtime error|Assertion|[Ee]rror:' \
			"${FAIL_LOG[$i]}" | head -25
		echo "-- last lines --"
		tail -8 "${FAIL_LOG[$i]}"
	done
	[ $f -eq 0 ] || echo "failed: ${failed[*]}"
	echo "cmirrord tests took $((SECONDS - T0)) s"
	# The plain form CI reads: one word with a colon, then the counts.
	echo "cmirrord-tests: $p passed, $f failed, $s skipped"
	[ $f -eq 0 ]
}

# --- build -------------------------------------------------------------------

do_autoreconf() {
	# Someone else regenerating at the same moment can leave a half-written
	# configure: one retry.
	(cd "$srcdir" && autoreconf -fi) || { sleep 2; (cd "$srcdir" && autoreconf -fi); }
}

do_configure() {	# DIR [ARGS]
	local d=$1
	shift
	mkdir -p "$d" && (cd "$d" && "$srcdir/configure" "$@")
}

# make_var DIR VAR: a variable of DIR's Makefile.
make_var() {
	# shellcheck disable=SC2016
	printf 'cm-print-var:\n\t@echo $(%s)\n' "$2" |
		make -s --no-print-directory -C "$1" -f Makefile -f - cm-print-var 2>/dev/null
}
# make_tests DIR: the TESTS of DIR's Makefile (what `make check` runs).
make_tests() { make_var "$1" TESTS; }

tname() { local n=${1##*/}; echo "${n%.sh}"; }

# check_suite PREFIX DIR: `make check` in DIR with the selected tests; one
# result per test from its .trs; test-suite.log shown when something failed.
# The check programs are built one by one first (make -k), so a test whose
# program builds still runs when something else (the daemon, another test)
# does not link; a test that did not build is a failure of its own.
check_suite() {
	local pfx=$1 d=$2 sel=() run=() built=() t trs res log rc
	for t in $(make_tests "$d"); do want "$pfx:$(tname "$t")" && sel+=("$t"); done
	[ ${#sel[@]} -gt 0 ] || return 0
	log=$LOGS/$pfx-check.log
	# shellcheck disable=SC2046
	make -C "$d" -k -j"$JOBS" "${MAKEV[@]}" $(make_var "$d" check_PROGRAMS) >"$log" 2>&1 </dev/null
	for t in $(make_var "$d" check_PROGRAMS); do [ -x "$d/$t" ] && built+=("$t"); done
	for t in "${sel[@]}"; do
		if [ -f "$srcdir/$t" ] || [ -x "$d/$t" ]; then
			run+=("$t")
		else
			record "$pfx:$(tname "$t")" fail "did not build, log $log"
		fi
	done
	rc=0
	if [ ${#run[@]} -gt 0 ]; then
		rm -f "$d/test-suite.log"
		# bounded: a hung unit test must not hang CI
		timeout --kill-after=30 "${UNIT_TIMEOUT:-1200}" \
		make -C "$d" -j"$JOBS" "${MAKEV[@]}" check-TESTS TESTS="${run[*]}" \
			check_PROGRAMS="${built[*]}" >>"$log" 2>&1 </dev/null
		rc=$?
	fi
	[ ${#run[@]} -eq ${#sel[@]} ] || { rc=1; show_log "$log"; }
	for t in "${run[@]}"; do
		trs=$d/$t.trs
		[ -f "$trs" ] || trs=$d/${t%.*}.trs
		if [ ! -f "$trs" ]; then
			record "$pfx:$(tname "$t")" fail "did not run"
			continue
		fi
		res=$(sed -n 's/^:test-result: *//p' "$trs" | sort -u | tr '\n' ' ')
		res=${res% }
		case " $res " in
		*" FAIL "*|*" ERROR "*|*" XPASS "*) record "$pfx:$(tname "$t")" fail "$res" ;;
		" SKIP ") record "$pfx:$(tname "$t")" skip ;;
		*) record "$pfx:$(tname "$t")" pass ;;
		esac
	done
	if [ $rc -ne 0 ]; then
		if [ -s "$d/test-suite.log" ]; then
			echo "---- $d/test-suite.log (failing tests) ----"
			cat "$d/test-suite.log"
		else
			show_log "$log"
		fi
	fi
	return $rc
}

# valgrind_suite DIR: every ELF unit test binary of DIR under valgrind.
valgrind_suite() {
	local d=$1 t name bin
	for t in $(make_tests "$d"); do
		bin=$d/$t
		# ELF binaries only (not the shell-script tests)
		[ -x "$bin" ] || continue
		[ "$(head -c4 "$bin" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ] || continue
		name=valgrind:$(tname "$t")
		want "$name" || continue
		step "$name" env top_builddir="$d" top_srcdir="$srcdir" \
			timeout 600 valgrind -q --error-exitcode=1 --leak-check=full \
			--errors-for-leak-kinds=definite "$bin"
	done
}

# --- integration, kernel, fuzz ------------------------------------------------

# integ PREFIX BUILDDIR [TESTS...]: run-integ.sh, one result per test.
integ_suite() {
	local pfx=$1 d=$2 sel=() f n log rc st line
	shift 2
	if [ $# -eq 0 ]; then
		set -- "$srcdir"/test/integ/t-*.sh
	else
		local pats=("$@") p
		set --
		for p in "${pats[@]}"; do
			for f in "$srcdir"/test/integ/${p%.sh}.sh; do [ -f "$f" ] && set -- "$@" "$f"; done
		done
	fi
	for f in "$@"; do
		[ -f "$f" ] || continue
		n=$(tname "$f")
		want "$pfx:$n" && sel+=("$n")
	done
	[ ${#sel[@]} -gt 0 ] || return 0
	log=$LOGS/$pfx.log
	top_builddir=$d "$srcdir/scripts/run-integ.sh" -b "$d" "${sel[@]}" >"$log" 2>&1 </dev/null
	rc=$?
	while read -r st n line; do
		case $st in
		PASS) line=${line#(}; record "$pfx:$n" pass "${line%)}" ;;
		SKIP) record "$pfx:$n" skip "${line#*: }" ;;
		FAIL)
			record "$pfx:$n" fail "$line"
			FAIL_LOG["$pfx:$n"]=$d/integ-logs/$n.log
			if [ $ci = 1 ] && [ -f "$d/integ-logs/$n.log" ]; then
				show_log "$d/integ-logs/$n.log"
			else
				# the tail run-integ.sh printed under the FAIL line
				awk -v h="FAIL $n " 'index($0, h) == 1 { on = 1; next }
					on && /^    \| / { print; next } { on = 0 }' "$log"
			fi
			;;
		esac
	done < <(grep -E '^(PASS|FAIL|SKIP) ' "$log")
	[ $rc = 0 ] || [ $rc = 77 ] || grep -qE '^FAIL ' "$log" ||
		{ record "$pfx:run-integ" fail "exit $rc"; show_log "$log"; }
	return 0
}

# ktest_results PFX LOG RC: one result per "KTEST NAME PASS|FAIL" line of
# LOG as PFX:NAME (exit 77: one skip); a run that failed without a FAIL
# line, or printed none, is PFX:suite.
ktest_results() {
	local pfx=$1 log=$2 rc=$3 n st detail got=0
	if [ "$rc" = 77 ]; then
		record "$pfx:suite" skip "$(grep -m1 -i skip "$log" || tail -1 "$log")"
		return 0
	fi
	while read -r _ n st detail; do
		want "$pfx:$n" || continue
		got=1
		case $st in
		PASS) record "$pfx:$n" pass ;;
		*) record "$pfx:$n" fail "$detail" ;;
		esac
	done < <(grep -aE '^KTEST [^ ]+ (PASS|FAIL)' "$log")
	if [ $got = 0 ] || { [ "$rc" != 0 ] && ! grep -qaE '^KTEST [^ ]+ FAIL' "$log"; }; then
		if [ "$rc" = 0 ]; then record "$pfx:suite" pass; else record "$pfx:suite" fail "exit $rc"; fi
	fi
	[ "$rc" = 0 ] || show_log "$log"
}

kernel_suite() {
	local log=$LOGS/kernel.log
	[ -f "$srcdir/test/kernel/run.sh" ] || return 0
	selected kernel || return 0
	(cd "$B" && top_builddir=$B bash "$srcdir/test/kernel/run.sh") >"$log" 2>&1 </dev/null
	ktest_results kernel "$log" $?
}

# kernel2vm_suite VICTIM: test/kernel/run-2vm.sh -k VICTIM (two guests, one
# killed mid-write), one result per KTEST line as kernel2vm-kVICTIM:NAME.
kernel2vm_suite() {
	local k=$1 pfx=kernel2vm-k$1 log
	[ -f "$srcdir/test/kernel/run-2vm.sh" ] || return 0
	selected "$pfx" || return 0
	log=$LOGS/$pfx.log
	# -n: the image of the single-node suite that just ran
	(cd "$B" && top_builddir=$B bash "$srcdir/test/kernel/run-2vm.sh" -n -k "$k" -t 900) \
		>"$log" 2>&1 </dev/null
	ktest_results "$pfx" "$log" $?
}

fuzz_suite() {
	local log=$LOGS/fuzz.log rc n rest
	[ -f "$srcdir/test/fuzz/run.sh" ] || return 0
	selected fuzz || return 0
	top_builddir=$B FUZZ_OUT=$B/fuzz bash "$srcdir/test/fuzz/run.sh" "$fuzz_secs" >"$log" 2>&1 </dev/null
	rc=$?
	if [ $rc = 77 ]; then
		record fuzz:suite skip "$(tail -1 "$log")"
		return 0
	fi
	while read -r _ n rest; do
		n=${n%:}
		want "fuzz:$n" || continue
		case $rest in
		execs=*) record "fuzz:$n" pass "$rest" ;;
		*skipped*) record "fuzz:$n" skip "$rest" ;;
		*) record "fuzz:$n" fail "$rest" ;;
		esac
	done < <(grep -E '^fuzz [A-Za-z0-9_]+: ' "$log")
	[ $rc = 0 ] || show_log "$log"
}

# --- main --------------------------------------------------------------------

main() {
	local kdeps=()
	[ $quick = 1 ] || kdeps=(--kernel)	# qemu, busybox, dmsetup for test/kernel
	step deps "$srcdir/scripts/deps.sh" "${kdeps[@]}" || return 1
	step autoreconf do_autoreconf || return 1
	step build:configure do_configure "$B" || return 1
	# Not fatal: the unit tests build on their own (check_suite).
	step build:make make -C "$B" -k -j"$JOBS" "${MAKEV[@]}" all

	check_suite unit "$B"

	local san=0
	if [ $quick = 0 ] && need_san; then
		if step san:configure do_configure "$BS" --with-sanitizers=address,undefined; then
			step san:make make -C "$BS" -k -j"$JOBS" "${MAKEV[@]}" all && san=1
			check_suite san "$BS"
		fi
	fi
	[ $quick = 1 ] || valgrind_suite "$B"
	# the tarball builds and passes its unit tests out of tree
	if [ $quick = 0 ] && want dist:distcheck; then
		step dist:distcheck make -C "$B" -j"$JOBS" "${MAKEV[@]}" distcheck
	fi

	integ_suite integ "$B"
	if [ $san = 1 ]; then
		# Leaks at exit are reported by the daemon's log and fail the test
		# (test/integ/lib.sh scans the logs at teardown).
		ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		RANDOM_SEEDS=${SAN_RANDOM_SEEDS:-4} \
			integ_suite integ-asan "$BS" "${SAN_INTEG[@]}"
	fi
	if [ $quick = 0 ]; then
		kernel_suite
		kernel2vm_suite 2	# a plain member dies
		kernel2vm_suite 1	# the disk writer dies
	fi
	fuzz_suite
	return 0
}

main
summary
