#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-sec-control.sh - least privilege of the local sockets of one
# --no-cluster cmirrord (no corosync needed).
# Asserts:
#  - the control socket and the kernel-simulator socket are created 0600;
#  - a non-root peer (setpriv --reuid=65534) is refused: by the mode, and,
#    with the control socket made 0666, by the daemon's SO_PEERCRED check
#    (cmirrorctl exit 3 "permission denied", the refusal logged, nothing
#    of the daemon's state disclosed);
#  - a non-root process connecting raw and sending garbage is cut off;
#  - after all that root is still served and the daemon is alive.
# Exit: 0 pass, 1 fail, 77 skip (binaries not built, not root, no setpriv).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-sec-control
solo_require "$CMIRRORD" "$CTL" "$KSIM" setpriv /usr/bin/python3
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (to drop to uid 65534)"; exit 77; }
# the system interpreter: a per-user one (pyenv) is not reachable as 65534
PY3=/usr/bin/python3

# The unprivileged user must reach the sockets' directory: only the
# sockets themselves protect the daemon.
chmod 0755 "$T"
KSOCK=$T/kernel.sock
CSOCK=$T/ctl.sock
"$CMIRRORD" -f -c /dev/null --no-cluster --kernel-socket "$KSOCK" \
	--pid-file "$T/cmirrord.pid" --control-socket "$CSOCK" \
	--log-level debug >>"$T/daemon.log" 2>&1 &
DPID=$!
for _ in $(seq 200); do	# bounded wait for both sockets
	[ -S "$KSOCK" ] && [ -S "$CSOCK" ] && break
	kill -0 "$DPID" 2>/dev/null || fail "cmirrord exited at start"
	sleep 0.05
done
{ [ -S "$KSOCK" ] && [ -S "$CSOCK" ]; } || fail "sockets not created"
log "cmirrord pid $DPID"

expect_eq "control socket mode" "$(stat -c %a "$CSOCK")" 600
expect_eq "kernel socket mode" "$(stat -c %a "$KSOCK")" 600

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
ksim() {
	"$KSIM" --socket "$KSOCK" --state-dir "$T/state" --uuid sec-core \
		--luid 0x1 --ctr "8192 clustered-core 1024 nosync" \
		--timeout-ms 5000 --reconnect-seconds 0 --quiet "$@"
}

# A table, so that there is state a non-root peer must not see.
ksim up || fail "ksim up"
mkdir -p "$T/state" && chmod -R a+rwX "$T/state"	# only the socket may stop it

# 1. By mode: the non-root client cannot even connect.
rc=0
out=$(nobody "$CTL" --socket "$CSOCK" status 2>&1) || rc=$?
expect_eq "nobody, 0600 control socket: exit" "$rc" 3
[[ $out == *"permission denied"* ]] || fail "nobody, 0600: message: $out"
rc=0
out=$(nobody "$KSIM" --socket "$KSOCK" --state-dir "$T/state" --uuid sec-core \
	--luid 0x1 --ctr "8192 clustered-core 1024 nosync" --timeout-ms 2000 \
	--reconnect-seconds 0 --quiet query sync_count 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "nobody could use the kernel socket: $out"
log "nobody on the kernel socket: exit $rc"

# 2. By the daemon's peer check, whatever the socket's mode.
chmod 0666 "$CSOCK"
for cmd in status ping "log sec-core" stats dump config; do
	rc=0
	# shellcheck disable=SC2086
	out=$(nobody "$CTL" --socket "$CSOCK" $cmd 2>&1) || rc=$?
	expect_eq "nobody '$cmd' (SO_PEERCRED): exit" "$rc" 3
	[[ $out == *"permission denied: uid 65534 may not use the control socket"* ]] ||
		fail "nobody '$cmd': message: $out"
	[[ $out != *sec-core* ]] || fail "nobody '$cmd': state disclosed: $out"
done
grep -q "control: refused uid 65534" "$T/daemon.log" || fail "refusal not logged"

# 3. Raw: connect as nobody, send garbage, expect the daemon to close the
# connection (EOF) after at most its refusal, and to read nothing of ours.
out=$(nobody "$PY3" - "$CSOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(10)
s.connect(sys.argv[1])
try:
    for _ in range(16):
        s.send(b"\xff" * 4096)
except OSError:
    pass  # already closed by the daemon: fine
got = b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
except ConnectionResetError:
    pass
print("EOF", len(got))
PY
) || fail "raw client: $out"
[[ $out == "EOF "* ]] || fail "raw client: $out"
log "raw non-root client: $out"
chmod 0600 "$CSOCK"

# 4. Root is still served; the daemon is alive and its table intact.
kill -0 "$DPID" 2>/dev/null || fail "cmirrord died"
"$CTL" --socket "$CSOCK" ping >/dev/null || fail "root ping"
"$CTL" --socket "$CSOCK" status | grep -q sec-core || fail "root status lacks the log"
expect_eq "sync_count" "$(ksim query sync_count)" 8
ksim down || fail "ksim down"
log "PASS"
