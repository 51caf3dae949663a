#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-solo-lifecycle.sh - one --no-cluster cmirrord driven by cmirror-ksim.
# For clustered-core and clustered-disk (a regular file as the log device),
# each with sync and nosync: up, status strings, a write workload with
# resync (integrated_flush and MARK_REGION modes), wait-sync, verify, down.
# Then: SIGUSR1 dumps every table and the kernel link's counters; SIGTERM
# with a table present must not stop the daemon (asked over its socket),
# and SIGTERM with no table left must make it exit 0.
#
# Exit: 0 pass, 1 fail, 77 skip (binaries not built).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-solo-lifecycle
solo_require "$CMIRRORD" "$KSIM"

SOCK=$T/kernel.sock

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

# ksim CASE ARGS...: the simulator on the case's table and state dir.
ksim() {
	local c=$1
	shift
	"$KSIM" --socket "$SOCK" --state-dir "$T/state-$c" --uuid "solo-$c" \
		--luid "${LUID[$c]}" --ctr "${CTR[$c]}" --node "n-$c" \
		--timeout-ms 5000 --reconnect-seconds 20 --quiet "$@"
}

declare -A LUID CTR
REGIONS=64	# 65536 sectors / 1024
n=0
for kind in core disk; do
	for sync in sync nosync; do
		c=$kind-$sync
		n=$((n + 1))
		LUID[$c]=0xffff88800000${n}000
		if [ "$kind" = core ]; then
			CTR[$c]="65536 clustered-core 1024 $sync"
		else
			truncate -s 1M "$T/disk-$c.img"
			CTR[$c]="65536 clustered-disk $T/disk-$c.img 1024 $sync"
		fi
	done
done

start_daemon
log "cmirrord pid $DPID"

for c in core-sync core-nosync disk-sync disk-nosync; do
	kind=${c%%-*} sync=${c#*-}
	log "== $c: ${CTR[$c]}"
	ksim "$c" up || fail "$c: up"
	expect_eq "$c region_size" "$(ksim "$c" query region_size)" 1024
	want=0
	[ "$sync" = nosync ] && want=$REGIONS
	expect_eq "$c initial sync_count" "$(ksim "$c" query sync_count)" "$want"
	if [ "$kind" = core ]; then
		expect_eq "$c status_info" "$(ksim "$c" query status_info)" "1 clustered-core"
		expect_eq "$c status_table" "$(ksim "$c" query status_table)" "clustered-core 2 1024 $sync "
	else
		expect_eq "$c status_info" "$(ksim "$c" query status_info)" \
			"3 clustered-disk $T/disk-$c.img A"
		expect_eq "$c status_table" "$(ksim "$c" query status_table)" \
			"clustered-disk 3 $T/disk-$c.img 1024 $sync "
	fi
	mode=mark
	[ "$sync" = sync ] && mode=integrated
	out=$(ksim "$c" run --no-up --writes 300 --burst 4 --mode "$mode" --resync) ||
		fail "$c: run exited $? ($out)"
	log "$out"
	case $out in
	*" violations=0") ;;
	*) fail "$c: run reported violations: $out" ;;
	esac
	case $out in
	*" writes=300 "*) ;;
	*) fail "$c: not all writes done: $out" ;;
	esac
	ksim "$c" wait-sync --max-seconds 30 >/dev/null || fail "$c: wait-sync"
	out=$(ksim "$c" verify) || fail "$c: verify: $out"
	expect_eq "$c verify" "$out" "verify: regions=$REGIONS in_sync=$REGIONS mismatches=0"
	expect_eq "$c final in_sync 0" "$(ksim "$c" query in_sync 0)" 1
	expect_eq "$c final is_clean 0" "$(ksim "$c" query is_clean 0)" 1
	expect_eq "$c remote_recovering" "$(ksim "$c" query remote_recovering 0)" "0 $REGIONS"
done

# A disk log's bitmap must be on the device: header magic "rRiM" at 0.
magic=$(od -An -tx1 -N4 "$T/disk-disk-sync.img" | tr -d ' \n')
expect_eq "disk log magic" "$magic" "7252694d"

# A paced writer (soak.sh -p) still does every write, and a pace out of
# range is refused before anything is sent.
out=$(ksim core-sync run --no-up --writes 20 --pace-ms 2 --mode integrated) ||
	fail "paced run exited $? ($out)"
case $out in
*" writes=20 "*" violations=0") ;;
*) fail "paced run: $out" ;;
esac
if out=$(ksim core-sync run --no-up --writes 1 --pace-ms 60001 2>&1); then
	fail "--pace-ms 60001 accepted: $out"
fi
case $out in
*"bad --pace-ms"*) ;;
*) fail "--pace-ms 60001: $out" ;;
esac

# SIGUSR1, the old daemon's state dump: every table goes to the log, then
# `cmirrorctl stats` (the kernel link's counters with it).  Replies leave in batches (one sendmmsg() per
# loop iteration and destination): never more sends than replies, never
# more replies than requests (no bad frame was sent here).
before=$(grep -c 'end of debug ring' "$T/daemon.log" || true)
kill -USR1 "$DPID"
for _ in $(seq 200); do	# bounded wait for the dump's last line
	[ "$(grep -c 'end of debug ring' "$T/daemon.log" || true)" -gt "$before" ] && break
	sleep 0.05
done
dump=$(sed -n '/state dump (SIGUSR1)/,/--- debug ring/p' "$T/daemon.log")
[ -n "$dump" ] || fail "no state dump after SIGUSR1"
for c in core-sync core-nosync disk-sync disk-nosync; do
	grep -q "solo-$c" <<<"$dump" || fail "state dump without table solo-$c"
done
line=$(grep -o 'kernel link requests [0-9]*  replies [0-9]* in [0-9]* sends' \
	<<<"$dump" | tail -1)
read -r req rep snd <<<"$(tr -cs '0-9' ' ' <<<"$line")"
log "dump: $line"
[ -n "${snd:-}" ] || fail "state dump without the kernel link counters"
[ "$rep" -ge 1 ] && [ "$snd" -ge 1 ] && [ "$snd" -le "$rep" ] &&
	[ "$rep" -le "$req" ] || fail "kernel link counters: $line"

# SIGTERM while tables exist: the daemon must stay.  Two round trips after
# the signal: the signal was pending before the first query was sent, so
# by the second reply the daemon's loop has seen it.
kill -TERM "$DPID"
expect_eq "alive after SIGTERM (1)" "$(ksim core-sync query sync_count)" "$REGIONS"
expect_eq "alive after SIGTERM (2)" "$(ksim disk-sync query sync_count)" "$REGIONS"
kill -0 "$DPID" 2>/dev/null || fail "cmirrord exited on SIGTERM with tables present"

for c in core-sync core-nosync disk-sync disk-nosync; do
	ksim "$c" down || fail "$c: down"
done

# No table left: SIGTERM (again; it may already be on its way out after
# the refused one) must end it with status 0.
kill -TERM "$DPID" 2>/dev/null || true
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
