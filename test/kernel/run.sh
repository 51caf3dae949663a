#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# run.sh - boot the test/kernel guest under qemu (TCG) and report its results.
#
# Usage: run.sh [-n] [-o SCENARIOS] [-t SECONDS] [-S SMP]
#   -n  do not rebuild the image (use the last build-image.sh output)
#   -o  comma-separated scenario list for the guest (default: all; "boot"
#       runs only the trivial boot checks)
#   -t  bound for the whole boot, passed to timeout(1) (default 1800; the
#       guest's watchdog fires 60 s before it)
#   -S  guest vCPUs (default 2)
# Environment: top_builddir (where cmirrord is built, default cwd) and the
# CMIRROR_KERNEL_* variables of build-image.sh.
#
# The guest prints "KTEST <name> PASS|FAIL <detail>" lines and finally
# "KTEST-DONE" on its serial console (a file); the guest copies its logs
# (cmirrord, corosync, dmesg) as a tar stream onto the last virtio disk,
# which is unpacked into $OUT/run/logs.
# Exit status: 0 all passed, 1 a failure (or the guest did not finish),
# 77 qemu or the image cannot be had here.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
export top_builddir
OUT=${CMIRROR_KERNEL_OUT:-$top_builddir/build/kernel-image}
export CMIRROR_KERNEL_OUT=$OUT
BUILD=1
ONLY=all
TMO=1800
SMP=2

while getopts "no:t:S:h" o; do
	case $o in
	n) BUILD=0 ;;
	o) ONLY=$OPTARG ;;
	t) TMO=$OPTARG ;;
	S) SMP=$OPTARG ;;
	*) sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done

say() { printf 'kernel-test: %s\n' "$*" >&2; }

if [ "$BUILD" = 1 ]; then
	"$HERE/build-image.sh" >/dev/null
	rc=$?
	[ "$rc" = 0 ] || exit "$rc"
fi
[ -s "$OUT/image.env" ] || { say "no image (run without -n)"; exit 77; }
# shellcheck disable=SC1091
. "$OUT/image.env"
command -v qemu-system-x86_64 >/dev/null || { say "SKIP: no qemu-system-x86_64"; exit 77; }

RUN=$OUT/run
rm -rf "$RUN"
mkdir -p "$RUN/logs"
# Sparse raw disks: two legs, two log devices, one for the guest's logs.
DISKS="leg0:32M leg1:32M log0:8M log1:8M out:64M"
DRIVES=()
i=0
for d in $DISKS; do
	name=${d%%:*}
	truncate -s "${d#*:}" "$RUN/$name.img"
	# serial= lets the guest find each disk by name in /sys/block/*/serial
	DRIVES+=(-drive "file=$RUN/$name.img,format=raw,if=none,id=d$i,cache=unsafe"
		-device "virtio-blk-pci,drive=d$i,serial=$name")
	i=$((i + 1))
done

CONSOLE=$RUN/console.log
say "booting $KVER under TCG (timeout ${TMO}s, console $CONSOLE)"
t0=$(date +%s)
timeout -k 10 "$TMO" qemu-system-x86_64 -accel tcg -m 1024 -smp "$SMP" \
	-display none -monitor none -serial "file:$CONSOLE" -no-reboot \
	-kernel "$VMLINUZ" -initrd "$INITRD" "${DRIVES[@]}" \
	-append "console=ttyS0 panic=-1 quiet ktest.only=$ONLY ktest.wd=$((TMO - 60))" \
	</dev/null >"$RUN/qemu.out" 2>&1
qrc=$?
say "qemu exited rc=$qrc after $(($(date +%s) - t0)) s"
[ -s "$RUN/qemu.out" ] && sed 's/^/  qemu: /' "$RUN/qemu.out" >&2

if ! grep -aq 'KTEST-BOOT' "$CONSOLE" 2>/dev/null; then
	if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
		say "FAIL: the guest never reached /init before the timeout"
		exit 1
	fi
	say "SKIP: qemu could not run the guest (rc=$qrc)"
	exit 77
fi

# The guest's logs: a tar stream written raw onto the "out" disk.
tar -xf "$RUN/out.img" -C "$RUN/logs" 2>/dev/null &&
	say "guest logs in $RUN/logs: $(cd "$RUN/logs" && find . -type f | sort | tr '\n' ' ')"

tr -d '\r' <"$CONSOLE" >"$RUN/console.txt"
grep -a '^KTEST-BOOT' "$RUN/console.txt" >&2
# KINFO: request counts per phase (from cmirrorctl stats) and other facts;
# KLOG: the kernel's dm messages.
grep -a -E '^(KINFO|KLOG) ' "$RUN/console.txt" >&2
grep -a '^KTEST ' "$RUN/console.txt" >"$RUN/results.txt"
cat "$RUN/results.txt"
npass=$(grep -c '^KTEST [^ ]* PASS' "$RUN/results.txt")
nfail=$(grep -c '^KTEST [^ ]* FAIL' "$RUN/results.txt")
say "$npass passed, $nfail failed (kernel $KVER)"
if ! grep -aq '^KTEST-DONE' "$RUN/console.txt"; then
	say "FAIL: no KTEST-DONE (guest hung or crashed; qemu rc=$qrc); console tail:"
	tail -n 40 "$RUN/console.txt" | sed 's/^/  | /' >&2
	exit 1
fi
[ "$nfail" = 0 ] && [ "$npass" -gt 0 ] && exit 0
exit 1
