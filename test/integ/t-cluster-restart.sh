#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-restart.sh - a node's daemon restarts under its kernel (issue 3).
#  1. kill -9: core and disk logs on 3 nodes, fully resynced, all three
#     simulators writing (--no-resync; node 2 holds its clears back with
#     --lazy-clear, so it has regions marked at any time).  Node 2's
#     cmirrord is killed -9 and started again while its simulators keep
#     running.  Asserted:
#       - node 1 (a survivor) sees every region node 2's journal shows
#         marked at the kill out of sync and dirty (check-dead on a copy of
#         that journal, taken while node 2 had no daemon: it can flush
#         nothing then), and at least one such region exists;
#       - node 2's simulators reconnect and rebuild their tables (CTR +
#         RESUME, as the kernel's retry does): node 2 rejoins both groups
#         and installs a checkpoint (its restarted daemon's log), and its
#         new replica too reports those regions out of sync and dirty;
#       - after a resync every writer, node 2's included, makes progress
#         and stops without a violation (node 2's with reconnects >= 1);
#         verify passes on all nodes and the three replicas are identical.
#  2. graceful: SIGTERM to node 2's daemon while its logs exist is refused
#     (it logs so and keeps answering); once node 2's tables are down a
#     SIGTERM stops it; started again, node 2 brings the logs up, gets a
#     checkpoint, writes with the others; verify and equal replicas again.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

# A deferred write may wait for the whole restart + resync: a bound far
# above it on a loaded host (the simulator counts a longer wait as a
# violation).
RECONNECT=180

dlog() { echo "$(h_node_dir "$1")/log/cmirrord.log"; }

# wait_members I LOG "LIST" [SECONDS]
wait_members() {
	local end=$((SECONDS + ${4:-30}))
	until [ "$(c_field "$1" "$2" 'members|map(tostring)|join(" ")' 2>/dev/null)" = "$3" ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: members $(c_field "$1" "$2" members), want [$3]"; return 1; }
		sleep "$H_POLL"
	done
}

# check_marked I LOG NAME: check-dead NAME on node I must check >= 1
# region and find no violation.
check_marked() {
	local out
	out=$(c_ksim "$1" "$2" check-dead "$3" 2>&1) || { h_fail "node $1 $2: $out"; return 1; }
	h_log "node $1 $2 ($3): $out"
	case $out in
	"check-dead: checked=0 "*) h_fail "$2: node 2 held no region marked at the kill"; return 1 ;;
	esac
}

writers() {	# start every node's writers of both logs
	local lg
	for lg in core disk; do
		c_ksim_bg 1 "$lg" "${lg}1" --seed 1 --reconnect-seconds $RECONNECT \
			run --no-up --writes 0 --burst 3 --regions 0:47 --mode mark --no-resync
		c_ksim_bg 2 "$lg" "${lg}2" --seed 2 --reconnect-seconds $RECONNECT \
			run --no-up --writes 0 --burst 3 --no-resync --lazy-clear 8
		c_ksim_bg 3 "$lg" "${lg}3" --seed 3 --reconnect-seconds $RECONNECT \
			run --no-up --writes 0 --burst 3 --regions 16:63 --no-resync
	done
}

stop_writers() {
	local lg i
	for lg in core disk; do
		for i in 1 2 3; do
			kill -TERM "${C_PID[$lg$i]}"
			c_ksim_wait "$lg$i" || return 1
		done
	done
}

converge_verify() {
	local lg i
	for lg in core disk; do
		c_wait_converged "$lg" 60 1 2 3 || return 1
		for i in 1 2 3; do c_verify "$i" "$lg" all || return 1; done
	done
}

c_cluster_synced 3 || exit 1

# ---- 1. kill -9 and restart under the running simulators --------------
writers
for lg in core disk; do
	for i in 1 2 3; do c_wait_progress "$lg" "$i" 30 "$lg$i" || exit 1; done
done
from=$(wc -l <"$(dlog 2)")
h_kill_cmirrord 2 KILL || exit 1
for lg in core disk; do
	# Node 2 has no daemon: its journal can gain no flushed mark now.
	cp "$H_DIR/state-$lg/journal.n2" "$H_DIR/state-$lg/journal.n2kill"
done
h_log "node 2's cmirrord killed at $(c_wlines core 2) / $(c_wlines disk 2) flushed marks"
for lg in core disk; do wait_members 1 "$lg" "1 3" || exit 1; done
h_start_cmirrord 2 || exit 1
h_log "node 2's cmirrord restarted"

# Node 1 applied node 2's loss: its marks are out of sync and dirty.
for lg in core disk; do check_marked 1 "$lg" n2kill || exit 1; done

# Node 2's simulators rebuild their tables (journal X once CTR+RESUME is
# answered, i.e. once the restarted daemon has the state).
for lg in core disk; do
	end=$((SECONDS + 90))
	until grep -q '^X ' "$H_DIR/state-$lg/journal.n2"; do
		[ $SECONDS -lt $end ] || c_die "node 2 $lg: the simulator did not rebuild its table"
		kill -0 "${C_PID[${lg}2]}" 2>/dev/null || c_die "node 2 $lg: simulator exited"
		sleep "$H_POLL"
	done
	h_wait_log 2 "${C_UUID[$lg]}: installed checkpoint" 10 1 "$from" || exit 1
	[ "$(c_field 2 "$lg" state)" = synced ] || c_die "node 2 $lg: not synced after RESUME"
	wait_members 2 "$lg" "1 2 3" || exit 1
	h_log "node 2 $lg rejoined: $(tail -n "+$((from + 1))" "$(dlog 2)" |
		grep -F "${C_UUID[$lg]}: installed checkpoint" | tail -1 | sed 's/.*: installed //')"
	# The restarted replica still has the killed node's marks.
	check_marked 2 "$lg" n2kill || exit 1
done

for lg in core disk; do c_resync_all 1 "$lg" || exit 1; done
for lg in core disk; do
	for i in 1 2 3; do c_wait_progress "$lg" "$i" 30 "$lg$i" || exit 1; done
done
stop_writers || exit 1
for lg in core disk; do
	case $(cat "$H_DIR/ksim-${lg}2.out") in
	*" reconnects=0 "*) c_die "node 2 $lg: the simulator never reconnected" ;;
	esac
done
converge_verify || exit 1
h_log "kill -9 restart: node 2 rejoined with its marks kept; replicas equal"

# ---- 2. graceful restart ----------------------------------------------
from=$(wc -l <"$(dlog 2)")
pid=$(cat "$(h_node_dir 2)/cmirrord.pid")
kill -TERM "$pid"
h_wait_log 2 "refusing to exit: 2 logs active" 30 1 "$from" || exit 1
for lg in core disk; do
	out=$(c_ksim 2 "$lg" query sync_count) || c_die "node 2 $lg: no answer after SIGTERM"
	[ "$out" = "$C_REGIONS" ] || c_die "node 2 $lg: sync_count '$out' after SIGTERM"
done
kill -0 "$pid" 2>/dev/null || c_die "node 2: cmirrord exited on SIGTERM with logs active"
h_log "node 2: SIGTERM refused with 2 logs active"

for lg in core disk; do c_down 2 "$lg" || exit 1; done
for lg in core disk; do wait_members 1 "$lg" "1 3" || exit 1; done
h_kill_cmirrord 2 TERM || exit 1
h_wait_log 2 "exiting on" 1 1 "$from" || exit 1
h_start_cmirrord 2 || exit 1
from=$(wc -l <"$(dlog 2)")
for lg in core disk; do
	c_ksim 2 "$lg" up || c_die "node 2 $lg: up after the graceful restart"
	[ "$(c_field 2 "$lg" state)" = synced ] || c_die "node 2 $lg: not synced after up"
	h_wait_log 2 "${C_UUID[$lg]}: installed checkpoint" 10 1 "$from" || exit 1
done
h_log "node 2 restarted gracefully and rejoined both logs"

writers
for lg in core disk; do
	for i in 1 2 3; do c_wait_progress "$lg" "$i" 20 "$lg$i" || exit 1; done
done
stop_writers || exit 1
converge_verify || exit 1

for lg in core disk; do
	for i in 1 2 3; do c_down "$i" "$lg" || exit 1; done
done
h_log "PASS"
exit 0
