#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# deps.sh - install the build and test dependencies of cmirrord (Debian/Ubuntu).
#
# Usage: scripts/deps.sh [--kernel] [--check]
#   --kernel  also what the qemu kernel suite (test/kernel) needs, and make
#             sure `apt-get download linux-image-amd64` can work (package lists)
#   --check   only report what is missing (exit 1 if anything is)
#
# Only missing packages are installed (checked with dpkg-query).  Installing
# needs root; without root and with something missing it says what to run and
# exits 1.
#
# The corosync package may enable and start a host corosync service.  Nothing
# here uses it (the tests run their own corosync inside network namespaces),
# and a host corosync would only confuse a reader of `corosync-quorumtool`, so
# a service started by this script's install is stopped and disabled.
set -eu

BASE="build-essential autoconf automake libtool pkg-config corosync libcpg-dev
libquorum-dev libcorosync-common-dev libnl-3-dev libnl-genl-3-dev libcmocka-dev
libsystemd-dev valgrind clang iproute2 python3 jq"
# The kernel suite: qemu (TCG), busybox for the initramfs, dmsetup, and the
# tools build-image.sh uses to unpack the kernel package and build the cpio.
KERNEL="qemu-system-x86 busybox-static dmsetup cpio kmod xz-utils dpkg"

kernel=0
check=0
for a in "$@"; do
	case $a in
	--kernel) kernel=1 ;;
	--check) check=1 ;;
	-h|--help) sed -n '4,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "deps.sh: unknown option '$a' (see --help)" >&2; exit 2 ;;
	esac
done

say() { printf 'deps: %s\n' "$*"; }

command -v dpkg-query >/dev/null 2>&1 || {
	say "dpkg-query not found: this script knows Debian/Ubuntu only;"
	say "install by hand: $BASE"
	exit 1
}

want=$BASE
[ $kernel = 1 ] && want="$want $KERNEL"

missing=""
for p in $want; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
missing=${missing# }

# Can apt find a kernel package to download?  (Lists may never have been
# fetched in a fresh container.)
kernel_lists_ok() {
	apt-cache policy linux-image-amd64 2>/dev/null |
		grep -q 'Candidate: [0-9]'
}

need_update=0
[ $kernel = 1 ] && ! kernel_lists_ok && need_update=1

if [ -z "$missing" ] && [ $need_update = 0 ]; then
	say "all dependencies present"
	exit 0
fi
if [ $check = 1 ]; then
	[ -n "$missing" ] && say "missing: $missing"
	[ $need_update = 1 ] && say "apt has no candidate for linux-image-amd64 (run apt-get update)"
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	[ -n "$missing" ] && say "missing packages: $missing"
	[ $need_update = 1 ] && say "apt package lists have no linux-image-amd64"
	say "run as root:  sudo $0 $*"
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"

# A host corosync: one in our own network and mount namespaces (the tests'
# corosyncs live in namespaces of their own and are none of our business).
host_corosync_pids() {
	for pid in $(pgrep -x corosync 2>/dev/null || true); do
		[ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ] &&
		[ "$(readlink "/proc/$pid/ns/mnt" 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ] &&
			echo "$pid"
	done
	return 0
}
have_systemd() {
	command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]
}

# Was a host corosync already there?  Then it is the admin's: leave it.
coro_before=$(host_corosync_pids)

# Install first from the lists we have; update only if that fails (lists
# missing or stale) so a warm machine makes no network round trip.
if [ -n "$missing" ]; then
	say "installing: $missing"
	# shellcheck disable=SC2086
	if ! $APT install --no-install-recommends $missing; then
		say "install failed; refreshing package lists and retrying"
		apt-get -q update
		# shellcheck disable=SC2086
		$APT install --no-install-recommends $missing
	fi
fi
if [ $kernel = 1 ] && ! kernel_lists_ok; then
	apt-get -q update
	kernel_lists_ok || say "warning: still no candidate for linux-image-amd64; the kernel suite will skip"
fi

# Stop a host corosync that the install just started (never one that was
# already running before us).
case " $missing " in
*" corosync "*)
	if [ -z "$coro_before" ]; then
		if have_systemd; then
			if systemctl is-active --quiet corosync 2>/dev/null; then
				say "stopping the host corosync service the package started"
				systemctl stop corosync 2>/dev/null || true
			fi
			systemctl disable corosync >/dev/null 2>&1 || true
		elif command -v systemctl >/dev/null 2>&1; then
			# No systemd as pid 1 (container): still keep the unit
			# from starting at a later boot.
			systemctl disable corosync >/dev/null 2>&1 || true
		fi
		if [ -n "$(host_corosync_pids)" ] && [ -x /etc/init.d/corosync ]; then
			say "stopping the host corosync the init script started"
			/etc/init.d/corosync stop >/dev/null 2>&1 || true
		fi
		left=$(host_corosync_pids)
		if [ -n "$left" ]; then
			say "stopping host corosync pid(s) $left started by the install"
			# shellcheck disable=SC2086
			kill $left 2>/dev/null || true
		fi
	fi
	;;
esac
say "done"
