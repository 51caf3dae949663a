# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# cluster-common.sh - helpers shared by the t-cluster-*.sh scenarios (not a
# test itself: run-integ.sh only runs t-*.sh).  Sourced after lib.sh.
#
# Two mirror logs per test, each with its own ksim state dir:
#   core  uuid cl-core, "$C_SECTORS clustered-core 1024" (64 regions by
#         default; starts out of sync: needs a resync)
#   disk  uuid cl-disk, "$C_SECTORS clustered-disk $H_DIR/disk.img 1024" on a
#         file every node opens (the shared log device)
# Node I's simulator is --node nI --slot I-1 (its own slot of each region).
#
# c_* functions return non-zero on failure after printing why; the tests
# end with `|| c_die ...` so one failure ends the run (teardown on EXIT).

C_SECTORS=${C_SECTORS:-65536}	# a test may set more before c_cluster
C_REGIONS=$((C_SECTORS / 1024))
declare -A C_UUID C_CTR C_LUID
C_BG_PIDS=()

c_die() { h_fail "$*"; exit 1; }

# c_logs_init: names and constructor strings of the two logs (needs H_DIR).
c_logs_init() {
	C_REGIONS=$((C_SECTORS / 1024))
	C_UUID[core]=cl-core C_CTR[core]="$C_SECTORS clustered-core 1024"
	C_UUID[disk]=cl-disk C_CTR[disk]="$C_SECTORS clustered-disk $H_DIR/disk.img 1024"
	C_LUID[core]=0xffff888000003000 C_LUID[disk]=0xffff888000003100
	truncate -s 1M "$H_DIR/disk.img"
	mkdir -p "$H_DIR/state-core" "$H_DIR/state-disk"
}

# c_cluster N [cmirrord args]: N nodes, corosync quorate everywhere,
# cmirrord on every node (node I also with the words of C_NODE_ARGS[I]).
declare -A C_NODE_ARGS
c_cluster() {
	local n=$1 i
	shift
	h_setup "$n" || return 1
	c_logs_init
	for i in $(seq "$n"); do h_start_corosync "$i" || return 1; done
	for i in $(seq "$n"); do h_wait_quorate "$i" 30 || return 1; done
	for i in $(seq "$n"); do h_wait_members "$i" "$n" 30 || return 1; done
	# shellcheck disable=SC2086
	for i in $(seq "$n"); do h_start_cmirrord "$i" "$@" ${C_NODE_ARGS[$i]:-} || return 1; done
}

# c_cluster_synced N [cmirrord args]: c_cluster, then both logs up on every
# node and resynced from node 1.
c_cluster_synced() {
	local n=$1 lg i
	c_cluster "$@" || return 1
	for lg in core disk; do
		for i in $(seq "$n"); do
			c_ksim "$i" "$lg" up || { h_fail "node $i $lg: up"; return 1; }
		done
		c_resync_all 1 "$lg" || return 1
	done
	h_log "both logs up and in sync on $n nodes"
}

# c_disk_writer_setup: 3 nodes, the disk log up on each and resynced from
# node 2; every node names node 1 (the lowest id) the disk writer.
c_disk_writer_setup() {
	local i
	c_cluster 3 || return 1
	for i in 1 2 3; do
		c_ksim "$i" disk up || { h_fail "node $i: up"; return 1; }
	done
	c_resync_all 2 disk || return 1
	c_writer_is disk 1 1 2 3
}

# c_writers_overlap: background writers on both logs (tags LOG1..LOG3):
# nodes 1 and 2 on regions 0-47, node 3 on 16-62 holding its clears back
# (mark mode, no resync of their own).  The last region is left to tests
# that mark and clear it by hand.
c_writers_overlap() {
	local lg i
	for lg in core disk; do
		for i in 1 2; do
			c_ksim_bg "$i" "$lg" "$lg$i" --seed "$i" run --no-up --writes 0 \
				--burst 3 --regions 0:47 --mode mark --no-resync
		done
		c_ksim_bg 3 "$lg" "${lg}3" --seed 3 run --no-up --writes 0 --burst 3 \
			--regions 16:$((C_REGIONS - 2)) --mode mark --no-resync --lazy-clear 8
	done
}

# c_wait_members LOG "IDS" SECONDS NODES...: each of NODES lists exactly
# IDS ("1 2") as the log's members (bounded poll: no event to wait on).
c_wait_members() {
	local lg=$1 want=$2 end=$((SECONDS + $3)) i
	shift 3
	for i in "$@"; do
		until [ "$(c_field "$i" "$lg" 'members|map(tostring)|join(" ")')" = "$want" ]; do
			[ $SECONDS -lt $end ] || { h_fail "node $i $lg: members $(c_field "$i" "$lg" members), want $want"; return 1; }
			sleep "$H_POLL"
		done
	done
}

# c_ksim I LOG ARGS...: the simulator of node I against log LOG.
c_ksim() {
	local i=$1 lg=$2
	shift 2
	h_ksim "$i" --state-dir "$H_DIR/state-$lg" --uuid "${C_UUID[$lg]}" \
		--luid "${C_LUID[$lg]}" --ctr "${C_CTR[$lg]}" --node "n$i" \
		--slot "$((i - 1))" --timeout-ms 3000 --reconnect-seconds 60 \
		--quiet "$@"
}

# c_ksim_bg I LOG TAG ARGS...: c_ksim in the background; the pid (the
# simulator's own: nsenter execs it) goes to C_PID[TAG], its stdout/stderr to
# $H_DIR/ksim-TAG.{out,err}.
declare -A C_PID
c_ksim_bg() {
	local i=$1 lg=$2 tag=$3 hp bin=${H_KSIM:-$top_builddir/cmirror-ksim}
	shift 3
	hp=$(cat "$(h_node_dir "$i")/holder.pid") || return 1
	( exec nsenter -t "$hp" -n -m -i -- "$bin" --socket "$(h_kernel_sock "$i")" \
		--state-dir "$H_DIR/state-$lg" --uuid "${C_UUID[$lg]}" \
		--luid "${C_LUID[$lg]}" --ctr "${C_CTR[$lg]}" --node "n$i" \
		--slot "$((i - 1))" --timeout-ms 3000 --reconnect-seconds 60 \
		--quiet "$@" ) >"$H_DIR/ksim-$tag.out" 2>"$H_DIR/ksim-$tag.err" </dev/null &
	C_PID[$tag]=$!
	C_BG_PIDS+=("$!")
}

# c_ksim_wait TAG: wait for a background simulator; its exit status must be
# 0 and its summary must show no violations.
c_ksim_wait() {
	local tag=$1 rc=0 out
	wait "${C_PID[$tag]}" || rc=$?
	out=$(cat "$H_DIR/ksim-$tag.out")
	h_log "ksim $tag (rc $rc): $out"
	if [ "$rc" != 0 ]; then
		tail -20 "$H_DIR/ksim-$tag.err" >&2
		h_fail "ksim $tag exited $rc"
		return 1
	fi
	case $out in
	*" violations=0"*) ;;
	*) h_fail "ksim $tag: $out"; return 1 ;;
	esac
}

# c_ksim_answered TAG SECONDS AFTER: a background simulator that waits
# for an answer ends within SECONDS (bounded poll: its exit is only seen by
# polling), with status 0; AFTER names what should have let it go.
c_ksim_answered() {
	local end=$((SECONDS + $2))
	while kill -0 "${C_PID[$1]}" 2>/dev/null; do
		[ $SECONDS -lt $end ] || { h_fail "ksim $1 not answered $2 s after $3"; return 1; }
		sleep "$H_POLL"
	done
	wait "${C_PID[$1]}" || { h_fail "ksim $1 failed: $(cat "$H_DIR/ksim-$1.err")"; return 1; }
}

# c_q I LOG TYPE [REGION]: one request from node I's simulator (the
# answer dropped); ends the test if it fails.
c_q() { c_ksim "$1" "$2" query "${@:3}" >/dev/null || c_die "node $1 $2: ${*:3}"; }

# c_is_clean I LOG R: node I's answer to IS_CLEAN of region R.
c_is_clean() { c_ksim "$1" "$2" query is_clean "$3" || c_die "node $1 $2: is_clean $3"; }

# c_wait_is_clean I LOG R V: node I answers IS_CLEAN R with V (bounded
# poll: a change delivered on another node has no event to wait on here).
c_wait_is_clean() {
	local end=$((SECONDS + 30))
	until [ "$(c_is_clean "$1" "$2" "$3")" = "$4" ]; do
		[ $SECONDS -lt $end ] || c_die "node $1 $2: is_clean $3 never $4"
		sleep "$H_POLL"
	done
}

c_kill_bg() {	# TAG [SIG]: stop a background simulator
	local p=${C_PID[$1]:-}
	[ -n "$p" ] || return 0
	kill -"${2:-KILL}" "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# c_wlines LOG NODE: flushed marks ("W") in node NODE's journal of LOG.
c_wlines() {
	local n
	n=$(grep -c '^W ' "$H_DIR/state-$1/journal.n$2" 2>/dev/null) || true
	echo "${n:-0}"
}

# c_wait_answer I LOG TYPE REGION WANT [SECONDS]: node I's answer to the
# query TYPE (is_clean, in_sync) of REGION becomes WANT (bounded poll,
# default 60 s: a change delivered on another node has no event to wait on).
c_wait_answer() {
	local end=$((SECONDS + ${6:-60})) v
	until v=$(c_ksim "$1" "$2" query "$3" "$4") && [ "$v" = "$5" ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: region $4 $3 ${v:-?}, want $5"; return 1; }
		sleep "$H_POLL"
	done
}

# c_wait_clean I LOG REGION WANT: node I's IS_CLEAN of REGION becomes WANT.
c_wait_clean() { c_wait_answer "$1" "$2" is_clean "$3" "$4"; }

# c_wait_progress LOG NODE N TAG [SECONDS]: node NODE's simulator TAG has
# flushed N more marks (there is no event to wait on: bounded poll of its
# journal), while it still runs.
c_wait_progress() {
	local lg=$1 i=$2 n=$3 tag=$4 end=$((SECONDS + ${5:-60})) want
	want=$(($(c_wlines "$lg" "$i") + n))
	while [ $SECONDS -lt $end ]; do
		[ "$(c_wlines "$lg" "$i")" -ge "$want" ] && return 0
		kill -0 "${C_PID[$tag]}" 2>/dev/null || {
			tail -20 "$H_DIR/ksim-$tag.err" >&2
			h_fail "ksim $tag exited before $n more flushed marks"
			return 1
		}
		sleep "$H_POLL"
	done
	h_fail "ksim $tag: no progress to $want flushed marks in ${5:-60}s"
}

# c_json I LOG: node I's `cmirrorctl --json log UUID`.
c_json() { h_cmirrorctl "$1" --json log "${C_UUID[$2]}"; }

# c_field I LOG FIELD: one field of it (jq syntax, without the dot).
c_field() { c_json "$1" "$2" | jq -r ".$3"; }

# c_wait_json I LOG EXPR [SECONDS]: jq EXPR on node I's view of LOG becomes
# true (bounded poll, default 60 s: the daemon's state is only visible
# through cmirrorctl).
c_wait_json() {
	local end=$((SECONDS + ${4:-60}))
	until [ "$(c_json "$1" "$2" | jq -r "$3" 2>/dev/null)" = true ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: never $3: $(c_json "$1" "$2" | jq -c 'del(.detail)')"; return 1; }
		sleep "$H_POLL"
	done
}

# c_quorate I: node I's daemon's quorum flag (true/false).
c_quorate() { h_cmirrorctl "$1" --json status | jq -r .quorate; }

# c_wait_quorate I WANT [SECONDS]: the daemon's flag becomes WANT (bounded
# poll, default 30 s: it follows corosync's by a quorum notification).
c_wait_quorate() {
	local end=$((SECONDS + ${3:-30}))
	until [ "$(c_quorate "$1")" = "$2" ]; do
		[ $SECONDS -lt $end ] || {
			h_fail "node $1: daemon quorate is not $2: $(h_cmirrorctl "$1" --json status | jq -c .quorum)"
			return 1; }
		sleep "$H_POLL"
	done
}

# c_writer_is LOG W NODES...: each of NODES names node W the disk writer.
c_writer_is() {
	local lg=$1 want=$2 i w
	shift 2
	for i in "$@"; do
		w=$(c_field "$i" "$lg" disk_writer)
		[ "$w" = "$want" ] || { h_fail "node $i: disk writer $w, want $want"; return 1; }
	done
}

# c_settled I LOG: synced, nothing pending, nothing queued.
c_settled() {
	local j
	j=$(c_json "$1" "$2") || return 1
	[ "$(jq -r '.state + " " + (.pending|tostring)' <<<"$j")" = "synced 0" ]
}

# c_wait_converged LOG SECONDS NODES...: every node settled with the same
# digest, generation and sync_count (bounded poll: replicas converge as
# deliveries arrive, with no event to wait on from outside).
c_wait_converged() {
	local lg=$1 end=$((SECONDS + $2)) i d all
	shift 2
	while :; do
		all=
		for i in "$@"; do
			if c_settled "$i" "$lg"; then
				d=$(c_json "$i" "$lg" | jq -r '"\(.digest) gen=\(.generation) sync=\(.sync_count)"')
			else
				d="unsettled"
			fi
			all="$all|$d"
		done
		if [ "$(echo "$all" | tr '|' '\n' | sed '/^$/d' | sort -u | wc -l)" = 1 ] &&
			[ "${all#*unsettled}" = "$all" ]; then
			h_log "$lg converged on nodes $*: ${all#|}"
			return 0
		fi
		if [ $SECONDS -ge $end ]; then
			for i in "$@"; do
				echo "node $i: $(c_json "$i" "$lg" | jq -c 'del(.detail)')" >&2
			done
			h_fail "$lg: replicas differ after $2 s: $all"
			c_show_log "$lg"
			return 1
		fi
		sleep "$H_POLL"
	done
}

# c_verify I LOG [EXPECT_ALL]: ksim verify on node I; with EXPECT_ALL every
# region must be in sync.
c_verify() {
	local out
	out=$(c_ksim "$1" "$2" verify 2>&1) || { h_fail "node $1 $2: verify: $out"; return 1; }
	if [ -n "${3:-}" ] && [ "${out%%$'\n'*}" != "verify: regions=$C_REGIONS in_sync=$C_REGIONS mismatches=0" ]; then
		h_fail "node $1 $2: $out"
		return 1
	fi
	h_log "node $1 $2: $out"
}

# c_resync_all I LOG: resync from node I and wait until every region is in
# sync there.
c_resync_all() {
	local out
	# --until-sync: regions another node still marks or recovers come
	# later, as a kernel's recovery gets them on a later pass.
	out=$(c_ksim "$1" "$2" resync --until-sync --max-seconds 60 2>&1) ||
		{ h_fail "node $1 $2: resync: $out"; c_show_log "$2"; return 1; }
	out=$(c_ksim "$1" "$2" wait-sync --max-seconds 60 2>&1) ||
		{ h_fail "node $1 $2: $out"; c_show_log "$2"; return 1; }
}

# c_show_log LOG: every reachable node's view of LOG (after a failure).
c_show_log() {
	local i
	for i in $(seq "${H_N:-3}"); do
		h_log "node $i: cmirrorctl log ${C_UUID[$1]}:"
		h_cmirrorctl_bounded "$i" log "${C_UUID[$1]}" 2>&1 |
			sed 's/^/    /' >&2
	done
	return 0
}

# c_groups I [all]: "GROUP NODEID" per member of every CPG group node I's
# corosync knows, sorted; the shared stream's group (--shared-stream) only
# with "all", so the logs' groups read the same in both modes.
c_groups() {
	h_cpgtool "$1" -e -d , 2>/dev/null |
		awk -F, -v all="${2:-}" 'NR > 1 && NF >= 3 &&
			(all != "" || $1 !~ /^cmirrord-stream:/) {print $1, $3}' | sort
}

# c_down I LOG: the log's table goes (PRESUSPEND, POSTSUSPEND, DTR).
c_down() { c_ksim "$1" "$2" down || h_fail "node $1 $2: down"; }

c_kill_all_bg() {
	local p
	for p in "${C_BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	return 0
}
