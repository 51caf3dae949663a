#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-mixed.sh - nodes that differ in shared-stream (a rolling change
# of the option, done one node at a time).
#  - nodes 1 and 2 run with --shared-stream (the default, given explicitly),
#    node 3 with --shared-stream=no (one group per log); the core log is
#    up and in sync on nodes 1 and 2, which write to it;
#  - node 3 brings the log up: its daemon joins the log's own CPG group,
#    where nodes 1 and 2 sit for visibility only and never send, so it
#    cannot sync.  It must say why: its log names nodes 1 and 2 as running
#    with shared-stream, `cmirrorctl log` counts them (cpg.stream_peers 2),
#    and the log is not synced there; nodes 1 and 2 keep the log to
#    themselves (members 1 2) and keep writing;
#  - node 3's daemon is killed and starts with --shared-stream: its waiting `up` gets
#    through (the simulator rebuilds the table, as the kernel would), the
#    log has members 1 2 3 on every node, node 3 writes too, and the three
#    replicas converge with no violation.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

SS=--shared-stream
C_NODE_ARGS[1]=$SS C_NODE_ARGS[2]=$SS C_NODE_ARGS[3]=--shared-stream=no
c_cluster 3 || exit 1
for i in 1 2; do c_ksim "$i" core up || c_die "node $i core: up"; done
c_resync_all 1 core || exit 1
for i in 1 2; do
	c_ksim_bg "$i" core "core$i" --seed "$i" run --no-up --writes 0 --burst 3 \
		--mode mark --no-resync
done
for i in 1 2; do c_wait_progress core "$i" 10 "core$i" || exit 1; done

# Node 3 without the option: its `up` waits (the simulator retries as the
# kernel does), and its daemon says why.
c_ksim_bg 3 core up3 up
log3=$(h_node_dir 3)/log/cmirrord.log
end=$((SECONDS + 60))
until line=$(grep -m1 "cmirror:${C_UUID[core]}: node(s) .* run with shared-stream and this node does not" "$log3"); do
	[ $SECONDS -lt $end ] || c_die "node 3 did not report the mismatch"
	sleep "$H_POLL"
done
h_log "node 3: ${line#*] }"
case $line in
*"node(s) 1 2 run"*) ;;
*) c_die "node 3 named the wrong nodes: $line" ;;
esac
[ "$(c_field 3 core cpg.stream_peers)" = 2 ] ||
	c_die "node 3: cpg.stream_peers $(c_field 3 core cpg.stream_peers), want 2"
st=$(c_field 3 core state)
[ "$st" != synced ] || c_die "node 3 synced with nodes that never send on the log's group"
kill -0 "${C_PID[up3]}" 2>/dev/null || c_die "node 3's up finished without a synced log"
c_wait_members core "1 2" 10 1 2 || exit 1
for i in 1 2; do c_wait_progress core "$i" 10 "core$i" || exit 1; done

# The rolling change ends: node 3 runs with the option too (killed: a
# daemon with an active log refuses SIGTERM, as the old one did).
h_kill_cmirrord 3 KILL || exit 1
h_start_cmirrord 3 $SS || exit 1
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
