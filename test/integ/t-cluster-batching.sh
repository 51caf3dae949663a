#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-batching.sh - an answered CLEAR_REGION waits for the next op of
# its log and shares its CPG message (option clear-delay-ms; group.h,
# GROUP_OP_F_LAZY), and a clear with nothing after it still goes out:
#  - a core log on 3 nodes, in sync; every daemon runs with
#    --clear-delay-ms 3000;
#  - node 1's simulator writes (integrated flush: FLUSH carrying the mark,
#    then CLEAR_REGION, as the kernel sends them): node 1's CPG counters
#    for the log show at least two ops per message over those writes
#    (one per message when every clear goes out alone);
#  - once the writer stops, its last clear (nothing follows it) reaches
#    node 2 and 3: no region of the log is marked there any more;
#  - a region marked and then cleared by hand (a lone CLEAR_REGION): clean
#    again on every node;
#  - an empty FLUSH while every member holds node 1's marks is answered
#    with no CPG round (ops submitted unchanged, flushes_settled + 1); one
#    after a MARK_REGION that frozen node 3 cannot acknowledge waits (shows
#    as pending, not sent) until node 3 is thawed, and is then answered
#    with no CPG round of its own either (ops submitted unchanged since the
#    MARK, flushes_settled + 1); the simulator's resend of such a waiting
#    FLUSH (1 s timeout) goes round, and after the thaw it is answered and
#    nothing stays pending; replicas equal; then node 3's daemon dies
#    (SIGKILL, its corosync stays) while node 1's FLUSH waits for its
#    acknowledgement: the FLUSH is answered, with no round of its own.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

# counters I: "MSGS OPS" of node I's CPG group of the core log.
counters() { c_json "$1" core | jq -r '"\(.cpg.msgs_sent) \(.cpg.ops_sent)"'; }

# wait_unmarked I: node I's replica holds no mark of any node (bounded poll:
# the delivery of a delayed clear is not visible from outside otherwise).
wait_unmarked() {
	local end=$((SECONDS + 60))
	until c_field "$1" core detail | grep -q '^marks 0:'; do
		[ $SECONDS -lt $end ] || { h_fail "node $1: marks left: $(c_field "$1" core detail | grep '^marks')"; return 1; }
		sleep "$H_POLL"
	done
}

c_cluster 3 --clear-delay-ms 3000 || exit 1
for i in 1 2 3; do c_ksim "$i" core up || c_die "node $i: up"; done
c_resync_all 1 core || exit 1
c_wait_converged core 30 1 2 3 || exit 1
h_log "core log up and in sync on 3 nodes"

# A clear held back by the resync goes alone after its delay: out before
# the count starts.
wait_unmarked 1 || exit 1
read -r m0 o0 <<<"$(counters 1)" || c_die "no CPG counters on node 1"
[ -n "$m0" ] && [ "$m0" != null ] || c_die "no CPG counters on node 1: $(c_json 1 core | jq -c 'del(.detail)')"
W=200
out=$(c_ksim 1 core --seed 1 run --no-up --writes $W --burst 1 \
	--regions 0:31 --mode integrated --no-resync 2>&1) || c_die "writes: $out"
for i in 2 3 1; do wait_unmarked "$i" || exit 1; done
h_log "the writer's last clear reached every node"
read -r m1 o1 <<<"$(counters 1)"
msgs=$((m1 - m0)) ops=$((o1 - o0))
h_log "node 1 during the writes: $ops ops in $msgs CPG messages"
[ "$msgs" -gt 0 ] || c_die "no CPG message during the writes"
# Every write is one FLUSH and one CLEAR, each clear riding with the next
# FLUSH: about W messages for 2W ops (W with no batching at all).  A stall
# longer than the delay sends a clear alone; half the writes' worth of
# shared messages is the margin for that.
[ $((ops - msgs)) -ge $((W / 2)) ] ||
	c_die "clears did not share messages: $ops ops in $msgs messages"

SPARE=$((C_REGIONS - 1))
out=$(c_ksim 2 core query mark $SPARE 2>&1) || c_die "mark $SPARE: $out"
for i in 1 2 3; do c_wait_clean "$i" core $SPARE 0 || exit 1; done
out=$(c_ksim 2 core query clear $SPARE 2>&1) || c_die "clear $SPARE: $out"
for i in 1 2 3; do c_wait_clean "$i" core $SPARE 1 || exit 1; done
h_log "a lone clear of region $SPARE went out after its delay"

# An empty FLUSH when every member holds our marks: answered with no round.
stat() { h_cmirrorctl 1 --json stats | jq -r ".$1"; }
c_wait_json 1 core '.marks_unstable == 0' || exit 1
s0=$(stat ops_submitted) f0=$(stat flushes_settled)
out=$(c_ksim 1 core query flush 2>&1) || c_die "flush: $out"
s1=$(stat ops_submitted) f1=$(stat flushes_settled)
[ "$s1" = "$s0" ] && [ "$f1" = $((f0 + 1)) ] ||
	c_die "settled empty FLUSH: ops submitted $s0 -> $s1, settled $f0 -> $f1"
h_log "an empty FLUSH with our marks held everywhere needed no round"

# Not when a mark of ours is not held by every member: node 3 is frozen and
# cannot acknowledge node 1's MARK_REGION, so the FLUSH after it waits.
thaw3() { kill -CONT "$(h__pid 3 cmirrord)" 2>/dev/null; }
# held_flush TAG TIMEOUT_MS: node 3 frozen, node 1 marks SPARE, then sends
# a FLUSH in the background (C_PID[TAG]); S, F: node 1's ops submitted and
# FLUSHes settled before that FLUSH.
held_flush() {
	kill -STOP "$(h__pid 3 cmirrord)" || c_die "cannot freeze node 3"
	out=$(c_ksim 1 core query mark $SPARE 2>&1) || c_die "mark $SPARE: $out"
	c_wait_json 1 core '.marks_unstable >= 1' || exit 1
	S=$(stat ops_submitted) F=$(stat flushes_settled)
	c_ksim_bg 1 core "$1" --timeout-ms "$2" query flush
}
# while_held TAG CMD...: poll CMD while FLUSH TAG is still unanswered.
while_held() {
	local tag=$1 end=$((SECONDS + 60))
	shift
	until "$@"; do
		kill -0 "${C_PID[$tag]}" 2>/dev/null || { thaw3; c_die "FLUSH $tag answered before: $*: $(cat "$H_DIR/ksim-$tag.out")"; }
		[ $SECONDS -lt $end ] || { thaw3; c_die "FLUSH $tag: never $*"; }
		sleep "$H_POLL"
	done
}
# (the two conditions while_held runs)
# shellcheck disable=SC2317
shows_not_sent() { h_cmirrorctl 1 log "${C_UUID[core]}" | grep -q '^    FLUSH .*not sent'; }
# shellcheck disable=SC2317
went_round() { [ "$(stat ops_submitted)" -gt "$S" ]; }
flush_ok() {
	wait "${C_PID[$1]}" && [ "$(cat "$H_DIR/ksim-$1.out")" = ok ] ||
		c_die "FLUSH $1: $(cat "$H_DIR/ksim-$1.out" "$H_DIR/ksim-$1.err")"
}
# no_round WHY: answered with no CPG round of its own since held_flush.
no_round() {
	local s f
	s=$(stat ops_submitted) f=$(stat flushes_settled)
	[ "$s" = "$S" ] && [ "$f" = $((F + 1)) ] ||
		c_die "$1: ops submitted $S -> $s, settled $F -> $f"
}
clear_spare() {	# NODES...: node 1 clears SPARE, clean on NODES
	local i
	out=$(c_ksim 1 core query clear $SPARE 2>&1) || c_die "clear $SPARE: $out"
	for i in "$@"; do c_wait_clean "$i" core $SPARE 1 || exit 1; done
}

# (no resend while node 3 is frozen: that one would go round, see below)
held_flush fl 60000
while_held fl shows_not_sent
thaw3
flush_ok fl
no_round "the FLUSH that waited went round"
clear_spare 1 2 3
h_log "the FLUSH after a mark node 3 could not acknowledge waited for its thaw"

# The simulator resends a FLUSH that waits that long (as the kernel does
# after 15 s): the resend goes round, flagged, and its own stability
# answers both once node 3 is thawed; nothing is left pending.
held_flush fr 1000
while_held fr went_round
thaw3
flush_ok fr
c_wait_json 1 core '.pending == 0' || exit 1
clear_spare 1 2 3
h_log "the resend of a waiting FLUSH went round and both were answered"

for i in 1 2 3; do c_verify "$i" core all || exit 1; done
c_wait_converged core 30 1 2 3 || exit 1

# The member that does not acknowledge dies instead (its corosync stays in
# the ring): the waiting FLUSH is answered, still with no round of its own.
held_flush fk 60000
while_held fk shows_not_sent
h_kill_cmirrord 3 KILL || exit 1
flush_ok fk
no_round "the FLUSH went round after node 3 died"
clear_spare 1 2
h_log "node 3 died while node 1's FLUSH waited for its acknowledgement: answered with no round"
for i in 1 2; do c_verify "$i" core all || exit 1; done
c_wait_converged core 30 1 2 || exit 1
for i in 1 2; do c_down "$i" core || exit 1; done
h_log "PASS"
exit 0
