#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# demo.sh - a 3-node cmirrord cluster on this one machine, narrated.
#
# Usage: sudo scripts/demo.sh [--pause] [--keep]
#   --pause  wait for Enter between the steps
#   --keep   leave the run dir (configs, logs) in place at the end
#
# What it does: installs missing dependencies (scripts/deps.sh), builds in
# build/ if needed, then with the harness of the integration tests
# (test/integ/lib.sh) creates three "nodes" (network + mount + IPC
# namespaces joined by a bridge), starts corosync and the real cmirrord on
# each, and drives them with cmirror-ksim, the kernel simulator, in place of
# the dm-log-userspace kernel module (the kernel itself is exercised by
# test/kernel/ under qemu):
#   1. the same mirror log (one uuid) is brought up on all three nodes
#   2. all three write to it at the same time
#   3. each node's view: `cmirrorctl status` and `corosync-cpgtool`
#   4. node 3's cmirrord is killed (SIGKILL), as in a crash
#   5. node 1 waits until the mirror is in sync, then the simulator verifies
#      that no region was reported clean while a write was in flight
# Everything is removed at the end (namespaces, processes, files).
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=$srcdir/build
pause=0
keep=0
for a in "$@"; do
	case $a in
	--pause) pause=1 ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '4,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown option '$a' (see --help)" >&2; exit 2 ;;
	esac
done

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${CI:-}" != true ]; then
	BOLD=$'\e[1m' OFF=$'\e[0m'
else
	BOLD='' OFF=''
fi
n=0
say() { n=$((n + 1)); printf '\n%s== %d. %s%s\n' "$BOLD" "$n" "$*" "$OFF"; }
run() { printf '$ %s\n' "$*"; "$@"; }
wait_user() { [ $pause = 0 ] || read -r -p "(Enter to continue) " _ </dev/tty; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces): sudo $0"

say "dependencies and build"
"$srcdir/scripts/deps.sh" || die "dependencies missing"
if [ ! -x "$B/cmirrord" ] || [ ! -x "$B/cmirrorctl" ] || [ ! -x "$B/cmirror-ksim" ]; then
	(cd "$srcdir" && autoreconf -fi) >/dev/null 2>&1 || die "autoreconf failed"
	if [ ! -f "$B/Makefile" ]; then
		mkdir -p "$B" || die "cannot create $B"
		(cd "$B" && "$srcdir/configure" -q) || die "configure failed"
	fi
	make -C "$B" -s -j"$(nproc)" || die "build failed (see the make output above)"
fi
[ -x "$B/cmirrord" ] || die "$B/cmirrord was not built"
echo "built: $B/cmirrord $B/cmirrorctl $B/cmirror-ksim"

export top_builddir=$B top_srcdir=$srcdir
[ $keep = 1 ] && export H_KEEP=1
# shellcheck source=test/integ/lib.sh source-path=SCRIPTDIR/..
. "$srcdir/test/integ/lib.sh"

say "three nodes: namespaces, bridge, corosync (knet, aes256/sha256)"
h_setup 3 || die "setup failed"
for i in 1 2 3; do h_start_corosync "$i" || die "corosync on node $i"; done
for i in 1 2 3; do h_wait_quorate "$i" 30 || die "node $i not quorate"; done
h_exec 1 corosync-quorumtool -s | sed -n '/^Membership/,$p'
wait_user

say "cmirrord on every node"
for i in 1 2 3; do
	h_start_cmirrord "$i" || die "cmirrord on node $i"
	echo "node $i: cmirrord pid $(cat "$(h_node_dir "$i")/cmirrord.pid"), kernel socket $(h_kernel_sock "$i")"
done
wait_user

# One mirror log, the same uuid on all nodes; a core log (no log device), so
# no disk is needed.  Without --no-resync: the mirror starts out of sync and
# the nodes resynchronise it between them.
UUID=LVM-cmirrordemo$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
REGIONS=${DEMO_REGIONS:-4096}

# TODO(ksim): the cmirror-ksim command line is not final; the sub-commands
# below (up, write, wait-sync, verify) follow its planned interface and must
# be checked against `cmirror-ksim --help` once tools/cmirror-ksim is in.
say "the mirror log $UUID comes up on all three nodes"
for i in 1 2 3; do
	run h_ksim "$i" up --uuid "$UUID" --regions "$REGIONS" ||
		die "ksim up on node $i (TODO: check the cmirror-ksim CLI)"
done
wait_user

say "all three nodes write to it at the same time"
pids=()
for i in 1 2 3; do
	h_ksim "$i" write --uuid "$UUID" --seed "$i" --ops 2000 \
		>"$(h_node_dir "$i")/log/ksim-write.log" 2>&1 &
	pids+=($!)
done
rc=0
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}" || { rc=1; echo "node $i: writes failed:"; tail -5 "$(h_node_dir "$i")/log/ksim-write.log"; }
	tail -1 "$(h_node_dir "$i")/log/ksim-write.log"
done
[ $rc = 0 ] || die "writes failed"
wait_user

say "each node's view"
for i in 1 2 3; do
	echo "--- node $i"
	run h_cmirrorctl "$i" status
	run h_cpgtool "$i"
done
wait_user

say "node 3's cmirrord is killed (SIGKILL)"
h_kill_cmirrord 3 KILL
h_cpgtool 1
wait_user

say "node 1 waits for the mirror to be in sync, then verifies"
run h_ksim 1 wait-sync --uuid "$UUID" --timeout 120 || die "no sync"
run h_ksim 1 verify --uuid "$UUID" || die "verify failed"
# TODO(ksim): also bring the log down on nodes 1 and 2 (DTR) before teardown.

say "teardown"
h_teardown 0
echo "demo finished"
