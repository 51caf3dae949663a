# fragment: tools/tools.mk
# cmirror-ksim: the kernel simulator (dm-log-userspace + dm-raid1) that
# drives cmirrord's seqpacket test transport in the integration tests.
# It lists the codec sources directly, so it never depends on the rest of
# lib/libcmirror.a.
noinst_PROGRAMS += cmirror-ksim
cmirror_ksim_SOURCES = tools/ksim_main.c tools/ksim_conn.c \
	tools/ksim_data.c tools/ksim_run.c tools/ksim_cmds.c \
	lib/ulog.c lib/ulog_ops.c
noinst_HEADERS += tools/ksim.h
