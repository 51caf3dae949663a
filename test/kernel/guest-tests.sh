#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# guest-tests.sh - runs inside the qemu guest (busybox sh) as /guest-tests.sh.
#
# Drives the stock kernel's dm-mirror + dm-log-userspace against cmirrord on
# a single-node corosync (loopback), the real cluster path.  Every check
# prints one console line "KTEST <name> PASS|FAIL <detail>"; the last line
# is "KTEST-DONE".  The kernel command line selects scenarios with
# ktest.only=a,b,... (default all) and bounds the whole run with
# ktest.wd=SECONDS (a watchdog that reports, saves the logs and powers off).
#
# Disks (virtio, found by their serial): leg0 leg1 (mirror legs), log0 log1
# (disk logs), out (the logs are written onto it as a raw tar stream).
# No `set -e`: a failed step is reported and the next scenario still runs.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes

LOGS=/tmp/logs
DLOG=$LOGS/cmirrord.log
SOCK=/run/cmirrord.sock
PIDF=/run/cmirrord.pid
RS=1024				# region size, sectors
PAT_MB=4			# pattern written by each scenario
export DM_DISABLE_UDEV=1	# no udev in the guest: libdevmapper makes nodes

# ---------------------------------------------------------------- helpers
NPASS=0
NFAIL=0
ktest() {
	echo "KTEST $1 $2 $3"
	echo "=== KTEST $1 $2 $3" >>"$DLOG"
	if [ "$2" = PASS ]; then NPASS=$((NPASS + 1)); else NFAIL=$((NFAIL + 1)); fi
}
pass() { ktest "$1" PASS "$2"; }
fail() { ktest "$1" FAIL "$2"; }
info() { echo "KINFO $*"; }
# check NAME DETAIL CMD...: PASS when CMD succeeds
check() {
	n=$1 d=$2
	shift 2
	if "$@"; then pass "$n" "$d"; return 0; fi
	fail "$n" "$d"
	return 1
}
# phase NAME: a marker in the daemon's log, so the request sequence of each
# phase can be cut out of it afterwards (both writers use O_APPEND).
phase() { echo "=== PHASE $*" >>"$DLOG"; }

cmdline_arg() {
	# shellcheck disable=SC2013 # words, not lines
	for w in $(cat /proc/cmdline); do
		case "$w" in "$1"=*) echo "${w#*=}" ;; esac
	done
}
ONLY=$(cmdline_arg ktest.only)
[ -n "$ONLY" ] || ONLY=all
WD=$(cmdline_arg ktest.wd)
[ -n "$WD" ] || WD=600
want() {
	case ",$ONLY," in *,all,* | *",$1,"*) return 0 ;; esac
	return 1
}

dms() { timeout -s KILL 120 dmsetup --noudevsync "$@"; }

# dev_by_serial NAME -> /dev/vdX
dev_by_serial() {
	for b in /sys/block/vd*; do
		[ "$(cat "$b/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${b##*/}"; return 0; }
	done
	return 1
}
majmin() { cat "/sys/block/${1##*/}/dev"; }

# sync_of NAME -> "a/b" from dmsetup status
sync_of() {
	dms status "$1" 2>/dev/null | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\/[0-9]+$/) {print $i; exit}}'
}
# wait_sync NAME SECONDS: until a == b; prints the last a/b
wait_sync() {
	i=0 lim=$(($2 * 5))
	while [ $i -lt $lim ]; do
		s=$(sync_of "$1")
		case "$s" in */*) [ "${s%/*}" = "${s#*/}" ] && { echo "$s"; return 0; } ;; esac
		sleep 0.2
		i=$((i + 1))
	done
	echo "${s:-none}"
	return 1
}

# The dm writes go around the legs' page cache: drop it before reading.
drop_caches() {
	sync
	blockdev --flushbufs "$LEG0" "$LEG1" "$LOG0" "$LOG1" 2>/dev/null
	echo 3 >/proc/sys/vm/drop_caches
}
# legs_equal [BYTES]: the two legs hold the same bytes (all, or the first N)
legs_equal() {
	drop_caches
	if [ -n "${1:-}" ]; then cmp -s -n "$1" "$LEG0" "$LEG1"; else cmp -s "$LEG0" "$LEG1"; fi
}
# holds_pattern DEV: the first PAT_MB MiB of DEV are the pattern
holds_pattern() {
	drop_caches
	cmp -s -n $((PAT_MB * 1048576)) /tmp/pattern "$1"
}
new_pattern() { dd if=/dev/urandom of=/tmp/pattern bs=1M count=$PAT_MB 2>/dev/null; }
write_pattern() { dd if=/tmp/pattern of="/dev/mapper/$1" bs=64k conv=fsync 2>>"$LOGS/dd.err"; }

stats_prev=/tmp/stats.prev
: >$stats_prev
# stats_line PHASE: request counts of this phase (diff of cmirrorctl stats)
stats_line() {
	cmirrorctl -s "$SOCK" stats >/tmp/stats.now 2>/dev/null || { info "stats $1: cmirrorctl failed"; return; }
	cp /tmp/stats.now "$LOGS/stats-$(echo "$1" | tr / _).txt"
	# FILENAME, not NR == FNR: the previous file is empty after a start.
	line=$(awk 'FILENAME == ARGV[1] { if ($2 ~ /^[0-9]+$/) prev[$1] = $2; next }
		$1 ~ /^[A-Z_]+$/ && $2 ~ /^[0-9]+$/ { d = $2 - prev[$1]; if (d > 0) printf " %s=%d", $1, d }' \
		$stats_prev /tmp/stats.now)
	info "requests $1:$line"
	cp /tmp/stats.now $stats_prev
}

# ---------------------------------------------------------- daemons
start_corosync() {
	corosync -f >>"$LOGS/corosync.log" 2>&1 &
	COROPID=$!
	i=0
	while [ $i -lt 150 ]; do
		corosync-quorumtool -s 2>/dev/null | grep -q 'Quorate: *Yes' && return 0
		kill -0 $COROPID 2>/dev/null || return 1
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# start_cmirrord: foreground in the background; ready = the pid file names
# this process and the control socket answers (it is opened last).
start_cmirrord() {
	rm -f "$PIDF"
	: >"$stats_prev"	# a new process counts from zero
	echo "=== PHASE start cmirrord" >>"$DLOG"
	cmirrord -f --log-level debug --pid-file "$PIDF" --control-socket "$SOCK" >>"$DLOG" 2>&1 &
	CMPID=$!
	i=0
	while [ $i -lt 100 ]; do
		if [ "$(cat "$PIDF" 2>/dev/null)" = "$CMPID" ] &&
			cmirrorctl -s "$SOCK" ping >/dev/null 2>&1; then
			return 0
		fi
		kill -0 $CMPID 2>/dev/null || return 1
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}

# cmirrord-residency-limit: a second daemon (--no-cluster, its own
# sockets: the kernel's requests stay with the first) without CAP_IPC_LOCK
# and CAP_SYS_RESOURCE under a 512 MiB locked-memory limit locks what it
# maps at startup only, says so, and cannot lower oom_score_adj: the case
# the host's t-ops-residency skips where it may not raise the limit.
residency_limit() {
	l2=$LOGS/cmirrord-limit.log p2=/tmp/cmirrord-limit.pid s2=/tmp/cmirrord-limit.sock
	prlimit --memlock=536870912:536870912 -- \
		setpriv --bounding-set -ipc_lock,-sys_resource -- \
		cmirrord -f --no-cluster --kernel-socket /tmp/cmirrord-limit.k \
		--pid-file "$p2" --control-socket "$s2" >"$l2" 2>&1 &
	lpid=$!
	i=0
	until [ "$(cat "$p2" 2>/dev/null)" = "$lpid" ] &&
		cmirrorctl -s "$s2" ping >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $lpid 2>/dev/null; then
			fail cmirrord-residency-limit "not ready: $(tail -5 "$l2" | tr '\n' '|')"
			kill -9 $lpid 2>/dev/null
			return
		fi
		sleep 0.2
	done
	st=$(cmirrorctl -s "$s2" status 2>&1 | grep '^memory lock')
	lck=$(awk '/^VmLck:/ { print $2 }' "/proc/$lpid/status" 2>/dev/null)
	if [ "${lck:-0}" -gt 0 ] &&
		grep -q "warning: memory locked: $lck KiB mapped now; with a locked-memory limit of 524288 KiB, later allocations are not locked" "$l2" &&
		grep -q "cannot set oom_score_adj -1000: Permission denied" "$l2" &&
		echo "$st" | grep -q "^memory lock startup  VmLck $lck KiB  oom_score_adj 0\$"; then
		pass cmirrord-residency-limit "VmLck $lck KiB: $st"
	else
		fail cmirrord-residency-limit "VmLck '$lck' status '$st': $(grep -E 'lock|oom' "$l2" | tr '\n' '|')"
	fi
	kill $lpid
	wait $lpid 2>/dev/null
}

# ---------------------------------------------------------- scenarios
# mirror_cycle NAME LOG FULLCMP: create, (re)sync, write, suspend/resume,
# reload, remove.  LOG = "userspace <n> <uuid> [integrated_flush] <type>
# <args>" (or a kernel log, "core 2 <rs> sync", for the control run).
# FULLCMP=1: the legs must match entirely (sync/default modes resync them);
# 0 (nosync): only the written range.
mirror_cycle() {
	name=$1 logspec=$2 full=$3
	table="0 $SECT mirror $logspec 2 $LEG0MM 0 $LEG1MM 0 1 handle_errors"
	cmpn=
	[ "$full" = 1 ] || cmpn=$((PAT_MB * 1048576))
	phase "$name create: $table"
	if ! dms create "$name" --table "$table"; then
		fail "$name/create" "dmsetup create failed: $table"
		stats_line "$name/create"
		return 1
	fi
	pass "$name/create" "$table"
	stats_line "$name/create"
	s=$(wait_sync "$name" 120) && pass "$name/in-sync" "$s" ||
		fail "$name/in-sync" "stuck at $s"
	check "$name/legs-after-sync" "legs identical${cmpn:+ (first $cmpn bytes)}" legs_equal $cmpn
	stats_line "$name/resync+compare"

	phase "$name write"
	new_pattern
	if write_pattern "$name" && holds_pattern "/dev/mapper/$name" &&
		holds_pattern "$LEG0" && holds_pattern "$LEG1"; then
		pass "$name/write" "$PAT_MB MiB written, both legs hold it"
	else
		fail "$name/write" "dd or leg contents wrong: $(tail -1 "$LOGS/dd.err")"
	fi
	stats_line "$name/write"
	phase "$name status"
	st=$(dms status "$name")
	info "$name status: $st"
	case "$st" in *" 1 clustered-core"* | *" clustered-disk "*" A"* | *" 1 core"*) pass "$name/status" "$st" ;;
	*) fail "$name/status" "unexpected: $st" ;; esac
	stats_line "$name/status"

	phase "$name suspend"
	ok=0
	if dms suspend "$name"; then
		stats_line "$name/suspend"
		phase "$name resume"
		dms resume "$name" && s=$(wait_sync "$name" 30) && ok=1
		stats_line "$name/resume"
	fi
	[ $ok = 1 ] && pass "$name/suspend-resume" "$s" ||
		fail "$name/suspend-resume" "state $(dms info -c --noheadings -o attr "$name") sync $s"

	# A reload is a new table (new luid) for the same uuid: CTR on the
	# inactive table while the live one is still up, then the swap.
	phase "$name reload"
	cur=$(dms table "$name")
	if dms load "$name" --table "$table" && stats_line "$name/load" &&
		dms resume "$name"; then
		stats_line "$name/swap"
		new_pattern
		s=$(wait_sync "$name" 60)
		if write_pattern "$name" && holds_pattern "$LEG0" && holds_pattern "$LEG1"; then
			pass "$name/reload" "reloaded ($s), write after reload mirrored; table was: $cur"
		else
			fail "$name/reload" "write after reload not mirrored ($s)"
		fi
	else
		fail "$name/reload" "dmsetup load/resume failed"
	fi
	FINAL_SYNC=$(sync_of "$name")
	phase "$name remove"
	check "$name/remove" "removed at $FINAL_SYNC" dms remove "$name"
	stats_line "$name/remove"
}

# disk_header DEV: "magic version nr_regions" of a dm-log disk header
disk_header() {
	drop_caches
	od -A n -t u4 -N 16 "$1" | awk '{printf "%x %u %u", $1, $2, $3 + $4 * 4294967296}'
}
# disk_bits DEV NREG: the clean bits at byte 1024 as hex bytes
disk_bits() {
	drop_caches
	od -A n -t x1 -j 1024 -N $((($2 + 7) / 8)) "$1" | tr -d ' \n'
}

# kernel_disk_compat NAME LOGDEV: the log cmirrord left must load with the
# kernel's own "disk" log and show the sync count cmirrord last reported.
kernel_disk_compat() {
	name=$1 dev=$2 mm=$(majmin "$2") want=$FINAL_SYNC
	hdr=$(disk_header "$dev")
	bits=$(disk_bits "$dev" "$NREG")
	info "$name on-disk: header(magic version nr_regions)=$hdr bits=$bits"
	case "$hdr" in "4d695272 2 $NREG") pass "$name/disk-header" "$hdr" ;;
	*) fail "$name/disk-header" "want 4d695272 2 $NREG, got $hdr" ;; esac
	t="0 $SECT mirror disk 2 $mm $RS 2 $LEG0MM 0 $LEG1MM 0"
	phase "$name kernel disk log: $t"
	if ! dms create "$name-k" --table "$t"; then
		fail "$name/kernel-disk-log" "kernel disk log create failed: $t"
		return 1
	fi
	# The first status after resume: sync_count = popcount(clean bits).
	got=$(sync_of "$name-k")
	if [ "$got" = "$want" ]; then
		pass "$name/kernel-disk-log" "kernel disk log on $mm shows $got like cmirrord"
	else
		fail "$name/kernel-disk-log" "kernel disk log shows $got, cmirrord had $want"
	fi
	wait_sync "$name-k" 60 >/dev/null
	dms remove "$name-k" || fail "$name/kernel-disk-log-remove" "remove failed"
}

# popcount_hex HEX: number of set bits
popcount_hex() {
	echo "$1" | awk '{ n = 0
		for (i = 1; i <= length($0); i++) {
			c = index("0123456789abcdef", substr($0, i, 1)) - 1
			while (c > 0) { n += c % 2; c = int(c / 2) }
		}
		print n }'
}
# disk_count DEV: clean regions recorded on a dm-log disk (what the kernel's
# disk_resume takes as sync_count)
disk_count() { popcount_hex "$(disk_bits "$1" "$NREG")"; }
# count_of NAME: "a" of the a/b sync count
count_of() { s=$(sync_of "$1"); echo "${s%/*}"; }

# write_log_image DEV: a dm-log disk log written by hand (the layout the
# kernel's dm-log.c reads: little-endian magic "MiRr", version 2, nr_regions,
# clean bits from byte 1024, bit i of byte i/8) with 25 of the 64 regions
# clean.  Independent of both cmirrord's codec and the kernel's writer.
COMPAT_BITS='\377\017\000\360\252\000\125\001'
COMPAT_CLEAN=25
write_log_image() {
	dd if=/dev/zero of=/tmp/logimg bs=1536 count=1 2>/dev/null
	printf 'rRiM\002\000\000\000\100\000\000\000\000\000\000\000' |
		dd of=/tmp/logimg conv=notrunc 2>/dev/null
	# shellcheck disable=SC2059 # the octal escapes are the point
	printf "$COMPAT_BITS" | dd of=/tmp/logimg bs=1 seek=1024 conv=notrunc 2>/dev/null
	dd if=/dev/zero of="$1" bs=1M count=1 conv=fsync 2>/dev/null
	dd if=/tmp/logimg of="$1" bs=512 conv=notrunc,fsync 2>/dev/null
}

# frozen_stop NAME: suspend a mirror whose recovery is blocked on the
# suspended kw1: the suspend waits for the recovery in flight, so kw1 is
# resumed meanwhile; no new recovery starts once suspending.
frozen_stop() {
	dms suspend "$1" &
	sp=$!
	sleep 1
	dms resume kw1
	wait $sp
}

# compat_chain: the same log device passed back and forth between cmirrord's
# clustered-disk log and the kernel's own disk log, with regions out of sync
# (a fully clean log proves little).  Leg 1 goes through a linear device
# (kw1) that is kept suspended, so no region's recovery can complete while
# the first status is read: that status is exactly what the log loaded.
compat_chain() {
	dev=$LOG1 mm=$(majmin "$LOG1")
	N=$NREG
	[ "$N" = 64 ] || { fail compat/setup "needs 64 regions, have $N"; return 1; }
	write_log_image "$dev"
	c0=$(disk_count "$dev")
	info "compat hand-written log: header $(disk_header "$dev") bits $(disk_bits "$dev" "$N") clean $c0"
	[ "$c0" = $COMPAT_CLEAN ] || { fail compat/setup "hand-written log counts $c0"; return 1; }
	dms create kw1 --table "0 $SECT linear $LEG1MM 0" || { fail compat/setup "linear kw1"; return 1; }
	W1MM=$(dms info -c --noheadings --separator : -o major,minor kw1 | tr -d ' ')

	# 1. cmirrord loads the hand-written (kernel layout) log.
	phase "compat cmirrord reads hand-written log"
	dms suspend kw1
	t="0 $SECT mirror userspace 4 ktest-compat clustered-disk $mm $RS 2 $LEG0MM 0 $W1MM 0"
	if ! dms create compat-u --table "$t"; then
		dms resume kw1; dms remove kw1
		fail compat/cmirrord-reads "create failed: $t"
		return 1
	fi
	sleep 1
	s=$(sync_of compat-u)
	[ "$s" = "$COMPAT_CLEAN/$N" ] && pass compat/cmirrord-reads "hand-written kernel-layout log: $s" ||
		fail compat/cmirrord-reads "shows $s, the log has $COMPAT_CLEAN/$N clean"
	# 2. ... and writes it back after one more region is recovered.
	frozen_stop compat-u
	s1=$(count_of compat-u)
	dms remove compat-u
	c1=$(disk_count "$dev")
	info "compat after cmirrord: status $s1/$N, on disk $c1 bits $(disk_bits "$dev" "$N")"
	[ "$c1" = "$s1" ] && [ "$s1" -gt $COMPAT_CLEAN ] &&
		pass compat/cmirrord-writes "cmirrord stopped at $s1/$N, its log holds $c1 clean bits" ||
		fail compat/cmirrord-writes "cmirrord stopped at $s1/$N, its log holds $c1 clean bits"
	stats_line compat-cmirrord

	# 3. The kernel's disk log loads what cmirrord wrote.
	phase "compat kernel reads cmirrord's log"
	dms suspend kw1
	t="0 $SECT mirror disk 2 $mm $RS 2 $LEG0MM 0 $W1MM 0"
	if dms create compat-k --table "$t"; then
		sleep 1
		s=$(sync_of compat-k)
		[ "$s" = "$s1/$N" ] && pass compat/kernel-reads "kernel disk log loads cmirrord's log as $s" ||
			fail compat/kernel-reads "kernel disk log shows $s, cmirrord left $s1/$N"
		frozen_stop compat-k
		s2=$(count_of compat-k)
		dms remove compat-k
	else
		dms resume kw1
		fail compat/kernel-reads "create failed: $t"
		s2=$s1
	fi
	c2=$(disk_count "$dev")
	info "compat after the kernel: status $s2/$N, on disk $c2"

	# 4. cmirrord loads what the kernel wrote.
	phase "compat cmirrord reads the kernel's log"
	dms suspend kw1
	t="0 $SECT mirror userspace 4 ktest-compat2 clustered-disk $mm $RS 2 $LEG0MM 0 $W1MM 0"
	if dms create compat-u2 --table "$t"; then
		sleep 1
		s=$(sync_of compat-u2)
		[ "$s" = "$c2/$N" ] && [ "$c2" = "$s2" ] &&
			pass compat/cmirrord-reads-kernel "kernel stopped at $s2/$N, wrote $c2 clean bits, cmirrord loads $s" ||
			fail compat/cmirrord-reads-kernel "kernel stopped at $s2/$N, wrote $c2 clean bits, cmirrord loads $s"
		dms resume kw1
		s=$(wait_sync compat-u2 120) && pass compat/resync "$s" || fail compat/resync "stuck at $s"
		dms remove compat-u2
		c3=$(disk_count "$dev")
		[ "$c3" = "$N" ] && pass compat/final-log "all $c3 regions clean on disk" ||
			fail compat/final-log "$c3 clean on disk after a full resync"
	else
		dms resume kw1
		fail compat/cmirrord-reads-kernel "create failed: $t"
	fi
	dms remove kw1
	check compat/legs "legs identical after the chain" legs_equal ""
	stats_line compat-end
}

# kill9 NAME LOGARGS: kill -9 cmirrord while a dd runs on the mirror, start
# it again; the dd must finish and the legs match after the resync.
kill9() {
	name=$1 logargs=$2 uuid=${2#* } hold=no
	uuid=${uuid%% *}
	# Leg 1 through a linear device: suspended before the kill, it holds
	# the write in flight whose mark is already on the log device.
	dms create "$name-l1" --table "0 $SECT linear $LEG1MM 0" ||
		{ fail "$name/create" "linear $name-l1"; return 1; }
	l1mm=$(dms info -c --noheadings --separator : -o major,minor "$name-l1" | tr -d ' ')
	table="0 $SECT mirror userspace $logargs 2 $LEG0MM 0 $l1mm 0 1 handle_errors"
	phase "$name create: $table"
	dms create "$name" --table "$table" || { fail "$name/create" "$table"; dms remove "$name-l1"; return 1; }
	s=$(wait_sync "$name" 120) || { fail "$name/in-sync" "stuck at $s"; }
	dd if=/dev/urandom of=/tmp/big bs=1M count=24 2>/dev/null
	phase "$name dd + kill -9"
	# O_DIRECT: every write reaches the mirror (and its log) while dd runs;
	# buffered, dd would only fill the page cache before its fsync.
	dd if=/tmp/big of="/dev/mapper/$name" bs=64k oflag=direct conv=fsync 2>"$LOGS/dd-$name.err" &
	ddpid=$!
	sleep 1
	running=no
	kill -0 $ddpid 2>/dev/null && running=yes
	case "$logargs" in *clustered-disk*)
		# Freeze leg 1, then wait until a region is marked with no
		# request pending: its FLUSH was answered, so its write is in
		# flight (held by the suspended leg) and the mark is on disk.
		dms suspend "$name-l1" && hold=yes
		i=0
		while [ $hold = yes ] && [ $i -lt 150 ]; do
			out=$(timeout -s KILL 5 cmirrorctl -s "$SOCK" log "$uuid" 2>/dev/null)
			m=$(printf '%s\n' "$out" | sed -n 's/^ *marks \([0-9]*\):.*/\1/p' | head -1)
			case $out in *"pending requests 0"*)
				[ "${m:-0}" -gt 0 ] && break ;;
			esac
			sleep 0.2
			i=$((i + 1))
		done
		[ $i -lt 150 ] || info "$name: no held write seen: $(printf '%s' "$out" | tr '\n' '|')"
		;;
	esac
	kill -9 "$CMPID"
	wait "$CMPID" 2>/dev/null
	info "$name: cmirrord $CMPID killed (dd running: $running)"
	[ $running = yes ] && pass "$name/kill-under-io" "dd still writing (O_DIRECT) when cmirrord was killed" ||
		fail "$name/kill-under-io" "dd had already finished: not a kill under I/O"
	case "$logargs" in *clustered-disk*)
		# The regions being written were marked, and the mark flushed to the
		# log device before the kernel wrote the legs: they must be dirty.
		ldev=$LOG0
		c=$(disk_count "$ldev")
		info "$name: on-disk log at the kill: $c/$NREG clean, bits $(disk_bits "$ldev" "$NREG")"
		[ "$c" -lt "$NREG" ] && pass "$name/dirty-on-disk" "$c/$NREG clean on disk at the kill" ||
			fail "$name/dirty-on-disk" "all $c/$NREG clean on disk while writes were in flight"
		;;
	esac
	[ $hold = no ] || dms resume "$name-l1"
	sleep 1
	phase "$name restart"
	if start_cmirrord; then
		pass "$name/restart" "cmirrord restarted (pid $CMPID)"
	else
		fail "$name/restart" "cmirrord did not come back: $(grep -v "^===" "$DLOG" | tail -3 | tr '\n' '|')"
	fi
	i=0
	while kill -0 $ddpid 2>/dev/null && [ $i -lt 900 ]; do sleep 0.2; i=$((i + 1)); done
	if kill -0 $ddpid 2>/dev/null; then
		fail "$name/dd-completes" "dd still blocked after 180 s"
		kill -9 $ddpid 2>/dev/null
	elif wait $ddpid; then
		pass "$name/dd-completes" "dd finished ($(tail -1 "$LOGS/dd-$name.err")), running at kill: $running"
	else
		fail "$name/dd-completes" "dd failed: $(tail -1 "$LOGS/dd-$name.err")"
	fi
	info "$name: after the restart: $(grep -E "cmirrord\[$CMPID\].*($name: disk log|$name: CTR|FLUSH for unknown|unknown luid)" "$DLOG" | sed 's/^.*: info: //' | tr '\n' '|')"
	# The kernel's reconnect path keeps its in-sync hint (it asks for no
	# recovery work until a real resume): the regions the log device says
	# dirty are recovered after the admin's suspend + resume.
	grep -q "$uuid: .* regions out of sync after the kernel reconnected" "$DLOG" &&
		info "$name: cmirrord asked for a resume: $(grep -o "$uuid: [0-9]* regions out of sync after the kernel reconnected" "$DLOG" | tail -1)"
	dms suspend "$name" && dms resume "$name"
	s=$(wait_sync "$name" 180) && pass "$name/resync" "$s" || fail "$name/resync" "stuck at $s"
	drop_caches
	if legs_equal "" && cmp -s -n $((24 * 1048576)) /tmp/big "$LEG1"; then
		pass "$name/legs" "legs identical and hold the data"
	else
		fail "$name/legs" "legs differ after resync"
	fi
	FINAL_SYNC=$(sync_of "$name")
	phase "$name remove"
	check "$name/remove" "removed" dms remove "$name"
	dms remove "$name-l1"
	stats_line "$name"
}

# ---------------------------------------------------------------- finish
# save_logs: bounded throughout, so a hung daemon still leaves its logs.
save_logs() {
	dmesg >"$LOGS/dmesg.txt" 2>&1
	timeout -s KILL 10 cmirrorctl -s "$SOCK" stats >"$LOGS/stats-final.txt" 2>&1
	kill -0 "${CMPID:-0}" 2>/dev/null &&
		timeout -s KILL 10 cmirrorctl -s "$SOCK" dump >"$LOGS/ring.txt" 2>&1
	cp /proc/cmdline "$LOGS/cmdline.txt"
	sync
	[ -n "$OUTDEV" ] && tar -cf "$OUTDEV" -C /tmp logs && sync
}

watchdog() {
	sleep "$WD"
	echo "KTEST watchdog FAIL guest tests still running after ${WD}s (last phase: $(grep '^=== PHASE' "$DLOG" | tail -1))"
	# Where the daemon's threads are (a hang or a busy loop?)
	for t in /proc/"${CMPID:-0}"/task/*; do
		[ -d "$t" ] || continue
		echo "KINFO cmirrord thread ${t##*/}: $(cat "$t/comm") state $(awk '{print $3, "utime", $14, "stime", $15}' "$t/stat") wchan $(cat "$t/wchan" 2>/dev/null)"
	done
	grep -v '^===' "$DLOG" | tail -15 | sed 's/^/KINFO cmirrord: /'
	dmesg | tail -20 | sed 's/^/KLOG /'
	save_logs
	echo "KTEST-DONE"
	poweroff -f
}

# ---------------------------------------------------------------- setup
mkdir -p /tmp /run /dev/shm /var/run
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
mkdir -p "$LOGS"
: >"$DLOG"
watchdog &
WDPID=$!

modprobe -a dm-mod dm-log dm-region-hash dm-mirror dm-log-userspace virtio_pci virtio_blk
i=0
while ! dev_by_serial out >/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
LEG0=$(dev_by_serial leg0) LEG1=$(dev_by_serial leg1)
LOG0=$(dev_by_serial log0) LOG1=$(dev_by_serial log1) OUTDEV=$(dev_by_serial out)
if [ -d /sys/module/dm_log_userspace ] && [ -c /dev/mapper/control ] &&
	[ -n "$LEG0" ] && [ -n "$LEG1" ] && [ -n "$LOG0" ] && [ -n "$LOG1" ]; then
	pass boot "kernel $(uname -r), $(cut -d' ' -f1 /proc/modules | tr '\n' ' '), legs $LEG0 $LEG1 logs $LOG0 $LOG1"
else
	fail boot "modules or disks missing: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ') $(ls /sys/block)"
fi
LEG0MM=$(majmin "$LEG0") LEG1MM=$(majmin "$LEG1")
SECT=$(blockdev --getsz "$LEG0")
NREG=$(((SECT + RS - 1) / RS))
info "legs $LEG0MM $LEG1MM, $SECT sectors, region $RS, $NREG regions"

if [ "$ONLY" != boot ]; then
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
	if start_corosync; then
		pass corosync "single node quorate: $(corosync-quorumtool -s 2>/dev/null | grep -E 'Nodes|Quorate' | tr -s ' ' | tr '\n' ' ')"
	else
		fail corosync "not quorate: $(tail -5 "$LOGS/corosync.log" | tr '\n' '|')"
	fi
	if start_cmirrord; then
		pass cmirrord-start "ready, pid $CMPID: $(cmirrorctl -s "$SOCK" status 2>&1 | head -3 | tr '\n' ' ')"
	else
		fail cmirrord-start "not ready (exit or timeout): $(grep -v "^===" "$DLOG" | tail -5 | tr '\n' '|')"
	fi
	# Root with every capability, as under systemd: the daemon locks its
	# memory (later mappings too) and steps out of the OOM killer's way.
	# (The host's test runs may lack CAP_SYS_RESOURCE; this one does not.)
	st=$(cmirrorctl -s "$SOCK" status 2>&1 | grep '^memory lock')
	lck=$(awk '/^VmLck:/ { print $2 }' "/proc/$CMPID/status" 2>/dev/null)
	adj=$(cat "/proc/$CMPID/oom_score_adj" 2>/dev/null)
	if [ "${lck:-0}" -gt 0 ] && [ "$adj" = -1000 ] &&
		echo "$st" | grep -q "^memory lock all  VmLck [0-9]* KiB  oom_score_adj -1000\$"; then
		pass cmirrord-residency "VmLck $lck KiB, oom_score_adj $adj: $st"
	else
		fail cmirrord-residency "VmLck '$lck' oom_score_adj '$adj' status '$st': $(grep -E 'lock|oom' "$DLOG" | tr '\n' '|')"
	fi
	residency_limit
	stats_line start
fi

# Control run with the kernel's own core log: proves the harness (sync wait,
# leg comparison, reload) independently of cmirrord.
if want kcore; then
	dd if=/dev/urandom of="$LEG0" bs=1M conv=fsync 2>/dev/null
	mirror_cycle kcore "core 2 $RS sync" 1
fi

if [ "$ONLY" != boot ] && kill -0 "${CMPID:-0}" 2>/dev/null; then
	if want core-sync; then
		# leg0 random, leg1 zero: "sync" must copy leg0 onto leg1.
		dd if=/dev/urandom of="$LEG0" bs=1M conv=fsync 2>/dev/null
		mirror_cycle core-sync "userspace 4 ktest-core-sync clustered-core $RS sync" 1
	fi
	want core-nosync && mirror_cycle core-nosync "userspace 4 ktest-core-nosync clustered-core $RS nosync" 0
	if want disk; then
		# A zeroed log device has no magic: a fresh log, all regions resynced.
		dd if=/dev/zero of="$LOG0" bs=1M count=1 conv=fsync 2>/dev/null
		mirror_cycle disk "userspace 4 ktest-disk clustered-disk $(majmin "$LOG0") $RS" 1 &&
			kernel_disk_compat disk "$LOG0"
		# And back: the log the kernel just wrote is taken as it is.
		FINAL_SYNC=
		phase "disk-reverse create"
		t="0 $SECT mirror userspace 4 ktest-disk-rev clustered-disk $(majmin "$LOG0") $RS 2 $LEG0MM 0 $LEG1MM 0"
		if dms create disk-rev --table "$t"; then
			s=$(sync_of disk-rev)
			[ "$s" = "$NREG/$NREG" ] && pass disk-reverse "kernel-written log loaded by cmirrord: $s at once" ||
				fail disk-reverse "kernel-written log loaded as $s, want $NREG/$NREG"
			wait_sync disk-rev 60 >/dev/null
			dms remove disk-rev || fail disk-reverse-remove "remove failed"
		else
			fail disk-reverse "create failed: $t"
		fi
		stats_line disk-reverse
	fi
	want iflush && mirror_cycle iflush "userspace 5 ktest-iflush integrated_flush clustered-core $RS nosync" 0
	if want iflush-disk; then
		dd if=/dev/zero of="$LOG1" bs=1M count=1 conv=fsync 2>/dev/null
		mirror_cycle iflush-disk "userspace 5 ktest-iflush-disk integrated_flush clustered-disk $(majmin "$LOG1") $RS" 1 &&
			kernel_disk_compat iflush-disk "$LOG1"
	fi
	want kill9 && kill9 kill9-disk "4 ktest-kill9-disk clustered-disk $(majmin "$LOG0") $RS"
	want compat && compat_chain
	want kill9-core && kill9 kill9-core "4 ktest-kill9-core clustered-core $RS nosync"
	if want kill9; then
		kernel_disk_compat kill9-disk "$LOG0"
	fi

	phase "shutdown"
	stats_line end
	# The daemon logs CTR/DTR and events, not each request: the per-step
	# KINFO request lines above are the request sequence.
	cmirrorctl -s "$SOCK" dump >"$LOGS/ring.txt" 2>&1
	info "daemon warnings/errors: $(grep -ciE 'warn|error|fail' "$DLOG")"
	kill -TERM "$CMPID"
	i=0
	while kill -0 "$CMPID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
	if kill -0 "$CMPID" 2>/dev/null; then
		fail cmirrord-stop "still running 10 s after SIGTERM"
		kill -9 "$CMPID"
	else
		wait "$CMPID"
		rc=$?
		[ $rc = 0 ] && pass cmirrord-stop "exited 0 on SIGTERM" || fail cmirrord-stop "exit status $rc"
	fi
	kill -TERM "$COROPID" 2>/dev/null
fi

dmesg | grep -E 'device-mapper|dm-log|dm_log|mirror' | tail -40 | sed 's/^/KLOG /'
kill "$WDPID" 2>/dev/null
save_logs
info "passed $NPASS failed $NFAIL"
echo "KTEST-DONE"
