#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-sec-netlink.sh - on the real netlink connector (no --kernel-socket), in
# a network namespace of the test's own, cmirrord takes requests only from
# the kernel.  nlforge.py sends what the kernel would send (a CTR and a
# RESUME of a new log, exact frames) from a user process:
#   - as root, to the daemon's port and to the DM connector group (anyone
#     with CAP_NET_ADMIN in the daemon's network namespace can);
#   - as an unprivileged user, both are refused by the kernel (EPERM): the
#     connector does not let users send to other sockets.
# Each forged datagram must be dropped with a warning naming the forger's
# port (read from the receive address, so this also checks that address),
# counted in the kernel link's "dropped" (SIGUSR1 dump and `cmirrorctl
# stats`), and change nothing: no request
# counted, no log created (status "logs 0"), and SIGTERM still stops the
# daemon (it refuses while a log is active).
#
# Exit: 0 pass, 1 fail, 77 skip (not root, no namespaces, no python3).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

PY=$(command -v /usr/bin/python3 || command -v python3 || true)
[ -n "$PY" ] || { echo "SKIP: python3 not found"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
CMIRRORD=${H_CMIRRORD:-$top_builddir/cmirrord}
[ -x "$CMIRRORD" ] || { echo "SKIP: $CMIRRORD not built"; exit 77; }

h_setup 1 || exit 1
ND=$(h_node_dir 1)
# The forger, where the unprivileged user can read it too (a clone in a
# private mktemp directory is out of its reach).
NLF=$H_DIR/nlforge.py
install -m 0644 "$here/nlforge.py" "$NLF" || exit 1
chmod 0755 "$H_DIR"
DLOG=$ND/log/cmirrord.log
die() { h_fail "$*"; exit 1; }

# wait_log PATTERN [COUNT]: COUNT (default 1) lines of the daemon's log
# hold the fixed string (bounded wait).
wait_log() { h_wait_log 1 "$1" 20 "${2:-1}" || exit 1; }

h__spawn 1 cmirrord "$CMIRRORD" -f -c /dev/null --no-cluster \
	--pid-file "$(h_pid_file 1)" --control-socket "$(h_ctl_sock 1)" || exit 1
wait_log "kernel link: listening on netlink connector group 7"
wait_log "info: ready"
DPID=$(h__pid 1 cmirrord)
# The daemon's connector socket: the only one in this namespace so far.
PORT=$(awk 'NR > 1 && $2 == 11 && $3 != 0 { print $3 }' "/proc/$DPID/net/netlink")
[ -n "$PORT" ] && [ "$(wc -w <<<"$PORT")" = 1 ] ||
	die "no single connector socket of the daemon in /proc/$DPID/net/netlink: '$PORT'"
h_log "cmirrord pid $DPID, netlink port $PORT"

DROPPED=0

# forge WHO MODE UUID: send, then wait for the two drops naming the port.
forge() {
	local who=$1 mode=$2 uuid=$3 out fport groups=0
	out=$(h_exec 1 "$PY" "$NLF" "$PORT" "$mode" "$uuid" 2>&1) ||
		die "$who $mode: nlforge failed: $out"
	[[ $out =~ ^nlforge:\ sent\ 2\ from\ port\ ([0-9]+)$ ]] || die "$who $mode: '$out'"
	fport=${BASH_REMATCH[1]}
	[ "$mode" = group ] && groups=0x40	# CN_IDX_DM's group bit
	DROPPED=$((DROPPED + 2))
	wait_log "kernel link: dropped a message from port $fport groups $groups" 2
	h_log "$who $mode: both forged requests from port $fport dropped"
}

forge root unicast forged-root-unicast
forge root group forged-root-group

# The kernel keeps unprivileged users off both.
for mode in unicast group; do
	out=$(h_exec 1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$PY" "$NLF" "$PORT" "$mode" "forged-user-$mode" 2>&1) &&
		die "an unprivileged user sent ($mode): $out"
	grep -q "PermissionError" <<<"$out" || die "user $mode: not EPERM: $out"
	h_log "unprivileged $mode send refused by the kernel"
done

# Counters: every forged datagram dropped, not one request taken.
kill -USR1 "$DPID"
wait_log "kernel link requests 0  replies 0 in 0 sends  bad frames 0  dropped $DROPPED  overruns 0"

# The same from `cmirrorctl stats`.
js=$(h_cmirrorctl 1 --json stats) || die "stats: $js"
k=$("$PY" -c 'import json,sys
k = json.loads(sys.argv[1])["kernel"]
print(k["requests"], k["replies"], k["bad_frames"], k["dropped"], k["overruns"])' "$js") ||
	die "stats --json has no kernel counters: $js"
[ "$k" = "0 0 0 $DROPPED 0" ] || die "stats kernel counters '$k', want '0 0 0 $DROPPED 0'"
h_cmirrorctl 1 stats | grep -qx "kernel link requests 0  replies 0 in 0 sends  bad frames 0  dropped $DROPPED  overruns 0" ||
	die "stats text: $(h_cmirrorctl 1 stats)"

st=$(h_cmirrorctl 1 status) || die "status: $st"
head -1 <<<"$st" | grep -q ' logs 0$' || die "a forged log exists: $(head -1 <<<"$st")"
grep -q forged <<<"$st" && die "status names a forged log: $st"

# SIGTERM is refused while any log is active: stopping proves none is.
h_kill_cmirrord 1 TERM || die "cmirrord did not stop on SIGTERM"
grep -q "refusing to exit" "$DLOG" && die "cmirrord refused SIGTERM: a forged log is active"
h_log "PASS"
h_teardown 0
