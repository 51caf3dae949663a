#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-writer.sh - the disk writer dies (issue 3, scenario 4).
#  - a clustered-disk log on a shared file, in sync, on 3 nodes; node 1 (the
#    lowest id) writes the log device;
#  - all three write (--no-resync; node 1 to other regions than nodes 2
#    and 3); node 1 holds clears back; node 1 answered FLUSHes at the end
#    of its own writes or as the device held its marks, written ahead of
#    their ordering, nodes 2 and 3 none (they wait for the COMMITTED);
#    on every node most FLUSHes (all but the first after the join, and
#    resends) had no CPG round of their own (flushes_settled: they wait
#    for the generation of their marks on the disk);
#    then node 1's cmirrord and simulator are killed -9 mid-run;
#  - nodes 2 and 3 name node 2 the writer and keep writing: their FLUSHes
#    are answered (progress after the kill);
#  - the writers stop, the tables go down and every daemon stops; a fresh
#    cluster (3 new daemons) loads the log from the device only: the same
#    sync count as before the stop, every region node 1 held marked is out
#    of sync and dirty (check-dead from the disk state), and every region
#    reported in sync has equal legs (verify);
#  - a resync then brings every region in sync; identical replicas.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

lg=disk
c_disk_writer_setup || exit 1

for i in 1 2 3; do
	# Disjoint ranges: without a resync, survivors' writes to regions
	# node 1 leaves out of sync would wait for a recovery that never comes.
	extra=(--regions 0:31)
	[ "$i" = 1 ] && extra=(--regions 32:63 --lazy-clear 8)
	c_ksim_bg "$i" $lg "w$i" --seed "$i" run --no-up --writes 0 --burst 3 \
		--mode mark --no-resync "${extra[@]}"
done
c_wait_progress $lg 1 100 w1 || exit 1
# The writer answers its own FLUSHes at the end of its write, or once the
# device holds the marks it wrote ahead; the others only when the
# COMMITTED comes round.  Which of the two the writer's are depends on
# whether a write ends before or after the mark's delivery (under a
# sanitizer, CPG is the slower: none ahead), so only their sum is checked;
# t-cluster-overtake holds a write to take the "ahead" path for certain.
s=$(h_cmirrorctl 1 --json stats)
fw=$(jq -r .flushes_written <<<"$s") fa=$(jq -r .flushes_ahead <<<"$s")
[ $((fw + fa)) -ge 1 ] || c_die "node 1 (the writer) answered no FLUSH without a COMMITTED round"
h_log "node 1: $fw FLUSHes answered at its write's end, $fa as the device held its marks"
for i in 2 3; do
	s=$(h_cmirrorctl "$i" --json stats)
	fw=$(jq -r '.flushes_written + .flushes_ahead' <<<"$s")
	[ "$fw" = 0 ] || c_die "node $i answered $fw FLUSHes without the writer's COMMITTED"
done
# The FLUSHes after MARK_REGIONs are not submitted (only the first after
# the join goes round): they wait for our marks' generation on the disk.
for i in 1 2 3; do
	s=$(h_cmirrorctl "$i" --json stats)
	f=$(jq -r .requests.FLUSH.count <<<"$s") st=$(jq -r .flushes_settled <<<"$s")
	[ "$st" -ge 1 ] && [ $((2 * st)) -ge "$f" ] ||
		c_die "node $i: $st of $f FLUSHes answered with no round of their own"
done
h_kill_cmirrord 1 KILL || exit 1
c_kill_bg w1
h_log "node 1 (the writer) killed at $(c_wlines $lg 1) flushed marks"

end=$((SECONDS + 30))
for i in 2 3; do
	until [ "$(c_field "$i" $lg disk_writer)" = 2 ]; do
		[ $SECONDS -lt $end ] || c_die "node $i: writer still $(c_field "$i" $lg disk_writer)"
		sleep "$H_POLL"
	done
done
# Flushes after the writer change are answered (by node 2's commits).
for i in 2 3; do c_wait_progress $lg "$i" 50 "w$i" || exit 1; done
for i in 2 3; do
	kill -TERM "${C_PID[w$i]}"
	c_ksim_wait "w$i" || exit 1
done
h_log "nodes 2 and 3 kept writing with node 2 as the writer"
c_wait_converged $lg 30 2 3 || exit 1
before=$(c_field 2 $lg sync_count)
[ "$before" -lt $C_REGIONS ] || c_die "every region in sync although node 1 died with marks"

for i in 2 3; do c_down "$i" $lg || exit 1; done
for i in 2 3; do h_kill_cmirrord "$i" TERM || exit 1; done
h_log "cluster stopped with $before/$C_REGIONS in sync; restarting from the disk"

for i in 1 2 3; do h_start_cmirrord "$i" || exit 1; done
for i in 1 2 3; do c_ksim "$i" $lg up || c_die "node $i: up after restart"; done
c_wait_converged $lg 30 1 2 3 || exit 1
after=$(c_field 1 $lg sync_count)
[ "$after" = "$before" ] || c_die "sync count from the disk $after, before the stop $before"
for i in 1 2 3; do
	out=$(c_ksim "$i" $lg check-dead n1 2>&1) || c_die "node $i: $out"
	h_log "node $i: $out"
	case $out in "check-dead: checked=0 "*) c_die "node 1 held no region marked" ;; esac
done
c_verify 3 $lg || exit 1

c_resync_all 3 $lg || exit 1
# Node 3 applied its last SET_REGION_SYNC; the others may not have yet.
c_wait_converged $lg 30 1 2 3 || exit 1
for i in 1 2 3; do c_verify "$i" $lg all || exit 1; done
for i in 1 2 3; do c_down "$i" $lg || exit 1; done
h_log "PASS"
exit 0
