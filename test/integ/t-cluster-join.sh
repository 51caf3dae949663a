#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-join.sh - a node joins while the others write (issue 3).
#  - core and disk logs up on nodes 1 and 2 only; both nodes write to every
#    region of both logs (node 1 also resyncs) and keep writing;
#  - while they write, node 3 brings both logs up: it joins each CPG group
#    and gets a checkpoint while OPS are being delivered (queued, then
#    replayed).  Its `up` (RESUME) must return only once the replica is
#    installed: right after it, `cmirrorctl --json log` on node 3 says
#    synced, and node 3's log shows the installed checkpoint and how many
#    queued ops it replayed (>= 0);
#  - node 3 then writes too; the writers stop without a violation; after a
#    resync, verify passes on all three nodes (every region in sync) and
#    the three replicas have the same digest, generation and sync count;
#  - a big core log (2^25 regions, nosync: a resync would take too long):
#    nodes 1 and 2 up and writing over
#    the whole range, node 3 joins: the checkpoint is larger than the 16
#    chunks a sender sends per loop iteration (the sender's log shows its
#    size and the chunk size), so node 2's writes delivered meanwhile
#    change the bitmaps node 1 is still sending (copy-on-write); node 3
#    receives it in place, into the replica it prepared before joining
#    (its log says so, for that size: no second copy at the install),
#    installs it at the first try (no checkpoint
#    rejected: a snapshot that let later writes through would fail the
#    CRC), and the three replicas converge.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

BIG_REGIONS=$((1 << 25))

# ckpt_line I LOG: node I's last "installed checkpoint" line for LOG.
ckpt_line() {
	grep -E "${C_UUID[$2]}: installed checkpoint [0-9a-f]+ from node" \
		"$(h_node_dir "$1")/log/cmirrord.log" | tail -1
}

# check_joined I LOG: right after `up`: synced, and a checkpoint installed
# with its replay count logged.
check_joined() {
	local i=$1 lg=$2 st line n
	st=$(c_field "$i" "$lg" state) || return 1
	[ "$st" = synced ] || { h_fail "node $i $lg: state '$st' right after up"; return 1; }
	line=$(ckpt_line "$i" "$lg")
	[ -n "$line" ] || { h_fail "node $i $lg: synced without an installed checkpoint"; return 1; }
	n=$(sed -n 's/.*, replaying \([0-9][0-9]*\) ops;.*/\1/p' <<<"$line")
	if [ -z "$n" ] || [ "$n" -lt 0 ]; then
		h_fail "node $i $lg: no replay count in: $line"
		return 1
	fi
	h_log "node $i $lg joined: ${line#*: installed }"
}

c_cluster 3 || exit 1

# ---- 1. join under load -------------------------------------------------
for lg in core disk; do
	for i in 1 2; do c_ksim "$i" "$lg" up || c_die "node $i $lg: up"; done
done
h_log "both logs up on nodes 1 and 2"

for lg in core disk; do
	c_ksim_bg 1 "$lg" "${lg}1" --seed 1 run --no-up --writes 0 --burst 3 \
		--resync
	c_ksim_bg 2 "$lg" "${lg}2" --seed 2 run --no-up --writes 0 --burst 3 \
		--mode mark --no-resync --lazy-clear 4
done
for lg in core disk; do
	for i in 1 2; do c_wait_progress "$lg" "$i" 30 "$lg$i" || exit 1; done
done

for lg in core disk; do
	c_ksim 3 "$lg" up || c_die "node 3 $lg: up during the writes"
	check_joined 3 "$lg" || exit 1
	for i in 1 2; do
		kill -0 "${C_PID[$lg$i]}" 2>/dev/null ||
			c_die "$lg: writer $i stopped before node 3 joined"
	done
done

for lg in core disk; do
	c_ksim_bg 3 "$lg" "${lg}3" --seed 3 run --no-up --writes 0 --burst 3 \
		--no-resync
done
for lg in core disk; do
	for i in 1 2 3; do c_wait_progress "$lg" "$i" 30 "$lg$i" || exit 1; done
done
for lg in core disk; do
	for i in 1 2 3; do
		kill -TERM "${C_PID[$lg$i]}"
		c_ksim_wait "$lg$i" || exit 1
	done
done
h_log "writers of nodes 1-3 stopped without violations"

for lg in core disk; do
	c_resync_all 1 "$lg" || exit 1
	c_wait_converged "$lg" 60 1 2 3 || exit 1
	for i in 1 2 3; do c_verify "$i" "$lg" all || exit 1; done
done

# ---- 2. a big log: the checkpoint goes in several chunks ---------------
C_UUID[big]=cl-big C_LUID[big]=0xffff888000003200
C_CTR[big]="$((BIG_REGIONS * 1024)) clustered-core 1024 nosync"
mkdir -p "$H_DIR/state-big"
for i in 1 2; do c_ksim "$i" big up || c_die "node $i big: up"; done
[ "$(c_field 1 big region_count)" = "$BIG_REGIONS" ] ||
	c_die "big: region_count $(c_field 1 big region_count)"
# Node 2 writes too: the sender holds its own ops until the checkpoint is
# out, node 2's are delivered between its chunks.
for i in 1 2; do
	c_ksim_bg "$i" big "big$i" --seed $((10 + i)) run --no-up --writes 0 \
		--burst 4 --regions "0:$((BIG_REGIONS - 1))" --no-resync
	c_wait_progress big "$i" 20 "big$i" || exit 1
done
c_ksim 3 big up || c_die "node 3 big: up during the writes"
check_joined 3 big || exit 1
for i in 1 2; do
	kill -TERM "${C_PID[big$i]}"
	c_ksim_wait "big$i" || exit 1
done

# Node 3's line names the checkpoint, its sender and its size; the sender
# logs the size again once every chunk went out.  A chunk is at most the
# size the sender logged at start-up (the join can only lower it).
line=$(ckpt_line 3 big)
read -r id from bytes < <(sed -n 's/.* installed checkpoint \([0-9a-f]*\) from node \([0-9]*\) (\([0-9]*\) bytes).*/\1 \2 \3/p' <<<"$line")
[ -n "${bytes:-}" ] || c_die "big: cannot parse: $line"
f=$(h_node_dir "$from")/log/cmirrord.log
grep -qF "${C_UUID[big]}: sending checkpoint $id ($bytes bytes" "$f" ||
	c_die "big: node $from did not log sending checkpoint $id"
grep -qF "${C_UUID[big]}: checkpoint of $bytes bytes sent" "$f" ||
	c_die "big: node $from did not log the end of a $bytes-byte checkpoint"
chunk=$(sed -n 's/.*checkpoint chunks of \([0-9][0-9]*\) bytes.*/\1/p' "$f" | tail -1)
[ -n "$chunk" ] || c_die "big: node $from logged no chunk size"
[ "$bytes" -gt $((16 * chunk)) ] ||
	c_die "big: checkpoint of $bytes bytes fits 16 chunks of ${chunk:-?} bytes"
h_log "big: node $from sent checkpoint $id of $bytes bytes in chunks of <= $chunk bytes (>= $(((bytes + chunk - 1) / chunk)) chunks)"
grep -qF "${C_UUID[big]}: receiving a checkpoint of $bytes bytes into the replica prepared" \
	"$(h_node_dir 3)/log/cmirrord.log" ||
	c_die "big: node 3 did not receive the checkpoint into its prepared replica"
if grep -E "CRC mismatch|rejected checkpoint|cannot install checkpoint" \
	"$(h_node_dir 3)/log/cmirrord.log"; then
	c_die "node 3 rejected a checkpoint"
fi
c_wait_converged big 60 1 2 3 || exit 1

for lg in big core disk; do
	for i in 1 2 3; do c_down "$i" "$lg" || exit 1; done
done
h_log "PASS"
exit 0
