#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-ops-cmirrorctl.sh - cmirrorctl against a running 3-node cluster (issue 5).
#  - usage errors exit 1, a missing socket 2, an unknown log 4, a non-root
#    peer 3 both when the socket's mode refuses it and when the daemon's
#    SO_PEERCRED check does (the exit codes of cmirrorctl(8)); messages on
#    stderr only;
#  - status before any log: "logs 0" / "logs":[];
#  - core and disk logs up on every node, plus a log with a 120-char uuid:
#    on every node `status` (text and --json) shows node id = the node,
#    quorate, members 1 2 3, type, region size and count from the CTR, the
#    table's luid, the sync count cmirror-ksim's GET_SYNC_COUNT returns, the
#    disk writer = node 1 (lowest id), pending 0; the JSON group name is the
#    one corosync-cpgtool lists (prefix + uuid; a long uuid is cut and
#    suffixed with ~CRC to fit 127 chars);
#  - `log UUID`: the region picture changes after a resync (out_of_sync
#    0-63 -> none) and while writes hold marks (dirty > 0, node 2's marks),
#    and back to nothing dirty once the writer stops;
#  - `stats`: request counters, group op counters and CPG message counters
#    grow with writes (text and JSON agree), node 3 delivers ops it did not
#    submit (and sends acknowledgements of the FLUSHes); the ordering time
#    of our messages has at most one sample per message sent, ordered
#    percentiles; the kernel link took as many requests as were answered
#    and counted by type, none bad or dropped; `stats --reset` shows the
#    figures and zeroes them (kernel link counters too), and
#    writes after it count again; `--reset` with another command is a
#    usage error;
#  - `dump`: the debug ring is non-empty and holds the request just made;
#  - `config`: the control socket comes from the command line, cpg-prefix
#    is the default;
#  - node 3 holds a disk-log recovery slot: every node shows "recovering
#    region R (node 3)"; node 3 is killed -9: the survivors' status drops it
#    from members (text and JSON) and its slot; cmirrorctl on node 3 exits 2.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

CTL=${H_CMIRRORCTL:-$top_builddir/cmirrorctl}

# ctl_rc WANT I ARGS...: cmirrorctl on node I exits WANT, prints nothing on
# stdout and one line on stderr; the line goes to $ERR.
ERR=
ctl_rc() {
	local want=$1 i=$2 rc=0 out
	shift 2
	out=$(h_cmirrorctl "$i" "$@" 2>"$H_DIR/ctl.err") || rc=$?
	ERR=$(cat "$H_DIR/ctl.err")
	[ "$rc" = "$want" ] || { h_fail "cmirrorctl $*: exit $rc, want $want ($ERR)"; return 1; }
	[ -z "$out" ] || { h_fail "cmirrorctl $*: stdout on error: $out"; return 1; }
	[ "$(wc -l <"$H_DIR/ctl.err")" = 1 ] || { h_fail "cmirrorctl $*: stderr: $ERR"; return 1; }
	h_log "cmirrorctl $* -> $rc: $ERR"
}

# as_nobody I ARGS...: cmirrorctl on node I as an unprivileged user.
as_nobody() {
	local i=$1
	shift
	h_exec "$i" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$CTL" --socket "$(h_ctl_sock "$i")" "$@"
}

# block TEXT UUID: the lines of one log in `status` text.
block() { awk -v u="log $2" '$0 == u {p = 1; print; next} /^log / {p = 0} p' <<<"$1"; }

# has TEXT LINE: TEXT holds LINE exactly.
has() { grep -qxF -- "$2" <<<"$1"; }

# check_status I MEMBERS: node I's status (JSON and text) for every log up.
check_status() {
	local i=$1 mem=$2 j t b lg sc want
	j=$(h_cmirrorctl "$i" --json status) || { h_fail "node $i: status --json"; return 1; }
	t=$(h_cmirrorctl "$i" status) || { h_fail "node $i: status"; return 1; }
	[ "$(jq -r '"\(.node) \(.quorate) \(.transport) \(.logs|length)"' <<<"$j")" = "$i true cpg ${#UP[@]}" ] ||
		{ h_fail "node $i: status header $(jq -c 'del(.logs)' <<<"$j")"; return 1; }
	has "$t" "node $i  quorum yes  transport cpg  logs ${#UP[@]}" ||
		{ h_fail "node $i: text header: $(head -1 <<<"$t")"; return 1; }
	for lg in "${UP[@]}"; do
		sc=$(c_ksim "$i" "$lg" query sync_count) || { h_fail "node $i $lg: query sync_count"; return 1; }
		want="${C_TYPE[$lg]} 1024 $C_REGIONS ${C_LUID[$lg]#0x} true synced $mem $sc 0"
		[ "$lg" = disk ] && want="$want 1 $H_DIR/disk.img"
		got=$(jq -r --arg u "${C_UUID[$lg]}" '.logs[] | select(.uuid == $u) |
			[.type, .region_size, .region_count, .tables[0].luid,
			 .tables[0].resumed, .state, (.members|map(tostring)|join(",")),
			 .sync_count, .pending] + (if .disk then [.disk_writer, .disk] else [] end) |
			map(tostring) | join(" ")' <<<"$j")
		[ "$got" = "${want}" ] || { h_fail "node $i $lg: json '$got', want '$want'"; return 1; }
		b=$(block "$t" "${C_UUID[$lg]}")
		for want in "  type ${C_TYPE[$lg]}  region_size 1024  regions $C_REGIONS" \
			"  table luid ${C_LUID[$lg]#0x} resumed" \
			"  group $(jq -r --arg u "${C_UUID[$lg]}" '.logs[]|select(.uuid == $u).group' <<<"$j")  synced" \
			"  members ${mem//,/ }" "  pending requests 0"; do
			has "$b" "$want" || { h_fail "node $i $lg: no '$want' in
$b"; return 1; }
		done
		grep -qx "  sync $sc/$C_REGIONS  generation [0-9]*" <<<"$b" ||
			{ h_fail "node $i $lg: sync line, want $sc: $b"; return 1; }
		if [ "$lg" = disk ]; then
			grep -q "^  disk $H_DIR/disk.img writer node 1  writes [0-9]*  bytes [0-9]*  errors 0$" <<<"$b" ||
				{ h_fail "node $i disk: disk line: $b"; return 1; }
		fi
	done
}

# detail I LOG: the region picture of `log UUID` --json (its .detail).
detail() { c_json "$1" "$2" | jq -r .detail; }

# wait_detail I LOG REGEX SECONDS: until a line of the picture matches.
wait_detail() {
	local end=$((SECONDS + $4)) d
	while :; do
		d=$(detail "$1" "$2")
		grep -qE -- "$3" <<<"$d" && return 0
		[ $SECONDS -lt $end ] || { h_fail "node $1 $2: no /$3/ in
$d"; return 1; }
		sleep "$H_POLL"
	done
}

c_cluster 3 || exit 1
declare -A C_TYPE=([core]=clustered-core [disk]=clustered-disk [long]=clustered-core)
# A uuid longer than the 127 chars a CPG name may hold with the prefix.
C_UUID["long"]=LVM-$(printf 'x%.0s' $(seq 116))
C_CTR["long"]="$C_SECTORS clustered-core 1024" C_LUID["long"]=0xffff888000003200
mkdir -p "$H_DIR/state-long"
UP=()

# ---- exit codes, no log yet ----
for args in "" "bogus" "log" "log a b" "status extra" "--timeout-ms 0 status" "--nope status" \
	"--reset status"; do
	# shellcheck disable=SC2086
	ctl_rc 1 1 $args || exit 1
done
out=$(h_exec 1 "$CTL" --socket "$H_DIR/nonexistent.sock" status 2>&1 >/dev/null)
rc=$?
if [ "$rc" != 2 ] || [[ $out != *"cmirrord is not running"* ]]; then c_die "missing socket: exit $rc: $out"; fi
[[ $ERR == *"--reset goes with stats only"* ]] || c_die "--reset status message: $ERR"
ctl_rc 4 1 log no-such-log || exit 1
[[ $ERR == *"unknown log no-such-log"* ]] || c_die "unknown log message: $ERR"

out=$(as_nobody 1 status 2>&1 >/dev/null)
rc=$?
if [ "$rc" != 3 ] || [[ $out != *"permission denied"* ]]; then c_die "nobody, mode 0600 socket: exit $rc: $out"; fi
h_log "nobody (socket mode): exit 3: $out"
# The daemon checks the peer too, whatever the socket's mode.
chmod 0666 "$(h_ctl_sock 1)"
out=$(as_nobody 1 status 2>&1 >/dev/null)
rc=$?
chmod 0600 "$(h_ctl_sock 1)"
if [ "$rc" != 3 ] || [[ $out != *"permission denied: uid 65534 may not use the control socket"* ]]; then
	c_die "nobody, SO_PEERCRED: exit $rc: $out"
fi
grep -q "control: refused uid 65534" "$(h_node_dir 1)/log/cmirrord.log" ||
	c_die "the refusal is not logged"
h_log "nobody (peer check): exit 3: $out"

[ "$(h_cmirrorctl 2 --json status | jq -c .logs)" = "[]" ] || c_die "logs before any CTR"
has "$(h_cmirrorctl 2 status)" "node 2  quorum yes  transport cpg  logs 0" || c_die "status text without logs"
[[ $(h_cmirrorctl 3 ping) == "pong: cmirrord "*", pid $(cat "$(h_pid_file 3)")" ]] || c_die "ping"

# ---- three logs up everywhere ----
for lg in core disk long; do
	for i in 1 2 3; do c_ksim "$i" "$lg" up || c_die "node $i $lg: up"; done
	UP+=("$lg")
done
c_wait_converged core 30 1 2 3 || exit 1
c_wait_converged disk 30 1 2 3 || exit 1
c_wait_converged long 30 1 2 3 || exit 1

# The region picture before and after a resync.
d=$(detail 1 core)
grep -qx "out_of_sync 1: 0-$((C_REGIONS - 1))" <<<"$d" || c_die "fresh core log: $d"
has "$(h_cmirrorctl 1 log cl-core)" "out_of_sync 1: 0-$((C_REGIONS - 1))" || c_die "log text: no picture"
c_resync_all 1 core || exit 1
c_wait_converged core 30 1 2 3 || exit 1
for i in 1 2 3; do
	d=$(detail "$i" core)
	grep -qx "out_of_sync 0:" <<<"$d" || c_die "node $i: core after resync: $d"
	grep -q "^in_sync $C_REGIONS/$C_REGIONS " <<<"$d" || c_die "node $i: core after resync: $d"
done
h_log "picture after resync: $(grep -E '^(in_sync|out_of_sync|dirty)' <<<"$d" | tr '\n' ';')"

for i in 1 2 3; do check_status "$i" 1,2,3 || exit 1; done
h_log "status text and JSON agree with the CTRs and GET_SYNC_COUNT on 3 nodes"

# CPG groups: one per log, named as the daemon reports.
want=$(for lg in "${UP[@]}"; do
	g=$(c_field 1 "$lg" group)
	for i in 1 2 3; do echo "$g $i"; done
done | sort)
for i in 1 2 3; do
	[ "$(c_groups "$i")" = "$want" ] || c_die "node $i: cpgtool: $(c_groups "$i") want $want"
done
[ "$(c_field 2 core group)" = cmirror:cl-core ] || c_die "core group name"
g=$(c_field 2 long group)
[[ $g =~ ^cmirror:LVM-x{106}~[0-9a-f]{8}$ ]] || c_die "long uuid's group: $g"
[ ${#g} = 127 ] || c_die "long uuid's group: ${#g} chars"
[ "$(c_field 3 long group)" = "$g" ] || c_die "nodes disagree on the long group name"
h_log "cpgtool lists $(wc -l <<<"$want") members of ${#UP[@]} groups; long uuid -> $g"
for i in 1 2 3; do c_down "$i" long || exit 1; done
UP=(core disk)

# ---- stats grow with writes ----
declare -A B
for i in 1 2 3; do
	B[$i]=$(h_cmirrorctl "$i" --json stats) || c_die "node $i: stats"
done
for i in 1 2; do
	out=$(c_ksim "$i" core --seed "$i" run --no-up --writes 40 --burst 2 --mode mark 2>&1) ||
		c_die "node $i: writes: $out"
done
c_wait_converged core 30 1 2 3 || exit 1
for i in 1 2 3; do
	# A text and a JSON snapshot with nothing delivered in between (a
	# lazy clear may still reach the group after the writers are done).
	a2=
	for _ in $(seq 100); do
		a=$(h_cmirrorctl "$i" --json stats) || c_die "node $i: stats"
		t=$(h_cmirrorctl "$i" stats)
		a2=$(h_cmirrorctl "$i" --json stats) || c_die "node $i: stats"
		[ "$a" = "$a2" ] && break
		sleep "$H_POLL"
	done
	[ "$a" = "$a2" ] ||
		c_die "node $i: stats never the same twice in a row"
	for f in .ops_submitted .ops_delivered '.requests.MARK_REGION.count' '.requests.FLUSH.count' \
		.cluster.msgs_sent .cluster.msgs_recv .cluster.ops_recv; do
		x=$(jq -r "$f // 0" <<<"${B[$i]}") y=$(jq -r "$f // 0" <<<"$a")
		case $i$f in
		3.ops_submitted|3.requests.*) [ "$y" = "$x" ] || c_die "node 3 $f: $x -> $y without writes" ;;
		*) [ "$y" -gt "$x" ] || c_die "node $i $f: $x -> $y after writes" ;;
		esac
	done
	c=$(jq -r '.requests.MARK_REGION.count // 0' <<<"$a")
	if [ "$c" = 0 ]; then	# a type never requested has no line
		! grep -q "^MARK_REGION " <<<"$t" || c_die "node $i: MARK_REGION in stats text: $t"
	else
		grep -qE "^MARK_REGION +$c +0 " <<<"$t" || c_die "node $i: stats text has no MARK_REGION $c: $t"
		# The mean: at most the maximum, and the sum it stands for
		# (mean x count, less than count lost to rounding) reaches it.
		m=$(jq -r '.requests.MARK_REGION.mean_us' <<<"$a")
		mx=$(jq -r '.requests.MARK_REGION.max_us' <<<"$a")
		if ! [[ $m =~ ^[0-9]+$ ]] || [ "$m" -gt "$mx" ] || [ $(((m + 1) * c)) -le "$mx" ]; then
			c_die "node $i: MARK_REGION mean_us $m with max $mx over $c"
		fi
		grep -qE "^MARK_REGION +$c +0 +[0-9]+ +[0-9]+ +$m +$mx\$" <<<"$t" ||
			c_die "node $i: stats text MARK_REGION mean/max not $m/$mx: $t"
	fi
	# Every request the kernel link took was answered and counted by
	# type (nothing in flight once the writers are done).
	jq -e '([.requests[].count] | add) as $n | .kernel.requests == $n and
		.kernel.replies == $n and .kernel.sends > 0 and .kernel.sends <= $n and
		.kernel.bad_frames == 0 and .kernel.dropped == 0 and .kernel.overruns == 0' <<<"$a" >/dev/null ||
		c_die "node $i: kernel link counters against the requests: $(jq -c '{kernel, n: [.requests[].count] | add}' <<<"$a")"
	grep -qx "kernel link requests $(jq .kernel.requests <<<"$a")  replies $(jq .kernel.replies <<<"$a") in $(jq .kernel.sends <<<"$a") sends  bad frames 0  dropped 0  overruns 0" <<<"$t" ||
		c_die "node $i: stats text kernel link: $t"
	grep -qx "group ops submitted $(jq -r .ops_submitted <<<"$a")  delivered $(jq -r .ops_delivered <<<"$a")  held for sync [0-9]*" <<<"$t" ||
		c_die "node $i: stats text group ops: $t"
	grep -qx "cpg groups [0-9]*  messages sent $(jq -r .cluster.msgs_sent <<<"$a")  received $(jq -r .cluster.msgs_recv <<<"$a")  ops sent $(jq -r .cluster.ops_sent <<<"$a")  received $(jq -r .cluster.ops_recv <<<"$a")" <<<"$t" ||
		c_die "node $i: stats text cpg counters: $t"
	# Our messages' ordering time: one sample per message sent, at
	# most (a message may still be on its way back).
	o=$(jq -c .cluster.order <<<"$a")
	jq -e --argjson s "$(jq .cluster.msgs_sent <<<"$a")" '.count > 0 and .count <= $s and
		.p50_us <= .p99_us and .p99_us <= .max_us and .mean_us <= .max_us and .max_us > 0' <<<"$o" >/dev/null ||
		c_die "node $i: ordering stats $o"
	grep -qE "^our messages, multicast to delivery back: $(jq .count <<<"$o")  p50_us<= [0-9]+  p99_us<= [0-9]+  mean_us [0-9]+  max_us [0-9]+\$" <<<"$t" ||
		c_die "node $i: stats text ordering line: $t"
	h_log "node $i stats: $(jq -c '{ops_submitted, ops_delivered, mark: .requests.MARK_REGION.count, cpg: .cluster}' <<<"$a")"
done

# ---- stats --reset: the reply has the figures, the next stats starts at 0 ----
a=$(h_cmirrorctl 1 --json stats) || c_die "stats"
r=$(h_cmirrorctl 1 --reset --json stats) || c_die "stats --reset"
[ "$(jq -c .requests <<<"$r")" = "$(jq -c .requests <<<"$a")" ] ||
	c_die "stats --reset did not show the figures: $(jq -c .requests <<<"$r") vs $(jq -c .requests <<<"$a")"
z=$(h_cmirrorctl 1 --json stats) || c_die "stats after reset"
jq -e '(.requests | length) == 0 and .ops_submitted == 0 and .ops_delivered == 0 and
	.cluster.msgs_sent == 0 and .cluster.order.count == 0 and .kernel.requests == 0 and
	.kernel.replies == 0' <<<"$z" >/dev/null ||
	c_die "stats after --reset not zero: $(jq -c . <<<"$z")"
out=$(c_ksim 1 core --seed 11 run --no-up --writes 10 --burst 1 --mode mark 2>&1) ||
	c_die "node 1: writes after reset: $out"
z=$(h_cmirrorctl 1 --json stats) || c_die "stats after reset and writes"
jq -e '.requests.FLUSH.count > 0 and .ops_submitted > 0 and .cluster.order.count > 0' <<<"$z" >/dev/null ||
	c_die "stats after --reset and writes: $(jq -c . <<<"$z")"
h_log "after --reset and 10 writes: $(jq -c '{f: .requests.FLUSH.count, order: .cluster.order}' <<<"$z")"

# ---- marks in the picture while a writer holds them ----
c_ksim_bg 2 core w2 --seed 7 run --no-up --writes 0 --burst 3 --mode mark --lazy-clear 8
c_wait_progress core 2 20 w2 || exit 1
wait_detail 1 core '^dirty [1-9]' 30 || exit 1
wait_detail 1 core '^marks [0-9]+: .*node 2: [1-9]' 30 || exit 1
h_log "while node 2 writes: $(detail 1 core | grep -E '^(dirty|marks)' | tr '\n' ';')"
kill -TERM "${C_PID[w2]}"
c_ksim_wait w2 || exit 1
wait_detail 1 core '^dirty 0:' 30 || exit 1
c_wait_converged core 30 1 2 3 || exit 1
h_log "writer stopped: $(detail 1 core | grep -E '^(dirty|marks)' | tr '\n' ';')"

# ---- dump and config ----
h_cmirrorctl 3 status >/dev/null || c_die "status"
d=$(h_cmirrorctl 3 dump) || c_die "dump"
[ -n "$d" ] || c_die "empty debug ring"
grep -q "control: uid 0 pid [0-9]*: status" <<<"$d" || c_die "no status request in the ring: $(tail -5 <<<"$d")"
n=$(h_cmirrorctl 3 --json dump | jq '.ring | length') || c_die "dump --json"
[ "$n" -gt 0 ] || c_die "dump --json: empty ring"
h_log "debug ring: $(wc -l <<<"$d") lines (json $n)"
cj=$(h_cmirrorctl 1 --json config) || c_die "config --json"
[ "$(jq -r '."control-socket" | "\(.value) \(.source)"' <<<"$cj")" = "$(h_ctl_sock 1) cli" ] ||
	c_die "config control-socket: $(jq -c '."control-socket"' <<<"$cj")"
[ "$(jq -r '."cpg-prefix" | "\(.value) \(.source)"' <<<"$cj")" = "cmirror: default" ] ||
	c_die "config cpg-prefix: $(jq -c '."cpg-prefix"' <<<"$cj")"
grep -qE "^cpg-prefix = \"?cmirror:\"? +# default$" <<<"$(h_cmirrorctl 1 config)" || c_die "config text"

# ---- node 3 holds a disk-log recovery slot, then dies ----
c_ksim_bg 3 disk r3 resync --hold-after 3
end=$((SECONDS + 60))
until rec=$(grep -m1 '^H ' "$H_DIR/state-disk/journal.n3" 2>/dev/null); do
	kill -0 "${C_PID[r3]}" 2>/dev/null || c_die "node 3's resync ended without holding a slot"
	[ $SECONDS -lt $end ] || c_die "node 3 never held a slot"
	sleep "$H_POLL"
done
held=${rec#H }
for i in 1 2 3; do
	until [ "$(c_field "$i" disk 'recovering|if . then "\(.node) \(.region)" else "" end')" = "3 $held" ]; do
		[ $SECONDS -lt $end ] || c_die "node $i never shows node 3 recovering $held"
		sleep "$H_POLL"
	done
	has "$(block "$(h_cmirrorctl "$i" status)" cl-disk)" "  recovering region $held (node 3)" ||
		c_die "node $i: status text without the recovering region"
done
h_log "every node shows node 3 recovering disk region $held"

h_kill_cmirrord 3 KILL || exit 1
c_kill_bg r3
end=$((SECONDS + 30))
for i in 1 2; do
	for lg in core disk; do
		until [ "$(c_field "$i" "$lg" 'members|map(tostring)|join(" ")')" = "1 2" ]; do
			[ $SECONDS -lt $end ] || c_die "node $i $lg: members still $(c_field "$i" "$lg" members)"
			sleep "$H_POLL"
		done
	done
	b=$(block "$(h_cmirrorctl "$i" status)" cl-disk)
	has "$b" "  members 1 2" || c_die "node $i: status text members: $b"
	[ "$(c_field "$i" disk 'recovering.node // 0')" != 3 ] || c_die "node $i: node 3's slot kept"
done
ctl_rc 2 3 status || exit 1
h_log "node 3 gone from the survivors' members; its cmirrorctl exits 2"

c_resync_all 1 disk || exit 1
c_wait_converged disk 30 1 2 || exit 1
for i in 1 2; do check_status "$i" 1,2 || exit 1; done
[ "$(c_field 1 disk sync_count)" = "$C_REGIONS" ] || c_die "disk not in sync after resync"
for lg in core disk; do
	for i in 1 2; do c_down "$i" "$lg" || exit 1; done
done
[ "$(h_cmirrorctl 1 --json status | jq '.logs|length')" = 0 ] || c_die "logs left after down"
h_log "PASS"
exit 0
