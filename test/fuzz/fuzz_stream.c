/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the shared stream's receive path: the bundle
 * decoder (lib/wire_stream.c) and the virtual-group table it feeds
 * (daemons/cmirrord/cluster_vtab.c), as another member's bytes reach
 * them.  Build (BUILDDIR holds config.h):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I include \
 *     -I BUILDDIR test/fuzz/fuzz_stream.c lib/wire_stream.c lib/wire.c \
 *     lib/crc32c.c daemons/cmirrord/cluster_vtab.c \
 *     daemons/cmirrord/cluster_sync.c -o fuzz_stream
 * Input: byte 0 picks the sender (1..4; 4 is not a member), byte 1 the
 * table's state (bit 0: in a round), the rest is one bundle.  Whatever
 * it holds must be applied or dropped without a crash or a leak.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemons/cmirrord/cluster_vtab.h"
#include "cmirror/wire_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void change(void *ctx, const char *uuid, const struct wire_nodes *m,
		   const struct csync_node *l, size_t nl,
		   const struct csync_node *j, size_t nj, uint32_t inc)
{
	if (!uuid[0] || strlen(uuid) > WSTREAM_UUID_MAX ||
	    m->n > WIRE_MAX_MEMBERS || nl > WIRE_MAX_MEMBERS ||
	    nj > WIRE_MAX_MEMBERS)
		abort();
}

static void deliver(void *ctx, const char *uuid, uint32_t from,
		    const uint8_t *msg, size_t len)
{
	if (len < WIRE_HDR_SIZE)
		abort();
}

static const struct vtab_ops ops = { change, deliver };

static void ann_all(struct vtab *vt, uint32_t node, const char *uuid)
{
	uint8_t buf[256];
	struct wstream_ann_enc a;

	wstream_ann_begin(&a, buf, sizeof(buf));
	if (uuid)
		wstream_ann_add(&a, uuid);
	vtab_record(vt, node, WSTREAM_ANNOUNCE, buf,
		    wstream_ann_finish(&a, WSTREAM_ANN_FIRST |
					   WSTREAM_ANN_LAST));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t members[] = { 1, 2, 3 }, rest[] = { 1, 3 };
	struct csync_node me = { 1, 1 }, two = { 2, 3 };
	struct vtab *vt;
	struct wstream_dec d;
	struct wstream_rec r;
	uint32_t from;

	if (size < 2 || vtab_new(1, &ops, NULL, &vt) < 0)
		return 0;
	from = data[0] % 4 + 1;
	vtab_confchg(vt, members, 3, NULL, 0, &me, 1);
	ann_all(vt, 1, "LVM-a");
	ann_all(vt, 2, "LVM-a");
	if (!(data[1] & 1))
		ann_all(vt, 3, NULL);	/* round over: records apply */
	if (wstream_open(&d, data + 2, size - 2) >= 0)
		while (wstream_next(&d, &r) == 1)
			vtab_record(vt, from, r.type, r.data, r.len);
	/* Node 2 fails: held records replay or drop. */
	vtab_confchg(vt, rest, 2, &two, 1, NULL, 0);
	ann_all(vt, 3, NULL);
	vtab_free(vt);
	return 0;
}
