# fragment: lib/core.mk
# The replicated region state machine (apply, node loss, merge, disk load,
# invariant check, status strings).  bitmap.c and rlog_ctr.c (rlog_new,
# rlog_free, rlog_clone) come from lib/ckpt.mk.
lib_libcmirror_a_SOURCES += lib/rlog.c lib/rlog_merge.c lib/rlog_status.c
noinst_HEADERS += lib/rlog_sm.h test/unit/rlog_test_util.h

RLOG_TEST_LIB = lib/rlog.c lib/rlog_merge.c lib/rlog_status.c \
	lib/rlog_ctr.c lib/bitmap.c

if HAVE_CMOCKA
check_PROGRAMS += test_rlog test_rlog_state
TESTS += test_rlog test_rlog_state
test_rlog_SOURCES = test/unit/test_rlog.c $(RLOG_TEST_LIB)
test_rlog_CFLAGS = $(UNITTEST_FLAGS)
test_rlog_LDADD = $(CMOCKA_LIBS)
test_rlog_state_SOURCES = test/unit/test_rlog_state.c $(RLOG_TEST_LIB)
test_rlog_state_CFLAGS = $(UNITTEST_FLAGS)
test_rlog_state_LDADD = $(CMOCKA_LIBS)
endif
