#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-stream.sh - option shared-stream (doc/design.md, "Shared
# stream"): one CPG group carries every log's messages, the logs'
# memberships are decided inside it.
#  - 3 nodes, every daemon with --shared-stream; both logs up and in sync;
#    overlapping writers on both logs from every node;
#  - while both logs were busy, node 1 sent CPG messages (bundles) that
#    carried messages of both logs: the logs share multicasts;
#  - corosync-cpgtool shows each log's group with the three daemons (idle,
#    for visibility) and the stream's group;
#  - node 3's daemon is killed (-9) mid-write: both survivors see it leave
#    both logs (as NODEDOWN would), its marks read out of sync and dirty
#    (check-dead), the survivors resync and keep writing;
#  - node 3's daemon starts again and its logs join while nodes 1 and 2
#    write (the stream's announcement round with traffic held), everything
#    verifies and the three replicas converge.
# The stream is the default (the other tests, t-cluster-random among
# them, run on it too); with CLUSTER_STREAM_MODE=pergroup
# (t-cluster-pergroup.sh) the same scenario runs with --shared-stream=no:
# no multicast carries two logs, corosync-cpgtool shows the logs' groups
# and no stream group, and then one seed of the random fault test (kills,
# partitions, corosync restarts; STREAM_RANDOM_SEEDS, default 11) runs in
# that mode.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

SS=--shared-stream
[ "${CLUSTER_STREAM_MODE:-}" = pergroup ] && SS=--shared-stream=no

# records I: node I's log messages sent (both logs), bundles I: its CPG
# multicasts (with the shared stream one per bundle).
records() {
	local n=0 lg v
	for lg in core disk; do
		v=$(c_field "$1" "$lg" cpg.msgs_sent) || return 1
		n=$((n + v))
	done
	echo "$n"
}
bundles() { h_cmirrorctl "$1" --json stats | jq -r .cluster.msgs_sent; }
# shared I: node I's multicasts that carried messages of both logs.
shared() { h_cmirrorctl "$1" --json stats | jq -r .cluster.bundles_shared; }

c_cluster_synced 3 $SS || exit 1
r0=$(records 1) b0=$(bundles 1) s0=$(shared 1)
[ -n "$s0" ] && [ "$s0" != null ] || c_die "no cluster counters on node 1"
c_writers_overlap
for lg in core disk; do
	for i in 1 2 3; do c_wait_progress "$lg" "$i" 40 "$lg$i" || exit 1; done
done
r1=$(records 1) b1=$(bundles 1) s1=$(shared 1)
h_log "node 1: $((r1 - r0)) log messages in $((b1 - b0)) CPG multicasts, $((s1 - s0)) of them carrying both logs"
[ $((b1 - b0)) -gt 0 ] || c_die "no CPG multicast during the writes"
if [ "$SS" = --shared-stream=no ]; then
	[ $((s1 - s0)) = 0 ] || c_die "$((s1 - s0)) multicasts carried two logs with $SS"
else
	# Two independent writers on two logs: how many messages meet in one
	# loop iteration is up to the scheduler, that some do is not.
	[ $((s1 - s0)) -gt 0 ] ||
		c_die "logs did not share multicasts: $((r1 - r0)) messages in $((b1 - b0))"
	[ $((s1 - s0)) -le $((b1 - b0)) ] || c_die "more shared multicasts than multicasts"
fi

want=$(for lg in core disk; do
	for i in 1 2 3; do echo "cmirror:${C_UUID[$lg]} $i"; done
done; [ "$SS" = --shared-stream=no ] ||
	for i in 1 2 3; do echo "cmirrord-stream:cmirror: $i"; done)
want=$(sort <<<"$want")
for i in 1 2 3; do
	g=$(c_groups "$i" all)
	[ "$g" = "$want" ] || c_die "node $i: cpg groups
$g
want
$want"
done
h_log "CPG groups with $SS as wanted, 3 members each"

h_kill_cmirrord 3 KILL || exit 1
c_kill_bg core3
c_kill_bg disk3
for lg in core disk; do c_wait_members "$lg" "1 2" 30 1 2 || exit 1; done
for lg in core disk; do
	for i in 1 2; do
		out=$(c_ksim "$i" "$lg" check-dead n3 2>&1) || c_die "node $i $lg: $out"
		h_log "node $i $lg: $out"
	done
	c_resync_all 1 "$lg" || exit 1
	for i in 1 2; do c_wait_progress "$lg" "$i" 20 "$lg$i" || exit 1; done
done
h_log "node 3 killed: it left both logs, its marks were kept, writes go on"

h_start_cmirrord 3 $SS || exit 1
for lg in core disk; do c_ksim 3 "$lg" up || c_die "node 3 $lg: up again"; done
for lg in core disk; do
	[ "$(c_field 3 "$lg" state)" = synced ] || c_die "node 3 $lg: not synced after up"
	for i in 1 2; do c_wait_progress "$lg" "$i" 20 "$lg$i" || exit 1; done
done
h_log "node 3 joined both logs again while the others wrote"

for lg in core disk; do
	for i in 1 2; do
		kill -TERM "${C_PID[$lg$i]}"
		c_ksim_wait "$lg$i" || exit 1
	done
	c_resync_all 1 "$lg" || exit 1
	for i in 1 2 3; do c_verify "$i" "$lg" all || exit 1; done
	c_wait_converged "$lg" 60 1 2 3 || exit 1
	for i in 1 2 3; do c_down "$i" "$lg" || exit 1; done
done
h_teardown 0 || exit 1
h_log "writes, a kill and a rejoin with $SS"

# The fault mix of the random test, in the same mode (t-cluster-random
# itself runs on the stream, the default).
if [ "$SS" = --shared-stream=no ]; then
	H_CMIRRORD_ARGS="${H_CMIRRORD_ARGS:-} $SS" RANDOM_SEEDS=${STREAM_RANDOM_SEEDS:-11} \
		bash "$here/t-cluster-random.sh" || c_die "random faults with $SS"
fi
h_log "PASS"
exit 0
