#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-image.sh - build the kernel + initramfs that run.sh boots under qemu.
#
# The host kernel has no device-mapper, so the real-kernel tests boot a stock
# Debian kernel (linux-image-amd64's current ABI) under qemu/TCG.  Nothing is
# installed into the host's /boot or /lib/modules: the kernel package is
# fetched with `apt-get download` and unpacked with `dpkg-deb -x` into a cache.
#
# Two gzip'd cpio archives are concatenated (the kernel accepts that):
#   base.cpio.gz  (cached: depends only on the kernel and host packages)
#                 busybox-static, the dm/virtio modules, dmsetup, corosync,
#                 corosync-quorumtool/cfgtool and their shared-library closure
#   overlay.cpio.gz (rebuilt every time)
#                 our cmirrord, cmirrorctl (cmirror-ksim when built) and their
#                 libraries, /init, /guest-tests.sh, corosync.conf
#
# Environment:
#   top_builddir          build dir holding cmirrord (default: cwd)
#   CMIRROR_KERNEL_CACHE  cache dir (default /var/cache/cmirror-kernel when
#                         writable, else $top_builddir/build/kernel)
#   CMIRROR_KERNEL_OUT    output dir (default $top_builddir/build/kernel-image)
#   CMIRROR_KERNEL_PKG    kernel package (default: what linux-image-amd64 pulls)
#   CMIRROR_KERNEL_NOAPT=1  never call apt-get (cache must be complete)
#
# On success it writes $OUT/image.env (KVER, VMLINUZ, INITRD) and prints its
# path.  Exit status: 0 built, 77 cannot be built here (no qemu, no packages
# and no way to get them), 1 a real error (e.g. cmirrord not built).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
top_builddir=$(cd "${top_builddir:-.}" && pwd)
OUT=${CMIRROR_KERNEL_OUT:-$top_builddir/build/kernel-image}
NOAPT=${CMIRROR_KERNEL_NOAPT:-0}

say() { printf 'build-image: %s\n' "$*" >&2; }
skip() { say "SKIP: $*"; exit 77; }
die() { say "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

if [ -n "${CMIRROR_KERNEL_CACHE:-}" ]; then
	CACHE=$CMIRROR_KERNEL_CACHE
elif mkdir -p /var/cache/cmirror-kernel 2>/dev/null && [ -w /var/cache/cmirror-kernel ]; then
	CACHE=/var/cache/cmirror-kernel
else
	CACHE=$top_builddir/build/kernel
fi
mkdir -p "$CACHE/deb" "$OUT"

# apt_install PKG...: only as root and only when allowed; the caller decides
# whether a failure is a skip.
apt_install() {
	is_root && [ "$NOAPT" != 1 ] || return 1
	say "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
		>>"$CACHE/apt.log" 2>&1 && return 0
	apt-get update >>"$CACHE/apt.log" 2>&1 || true
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
		>>"$CACHE/apt.log" 2>&1
}

# need TOOL PKG: a host tool, installed on demand when root.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	apt_install "$2" || skip "$1 is missing (install package $2${3:+; $3})"
	command -v "$1" >/dev/null 2>&1 || skip "$1 still missing after installing $2"
}

need qemu-system-x86_64 qemu-system-x86 "or run as root to have it installed"
need cpio cpio
need depmod kmod
need dpkg-deb dpkg
need dmsetup dmsetup
# The guest runs the host's corosync: cmirrord is linked against the host's
# libcpg/libqb, so the daemon and the executive must come from the same build.
need corosync corosync
need corosync-quorumtool corosync

for b in cmirrord cmirrorctl; do
	[ -x "$top_builddir/$b" ] || die "$top_builddir/$b not built (make $b)"
done

# fetch PKG: the newest .deb of PKG in the cache (apt-get download on a miss).
fetch() {
	local pkg=$1 deb
	deb=$(ls "$CACHE/deb/${pkg}"_*.deb 2>/dev/null | tail -1 || true)
	if [ -z "$deb" ]; then
		[ "$NOAPT" != 1 ] || skip "$pkg not in $CACHE/deb and apt disabled"
		say "apt-get download $pkg"
		# _apt cannot write into a root-only dir: the download then runs
		# unsandboxed and apt warns about it; that warning is noise here.
		(cd "$CACHE/deb" && apt-get download "$pkg" 2>&1 |
			grep -v 'unsandboxed' >&2) || true
		deb=$(ls "$CACHE/deb/${pkg}"_*.deb 2>/dev/null | tail -1 || true)
		[ -n "$deb" ] || skip "apt-get download $pkg failed (no network or no apt source?)"
	fi
	printf '%s\n' "$deb"
}

# ---------------------------------------------------------------- kernel
KPKG=${CMIRROR_KERNEL_PKG:-}
if [ -z "$KPKG" ] && [ -s "$CACHE/kernel-pkg" ]; then
	KPKG=$(cat "$CACHE/kernel-pkg")
fi
if [ -z "$KPKG" ]; then
	KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ {print $2; exit}' || true)
	[ -n "$KPKG" ] || skip "cannot resolve linux-image-amd64 (apt-get update?)"
	echo "$KPKG" >"$CACHE/kernel-pkg"
fi
KVER=${KPKG#linux-image-}
KROOT=$CACHE/kroot-$KVER
if [ ! -f "$KROOT/boot/vmlinuz-$KVER" ]; then
	deb=$(fetch "$KPKG")
	say "unpacking $(basename "$deb")"
	rm -rf "$KROOT.tmp"
	dpkg-deb -x "$deb" "$KROOT.tmp"
	# The package's postinst would run depmod; we run it on the copy.
	depmod -b "$KROOT.tmp" "$KVER"
	rm -rf "$KROOT"
	mv "$KROOT.tmp" "$KROOT"
fi
VMLINUZ=$KROOT/boot/vmlinuz-$KVER

# ------------------------------------------------------------- busybox
BBROOT=$CACHE/busybox
if [ ! -x "$BBROOT/bin/busybox" ]; then
	deb=$(fetch busybox-static)
	rm -rf "$BBROOT.tmp"
	dpkg-deb -x "$deb" "$BBROOT.tmp"
	rm -rf "$BBROOT"
	mv "$BBROOT.tmp" "$BBROOT"
fi
# ldd exits 1 on a static binary: the message is what we test.
{ ldd "$BBROOT/bin/busybox" 2>&1 || true; } | grep -q 'not a dynamic' ||
	die "$BBROOT/bin/busybox is not static"

# copy_bin ROOT SRC DEST: SRC to ROOT/DEST plus every shared library ldd
# lists (the full closure), each at the path ldd prints, so the guest's
# ld.so finds them in its default directories.
copy_bin() {
	local root=$1 src=$2 dest=$3 lib
	install -D -m 755 "$src" "$root$dest"
	ldd "$src" 2>/dev/null |
		awk '/=> \// {print $3} /^[ \t]*\/[^ ]+ \(/ {print $1}' |
		while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
}

# cpio_dir DIR OUT: a newc archive owned by root (cpio -R), gzip'd.
cpio_dir() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# ---------------------------------------------------------- base archive
# virtio_net: the 2-VM test (run-2vm.sh) links the guests over a qemu dgram netdev.
MODS="dm-mod dm-log dm-region-hash dm-mirror dm-log-userspace virtio_pci virtio_blk virtio_net"
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo none; }
STAMP="kver=$KVER busybox=$(basename "$(ls "$CACHE/deb/"busybox-static_*.deb 2>/dev/null | tail -1)")"
STAMP="$STAMP dmsetup=$(pkgver dmsetup) corosync=$(pkgver corosync)"
STAMP="$STAMP script=$(sed -n '/^# ---------------------------------------------------------- base archive/,/^# ---- end base/p' "$0" | sha256sum | cut -c1-16)"
BASE=$CACHE/base-$KVER.cpio.gz
if [ ! -s "$BASE" ] || [ "$(cat "$BASE.stamp" 2>/dev/null)" != "$STAMP" ]; then
	say "building the base initramfs for $KVER"
	R=$CACHE/base-root
	rm -rf "$R"
	mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,etc,root,lib/modules}
	mkdir -p "$R"/var/{lib/corosync,log/cluster,run} "$R/etc/corosync"
	cp "$BBROOT/bin/busybox" "$R/bin/busybox"
	# modprobe prints "insmod PATH" per module in load order ("builtin"
	# for =y ones, which need nothing).
	# shellcheck disable=SC2086
	modprobe -d "$KROOT" -S "$KVER" -a --show-depends $MODS |
		awk '$1 == "insmod" && !seen[$2]++ {print $2}' >"$CACHE/modlist"
	[ -s "$CACHE/modlist" ] || die "no modules resolved for $MODS"
	# Same relative paths as the package, then depmod on the trimmed tree:
	# the guest's busybox modprobe resolves the dependencies itself.
	while read -r m; do
		rel=${m#"$KROOT"}
		install -D -m 644 "$m" "$R$rel"
	done <"$CACHE/modlist"
	cp "$KROOT/lib/modules/$KVER/modules.builtin" "$KROOT/lib/modules/$KVER/modules.order" \
		"$KROOT/lib/modules/$KVER/modules.builtin.modinfo" \
		"$R/lib/modules/$KVER/"
	depmod -b "$R" "$KVER"
	# setpriv, prlimit: cmirrord-residency-limit runs a daemon without
	# CAP_IPC_LOCK under a finite locked-memory limit.
	for b in dmsetup corosync corosync-quorumtool corosync-cfgtool corosync-cpgtool \
		setpriv prlimit; do
		p=$(command -v "$b" || true)
		[ -n "$p" ] && copy_bin "$R" "$p" "/usr/sbin/$b"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	printf '127.0.0.1 localhost ktest\n' >"$R/etc/hosts"
	echo ktest >"$R/etc/hostname"
	# /dev/console lets the kernel give /init a stdio; without root we
	# cannot mknod, and /init then mounts devtmpfs before any output.
	if is_root; then
		mknod -m 600 "$R/dev/console" c 5 1
		mknod -m 666 "$R/dev/null" c 1 3
	fi
	cpio_dir "$R" "$BASE"
	echo "$STAMP" >"$BASE.stamp"
	rm -rf "$R"
fi
# ---- end base

# -------------------------------------------------------- overlay archive
R=$OUT/overlay-root
rm -rf "$R"
mkdir -p "$R/usr/sbin" "$R/etc/corosync"
copy_bin "$R" "$top_builddir/cmirrord" /usr/sbin/cmirrord
copy_bin "$R" "$top_builddir/cmirrorctl" /usr/sbin/cmirrorctl
[ -x "$top_builddir/cmirror-ksim" ] &&
	copy_bin "$R" "$top_builddir/cmirror-ksim" /usr/sbin/cmirror-ksim
install -m 755 "$HERE/init.sh" "$R/init"
install -m 755 "$HERE/guest-tests.sh" "$R/guest-tests.sh"
install -m 755 "$HERE/guest-2vm.sh" "$R/guest-2vm.sh"
install -m 644 "$HERE/corosync.conf" "$R/etc/corosync/corosync.conf"
install -m 644 "$HERE/corosync-2node.conf" "$R/etc/corosync/corosync-2node.conf"
cpio_dir "$R" "$OUT/overlay.cpio.gz"
rm -rf "$R"
cat "$BASE" "$OUT/overlay.cpio.gz" >"$OUT/initrd.cpio.gz"

cat >"$OUT/image.env" <<EOF
KVER=$KVER
VMLINUZ=$VMLINUZ
INITRD=$OUT/initrd.cpio.gz
EOF
say "kernel $KVER, initramfs $(du -h "$OUT/initrd.cpio.gz" | cut -f1) (cache $CACHE)"
echo "$OUT/image.env"
