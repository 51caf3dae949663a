#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-ops-residency.sh - the daemon keeps itself resident (lock-memory) and
# out of the OOM killer's way (oom-protect), with one --no-cluster daemon at
# a time driven by cmirror-ksim:
#   - defaults: memory locked at startup (VmLck > 0), and a log brought up
#     later locks its bitmaps too (VmLck grows by at least one bitmap);
#     oom_score_adj -1000, or a warning and the inherited value where this
#     test runs without CAP_SYS_RESOURCE; `cmirrorctl status` (text and
#     --json) shows the same figures as /proc;
#   - lock-memory = no / oom-protect = no from the file: nothing locked, the
#     inherited oom_score_adj kept, the keys in the config dump;
#   - without CAP_IPC_LOCK / CAP_SYS_RESOURCE and a 1 MiB locked-memory
#     limit: two warnings, nothing locked, and the daemon still serves;
#   - without the capabilities but a limit the startup mappings fit in: they
#     are locked, later allocations are not (a warning says so), so a new
#     log does not fail at the limit (only where this test may raise the
#     limit: CAP_SYS_RESOURCE).
# A sanitizer build ignores mlockall(): there the daemon must say so.
#
# Exit: 0 pass, 1 fail, 77 skip (binaries or setpriv/prlimit missing).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-ops-residency
solo_require "$CMIRRORD" "$CTL" "$KSIM" setpriv prlimit python

SOCK=$T/kernel.sock CSOCK=$T/ctl.sock PIDF=$T/cmirrord.pid
# 2^23 regions: each of the log's bitmaps is 1 MiB, mapped on its own.
BIG_CTR="8589934592 clustered-core 1024 nosync"
BITMAP_KIB=1024
INHERITED_ADJ=250	# raising our own oom_score_adj needs no privilege

SAN=0
grep -q libasan <<<"$(ldd "$CMIRRORD" 2>/dev/null)" && SAN=1	# no pipe: pipefail
CAPEFF=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
CAN_LOWER_ADJ=$(( (16#$CAPEFF >> 24) & 1 ))	# CAP_SYS_RESOURCE

# start WRAPPER-ARGS... ::: DAEMON-ARGS...: a foreground daemon whose
# oom_score_adj starts at INHERITED_ADJ, run through the wrapper (setpriv,
# prlimit; exec'd, so DPID is the daemon), log lines from this start only.
start() {
	local wrap=()
	while [ "$1" != ::: ]; do wrap+=("$1"); shift; done
	shift
	rm -f "$SOCK"
	: >"$T/daemon.log"
	(
		echo "$INHERITED_ADJ" >/proc/self/oom_score_adj
		exec "${wrap[@]}" "$CMIRRORD" -f --no-cluster --kernel-socket "$SOCK" \
			--pid-file "$PIDF" --control-socket "$CSOCK" "$@"
	) >>"$T/daemon.log" 2>&1 &
	DPID=$!
	solo_wait_ready "$CSOCK"
}

vmlck() { awk '/^VmLck:/ { print $2 }' "/proc/$DPID/status"; }
oom_adj() { cat "/proc/$DPID/oom_score_adj"; }
logged() { grep -qF -- "$1" "$T/daemon.log" || fail "daemon did not log '$1': $(cat "$T/daemon.log")"; }
logged_re() { grep -qE -- "$1" "$T/daemon.log" || fail "daemon did not log /$1/: $(cat "$T/daemon.log")"; }
not_logged() { ! grep -qF -- "$1" "$T/daemon.log" || fail "daemon logged '$1'"; }
ksim() {
	"$KSIM" --socket "$SOCK" --state-dir "$T/state" --uuid res-big \
		--ctr "$BIG_CTR" --node n1 --timeout-ms 10000 --quiet "$@"
}

# status_matches STATE: `cmirrorctl status` and its JSON show the lock
# state word and /proc's figures (VmLck read before and after, as answering
# may map a page or two).
status_matches() {
	local v1 v2 line n a w adj
	v1=$(vmlck)
	"$CTL" -s "$CSOCK" status >"$T/status.txt" || fail "status exited $?"
	"$CTL" -s "$CSOCK" --json status >"$T/status.json" || fail "status --json exited $?"
	v2=$(vmlck)
	adj=$(oom_adj)
	line=$(grep '^memory lock ' "$T/status.txt") ||
		fail "status has no 'memory lock' line: $(head -4 "$T/status.txt")"
	[[ $line =~ ^memory\ lock\ ([a-z]+)\ \ VmLck\ ([0-9]+)\ KiB\ \ oom_score_adj\ (-?[0-9]+)$ ]] ||
		fail "status line '$line'"
	expect_eq "status lock state" "${BASH_REMATCH[1]}" "$1"
	n=${BASH_REMATCH[2]}
	[ "$n" -ge "$v1" ] && [ "$n" -le "$v2" ] ||
		fail "status says VmLck $n KiB, /proc said $v1 then $v2"
	expect_eq "status oom_score_adj" "${BASH_REMATCH[3]}" "$adj"
	read -r w n a < <("$PY" -c 'import json,sys
r = json.load(open(sys.argv[1]))["resources"]
print(r["memory_lock"], r["locked_kib"], r["oom_score_adj"])' "$T/status.json") ||
		fail "status --json: $(cat "$T/status.json")"
	expect_eq "status --json memory_lock" "$w" "$1"
	[ "$n" -ge "$v1" ] && [ "$n" -le "$v2" ] ||
		fail "status --json says VmLck $n KiB, /proc said $v1 then $v2"
	expect_eq "status --json oom_score_adj" "$a" "$adj"
}

# ---- defaults ----
log "== defaults (sanitizer build: $SAN, CAP_SYS_RESOURCE: $CAN_LOWER_ADJ)"
start ::: -c /dev/null
if [ "$CAN_LOWER_ADJ" = 1 ]; then
	expect_eq "oom_score_adj" "$(oom_adj)" -1000
	logged "oom_score_adj -1000: never chosen by the OOM killer"
else
	expect_eq "oom_score_adj without CAP_SYS_RESOURCE" "$(oom_adj)" "$INHERITED_ADJ"
	logged "cannot set oom_score_adj -1000: Permission denied"
fi
WANT=all
[ "$SAN" = 1 ] && WANT=ignored
status_matches "$WANT"
l0=$(vmlck)
if [ "$SAN" = 1 ]; then
	expect_eq "VmLck under a sanitizer" "$l0" 0
	logged "mlockall() succeeded but nothing is locked"
else
	[ "$l0" -gt 0 ] || fail "VmLck is 0 with lock-memory at its default"
	# Startup's figure; what the loop, sockets and threads mapped after
	# it is locked too, so l0 is larger.
	logged_re "info: memory locked: [1-9][0-9]* KiB now, later mappings as they are touched$"
	ksim up || fail "up of the 2^23-region log"
	l1=$(vmlck)
	log "VmLck $l0 KiB at start, $l1 KiB with the log up"
	[ "$l1" -ge $((l0 + BITMAP_KIB)) ] ||
		fail "a log brought up later is not locked: VmLck $l0 -> $l1 KiB"
	status_matches all
	ksim down || fail "down"
	l2=$(vmlck)
	[ "$l2" -le $((l1 - BITMAP_KIB)) ] ||
		fail "the freed log's bitmaps stay counted: VmLck $l1 -> $l2 KiB"
fi
solo_stop

# ---- switched off in the file ----
log "== lock-memory = no, oom-protect = no"
printf 'lock-memory = no\noom-protect = no\n' >"$T/off.conf"
start ::: -c "$T/off.conf"
expect_eq "VmLck with lock-memory = no" "$(vmlck)" 0
expect_eq "oom_score_adj with oom-protect = no" "$(oom_adj)" "$INHERITED_ADJ"
logged "memory not locked (lock-memory = no)"
not_logged "oom_score_adj -1000"
ksim up || fail "up with lock-memory = no"
expect_eq "VmLck with a log up, lock-memory = no" "$(vmlck)" 0
ksim down || fail "down"
status_matches off
"$CTL" -s "$CSOCK" config >"$T/config.txt" || fail "config exited $?"
for k in lock-memory oom-protect; do
	grep -qE "^$k = no +# file$" "$T/config.txt" ||
		fail "config dump has no '$k = no  # file': $(cat "$T/config.txt")"
done
solo_stop

# ---- no privileges, a limit too small for anything ----
log "== without CAP_IPC_LOCK / CAP_SYS_RESOURCE, 1 MiB locked-memory limit"
NOCAPS=(setpriv --bounding-set -ipc_lock,-sys_resource --)
start "${NOCAPS[@]}" prlimit --memlock=1048576:1048576 -- ::: -c /dev/null
logged "cannot set oom_score_adj -1000: Permission denied"
expect_eq "oom_score_adj without the capability" "$(oom_adj)" "$INHERITED_ADJ"
if [ "$SAN" = 0 ]; then
	logged "cannot lock memory: Cannot allocate memory (locked-memory limit 1024 KiB)"
fi
expect_eq "VmLck" "$(vmlck)" 0
# It still serves: a write workload with resync on the big log.
out=$(ksim run --writes 40 --burst 4 --mode integrated --resync) ||
	fail "run without locked memory: $out"
case $out in *" violations=0") ;; *) fail "run: $out" ;; esac
ksim down || fail "down"
WANT=failed
[ "$SAN" = 1 ] && WANT=ignored
status_matches "$WANT"
solo_stop

# ---- no privileges, startup fits the limit ----
# Raising the hard limit to 512 MiB needs CAP_SYS_RESOURCE here (some
# containers run root without it; the default hard limit is far below what
# the daemon maps at startup).
if [ "$SAN" = 1 ]; then
	log "== finite limit case: skipped (a sanitizer build locks nothing)"
elif [ "$CAN_LOWER_ADJ" = 0 ]; then
	log "== finite limit case: skipped (no CAP_SYS_RESOURCE to raise the limit)"
else
	log "== without the capabilities, 512 MiB locked-memory limit"
	start "${NOCAPS[@]}" prlimit --memlock=536870912:536870912 -- ::: -c /dev/null
	l0=$(vmlck)
	[ "$l0" -gt 0 ] || fail "startup mappings not locked under a 512 MiB limit"
	logged_re "warning: memory locked: $l0 KiB mapped now; with a locked-memory limit of 524288 KiB, later allocations are not locked$"
	ksim up || fail "up under a finite limit"
	l1=$(vmlck)
	[ "$l1" -lt $((l0 + BITMAP_KIB)) ] ||
		fail "later allocations locked under a finite limit: VmLck $l0 -> $l1 KiB"
	status_matches startup
	ksim down || fail "down"
	solo_stop
fi

log "PASS"
