#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-marks.sh - the non-integrated write path (MARK_REGION, then an
# empty FLUSH) when a member does not acknowledge, and when the group
# starts over with marks not yet held by every member (doc/design.md,
# "Stability of FLUSH"; daemons/cmirrord/logs_marks.c).
#  - a core log on 3 nodes, in sync;
#  - node 1 marks region SPARE (no writer's) and its corosync is killed:
#    nodes 2 and 3 drop its marks and node 3 recovers SPARE (in sync and
#    clean there); node 1's corosync comes back: its daemon rejoins from
#    their checkpoint and must submit its marks again, since its kernel
#    still holds SPARE dirty: IS_CLEAN 0 on node 1 as soon as it reports
#    synced (reads wait for the marks), then on 2 and 3; its clear then
#    makes SPARE clean everywhere;
#  - node 2's daemon is frozen (SIGSTOP);
#  - node 1's simulator writes in mark mode: its MARK_REGIONs are answered,
#    its FLUSH is not: node 1 reports marks not yet held by every member
#    (marks_unstable >= 1) and a pending request, and its journal shows no
#    flushed write while node 2 is frozen;
#  - node 1's corosync is killed and started again: its daemon's group
#    starts over; once node 2 is thawed, node 1 rejoins, installs a
#    checkpoint and submits those marks again (its log says so), before
#    the FLUSH that waits on them;
#  - after a resync from node 3 the writer makes progress, stops with no
#    violation; verify on every node and equal replicas.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

dlog() { echo "$(h_node_dir "$1")/log/cmirrord.log"; }

thaw() { kill -CONT "$(h__pid 2 cmirrord)" 2>/dev/null; }

c_cluster 3 || exit 1
for i in 1 2 3; do c_ksim "$i" core up || c_die "node $i: up"; done
c_resync_all 1 core || exit 1
h_log "core log up and in sync on 3 nodes"

SPARE=$((C_REGIONS - 1))
out=$(c_ksim 1 core query mark $SPARE 2>&1) || c_die "mark $SPARE: $out"
for i in 1 2 3; do c_wait_clean "$i" core $SPARE 0 || exit 1; done
h_kill_corosync 1 || exit 1
c_wait_json 1 core '.state != "synced"' || exit 1
c_wait_json 2 core '(.members | map(tostring) | join(" ")) == "2 3"' || exit 1
c_resync_all 3 core || exit 1
c_wait_clean 2 core $SPARE 1 || exit 1
h_log "node 1 cut from corosync with region $SPARE marked; node 3 recovered it"
h_start_corosync 1 || exit 1
h_wait_quorate 1 60 || exit 1
c_wait_json 1 core '.state == "synced"' 120 || exit 1
v=$(c_ksim 1 core query is_clean $SPARE) || c_die "node 1: is_clean $SPARE"
[ "$v" = 0 ] || c_die "node 1 rejoined without its mark on region $SPARE (is_clean $v)"
for i in 2 3; do c_wait_clean "$i" core $SPARE 0 || exit 1; done
h_log "node 1 rejoined and holds region $SPARE marked again on every node"
out=$(c_ksim 1 core query clear $SPARE 2>&1) || c_die "clear $SPARE: $out"
for i in 1 2 3; do c_wait_clean "$i" core $SPARE 1 || exit 1; done

n0=$(wc -l <"$(dlog 1)")	# the first rejoin said "submitted again" already
kill -STOP "$(h__pid 2 cmirrord)" || c_die "cannot freeze node 2's daemon"
base=$(c_wlines core 1)
c_ksim_bg 1 core core1 --seed 1 --reconnect-seconds 180 run --no-up \
	--writes 0 --burst 2 --regions 0:31 --mode mark --no-resync
c_wait_json 1 core '.marks_unstable >= 1 and .pending >= 1' || exit 1
[ "$(c_wlines core 1)" = "$base" ] ||
	c_die "node 1 flushed a write while node 2 could not acknowledge its marks"
h_log "node 1: $(c_json 1 core | jq -c '{pending, marks_unstable}'), nothing flushed"

h_kill_corosync 1 || exit 1
c_wait_json 1 core '.state != "synced"' || exit 1
h_start_corosync 1 || exit 1
h_wait_quorate 1 60 || exit 1
thaw
h_log "node 1's corosync restarted, node 2 thawed"
h_wait_log 1 "submitted again" 120 1 "$n0" || exit 1
c_wait_json 1 core '.state == "synced"' 120 || exit 1
tail -n "+$((n0 + 1))" "$(dlog 1)" | grep -F "submitted again" >&2

c_resync_all 3 core || exit 1
c_wait_progress core 1 6 core1 120 || exit 1
kill -TERM "${C_PID[core1]}"
c_ksim_wait core1 || exit 1
c_resync_all 1 core || exit 1
for i in 1 2 3; do c_verify "$i" core all || exit 1; done
c_wait_converged core 60 1 2 3 || exit 1
for i in 1 2 3; do c_down "$i" core || exit 1; done
h_log "PASS"
exit 0
