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

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-badframes
solo_require "$CMIRRORD" "$KSIM" python

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
"$PY" "$top_srcdir/test/integ/badframes.py" "$SOCK" || rc=$?
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
