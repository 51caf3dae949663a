#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# t-cluster-writer-frozen.sh - the disk writer stops answering while a FLUSH
# waits for its commit, then dies; the new writer commits that FLUSH with
# no further request to prompt it.
#  - a clustered-disk log on a shared file, in sync, on 3 nodes; node 1 (the
#    lowest id) writes the log device;
#  - node 1's daemon is frozen (SIGSTOP);
#  - node 2's simulator writes once (mark + integrated FLUSH) and is given
#    20 s before it would resend: node 2 applies the FLUSH (its generation
#    moves) and keeps the request pending, since node 1 neither
#    acknowledges nor commits;
#  - node 1's daemon is killed: node 2 becomes the writer, writes the log
#    device and answers the FLUSH.  The simulator must exit cleanly with
#    no resend (retries=0): a resend would be a new FLUSH, which would hide
#    a writer change that does not by itself start the commit (the disk
#    hook only looks at logs whose disk state changed);
#  - replicas of nodes 2 and 3 converge; the region is in sync and the log
#    device was written by node 2.
# Exit: 0 pass, 1 fail, 77 skip.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=cluster-common.sh
. "$here/cluster-common.sh"

lg=disk
c_disk_writer_setup || exit 1
gen=$(c_field 2 $lg generation)
h_log "disk log up and in sync on 3 nodes, generation $gen, writer node 1"

kill -STOP "$(h__pid 1 cmirrord)" || c_die "cannot freeze node 1's daemon"
c_ksim_bg 2 $lg f2 --seed 2 --timeout-ms 20000 run --no-up --writes 1 \
	--regions 0:0 --no-resync
c_wait_json 2 $lg ".generation > $gen and .pending >= 1" || exit 1
h_log "node 2: $(c_json 2 $lg | jq -c '{generation, pending, disk_writer}') while node 1 is frozen"

h_kill_cmirrord 1 KILL || exit 1
c_wait_json 2 $lg '.disk_writer == 2' || exit 1
c_ksim_wait f2 || exit 1
case $(cat "$H_DIR/ksim-f2.out") in
*" retries=0 "*) ;;
*) c_die "node 2's FLUSH was answered only after a resend: $(cat "$H_DIR/ksim-f2.out")" ;;
esac
h_log "node 2 took over as the writer and answered the waiting FLUSH"

c_wait_converged $lg 30 2 3 || exit 1
writes=$(h_cmirrorctl 2 log "${C_UUID[$lg]}" | sed -n 's/.* writes \([0-9]*\) .*/\1/p')
[ "${writes:-0}" -ge 1 ] || c_die "node 2 never wrote the log device (writes ${writes:-?})"
for i in 2 3; do
	v=$(c_ksim "$i" $lg query in_sync 0) || c_die "node $i: in_sync 0"
	[ "$v" = 1 ] || c_die "node $i: region 0 in_sync $v after the write"
done
for i in 2 3; do c_down "$i" $lg || exit 1; done
h_log "PASS"
exit 0
