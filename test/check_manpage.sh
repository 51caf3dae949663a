#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Fail when an option printed by `cmirrord --help` is missing from
# doc/cmirrord.8, or a config key (every long option except help, version
# and config) is missing from doc/cmirrord.conf.5.  Keeps the hand-written
# man pages in step with the option table in daemons/cmirrord/options.c.
srcdir=${top_srcdir:-$(dirname "$0")/..}
builddir=${top_builddir:-.}
bin=$builddir/cmirrord
if [ ! -x "$bin" ]; then
	echo "SKIP: $bin not built"
	exit 77
fi
help=$("$bin" --help) || { echo "FAIL: cmirrord --help failed"; exit 1; }
opts=$(printf '%s\n' "$help" | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
[ -n "$opts" ] || { echo "FAIL: no options in --help"; exit 1; }
# roff writes '-' as '\-'; compare on the plain text.
man8=$(sed 's/\\-/-/g' "$srcdir/doc/cmirrord.8")
man5=$(sed 's/\\-/-/g' "$srcdir/doc/cmirrord.conf.5")
rc=0
for o in $opts; do
	if ! printf '%s\n' "$man8" | grep -q -- "$o\\b"; then
		echo "FAIL: $o missing from doc/cmirrord.8"
		rc=1
	fi
	key=${o#--}
	case $key in help|version|config) continue ;; esac
	if ! printf '%s\n' "$man5" | grep -q -- "^\.B[IR]* $key "; then
		echo "FAIL: key '$key' missing from doc/cmirrord.conf.5"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "PASS: $(echo $opts | wc -w) options documented"
exit $rc
