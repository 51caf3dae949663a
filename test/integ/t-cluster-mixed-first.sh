#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-mixed-first.sh - the first step of a rolling change to the
# shared stream: one node runs with it while the others still send each
# log's messages in the log's own CPG group (t-cluster-mixed.sh is the
# other way round).
#  - nodes 1 and 2 run with --shared-stream=no, node 3 with
#    --shared-stream; the core log is up and in sync on nodes 1 and 2,
#    which write to it;
#  - node 3 brings the log up: nodes 1 and 2 serve it in its own group and
#    are not in the stream, so node 3 alone in the stream's view of the
#    log must not take it as a new log of its own (it would report regions
#    the others wrote as clean, resync regions under their writes and, for
#    a disk log, write the log device beside the others' writer).  It must
#    wait and say why: its log names nodes 1 and 2 as running without the
#    stream, `cmirrorctl log` counts them (cpg.pergroup_peers 2), the log
#    is not synced there and its `up` gets no answer;
#  - node 3's daemon is killed and starts with --shared-stream=no: its
#    waiting `up` gets through, the log has members 1 2 3 on every node,
#    node 3 writes too, and the three replicas converge with no violation.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

NO=--shared-stream=no
C_NODE_ARGS[1]=$NO C_NODE_ARGS[2]=$NO C_NODE_ARGS[3]=--shared-stream
c_cluster 3 || exit 1
for i in 1 2; do c_ksim "$i" core up || c_die "node $i core: up"; done
c_resync_all 1 core || exit 1
for i in 1 2; do
	c_ksim_bg "$i" core "core$i" --seed "$i" run --no-up --writes 0 --burst 3 \
		--mode mark --no-resync
done
for i in 1 2; do c_wait_progress core "$i" 10 "core$i" || exit 1; done

c_ksim_bg 3 core up3 up
log3=$(h_node_dir 3)/log/cmirrord.log
end=$((SECONDS + 60))
until line=$(grep -m1 "cmirror:${C_UUID[core]}: node(s) .* run without shared-stream" "$log3"); do
	[ $SECONDS -lt $end ] || c_die "node 3 did not report the mismatch: $(c_field 3 core state)"
	sleep "$H_POLL"
done
h_log "node 3: ${line#*] }"
case $line in
*"node(s) 1 2 run"*) ;;
*) c_die "node 3 named the wrong nodes: $line" ;;
esac
[ "$(c_field 3 core cpg.pergroup_peers)" = 2 ] ||
	c_die "node 3: cpg.pergroup_peers $(c_field 3 core cpg.pergroup_peers), want 2"
# The line is logged where node 3 decides to wait, after its view of the
# log's own group and before any request of the log is answered.
st=$(c_field 3 core state)
[ "$st" != synced ] || c_die "node 3 took the log as its own while nodes 1 and 2 serve it"
kill -0 "${C_PID[up3]}" 2>/dev/null || c_die "node 3's up finished: the log was answered"

h_kill_cmirrord 3 KILL || exit 1
h_start_cmirrord 3 $NO || exit 1
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
