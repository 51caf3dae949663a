// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The netlink sender policy of the kernel link (kernel_policy.h): requests
 * are accepted from the kernel only (port 0) and only on the DM connector
 * group; plus the connector id check of the frame parser that completes it.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel_policy.h"

static struct sockaddr_nl addr(uint32_t pid, uint32_t groups)
{
	struct sockaddr_nl a;

	memset(&a, 0, sizeof(a));
	a.nl_family = AF_NETLINK;
	a.nl_pid = pid;
	a.nl_groups = groups;
	return a;
}

static void test_kernel_policy_kernel_dm_group_accepted(void **state)
{
	struct sockaddr_nl a = addr(0, 1u << (CN_IDX_DM - 1));

	(void)state;
	assert_int_equal(KERNEL_DM_GROUP_MASK, 0x40);
	assert_true(kernel_nl_sender_ok(&a));
	a = addr(0, 0);		/* kernel unicast */
	assert_true(kernel_nl_sender_ok(&a));
}

static void test_kernel_policy_user_port_refused(void **state)
{
	static const uint32_t ports[] = { 1, 42, 0x7fffffff, 0x80000000u,
					  UINT32_MAX };

	(void)state;
	for (size_t i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		struct sockaddr_nl a = addr(ports[i], KERNEL_DM_GROUP_MASK);

		assert_false(kernel_nl_sender_ok(&a));
		a.nl_groups = 0;
		assert_false(kernel_nl_sender_ok(&a));
	}
}

static void test_kernel_policy_other_group_refused(void **state)
{
	(void)state;
	for (unsigned g = 1; g <= 32; g++) {
		struct sockaddr_nl a = addr(0, 1u << (g - 1));

		if (g == CN_IDX_DM)
			assert_true(kernel_nl_sender_ok(&a));
		else
			assert_false(kernel_nl_sender_ok(&a));
	}
	/* The DM group plus another one is not the DM group. */
	struct sockaddr_nl b = addr(0, KERNEL_DM_GROUP_MASK | 1u);

	assert_false(kernel_nl_sender_ok(&b));
}

static void test_kernel_policy_wrong_family_refused(void **state)
{
	struct sockaddr_nl a = addr(0, KERNEL_DM_GROUP_MASK);

	(void)state;
	a.nl_family = AF_UNIX;
	assert_false(kernel_nl_sender_ok(&a));
	a.nl_family = AF_UNSPEC;
	assert_false(kernel_nl_sender_ok(&a));
}

/* A frame from the kernel on another connector id is not a dm-log request. */
static void test_kernel_policy_frame_connector_id_checked(void **state)
{
	uint8_t f[ULOG_CN_HDR_SIZE + ULOG_REQ_HDR_SIZE];
	struct ulog_req req;
	struct cn_msg cn;
	struct dm_ulog_request rq;
	bool hdr;

	(void)state;
	memset(&cn, 0, sizeof(cn));
	memset(&rq, 0, sizeof(rq));
	cn.id.idx = CN_IDX_DM;
	cn.id.val = CN_VAL_DM_USERSPACE_LOG;
	cn.len = sizeof(rq);
	rq.request_type = DM_ULOG_GET_REGION_SIZE;
	rq.version = DM_ULOG_REQUEST_VERSION;
	memcpy(rq.uuid, "LVM-x", 5);
	memcpy(f, &cn, sizeof(cn));
	memcpy(f + sizeof(cn), &rq, sizeof(rq));
	assert_int_equal(ulog_parse_frame(f, sizeof(f), &req, &hdr), 0);

	cn.id.idx = CN_IDX_DM + 1;
	memcpy(f, &cn, sizeof(cn));
	assert_int_equal(ulog_parse_frame(f, sizeof(f), &req, &hdr), -EPROTO);
	cn.id.idx = CN_IDX_DM;
	cn.id.val = CN_VAL_DM_USERSPACE_LOG + 1;
	memcpy(f, &cn, sizeof(cn));
	assert_int_equal(ulog_parse_frame(f, sizeof(f), &req, &hdr), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_policy_kernel_dm_group_accepted),
		cmocka_unit_test(test_kernel_policy_user_port_refused),
		cmocka_unit_test(test_kernel_policy_other_group_refused),
		cmocka_unit_test(test_kernel_policy_wrong_family_refused),
		cmocka_unit_test(test_kernel_policy_frame_connector_id_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
