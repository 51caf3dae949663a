#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Check the generated systemd unit with `systemd-analyze verify`.  The
# installed binary does not exist at build time, so verify a copy whose
# ExecStart points at /bin/true (same arguments).  77 = skipped.
set -u
builddir=${top_builddir:-.}
unit=$builddir/systemd/cmirrord.service

command -v systemd-analyze >/dev/null 2>&1 || {
	echo "systemd-analyze not found: skipped"; exit 77; }
if [ ! -f "$unit" ]; then
	echo "$unit not generated (run make first)" >&2
	exit 1
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
sed -e 's|^ExecStart=[^ ]*|ExecStart=/bin/true|' "$unit" > "$tmp/cmirrord.service"

# The template markers must all have been substituted.
if grep -n '@' "$tmp/cmirrord.service" >&2; then
	echo "unsubstituted @...@ left in $unit" >&2
	exit 1
fi
grep -q '^Type=\(notify\|forking\)$' "$tmp/cmirrord.service" || {
	echo "no Type= line in $unit" >&2; exit 1; }
if grep -q '^Type=forking$' "$tmp/cmirrord.service"; then
	grep -q '^PIDFile=/' "$tmp/cmirrord.service" || {
		echo "Type=forking without PIDFile= in $unit" >&2; exit 1; }
fi

# verify exits non-zero on errors; print what it said either way.
out=$(cd "$tmp" && SYSTEMD_LOG_LEVEL=warning \
	systemd-analyze verify --man=no "$tmp/cmirrord.service" 2>&1)
rc=$?
[ -n "$out" ] && printf '%s\n' "$out"
if [ $rc -ne 0 ]; then
	# Without a running systemd (containers) verify cannot load the
	# system manager at all: that is no verdict on the unit.
	if printf '%s' "$out" | grep -qi 'Failed to initialize manager\|Failed to connect to bus\|Failed to setup working directory'; then
		echo "systemd-analyze cannot run here: skipped"
		exit 77
	fi
	exit 1
fi
# Warnings about our unit (e.g. unknown keys) are failures too.
if printf '%s' "$out" | grep -q 'cmirrord.service:'; then
	exit 1
fi
exit 0
