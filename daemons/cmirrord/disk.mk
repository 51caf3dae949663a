# fragment: daemons/cmirrord/disk.mk
# dm-log disk format (pure codec in lib/) and the log-device I/O worker.
lib_libcmirror_a_SOURCES += lib/disklog.c
cmirrord_SOURCES += daemons/cmirrord/disk.c
noinst_HEADERS += daemons/cmirrord/disk.h

if HAVE_CMOCKA
check_PROGRAMS += test_disklog test_disk
TESTS += test_disklog test_disk
test_disklog_SOURCES = test/unit/test_disklog.c lib/disklog.c lib/bitmap.c
test_disklog_CFLAGS = $(UNITTEST_FLAGS)
test_disklog_LDADD = $(CMOCKA_LIBS)
# The real loop and logging; temp files (and a loop device when root).
test_disk_SOURCES = test/unit/test_disk.c daemons/cmirrord/disk.c \
	daemons/cmirrord/loop.c daemons/cmirrord/logging.c
test_disk_CFLAGS = $(UNITTEST_FLAGS)
test_disk_LDADD = $(CMOCKA_LIBS) -lpthread
endif
