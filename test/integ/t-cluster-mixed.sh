#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-mixed.sh - nodes that differ in shared-stream (a rolling change
# of the option, done one node at a time).  Nodes 1 and 2 run one way, the
# core log is up and in sync on them and they write to it; node 3 runs the
# other way and brings the log up:
#  - default: nodes 1 and 2 with --shared-stream (given explicitly), node
#    3 with --shared-stream=no (one group per log).  Node 3 joins the log's
#    own CPG group, where nodes 1 and 2 sit for visibility only and never
#    send, so it cannot sync.  It must say why: its log names nodes 1 and 2
#    as running with shared-stream, `cmirrorctl log` counts them
#    (cpg.stream_peers 2); nodes 1 and 2 keep the log to themselves
#    (members 1 2) and keep writing;
#  - MIXED_FIRST=pergroup (t-cluster-mixed-first.sh, the first step of a
#    change to the stream): nodes 1 and 2 with --shared-stream=no, node 3
#    with --shared-stream.  Nodes 1 and 2 serve the log in its own group,
#    outside the stream, so node 3, alone in the stream's view of the log,
#    must not take it as a new log of its own (it would report regions the
#    others wrote as clean, resync regions under their writes and, for a
#    disk log, write the log device beside the others' writer).  It names
#    nodes 1 and 2 as running without shared-stream (cpg.pergroup_peers 2)
#    and waits;
#  - either way node 3's log is not synced and its `up` gets no answer
#    (the line is logged where it decides to wait, before any request of
#    the log is answered);
#  - node 3's daemon is killed and starts the way nodes 1 and 2 run: its
#    waiting `up` gets through (the simulator rebuilds the table, as the
#    kernel would), the log has members 1 2 3 on every node, node 3 writes
#    too, and the three replicas converge with no violation.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

if [ "${MIXED_FIRST:-}" = pergroup ]; then
	SS12=--shared-stream=no SS3=--shared-stream
	said="run without shared-stream" field=pergroup_peers
else
	SS12=--shared-stream SS3=--shared-stream=no
	said="run with shared-stream and this node does not" field=stream_peers
fi
C_NODE_ARGS[1]=$SS12 C_NODE_ARGS[2]=$SS12 C_NODE_ARGS[3]=$SS3
c_cluster 3 || exit 1
for i in 1 2; do c_ksim "$i" core up || c_die "node $i core: up"; done
c_resync_all 1 core || exit 1
for i in 1 2; do
	c_ksim_bg "$i" core "core$i" --seed "$i" run --no-up --writes 0 --burst 3 \
		--mode mark --no-resync
done
for i in 1 2; do c_wait_progress core "$i" 10 "core$i" || exit 1; done

# Node 3 the other way: its `up` waits (the simulator retries as the
# kernel does), and its daemon says why.
c_ksim_bg 3 core up3 up
log3=$(h_node_dir 3)/log/cmirrord.log
end=$((SECONDS + 60))
until line=$(grep -m1 "cmirror:${C_UUID[core]}: node(s) .* $said" "$log3"); do
	[ $SECONDS -lt $end ] || c_die "node 3 did not report the mismatch: $(c_field 3 core state)"
	sleep "$H_POLL"
done
h_log "node 3: ${line#*] }"
case $line in
*"node(s) 1 2 run"*) ;;
*) c_die "node 3 named the wrong nodes: $line" ;;
esac
[ "$(c_field 3 core cpg.$field)" = 2 ] ||
	c_die "node 3: cpg.$field $(c_field 3 core cpg.$field), want 2"
st=$(c_field 3 core state)
[ "$st" != synced ] || c_die "node 3 synced although nodes 1 and 2 run the other way"
kill -0 "${C_PID[up3]}" 2>/dev/null || c_die "node 3's up finished without a synced log"
if [ "$SS12" = --shared-stream ]; then
	c_wait_members core "1 2" 10 1 2 || exit 1
	for i in 1 2; do c_wait_progress core "$i" 10 "core$i" || exit 1; done
fi

# The rolling change ends: node 3 runs the same way (killed: a daemon with
# an active log refuses SIGTERM, as the old one did).
h_kill_cmirrord 3 KILL || exit 1
h_start_cmirrord 3 "$SS12" || exit 1
wait "${C_PID[up3]}" || c_die "node 3: up failed after the restart: $(tail -3 "$H_DIR/ksim-up3.err")"
c_wait_members core "1 2 3" 60 1 2 3 || exit 1
[ "$(c_field 3 core state)" = synced ] || c_die "node 3 not synced after its restart"
c_ksim_bg 3 core core3 --seed 3 run --no-up --writes 0 --burst 3 --mode mark --no-resync
for i in 1 2 3; do c_wait_progress core "$i" 10 "core$i" || exit 1; done
for i in 1 2 3; do kill -TERM "${C_PID[core$i]}"; done
for i in 1 2 3; do c_ksim_wait "core$i" || exit 1; done
c_wait_converged core 60 1 2 3 || exit 1
h_log "PASS"
exit 0
