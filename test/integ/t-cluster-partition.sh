#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-partition.sh - node 3 is cut off and comes back (issue 3,
# scenario "partition and merge").
#  - core and disk logs on 3 nodes, fully resynced first; all three
#    simulators write overlapping regions with --no-resync; node 3 holds its
#    clears back (--lazy-clear) so it is cut off with regions marked;
#  - node 3's link goes down: its corosync and its cmirrord report it
#    inquorate (`cmirrorctl --json status`: quorate false);
#  - the majority's daemons record node 3's loss (status: quorum.loss_ring)
#    and are quorate again once a quorum notification names a later ring;
#  - on the majority, once node 3 left the membership, every region node 3's
#    journal shows marked (flushed, not cleared) is out of sync and not
#    clean (check-dead n3), and at least one such region exists;
#  - a resync on the majority recovers those regions (the majority's writes
#    to them wait for it);
#  - while partitioned, nodes 1 and 2 keep flushing marks and node 3 flushes
#    none (its journal's count of flushed marks is the same before and after
#    a stretch in which the majority made progress), with requests pending in
#    its daemon;
#  - node 3 marked region SPARE (the last) before the cut and clears it
#    while cut off: the CLEAR is answered at once but only queued, and node
#    3's side, which has the higher node ids, folds into the majority's
#    state and joins again with the queue dropped;
#  - the link comes back: the partitions merge (conservatively: the regions
#    each side held out of sync are out of sync after it) and a resync from
#    node 1 recovers them; node 3 sends its clear again, so SPARE ends clean
#    on every node (a clear lost there would leave node 3's mark for good
#    and the region could never be recovered); node 3 is quorate again and its waiting writes
#    complete; all writers stop with no violation, verify passes on every
#    node and the three replicas are identical.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"


# p_wait_members I LOG "IDS" [SECONDS]: node I's replica of LOG has members IDS.
p_wait_members() {
	local end=$((SECONDS + ${4:-30}))
	until [ "$(c_field "$1" "$2" 'members|map(tostring)|join(" ")')" = "$3" ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: members $(c_field "$1" "$2" members), want [$3]"; return 1; }
		sleep "$H_POLL"
	done
}

# p_wait_folded LOG [SECONDS]: a member folded the other partition's state
# of LOG into its own (the daemon logs it; no other event tells).
p_wait_folded() {
	local end=$((SECONDS + ${2:-60})) i
	while :; do
		for i in 1 2 3; do
			grep -q "cmirror:${C_UUID[$1]}: folded in the state of node" \
				"$(h_node_dir "$i")/log/cmirrord.log" && return 0
		done
		[ $SECONDS -lt $end ] || { h_fail "$1: no partition state folded in"; return 1; }
		sleep "$H_POLL"
	done
}

c_cluster_synced 3 || exit 1

SPARE=$((C_REGIONS - 1))	# no writer's
for lg in core disk; do
	out=$(c_ksim 3 "$lg" query mark $SPARE 2>&1) || c_die "$lg: mark $SPARE: $out"
	for i in 1 2 3; do c_wait_clean "$i" "$lg" $SPARE 0 || exit 1; done
done
c_writers_overlap
for lg in core disk; do c_wait_progress "$lg" 3 30 "${lg}3" || exit 1; done

h_partition 3 || c_die "cannot cut node 3 off"
h_log "node 3 cut off at $(c_wlines core 3) / $(c_wlines disk 3) flushed marks"
h_wait_inquorate 3 60 || exit 1
c_wait_quorate 3 false || exit 1
h_quorate 1 || c_die "node 1 lost quorum with 2 of 3 nodes"
# Its new ring's quorum notice and the CPG confchg come in either order.
c_wait_quorate 1 true || exit 1

# node_lost happens at the majority's confchg: check right after it.
for lg in core disk; do
	for i in 1 2; do p_wait_members "$i" "$lg" "1 2" || exit 1; done
	for i in 1 2; do
		out=$(c_ksim "$i" "$lg" check-dead n3 2>&1) || c_die "node $i $lg: $out"
		h_log "node $i $lg: $out"
		case $out in
		"check-dead: checked=0 "*) c_die "$lg: node 3 held no region marked at the partition" ;;
		esac
	done
done

# The majority saw a node loss (the floor): its daemons are quorate again
# only once a quorum notification names a later ring than the loss.
for i in 1 2; do
	c_wait_quorate "$i" true || exit 1
	q=$(h_cmirrorctl "$i" --json status | jq -c .quorum)
	h_log "node $i quorum: $q"
	jq -e '.corosync and .loss_ring != null and .loss_confirmed and
		.ring > .loss_ring' <<<"$q" >/dev/null ||
		c_die "node $i: quorum after node 3's loss: $q"
done

# The majority's writes to node 3's regions wait for their recovery: a
# resync on the majority releases them.  Node 3's writes stall.  The
# baseline is taken after the majority's first progress, well after node 3
# lost quorum.
for lg in core disk; do c_resync_all 1 "$lg" || exit 1; done
for lg in core disk; do
	for i in 1 2; do c_wait_progress "$lg" "$i" 10 "$lg$i" || exit 1; done
done
declare -A base
for lg in core disk; do base[$lg]=$(c_wlines "$lg" 3); done
for lg in core disk; do
	for i in 1 2; do c_wait_progress "$lg" "$i" 30 "$lg$i" || exit 1; done
done
for lg in core disk; do
	now=$(c_wlines "$lg" 3)
	[ "$now" = "${base[$lg]}" ] ||
		c_die "$lg: node 3 flushed marks while inquorate (${base[$lg]} -> $now)"
	p=$(c_field 3 "$lg" pending)
	[ "$p" -gt 0 ] || c_die "$lg: nothing pending on inquorate node 3"
	h_log "$lg: node 3 stalled at ${base[$lg]} flushed marks, $p requests pending"
done
[ "$(c_quorate 3)" = false ] || c_die "node 3's daemon quorate while cut off"
for lg in core disk; do
	out=$(c_ksim 3 "$lg" query clear $SPARE 2>&1) ||
		c_die "$lg: node 3's CLEAR_REGION not answered while cut off: $out"
done
h_cmirrorctl 3 status >&2

h_heal 3 || c_die "cannot heal node 3"
# The merged state has every region either side saw held by a lost node
# out of sync (AND of in-sync): the writes to them wait for their
# recovery, so the resync comes first, as soon as the majority sees node 3.
for lg in core disk; do
	p_wait_folded "$lg" || exit 1
	p_wait_members 1 "$lg" "1 2 3" 60 || exit 1
done
h_log "partitions merged: sync_count $(c_field 1 core sync_count) / $(c_field 1 disk sync_count)"
for lg in core disk; do c_resync_all 1 "$lg" || exit 1; done
h_wait_quorate 3 60 || exit 1
c_wait_quorate 3 true 60 || exit 1
for lg in core disk; do
	for i in 1 2 3; do p_wait_members "$i" "$lg" "1 2 3" 60 || exit 1; done
done
# node 3's waiting writes complete.
for lg in core disk; do c_wait_progress "$lg" 3 10 "${lg}3" 60 || exit 1; done
for lg in core disk; do
	for i in 1 2 3; do c_wait_progress "$lg" "$i" 20 "$lg$i" || exit 1; done
done
for lg in core disk; do
	for i in 1 2 3; do c_wait_clean "$i" "$lg" $SPARE 1 || exit 1; done
done
h_log "node 3's clear made while cut off reached every node"
for lg in core disk; do
	for i in 1 2 3; do
		kill -TERM "${C_PID[$lg$i]}"
		c_ksim_wait "$lg$i" || exit 1
	done
done
h_log "all writes answered, no violation"

for lg in core disk; do
	out=$(c_ksim 1 "$lg" wait-sync --max-seconds 60 2>&1) || c_die "$lg: $out"
	for i in 1 2 3; do c_verify "$i" "$lg" all || exit 1; done
	c_wait_converged "$lg" 30 1 2 3 || exit 1
	for i in 1 2 3; do c_down "$i" "$lg" || exit 1; done
done
h_log "PASS"
exit 0
