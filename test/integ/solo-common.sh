# SPDX-License-Identifier: GPL-2.0-or-later
#
# solo-common.sh - the prologue of the tests that run a --no-cluster
# cmirrord by hand, without namespaces (t-solo-*, t-ops-*, t-badframes,
# t-sec-control).  Source it first, with the test's name:
#   . "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-name
# It sets top_srcdir and top_builddir (unless given), CMIRRORD, CTL, KSIM
# (overridable like them) and PY, and gives solo_require (skip unless the
# binaries and tools are there), solo_wait_ready and solo_stop for a
# daemon in the foreground; a scratch directory $T, removed at exit; $DPID (the daemon) and
# $KPID (a second process, e.g. cmirror-ksim), killed at exit when still
# running; on failure, the tails of $T/daemon.log and of the files matching
# $SOLO_LOGS (a glob, e.g. "$T/ksim-*.err"); log, fail, expect_eq.
# shellcheck shell=bash

top_srcdir=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -z "${top_builddir:-}" ]; then
	if [ -f "$top_srcdir/build/Makefile" ]; then top_builddir=$top_srcdir/build; else top_builddir=$(pwd); fi
fi
CMIRRORD=${CMIRRORD:-$top_builddir/cmirrord}
CTL=${CMIRRORCTL:-$top_builddir/cmirrorctl}
KSIM=${KSIM:-$top_builddir/cmirror-ksim}
# The system python3: a pyenv shim takes seconds per start.
PY=$(command -v /usr/bin/python3 || command -v python3 || true)

# solo_require WHAT...: skip the test (exit 77) unless each is there: a
# path must be executable, a name a command; "python" means $PY.
solo_require() {
	local w
	for w in "$@"; do
		case $w in
		python) [ -n "$PY" ] || { echo "SKIP: python3 not found"; exit 77; } ;;
		*/*) [ -x "$w" ] || { echo "SKIP: $w not built"; exit 77; } ;;
		*) command -v "$w" >/dev/null || { echo "SKIP: no $w"; exit 77; } ;;
		esac
	done
}

T=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
DPID='' KPID='' SOLO_LOGS=''

solo_cleanup() {
	local rc=$? p f
	for p in $KPID $DPID; do
		if kill -0 "$p" 2>/dev/null; then
			kill -9 "$p" 2>/dev/null || true
			wait "$p" 2>/dev/null || true
		fi
	done
	if [ "$rc" -ne 0 ]; then
		# shellcheck disable=SC2086 # SOLO_LOGS is a glob
		for f in "$T/daemon.log" $SOLO_LOGS; do
			[ -f "$f" ] || continue
			echo "--- $f (tail) ---" >&2
			tail -40 "$f" >&2
		done
	fi
	rm -rf "$T"
	exit "$rc"
}
trap solo_cleanup EXIT

log() { printf '[%s] %s\n' "$(date +%T.%3N)" "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }
expect_eq() {	# WHAT GOT WANT
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# solo_wait_ready SOCKET: the daemon $DPID answers `cmirrorctl ping` on its
# control socket (bounded; fails at once if it died).
solo_wait_ready() {
	local i
	for i in $(seq 200); do
		"$CTL" -s "$1" -t 1000 ping >/dev/null 2>&1 && return 0
		[ -n "$DPID" ] && ! kill -0 "$DPID" 2>/dev/null && break
		sleep 0.05
	done
	fail "cmirrord did not answer on $1"
}

# solo_stop: SIGTERM to $DPID, which must exit with status 0 (no log left).
solo_stop() {
	local i rc=0
	kill -TERM "$DPID"
	for i in $(seq 200); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$DPID" || rc=$?
	DPID=
	expect_eq "exit status after SIGTERM" "$rc" 0
}
