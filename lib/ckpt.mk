# fragment: lib/ckpt.mk
# Bit sets, CTR parsing and the rlog life cycle, the checkpoint codec and
# the human dump.
lib_libcmirror_a_SOURCES += lib/bitmap.c lib/rlog_ctr.c lib/rlog_ckpt.c \
	lib/rlog_dump.c lib/crc32c.c
noinst_HEADERS += include/cmirror/crc32c.h
EXTRA_DIST += test/fuzz/fuzz_ckpt.c test/fuzz/corpus/ckpt test/fuzz/regress/ckpt \
	test/fuzz/gen_ckpt_seeds.c

if HAVE_CMOCKA
check_PROGRAMS += test_bitmap test_rlog_ctr test_rlog_ckpt test_crc32c
TESTS += test_bitmap test_rlog_ctr test_rlog_ckpt test_crc32c
test_crc32c_SOURCES = test/unit/test_crc32c.c lib/crc32c.c
test_crc32c_CFLAGS = $(UNITTEST_FLAGS)
test_crc32c_LDADD = $(CMOCKA_LIBS)
test_bitmap_SOURCES = test/unit/test_bitmap.c lib/bitmap.c
test_bitmap_CFLAGS = $(UNITTEST_FLAGS)
test_bitmap_LDADD = $(CMOCKA_LIBS)
test_rlog_ctr_SOURCES = test/unit/test_rlog_ctr.c lib/rlog_ctr.c lib/bitmap.c
test_rlog_ctr_CFLAGS = $(UNITTEST_FLAGS)
test_rlog_ctr_LDADD = $(CMOCKA_LIBS)
test_rlog_ckpt_SOURCES = test/unit/test_rlog_ckpt.c lib/rlog_ckpt.c lib/crc32c.c \
	lib/rlog_dump.c lib/rlog_ctr.c lib/bitmap.c
test_rlog_ckpt_CFLAGS = $(UNITTEST_FLAGS)
test_rlog_ckpt_LDADD = $(CMOCKA_LIBS)
endif
