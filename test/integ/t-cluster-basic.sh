#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-basic.sh - three cmirrord on a real corosync cluster:
#  - a clustered-core log (starts out of sync) and a clustered-disk log on a
#    shared file are brought up on all three nodes;
#  - the three simulators write concurrently to the same regions (each its
#    own slot), with resync, on both logs;
#  - afterwards every region is in sync on every node, verify passes on
#    every node (no region in sync with differing legs), and all replicas
#    are identical (same digest, generation, sync count);
#  - corosync-cpgtool shows exactly one CPG group per log.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

c_cluster 3 || exit 1

for lg in core disk; do
	for i in 1 2 3; do c_ksim "$i" "$lg" up || c_die "node $i $lg: up"; done
done
h_log "both logs up on 3 nodes"

for lg in core disk; do
	for i in 1 2 3; do
		c_ksim_bg "$i" "$lg" "$lg$i" --seed "$i" run --no-up --writes 300 \
			--burst 3 --regions 0:31 --mode mark --resync --lazy-clear 2
	done
done
for lg in core disk; do
	for i in 1 2 3; do c_ksim_wait "$lg$i" || exit 1; done
done

for lg in core disk; do
	for i in 1 2 3; do
		out=$(c_ksim "$i" "$lg" wait-sync --max-seconds 60 2>&1) ||
			c_die "node $i $lg: $out"
	done
	for i in 1 2 3; do c_verify "$i" "$lg" all || exit 1; done
	c_wait_converged "$lg" 30 1 2 3 || exit 1
done

# One CPG group per log, with the three daemons in it.
want=$(for lg in core disk; do
	for i in 1 2 3; do echo "cmirror:${C_UUID[$lg]} $i"; done
done | sort)
for i in 1 2 3; do
	g=$(c_groups "$i")
	[ "$g" = "$want" ] || c_die "node $i: cpg groups
$g
want
$want"
done
h_log "one CPG group per log, 3 members each"

# Taking the tables down leaves the groups (and lets the daemons exit).
for lg in core disk; do
	for i in 1 2 3; do c_down "$i" "$lg" || exit 1; done
done
# The last leave reaches node 1's corosync after node 3's DTR is answered:
# bounded wait.
end=$((SECONDS + 30))
until g=$(c_groups 1) && [ -z "$g" ]; do
	[ $SECONDS -lt $end ] || c_die "groups left after every table went down: $g"
	sleep "$H_POLL"
done
h_log "PASS"
exit 0
