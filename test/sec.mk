# fragment: test/sec.mk
# Reliability and security checks: netlink sender policy, no shell-outs,
# fuzz seed generators.
noinst_HEADERS += daemons/cmirrord/kernel_policy.h daemons/cmirrord/rx_bound.h
EXTRA_DIST += test/fuzz/fuzz_disklog.c test/fuzz/fuzz_ctlproto.c test/fuzz/fuzz_ctr.c \
	test/fuzz/regress/disklog
EXTRA_DIST += test/check_no_shellout.sh test/fuzz/gen_wire_seeds.c \
	test/fuzz/corpus
TESTS += test/check_no_shellout.sh

if HAVE_CMOCKA
check_PROGRAMS += test_kernel_policy test_rx_bound
TESTS += test_kernel_policy test_rx_bound
test_rx_bound_SOURCES = test/unit/test_rx_bound.c
test_rx_bound_CFLAGS = $(UNITTEST_FLAGS)
test_rx_bound_LDADD = $(CMOCKA_LIBS)
test_kernel_policy_SOURCES = test/unit/test_kernel_policy.c lib/ulog.c \
	lib/ulog_ops.c
test_kernel_policy_CFLAGS = $(UNITTEST_FLAGS)
test_kernel_policy_LDADD = $(CMOCKA_LIBS)
endif
