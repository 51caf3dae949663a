// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The request type table (see ulog.h).  Input sizes are exactly what
 * dm-log-userspace sends (kernel-dm-ulog.md section 3); anything else is
 * rejected by the parser, so handlers can read fixed payloads without
 * re-checking.
 */
#include "config.h"

#include "cmirror/ulog.h"

/* Largest region array: the kernel groups marks/clears (and integrated
 * FLUSH marks) by MAX_FLUSH_GROUP_COUNT, although its 332-byte buffer
 * would hold 41.  Everything downstream is sized for 32. */
#define REGIONS_MAX	(ULOG_MAX_REGIONS * 8u)

_Static_assert(REGIONS_MAX <= ULOG_MAX_PAYLOAD, "region array fits a frame");

const struct ulog_op_desc ulog_ops[ULOG_NR_TYPES + 1] = {
	[DM_ULOG_CTR] = {
		/* "<sectors> <type> <args...>": never empty (the length
		 * is always there); the NUL is only sent on reconnect. */
		.name = "CTR", .min_in = 1, .max_in = ULOG_MAX_PAYLOAD,
		.out_size = ULOG_CTR_REPLY_MAX, .route = ULOG_ROUTE_LIFECYCLE,
		.flags = ULOG_F_STRING_IN | ULOG_F_STRING_OUT,
	},
	[DM_ULOG_DTR] = {
		/* The kernel header mentions args; the code sends none. */
		.name = "DTR", .route = ULOG_ROUTE_LIFECYCLE,
	},
	[DM_ULOG_PRESUSPEND] = {
		.name = "PRESUSPEND", .route = ULOG_ROUTE_LIFECYCLE,
	},
	[DM_ULOG_POSTSUSPEND] = {
		/* Leaves the disk state committed. */
		.name = "POSTSUSPEND", .route = ULOG_ROUTE_LIFECYCLE,
		.flags = ULOG_F_DURABLE,
	},
	[DM_ULOG_RESUME] = {
		.name = "RESUME", .route = ULOG_ROUTE_LIFECYCLE,
	},
	[DM_ULOG_GET_REGION_SIZE] = {
		.name = "GET_REGION_SIZE", .out_size = 8,
		.route = ULOG_ROUTE_LOCAL,
	},
	[DM_ULOG_IS_CLEAN] = {
		.name = "IS_CLEAN", .min_in = 8, .max_in = 8, .out_size = 8,
		.route = ULOG_ROUTE_LOCAL,
	},
	[DM_ULOG_IN_SYNC] = {
		.name = "IN_SYNC", .min_in = 8, .max_in = 8, .out_size = 8,
		.route = ULOG_ROUTE_LOCAL,
	},
	[DM_ULOG_FLUSH] = {
		/* Empty, or the marks of an integrated flush. */
		.name = "FLUSH", .min_in = 0, .max_in = REGIONS_MAX,
		.route = ULOG_ROUTE_ORDERED,
		.flags = ULOG_F_REGIONS | ULOG_F_DURABLE,
	},
	[DM_ULOG_MARK_REGION] = {
		.name = "MARK_REGION", .min_in = 8, .max_in = REGIONS_MAX,
		.route = ULOG_ROUTE_ORDERED, .flags = ULOG_F_REGIONS,
	},
	[DM_ULOG_CLEAR_REGION] = {
		.name = "CLEAR_REGION", .min_in = 8, .max_in = REGIONS_MAX,
		.route = ULOG_ROUTE_ORDERED,
		.flags = ULOG_F_REGIONS | ULOG_F_ANSWER_QUEUED,
	},
	[DM_ULOG_GET_RESYNC_WORK] = {
		/* Reply {s64 i; u64 r}. */
		.name = "GET_RESYNC_WORK", .out_size = 16,
		.route = ULOG_ROUTE_ORDERED,
	},
	[DM_ULOG_SET_REGION_SYNC] = {
		/* Input {u64 region; s64 in_sync}: the reverse order of
		 * GET_RESYNC_WORK's reply. */
		.name = "SET_REGION_SYNC", .min_in = 16, .max_in = 16,
		.route = ULOG_ROUTE_ORDERED,
	},
	[DM_ULOG_GET_SYNC_COUNT] = {
		.name = "GET_SYNC_COUNT", .out_size = 8,
		.route = ULOG_ROUTE_LOCAL,
	},
	[DM_ULOG_STATUS_INFO] = {
		.name = "STATUS_INFO", .out_size = ULOG_MAX_PAYLOAD,
		.route = ULOG_ROUTE_LOCAL, .flags = ULOG_F_STRING_OUT,
	},
	[DM_ULOG_STATUS_TABLE] = {
		/* Never sent by current kernels; answered anyway. */
		.name = "STATUS_TABLE", .out_size = ULOG_MAX_PAYLOAD,
		.route = ULOG_ROUTE_LOCAL, .flags = ULOG_F_STRING_OUT,
	},
	[DM_ULOG_IS_REMOTE_RECOVERING] = {
		/* Input u64 region; reply {s64 is_recovering; u64 hint}.
		 * Ordered: the hint depends on other nodes' recovery. */
		.name = "IS_REMOTE_RECOVERING", .min_in = 8, .max_in = 8,
		.out_size = 16, .route = ULOG_ROUTE_ORDERED,
	},
};

const struct ulog_op_desc *ulog_op(uint32_t type)
{
	if (type == 0 || type > ULOG_NR_TYPES)
		return NULL;
	return &ulog_ops[type];
}

const char *ulog_type_name(uint32_t type)
{
	const struct ulog_op_desc *d = ulog_op(type);

	return d ? d->name : "UNKNOWN";
}
