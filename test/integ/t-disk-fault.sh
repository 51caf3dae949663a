#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-disk-fault.sh - a clustered-disk log whose device fails writes, on one
# --no-cluster cmirrord driven by cmirror-ksim.
#  1. Injected fault (CMIRRORD_DISK_FAIL_WRITES names the device): STATUS
#     INFO says D; the simulator's run gets the FLUSH error (exit 2,
#     "Input/output error"), as dm-log's disk_flush gives -EIO; the daemon
#     stays up and answers: queries on the failed log, a second log on a
#     good device runs writes + resync + verify clean (status A), cmirrorctl
#     ping; the failed log is removed cleanly.
#  2. Fault cleared (daemon restarted without the hook, same device and
#     simulator state): status A, writes + resync, verify clean, the
#     bitmap is on the device (magic).
#  2b. Writes held (CMIRRORD_DISK_HOLD_WRITES: no write starts while a file
#     exists): the FLUSH after a MARK waits for the disk ("waiting for the
#     disk" in cmirrorctl log) and is answered once the writes land, with
#     the mark's bit dirty on the device; also when the device already
#     shows the region dirty but a write out (clearing it, then marking
#     another) would clean it: a FLUSH answered from the device's image
#     must not trust a write that has not landed, nor the image of one
#     that cleaned the region (it is answered at the end of the write
#     started after the mark: flushes_written + 1, flushes_ahead + 0).
#  3. Real fault: the log image is a sparse file on a full tmpfs (private
#     mount namespace), writes get ENOSPC: status D, FLUSH error; the space
#     freed and the table reloaded (resume clears the failure, as dm-log's
#     disk_resume does): status A, writes, verify clean.
# Exit: 0 pass, 1 fail, 77 skip (binaries not built).
set -euo pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	if [ -f "$top_srcdir/build/Makefile" ]; then top_builddir=$top_srcdir/build; else top_builddir=$(pwd); fi
fi
CMIRRORD=${CMIRRORD:-$top_builddir/cmirrord}
KSIM=${KSIM:-$top_builddir/cmirror-ksim}
CTL=${CMIRRORCTL:-$top_builddir/cmirrorctl}
for b in "$CMIRRORD" "$KSIM" "$CTL"; do
	[ -x "$b" ] || { echo "SKIP: $b not built"; exit 77; }
done
# Phase 3 mounts a tmpfs: in a private mount namespace, gone with us.
if [ -z "${T_DISK_FAULT_NS:-}" ] && [ "$(id -u)" = 0 ] &&
   unshare -m --propagation private true 2>/dev/null; then
	T_DISK_FAULT_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/t-disk-fault.XXXXXX")
DPID=
stop_daemon() {
	if [ -n "$DPID" ] && kill -0 "$DPID" 2>/dev/null; then
		kill -9 "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	DPID=
}
cleanup() {
	local rc=$?
	stop_daemon
	if [ "$rc" -ne 0 ] && [ -f "$T/daemon.log" ]; then
		echo "--- daemon log (tail) ---" >&2
		tail -40 "$T/daemon.log" >&2
	fi
	mountpoint -q "$T/mnt" 2>/dev/null && umount "$T/mnt"
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
expect_eq() { [ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"; }

SOCK=$T/kernel.sock
CSOCK=$T/ctl.sock
REGIONS=64	# 65536 sectors / 1024

# start_daemon [ENV=VALUE...]
start_daemon() {
	rm -f "$SOCK"
	env "$@" "$CMIRRORD" -f -c /dev/null --no-cluster --kernel-socket "$SOCK" \
		--pid-file "$T/cmirrord.pid" --control-socket "$CSOCK" \
		>>"$T/daemon.log" 2>&1 &
	DPID=$!
	for _ in $(seq 200); do	# bounded wait for the socket to appear
		[ -S "$SOCK" ] && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	fail "cmirrord did not create $SOCK"
}

# ksim NAME IMAGE LUID ARGS...: the simulator on one disk log.
ksim() {
	local n=$1 img=$2 luid=$3
	shift 3
	"$KSIM" --socket "$SOCK" --state-dir "$T/state-$n" --uuid "fault-$n" \
		--luid "$luid" --ctr "65536 clustered-disk $img 1024 nosync" \
		--node "n-$n" --timeout-ms 5000 --reconnect-seconds 0 --quiet "$@"
}

alive() { kill -0 "$DPID" 2>/dev/null || fail "cmirrord died ($*)"; }

# workload NAME IMAGE LUID: writes + resync, all in sync, verify clean.
workload() {
	local out
	out=$(ksim "$@" run --no-up --writes 100 --burst 4 --mode mark --resync) ||
		fail "$1: run exited $?: $out"
	case $out in *" violations=0") ;; *) fail "$1: violations: $out" ;; esac
	ksim "$@" wait-sync --max-seconds 30 >/dev/null || fail "$1: wait-sync"
	out=$(ksim "$@" verify) || fail "$1: verify: $out"
	expect_eq "$1 verify" "$out" "verify: regions=$REGIONS in_sync=$REGIONS mismatches=0"
}

# flush_fails NAME IMAGE LUID: a write's FLUSH is answered with an error.
flush_fails() {
	local rc=0 out
	out=$(ksim "$@" run --no-up --writes 5 --mode mark 2>&1) || rc=$?
	expect_eq "$1: run exit status with a failing log device" "$rc" 2
	[[ $out == *"run failed: "* ]] || fail "$1: no FLUSH error reported: $out"
	log "$1: run -> exit $rc: ${out##*run failed: }"
	rc=0
	out=$(ksim "$@" run --no-up --writes 5 --mode integrated 2>&1) || rc=$?
	expect_eq "$1: integrated run exit status" "$rc" 2
}

# status_d WHAT NAME DEV LUID: the table's status_info reaches "D" (the
# first write's failure comes back from the disk worker after the RESUME
# may have been answered; bounded wait).
status_d() {
	local what=$1 v=
	shift
	for _ in $(seq 200); do
		v=$(ksim "$@" query status_info) && [ "$v" = "3 clustered-disk $2 D" ] && break
		sleep 0.05
	done
	expect_eq "$what" "$v" "3 clustered-disk $2 D"
}

# ---- 1. injected write failures ---------------------------------------------
truncate -s 1M "$T/bad.img" "$T/good.img"
start_daemon CMIRRORD_DISK_FAIL_WRITES="$T/bad.img"
log "phase 1: cmirrord pid $DPID, writes to bad.img fail"
B=(bad "$T/bad.img" 0x100)
G=(good "$T/good.img" 0x200)
ksim "${B[@]}" up || fail "bad: up"
ksim "${G[@]}" up || fail "good: up"
status_d "bad status_info" "${B[@]}"
expect_eq "good status_info" "$(ksim "${G[@]}" query status_info)" \
	"3 clustered-disk $T/good.img A"
flush_fails "${B[@]}"
alive "after failed flushes"
expect_eq "bad status_info after writes" "$(ksim "${B[@]}" query status_info)" \
	"3 clustered-disk $T/bad.img D"
# Still answering on the failed log and on everything else.
expect_eq "bad region_size" "$(ksim "${B[@]}" query region_size)" 1024
ksim "${B[@]}" query sync_count >/dev/null || fail "bad: sync_count"
ksim "${B[@]}" query status_table >/dev/null || fail "bad: status_table"
"$CTL" --socket "$CSOCK" ping >/dev/null || fail "cmirrorctl ping"
"$CTL" --socket "$CSOCK" status | grep -q fault-bad || fail "status lacks fault-bad"
workload "${G[@]}"
expect_eq "good status_info after writes" "$(ksim "${G[@]}" query status_info)" \
	"3 clustered-disk $T/good.img A"
ksim "${B[@]}" down || fail "bad: down"
ksim "${G[@]}" down || fail "good: down"
alive "after removing the failed log"
grep -q "writing log device $T/bad.img" "$T/daemon.log" || fail "the write error is not logged"
stop_daemon

# ---- 2. the fault cleared ---------------------------------------------------
start_daemon
log "phase 2: cmirrord pid $DPID, no fault"
ksim "${B[@]}" up || fail "bad: up again"
expect_eq "status_info, fault cleared" "$(ksim "${B[@]}" query status_info)" \
	"3 clustered-disk $T/bad.img A"
workload "${B[@]}"
magic=$(od -An -tx1 -N4 "$T/bad.img" | tr -d ' \n')
expect_eq "disk log magic" "$magic" "7252694d"
ksim "${B[@]}" down || fail "bad: down (2)"
stop_daemon

# ---- 2b. writes held: no FLUSH is answered before they land ----------------
start_daemon CMIRRORD_DISK_HOLD_WRITES="$T/hold"
log "phase 2b: cmirrord pid $DPID, writes wait while $T/hold exists"
H=(held "$T/held.img" 0x400)
truncate -s 1M "$T/held.img"
ksim "${H[@]}" up || fail "held: up"
# q ARGS...: one request, answered ok.
q() { local out; out=$(ksim "${H[@]}" query "$@") || fail "held: $*: $out"; }
# dirty_on_disk R: region R's clean bit on the device is 0.
dirty_on_disk() {
	local b
	b=$(od -An -tu1 -j $((1024 + $1 / 8)) -N1 "$T/held.img" | tr -d ' ')
	[ $(((b >> ($1 % 8)) & 1)) = 0 ]
}
# held_flush WHY: an empty FLUSH sent while writes are held waits for the
# disk (never answered before), and is answered once they land.
held_flush() {
	local pid seen=''
	ksim "${H[@]}" --timeout-ms 60000 query flush >"$T/flush.out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do	# bounded wait for the FLUSH to show
		if "$CTL" --socket "$CSOCK" log fault-held |
		   grep -q '^ *FLUSH .*waiting for the disk'; then
			seen=1
			break
		fi
		kill -0 "$pid" 2>/dev/null ||
			fail "held: FLUSH answered while writes were held ($1): $(cat "$T/flush.out")"
		sleep 0.05
	done
	[ -n "$seen" ] || fail "held: the FLUSH never showed waiting for the disk ($1)"
	rm -f "$T/hold"
	wait "$pid" || fail "held: FLUSH after the writes landed ($1): $(cat "$T/flush.out")"
	log "held: FLUSH waited for the disk: $1"
}
# answered_by: "flushes_written flushes_ahead" of the daemon.
answered_by() {
	"$CTL" --socket "$CSOCK" --json stats |
		jq -r '"\(.flushes_written) \(.flushes_ahead)"'
}
q mark 5
q flush
dirty_on_disk 5 || fail "held: region 5 clean on the device after its FLUSH"
touch "$T/hold"
q mark 7
held_flush "a new mark"
dirty_on_disk 7 || fail "held: region 7 clean on the device after its FLUSH"
q clear 7
# The write of that clear is started after its answer: landed, and no
# write out, before writes are held again (else it would be the held one).
for _ in $(seq 600); do	# bounded
	[ "$("$CTL" --socket "$CSOCK" --json log fault-held | jq -r .disk_writing)" = false ] &&
		! dirty_on_disk 7 && break
	sleep 0.05
done
! dirty_on_disk 7 || fail "held: region 7 still dirty on the device after its clear"
touch "$T/hold"
q clear 5
q mark 6		# a write out: region 5 clean, 6 dirty
q clear 6
q mark 5		# the device still shows 5 dirty
read -r w0 a0 <<<"$(answered_by)"
held_flush "a region the device shows dirty, a write out cleaning it"
# Answered at the end of the write started after the mark, not from the
# image of the one that cleaned region 5.
read -r w1 a1 <<<"$(answered_by)"
expect_eq "held: FLUSHes answered at our write's end, ahead" \
	"$((w1 - w0)) $((a1 - a0))" "1 0"
dirty_on_disk 5 || fail "held: region 5 clean on the device after its FLUSH"
ksim "${H[@]}" down || fail "held: down"
stop_daemon
start_daemon

# ---- 3. a real fault: full filesystem ---------------------------------------
if [ -z "${T_DISK_FAULT_NS:-}" ]; then
	log "phase 3 skipped: no private mount namespace (not root or no unshare)"
	log "PASS"
	exit 0
fi
mkdir "$T/mnt"
mount -t tmpfs -o size=512k,mode=0700 cmirror-fault "$T/mnt" || fail "mount tmpfs"
F=(full "$T/mnt/log.img" 0x300)
truncate -s 1M "$T/mnt/log.img"	# sparse: its blocks need free space
dd if=/dev/zero of="$T/mnt/fill" bs=4k 2>/dev/null || true	# until ENOSPC
[ "$(df --output=avail "$T/mnt" | tail -1 | tr -d ' ')" = 0 ] || fail "tmpfs not full"
log "phase 3: tmpfs full"
ksim "${F[@]}" up || fail "full: up"
status_d "full status_info" "${F[@]}"
flush_fails "${F[@]}"
alive "after ENOSPC"
grep -q "writing log device $T/mnt/log.img: No space left on device" "$T/daemon.log" ||
	fail "ENOSPC not logged"
# Space back; reload the table (suspend + resume): the log works again.
rm -f "$T/mnt/fill"
ksim "${F[@]}" down || fail "full: down"
ksim "${F[@]}" up || fail "full: up again"
expect_eq "full status_info after space freed" "$(ksim "${F[@]}" query status_info)" \
	"3 clustered-disk $T/mnt/log.img A"
workload "${F[@]}"
ksim "${F[@]}" down || fail "full: down (2)"
alive "at the end"
log "PASS"
