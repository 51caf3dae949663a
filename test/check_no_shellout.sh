#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Least privilege: the daemon never runs another program.  Fails when the
# cmirrord binary imports a function that starts a program or a shell
# (nm -D --undefined-only), or when a daemon or library source calls one
# (a static or inlined call would not show as an import).  fork() alone is
# allowed: daemonizing forks, but never execs.
# Exit: 0 clean, 1 a shell-out found, 77 cmirrord not built or no nm.
srcdir=${top_srcdir:-$(dirname "$0")/..}
builddir=${top_builddir:-.}
bin=$builddir/cmirrord
FORBIDDEN='system popen execl execlp execle execv execvp execvpe execve execveat fexecve posix_spawn posix_spawnp wordexp vfork clone3'
if [ ! -x "$bin" ]; then
	echo "SKIP: $bin not built"
	exit 77
fi
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
imports=$(nm -D --undefined-only "$bin" | awk '{ print $NF }' | sed 's/@.*//') ||
	{ echo "FAIL: nm -D $bin"; exit 1; }
[ -n "$imports" ] || { echo "FAIL: no imports read from $bin"; exit 1; }
# sanity: the reader works (every build imports these)
for f in malloc socket; do
	printf '%s\n' "$imports" | grep -qx "$f" ||
		{ echo "FAIL: $f not among the imports: nm output not understood"; exit 1; }
done
rc=0
for f in $FORBIDDEN; do
	if printf '%s\n' "$imports" | grep -qx "$f"; then
		echo "FAIL: cmirrord imports $f"
		rc=1
	fi
done
# Calls in the sources (comments are stripped crudely: lines starting with
# a comment marker).
pat=$(echo "$FORBIDDEN" | tr ' ' '|')
hits=$(grep -nE "(^|[^a-z_0-9.>])($pat)[[:space:]]*\(" \
	"$srcdir"/daemons/cmirrord/*.c "$srcdir"/lib/*.c |
	grep -vE ':[0-9]+:[[:space:]]*(/?\*|//)')
if [ -n "$hits" ]; then
	printf 'FAIL: shell-out in the sources:\n%s\n' "$hits"
	rc=1
fi
[ $rc = 0 ] && echo "PASS: cmirrord imports none of: $FORBIDDEN"
exit $rc
