/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * STATUS_INFO / STATUS_TABLE replies: what the kernel's dm-log core/disk
 * logs print (kernel-dm-ulog.md section 4), with the type names a clustered
 * userspace log reports.  The strings are NUL-terminated and out_len counts
 * the NUL: the kernel copies data_size bytes into the status line as is.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "cmirror/rlog.h"
#include "rlog_sm.h"

/* Append to a NUL-terminated reply; -ENOSPC when it would not fit. */
__attribute__((format(printf, 3, 4)))
static int out_printf(struct rlog_result *res, size_t *pos,
		      const char *fmt, ...)
{
	size_t room = sizeof(res->out) - *pos;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf((char *)res->out + *pos, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -ENOSPC;
	*pos += (size_t)n;
	return 0;
}

static const char *type_name(const struct rlog *l)
{
	return l->p.kind == RLOG_DISK ? "clustered-disk" : "clustered-core";
}

/* dm-log's INFO with the clustered type name: "1 clustered-core" or
 * "3 clustered-disk <dev> <A|D|F>" (F takes precedence over D). */
int rlog_sm_status_info(const struct rlog *l, struct rlog_result *res)
{
	size_t pos = 0;
	int e;

	if (l->p.kind == RLOG_DISK)
		e = out_printf(res, &pos, "3 %s %s %c", type_name(l), l->p.dev,
			       l->flush_failed ? 'F' :
			       l->log_dev_failed ? 'D' : 'A');
	else
		e = out_printf(res, &pos, "1 %s", type_name(l));
	if (e)
		return e;
	res->out_len = (uint32_t)pos + 1;	/* the NUL is part of it */
	return 0;
}

/* dm-log's TABLE: "<type> <argc> [<dev> ]<region_size> [sync |nosync ]"
 * plus our userspace-only "block_on_error " (counted in argc). */
int rlog_sm_status_table(const struct rlog *l, struct rlog_result *res)
{
	unsigned int argc = l->p.kind == RLOG_DISK ? 2 : 1;
	size_t pos = 0;
	int e;

	argc += (l->p.sync != RLOG_SYNC_DEFAULT) + l->p.block_on_error;
	e = out_printf(res, &pos, "%s %u ", type_name(l), argc);
	if (!e && l->p.kind == RLOG_DISK)
		e = out_printf(res, &pos, "%s ", l->p.dev);
	if (!e)
		e = out_printf(res, &pos, "%" PRIu64 " ", l->p.region_size);
	if (!e && l->p.sync == RLOG_SYNC_FORCE)
		e = out_printf(res, &pos, "sync ");
	if (!e && l->p.sync == RLOG_SYNC_NONE)
		e = out_printf(res, &pos, "nosync ");
	if (!e && l->p.block_on_error)
		e = out_printf(res, &pos, "block_on_error ");
	if (e)
		return e;
	res->out_len = (uint32_t)pos + 1;
	return 0;
}
