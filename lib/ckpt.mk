# fragment: lib/ckpt.mk
# Bit sets, CTR parsing, the checkpoint codec and the human dump.
lib_libcmirror_a_SOURCES += lib/bitmap.c

if HAVE_CMOCKA
check_PROGRAMS += test_bitmap
TESTS += test_bitmap
test_bitmap_SOURCES = test/unit/test_bitmap.c lib/bitmap.c
test_bitmap_CFLAGS = $(UNITTEST_FLAGS)
test_bitmap_LDADD = $(CMOCKA_LIBS)
endif
