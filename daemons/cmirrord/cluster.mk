# fragment: daemons/cmirrord/cluster.mk
# Corosync 3 transport (CPG groups, sync protocol, quorum) and the wire codec.
lib_libcmirror_a_SOURCES += lib/wire.c lib/wire_stream.c
cmirrord_SOURCES += daemons/cmirrord/cluster.c daemons/cmirrord/cluster_io.c \
	daemons/cmirrord/cluster_xfer.c \
	daemons/cmirrord/cluster_stable.c daemons/cmirrord/cluster_stream.c \
	daemons/cmirrord/cluster_vtab.c \
	daemons/cmirrord/cluster_sync.c daemons/cmirrord/quorum.c
noinst_HEADERS += include/cmirror/wire.h include/cmirror/wire_stream.h lib/le_bytes.h \
	daemons/cmirrord/cluster_vtab.h daemons/cmirrord/cluster.h \
	daemons/cmirrord/cluster_int.h daemons/cmirrord/cluster_sync.h \
	daemons/cmirrord/quorum.h
# libFuzzer target: clang -fsanitize=fuzzer,address -Iinclude -I. \
#   test/fuzz/fuzz_wire.c lib/wire.c lib/crc32c.c (see the file's header).
EXTRA_DIST += test/fuzz/fuzz_wire.c test/fuzz/fuzz_stream.c

if HAVE_CMOCKA
check_PROGRAMS += test_wire test_cluster_sync test_cluster_stable \
	test_wire_stream test_cluster_vtab
TESTS += test_wire test_cluster_sync test_cluster_stable \
	test_wire_stream test_cluster_vtab
test_wire_stream_SOURCES = test/unit/test_wire_stream.c lib/wire_stream.c
test_wire_stream_CFLAGS = $(UNITTEST_FLAGS)
test_wire_stream_LDADD = $(CMOCKA_LIBS)
test_cluster_vtab_SOURCES = test/unit/test_cluster_vtab.c \
	daemons/cmirrord/cluster_vtab.c daemons/cmirrord/cluster_sync.c \
	lib/wire.c lib/wire_stream.c lib/crc32c.c
test_cluster_vtab_CFLAGS = $(UNITTEST_FLAGS)
test_cluster_vtab_LDADD = $(CMOCKA_LIBS)
test_wire_SOURCES = test/unit/test_wire.c lib/wire.c lib/crc32c.c
test_wire_CFLAGS = $(UNITTEST_FLAGS)
test_wire_LDADD = $(CMOCKA_LIBS)
test_cluster_sync_SOURCES = test/unit/test_cluster_sync.c \
	daemons/cmirrord/cluster_sync.c lib/wire.c lib/crc32c.c
test_cluster_sync_CFLAGS = $(UNITTEST_FLAGS)
test_cluster_sync_LDADD = $(CMOCKA_LIBS)
test_cluster_stable_SOURCES = test/unit/test_cluster_stable.c \
	daemons/cmirrord/cluster_stable.c daemons/cmirrord/cluster_sync.c \
	lib/wire.c lib/crc32c.c
test_cluster_stable_CFLAGS = $(UNITTEST_FLAGS) $(CPG_CFLAGS)
test_cluster_stable_LDADD = $(CMOCKA_LIBS)
endif

# Smoke test against a real corosync (not in TESTS: needs a running
# corosync; see test/integ/cpg_smoke.sh).
check_PROGRAMS += cpg-smoke
cpg_smoke_SOURCES = test/integ/cpg_smoke.c daemons/cmirrord/cluster.c \
	daemons/cmirrord/cluster_io.c daemons/cmirrord/cluster_sync.c \
	daemons/cmirrord/cluster_xfer.c \
	daemons/cmirrord/cluster_stable.c daemons/cmirrord/cluster_stream.c \
	daemons/cmirrord/cluster_vtab.c \
	daemons/cmirrord/quorum.c daemons/cmirrord/loop.c \
	daemons/cmirrord/logging.c lib/wire.c lib/wire_stream.c lib/crc32c.c \
	lib/bitmap.c lib/lat_hist.c
cpg_smoke_CFLAGS = $(AM_CFLAGS) $(CPG_CFLAGS) $(QUORUM_CFLAGS)
cpg_smoke_LDADD = $(CPG_LIBS) $(QUORUM_LIBS)
