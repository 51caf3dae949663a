# fragment: daemons/cmirrord/infra.mk
# Daemon infrastructure: loop, logging, options, pid file, kernel link, main.
cmirrord_SOURCES += daemons/cmirrord/main.c daemons/cmirrord/loop.c \
	daemons/cmirrord/logging.c daemons/cmirrord/options.c \
	daemons/cmirrord/pidfile.c daemons/cmirrord/kernel.c \
	daemons/cmirrord/kernel_txq.c daemons/cmirrord/residency.c
lib_libcmirror_a_SOURCES += lib/cfgparse.c lib/lat_hist.c
noinst_HEADERS += daemons/cmirrord/pidfile.h include/cmirror/cfgparse.h \
	include/cmirror/lat_hist.h \
	daemons/cmirrord/kernel_txq.h daemons/cmirrord/residency.h
dist_man_MANS += doc/cmirrord.8 doc/cmirrord.conf.5
EXTRA_DIST += cmirrord.conf.example test/fuzz/fuzz_cfgparse.c \
	test/check_manpage.sh

# Every option of `cmirrord --help` must appear in the man pages.
TESTS += test/check_manpage.sh

if HAVE_CMOCKA
check_PROGRAMS += test_cfgparse test_loop test_options test_kernel_txq \
	test_qlist test_lat_hist test_residency test_logging
TESTS += test_cfgparse test_loop test_options test_kernel_txq test_qlist \
	test_lat_hist test_residency test_logging
test_logging_SOURCES = test/unit/test_logging.c daemons/cmirrord/logging.c
test_logging_CFLAGS = $(UNITTEST_FLAGS)
test_logging_LDADD = $(CMOCKA_LIBS)
test_residency_SOURCES = test/unit/test_residency.c \
	daemons/cmirrord/residency.c daemons/cmirrord/logging.c
test_residency_CFLAGS = $(UNITTEST_FLAGS)
test_residency_LDADD = $(CMOCKA_LIBS)
test_lat_hist_SOURCES = test/unit/test_lat_hist.c lib/lat_hist.c
test_lat_hist_CFLAGS = $(UNITTEST_FLAGS)
test_lat_hist_LDADD = $(CMOCKA_LIBS)
test_qlist_SOURCES = test/unit/test_qlist.c
test_qlist_CFLAGS = $(UNITTEST_FLAGS)
test_qlist_LDADD = $(CMOCKA_LIBS)
test_cfgparse_SOURCES = test/unit/test_cfgparse.c lib/cfgparse.c
test_cfgparse_CFLAGS = $(UNITTEST_FLAGS)
test_cfgparse_LDADD = $(CMOCKA_LIBS)
test_loop_SOURCES = test/unit/test_loop.c daemons/cmirrord/loop.c
test_loop_CFLAGS = $(UNITTEST_FLAGS)
test_loop_LDADD = $(CMOCKA_LIBS)
test_kernel_txq_SOURCES = test/unit/test_kernel_txq.c \
	daemons/cmirrord/kernel_txq.c
test_kernel_txq_CFLAGS = $(UNITTEST_FLAGS)
test_kernel_txq_LDADD = $(CMOCKA_LIBS)
test_options_SOURCES = test/unit/test_options.c daemons/cmirrord/options.c \
	lib/cfgparse.c
test_options_CFLAGS = $(UNITTEST_FLAGS)
test_options_LDADD = $(CMOCKA_LIBS)
endif
