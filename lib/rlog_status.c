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
#include <stdbool.h>
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

static const char *type_name(const struct rlog_params *p)
{
	return p->kind == RLOG_DISK ? "clustered-disk" : "clustered-core";
}

/* dm-log's INFO with the clustered type name: "1 clustered-core" or
 * "3 clustered-disk <dev> <A|D|F>" (F takes precedence over D). */
static int status_info(const struct rlog_params *p, bool flush_failed,
		       bool dev_failed, struct rlog_result *res)
{
	size_t pos = 0;
	int e;

	if (p->kind == RLOG_DISK)
		e = out_printf(res, &pos, "3 %s %s %c", type_name(p), p->dev,
			       flush_failed ? 'F' : dev_failed ? 'D' : 'A');
	else
		e = out_printf(res, &pos, "1 %s", type_name(p));
	if (e)
		return e;
	res->out_len = (uint32_t)pos + 1;	/* the NUL is part of it */
	return 0;
}

/* dm-log's TABLE: "<type> <argc> [<dev> ]<region_size> [sync |nosync ]"
 * plus our userspace-only "block_on_error " (counted in argc). */
static int status_table(const struct rlog_params *p, struct rlog_result *res)
{
	unsigned int argc = p->kind == RLOG_DISK ? 2 : 1;
	size_t pos = 0;
	int e;

	argc += (p->sync != RLOG_SYNC_DEFAULT) + p->block_on_error;
	e = out_printf(res, &pos, "%s %u ", type_name(p), argc);
	if (!e && p->kind == RLOG_DISK)
		e = out_printf(res, &pos, "%s ", p->dev);
	if (!e)
		e = out_printf(res, &pos, "%" PRIu64 " ", p->region_size);
	if (!e && p->sync == RLOG_SYNC_FORCE)
		e = out_printf(res, &pos, "sync ");
	if (!e && p->sync == RLOG_SYNC_NONE)
		e = out_printf(res, &pos, "nosync ");
	if (!e && p->block_on_error)
		e = out_printf(res, &pos, "block_on_error ");
	if (e)
		return e;
	res->out_len = (uint32_t)pos + 1;
	return 0;
}

int rlog_sm_status_info(const struct rlog *l, struct rlog_result *res)
{
	return status_info(&l->p, l->flush_failed, l->log_dev_failed, res);
}

int rlog_sm_status_table(const struct rlog *l, struct rlog_result *res)
{
	return status_table(&l->p, res);
}

int rlog_status_of_params(const struct rlog_params *p, uint32_t type,
			  struct rlog_result *res)
{
	res->out_len = 0;
	if (type == DM_ULOG_STATUS_INFO)
		return status_info(p, false, false, res);
	if (type == DM_ULOG_STATUS_TABLE)
		return status_table(p, res);
	return -EINVAL;
}
