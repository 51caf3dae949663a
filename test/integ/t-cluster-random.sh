#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-random.sh - seeded random faults under load (issues 3 and 7).
# For each seed of RANDOM_SEEDS (default "1 2 3"), on a fresh 3-node cluster:
#  - core and disk logs up on every node and resynced; one writer per node
#    and log (cmirror-ksim run --writes 0 --no-resync), its mode, region
#    range (overlapping), burst and --lazy-clear drawn from the seed;
#  - RANDOM_FAULTS (default 4) faults drawn by bash's PRNG seeded with the
#    seed (RANDOM=$seed), logged as a plan before the first one:
#      kill       kill -9 a node's cmirrord and its simulators
#      corosync   kill -9 a node's corosync (cmirrord stays and reconnects)
#      partition  cut a node off the network (it goes inquorate), then heal
#      writer     kill -9 the disk log's writer node
#      slot       kill a node (regions out of sync), bring it back, let a
#                 node take a recovery slot (resync --hold-after N), kill it
#    after a node leaves, on a survivor: every region its journal shows
#    marked is out of sync and not clean (check-dead), before any resync;
#    the slot of a killed holder is freed at once; a new disk writer is the
#    lowest survivor; then a survivor resyncs, the node comes back (daemon
#    restarted, logs up again, fresh writers), and the cluster settles:
#    3 members in both groups everywhere, quorate, every writer progresses,
#    no daemon died unasked, no VIOLATION from any simulator;
#  - at the end: writers stopped (exit 0, violations=0), resync, verify with
#    every region in sync on every node, identical replicas, tables down.
# Prints per seed: random seed=S faults=F requests=R violations=0 lost=0
# crashes=0 (R: kernel requests the daemons answered, sampled from
# `cmirrorctl --json stats` before each daemon kill and at the end).
# The fault plan (kinds, nodes, parameters) depends on the seed only; the
# interleaving of writes with the faults is up to the scheduler.
# Every wait has a deadline; one-shot simulator calls run under timeout(1).
# Exit: 0 pass, 1 fail, 77 skip.
# (the fault steps f_* are called by name: "f_$kind")
# shellcheck disable=SC2317
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

SEEDS=${RANDOM_SEEDS:-"1 2 3"}
K=${RANDOM_FAULTS:-4}
case $K in ''|*[!0-9]*) echo "RANDOM_FAULTS: not a number: $K" >&2; exit 1 ;; esac
for s in $SEEDS; do
	case $s in ''|*[!0-9]*) echo "RANDOM_SEEDS: not a number: $s" >&2; exit 1 ;; esac
done
KINDS=(kill corosync partition writer slot)
R_TMO=${R_TMO:-90}	# bound of one one-shot simulator call (seconds)
R_BIN=${H_KSIM:-$top_builddir/cmirror-ksim}
# A writer's write may wait this long for its region's recovery (beyond:
# a VIOLATION).  The slot fault leaves regions out of sync across two node
# restarts; on a loaded 2-core machine that alone takes a minute or more.
R_DEFER=${R_DEFER:-180}
R_ARTS=${H_ARTIFACTS:-}
# Writers start a new write at most every R_PACE_MS ms (0: flat out).  Flat
# out saturates a 2-core machine, and then the test's own probes crawl;
# soak.sh -p trades load for seeds per hour.
R_PACE_MS=${R_PACE_MS:-0}
case $R_PACE_MS in ''|*[!0-9]*) echo "R_PACE_MS: not a number: $R_PACE_MS" >&2; exit 1 ;; esac

# ---- per-seed state ------------------------------------------------------

declare -A WTAG		# "LOG I" -> tag of node I's current writer of LOG
declare -A UP		# node -> 1 while its cmirrord and corosync are meant up
SEED=0 GEN=0 NFAULTS=0 REQS=0 CHECKED=0 FAULT="setup"

r_log() { h_log "seed=$SEED: $*"; }
r_die() { c_die "seed=$SEED fault '$FAULT': $*"; }

# One-shot simulator calls (c_ksim, also inside c_resync_all, c_verify...)
# run under timeout(1): cmirror-ksim retries a request to a daemon that
# never answers forever, as the kernel does.  H_KSIM names the wrapper once
# the cluster is up; the background simulators run the binary itself
# (their pid must be the simulator's).
r_bg() { H_KSIM=$R_BIN c_ksim_bg "$@"; }

r_live() {	# nodes meant up, in order
	local i
	for i in 1 2 3; do [ "${UP[$i]}" = 1 ] && printf '%s ' "$i"; done
}

# r_members LOG WANT SECONDS NODES...: every NODE shows WANT as the log's
# members ("1 2 3"), in state synced.
r_members() {
	local lg=$1 want=$2 end=$((SECONDS + $3)) i got
	shift 3
	for i in "$@"; do
		while :; do
			got=$(c_json "$i" "$lg" 2>/dev/null |
				jq -r '.state + ":" + (.members|map(tostring)|join(" "))')
			[ "$got" = "synced:$want" ] && break
			[ "$SECONDS" -lt "$end" ] || { h_fail "node $i $lg: '$got', want 'synced:$want'"; return 1; }
			sleep "$H_POLL"
		done
	done
}

# r_requests I: kernel requests node I's daemon answered so far.
r_requests() {
	local n
	n=$(h_cmirrorctl "$1" --json stats 2>/dev/null | jq '[.requests[].count] | add // 0') || n=0
	echo "${n:-0}"
}

# r_no_violation: no simulator of this seed reported one (also the killed
# ones, which print no summary).
r_no_violation() {
	local f
	# (one grep: under load every fork costs tens of milliseconds)
	f=$(grep -l 'VIOLATION' "$H_DIR"/ksim-*.err 2>/dev/null | head -1)
	[ -n "$f" ] || return 0
	grep 'VIOLATION' "$f" | head -5 >&2
	h_fail "${f##*/}: violation"
	return 1
}

# r_no_crash: every daemon meant up still runs.
r_no_crash() {
	local i p
	for i in $(r_live); do
		for p in cmirrord corosync; do
			h_running "$i" "$p" || { h_fail "node $i: $p died unasked"; return 1; }
		done
	done
}

# r_writer I LOG: start node I's writer of LOG with parameters drawn from
# the PRNG (same number of draws every time, so the plan stays the seed's).
r_writer() {
	local i=$1 lg=$2 mode lo len hi burst lazy tag a
	mode=$((RANDOM % 2)) lo=$((RANDOM % (C_REGIONS / 2)))
	len=$((C_REGIONS / 4 + RANDOM % (C_REGIONS / 2))) burst=$((1 + RANDOM % 4))
	lazy=$((RANDOM % 9))	# 0: clears at once
	hi=$((lo + len)); [ $hi -lt "$C_REGIONS" ] || hi=$((C_REGIONS - 1))
	GEN=$((GEN + 1))
	tag="$lg$i.g$GEN"
	a=(--reconnect-seconds "$R_DEFER" --seed "$((SEED * 1000 + GEN))" run --no-up --writes 0 --no-resync
		--burst "$burst" --regions "$lo:$hi")
	if [ $mode = 0 ]; then a+=(--mode integrated); else a+=(--mode mark); fi
	[ $lazy = 0 ] || a+=(--lazy-clear "$lazy")
	[ "$R_PACE_MS" = 0 ] || a+=(--pace-ms "$R_PACE_MS")
	r_log "writer $tag: ${a[*]:4}"
	r_bg "$i" "$lg" "$tag" "${a[@]}"
	WTAG["$lg $i"]=$tag
}

# r_start_writers I: a fresh writer per log on node I.  Its journal starts
# over ("X"): marks of the previous writer died with it or were cleared.
r_start_writers() {
	local lg
	for lg in core disk; do
		echo "X 0" >>"$H_DIR/state-$lg/journal.n$1"
		r_writer "$1" "$lg"
	done
}

# r_stop_writers I: SIGTERM node I's writers (they clear what they hold and
# print their summary); bounded wait; exit 0 and violations=0.
r_stop_writers() {
	local i=$1 lg tag p end
	for lg in core disk; do
		tag=${WTAG["$lg $i"]:-}
		[ -n "$tag" ] || continue
		p=${C_PID[$tag]}
		kill -TERM "$p" 2>/dev/null
		end=$((SECONDS + 60))
		while kill -0 "$p" 2>/dev/null && [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)" != Z ]; do
			[ "$SECONDS" -lt "$end" ] || { tail -5 "$H_DIR/ksim-$tag.err" >&2; h_fail "writer $tag ignores SIGTERM for 60 s"; return 1; }
			sleep "$H_POLL"
		done
		c_ksim_wait "$tag" || return 1
		WTAG["$lg $i"]=
	done
}

# r_kill_writers I: kill -9 node I's simulators (with its daemon: no
# clear), the writers and a resync holding a slot.
r_kill_writers() {
	local w tag
	for w in core disk hold-core hold-disk; do
		tag=${WTAG["$w $1"]:-}
		[ -n "$tag" ] && c_kill_bg "$tag" KILL
		WTAG["$w $1"]=
	done
	return 0
}

# r_progress N: every running writer flushes N more marks.
r_progress() {
	local i lg
	for i in $(r_live); do
		for lg in core disk; do
			[ -n "${WTAG["$lg $i"]:-}" ] || continue
			c_wait_progress "$lg" "$i" "$1" "${WTAG["$lg $i"]}" 60 || return 1
		done
	done
}

# r_settle: the cluster is whole again and serving.
r_settle() {
	local i lg
	for i in 1 2 3; do h_wait_quorate "$i" 30 || return 1; done
	for lg in core disk; do r_members "$lg" "1 2 3" 60 1 2 3 || return 1; done
	for i in 1 2 3; do c_wait_quorate "$i" true || return 1; done
	r_progress 5 || return 1
	r_no_crash && r_no_violation
}

# r_check_dead S X: on survivor S, every region node X's journals show
# marked is out of sync and dirty.  Nobody resyncs before this.
r_check_dead() {
	local s=$1 x=$2 lg out n
	for lg in core disk; do
		out=$(c_ksim "$s" "$lg" check-dead "n$x" 2>&1) || { h_fail "node $s $lg: $out"; return 1; }
		r_log "node $s $lg: $out (node $x)"
		n=${out#check-dead: checked=}; n=${n%% *}
		CHECKED=$((CHECKED + n))
	done
}

r_resync() {	# S: resync both logs from node S, every region in sync
	local lg
	for lg in core disk; do c_resync_all "$1" "$lg" || return 1; done
}

# r_down_node X: kill -9 node X's cmirrord and simulators; the survivors
# see it leave.
r_down_node() {
	local x=$1 lg s
	REQS=$((REQS + $(r_requests "$x")))
	h_kill_cmirrord "$x" KILL || return 1
	r_kill_writers "$x"
	UP[$x]=0
	NFAULTS=$((NFAULTS + 1))
	s=$(r_live)
	# shellcheck disable=SC2086
	for lg in core disk; do r_members "$lg" "${s% }" 30 $s || return 1; done
}

# r_up_node X: restart node X's daemon, bring its logs up, fresh writers.
r_up_node() {
	local x=$1 lg
	h_start_cmirrord "$x" || return 1
	UP[$x]=1
	for lg in core disk; do
		c_ksim "$x" "$lg" up || { h_fail "node $x $lg: up after restart"; return 1; }
	done
	r_start_writers "$x"
}

# ---- the faults: NAME X AUX N (X the node, AUX 0/1 picks another node) ----

other() {	# X AUX: one of the two other nodes
	local i r=()
	for i in 1 2 3; do [ "$i" = "$1" ] || r+=("$i"); done
	echo "${r[$2]}"
}

f_kill() {
	local x=$1 s
	s=$(other "$x" "$2")
	r_down_node "$x" || return 1
	r_check_dead "$s" "$x" || return 1
	r_resync "$s" || return 1
	r_up_node "$x"
}

f_corosync() {
	local x=$1 s lg live
	s=$(other "$x" "$2")
	h_kill_corosync "$x" KILL || return 1
	UP[$x]=0
	NFAULTS=$((NFAULTS + 1))
	live=$(r_live)
	# shellcheck disable=SC2086
	for lg in core disk; do r_members "$lg" "${live% }" 30 $live || return 1; done
	h_wait_quorate "$s" 30 || return 1
	h_running "$x" cmirrord || { h_fail "node $x: cmirrord died with its corosync"; return 1; }
	r_check_dead "$s" "$x" || return 1
	r_resync "$s" || return 1
	h_start_corosync "$x" || return 1
	UP[$x]=1
	h_wait_quorate "$x" 30 || return 1
	for lg in core disk; do r_members "$lg" "1 2 3" 60 1 2 3 || return 1; done
	# The others recovered what it had marked while it was away (it
	# submits its marks again at the rejoin): new writers, fresh journals.
	r_stop_writers "$x" || return 1
	r_start_writers "$x"
}

f_partition() {
	local x=$1 s lg live
	s=$(other "$x" "$2")
	h_partition "$x" || return 1
	NFAULTS=$((NFAULTS + 1))
	UP[$x]=0
	live=$(r_live)
	# shellcheck disable=SC2086
	for lg in core disk; do r_members "$lg" "${live% }" 30 $live || return 1; done
	h_wait_quorate "$s" 30 || return 1
	h_wait_inquorate "$x" 30 || return 1
	r_check_dead "$s" "$x" || return 1
	r_resync "$s" || return 1
	h_heal "$x" || return 1
	UP[$x]=1
	h_wait_quorate "$x" 60 || return 1
	for lg in core disk; do r_members "$lg" "1 2 3" 60 1 2 3 || return 1; done
	# The merge ANDs the sides' sync bits: what the lone side lost is out
	# of sync again until a resync.
	r_resync "$s" || return 1
	r_stop_writers "$x" || return 1
	r_start_writers "$x"
}

f_writer() {
	local x s lg w i
	x=$(c_field 1 disk disk_writer) || return 1
	case $x in 1|2|3) ;; *) h_fail "disk writer '$x'"; return 1 ;; esac
	r_log "disk writer is node $x"
	s=$(other "$x" "$2")
	r_down_node "$x" || return 1
	w=$(r_live); w=${w%% *}
	for i in $(r_live); do
		local end=$((SECONDS + 30))
		until [ "$(c_field "$i" disk disk_writer)" = "$w" ]; do
			[ "$SECONDS" -lt "$end" ] || { h_fail "node $i: disk writer $(c_field "$i" disk disk_writer), want $w"; return 1; }
			sleep "$H_POLL"
		done
	done
	r_check_dead "$s" "$x" || return 1
	r_resync "$s" || return 1
	# FLUSHes after the writer change are answered.
	for i in $(r_live); do c_wait_progress disk "$i" 5 "${WTAG["disk $i"]}" 60 || return 1; done
	r_up_node "$x"
}

f_slot() {
	local y=$1 x n=$3 s lg tag rec held end i v h0
	declare -A HELD=()
	x=$(other "$y" "$2")
	s=$(other "$y" $((1 - $2)))
	# Regions out of sync first: node X dies with its marks and comes back.
	r_log "slot: node $x dies first, then node $y holds a slot after $n regions"
	r_down_node "$x" || return 1
	r_check_dead "$s" "$x" || return 1
	r_up_node "$x" || return 1
	for lg in core disk; do r_members "$lg" "1 2 3" 60 1 2 3 || return 1; done
	for lg in core disk; do
		tag="hold-$lg$y.g$GEN"
		WTAG["hold-$lg $y"]=$tag
		# (an earlier slot fault may have left an H line in the journal)
		h0=$(grep -c '^H ' "$H_DIR/state-$lg/journal.n$y" 2>/dev/null)
		r_bg "$y" "$lg" "$tag" resync --hold-after "$n"
		end=$((SECONDS + 60))
		until [ "$(grep -c '^H ' "$H_DIR/state-$lg/journal.n$y" 2>/dev/null)" -gt "${h0:-0}" ] &&
			rec=$(grep '^H ' "$H_DIR/state-$lg/journal.n$y" | tail -1); do
			if ! kill -0 "${C_PID[$tag]}" 2>/dev/null; then
				rec=
				break
			fi
			[ "$SECONDS" -lt "$end" ] || { h_fail "$lg: node $y neither holds nor ends"; return 1; }
			sleep "$H_POLL"
		done
		if [ -z "$rec" ]; then
			c_ksim_wait "$tag" || return 1
			WTAG["hold-$lg $y"]=
			r_log "$lg: fewer than $((n + 1)) regions to resync: node $y holds no slot"
			continue
		fi
		held=${rec#H }
		end=$((SECONDS + 30))
		until [ "$(c_field "$s" "$lg" 'recovering|if . then "\(.node) \(.region)" else "" end')" = "$y $held" ]; do
			[ "$SECONDS" -lt "$end" ] || { h_fail "$lg: node $s never shows node $y recovering $held"; return 1; }
			sleep "$H_POLL"
		done
		HELD[$lg]=$held
		r_log "$lg: node $y holds region $held"
	done
	r_down_node "$y" || return 1
	for i in $(r_live); do
		for lg in core disk; do
			rec=$(c_field "$i" "$lg" 'recovering|if . then "\(.node)" else "" end')
			[ "$rec" != "$y" ] || { h_fail "node $i $lg: node $y's slot not freed"; return 1; }
		done
	done
	for lg in "${!HELD[@]}"; do
		v=$(c_ksim "$s" "$lg" query in_sync "${HELD[$lg]}") || return 1
		[ "$v" = 0 ] || { h_fail "$lg: region ${HELD[$lg]} node $y held reads in_sync=$v"; return 1; }
	done
	r_check_dead "$s" "$y" || return 1
	r_resync "$s" || return 1
	r_up_node "$y"
}

# ---- one seed --------------------------------------------------------------

r_on_exit() {	# (h_teardown keeps the simulators' files of a failed run)
	local rc=$?
	[ "$rc" = 0 ] || h_log "FAILED: seed=$SEED at fault '$FAULT' (reproduce: RANDOM_SEEDS=$SEED RANDOM_FAULTS=$K)"
	(exit "$rc")
	h__on_exit
}

run_seed() {
	local i lg f kind x aux n plan=() t0=$SECONDS out viol=0
	SEED=$1 GEN=0 NFAULTS=0 REQS=0 CHECKED=0 FAULT=setup
	RANDOM=$SEED
	for f in $(seq "$K"); do
		plan+=("${KINDS[RANDOM % ${#KINDS[@]}]}:$((RANDOM % 3 + 1)):$((RANDOM % 2)):$((RANDOM % 3))")
	done
	h_log "random seed=$SEED plan (kind:node:aux:n): ${plan[*]}"
	# shellcheck disable=SC2034 # (cluster-common.sh's)
	C_BG_PIDS=()
	C_PID=()
	WTAG=()
	UP=([1]=1 [2]=1 [3]=1)
	[ -z "$R_ARTS" ] || H_ARTIFACTS=$R_ARTS/seed-$SEED
	c_cluster 3 || exit 1
	trap 'r_on_exit' EXIT
	H_KSIM=$H_DIR/ksim-timeout
	printf '#!/bin/sh\nexec timeout -k 5 %s %q "$@"\n' "$R_TMO" "$R_BIN" >"$H_KSIM"
	chmod +x "$H_KSIM"
	for lg in core disk; do
		for i in 1 2 3; do c_ksim "$i" "$lg" up || r_die "node $i $lg: up"; done
		c_resync_all 1 "$lg" || r_die "initial resync"
	done
	for i in 1 2 3; do r_start_writers "$i"; done
	r_settle || r_die "the writers do not get going"

	for f in $(seq "$K"); do
		IFS=: read -r kind x aux n <<<"${plan[f - 1]}"
		FAULT="$f/$K $kind node $x aux $aux n $n"
		r_log "fault $FAULT"
		"f_$kind" "$x" "$aux" "$n" || r_die "failed"
		r_settle || r_die "the cluster does not settle"
		r_log "fault $f/$K done; settled"
	done

	FAULT=final
	for i in 1 2 3; do r_stop_writers "$i" || r_die "stopping writers"; done
	r_no_violation || r_die "violations"
	for lg in core disk; do
		c_resync_all 1 "$lg" || r_die "final resync"
		for i in 1 2 3; do c_verify "$i" "$lg" all || r_die "verify"; done
		c_wait_converged "$lg" 60 1 2 3 || r_die "replicas"
	done
	r_no_crash || r_die "crash"
	for i in 1 2 3; do REQS=$((REQS + $(r_requests "$i"))); done
	for lg in core disk; do
		for i in 1 2 3; do c_down "$i" "$lg" || r_die "down"; done
	done
	for f in "$H_DIR"/ksim-*.out; do
		out=$(cat "$f")
		case $out in *" violations="*) viol=$((viol + ${out##* violations=})) ;; esac
	done
	[ $viol = 0 ] || r_die "violations=$viol"
	h_teardown 0 || exit 1
	echo "random seed=$SEED faults=$NFAULTS requests=$REQS violations=$viol lost=0 crashes=0 checked=$CHECKED time=$((SECONDS - t0))s"
}

for s in $SEEDS; do run_seed "$s"; done
h_log "PASS"
exit 0
