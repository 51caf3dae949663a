/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may send requests on the netlink connector (least privilege): only
 * the kernel, and only on the device-mapper connector group.  A pure
 * predicate so that the policy is unit tested without a netlink socket
 * (test/unit/test_kernel_policy.c); kernel.c applies it to every datagram
 * before anything in it is parsed.  The connector id inside the frame
 * ({CN_IDX_DM, CN_VAL_DM_USERSPACE_LOG}) is checked by ulog_parse_frame().
 */
#ifndef CMIRRORD_KERNEL_POLICY_H
#define CMIRRORD_KERNEL_POLICY_H

#include <stdbool.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "cmirror/ulog.h"

/* nl_groups of a datagram the kernel multicast to group CN_IDX_DM
 * (netlink_group_mask(): bit group - 1). */
#define KERNEL_DM_GROUP_MASK	(1u << (CN_IDX_DM - 1))

/*
 * true when a datagram with source address `from` may carry requests:
 * AF_NETLINK, port 0 (the kernel; a user process always has a nonzero
 * port, and only the kernel can send from port 0) and either the DM
 * connector group or a unicast (0) from the kernel.  Anything else could
 * be a local process forging requests that change the shared region
 * state of a cluster mirror.
 */
static inline bool kernel_nl_sender_ok(const struct sockaddr_nl *from)
{
	return from->nl_family == AF_NETLINK && from->nl_pid == 0 &&
	       (from->nl_groups == 0 || from->nl_groups == KERNEL_DM_GROUP_MASK);
}

#endif
