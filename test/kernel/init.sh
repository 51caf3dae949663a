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
# ktest.node=N (run-2vm.sh): one of the two cluster guests.
case " $(cat /proc/cmdline) " in
*" ktest.node="*) sh /guest-2vm.sh ;;
*) sh /guest-tests.sh ;;
esac
echo "KTEST-EXIT status=$?"
sync
poweroff -f
