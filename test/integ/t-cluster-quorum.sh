#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-quorum.sh - node 1 loses quorum and regains it (issue 3,
# scenario "quorum loss and regain").
#  - core and disk logs on 3 nodes, fully resynced first; node 1's
#    simulator writes (--no-resync), nodes 2 and 3 are up but idle;
#  - corosync is killed on nodes 2 and 3: node 1 is alone and inquorate
#    (corosync-quorumtool, and `cmirrorctl --json status`: quorate false);
#  - node 1's writes stall: requests pile up pending in its daemon (the
#    simulator re-sends each after its timeout, as the kernel does) and its
#    journal shows no new flushed mark, while the disk log's bytes (cksum)
#    and the daemon's disk write counter do not change over that stretch;
#  - a CLEAR_REGION of node 1 (region SPARE, marked by node 1 before the
#    loss) is answered while node 1 is inquorate, but not applied: the
#    region stays dirty on node 1 until quorum returns, then it is clean on
#    every node (the clear waited in the outgoing queue; doc/design.md);
#  - corosync is started again on nodes 2 and 3: node 1 is quorate again,
#    the cmirrord daemons of nodes 2 and 3 rejoin their groups by
#    themselves, node 1's waiting writes complete and the disk log is
#    written again;
#  - the simulator stops with no violation; verify passes on every node and
#    the three replicas are identical.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

q_wait_members() {	# I LOG "IDS" [SECONDS]
	local end=$((SECONDS + ${4:-30}))
	until [ "$(c_field "$1" "$2" 'members|map(tostring)|join(" ")')" = "$3" ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: members $(c_field "$1" "$2" members), want [$3]"; return 1; }
		sleep "$H_POLL"
	done
}

# q_wait_pending I LOG N [SECONDS]: at least N requests pending on node I.
q_wait_pending() {
	local end=$((SECONDS + ${4:-60}))
	until [ "$(c_field "$1" "$2" pending)" -ge "$3" ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: $(c_field "$1" "$2" pending) pending, want $3"; return 1; }
		sleep "$H_POLL"
	done
}

# q_disk_writes I: node I's count of disk log writes (text status only).
q_disk_writes() {
	h_cmirrorctl "$1" log "${C_UUID[disk]}" | sed -n 's/.* writes \([0-9]*\) .*/\1/p'
}

c_cluster_synced 3 || exit 1

# The writer keeps off SPARE, which node 1 marks and clears by hand.
SPARE=$((C_REGIONS - 1))
for lg in core disk; do
	out=$(c_ksim 1 "$lg" query mark $SPARE 2>&1) || c_die "$lg: mark $SPARE: $out"
	for i in 1 2 3; do c_wait_clean "$i" "$lg" $SPARE 0 || exit 1; done
	c_ksim_bg 1 "$lg" "${lg}1" --seed 1 run --no-up --writes 0 --burst 3 \
		--regions 0:$((SPARE - 1)) --mode mark --no-resync
done
for lg in core disk; do c_wait_progress "$lg" 1 20 "${lg}1" || exit 1; done

h_kill_corosync 2 || exit 1
h_kill_corosync 3 || exit 1
h_log "corosync killed on nodes 2 and 3"
h_wait_inquorate 1 60 || exit 1
c_wait_quorate 1 false || exit 1
for lg in core disk; do q_wait_members 1 "$lg" 1 60 || exit 1; done

# Node 1 tries to write: a request held in its daemon.  The baseline is
# taken then; the check after the simulator re-sent twice more (each after
# its timeout), all still held.
declare -A base pend
for lg in core disk; do q_wait_pending 1 "$lg" 1 || exit 1; done
for lg in core disk; do
	base[$lg]=$(c_wlines "$lg" 1)
	pend[$lg]=$(c_field 1 "$lg" pending)
done
sum0=$(cksum <"$H_DIR/disk.img")
dw0=$(q_disk_writes 1)
[ -n "$dw0" ] || c_die "no disk write counter in node 1's status"
h_log "node 1 inquorate: ${pend[core]} / ${pend[disk]} pending, disk writes $dw0"
for lg in core disk; do q_wait_pending 1 "$lg" $((pend[$lg] + 2)) || exit 1; done
for lg in core disk; do
	now=$(c_wlines "$lg" 1)
	[ "$now" = "${base[$lg]}" ] ||
		c_die "$lg: node 1 flushed marks while inquorate (${base[$lg]} -> $now)"
done
sum1=$(cksum <"$H_DIR/disk.img")
dw1=$(q_disk_writes 1)
[ "$sum1" = "$sum0" ] || c_die "disk log written while inquorate ($sum0 -> $sum1)"
[ "$dw1" = "$dw0" ] || c_die "disk writes counted while inquorate ($dw0 -> $dw1)"
[ "$(c_quorate 1)" = false ] || c_die "node 1's daemon quorate while alone"
h_log "node 1 stalled: $(c_field 1 core pending) / $(c_field 1 disk pending) pending, disk unchanged"
for lg in core disk; do
	out=$(c_ksim 1 "$lg" query clear $SPARE 2>&1) ||
		c_die "$lg: CLEAR_REGION not answered while inquorate: $out"
	[ "$(c_quorate 1)" = false ] || c_die "node 1 quorate again before the check"
	v=$(c_ksim 1 "$lg" query is_clean $SPARE) || c_die "$lg: is_clean"
	[ "$v" = 0 ] || c_die "$lg: node 1 applied a clear while inquorate (is_clean $v)"
done
[ "$(cksum <"$H_DIR/disk.img")" = "$sum0" ] || c_die "disk log written for a held clear"
h_log "node 1's clears answered while inquorate, held unapplied"
h_cmirrorctl 1 status >&2

h_start_corosync 2 || exit 1
h_start_corosync 3 || exit 1
h_wait_quorate 1 60 || exit 1
c_wait_quorate 1 true 60 || exit 1
for lg in core disk; do
	for i in 1 2 3; do q_wait_members "$i" "$lg" "1 2 3" 60 || exit 1; done
done
h_log "quorum is back, the groups have 3 members again"
for lg in core disk; do
	for i in 1 2 3; do c_wait_clean "$i" "$lg" $SPARE 1 || exit 1; done
done
h_log "the held clears reached every node"

for lg in core disk; do c_wait_progress "$lg" 1 20 "${lg}1" 60 || exit 1; done
dw2=$(q_disk_writes 1)
[ "$dw2" -gt "$dw1" ] || c_die "no disk write after quorum returned ($dw1 -> $dw2)"
for lg in core disk; do
	kill -TERM "${C_PID[${lg}1]}"
	c_ksim_wait "${lg}1" || exit 1
done
h_log "node 1's writes all answered, no violation"

for lg in core disk; do
	out=$(c_ksim 1 "$lg" wait-sync --max-seconds 60 2>&1) || c_die "$lg: $out"
	for i in 1 2 3; do c_verify "$i" "$lg" all || exit 1; done
	c_wait_converged "$lg" 30 1 2 3 || exit 1
	for i in 1 2 3; do c_down "$i" "$lg" || exit 1; done
done
h_log "PASS"
exit 0
