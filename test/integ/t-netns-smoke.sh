#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-netns-smoke.sh - the harness itself (test/integ/lib.sh), without cmirrord:
# 3 corosync nodes come up quorate, corosync-cpgtool works inside each node,
# a partitioned node 3 goes inquorate while 1 and 2 stay quorate, healing
# brings node 3 back, and teardown leaves no namespace or directory behind.
# Exit: 0 pass, 77 skip (not root / no namespaces), 1 fail.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

h_setup 3 || exit 1
run=$H_RUN
dir=$H_DIR

for i in 1 2 3; do h_start_corosync "$i" || exit 1; done
for i in 1 2 3; do h_wait_quorate "$i" 30 || exit 1; done
for i in 1 2 3; do h_wait_members "$i" 3 30 || exit 1; done
h_log "3 nodes quorate"

# The cluster traffic is encrypted: the generated config says so.
grep -q '^  crypto_cipher: aes256$' "$(h_node_dir 1)/conf/corosync.conf" ||
	{ h_fail "corosync.conf without crypto_cipher aes256"; exit 1; }

for i in 1 2 3; do
	out=$(h_cpgtool "$i" 2>&1) || { h_fail "node $i: corosync-cpgtool: $out"; exit 1; }
done
h_log "corosync-cpgtool answers on every node"

h_partition 3
h_wait_inquorate 3 30 || exit 1
h_wait_members 1 2 30 || exit 1
for i in 1 2; do
	h_quorate "$i" || { h_fail "node $i lost quorum when node 3 was cut off"; exit 1; }
done
h_log "node 3 partitioned: inquorate; nodes 1 and 2 quorate"

h_heal 3
h_wait_quorate 3 60 || exit 1
for i in 1 2 3; do h_wait_members "$i" 3 60 || exit 1; done
h_log "healed: 3 members again"

h_teardown 0 || exit 1
left=$(h_our_namespaces "$run")
[ -z "$left" ] || { h_fail "namespaces left behind: $left"; exit 1; }
[ ! -e "$dir" ] || { h_fail "run dir left behind: $dir"; exit 1; }
# No corosync of ours (its config lived in our run dir) survived.
if pgrep -f -- "-c $dir/" >/dev/null; then
	h_fail "processes of run $run survived"; exit 1
fi
h_log "PASS"
exit 0
