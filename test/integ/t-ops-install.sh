#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-ops-install.sh - `make install DESTDIR=...` from the build dir
# (top_builddir) places what an operator needs, and it works:
#   sbin/cmirrord, sbin/cmirrorctl (both answer --version), the man pages
#   cmirrord(8), cmirrorctl(8), cmirrord.conf(5) (rendered by groff without
#   warnings when groff is there), the systemd unit (Type=notify with
#   libsystemd, else forking with PIDFile=; After=corosync.service, a
#   Restart= policy, ExecStart at the installed binary, LimitMEMLOCK=infinity
#   and OOMScoreAdjust=-1000), and
#   $(docdir)/cmirrord.conf.example, whose every commented line, once
#   uncommented, is accepted by the daemon and states the built-in default.
#   `systemd-analyze verify` checks the installed unit when it can run here
#   (only that part is skipped otherwise).
#
# Exit: 0 pass, 1 fail, 77 skip (no configured build dir).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-ops-install
solo_require make
[ -f "$top_builddir/Makefile" ] || { echo "SKIP: $top_builddir is not a configured build dir"; exit 77; }

# The install directories as this build resolves them (make expands them).
mkvar() {
	make -s -C "$top_builddir" --no-print-directory -f Makefile -f - print-var VAR="$1" <<'EOF'
print-var:
	@echo 'print-var=$($(VAR))'
EOF
}
# (a Makefile older than configure is regenerated on the first call, with
# its output: hence the marker)
mkvar sbindir >/dev/null 2>&1 || true
for v in sbindir mandir docdir systemdunitdir runstatedir; do
	val=$(mkvar "$v" | sed -n 's/^print-var=//p' | tail -1)
	printf -v "$v" '%s' "$val"
done
unitdir=$systemdunitdir
for v in sbindir mandir docdir unitdir runstatedir; do
	case ${!v} in /*) ;; *) fail "cannot resolve $v from the Makefile: '${!v}'" ;; esac
done
log "sbindir $sbindir mandir $mandir docdir $docdir unitdir $unitdir"

D=$T/dest
log "== make install DESTDIR=$D"
make -C "$top_builddir" install DESTDIR="$D" >"$T/install.log" 2>&1 ||
	{ tail -30 "$T/install.log" >&2; fail "make install failed"; }

want=(
	"$sbindir/cmirrord" "$sbindir/cmirrorctl"
	"$mandir/man8/cmirrord.8" "$mandir/man8/cmirrorctl.8"
	"$mandir/man5/cmirrord.conf.5"
	"$unitdir/cmirrord.service"
	"$docdir/cmirrord.conf.example"
)
for f in "${want[@]}"; do
	[ -f "$D$f" ] || fail "not installed: $f (installed: $(cd "$D" && find . -type f | sort | tr '\n' ' '))"
done
for b in cmirrord cmirrorctl; do
	[ -x "$D$sbindir/$b" ] || fail "$sbindir/$b is not executable"
	out=$("$D$sbindir/$b" --version) || fail "installed $b --version exited $?"
	case $out in "$b "[0-9]*) ;; *) fail "installed $b --version: '$out'" ;; esac
done

# ---- man pages ----
if command -v groff >/dev/null 2>&1; then
	for m in man8/cmirrord.8 man8/cmirrorctl.8 man5/cmirrord.conf.5; do
		warn=$(groff -man -ww -z -Tutf8 "$D$mandir/$m" 2>&1) ||
			fail "groff failed on $m: $warn"
		[ -z "$warn" ] || fail "groff warnings in $m: $warn"
		# Every page names its title and points at the others.
		grep -q '^\.SH SEE ALSO' "$D$mandir/$m" || fail "$m has no SEE ALSO"
	done
	log "man pages render without warnings"
else
	log "groff not found: man page rendering not checked"
fi
grep -q '^\.SH COMPATIBILITY' "$D$mandir/man8/cmirrord.8" || fail "cmirrord.8 has no COMPATIBILITY section"
grep -q '^\.SH EXIT STATUS' "$D$mandir/man8/cmirrorctl.8" || fail "cmirrorctl.8 has no EXIT STATUS section"

# ---- the unit ----
unit=$D$unitdir/cmirrord.service
log "== unit $unitdir/cmirrord.service"
grep -n '@' "$unit" >&2 && fail "unsubstituted @...@ in the installed unit"
grep -qx 'After=corosync.service' "$unit" || fail "unit lacks After=corosync.service"
grep -qE '^Restart=(on-failure|on-abnormal|on-abort|always)$' "$unit" || fail "unit lacks a Restart= policy"
grep -qE "^ExecStart=$sbindir/cmirrord( |\$)" "$unit" || fail "ExecStart is not $sbindir/cmirrord: $(grep ExecStart "$unit")"
# The daemon's own locking and OOM protection can fail without
# CAP_SYS_RESOURCE or under a small default limit; systemd sets both.
grep -qx 'LimitMEMLOCK=infinity' "$unit" || fail "unit lacks LimitMEMLOCK=infinity"
grep -qx 'OOMScoreAdjust=-1000' "$unit" || fail "unit lacks OOMScoreAdjust=-1000"
if grep -q '^#define HAVE_SYSTEMD 1' "$top_builddir/config.h"; then
	grep -qx 'Type=notify' "$unit" || fail "built with libsystemd but the unit is not Type=notify"
	grep -qE "^ExecStart=$sbindir/cmirrord -f\$" "$unit" || fail "Type=notify needs cmirrord -f"
	# The binary must really notify, or systemd would time out the start.
	# (nm's output read whole first: under pipefail, `nm | grep -q` fails
	# whenever grep exits before nm has written everything, SIGPIPE)
	if command -v nm >/dev/null 2>&1 && ! grep -q ' U sd_notify' <<<"$(nm -D "$D$sbindir/cmirrord" 2>/dev/null)"; then
		fail "Type=notify but the installed cmirrord does not call sd_notify"
	fi
else
	grep -qx 'Type=forking' "$unit" || fail "built without libsystemd but the unit is not Type=forking"
	grep -qx "PIDFile=$runstatedir/cmirrord.pid" "$unit" || fail "Type=forking without PIDFile=$runstatedir/cmirrord.pid"
fi

if command -v systemd-analyze >/dev/null 2>&1; then
	# Verify a copy whose ExecStart is the DESTDIR binary (the real path is
	# not there yet); everything else as installed.
	mkdir -p "$T/unit"
	sed -e "s|^ExecStart=$sbindir/|ExecStart=$D$sbindir/|" "$unit" >"$T/unit/cmirrord.service"
	rc=0
	out=$(cd "$T/unit" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
		"$T/unit/cmirrord.service" 2>&1) || rc=$?
	if [ $rc -ne 0 ] && grep -qi 'Failed to initialize manager\|Failed to connect to bus\|Failed to setup working directory' <<<"$out"; then
		log "systemd-analyze cannot run here: verify part skipped ($out)"
	elif [ $rc -ne 0 ] || grep -q 'cmirrord.service:' <<<"$out"; then
		fail "systemd-analyze verify (rc $rc): $out"
	else
		log "systemd-analyze verify: clean"
	fi
else
	log "systemd-analyze not found: verify part skipped"
fi

# ---- the example configuration ----
ex=$D$docdir/cmirrord.conf.example
log "== $docdir/cmirrord.conf.example"
# Uncomment every "#key = value" line: the daemon must accept the result.
sed -n 's/^#\([a-z][a-z_-]* = .*\)$/\1/p' "$ex" >"$T/all.conf"
keys=$(sed 's/ = .*//' "$T/all.conf" | sort -u)
nkeys=$(wc -l <"$T/all.conf")
[ "$nkeys" -ge 10 ] || fail "example has only $nkeys commented settings"
# Every documented config key (the --help options but help/version/config)
# is in the example.
for k in $("$D$sbindir/cmirrord" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
	k=${k#--}
	case $k in help|version|config) continue ;; esac
	grep -qx -- "$k" <<<"$keys" || fail "key '$k' missing from cmirrord.conf.example"
done
CSOCK=$T/ctl.sock
# The test-only paths win over the file's (command line > file).
"$D$sbindir/cmirrord" -f -c "$T/all.conf" --no-cluster --kernel-socket "$T/k.sock" \
	--pid-file "$T/d.pid" --control-socket "$CSOCK" >"$T/daemon.log" 2>&1 &
DPID=$!
for i in $(seq 200); do
	"$D$sbindir/cmirrorctl" -s "$CSOCK" -t 1000 ping >/dev/null 2>&1 && break
	kill -0 "$DPID" 2>/dev/null || fail "cmirrord refused the uncommented example: $(cat "$T/daemon.log")"
	sleep 0.05
done
"$D$sbindir/cmirrorctl" -s "$CSOCK" config >"$T/dump.txt" || fail "cmirrorctl config exited $?"
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=
expect_eq "daemon exit status" "$rc" 0
# Each value of the example is the built-in default: compare with the
# defaults --help prints (paths under the run-state dir may differ from
# the example's /run when the build chose another runstatedir).
help=$("$D$sbindir/cmirrord" --help)
while IFS= read -r line; do
	k=${line%% = *} v=${line#* = }
	v=${v#\"} v=${v%\"}
	case $k in pid-file|control-socket)
		[ "${v%/*}" = /run ] || fail "example: $k = $v is not under /run"
		continue ;;
	esac
	if [ "$k" = kernel-socket ]; then
		[ -z "$v" ] || fail "example: kernel-socket is not empty"
		continue
	fi
	opt="^ *\(-[a-zA-Z], \)\{0,1\}--$k\(\[=no\]\)\{0,1\}[= ]"
	d=$(sed -n "s/$opt.*(default: \([^;)]*\))\$/\3/p; s/$opt.*; default: \([^)]*\))\$/\3/p" <<<"$help" | head -1)
	if [ -z "$d" ]; then
		# A switch shows "(default: yes)" when on, nothing when off.
		d=no
	fi
	expect_eq "example $k (default)" "$v" "$d"
	grep -q "^$k = " "$T/dump.txt" || fail "config dump lacks $k"
done <"$T/all.conf"

log "PASS"
