#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-overtake.sh - the disk writer's write that cleans a region is
# out when another node's mark of that region is delivered: that node's
# FLUSH must wait for a later write that makes the region dirty again, not
# take the end of the write that cleaned it for a commit.
#  - 2 nodes, the disk log up on both and resynced; node 1 (the lowest id)
#    writes the log device; both daemons hold their writes while the file
#    /run/disk-hold exists in their namespace (CMIRRORD_DISK_HOLD_WRITES),
#    and let as many through as it counts;
#  - writes held; node 1 marks region 5 (its write ahead of the ordering is
#    out and held) and flushes: the FLUSH waits for the disk, and is
#    answered from the marks written ahead once the write lands (counted
#    in flushes_ahead), 5 dirty on the device;
#  - writes held; node 1 clears 5 and marks 6: the write of that (5 clean,
#    6 dirty) is out and held (node 1 shows `disk_writing`);
#  - node 2 sees node 1's clear (region 5 clean there), marks 5 and sends a
#    FLUSH, which waits for the disk;
#  - one write let through (the hold file says 1): the held write lands (5
#    clean on the device); node 1's next write, the one that dirties 5
#    again, is held; node 1 marks region 9 as a barrier, and once node 2
#    has seen it, node 2's FLUSH must still be waiting (any COMMITTED node
#    1 sent at the end of the first write was delivered before the mark);
#  - writes released: node 2's FLUSH is answered, and region 5 (and 6) are
#    dirty on the device.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

lg=disk
# /run is the node's own run directory inside its namespace.
export CMIRRORD_DISK_HOLD_WRITES=/run/disk-hold
c_cluster 2 || exit 1
hold=$(h_node_dir 1)/run/disk-hold
for i in 1 2; do c_ksim "$i" $lg up || c_die "node $i: up"; done
c_resync_all 1 $lg || exit 1
c_writer_is $lg 1 1 2 || exit 1

# dirty_on_disk R: region R's clean bit in the log device is 0 (the bits
# start 1024 bytes in, as the kernel's disk log lays them out).
dirty_on_disk() {
	local b
	b=$(od -An -tu1 -j $((1024 + $1 / 8)) -N1 "$H_DIR/disk.img" | tr -d ' ')
	[ -n "$b" ] && [ $(((b >> ($1 % 8)) & 1)) = 0 ]
}
# The log's requests (cluster-common.sh): node I, then the rest.
q() { c_q "$1" $lg "${@:2}"; }
is_clean() { c_is_clean "$1" $lg "$2"; }
wait_is_clean() { c_wait_is_clean "$1" $lg "$2" "$3"; }
# flush_waits_disk I: node I shows a FLUSH waiting for the disk.
flush_waits_disk() { h_cmirrorctl "$1" log "${C_UUID[$lg]}" | grep -q '^ *FLUSH .*waiting for the disk'; }
# wait_flush_waits_disk I TAG: node I's FLUSH, sent by simulator TAG, shows
# waiting for the disk (bounded); it must not be answered meanwhile.
wait_flush_waits_disk() {
	local end=$((SECONDS + 30))
	until flush_waits_disk "$1"; do
		[ $SECONDS -lt $end ] || c_die "node $1's FLUSH never showed waiting for the disk"
		kill -0 "${C_PID[$2]}" 2>/dev/null ||
			c_die "node $1's FLUSH answered while node 1's writes were held"
		sleep "$H_POLL"
	done
}

# The writer's own mark is written ahead of its ordering: the write starts
# as the mark is sent, so it is out (held here) when the mark is delivered,
# and node 1's FLUSH is answered as it lands with the mark on the device
# (flushes_ahead), not at the end of a write started after the delivery.
# A write left from before would be the one seen out, not the held one.
c_wait_json 1 $lg '.disk_writing | not' 30 || exit 1
touch "$hold"
q 1 mark 5
c_wait_json 1 $lg '.disk_writing' 30 || exit 1
answered_by() { h_cmirrorctl 1 --json stats | jq -r '"\(.flushes_written) \(.flushes_ahead)"'; }
read -r fw0 fa0 <<<"$(answered_by)"
c_ksim_bg 1 $lg f1 --timeout-ms 60000 query flush
wait_flush_waits_disk 1 f1
rm -f "$hold"
c_ksim_answered f1 30 "node 1's write ahead was released" || exit 1
read -r fw1 fa1 <<<"$(answered_by)"
[ "$((fw1 - fw0)) $((fa1 - fa0))" = "0 1" ] ||
	c_die "node 1's FLUSH: $((fw1 - fw0)) answered at a write's end, $((fa1 - fa0)) from marks written ahead (expected 0 1)"
dirty_on_disk 5 || c_die "region 5 clean on the device after node 1's FLUSH"
h_log "node 1's FLUSH answered from its mark written ahead of the ordering"

# A write left from before would be the one seen out, not the held one.
c_wait_json 1 $lg '.disk_writing | not' 30 || exit 1
touch "$hold"
q 1 clear 5
q 1 mark 6
c_wait_json 1 $lg '.disk_writing' 30 || exit 1
w0=$(c_field 1 $lg disk_writes)
h_log "node 1: a write (5 clean, 6 dirty) out and held, $w0 writes so far"

wait_is_clean 2 5 1
q 2 mark 5
c_ksim_bg 2 $lg f2 --timeout-ms 60000 query flush
wait_flush_waits_disk 2 f2
h_log "node 2 marked region 5 after node 1's clear; its FLUSH waits for the disk"

echo 1 >"$hold"
c_wait_json 1 $lg ".disk_writes > $w0" 30 || exit 1
dirty_on_disk 5 && c_die "the first write let through left region 5 dirty: the test did not set up the overtaking"
h_log "node 1's held write landed: region 5 clean on the device"
q 1 mark 9
wait_is_clean 2 9 0
kill -0 "${C_PID[f2]}" 2>/dev/null ||
	c_die "node 2's FLUSH was answered while region 5 was clean on the device: $(cat "$H_DIR/ksim-f2.out")"
flush_waits_disk 2 || c_die "node 2's FLUSH no longer waits for the disk"
h_log "node 2's FLUSH still waits while region 5 is clean on the device"

rm -f "$hold"
c_ksim_answered f2 30 "node 1's writes were released" || exit 1
for r in 5 6; do
	dirty_on_disk $r || c_die "region $r clean on the device after node 2's FLUSH"
done
h_log "node 2's FLUSH answered with region 5 dirty on the device again"
for i in 1 2; do c_down "$i" $lg || exit 1; done
h_log "PASS"
exit 0
