#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-2vm.sh - one of the two cluster guests of run-2vm.sh (busybox sh,
# started by /init when the kernel command line has ktest.node=N).
#
# Both guests open the same leg0/leg1/log0 image files (qemu share-rw=on),
# form a two-node corosync over a qemu dgram link (10.0.0.1 <-> 10.0.0.2),
# run cmirrord and activate the same clustered-disk mirror (same uuid).
# After the initial resync both write their own range with O_DIRECT dd in a
# loop; the host kills one guest's qemu (-9) once both print KTEST2-WRITING.
# The survivor then: sees its peer leave, finishes its own writes, waits
# for N/N (the dead node's marked regions are resynced: SET_REGION_SYNC
# after the death), checks that both legs hold its data and are identical,
# removes the mirror, stops cmirrord and powers off; the host compares the
# leg image files.
#
# Kernel command line: ktest.node=1|2, ktest.wd=SECONDS (watchdog).
# Console lines: "KTEST <name> PASS|FAIL <detail>", "KINFO ...",
# "KTEST2-WRITING node N" (host trigger), "KTEST-DONE" (survivor only).
# Disks (by serial): leg0 leg1 log0 (shared), out (this guest's logs).

LOGS=/tmp/logs
DLOG=$LOGS/cmirrord.log
SOCK=/run/cmirrord.sock
PIDF=/run/cmirrord.pid
RS=1024				# region size, sectors (512 KiB)
WMB=8				# MiB each node writes per pass
UUID=ktest-2vm
NAME=m2
export DM_DISABLE_UDEV=1

NPASS=0
NFAIL=0
ktest() {
	echo "KTEST $1 $2 $3"
	echo "=== KTEST $1 $2 $3" >>"$DLOG"
	if [ "$2" = PASS ]; then NPASS=$((NPASS + 1)); else NFAIL=$((NFAIL + 1)); fi
}
pass() { ktest "$1" PASS "$2"; }
fail() { ktest "$1" FAIL "$2"; }
# verdict NAME PASS-DETAIL FAIL-DETAIL: by the status of the command before
# (the details must not hold a command substitution: it would reset $?)
verdict() {
	if [ $? = 0 ]; then pass "$1" "$2"; else fail "$1" "$3"; fi
}
info() { echo "KINFO $*"; }
phase() { echo "=== PHASE $*" >>"$DLOG"; }

cmdline_arg() {
	# shellcheck disable=SC2013 # words, not lines
	for w in $(cat /proc/cmdline); do
		case "$w" in "$1"=*) echo "${w#*=}" ;; esac
	done
}
NODE=$(cmdline_arg ktest.node)
PEER=$((3 - NODE))
VICTIM=$(cmdline_arg ktest.victim)
WD=$(cmdline_arg ktest.wd)
[ -n "$WD" ] || WD=900

dms() { timeout -s KILL 120 dmsetup --noudevsync "$@"; }
dev_by_serial() {
	for b in /sys/block/vd*; do
		[ "$(cat "$b/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}
majmin() { cat "/sys/block/${1##*/}/dev"; }
sync_of() {
	dms status "$1" 2>/dev/null | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {print $i; exit}}'
}
# wait_sync NAME SECONDS: until a == b; prints the last a/b and keeps the
# lowest count seen in MINSYNC (a file: wait_sync runs in $(...)).
wait_sync() {
	i=0 lim=$(($2 * 5))
	while [ $i -lt $lim ]; do
		s=$(sync_of "$1")
		case "$s" in */*)
			m=$(cat /tmp/minsync 2>/dev/null)
			[ -z "$m" ] || [ "${s%/*}" -lt "$m" ] && echo "${s%/*}" >/tmp/minsync
			[ "${s%/*}" = "${s#*/}" ] && { echo "$s"; return 0; } ;;
		esac
		sleep 0.2
		i=$((i + 1))
	done
	echo "${s:-none}"
	return 1
}
drop_caches() {
	sync
	blockdev --flushbufs "$LEG0" "$LEG1" 2>/dev/null
	echo 3 >/proc/sys/vm/drop_caches
}
# members: the number of nodes in this node's corosync membership
members() { corosync-quorumtool -s 2>/dev/null | awk '/^Nodes:/ {print $2}'; }

stats_prev=/tmp/stats.prev	# created once /tmp is mounted
stats_line() {
	cmirrorctl -s "$SOCK" stats >/tmp/stats.now 2>/dev/null || { info "stats $1: cmirrorctl failed"; return 1; }
	cp /tmp/stats.now "$LOGS/stats-$1.txt"
	STATS=$(awk 'FILENAME == ARGV[1] { if ($2 ~ /^[0-9]+$/) prev[$1] = $2; next }
		$1 ~ /^[A-Z_]+$/ && $2 ~ /^[0-9]+$/ { d = $2 - prev[$1]; if (d > 0) printf " %s=%d", $1, d }' \
		$stats_prev /tmp/stats.now)
	info "requests node$NODE $1:$STATS"
	cp /tmp/stats.now $stats_prev
}

save_logs() {
	dmesg >"$LOGS/dmesg.txt" 2>&1
	# bounded: a hung daemon must still leave its logs
	timeout -s KILL 10 cmirrorctl -s "$SOCK" stats >"$LOGS/stats-final.txt" 2>&1
	kill -0 "${CMPID:-0}" 2>/dev/null &&
		timeout -s KILL 10 cmirrorctl -s "$SOCK" dump >"$LOGS/ring.txt" 2>&1
	timeout -s KILL 10 corosync-quorumtool -s >"$LOGS/quorum.txt" 2>&1
	sync
	[ -n "$OUTDEV" ] && tar -cf "$OUTDEV" -C /tmp logs && sync
}
finish() {
	dmesg | grep -E 'device-mapper|dm-log|mirror' | tail -30 | sed 's/^/KLOG /'
	kill "$WDPID" 2>/dev/null
	save_logs
	info "node$NODE passed $NPASS failed $NFAIL"
	echo "KTEST-DONE"
	poweroff -f
}
watchdog() {
	sleep "$WD"
	echo "KTEST watchdog FAIL node$NODE still running after ${WD}s (last phase: $(grep '^=== PHASE' "$DLOG" | tail -1))"
	for t in /proc/"${CMPID:-0}"/task/*; do
		[ -d "$t" ] || continue
		echo "KINFO cmirrord thread ${t##*/}: $(cat "$t/comm") state $(awk '{print $3, "utime", $14, "stime", $15}' "$t/stat") wchan $(cat "$t/wchan" 2>/dev/null)"
	done
	grep -v '^===' "$DLOG" | tail -15 | sed 's/^/KINFO cmirrord: /'
	dmesg | grep -E 'dm-log|mirror' | tail -5 | sed 's/^/KLOG /'
	dmesg | tail -20 | sed 's/^/KLOG /'
	save_logs
	echo "KTEST-DONE"
	poweroff -f
}

# writer OFFSET_MB: O_DIRECT passes of /tmp/pat over [OFFSET, OFFSET+WMB)
# MiB until a whole pass started after /tmp/stop appeared; prints the host trigger after the first pass.
# /tmp/writer.rc: 0, or the failing pass.
# announce_held: once this node has a region marked in the replica and no
# request pending (its FLUSH was answered: the write is at the frozen leg),
# tell the host to kill us.
announce_held() {
	i=0
	while [ $i -lt 300 ]; do
		out=$(timeout -s KILL 5 cmirrorctl -s "$SOCK" log "$UUID" 2>/dev/null)
		case $out in *"pending requests 0"*)
			printf '%s\n' "$out" | grep -q "^marks .* node $NODE: [1-9]" && break ;;
		esac
		sleep 0.2
		i=$((i + 1))
	done
	info "node$NODE holds: $(printf '%s\n' "$out" | grep '^marks')"
	echo "KTEST2-WRITING node $NODE"
}

writer() {
	n=0
	while :; do
		n=$((n + 1))
		last=0
		[ -f /tmp/stop ] && last=1
		if ! dd if=/tmp/pat of="/dev/mapper/$NAME" bs=64k seek=$(($1 * 16)) \
			oflag=direct conv=notrunc,fsync 2>>"$LOGS/dd.err"; then
			echo "$n" >/tmp/writer.rc
			return 1
		fi
		if [ $n = 1 ] && [ "$NODE" = "$VICTIM" ]; then
			# The next write stays in flight with its mark on record
			# (leg 1 frozen): the survivor must resync that region.
			dms suspend l1
			announce_held &
		elif [ $n = 1 ]; then
			echo "KTEST2-WRITING node $NODE"
		fi
		[ $last = 1 ] && break
	done
	echo "passes $n" >>"$LOGS/dd.err"
	echo 0 >/tmp/writer.rc
}

# ---------------------------------------------------------------- setup
mkdir -p /tmp /run
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
mkdir -p "$LOGS" /var/lib/corosync /var/run
: >"$DLOG"
: >$stats_prev
watchdog &
WDPID=$!

modprobe -a dm-mod dm-log dm-region-hash dm-mirror dm-log-userspace virtio_pci virtio_blk virtio_net
i=0
while ! dev_by_serial out >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
LEG0=$(dev_by_serial leg0) LEG1=$(dev_by_serial leg1) LOG0=$(dev_by_serial log0)
OUTDEV=$(dev_by_serial out)
NIC=
for n in /sys/class/net/*; do
	[ "${n##*/}" = lo ] || { NIC=${n##*/}; break; }
done
if [ -n "$NODE" ] && [ -n "$LEG0" ] && [ -n "$LEG1" ] && [ -n "$LOG0" ] && [ -n "$NIC" ] &&
	[ -c /dev/mapper/control ]; then
	pass "node$NODE/boot" "kernel $(uname -r), legs $LEG0 $LEG1 log $LOG0 nic $NIC"
else
	fail "node$NODE/boot" "node '$NODE' disks/nic missing: $(ls /sys/block) $(ls /sys/class/net)"
	finish
fi
LEG0MM=$(majmin "$LEG0") LEG1MM=$(majmin "$LEG1") LOGMM=$(majmin "$LOG0")
SECT=$(blockdev --getsz "$LEG0")
NREG=$(((SECT + RS - 1) / RS))

ip link set lo up
ip link set "$NIC" up
ip addr add "10.0.0.$NODE/24" dev "$NIC"
i=0
until ping -c 1 -W 1 "10.0.0.$PEER" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 120 ] || break
done
[ $i -lt 120 ]
verdict "node$NODE/net" "10.0.0.$PEER answers ping" "no ping answer from 10.0.0.$PEER"

corosync -f -c /etc/corosync/corosync-2node.conf >>"$LOGS/corosync.log" 2>&1 &
COROPID=$!
i=0
while [ "$(members)" != 2 ] && [ $i -lt 600 ] && kill -0 $COROPID 2>/dev/null; do
	sleep 0.2
	i=$((i + 1))
done
if [ "$(members)" = 2 ] && corosync-quorumtool -s | grep -q 'Quorate: *Yes'; then
	pass "node$NODE/corosync" "2 nodes, quorate: $(corosync-quorumtool -s | grep Flags | tr -s ' ')"
else
	fail "node$NODE/corosync" "members $(members): $(tail -3 "$LOGS/corosync.log" | tr '\n' '|')"
	finish
fi

rm -f "$PIDF"
cmirrord -f --log-level debug --pid-file "$PIDF" --control-socket "$SOCK" >>"$DLOG" 2>&1 &
CMPID=$!
i=0
until [ "$(cat "$PIDF" 2>/dev/null)" = "$CMPID" ] && cmirrorctl -s "$SOCK" ping >/dev/null 2>&1; do
	if ! kill -0 $CMPID 2>/dev/null || [ $i -ge 150 ]; then break; fi
	sleep 0.2
	i=$((i + 1))
done
if cmirrorctl -s "$SOCK" ping >/dev/null 2>&1; then
	pass "node$NODE/cmirrord" "ready, pid $CMPID"
else
	fail "node$NODE/cmirrord" "not ready: $(tail -3 "$DLOG" | tr '\n' '|')"
	finish
fi
stats_line start

# ---------------------------------------------------------------- mirror
# The host made the log image zero: no magic, a fresh log, every region
# resynced once (by both nodes' kernels, handed out by the cluster).
# Leg 1 through a linear device the victim can freeze (announce_held).
dms create l1 --table "0 $SECT linear $LEG1MM 0" || { fail "node$NODE/create" "linear l1"; finish; }
L1MM=$(dms info -c --noheadings --separator : -o major,minor l1 | tr -d ' ')
TABLE="0 $SECT mirror userspace 4 $UUID clustered-disk $LOGMM $RS 2 $LEG0MM 0 $L1MM 0 1 handle_errors"
phase "create: $TABLE"
if dms create "$NAME" --table "$TABLE"; then
	pass "node$NODE/create" "$TABLE"
else
	fail "node$NODE/create" "$TABLE"
	finish
fi
stats_line create
s=$(wait_sync "$NAME" 300)
verdict "node$NODE/in-sync" "$s" "stuck at $s"
stats_line resync

# Disjoint ranges: node 1 MiB [0, 8), node 2 MiB [16, 24).
OFF=$(((NODE - 1) * 16))
dd if=/dev/urandom of=/tmp/pat bs=1M count=$WMB 2>/dev/null
phase "writes"
rm -f /tmp/stop /tmp/writer.rc
writer $OFF &
WPID=$!
# The host kills one guest after both printed KTEST2-WRITING: the survivor
# sees its peer leave; the victim never gets further than this loop.
i=0
while [ "$(members)" = 2 ] && [ $i -lt 3000 ]; do
	sleep 0.2
	i=$((i + 1))
done
m=$(members)
q=$(corosync-quorumtool -s | awk '/^Quorate:/ {print $2}')
[ "$m" = 1 ]
verdict "node$NODE/peer-left" "node $PEER left the membership; quorate: $q" "membership still $m"
phase "peer $PEER dead"
info "node$NODE status at the peer's death: $(dms status "$NAME")"
stats_line writes
# One more pass of our own after the death, then the writer stops.
touch /tmp/stop
i=0
while kill -0 $WPID 2>/dev/null && [ $i -lt 1500 ]; do sleep 0.2; i=$((i + 1)); done
if kill -0 $WPID 2>/dev/null; then
	fail "node$NODE/writes" "dd still blocked 300 s after the peer's death"
	kill -9 $WPID
elif [ "$(cat /tmp/writer.rc 2>/dev/null)" = 0 ]; then
	pass "node$NODE/writes" "$(tail -1 "$LOGS/dd.err"), the last after the peer's death"
else
	fail "node$NODE/writes" "pass $(cat /tmp/writer.rc 2>/dev/null) failed: $(tail -2 "$LOGS/dd.err" | tr '\n' '|')"
fi
# This kernel has seen the mirror in sync: dm-log-userspace asks for no
# recovery work until a real resume, which the admin does on every
# surviving node (here the only one).
info "node$NODE before the resume: $(dms status "$NAME")"
dms suspend "$NAME" && dms resume "$NAME" || fail "node$NODE/resume" "suspend + resume failed"
rm -f /tmp/minsync
s=$(wait_sync "$NAME" 300)
rc=$?
lo=$(cat /tmp/minsync)
[ $rc = 0 ]
verdict "node$NODE/resync" "$s (lowest seen $lo/$NREG)" "stuck at $s"
stats_line recovery
case "$STATS" in *SET_REGION_SYNC=*)
	pass "node$NODE/dead-regions-resynced" "after the death:$STATS" ;;
*)	fail "node$NODE/dead-regions-resynced" "no SET_REGION_SYNC after the death:$STATS" ;;
esac
info "node$NODE cmirrord on the death: $(grep -iE 'left|lost|dead|writer' "$DLOG" | grep -v '^===' | tail -5 | sed 's/^.*: \(info\|debug\|notice\|warning\): //' | tr '\n' '|')"

drop_caches
ok=1
for leg in "$LEG0" "$LEG1"; do
	dd if="$leg" bs=1M skip=$OFF count=$WMB 2>/dev/null | cmp -s - /tmp/pat || ok=0
done
[ $ok = 1 ]
verdict "node$NODE/own-data" "both legs hold this node's last pass" "a leg lacks this node's data"
if cmp -s "$LEG0" "$LEG1"; then
	pass "node$NODE/legs" "legs identical (inside the survivor)"
else
	fail "node$NODE/legs" "legs differ: $(cmp "$LEG0" "$LEG1" 2>&1 | head -1)"
fi
phase "remove"
dms remove "$NAME"
verdict "node$NODE/remove" "removed" "remove failed"
dms remove l1
stats_line remove

kill -TERM "$CMPID"
i=0
while kill -0 "$CMPID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
if kill -0 "$CMPID" 2>/dev/null; then
	fail "node$NODE/cmirrord-stop" "still running 10 s after SIGTERM"
	kill -9 "$CMPID"
else
	wait "$CMPID"
	rc=$?
	[ $rc = 0 ]
	verdict "node$NODE/cmirrord-stop" "exited 0" "exit status $rc"
fi
kill -TERM "$COROPID" 2>/dev/null
finish
