# Operator surface: control socket, cmirrorctl, man page, systemd unit.
cmirrord_SOURCES += daemons/cmirrord/control.c lib/ctlproto.c
# (cmirrorctl_LDADD, lib/libcmirror.a, is set in Makefile.am; the tool
# needs nothing from it beyond the codec listed here.)
cmirrorctl_SOURCES += tools/cmirrorctl.c lib/ctlproto.c
noinst_HEADERS += daemons/cmirrord/control.h include/cmirror/ctlproto.h
dist_man_MANS += doc/cmirrorctl.8

# systemd unit, generated here (not by configure) so "make
# sbindir=..." overrides apply.  Type=notify when built with libsystemd.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = systemd/cmirrord.service
if HAVE_SYSTEMD
OPS_UNIT_SED = -e '/^[@]FORKING[@]/d' -e 's/^[@]NOTIFY[@]//' \
	-e 's/[@]type[@]/notify/' -e 's/[@]fgflag[@]/ -f/'
else
OPS_UNIT_SED = -e '/^[@]NOTIFY[@]/d' -e 's/^[@]FORKING[@]//' \
	-e 's/[@]type[@]/forking/' -e 's/[@]fgflag[@]//'
endif
systemd/cmirrord.service: $(top_srcdir)/systemd/cmirrord.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed $(OPS_UNIT_SED) -e 's|[@]sbindir[@]|$(sbindir)|g' \
		-e 's|[@]runstatedir[@]|$(runstatedir)|g' \
		$(top_srcdir)/systemd/cmirrord.service.in > $@.tmp && \
	mv $@.tmp $@
MOSTLYCLEANFILES = systemd/cmirrord.service systemd/cmirrord.service.tmp
EXTRA_DIST += systemd/cmirrord.service.in test/check_unit.sh
# `systemd-analyze verify` on the generated unit (77 = skipped without it).
TESTS += test/check_unit.sh

if HAVE_CMOCKA
check_PROGRAMS += test_ctlproto test_control
TESTS += test_ctlproto test_control
test_ctlproto_SOURCES = test/unit/test_ctlproto.c lib/ctlproto.c
test_ctlproto_CFLAGS = $(UNITTEST_FLAGS)
test_ctlproto_LDADD = $(CMOCKA_LIBS)
# The real control socket, loop and logging; logs_* and options_dump are
# stubs inside the test.
test_control_SOURCES = test/unit/test_control.c daemons/cmirrord/control.c \
	daemons/cmirrord/loop.c daemons/cmirrord/logging.c lib/ctlproto.c
test_control_CFLAGS = $(UNITTEST_FLAGS)
test_control_LDADD = $(CMOCKA_LIBS)
endif

# The annotated example configuration (every key at its default) goes with
# the documentation, not to $(sysconfdir): an installed /etc/cmirrord.conf
# would be overwritten by the next install, and a missing file already
# means "defaults".
dist_doc_DATA = cmirrord.conf.example
