#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Smoke test of the cluster transport with a real 2-node corosync: each node
# in its own network namespace (libqb IPC sockets are per network namespace)
# and mount namespace (corosync keeps a lock under /run), joined by a bridge
# (see corosync-3node-netns.md).  Needs root and iproute2.
#   test/integ/cpg_smoke.sh BUILDDIR
# Node 1 runs a first member (init_fresh, 2000 ops self-delivered in
# batches); node 2 then joins the same group and must install a 3 MiB
# checkpoint sent in chunks, then self-deliver its own ops.
set -eu
B=${1:-.}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
W=$(mktemp -d /tmp/cpg-smoke.XXXXXX)
N=cms$$
cleanup() {
	for i in 1 2; do
		[ -f "$W/pid$i" ] && kill "$(cat "$W/pid$i")" 2>/dev/null || true
	done
	sleep 0.5
	for ns in ${N}a ${N}b ${N}br; do ip netns del $ns 2>/dev/null || true; done
}
trap cleanup EXIT
ip netns add ${N}br
ip -n ${N}br link add br0 type bridge
ip -n ${N}br link set br0 up
for i in 1 2; do
	ns=${N}$(echo $i | tr 12 ab)
	ip netns add $ns
	ip -n $ns link set lo up
	ip link add ${N}v$i type veth peer name ${N}p$i
	ip link set ${N}v$i netns $ns
	ip link set ${N}p$i netns ${N}br
	ip -n ${N}br link set ${N}p$i master br0
	ip -n ${N}br link set ${N}p$i up
	ip -n $ns addr add 192.168.78.$i/24 dev ${N}v$i
	ip -n $ns link set ${N}v$i up
	mkdir -p "$W/n$i"
	cat >"$W/n$i/corosync.conf" <<CONF
totem {
  version: 2
  cluster_name: smoke
  transport: knet
  crypto_cipher: none
  crypto_hash: none
  token: 1000
}
nodelist {
  node {
    ring0_addr: 192.168.78.1
    nodeid: 1
  }
  node {
    ring0_addr: 192.168.78.2
    nodeid: 2
  }
}
quorum {
  provider: corosync_votequorum
  two_node: 1
}
logging {
  to_stderr: yes
  to_syslog: no
}
system {
  state_dir: $W/n$i
}
CONF
	ip netns exec $ns unshare -m sh -c "mount -t tmpfs tmpfs /run && exec corosync -f -c $W/n$i/corosync.conf" >"$W/n$i/corosync.log" 2>&1 &
	echo $! >"$W/pid$i"
done
for t in $(seq 150); do
	ip netns exec ${N}a corosync-quorumtool -s 2>/dev/null | grep -q 'Total votes: *2' && break
	sleep 0.2
done
# A uuid long enough that prefix + uuid needs the hashed group name.
U="LVM-smoke$(printf '%0118d' 7)"
ip netns exec ${N}a "$B/cpg-smoke" first "$U" 8 >"$W/first.log" 2>&1 &
FP=$!
sleep 2
rc=0
ip netns exec ${N}b "$B/cpg-smoke" joiner "$U" >"$W/joiner.log" 2>&1 || rc=1
wait $FP || rc=1
cat "$W/first.log" "$W/joiner.log"
echo "cpg_smoke: logs in $W, result $rc"
exit $rc
