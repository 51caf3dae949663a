# fragment: lib/core.mk
# The replicated region state machine (apply, node loss, merge, disk load,
# invariant check).  bitmap.c and rlog_ctr.c come from lib/ckpt.mk.
lib_libcmirror_a_SOURCES += lib/rlog.c lib/rlog_merge.c lib/rlog_status.c
noinst_HEADERS += lib/rlog_sm.h
