// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for daemons/cmirrord/options.c: CLI > file > default. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"

struct fixture {
	char dir[64];
	char conf[128];
	char errfile[128];
	char text[8192];	/* captured stderr/stdout */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/test_options.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->conf, sizeof(f->conf), "%s/c.conf", f->dir);
	snprintf(f->errfile, sizeof(f->errfile), "%s/out", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->conf);
	unlink(f->errfile);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_conf(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->conf, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Run options_load with stdout/stderr captured into f->text. */
static int load(struct fixture *f, struct cmirrord_opts *o, ...)
{
	char *argv[32] = { "cmirrord" };
	int argc = 1, r, fd, saved_out, saved_err;
	ssize_t n;
	va_list ap;

	va_start(ap, o);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	fd = open(f->errfile, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	r = options_load(argc, argv, o);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	n = pread(fd, f->text, sizeof(f->text) - 1, 0);
	f->text[n > 0 ? n : 0] = '\0';
	close(fd);
	return r;
}

static void test_options_defaults(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;

	write_conf(f, "# empty\n");
	assert_int_equal(load(f, &o, "-c", f->conf, NULL), 0);
	assert_false(o.foreground);
	assert_false(o.no_cluster);
	assert_string_equal(o.pid_file, RUNSTATEDIR "/cmirrord.pid");
	assert_string_equal(o.control_socket, RUNSTATEDIR "/cmirrord.sock");
	assert_string_equal(o.kernel_socket, "");
	assert_string_equal(o.config_file, f->conf);
	assert_int_equal(o.node_id, 1);
	assert_int_equal(o.log_level, LOG_INFO);
	assert_int_equal(o.log_facility, LOG_DAEMON);
	assert_string_equal(o.cpg_prefix, "cmirror:");
	assert_int_equal(o.batch_max_ops, 64);
	assert_int_equal(o.clear_delay_ms, 50);
	assert_int_equal(o.retry_ms, 10);
	assert_true(o.require_quorum);
	assert_int_equal(o.orphan_timeout_s, 600);
	assert_true(o.shared_stream);
}

/* A switch on the command line: --NAME turns it on, --NAME=no off (the
 * only way to turn off one that is on by default or in the file), -X on;
 * any other word is refused. */
static void test_options_switch_values(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;

	write_conf(f, "shared-stream = no\n");
	assert_int_equal(load(f, &o, "-c", f->conf, NULL), 0);
	assert_false(o.shared_stream);
	assert_int_equal(load(f, &o, "-c", f->conf, "--shared-stream", NULL),
			 0);
	assert_true(o.shared_stream);
	write_conf(f, "# empty\n");
	assert_int_equal(load(f, &o, "-c", f->conf, "--shared-stream=no",
			      NULL), 0);
	assert_false(o.shared_stream);
	assert_int_equal(load(f, &o, "-c", f->conf, "--shared-stream=no",
			      "--shared-stream=yes", NULL), 0);
	assert_true(o.shared_stream);
	assert_int_equal(load(f, &o, "-c", f->conf, "--foreground=no", "-f",
			      NULL), 0);
	assert_true(o.foreground);
	assert_int_equal(load(f, &o, "-c", f->conf, "--foreground=yes",
			      "--foreground=no", NULL), 0);
	assert_false(o.foreground);
	assert_int_equal(load(f, &o, "-c", f->conf, "--shared-stream=maybe",
			      NULL), -EINVAL);
	assert_non_null(strstr(f->text, "--shared-stream"));
	/* The separate word after a switch is an argument, not its value. */
	assert_int_equal(load(f, &o, "-c", f->conf, "--shared-stream", "no",
			      NULL), -EINVAL);
}

static void test_options_cli_over_file_over_default(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;
	char dump[4096];

	write_conf(f, "retry-ms = 20\nbatch_max_ops = 32\nclear-delay-ms = 0\n"
		   "log-level = debug\nquorum = ignore\n"
		   "cpg-prefix = \"my pfx:\"\n");
	assert_int_equal(load(f, &o, "--retry-ms", "30", "-c", f->conf,
			      "-f", "--syslog-facility=local3", NULL), 0);
	assert_int_equal(o.retry_ms, 30);		/* cli beats file */
	assert_int_equal(o.batch_max_ops, 32);		/* file */
	assert_int_equal(o.clear_delay_ms, 0);		/* 0 is valid: off */
	assert_int_equal(o.orphan_timeout_s, 600);	/* default */
	assert_int_equal(o.log_level, LOG_DEBUG);
	assert_int_equal(o.log_facility, LOG_LOCAL3);
	assert_false(o.require_quorum);
	assert_true(o.foreground);
	assert_string_equal(o.cpg_prefix, "my pfx:");

	assert_true(options_dump(&o, dump, sizeof(dump)) > 0);
	assert_non_null(strstr(strstr(dump, "retry-ms = 30"), "# cli\n"));
	assert_non_null(strstr(strstr(dump, "batch-max-ops = 32"), "# file\n"));
	assert_non_null(strstr(strstr(dump, "orphan-timeout = 600"),
			       "# default\n"));
	assert_non_null(strstr(dump, "quorum = ignore"));
	assert_non_null(strstr(dump, "log-level = debug"));
	assert_non_null(strstr(dump, "cpg-prefix = my pfx:"));
}

static void test_options_unknown_key_names_file_line(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;
	char want[256];

	write_conf(f, "retry-ms = 20\n\nbogus = 1\n");
	assert_int_equal(load(f, &o, "-c", f->conf, NULL), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: unknown key 'bogus'", f->conf);
	assert_non_null(strstr(f->text, want));
}

static void test_options_bad_value(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;
	char want[256];

	write_conf(f, "node-id = 0\n");
	assert_int_equal(load(f, &o, "-c", f->conf, NULL), -EINVAL);
	snprintf(want, sizeof(want), "%s:1: bad value '0' for 'node-id'",
		 f->conf);
	assert_non_null(strstr(f->text, want));

	write_conf(f, "\n");
	assert_int_equal(load(f, &o, "-c", f->conf, "--batch-max-ops", "lots",
			      NULL), -EINVAL);
	assert_non_null(strstr(f->text, "--batch-max-ops: bad value 'lots'"));
	assert_int_equal(load(f, &o, "-c", f->conf, "--log-level", "loud",
			      NULL), -EINVAL);
	assert_non_null(strstr(f->text, "err|warning|notice|info|debug"));
}

static void test_options_config_errors(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;
	char missing[160];

	/* An explicit -c that does not exist is an error. */
	snprintf(missing, sizeof(missing), "%s/nope.conf", f->dir);
	assert_int_equal(load(f, &o, "-c", missing, NULL), -ENOENT);
	assert_non_null(strstr(f->text, "cannot read"));
	/* The file cannot name another file. */
	write_conf(f, "config = /etc/other.conf\n");
	assert_int_equal(load(f, &o, "-c", f->conf, NULL), -EINVAL);
	assert_non_null(strstr(f->text, "command line"));
	/* A socket path must fit sockaddr_un. */
	write_conf(f, "kernel-socket = /tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	assert_int_equal(load(f, &o, "-c", f->conf, NULL), -EINVAL);
}

static void test_options_cli_errors(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;

	write_conf(f, "\n");
	assert_int_equal(load(f, &o, "-c", f->conf, "--no-such-option", NULL),
			 -EINVAL);
	assert_int_equal(load(f, &o, "-c", f->conf, "extra", NULL), -EINVAL);
	assert_non_null(strstr(f->text, "unexpected argument 'extra'"));
	assert_int_equal(load(f, &o, "-c", f->conf, "--node-id", NULL),
			 -EINVAL);
}

static void test_options_help_and_version(void **state)
{
	struct fixture *f = *state;
	struct cmirrord_opts o;

	assert_int_equal(load(f, &o, "-h", NULL), 1);
	assert_non_null(strstr(f->text, "-f, --foreground"));
	assert_non_null(strstr(f->text, "--kernel-socket=PATH"));
	/* A switch that is on by default says so and how to turn it off. */
	assert_non_null(strstr(f->text, "--shared-stream[=no]"));
	assert_non_null(strstr(strstr(f->text, "--shared-stream[=no]"),
			       "(default: yes)"));
	assert_null(strstr(f->text, "--foreground[=no]"));
	assert_non_null(strstr(f->text, "-V, --version"));
	assert_int_equal(load(f, &o, "--version", NULL), 1);
	assert_string_equal(f->text, "cmirrord " PACKAGE_VERSION "\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_options_defaults),
		T(test_options_switch_values),
		T(test_options_cli_over_file_over_default),
		T(test_options_unknown_key_names_file_line),
		T(test_options_bad_value),
		T(test_options_config_errors),
		T(test_options_cli_errors),
		T(test_options_help_and_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
