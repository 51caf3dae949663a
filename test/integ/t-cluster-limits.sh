#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-limits.sh - the two resources every log costs outside the
# daemon's own memory run out: corosync IPC buffers on /dev/shm (libqb puts
# the ring buffers of every connection there, about 3 MiB each, sized by
# libcpg) and descriptors (one corosync connection per log).  A log that
# cannot connect must wait without answering its kernel, say why, and join
# with the whole state once there is room again.
#  - 2 nodes, started with a soft open-file limit of 256: node 2's daemon
#    raised it to the hard limit at start (/proc/PID/limits, log line);
#  - the core log up on node 1 and resynced; node 1 marks regions 0 and 1
#    and flushes (dirty, never cleared);
#  - node 2's /dev/shm is shrunk to what it uses plus 1 MiB (node 2's
#    daemon already holds its quorum connection; the shared stream and the
#    log would need two more);
#  - node 2's simulator brings the log up in the background: node 2's
#    daemon warns that the stream's group cannot be joined and names
#    /dev/shm; node 2 is in no group (node 1's corosync lists node 1 alone
#    in the log's group), the RESUME stays unanswered, also after a retry
#    (corosync logs a second refused connection); meanwhile node 1 marks
#    region 2;
#  - room is made (64 MiB): node 2 joins on its next retry and installs the
#    checkpoint, the simulator's `up` ends without an error, the replicas
#    converge, node 2 reports regions 0-2 not clean and region 5 clean;
#  - node 2 marks region 3 (a state change through the group) and the
#    replicas converge again;
#  - `cmirrorctl status` shows /dev/shm's free space while it is full and
#    after, and the open-file limit in use;
#  - node 2's daemon is left one free descriptor (prlimit): a second log's
#    simulator connects (that takes it) and brings the log up; the log's
#    CPG connect fails with EMFILE, the warning names the open-file limit,
#    the RESUME stays unanswered; the limit is raised and the log joins on
#    a retry.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

lg=core
shm_used() { h_exec 2 df -k --output=used /dev/shm | tail -1 | tr -d ' '; }
shm_size() { h_exec 2 mount -o "remount,size=$1" /dev/shm || c_die "cannot resize node 2's /dev/shm to $1"; }
# status_json JQ: a field of node 2's status.
status_json() { h_cmirrorctl 2 --json status | jq -r "$1"; }
# The log's requests (cluster-common.sh): node I, then the rest.
is_clean() { c_is_clean "$1" $lg "$2"; }
# wait_warned TAG PATTERN WHY: node 2's log shows PATTERN while the
# background simulator TAG still waits for its answer (bounded poll).
wait_warned() {
	local end=$((SECONDS + 60))
	until grep -q "$2" "$log2"; do
		[ $SECONDS -lt $end ] || c_die "node 2 never said $3: $(tail -5 "$log2")"
		kill -0 "${C_PID[$1]}" 2>/dev/null || c_die "node 2's $1 ended before it said $3: $(cat "$H_DIR/ksim-$1.err")"
		sleep "$H_POLL"
	done
}

command -v prlimit >/dev/null || { h_log "SKIP: no prlimit"; exit 77; }
hard=$(ulimit -Hn)
[ "$hard" = unlimited ] || [ "$hard" -gt 256 ] || { h_log "SKIP: hard open-file limit $hard"; exit 77; }
ulimit -Sn 256
c_cluster 2 || exit 1
ulimit -Sn "$hard"
log2=$(h_node_dir 2)/log/cmirrord.log
p2=$(h__pid 2 cmirrord) || c_die "no pid for node 2's daemon"
soft=$(awk '/^Max open files/ { print $4 }' "/proc/$p2/limits")
[ "$soft" = "$hard" ] || c_die "node 2's daemon kept a soft open-file limit of $soft (hard $hard)"
grep -q "open-file limit raised from 256 to " "$log2" || c_die "node 2 did not log raising its open-file limit"
h_log "node 2's daemon raised its open-file limit from 256 to $soft"
c_ksim 1 $lg up || c_die "node 1: up"
c_resync_all 1 $lg || exit 1
for r in 0 1; do c_ksim 1 $lg query mark $r >/dev/null || c_die "node 1: mark $r"; done
c_ksim 1 $lg query flush >/dev/null || c_die "node 1: flush"

used=$(shm_used)
[ -n "$used" ] || c_die "cannot read node 2's /dev/shm usage"
shm_size "$((used + 1024))k"
h_log "node 2: /dev/shm shrunk to ${used} KiB in use + 1 MiB"

c_ksim_bg 2 $lg up2 up
wait_warned up2 "stream: cannot join the CPG group: No space left on device .*/dev/shm" \
	"that /dev/shm stops the stream"
h_log "node 2: $(grep -m1 -o 'stream: cannot join.*' "$log2")"
# corosync logs each refused connection: wait for the daemon's retry.
cs2=$(h_node_dir 2)/log/corosync.log
end=$((SECONDS + 60))
until [ "$(grep -c "shm connection FAILED" "$cs2")" -ge 2 ]; do
	[ $SECONDS -lt $end ] || c_die "node 2's daemon never tried again"
	sleep "$H_POLL"
done
c_ksim 1 $lg query mark 2 >/dev/null || c_die "node 1: mark 2"
c_ksim 1 $lg query flush >/dev/null || c_die "node 1: flush"
groups=$(c_groups 1 | grep "^cmirror:${C_UUID[$lg]} " | tr '\n' ' ')
[ "$groups" = "cmirror:${C_UUID[$lg]} 1 " ] ||
	c_die "node 1's corosync lists the log's group as '$groups', want node 1 alone"
kill -0 "${C_PID[up2]}" 2>/dev/null ||
	c_die "node 2's up was answered while node 2 could not join: $(cat "$H_DIR/ksim-up2.out")"
grep -q "${C_UUID[$lg]}: membership" "$log2" &&
	c_die "node 2 saw a membership of the log while /dev/shm was full"
h_log "node 2 waits outside the group, its RESUME unanswered"
free=$(status_json .resources.shm_free_kib)
[ "$free" -le 1024 ] || c_die "node 2's status shows $free KiB free on /dev/shm, want <= 1024"

shm_size 64M
c_ksim_answered up2 60 "/dev/shm had room" || exit 1
free=$(status_json .resources.shm_free_kib)
[ "$free" -ge 32768 ] || c_die "node 2's status shows $free KiB free on /dev/shm after the remount to 64 MiB"
grep -q "stream: joined CPG group" "$log2" || c_die "node 2 never joined the stream"
c_wait_converged $lg 60 1 2 || exit 1
for r in 0 1 2; do
	[ "$(is_clean 2 $r)" = 0 ] || c_die "node 2 reports region $r clean: node 1's mark lost"
done
[ "$(is_clean 2 5)" = 1 ] || c_die "node 2 reports region 5 (never marked) not clean"
h_log "node 2 joined once /dev/shm had room; node 1's marks 0-2 are dirty there"

c_ksim 2 $lg query mark 3 >/dev/null || c_die "node 2: mark 3"
c_ksim 2 $lg query flush >/dev/null || c_die "node 2: flush"
c_wait_converged $lg 60 1 2 || exit 1
[ "$(is_clean 1 3)" = 0 ] || c_die "node 1 reports node 2's region 3 clean"

# ---- descriptors -------------------------------------------------------
h_cmirrorctl 2 status | grep -q "^open files [0-9]* of $soft  /dev/shm [0-9]* MiB free$" ||
	c_die "node 2's status: no 'open files N of $soft' line: $(h_cmirrorctl 2 status | head -3)"
C_UUID[extra]=cl-extra C_CTR[extra]="$C_SECTORS clustered-core 1024"
C_LUID[extra]=0xffff888000003200
mkdir -p "$H_DIR/state-extra"
# The limit where exactly one descriptor number below it is free: the
# simulator's connection takes that one.
lim=$(ls "/proc/$p2/fd" | sort -n | awk '
	{ used[$1] = 1 }
	END { for (n = 0; ; n++) if (!(n in used) && ++free == 2) { print n; exit } }')
# Soft limits only: raising a hard one needs CAP_SYS_RESOURCE.
prlimit --pid "$p2" --nofile="$lim:" || c_die "prlimit on node 2's daemon"
h_log "node 2's daemon: open-file limit $lim, one descriptor free"
c_ksim_bg 2 extra upx up
wait_warned upx "cmirror:cl-extra: cannot join the CPG group: Too many open files (each log holds one corosync connection" \
	"that the open-file limit stops the log"
h_log "node 2: $(grep -m1 -o 'cmirror:cl-extra: cannot join.*' "$log2")"
kill -0 "${C_PID[upx]}" 2>/dev/null ||
	c_die "node 2's up was answered while its log could not join"
prlimit --pid "$p2" --nofile="$soft:" || c_die "prlimit on node 2's daemon"
c_ksim_answered upx 60 "the limit was raised" || exit 1
n=$(status_json .resources.open_files)
[ "$(status_json .resources.open_files_limit)" = "$soft" ] && [ "$n" -gt 0 ] ||
	c_die "node 2's status: open files $n of $(status_json .resources.open_files_limit), want the limit $soft"
[ "$(c_field 2 extra state)" = synced ] || c_die "node 2's second log: $(c_json 2 extra | jq -c 'del(.detail)')"
h_log "node 2's second log joined once descriptors were free"
h_log "PASS"
exit 0
