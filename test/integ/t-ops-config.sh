#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-ops-config.sh - cmirrord's configuration file and command-line surface,
# with one --no-cluster daemon (no corosync needed):
#   - --help / -h / --version / -V of cmirrord and cmirrorctl;
#   - bad config files are refused at start, exit 1, with "FILE:LINE:" and
#     the problem (unknown key, bad value, CLI-only key, no '=', open quote,
#     bad enum word), and no daemon is left behind;
#   - a file setting every key: `cmirrorctl config` (text and --json) shows
#     the file's values with source "file"; a key given twice takes the last
#     value; the command line beats the file;
#   - no file at the default path -> built-in defaults; -c naming a missing
#     file is an error;
#   - old-daemon compatibility: without -f it forks, the starter exits 0 once
#     ready, the pid file holds the daemon's pid, a second instance exits 2,
#     SIGTERM with no log removes the pid file.
#
# Exit: 0 pass, 1 fail, 77 skip (binaries not built).
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/solo-common.sh" t-ops-config
solo_require "$CMIRRORD" "$CTL" python

expect_match() {	# WHAT TEXT GREP-E-PATTERN
	grep -qE -- "$3" <<<"$2" || fail "$1: '$2' does not match /$3/"
}

# Test-only paths every daemon of this test uses (never the system ones).
SOCK=$T/kernel.sock CSOCK=$T/ctl.sock PIDF=$T/cmirrord.pid
TEST_ARGS=(--no-cluster --kernel-socket "$SOCK" --pid-file "$PIDF" --control-socket "$CSOCK")

start_fg() {	# ARGS...: daemon in the foreground, in the background of us
	rm -f "$SOCK"
	"$CMIRRORD" -f "${TEST_ARGS[@]}" "$@" >>"$T/daemon.log" 2>&1 &
	DPID=$!
	solo_wait_ready "$CSOCK"
}

# get_json: validate $T/config.json and flatten it once into
# $T/config.flat ("key<TAB>value<TAB>source" lines); json_get KEY FIELD.
get_json() {
	"$CTL" -s "$CSOCK" --json config >"$T/config.json" || fail "config --json exited $?"
	"$PY" -m json.tool "$T/config.json" >/dev/null ||
		fail "config --json is not JSON: $(cat "$T/config.json")"
	"$PY" -c 'import json,sys
for k, v in json.load(open(sys.argv[1])).items():
    print("%s\t%s\t%s" % (k, v["value"], v["source"]))' "$T/config.json" >"$T/config.flat"
}
json_get() {
	local col=2
	[ "$2" = source ] && col=3
	awk -F '\t' -v k="$1" -v c=$col '$1 == k { print $c }' "$T/config.flat"
}

# ---- --help / --version ----
log "== help and version"
ver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir/config.h" 2>/dev/null || true)
for b in "$CMIRRORD" "$CTL"; do
	name=${b##*/}
	for o in --version -V; do
		out=$("$b" "$o") || fail "$name $o exited $?"
		expect_match "$name $o" "$out" "^$name [0-9]+\.[0-9]+"
		[ -z "$ver" ] || expect_eq "$name $o" "$out" "$name $ver"
	done
	for o in --help -h; do
		out=$("$b" "$o") || fail "$name $o exited $?"
		expect_match "$name $o" "$out" "^Usage: $name"
	done
	# A bad option: usage error, non-zero, message on stderr.
	rc=0
	"$b" --no-such-option >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -ne 0 ] || fail "$name --no-such-option exited 0"
	[ -s "$T/err" ] || fail "$name --no-such-option printed nothing on stderr"
done
help=$("$CMIRRORD" --help)
for k in foreground config pid-file control-socket log-level syslog-facility \
	cpg-prefix batch-max-ops retry-ms quorum orphan-timeout lock-memory \
	oom-protect; do
	expect_match "cmirrord --help lists --$k" "$help" "--$k"
done
help=$("$CTL" --help)
for k in status log stats dump config --json --socket 'Exit status'; do
	expect_match "cmirrorctl --help mentions $k" "$help" "$k"
done

# ---- bad files: refused with file:line ----
log "== bad configuration files"
bad() {	# NAME EXPECTED-LINE PATTERN CONTENT
	local f=$T/$1.conf rc=0 err
	printf '%b' "$4" >"$f"
	rm -f "$SOCK"
	timeout 10 "$CMIRRORD" -f -c "$f" "${TEST_ARGS[@]}" >"$T/out" 2>"$T/err" || rc=$?
	err=$(cat "$T/err")
	[ "$rc" -ne 124 ] || fail "$1: the daemon started with a bad file"
	expect_eq "$1: exit status" "$rc" 1
	expect_match "$1: message" "$err" "^cmirrord: $f:$2: "
	expect_match "$1: message" "$err" "$3"
	[ ! -e "$PIDF" ] || fail "$1: pid file left behind"
	log "$1: $err"
}
bad unknown-key 3 "unknown key 'retry_msec'" '# comment\n\nretry_msec = 5\n'
bad bad-number 2 "bad value '0' for 'retry-ms'" 'log-level = debug\nretry-ms = 0\n'
bad trailing-junk 1 "bad value '12abc' for 'batch-max-ops'" 'batch-max-ops = 12abc\n'
bad out-of-range 4 "'orphan-timeout'" '\n\n\norphan-timeout = 604801\n'
bad negative 1 "'node-id'" 'node-id = -1\n'
bad bad-word 2 "'maybe' for 'quorum'" 'cpg-prefix = x:\nquorum = maybe\n'
bad bad-level 1 "'loud' for 'log-level'" 'log-level = loud\n'
bad bad-bool 1 "'no-cluster'" 'no-cluster = perhaps\n'
bad cli-only 2 "'config' can only be given on the command line" '# x\nconfig = /etc/other.conf\n'
bad no-equals 1 "expected 'key = value'" 'log-level\n'
bad open-quote 1 "" 'cpg-prefix = "abc\n'
bad empty-prefix 1 "'cpg-prefix'" 'cpg-prefix = ""\n'
bad long-socket 1 "'control-socket'" "control-socket = /$(head -c 200 /dev/zero | tr '\0' x)\n"

# -c naming a missing file is an error (exit 1), not defaults.
rc=0
timeout 10 "$CMIRRORD" -f -c "$T/missing.conf" "${TEST_ARGS[@]}" >/dev/null 2>"$T/err" || rc=$?
expect_eq "-c missing file: exit status" "$rc" 1
expect_match "-c missing file: message" "$(cat "$T/err")" "$T/missing.conf"

# ---- every key from the file ----
log "== config dump equals the file"
cat >"$T/good.conf" <<EOF
# every key the file may set, none at its default
log_level = debug          # '_' for '-'
syslog-facility = local3
cpg-prefix = "cm test:"
batch-max-ops = 17
retry-ms = 5
retry-ms = 23              # given twice: the last value counts
quorum = ignore
orphan-timeout = 42
node-id = 7
no-cluster = yes
foreground = yes
pid-file = $T/file.pid
control-socket = $T/file.sock
kernel-socket = $T/file-kernel.sock
lock-memory = off
oom-protect = 0
EOF
# Only -c here: everything else comes from the file.
rm -f "$SOCK"
"$CMIRRORD" -c "$T/good.conf" >>"$T/daemon.log" 2>&1 &
DPID=$!
CSOCK_SAVED=$CSOCK
CSOCK=$T/file.sock
solo_wait_ready "$CSOCK"
"$CTL" -s "$CSOCK" config >"$T/config.txt" || fail "config exited $?"
get_json
check_key() {	# KEY VALUE SOURCE
	expect_eq "json $1 value" "$(json_get "$1" value)" "$2"
	expect_eq "json $1 source" "$(json_get "$1" source)" "$3"
	grep -qE "^$1 = \"?$(printf '%s' "$2" | sed 's/[.[\*^$/]/\\&/g')\"? +# $3\$" "$T/config.txt" ||
		fail "text config: no line '$1 = $2  # $3' in: $(cat "$T/config.txt")"
}
check_key log-level debug file
check_key syslog-facility local3 file
check_key cpg-prefix "cm test:" file
check_key batch-max-ops 17 file
check_key retry-ms 23 file
check_key quorum ignore file
check_key orphan-timeout 42 file
check_key node-id 7 file
check_key no-cluster yes file
check_key foreground yes file
check_key pid-file "$T/file.pid" file
check_key control-socket "$T/file.sock" file
check_key kernel-socket "$T/file-kernel.sock" file
check_key lock-memory no file
check_key oom-protect no file
check_key config "$T/good.conf" cli
[ "$(cat "$T/file.pid")" = "$DPID" ] || fail "pid file $T/file.pid does not hold $DPID"
solo_stop
CSOCK=$CSOCK_SAVED

# The command line beats the file.
log "== command line over file"
start_fg -c "$T/good.conf" --retry-ms 99 --log-level err
get_json
expect_eq "cli retry-ms" "$(json_get retry-ms value)" 99
expect_eq "cli retry-ms source" "$(json_get retry-ms source)" cli
expect_eq "cli log-level" "$(json_get log-level value)" err
expect_eq "file batch-max-ops" "$(json_get batch-max-ops value)" 17
expect_eq "file batch-max-ops source" "$(json_get batch-max-ops source)" file
expect_eq "cli pid-file" "$(json_get pid-file value)" "$PIDF"
solo_stop

# ---- missing default file -> defaults ----
# The default path is compiled in (SYSCONFDIR); only testable when the
# machine has no such file.
def=$("$CMIRRORD" --help | sed -n 's/.*--config=PATH.*(default: \(.*\))$/\1/p')
[ -n "$def" ] || fail "no default config path in --help"
if [ -e "$def" ]; then
	log "== missing default file: skipped ($def exists on this machine)"
else
	log "== missing default file ($def) -> defaults"
	start_fg
	get_json
	for kv in log-level=info syslog-facility=daemon cpg-prefix=cmirror: \
		batch-max-ops=64 retry-ms=10 quorum=require orphan-timeout=600 \
		node-id=1 lock-memory=yes oom-protect=yes config="$def"; do
		k=${kv%%=*} v=${kv#*=}
		expect_eq "default $k" "$(json_get "$k" value)" "$v"
		expect_eq "default $k source" "$(json_get "$k" source)" default
	done
	solo_stop
fi

# ---- forking start, pid file, second instance (old daemon's contract) ----
log "== daemon mode"
rm -f "$SOCK"
rc=0
timeout 20 "$CMIRRORD" -c /dev/null "${TEST_ARGS[@]}" >"$T/out" 2>&1 || rc=$?
expect_eq "forking start: starter exit status" "$rc" 0
[ -s "$PIDF" ] || fail "no pid file after a forking start"
DPID=$(cat "$PIDF")
kill -0 "$DPID" 2>/dev/null || fail "pid file names $DPID, which is not running"
"$CTL" -s "$CSOCK" ping >/dev/null || fail "forked daemon does not answer"
rc=0
timeout 20 "$CMIRRORD" -f -c /dev/null --no-cluster --kernel-socket "$T/k2.sock" \
	--pid-file "$PIDF" --control-socket "$T/c2.sock" >"$T/out" 2>&1 || rc=$?
expect_eq "second instance exit status" "$rc" 2
expect_match "second instance message" "$(cat "$T/out")" "already running"
kill -TERM "$DPID"
for i in $(seq 200); do
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
kill -0 "$DPID" 2>/dev/null && fail "forked daemon survived SIGTERM with no log"
DPID=
[ ! -e "$PIDF" ] || fail "pid file left after SIGTERM"
rc=0
"$CTL" -s "$CSOCK" status >/dev/null 2>&1 || rc=$?
expect_eq "cmirrorctl with no daemon" "$rc" 2

log "PASS"
