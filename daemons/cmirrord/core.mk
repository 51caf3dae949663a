# Log registry, disk writer, single-node transport (lead).
cmirrord_SOURCES += daemons/cmirrord/logs.c daemons/cmirrord/logs_disk.c \
	daemons/cmirrord/logs_marks.c daemons/cmirrord/logs_replica.c \
	daemons/cmirrord/logs_reply.c daemons/cmirrord/logs_index.c \
	daemons/cmirrord/logs_dump.c daemons/cmirrord/solo.c
noinst_HEADERS += daemons/cmirrord/logs.h daemons/cmirrord/logs_int.h \
	daemons/cmirrord/group.h daemons/cmirrord/kernel.h \
	daemons/cmirrord/loop.h daemons/cmirrord/logging.h \
	daemons/cmirrord/options.h daemons/cmirrord/qlist.h \
	include/cmirror/bitmap.h \
	include/cmirror/ulog.h include/cmirror/rlog.h include/cmirror/disklog.h

# Benchmarks (make bench): raw CPG baseline + cmirrord via the simulator.
noinst_PROGRAMS += cpg-bench
cpg_bench_SOURCES = bench/cpg_bench.c
cpg_bench_CFLAGS = $(AM_CFLAGS) $(CPG_CFLAGS) -O2
cpg_bench_LDADD = $(CPG_LIBS)
# The architecture's floor: a daemon that only relays FLUSHes through CPG.
noinst_PROGRAMS += cpg-relay
cpg_relay_SOURCES = bench/cpg_relay.c
cpg_relay_CFLAGS = $(AM_CFLAGS) $(CPG_CFLAGS) -O2
cpg_relay_LDADD = lib/libcmirror.a $(CPG_LIBS)
EXTRA_DIST += test/fuzz/run.sh

if HAVE_CMOCKA
check_PROGRAMS += test_logs_marks
TESTS += test_logs_marks
test_logs_marks_SOURCES = test/unit/test_logs_marks.c \
	daemons/cmirrord/logs_marks.c
test_logs_marks_CFLAGS = $(UNITTEST_FLAGS)
test_logs_marks_LDADD = lib/libcmirror.a $(CMOCKA_LIBS)
endif
