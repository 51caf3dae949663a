#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run-2vm.sh - two qemu/TCG guests, one clustered mirror, one guest killed.
#
# Usage: run-2vm.sh [-n] [-k VICTIM] [-t SECONDS]
#   -n  do not rebuild the image (use the last build-image.sh output)
#   -k  the guest whose qemu is killed: 1 or 2 (default 2; node 1, the
#       lowest node id, is cmirrord's disk writer, so -k 1 moves the writer)
#   -t  bound for each qemu, passed to timeout(1) (default 1200)
# Environment: top_builddir (where cmirrord is built, default cwd) and the
# CMIRROR_KERNEL_* variables of build-image.sh.
#
# Scenario: both guests open the same leg0/leg1/log0 image files (share-rw=on)
# and talk over a qemu "dgram" netdev, UDP unicast between two ports on the
# host's 127.0.0.1 (nothing leaves loopback).  Each runs corosync (two_node)
# and cmirrord and activates the same clustered-disk mirror (same uuid).
# After the initial resync both write disjoint ranges (O_DIRECT dd in a
# loop); once both consoles show KTEST2-WRITING the victim's qemu gets
# SIGKILL.  The survivor (guest-2vm.sh) must see its peer leave, complete
# its own writes, resync the dead node's regions to N/N and find identical
# legs; it removes the mirror and powers off.
# Asserts: every KTEST line of the survivor PASS (and the victim's up to its
# death), the survivor printed KTEST-DONE, and from the host the two leg
# image files are identical.
# Exit status: 0 passed, 1 failed, 77 qemu or the image cannot be had here.
# Long (several minutes under TCG): not part of scripts/test.sh.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_builddir
OUT=${CMIRROR_KERNEL_OUT:-$top_builddir/build/kernel-image}
export CMIRROR_KERNEL_OUT=$OUT
BUILD=1
VICTIM=2
TMO=1200

while getopts "nk:t:h" o; do
	case $o in
	n) BUILD=0 ;;
	k) VICTIM=$OPTARG ;;
	t) TMO=$OPTARG ;;
	*) sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
case $VICTIM in 1 | 2) ;; *) echo "run-2vm: -k 1 or 2" >&2; exit 2 ;; esac
SURVIVOR=$((3 - VICTIM))

say() { printf 'kernel-2vm: %s\n' "$*" >&2; }

if [ "$BUILD" = 1 ]; then
	"$HERE/build-image.sh" >/dev/null
	rc=$?
	[ "$rc" = 0 ] || exit "$rc"
fi
[ -s "$OUT/image.env" ] || { say "no image (run without -n)"; exit 77; }
# shellcheck disable=SC1091
. "$OUT/image.env"
command -v qemu-system-x86_64 >/dev/null || { say "SKIP: no qemu-system-x86_64"; exit 77; }

RUN=$OUT/run-2vm
rm -rf "$RUN"
mkdir -p "$RUN"
# Fresh sparse images: the zero log device is a fresh log.
for d in leg0:32M leg1:32M log0:8M out1:64M out2:64M; do
	truncate -s "${d#*:}" "$RUN/${d%%:*}.img"
done

# Two UDP ports on 127.0.0.1 per run, from the pid so parallel runs differ.
P1=$((20000 + ($$ % 20000) * 2))
P2=$((P1 + 1))

QPIDS=()
start_guest() {
	local n=$1 lp rp d i=0 drives=()
	if [ "$n" = 1 ]; then lp=$P1 rp=$P2; else lp=$P2 rp=$P1; fi
	# share-rw=on: both qemus hold the shared images writable at once.
	for d in leg0 leg1 log0; do
		drives+=(-drive "file=$RUN/$d.img,format=raw,if=none,id=d$i,cache=unsafe"
			-device "virtio-blk-pci,drive=d$i,serial=$d,share-rw=on")
		i=$((i + 1))
	done
	drives+=(-drive "file=$RUN/out$n.img,format=raw,if=none,id=d$i,cache=unsafe"
		-device "virtio-blk-pci,drive=d$i,serial=out")
	timeout -k 10 "$TMO" qemu-system-x86_64 -accel tcg -m 768 -smp 1 \
		-display none -monitor none -serial "file:$RUN/console$n.log" -no-reboot \
		-pidfile "$RUN/qemu$n.pid" \
		-kernel "$VMLINUZ" -initrd "$INITRD" "${drives[@]}" \
		-netdev "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$lp,remote.type=inet,remote.host=127.0.0.1,remote.port=$rp" \
		-device "virtio-net-pci,netdev=n0,mac=52:54:00:4b:00:0$n" \
		-append "console=ttyS0 panic=-1 quiet ktest.node=$n ktest.victim=$VICTIM ktest.wd=$((TMO - 60))" \
		</dev/null >"$RUN/qemu$n.out" 2>&1 &
	QPIDS[n]=$!
}

# console_has N REGEX
console_has() { tr -d '\r' 2>/dev/null <"$RUN/console$1.log" | grep -aq "$2"; }

t0=$(date +%s)
say "booting 2 x $KVER under TCG (udp 127.0.0.1:$P1 <-> 127.0.0.1:$P2), victim node $VICTIM"
start_guest 1
start_guest 2

# Kill the victim once both guests are writing (or give up when a guest
# exits early or the deadline passes).
killed=0
deadline=$((t0 + TMO - 120))
while [ "$(date +%s)" -lt "$deadline" ]; do
	if console_has 1 '^KTEST2-WRITING' && console_has 2 '^KTEST2-WRITING'; then
		qpid=$(cat "$RUN/qemu$VICTIM.pid" 2>/dev/null)
		if [ -n "$qpid" ] && kill -9 "$qpid"; then
			killed=1
			say "killed node $VICTIM's qemu (pid $qpid) mid-write after $(($(date +%s) - t0)) s"
		fi
		break
	fi
	if ! kill -0 "${QPIDS[1]}" 2>/dev/null || ! kill -0 "${QPIDS[2]}" 2>/dev/null; then
		break
	fi
	sleep 1
done
[ "$killed" = 1 ] || say "FAIL: the victim was not killed (both guests writing: no)"
# The killed guest's timeout(1) reports the signal; the survivor powers off.
wait "${QPIDS[VICTIM]}" 2>/dev/null
wait "${QPIDS[SURVIVOR]}"
qrc=$?
say "survivor's qemu exited rc=$qrc after $(($(date +%s) - t0)) s"
for n in 1 2; do
	[ -s "$RUN/qemu$n.out" ] && sed "s/^/  qemu$n: /" "$RUN/qemu$n.out" >&2
	tr -d '\r' <"$RUN/console$n.log" >"$RUN/console$n.txt" 2>/dev/null
	mkdir -p "$RUN/logs$n"
	tar -xf "$RUN/out$n.img" -C "$RUN/logs$n" 2>/dev/null
done
if ! grep -aq '^KTEST' "$RUN/console$SURVIVOR.txt"; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		say "FAIL: the survivor never reached /init"
		exit 1
	fi
	say "SKIP: qemu could not run the guests (rc=$qrc)"
	exit 77
fi
say "survivor's logs in $RUN/logs$SURVIVOR"

res=$RUN/results.txt
{
	grep -a -h '^KTEST ' "$RUN/console$VICTIM.txt"
	grep -a -h '^KTEST ' "$RUN/console$SURVIVOR.txt"
} >"$res"
grep -a -h -E '^(KINFO|KLOG) ' "$RUN/console1.txt" "$RUN/console2.txt" >&2
# From the host: the leg files the survivor left behind.
if cmp -s "$RUN/leg0.img" "$RUN/leg1.img"; then
	echo "KTEST host/legs PASS leg0.img and leg1.img identical" >>"$res"
else
	echo "KTEST host/legs FAIL $(cmp "$RUN/leg0.img" "$RUN/leg1.img" 2>&1 | head -1)" >>"$res"
fi
if [ "$killed" = 1 ]; then
	echo "KTEST host/kill PASS node $VICTIM's qemu killed -9 while both wrote" >>"$res"
else
	echo "KTEST host/kill FAIL node $VICTIM was never killed" >>"$res"
fi
cat "$res"
npass=$(grep -c '^KTEST [^ ]* PASS' "$res")
nfail=$(grep -c '^KTEST [^ ]* FAIL' "$res")
say "$npass passed, $nfail failed (kernel $KVER, $(($(date +%s) - t0)) s)"
if ! grep -aq '^KTEST-DONE' "$RUN/console$SURVIVOR.txt"; then
	say "FAIL: no KTEST-DONE from the survivor; console tail:"
	tail -n 30 "$RUN/console$SURVIVOR.txt" | sed 's/^/  | /' >&2
	exit 1
fi
[ "$nfail" = 0 ] && [ "$npass" -gt 0 ] && exit 0
exit 1
