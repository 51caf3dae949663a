#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-demo.sh - scripts/demo.sh, the README's first command, runs to the end:
# 3 nodes, two logs, a node crash with check-dead and verify (its own
# assertions), teardown.  Kept in the suite so the demo cannot rot.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
for b in cmirrord cmirrorctl cmirror-ksim; do
	[ -x "$top_builddir/$b" ] || { echo "SKIP: $top_builddir/$b not built"; exit 77; }
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
DEMO_BUILDDIR=$top_builddir CI=true "$top_srcdir/scripts/demo.sh" >"$out" 2>&1
rc=$?
if [ $rc != 0 ] || ! grep -q '^demo finished: no dirty region lost' "$out"; then
	grep -v '^Nov\|^[0-9-]* [0-9:.]* cmirrord' "$out" | tail -60
	echo "FAIL: scripts/demo.sh exit $rc"
	exit 1
fi
grep -E '^check-dead|verify:|converged' "$out"
echo "PASS"
exit 0
