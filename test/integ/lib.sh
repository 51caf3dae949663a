# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# lib.sh - an N-node corosync cluster on one machine, for integration tests.
# Source it from a bash test (needs root, iproute2, util-linux, corosync):
#
#   . "$top_srcdir/test/integ/lib.sh"
#   h_setup 3                     # namespaces, network, configs; trap EXIT
#   for i in 1 2 3; do h_start_corosync $i; done
#   h_wait_quorate 1
#   h_start_cmirrord 1
#   h_ksim 1 ...                  # cmirror-ksim against node 1's daemon
#
# Each node I is a network namespace ${H_RUN}-nI plus a private mount and IPC
# namespace held by a small holder process; every command of the node runs
# inside all three (h_exec).  Why each one:
#   - network: libqb IPC (corosync's client API) uses abstract unix sockets,
#     which are per network namespace, so a client reaches the corosync of
#     its own namespace; each node also gets its own address.
#   - mount: corosync takes a fixed lock under /run, so each node has its own
#     /run (a bind mount of the node's run dir, so a test can look at it) and
#     its own /dev/shm (tmpfs, libqb's ring buffers).
#   - IPC: no SysV/POSIX IPC object is shared between nodes.
# The nodes are joined by a bridge in a further namespace ${H_RUN}-br; no
# interface or address is ever created in the caller's namespace, so parallel
# runs cannot collide and the host network is untouched.
#
# Security: cluster traffic relies on corosync's own authentication and
# encryption.  Every run generates a fresh authkey and configures knet with
# crypto_cipher aes256 + crypto_hash sha256 (cmirrord itself adds no
# message authentication; see doc/design.md).  The traffic never leaves the
# test's namespaces anyway.
#
# Layout: $H_DIR = ${H_BASE:-/tmp/cmirror-integ}/$H_RUN, per node $H_DIR/nI/
#   conf/corosync.conf conf/authkey  state/ (corosync state_dir)
#   run/ (the node's /run: ksim.sock, cmirrord.sock, cmirrord.pid)
#   log/ (corosync.log, cmirrord.log)
# and $H_DIR/ksim-state (the --state-dir shared by every h_ksim of a test).
#
# Environment:
#   top_builddir    build dir with cmirrord, cmirror-ksim, cmirrorctl
#                   (default: build/ of the source tree if configured, else cwd)
#   H_CMIRRORD, H_KSIM, H_CMIRRORCTL  override one binary
#   H_CMIRRORD_ARGS extra options for every cmirrord (e.g. --log-level=debug)
#   H_BASE          parent of run dirs (default /tmp/cmirror-integ)
#   H_ARTIFACTS     if set, h_teardown copies the nodes' logs there
#   H_KEEP=1        h_teardown leaves $H_DIR in place
#   H_TOKEN_MS      corosync totem token (default 1000: fast failure detection)
#   H_KSIM_SOCKET_OPT  cmirror-ksim's option naming the daemon socket
#                   (default --socket)
#
# All functions return 0 or non-zero (and print why on stderr); none of them
# exits the shell except h_setup's "skip" (exit 77) when the host cannot run
# the harness at all.

H_PREFIX=cmh
H_BASE=${H_BASE:-/tmp/cmirror-integ}
H_SUBNET=192.168.100
H_TOKEN_MS=${H_TOKEN_MS:-1000}
H_KSIM_SOCKET_OPT=${H_KSIM_SOCKET_OPT:---socket}
H_N=0
H_RUN=
H_DIR=
H_POLL=0.1	# between two queries of an external tool with no event API

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	# Run by hand: the build of scripts/test.sh, else the current dir.
	if [ -f "$top_srcdir/build/Makefile" ]; then top_builddir=$top_srcdir/build; else top_builddir=$(pwd); fi
fi
export top_builddir top_srcdir

h_log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
h_fail() { h_log "FAIL: $*"; return 1; }

h_ns() { echo "${H_RUN}-n$1"; }
h_node_dir() { echo "$H_DIR/n$1"; }
h_kernel_sock() { echo "$H_DIR/n$1/run/ksim.sock"; }
h_ctl_sock() { echo "$H_DIR/n$1/run/cmirrord.sock"; }
h_pid_file() { echo "$H_DIR/n$1/run/cmirrord.pid"; }
h_addr() { echo "$H_SUBNET.$1"; }

# Start time of a pid (field 22 of /proc/PID/stat): with the pid it names a
# process uniquely, so a recycled pid is not taken for a live owner.  A
# zombie (an owner killed but not yet reaped) has none: it is dead.
h__starttime() {
	[ -r "/proc/$1/stat" ] || return 1
	awk '{ sub(/.*\) /, ""); if ($1 == "Z" || $1 == "X") exit 1; print $20 }' \
		"/proc/$1/stat" 2>/dev/null
}

h__owner_alive() {	# RUN_ID
	local pid st now f=$H_BASE/$1/owner
	if [ -r "$f" ]; then
		read -r pid st <"$f" || return 1
	else
		pid=${1#"$H_PREFIX"-}; pid=${pid%%-*}; st=
	fi
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	now=$(h__starttime "$pid") || return 1
	[ -z "$st" ] || [ "$now" = "$st" ]
}

# Kill every process left in a namespace (by pid), then delete it.
h__del_ns() {
	local ns=$1 pids t
	pids=$(ip netns pids "$ns" 2>/dev/null)
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
		for t in $(seq 50); do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep "$H_POLL"
		done
	fi
	ip netns del "$ns" 2>/dev/null || true
}

# Remove the namespaces and dirs of runs whose owner is gone.
h_cleanup_stale() {
	local ns run runs=""
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
		case $ns in "$H_PREFIX"-*-*) ;; *) continue ;; esac
		run=${ns%-*}
		[ "$run" = "$H_RUN" ] && continue
		h__owner_alive "$run" && continue
		h__del_ns "$ns"
		runs="$runs $run"
	done
	if [ -d "$H_BASE" ]; then
		for run in "$H_BASE/$H_PREFIX"-*; do
			[ -d "$run" ] || continue
			run=${run##*/}
			[ "$run" = "$H_RUN" ] && continue
			h__owner_alive "$run" || rm -rf "${H_BASE:?}/$run"
		done
	fi
	[ -z "$runs" ] || h_log "cleaned leftovers of dead runs:$(echo "$runs" | tr ' ' '\n' | sort -u | tr '\n' ' ')"
	return 0
}

h__write_conf() {	# I
	local i=$1 j nd
	nd=$(h_node_dir "$i")
	{
		cat <<EOF
# generated by test/integ/lib.sh for run $H_RUN, node $i
totem {
  version: 2
  cluster_name: $H_RUN
  transport: knet
  crypto_cipher: aes256
  crypto_hash: sha256
  keyfile: $H_DIR/authkey
  token: $H_TOKEN_MS
}
nodelist {
EOF
		for j in $(seq "$H_N"); do
			# One item per line: the parser rejects "node { a b }".
			printf '  node {\n    ring0_addr: %s\n    nodeid: %s\n  }\n' "$(h_addr "$j")" "$j"
		done
		cat <<EOF
}
quorum {
  provider: corosync_votequorum
EOF
		[ "$H_N" = 2 ] && echo "  two_node: 1"
		cat <<EOF
}
logging {
  to_stderr: yes
  to_syslog: no
  to_logfile: no
  timestamp: on
}
system {
  state_dir: $nd/state
}
EOF
	} >"$nd/conf/corosync.conf"
}

# h_setup N: build an N-node cluster (nothing started yet).
h_setup() {
	local n=${1:-3} i ns nd fifo line t
	case $n in ''|*[!0-9]*) h_fail "h_setup: bad node count '$n'"; return 1 ;; esac
	if [ "$n" -lt 1 ] || [ "$n" -gt 16 ]; then h_fail "h_setup: 1..16 nodes"; return 1; fi
	if [ "$(id -u)" != 0 ]; then echo "SKIP: needs root (namespaces)"; exit 77; fi
	for t in ip unshare nsenter corosync corosync-quorumtool corosync-cpgtool corosync-cmapctl; do
		command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t not found"; exit 77; }
	done
	# (probe name outside the "$H_PREFIX-*" pattern of run namespaces)
	if ! ip netns add "${H_PREFIX}probe-$$" 2>/dev/null; then
		echo "SKIP: cannot create network namespaces here"; exit 77
	fi
	ip netns del "${H_PREFIX}probe-$$"

	H_N=$n
	H_RUN=$H_PREFIX-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
	H_DIR=$H_BASE/$H_RUN
	mkdir -p "$H_DIR" || return 1
	echo "$$ $(h__starttime $$)" >"$H_DIR/owner"
	trap 'h__on_exit' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	h_cleanup_stale

	# A fresh key per run: knet authenticates and encrypts with it.
	if ! corosync-keygen -k "$H_DIR/authkey" >/dev/null 2>&1; then
		head -c 256 /dev/urandom >"$H_DIR/authkey" || return 1
	fi
	chmod 400 "$H_DIR/authkey"
	mkdir -p "$H_DIR/ksim-state"

	ns=${H_RUN}-br
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up
	ip -n "$ns" link add br0 type bridge || return 1
	ip -n "$ns" link set br0 up
	for i in $(seq "$n"); do
		ns=$(h_ns "$i")
		nd=$(h_node_dir "$i")
		mkdir -p "$nd/conf" "$nd/state" "$nd/run" "$nd/log"
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		# Both ends are created inside our namespaces, never in the caller's.
		ip -n "$ns" link add eth0 type veth peer name "p$i" netns "${H_RUN}-br" || return 1
		ip -n "${H_RUN}-br" link set "p$i" master br0
		ip -n "${H_RUN}-br" link set "p$i" up
		ip -n "$ns" addr add "$(h_addr "$i")/24" dev eth0
		ip -n "$ns" link set eth0 up
		h__write_conf "$i"

		# The holder: keeps the node's mount + IPC namespaces alive; it
		# reports through a fifo once /run and /dev/shm are mounted.
		fifo=$nd/holder.fifo
		mkfifo "$fifo"
		# shellcheck disable=SC2016
		ip netns exec "$ns" unshare -m -i --propagation private -- sh -c \
			'mount --bind "$1" /run && mount -t tmpfs -o mode=1777 tmpfs /dev/shm &&
			 echo ready >"$2" && exec sleep infinity' \
			sh "$nd/run" "$fifo" </dev/null >"$nd/log/holder.log" 2>&1 &
		echo $! >"$nd/holder.pid"
		disown $!	# killed by h__del_ns; no job report wanted
		line=
		read -r -t 10 line <>"$fifo" || true
		rm -f "$fifo"
		[ "$line" = ready ] || { h_fail "node $i: holder did not start: $(cat "$nd/log/holder.log")"; return 1; }
	done
	h_log "setup: $n nodes, run $H_RUN, dir $H_DIR"
}

h__pid() {	# I NAME -> pid recorded for the node, or fail
	local f p
	f="$(h_node_dir "$1")/$2.pid"
	[ -s "$f" ] && read -r p <"$f" && echo "$p"
}

# h_exec I CMD...: run CMD inside node I's network, mount and IPC namespaces
# (same cwd).  nsenter execs CMD (no pid namespace, so no fork).
h_exec() {
	local i=$1 hp
	shift
	hp=$(h__pid "$i" holder) || { h_fail "node $i: no holder"; return 1; }
	nsenter -t "$hp" -n -m -i --wd="$PWD" -- "$@"
}

# h__spawn I NAME CMD...: start CMD in node I in the background and record
# its pid as NAME.pid.  The subshell execs nsenter, which execs CMD, so $!
# is CMD's own pid (a signal reaches the daemon, not a wrapper shell).
h__spawn() {
	local i=$1 name=$2 hp nd
	shift 2
	nd=$(h_node_dir "$i")
	hp=$(h__pid "$i" holder) || { h_fail "node $i: no holder"; return 1; }
	( exec nsenter -t "$hp" -n -m -i --wd="$PWD" -- "$@" </dev/null >>"$nd/log/$name.log" 2>&1 ) &
	echo $! >"$nd/$name.pid"
}

h_running() {	# I NAME: the recorded process is alive
	local p
	p=$(h__pid "$1" "$2") && kill -0 "$p" 2>/dev/null
}

# h_start_corosync I: start corosync on node I and wait until its client API
# answers (clients started earlier would fail to connect).  The probe reads
# cmap: corosync-quorumtool exits non-zero while the node is inquorate.
h_start_corosync() {
	local i=$1 nd t
	nd=$(h_node_dir "$i")
	h_running "$i" corosync && { h_fail "node $i: corosync already running"; return 1; }
	h__spawn "$i" corosync corosync -f -c "$nd/conf/corosync.conf" || return 1
	for t in $(seq 100); do
		h_exec "$i" corosync-cmapctl -g totem.cluster_name >/dev/null 2>&1 && return 0
		h_running "$i" corosync || break
		sleep "$H_POLL"
	done
	tail -20 "$nd/log/corosync.log" >&2
	h_fail "node $i: corosync did not come up"
}

h_quorate() {	# I: 0 if node I's corosync says Quorate: Yes
	h_exec "$1" corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *Yes'
}

# h_wait_quorate I [SECONDS]: bounded loop of queries.
h_wait_quorate() {
	local i=$1 end=$((SECONDS + ${2:-30}))
	while [ $SECONDS -lt $end ]; do
		h_quorate "$i" && return 0
		sleep "$H_POLL"
	done
	h_exec "$i" corosync-quorumtool -s >&2
	h_fail "node $i: not quorate after ${2:-30}s"
}

# h_wait_inquorate I [SECONDS]
h_wait_inquorate() {
	local i=$1 end=$((SECONDS + ${2:-30}))
	while [ $SECONDS -lt $end ]; do
		if h_exec "$i" corosync-quorumtool -s 2>/dev/null | grep -q '^Quorate: *No'; then
			return 0
		fi
		sleep "$H_POLL"
	done
	h_exec "$i" corosync-quorumtool -s >&2
	h_fail "node $i: still quorate (or no answer) after ${2:-30}s"
}

# h_wait_members I COUNT [SECONDS]: node I sees COUNT members.
h_wait_members() {
	local i=$1 want=$2 end=$((SECONDS + ${3:-30})) got
	while [ $SECONDS -lt $end ]; do
		got=$(h_exec "$i" corosync-quorumtool -s 2>/dev/null |
			sed -n 's/^Nodes: *\([0-9]*\).*/\1/p')
		[ "$got" = "$want" ] && return 0
		sleep "$H_POLL"
	done
	h_fail "node $i: sees ${got:-?} members, want $want"
}

h_cpgtool() {	# I [ARGS]: corosync-cpgtool inside node I
	local i=$1
	shift
	h_exec "$i" corosync-cpgtool "$@"
}

# h_start_cmirrord I [EXTRA ARGS]: the real daemon inside node I, in the
# foreground, talking to cmirror-ksim over the seqpacket kernel socket.
# Returns once the kernel socket exists (or fails with the log's tail).
h_start_cmirrord() {
	local i=$1 nd ks t bin=${H_CMIRRORD:-$top_builddir/cmirrord}
	shift
	nd=$(h_node_dir "$i")
	ks=$(h_kernel_sock "$i")
	[ -x "$bin" ] || { h_fail "no $bin (build first)"; return 1; }
	h_running "$i" cmirrord && { h_fail "node $i: cmirrord already running"; return 1; }
	rm -f "$ks"
	# H_CMIRRORD_ARGS: extra options for every daemon (e.g. to trace a
	# rare failure: --log-level debug).
	# shellcheck disable=SC2086
	h__spawn "$i" cmirrord "$bin" -f --kernel-socket "$ks" \
		--pid-file "$(h_pid_file "$i")" --control-socket "$(h_ctl_sock "$i")" \
		${H_CMIRRORD_ARGS:-} "$@" || return 1
	for t in $(seq 200); do
		[ -S "$ks" ] && return 0
		h_running "$i" cmirrord || break
		sleep "$H_POLL"
	done
	tail -30 "$nd/log/cmirrord.log" >&2
	h_fail "node $i: cmirrord did not create $ks"
}

# h_ksim I ARGS...: cmirror-ksim against node I's daemon; every call of a
# test shares one --state-dir (what a mirror "wrote", for later checks).
h_ksim() {
	local i=$1 bin=${H_KSIM:-$top_builddir/cmirror-ksim}
	shift
	[ -x "$bin" ] || { h_fail "no $bin (build first)"; return 1; }
	h_exec "$i" "$bin" "$H_KSIM_SOCKET_OPT" "$(h_kernel_sock "$i")" \
		--state-dir "$H_DIR/ksim-state" "$@"
}

h_cmirrorctl() {	# I ARGS...: cmirrorctl against node I's control socket
	local i=$1 bin=${H_CMIRRORCTL:-$top_builddir/cmirrorctl}
	shift
	h_exec "$i" "$bin" --socket "$(h_ctl_sock "$i")" "$@"
}

# h_cmirrorctl_bounded I ARGS...: the same, given up after 10 s (failure
# paths: a stuck daemon must not hang the report).
h_cmirrorctl_bounded() {
	local i=$1 bin=${H_CMIRRORCTL:-$top_builddir/cmirrorctl}
	shift
	h_exec "$i" timeout 10 "$bin" --socket "$(h_ctl_sock "$i")" "$@"
}

# h__kill I NAME SIG [SECONDS]: signal the recorded process and wait for it
# to be gone (it is our child: `wait` reaps it; otherwise poll).
h__kill() {
	local i=$1 name=$2 sig=$3 end p
	end=$((SECONDS + ${4:-10}))
	p=$(h__pid "$i" "$name") || return 0
	kill -"$sig" "$p" 2>/dev/null || { rm -f "$(h_node_dir "$i")/$name.pid"; return 0; }
	while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $end ]; do
		# A zombie child is gone for our purpose once reaped.
		if [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)" = Z ]; then
			wait "$p" 2>/dev/null
			break
		fi
		sleep "$H_POLL"
	done
	if kill -0 "$p" 2>/dev/null && [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)" != Z ]; then
		h_fail "node $i: $name (pid $p) survived SIG$sig"
		return 1
	fi
	wait "$p" 2>/dev/null
	rm -f "$(h_node_dir "$i")/$name.pid"
	return 0
}

# h_wait_log I PATTERN [SECONDS] [COUNT] [FROM]: node I's cmirrord log has
# COUNT (default 1) lines holding the fixed string PATTERN after its line
# FROM (default 0), within SECONDS (default 60).  For events the daemon
# logs and nothing else shows.
h_wait_log() {
	local i=$1 pat=$2 end=$((SECONDS + ${3:-60})) n=${4:-1} from=${5:-0} f
	f="$(h_node_dir "$i")/log/cmirrord.log"
	until [ "$(tail -n "+$((from + 1))" "$f" 2>/dev/null | grep -cF -- "$pat")" -ge "$n" ]; do
		[ $SECONDS -lt $end ] || { h_fail "node $i: fewer than $n lines with '$pat' in its log: $(tail -5 "$f")"; return 1; }
		sleep "$H_POLL"
	done
}

h_kill_cmirrord() { h__kill "$1" cmirrord "${2:-TERM}"; }	# I [SIG]
h_kill_corosync() { h__kill "$1" corosync "${2:-KILL}"; }	# I [SIG]

# h_partition I / h_heal I: cut node I off the bridge, and back.
h_partition() { ip -n "$(h_ns "$1")" link set eth0 down; }
h_heal() { ip -n "$(h_ns "$1")" link set eth0 up; }

# Sanitizer reports in the daemon logs make the test fail even if every
# check passed (the ASan build's run of the integration tests).
h__sanitizer_check() {
	local f bad=0
	for f in "$H_DIR"/n*/log/cmirrord*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$f"; then
			h_log "sanitizer report in $f:"
			grep -E -A30 'ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:' "$f" | head -60 >&2
			bad=1
		fi
	done
	return $bad
}

# h_teardown [STATUS]: stop everything, delete the namespaces and the run
# dir.  Returns STATUS (default 0), or 1 if a daemon log holds a sanitizer
# report.  Run on EXIT (h_setup registers it); safe to call twice.
h_teardown() {
	local rc=${1:-0} i f p
	[ -n "$H_RUN" ] || return "$rc"
	set +e
	trap - EXIT INT TERM
	# A failed run keeps each daemon's debug ring (the debug lines of
	# the last moments, at any log level) beside its log.
	if [ "$rc" != 0 ]; then
		for i in $(seq "$H_N"); do
			h__pid "$i" cmirrord >/dev/null 2>&1 || continue
			h_cmirrorctl_bounded "$i" dump >"$H_DIR/n$i/log/ring.log" 2>&1
		done
	fi
	for i in $(seq "$H_N"); do
		h__kill "$i" cmirrord TERM 5 >/dev/null 2>&1 || h__kill "$i" cmirrord KILL 5
	done
	h__sanitizer_check || { [ "$rc" = 0 ] && rc=1; }
	# All at once: each corosync takes about a second to leave.
	for i in $(seq "$H_N"); do
		p=$(h__pid "$i" corosync) && kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq "$H_N"); do
		h__kill "$i" corosync TERM 5 >/dev/null 2>&1 || h__kill "$i" corosync KILL 5
	done
	# On failure: the daemon logs' tails here; everything else is kept in
	# $H_ARTIFACTS when set (run-integ.sh sets it), else shown here.
	if [ "$rc" != 0 ]; then
		for i in $(seq "$H_N"); do
			for f in "$H_DIR/n$i"/log/*.log; do
				[ -s "$f" ] || continue
				case ${f##*/} in
				cmirrord*) ;;
				*) [ -n "${H_ARTIFACTS:-}" ] && continue ;;
				esac
				echo "---- tail of node $i ${f##*/} ----" >&2
				tail -15 "$f" >&2
			done
		done
		[ -z "${H_ARTIFACTS:-}" ] || h_log "node logs: $H_ARTIFACTS/"
	fi
	if [ -n "${H_ARTIFACTS:-}" ]; then
		mkdir -p "$H_ARTIFACTS"
		for i in $(seq "$H_N"); do
			mkdir -p "$H_ARTIFACTS/n$i"
			cp -p "$H_DIR/n$i"/log/*.log "$H_DIR/n$i/conf/corosync.conf" \
				"$H_ARTIFACTS/n$i/" 2>/dev/null
		done
	fi
	# A failed run's simulator outputs and journals (cluster-common.sh):
	# a VIOLATION line is only in a simulator's stderr.
	if [ "$rc" != 0 ] && [ -n "${H_ARTIFACTS:-}" ]; then
		mkdir -p "$H_ARTIFACTS/ksim"
		cp -p "$H_DIR"/ksim-*.out "$H_DIR"/ksim-*.err "$H_ARTIFACTS/ksim/" 2>/dev/null
		for f in "$H_DIR"/state-*/journal.*; do
			[ -f "$f" ] || continue
			p=${f%/*}
			cp -p "$f" "$H_ARTIFACTS/ksim/${p##*/state-}-${f##*/}"
		done
	fi
	# Whatever is left (holders, background h_exec of the test): by pid.
	for i in $(seq "$H_N"); do h__del_ns "$(h_ns "$i")"; done
	h__del_ns "${H_RUN}-br"
	if [ "${H_KEEP:-0}" = 1 ]; then
		h_log "teardown: kept $H_DIR"
	else
		rm -rf "${H_DIR:?}"
		rmdir "$H_BASE" 2>/dev/null
	fi
	h_log "teardown: run $H_RUN done (status $rc)"
	H_RUN=
	return "$rc"
}

h__on_exit() {
	local rc=$?
	h_teardown "$rc"
	exit $?
}

# h_our_namespaces: the namespaces of this run still present (for checks).
h_our_namespaces() {
	local run=${1:-$H_RUN}
	[ -n "$run" ] || return 0
	ip netns list 2>/dev/null | awk '{print $1}' | grep -- "^$run-" || true
}
