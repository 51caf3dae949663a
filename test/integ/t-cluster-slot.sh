#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-slot.sh - the node holding the recovery slot dies (issue 3,
# scenario 3).
#  - core and disk logs (both start out of sync) on 3 nodes; nodes 1 and 2
#    write with --no-resync (their writes to unrecovered regions wait);
#    only node 3 resyncs;
#  - node 3's simulator resyncs 5 regions, then holds the sixth one's
#    recovery slot (cmirror-ksim resync --hold-after); once the replicas
#    show node 3 holding it, node 3's cmirrord and simulator are killed -9;
#  - the survivors drop the slot at once (no "recovering" entry of node 3),
#    the region it held is still out of sync, and node 2's resync gets work
#    until every region - the one node 3 held included - is in sync;
#  - the writers' waiting writes complete without violations; verify on both
#    survivors; identical replicas.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

rlines() {	# LOG NODE: regions resynced by node NODE so far
	local n
	n=$(grep -c '^R ' "$H_DIR/state-$1/journal.n$2" 2>/dev/null) || true
	echo "${n:-0}"
}

C_SECTORS=262144	# 256 regions: node 3 resyncs for a while
c_cluster 3 || exit 1
for lg in core disk; do
	for i in 1 2 3; do c_ksim "$i" "$lg" up || c_die "node $i $lg: up"; done
done

declare -A HELD
for lg in core disk; do
	for i in 1 2; do
		c_ksim_bg "$i" "$lg" "$lg$i" --seed "$i" run --no-up --writes 0 \
			--burst 2 --mode mark --no-resync
	done
	# Node 3 resyncs 5 regions, then takes the next one's work and holds
	# it (journal line H) until it is killed.
	c_ksim_bg 3 "$lg" "${lg}3" resync --hold-after 5
	end=$((SECONDS + 60))
	until rec=$(grep -m1 '^H ' "$H_DIR/state-$lg/journal.n3" 2>/dev/null); do
		kill -0 "${C_PID[${lg}3]}" 2>/dev/null || c_die "$lg: node 3's resync ended without holding a slot"
		[ $SECONDS -lt $end ] || c_die "$lg: node 3 never took a sixth region"
		sleep "$H_POLL"
	done
	held=${rec#H }
	until [ "$(c_field 1 "$lg" 'recovering|if . then "\(.node) \(.region)" else "" end')" = "3 $held" ]; do
		[ $SECONDS -lt $end ] || c_die "$lg: node 1 never shows node 3 recovering $held"
		sleep "$H_POLL"
	done
	rec="3 $held"
	HELD[$lg]=${rec#* }
	h_log "$lg: node 3 holds region ${HELD[$lg]} after $(rlines "$lg" 3) resynced"
done

h_kill_cmirrord 3 KILL || exit 1
c_kill_bg core3
c_kill_bg disk3
h_log "node 3 killed"

for lg in core disk; do
	for i in 1 2; do
		c_wait_members "$lg" "1 2" 30 "$i" || exit 1
		rec=$(c_field "$i" "$lg" 'recovering|if . then "\(.node) \(.region)" else "" end')
		[ "${rec%% *}" != 3 ] || c_die "node $i $lg: node 3's slot not freed: $rec"
	done
	v=$(c_ksim 1 "$lg" query in_sync "${HELD[$lg]}") || c_die "$lg: query"
	[ "$v" = 0 ] || c_die "$lg: region ${HELD[$lg]} node 3 was recovering reads in_sync=$v"
done
h_log "the survivors freed node 3's slots"

for lg in core disk; do
	out=$(c_ksim 2 "$lg" resync 2>&1) || c_die "node 2 $lg: resync: $out"
	h_log "node 2 $lg: $out"
	case $out in *"resynced=0 "*) c_die "$lg: node 2 got no resync work" ;; esac
	out=$(c_ksim 2 "$lg" wait-sync --max-seconds 60 2>&1) || c_die "$lg: $out"
	# Node 2 applied its last SET_REGION_SYNC; node 1 may not have yet
	# (the writers still run, so no convergence to wait for).
	c_wait_answer 1 "$lg" in_sync "${HELD[$lg]}" 1 30 || exit 1
done

for lg in core disk; do
	for i in 1 2; do c_wait_progress "$lg" "$i" 20 "$lg$i" || exit 1; done
done
for lg in core disk; do
	for i in 1 2; do
		kill -TERM "${C_PID[$lg$i]}"
		c_ksim_wait "$lg$i" || exit 1
	done
done
for lg in core disk; do
	for i in 1 2; do c_verify "$i" "$lg" all || exit 1; done
	c_wait_converged "$lg" 30 1 2 || exit 1
	for i in 1 2; do c_down "$i" "$lg" || exit 1; done
done
h_log "PASS"
exit 0
