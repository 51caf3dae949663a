#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-loglines.sh - a routine line that one event repeats for every
# log reaches syslog at most 10 times a minute per kind; the rest are kept
# at debug level in the ring (`cmirrorctl dump`), and one line says so.
#  - 2 nodes; 24 core logs brought up on node 1, then on node 2 (24 joins,
#    24 checkpoints installed on node 2);
#  - node 2: its "installed checkpoint: gen" lines are all in the ring, some
#    at debug level; the ones at info level are exactly those in its log
#    output; "more than 10 installed checkpoint states within 60 s" is
#    logged;
#  - node 2's daemon is killed: node 1 has 24 "node 2 lost: 0 of its
#    regions to resync" lines in the ring, some held back, and says so once;
#    its 24 "membership [1] joined [] left [2]" lines likewise, and some of
#    them at info although the 48 of the joins came in the same minute:
#    a daemon leaving (or a new corosync ring) starts new windows.
# (The split of a burst over two minute-windows on a slow machine is
# allowed for: the checks count, they do not assume a single window; lines
# spread over a minute or more are only counted.)
# Exit: 0 pass, 1 fail, 77 skip.
# shellcheck source=lib.sh
# shellcheck source=cluster-common.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/cluster-common.sh"

N=24
c_cluster 2 || exit 1

up() {	# NODE K
	h_ksim "$1" --state-dir "$H_DIR/state-many" --uuid "many-$2" \
		--luid "$((0x1000 + $2))" --ctr "8192 clustered-core 1024 nosync" \
		--node "n$1" --slot "$(($1 - 1))" --timeout-ms 10000 --quiet up ||
		c_die "node $1: up of many-$2"
}
mkdir -p "$H_DIR/state-many"
for k in $(seq $N); do up 1 "$k"; done
for k in $(seq $N); do up 2 "$k"; done
h_log "$N logs up on both nodes"

# check NODE PATTERN ANNOUNCE: the kind of line PATTERN (an ERE matching
# one line per log) is in the ring N times, at info or debug level; those
# at info are the ones in the log output; some are held back and the
# announcement is logged.
check() {
	local i=$1 pat=$2 ann=$3 ring out info dbg sunk a span
	ring=$(h_cmirrorctl "$i" dump) || c_die "node $i: dump"
	info=$(grep -cE "^\[[0-9.]+\] I $pat" <<<"$ring")
	dbg=$(grep -cE "^\[[0-9.]+\] D $pat" <<<"$ring")
	out=$(h_node_dir "$i")/log/cmirrord.log
	sunk=$(grep -cE "info: $pat" "$out")
	a=$(grep -cF "info: more than 10 $ann within 60 s: the rest of them at debug level only" "$out")
	h_log "node $i '$pat': $info at info, $dbg at debug, $sunk in the log output, $a announcements"
	[ $((info + dbg)) = "$N" ] || c_die "node $i: $((info + dbg)) lines of '$pat' in the ring, want $N"
	[ "$sunk" = "$info" ] || c_die "node $i: $sunk lines of '$pat' in the output, $info at info in the ring"
	# The ring's stamps (monotonic seconds): lines spread over a minute
	# or more may fall in several windows, each with 10 at info.
	span=$(grep -E "^\[[0-9.]+\] [ID] $pat" <<<"$ring" | tr -d '[' |
		awk 'NR == 1 { f = int($1) } { l = int($1) } END { print l - f }')
	if [ "$span" -ge 60 ]; then
		h_log "node $i: the lines took $span s (a slow machine): held-back counts not checked"
		return 0
	fi
	[ "$dbg" -gt 0 ] || c_die "node $i: none of the $N lines of '$pat' held back"
	[ "$a" -ge 1 ] || c_die "node $i: no announcement of the held-back '$ann'"
	[ "$info" -le $((10 * (a + 1))) ] || c_die "node $i: $info lines at info with $a announcements"
}
check 2 "many-[0-9]+: installed checkpoint: gen " "installed checkpoint states"

h_kill_cmirrord 2 KILL || exit 1
# Wait for the last of them in the ring (bounded): node 1 saw node 2 leave
# every group.
for t in $(seq 100); do
	[ "$(h_cmirrorctl 1 dump | grep -cE '\] [ID] many-[0-9]+: node 2 lost: 0 of its regions to resync')" = "$N" ] && break
	sleep "$H_POLL"
done
check 1 "many-[0-9]+: node 2 lost: 0 of its regions to resync" "node losses with nothing to resync"
# The daemon leaving is a new event: its membership lines are not held
# back with the 48 of the joins just before (same call site, same minute).
pat='cmirror:many-[0-9]+: membership \[1\] joined \[\] left \[2\]'
check 1 "$pat" "group membership changes"
n=$(grep -cE "info: $pat" "$(h_node_dir 1)/log/cmirrord.log")
[ "$n" -ge 1 ] || c_die "node 1: no membership line of node 2's leaving at info (held back with the joins')"
h_log "PASS"
h_teardown 0
