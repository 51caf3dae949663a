# fragment: daemons/cmirrord/disk.mk
# dm-log disk format (pure codec in lib/) and the log-device I/O worker.
lib_libcmirror_a_SOURCES += lib/disklog.c

if HAVE_CMOCKA
check_PROGRAMS += test_disklog
TESTS += test_disklog
test_disklog_SOURCES = test/unit/test_disklog.c lib/disklog.c lib/bitmap.c
test_disklog_CFLAGS = $(UNITTEST_FLAGS)
test_disklog_LDADD = $(CMOCKA_LIBS)
endif
