#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the test/kernel guest: give the shell a console, run the tests,
# power off.  The host (run.sh) parses the KTEST lines on the serial console.
/bin/busybox mkdir -p /dev /proc /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "KTEST-BOOT kernel=$(uname -r) cmdline=$(cat /proc/cmdline)"
sh /guest-tests.sh
echo "KTEST-EXIT status=$?"
sync
poweroff -f
