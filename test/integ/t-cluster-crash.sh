#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-crash.sh - a node dies during writes (issue 3, scenario 2).
#  - core and disk logs on 3 nodes, fully resynced first;
#  - all three simulators write overlapping regions with --no-resync; node 3
#    holds its clears back (--lazy-clear) so it dies with regions marked;
#  - node 3's cmirrord is killed -9 (then its simulator) mid-run;
#  - on a survivor, every region node 3's journal shows marked (flushed, not
#    cleared) is out of sync and not clean (check-dead), and at least one
#    such region exists;
#  - resync on a survivor brings every region in sync; the survivors'
#    writes (those to node 3's regions waited for their recovery) all
#    complete without violations; verify passes on both survivors and
#    their replicas are identical.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

c_cluster_synced 3 || exit 1

c_writers_overlap
for lg in core disk; do c_wait_progress "$lg" 3 60 "${lg}3" || exit 1; done

# Daemon first: every mark node 3's journal shows flushed was delivered
# everywhere, and its simulator can clear nothing once the daemon is gone.
h_kill_cmirrord 3 KILL || exit 1
c_kill_bg core3
c_kill_bg disk3
h_log "node 3 killed at $(c_wlines core 3) / $(c_wlines disk 3) flushed marks"

# node_lost happens at the confchg: wait until both survivors saw it.
for lg in core disk; do c_wait_members "$lg" "1 2" 30 1 2 || exit 1; done

for lg in core disk; do
	for i in 1 2; do
		out=$(c_ksim "$i" "$lg" check-dead n3 2>&1) || c_die "node $i $lg: $out"
		h_log "node $i $lg: $out"
		case $out in
		"check-dead: checked=0 "*) c_die "$lg: node 3 held no region marked at the kill" ;;
		esac
	done
	[ "$(c_field 1 "$lg" sync_count)" -lt $C_REGIONS ] ||
		c_die "$lg: every region still in sync after node 3 died marked"
done

# The survivors' writes to regions node 3 left out of sync wait for their
# recovery (IS_REMOTE_RECOVERING): the resync releases them, the survivors
# keep writing, and stop without a violation.
for lg in core disk; do c_resync_all 1 "$lg" || exit 1; done
for lg in core disk; do
	for i in 1 2; do c_wait_progress "$lg" "$i" 50 "$lg$i" || exit 1; done
done
for lg in core disk; do
	for i in 1 2; do
		kill -TERM "${C_PID[$lg$i]}"
		c_ksim_wait "$lg$i" || exit 1
	done
done
h_log "survivors' writes all answered"

for lg in core disk; do
	out=$(c_ksim 1 "$lg" wait-sync --max-seconds 60 2>&1) || c_die "$lg: $out"
	for i in 1 2; do c_verify "$i" "$lg" all || exit 1; done
	c_wait_converged "$lg" 30 1 2 || exit 1
	for i in 1 2; do c_down "$i" "$lg" || exit 1; done
done
h_log "PASS"
exit 0
