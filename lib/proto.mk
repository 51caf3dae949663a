# fragment: lib/proto.mk
# Kernel protocol codec: connector frame parse/build and the request table.
lib_libcmirror_a_SOURCES += lib/ulog.c lib/ulog_ops.c
EXTRA_DIST += test/fuzz/fuzz_ulog.c test/fuzz/corpus/ulog

if HAVE_CMOCKA
check_PROGRAMS += test_ulog test_ulog_reply
TESTS += test_ulog test_ulog_reply
test_ulog_SOURCES = test/unit/test_ulog.c test/unit/ulog_frames.h \
	lib/ulog.c lib/ulog_ops.c
test_ulog_CFLAGS = $(UNITTEST_FLAGS)
test_ulog_LDADD = $(CMOCKA_LIBS)
test_ulog_reply_SOURCES = test/unit/test_ulog_reply.c \
	test/unit/ulog_frames.h lib/ulog.c lib/ulog_ops.c
test_ulog_reply_CFLAGS = $(UNITTEST_FLAGS)
test_ulog_reply_LDADD = $(CMOCKA_LIBS)
endif
