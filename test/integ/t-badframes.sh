#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-badframes.sh - run badframes.py (malformed kernel frames, each must get
# its documented error reply or be dropped, with no state change) against a
# --no-cluster cmirrord, then check the daemon survived: it still answers
# a simulator and, with no table left, exits 0 on SIGTERM.
#
# Exit: 0 pass, 1 fail, 77 skip (binaries or python3 missing).
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	if [ -f "$top_srcdir/build/Makefile" ]; then top_builddir=$top_srcdir/build; else top_builddir=$(pwd); fi
fi
CMIRRORD=${CMIRRORD:-$top_builddir/cmirrord}
KSIM=${KSIM:-$top_builddir/cmirror-ksim}
for b in "$CMIRRORD" "$KSIM"; do
	[ -x "$b" ] || { echo "SKIP: $b not built"; exit 77; }
done
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/t-badframes.XXXXXX")
DPID=
cleanup() {
	local rc=$?
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -9 "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ -f "$T/daemon.log" ]; then
		echo "--- daemon log (tail) ---" >&2
		tail -40 "$T/daemon.log" >&2
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

SOCK=$T/kernel.sock
"$CMIRRORD" -f -c /dev/null --no-cluster --kernel-socket "$SOCK" \
	--pid-file "$T/cmirrord.pid" --control-socket "$T/ctl.sock" \
	>>"$T/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 200); do	# bounded wait for the socket to appear
	[ -S "$SOCK" ] && break
	kill -0 "$DPID" 2>/dev/null || fail "cmirrord exited at start"
	sleep 0.05
done
[ -S "$SOCK" ] || fail "cmirrord did not create $SOCK"

rc=0
python3 "$top_srcdir/test/integ/badframes.py" "$SOCK" || rc=$?
[ "$rc" -eq 0 ] || fail "badframes.py: exit $rc"

# Still serving a well-formed client after all that.
K=("$KSIM" --socket "$SOCK" --uuid after-badframes --luid 7 --quiet
	--timeout-ms 5000 --reconnect-seconds 5)
"${K[@]}" up || fail "simulator up after bad frames"
[ "$("${K[@]}" query sync_count)" = 8 ] || fail "sync_count after bad frames"
"${K[@]}" down || fail "simulator down after bad frames"

kill -TERM "$DPID"
for _ in $(seq 200); do	# bounded wait for the exit
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$DPID" 2>/dev/null && fail "cmirrord still running after SIGTERM (no tables left?)"
rc=0
wait "$DPID" || rc=$?
DPID=
[ "$rc" -eq 0 ] || fail "cmirrord exit status $rc"
log "PASS"
