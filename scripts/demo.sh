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
#   1. two mirror logs (a core and a disk log) come up on all three nodes:
#      corosync-cpgtool shows one CPG group per log, plus the group that
#      carries the messages of both (cmirrord-stream:, the shared stream)
#   2. node 1 resyncs them; then all three write to overlapping regions
#   3. node 3 crashes (SIGKILL of its cmirrord and its simulated kernel);
#      node 1 checks that every region node 3 had marked is reported out of
#      sync and dirty (check-dead), and `cmirrorctl status` shows the cluster
#   4. node 1 resyncs those regions, the survivors' writes that waited on
#      them complete; verify compares the simulated legs of every in-sync
#      region; the replicas' digests agree
# Everything is removed at the end (namespaces, processes, files).
set -u

srcdir=$(cd "$(dirname "$0")/.." && pwd)
B=${DEMO_BUILDDIR:-$srcdir/build}	# t-demo.sh points it at the test build
pause=0
keep=0
for a in "$@"; do
	case $a in
	--pause) pause=1 ;;
	--keep) keep=1 ;;
	-h|--help) sed -n '4,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
# shellcheck source=test/integ/cluster-common.sh
. "$srcdir/test/integ/cluster-common.sh"

# Two mirror logs (cluster-common.sh): cl-core (clustered-core, starts out
# of sync) and cl-disk (clustered-disk on a file every node opens).
C_SECTORS=${DEMO_SECTORS:-262144}	# 256 regions of 1024 sectors

say "three nodes: namespaces, bridge, corosync (knet, aes256/sha256), cmirrord"
c_cluster 3 || die "cluster setup failed"
h_exec 1 corosync-quorumtool -s | sed -n '/^Membership/,$p'
for i in 1 2 3; do
	echo "node $i: cmirrord pid $(cat "$(h_pid_file "$i")"), kernel socket $(h_kernel_sock "$i")"
done
wait_user

say "both mirror logs come up on all three nodes (CTR + RESUME from each 'kernel'); corosync-cpgtool: a group per log, and cmirrord-stream: carrying their messages"
for lg in core disk; do
	for i in 1 2 3; do
		c_ksim "$i" "$lg" up || die "ksim up: node $i, log $lg"
	done
done
run h_cpgtool 1
wait_user

say "node 1 resyncs both logs (they start out of sync), then all three write"
for lg in core disk; do
	c_resync_all 1 "$lg" || die "initial resync of $lg"
done
# Overlapping ranges; nobody resyncs while node 3 lives (a survivor's write
# to a region node 3 left out of sync then waits for its recovery).  Node 3
# holds its clears back, as the region hash does, so it dies with marks.
for lg in core disk; do
	c_ksim_bg 1 "$lg" "${lg}1" --seed 1 run --no-up --writes 0 --burst 4 \
		--regions 0:159 --mode integrated --no-resync
	c_ksim_bg 2 "$lg" "${lg}2" --seed 2 run --no-up --writes 0 --burst 4 \
		--regions 64:223 --mode mark --no-resync
	c_ksim_bg 3 "$lg" "${lg}3" --seed 3 run --no-up --writes 0 --burst 4 \
		--regions 96:255 --mode integrated --no-resync --lazy-clear 8
done
for lg in core disk; do
	c_wait_progress "$lg" 3 100 "${lg}3" 120 || die "node 3 makes no progress on $lg"
done
echo "flushed marks so far: core n1 $(c_wlines core 1) n2 $(c_wlines core 2) n3 $(c_wlines core 3)"
wait_user

say "node 3 crashes (SIGKILL to its cmirrord and its 'kernel')"
h_kill_cmirrord 3 KILL
c_kill_bg core3
c_kill_bg disk3
end=$((SECONDS + 30))
for lg in core disk; do
	for i in 1 2; do
		until [ "$(c_field "$i" "$lg" 'members|map(tostring)|join(" ")')" = "1 2" ]; do
			[ $SECONDS -lt $end ] || die "node $i $lg: node 3 still a member"
			sleep "$H_POLL"
		done
	done
done
for lg in core disk; do
	echo "--- $lg: every region node 3 had marked is out of sync and dirty on node 1:"
	run c_ksim 1 "$lg" check-dead n3 || die "a dead node's region was reported clean or in sync"
done
run h_cmirrorctl 1 status
wait_user

say "node 1 resyncs node 3's dirty regions; the survivors' waiting writes complete"
for lg in core disk; do
	c_resync_all 1 "$lg" || die "resync of $lg"
done
for lg in core disk; do
	for i in 1 2; do c_wait_progress "$lg" "$i" 50 "$lg$i" 120 || die "node $i $lg: writes stuck"; done
done
for lg in core disk; do
	for i in 1 2; do
		kill -TERM "${C_PID[$lg$i]}"
		c_ksim_wait "$lg$i" || die "node $i $lg: simulator reported a violation"
	done
done
for lg in core disk; do
	run c_ksim 1 "$lg" wait-sync --max-seconds 60 || die "$lg not in sync"
	for i in 1 2; do c_verify "$i" "$lg" all || die "verify $lg on node $i"; done
	c_wait_converged "$lg" 60 1 2 || die "replicas differ"
done
run h_cmirrorctl 1 log cl-disk
run h_cpgtool 1
wait_user

say "teardown"
for lg in core disk; do
	for i in 1 2; do c_down "$i" "$lg" || true; done
done
h_teardown 0
echo "demo finished: no dirty region lost (check-dead + verify above)"
