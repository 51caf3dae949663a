#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-ckpt-lost.sh - a checkpoint whose image is lost on the way (the
# sender's copy-on-write snapshot could not keep a block: the rest goes out
# as zeros) is rejected by the joiner, which joins again and installs a
# good one; its RESUME waits for that, and no mark of the sender is lost.
#  - 2 nodes; every daemon runs with CMIRRORD_FAULT_CKPT_LOST=2: the first
#    two checkpoints it sends lose their image at the first chunk;
#  - the core log up on node 1 and resynced there; node 1 marks regions 5
#    and 9 and flushes;
#  - node 2 brings the log up: node 1's first two checkpoints go out lost
#    (node 1 logs each), node 2 rejects each (CRC mismatch, "cannot install
#    checkpoint") and joins again, and installs the third;
#  - right after its `up` returns, node 2 is synced, has installed a
#    checkpoint, and answers IS_CLEAN 0 for regions 5 and 9 (node 1's
#    marks) and 1 for region 7; the two replicas converge (same digest,
#    generation and sync count);
#  - node 2 then marks region 7 and flushes, node 1 clears 5: both see
#    both changes (the group works after the rejections).
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

lg=core
export CMIRRORD_FAULT_CKPT_LOST=2
c_cluster 2 || exit 1
uuid=${C_UUID[$lg]}

# The log's requests (cluster-common.sh): node I, then the rest.
q() { c_q "$1" $lg "${@:2}"; }
is_clean() { c_is_clean "$1" $lg "$2"; }
wait_is_clean() { c_wait_is_clean "$1" $lg "$2" "$3"; }
count() { grep -cE "$2" "$(h_node_dir "$1")/log/cmirrord.log"; }

c_ksim 1 $lg up || c_die "node 1: up"
c_resync_all 1 $lg || exit 1	# IS_CLEAN is 1 only for regions in sync
[ "$(is_clean 1 7)" = 1 ] || c_die "node 1: region 7 not clean after the resync"
q 1 mark 5
q 1 mark 9
q 1 flush
[ "$(is_clean 1 5)" = 0 ] || c_die "node 1: region 5 clean after its own FLUSH"

# In the background, so that an up that never returns fails with a reason.
c_ksim_bg 2 $lg up2 up
c_ksim_answered up2 60 "node 2's up (two lost checkpoints, then a good one)" || exit 1

lost=$(count 1 "$uuid: snapshot [0-9a-f]+ lost")
[ "$lost" = 2 ] || c_die "node 1 logged $lost lost snapshots, want 2"
bad=$(count 2 "$uuid: checkpoint [0-9a-f]+ from node 1: CRC mismatch")
[ "$bad" = 2 ] || c_die "node 2 logged $bad CRC mismatches, want 2"
rej=$(count 2 "$uuid: cannot install checkpoint from node 1")
[ "$rej" = 2 ] || c_die "node 2 logged $rej rejected checkpoints, want 2"
inst=$(count 2 "$uuid: installed checkpoint [0-9a-f]+ from node 1")
[ "$inst" = 1 ] || c_die "node 2 logged $inst installed checkpoints, want 1"
st=$(c_field 2 $lg state)
[ "$st" = synced ] || c_die "node 2: state '$st' right after up"
h_log "node 2: 2 lost checkpoints rejected, the third installed, synced"

[ "$(is_clean 2 5)" = 0 ] || c_die "node 2 reports node 1's region 5 clean"
[ "$(is_clean 2 9)" = 0 ] || c_die "node 2 reports node 1's region 9 clean"
[ "$(is_clean 2 7)" = 1 ] || c_die "node 2 reports region 7 dirty"
c_wait_converged $lg 30 1 2 || exit 1

q 2 mark 7
q 2 flush
wait_is_clean 1 7 0
q 1 clear 5
q 1 flush
wait_is_clean 2 5 1
[ "$(is_clean 2 9)" = 0 ] || c_die "node 2: region 9 clean after node 1 cleared 5"
c_wait_converged $lg 30 1 2 || exit 1
h_log "the group works after the rejections: node 2's mark and node 1's clear seen on both"
