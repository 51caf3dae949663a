#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-solo-restart.sh - kill -9 a --no-cluster cmirrord under load.
#  1. For clustered-core and clustered-disk: cmirror-ksim runs writes (with
#     resync); the daemon is killed mid-run and restarted; the simulator
#     must reconnect (CTR with the NUL counted + RESUME, as the kernel's
#     -ESRCH path does), finish cleanly, and afterwards no region may be
#     reported in sync with legs that differ (verify).
#  2. clustered-disk only: a simulator holding marks (--lazy-clear) and the
#     daemon are both killed; after the restart every region the dead
#     simulator's journal shows marked (flushed) and not cleared must be
#     out of sync and dirty (check-dead) before any resync.
#  3. A large clustered-disk log (2^20 regions, nosync; the daemon writes
#     only the bitmap blocks that changed, several extents a write): the
#     simulator writes all over it (integrated, then mark mode), both are
#     killed -9; every region the journal shows flushed and not cleared
#     is dirty in the bitmap on the device itself.
#
# Exit: 0 pass, 1 fail, 77 skip (binaries not built).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-solo-restart
solo_require "$CMIRRORD" "$KSIM"
SOLO_LOGS="$T/ksim-*.err"

SOCK=$T/kernel.sock
STATE=$T/state
REGIONS=64

start_daemon() {
	rm -f "$SOCK"
	"$CMIRRORD" -f -c /dev/null --no-cluster --kernel-socket "$SOCK" \
		--pid-file "$T/cmirrord.pid" --control-socket "$T/ctl.sock" \
		>>"$T/daemon.log" 2>&1 &
	DPID=$!
	for _ in $(seq 200); do	# bounded wait for the socket to appear
		[ -S "$SOCK" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	fail "cmirrord did not create $SOCK"
}

kill9_daemon() {
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null || true
	DPID=
}

# kargs CASE: the simulator's command line for CASE's table, in KARGS
# (a background simulator is started from it directly, so that $! is the
# simulator itself and can be signalled).
kargs() {
	KARGS=("$KSIM" --socket "$SOCK" --state-dir "$STATE-$1" --uuid "restart-$1"
		--luid "${LUID[$1]}" --ctr "${CTR[$1]}" --timeout-ms 3000
		--reconnect-seconds 30 --quiet)
}
# ksim CASE ARGS...
ksim() {
	local c=$1
	shift
	kargs "$c"
	"${KARGS[@]}" "$@"
}

wlines() {	# flushed marks ("W" lines) in a journal so far
	local n
	n=$(grep -c '^W ' "$1" 2>/dev/null) || true
	echo "${n:-0}"
}

# wait_journal FILE N: bounded wait until the journal has N "W" lines,
# while the simulator KPID is still running.
wait_journal() {
	for _ in $(seq 600); do
		[ "$(wlines "$1")" -ge "$2" ] && return 0
		kill -0 "$KPID" 2>/dev/null || fail "simulator exited early"
		sleep 0.05
	done
	fail "$1: no progress to $2 flushed marks"
}

declare -A LUID CTR
LUID[core]=0xffff888000002000 CTR[core]="65536 clustered-core 1024"
LUID[disk]=0xffff888000002100 CTR[disk]="65536 clustered-disk $T/disk.img 1024"
LUID[dead]=0xffff888000002200 CTR[dead]="65536 clustered-disk $T/dead.img 1024"
truncate -s 1M "$T/disk.img" "$T/dead.img"

start_daemon

# --- 1. kill -9 mid-run, the simulator reconnects and finishes ---------------
for c in core disk; do
	log "== $c: ${CTR[$c]}"
	ksim "$c" up || fail "$c: up"
	kargs "$c"
	"${KARGS[@]}" --node writer run --no-up --writes 0 --burst 2 --mode mark \
		--resync --lazy-clear 4 >"$T/ksim-$c.out" 2>"$T/ksim-$c.err" &
	KPID=$!
	j=$STATE-$c/journal.writer
	wait_journal "$j" 100
	kill9_daemon
	log "$c: daemon killed at $(wlines "$j") flushed marks; restarting"
	start_daemon
	n=$(wlines "$j")
	wait_journal "$j" $((n + 100))
	kill -TERM "$KPID"
	rc=0
	wait "$KPID" || rc=$?
	KPID=
	out=$(cat "$T/ksim-$c.out")
	log "$out"
	expect_eq "$c: simulator exit status" "$rc" 0
	case $out in
	*" reconnects=0 "*) fail "$c: the simulator never reconnected: $out" ;;
	*" violations=0") ;;
	*) fail "$c: violations: $out" ;;
	esac
	# Whatever the restarted daemon reports in sync must be consistent.
	out=$(ksim "$c" verify) || fail "$c: verify after restart: $out"
	log "$c: $out"
	ksim "$c" resync >/dev/null || fail "$c: resync"
	ksim "$c" wait-sync --max-seconds 30 >/dev/null || fail "$c: wait-sync"
	out=$(ksim "$c" verify) || fail "$c: final verify: $out"
	expect_eq "$c verify" "$out" "verify: regions=$REGIONS in_sync=$REGIONS mismatches=0"
	ksim "$c" down || fail "$c: down"
done

# --- 2. clustered-disk: marks held at the kill survive as dirty -------------
c=dead
log "== $c: ${CTR[$c]}"
ksim "$c" up || fail "$c: up"
ksim "$c" --node sync resync >/dev/null || fail "$c: initial resync"
ksim "$c" wait-sync --max-seconds 30 >/dev/null || fail "$c: initial wait-sync"
kargs "$c"
"${KARGS[@]}" --node victim run --no-up --writes 0 --burst 2 --no-resync \
	--lazy-clear 8 >"$T/ksim-$c.out" 2>"$T/ksim-$c.err" &
KPID=$!
j=$STATE-$c/journal.victim
wait_journal "$j" 100
# Daemon first: every mark the victim saw flushed is then on the log
# device, and the victim cannot clear anything after its journal is read.
kill9_daemon
kill -9 "$KPID"
wait "$KPID" 2>/dev/null || true
KPID=
start_daemon
ksim "$c" up || fail "$c: up after restart"
out=$(ksim "$c" check-dead victim) || fail "$c: $out"
log "$c: $out"
case $out in
"check-dead: checked=0 "*) fail "$c: no region was held marked at the kill" ;;
*" violations=0") ;;
*) fail "$c: $out" ;;
esac
ksim "$c" resync >/dev/null || fail "$c: resync"
ksim "$c" wait-sync --max-seconds 30 >/dev/null || fail "$c: wait-sync"
out=$(ksim "$c" verify) || fail "$c: verify: $out"
expect_eq "$c verify" "$out" "verify: regions=$REGIONS in_sync=$REGIONS mismatches=0"
ksim "$c" down || fail "$c: down"

# --- 3. a large log: marks answered are on the device -----------------------
LUID[big]=0xffff888000002300 CTR[big]="$((1 << 30)) clustered-disk $T/big.img 1024 nosync"
truncate -s 1M "$T/big.img"
# on_disk MODE: run, kill -9 both, check the journal against the bitmap.
on_disk() {
	local out
	ksim big up || fail "big: up"
	kargs big
	"${KARGS[@]}" --node "v$1" run --no-up --writes 0 --burst 4 --mode "$1" \
		--no-resync --lazy-clear 8 >"$T/ksim-big.out" 2>"$T/ksim-big.err" &
	KPID=$!
	wait_journal "$STATE-big/journal.v$1" 300
	kill9_daemon
	kill -9 "$KPID"
	wait "$KPID" 2>/dev/null || true
	KPID=
	out=$(python3 - "$STATE-big/journal.v$1" "$T/big.img" <<'PY'
import sys
held = set()
for line in open(sys.argv[1]):
    what, _, r = line.partition(' ')
    if what == 'W':
        held.add(int(r))
    elif what == 'C':
        held.discard(int(r))
img = open(sys.argv[2], 'rb').read()
bad = [r for r in held if img[1024 + r // 8] >> (r % 8) & 1]
print(f"held={len(held)} clean_on_disk={len(bad)} {sorted(bad)[:8]}")
sys.exit(1 if bad or not held else 0)
PY
) || fail "big ($1): a flushed mark is clean on the device: $out"
	log "big ($1): $out"
	start_daemon
	ksim big down >/dev/null 2>&1 || true
}
on_disk integrated
on_disk mark

kill -TERM "$DPID"
for _ in $(seq 200); do	# bounded wait for the exit
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$DPID" 2>/dev/null && fail "cmirrord still running after SIGTERM with no tables"
rc=0
wait "$DPID" || rc=$?
DPID=
expect_eq "cmirrord exit status" "$rc" 0
log "PASS"
