#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build and run the libFuzzer targets of the parsers.
#   test/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#   test/fuzz/run.sh --list     the targets run by default, on one line
# Seeds: test/fuzz/corpus/NAME/ (copied, never written back).
# Regressions: test/fuzz/regress/NAME/* are replayed first; a crash found
# here belongs there once fixed.
# Env: top_builddir (holds config.h; default build), FUZZ_OUT (work dir),
#   FUZZ_BUILD_ONLY=1 (build and replay the regressions, no fuzzing: what
#   scripts/fuzz-long.sh uses before its own runs).
# Exit: 0 clean, 1 a crash or a build failure, 77 no clang/libFuzzer.
set -euo pipefail

DEFAULT_TARGETS=(cfgparse wire ulog ckpt stream disklog ctlproto ctr)
if [ "${1:-}" = --list ]; then
	echo "${DEFAULT_TARGETS[*]}"
	exit 0
fi
srcdir=$(cd "$(dirname "$0")/../.." && pwd)
builddir=${top_builddir:-$srcdir/build}
secs=${1:-30}
shift || true
out=${FUZZ_OUT:-$builddir/fuzz}

# name: sources (relative to the source tree)
declare -A SOURCES=(
	[cfgparse]="test/fuzz/fuzz_cfgparse.c lib/cfgparse.c"
	[wire]="test/fuzz/fuzz_wire.c lib/wire.c lib/crc32c.c"
	[ulog]="test/fuzz/fuzz_ulog.c lib/ulog.c lib/ulog_ops.c"
	[ckpt]="test/fuzz/fuzz_ckpt.c lib/rlog_ckpt.c lib/rlog_ctr.c lib/bitmap.c lib/crc32c.c"
	[disklog]="test/fuzz/fuzz_disklog.c lib/disklog.c lib/bitmap.c"
	[ctlproto]="test/fuzz/fuzz_ctlproto.c lib/ctlproto.c"
	[ctr]="test/fuzz/fuzz_ctr.c lib/rlog_ctr.c lib/bitmap.c"
	[stream]="test/fuzz/fuzz_stream.c lib/wire_stream.c lib/wire.c lib/crc32c.c daemons/cmirrord/cluster_vtab.c daemons/cmirrord/cluster_sync.c"
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${DEFAULT_TARGETS[@]}")

command -v clang >/dev/null || { echo "fuzz: clang not found: skipped"; exit 77; }
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n){return 0;}' |
	clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
	echo "fuzz: clang has no libFuzzer runtime: skipped"; exit 77
fi
[ -f "$builddir/config.h" ] || { echo "fuzz: no $builddir/config.h (configure first)"; exit 1; }

mkdir -p "$out"
fail=0
for t in "${targets[@]}"; do
	srcs=${SOURCES[$t]:-}
	[ -n "$srcs" ] || { echo "fuzz $t: unknown target"; fail=1; continue; }
	missing=0
	for s in $srcs; do [ -f "$srcdir/$s" ] || missing=1; done
	if [ $missing = 1 ]; then
		echo "fuzz $t: sources missing: skipped"
		continue
	fi
	bin=$out/fuzz_$t
	# shellcheck disable=SC2086
	if ! (cd "$srcdir" && clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -std=gnu11 -Iinclude -I"$builddir" \
		$srcs -o "$bin") >"$out/$t.build.log" 2>&1; then
		echo "fuzz $t: BUILD FAILED"; cat "$out/$t.build.log"; fail=1; continue
	fi
	if [ -d "$srcdir/test/fuzz/regress/$t" ] &&
	   [ -n "$(ls -A "$srcdir/test/fuzz/regress/$t")" ]; then
		if ! "$bin" "$srcdir/test/fuzz/regress/$t"/* >"$out/$t.regress.log" 2>&1; then
			echo "fuzz $t: REGRESSION input crashes"; tail -30 "$out/$t.regress.log"
			fail=1; continue
		fi
	fi
	[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && { echo "fuzz $t: built $bin"; continue; }
	corpus=$out/corpus-$t
	mkdir -p "$corpus" "$out/artifacts-$t"
	if [ -d "$srcdir/test/fuzz/corpus/$t" ]; then
		cp -n "$srcdir/test/fuzz/corpus/$t"/* "$corpus/" 2>/dev/null || true
	fi
	log=$out/$t.log
	if "$bin" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 \
		-artifact_prefix="$out/artifacts-$t/" "$corpus" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
		cov=$(sed -n 's/^#[0-9]*[^c]*cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
		echo "fuzz $t: execs=${execs:-?} cov=${cov:-?} crashes=0 seconds=$secs corpus=$(ls "$corpus" | wc -l)"
	else
		echo "fuzz $t: CRASH (artifacts in $out/artifacts-$t)"
		grep -m5 -E 'ERROR|SUMMARY|runtime error' "$log" || tail -20 "$log"
		fail=1
	fi
done
exit $fail
