// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests for daemons/cmirrord/disk.c with the real poll loop and
 * temporary files: async writes, completions on the loop thread and in
 * order, reads with zero fill, the fail-writes hook, teardown with writes
 * queued, closing with writes queued.  A loop device (root only, skipped
 * otherwise) covers "major:minor" and 4096-byte blocks.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/loop.h>

#include <cmocka.h>

#include "disk.h"
#include "logging.h"
#include "loop.h"

#define MAXDONE 256

struct fx {
	struct loop *lp;
	struct disk_io *dio;
	char path[64];
	pthread_t main_thread;
	int pending;
	bool timed_out;
	/* completions, in arrival order */
	int ndone;
	int tags[MAXDONE];
	int errs[MAXDONE];
	bool on_loop_thread;
};

struct wctx {
	struct fx *f;
	int tag;
};

static struct wctx ctxs[MAXDONE];

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int fd;

	assert_non_null(f);
	logging_setup("test_disk", true, LOG_WARNING, LOG_DAEMON);
	assert_int_equal(loop_new(&f->lp), 0);
	assert_int_equal(disk_io_setup(f->lp, &f->dio), 0);
	snprintf(f->path, sizeof(f->path), "/tmp/test_disk-XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	f->main_thread = pthread_self();
	f->on_loop_thread = true;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	disk_io_free(f->dio);
	loop_free(f->lp);
	unlink(f->path);
	free(f);
	logging_close();
	return 0;
}

static void done_cb(void *ctx, int err, uint8_t *buf, size_t len)
{
	struct wctx *w = ctx;
	struct fx *f = w->f;

	free(buf);
	if (!pthread_equal(pthread_self(), f->main_thread))
		f->on_loop_thread = false;
	if (f->ndone < MAXDONE) {
		f->tags[f->ndone] = w->tag;
		f->errs[f->ndone] = err;
	}
	f->ndone++;
	if (--f->pending == 0)
		loop_stop(f->lp);
}

static void timeout_cb(struct loop *lp, struct loop_timer *t, void *ctx)
{
	struct fx *f = ctx;

	f->timed_out = true;
	loop_stop(lp);
}

/* Run the loop until every queued write has completed (10 s guard). */
static void run_until_done(struct fx *f)
{
	struct loop_timer *t;

	if (!f->pending)
		return;
	t = loop_timer_add(f->lp, 10000, 0, timeout_cb, f, "guard");
	assert_non_null(t);
	assert_int_equal(loop_run(f->lp), 0);
	if (!f->timed_out)
		loop_timer_cancel(f->lp, t);
	assert_false(f->timed_out);
}

/* Queue a write of `len` bytes of `fill` at `off`. */
static void queue_fill(struct fx *f, struct disk_dev *d, uint64_t off,
		       size_t len, int fill, int tag, bool sync)
{
	uint8_t *buf = disk_alloc(d, len);

	assert_non_null(buf);
	memset(buf, fill, len);
	assert_true(tag < MAXDONE);
	ctxs[tag] = (struct wctx){ f, tag };
	assert_int_equal(disk_write_async(d, buf, off, len, sync, done_cb,
					  &ctxs[tag]), 0);
	f->pending++;
}

static void assert_file_bytes(const char *path, off_t off, size_t len,
			      int value)
{
	uint8_t *b = malloc(len);
	int fd = open(path, O_RDONLY);

	assert_non_null(b);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, len, off), (ssize_t)len);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(b[i], value);
	close(fd);
	free(b);
}

static void test_disk_write_completes_on_loop(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d;
	uint8_t *rd;

	assert_int_equal(disk_open(f->dio, f->path, &d), 0);
	assert_int_equal(disk_block_size(d), 512);
	queue_fill(f, d, 512, 1024, 0x3C, 0, true);
	/* Nothing completes before the loop runs. */
	assert_int_equal(f->ndone, 0);
	run_until_done(f);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->errs[0], 0);
	assert_true(f->on_loop_thread);
	assert_file_bytes(f->path, 512, 1024, 0x3C);

	assert_int_equal(disk_read_sync(d, 2048, &rd), 0);
	assert_true(((uintptr_t)rd % 512) == 0);
	for (size_t i = 0; i < 2048; i++)
		assert_int_equal(rd[i], i >= 512 && i < 1536 ? 0x3C : 0);
	free(rd);
	disk_close(d);
}

static void test_disk_completions_in_order(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d1, *d2;
	char p2[64];
	int fd;
	uint8_t *rd;

	snprintf(p2, sizeof(p2), "/tmp/test_disk-XXXXXX");
	fd = mkstemp(p2);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(disk_open(f->dio, f->path, &d1), 0);
	assert_int_equal(disk_open(f->dio, p2, &d2), 0);
	/* All to the same block of d1 (the last must win), d2 interleaved. */
	for (int i = 0; i < 60; i++) {
		if (i % 3 == 2)
			queue_fill(f, d2, (uint64_t)i * 512, 512, i, i, i & 1);
		else
			queue_fill(f, d1, 0, 512, i, i, i & 1);
	}
	run_until_done(f);
	assert_int_equal(f->ndone, 60);
	for (int i = 0; i < 60; i++) {
		assert_int_equal(f->tags[i], i);
		assert_int_equal(f->errs[i], 0);
	}
	assert_int_equal(disk_read_sync(d1, 512, &rd), 0);
	for (size_t i = 0; i < 512; i++)
		assert_int_equal(rd[i], 58);
	free(rd);
	assert_file_bytes(p2, 59 * 512, 512, 59);
	disk_close(d1);
	disk_close(d2);
	unlink(p2);
}

static void test_disk_read_zero_fill_past_eof(void **state)
{
	struct fx *f = *state;
	uint8_t data[700];
	struct disk_dev *d;
	uint8_t *rd;
	int fd;

	/* Empty file: all zeros. */
	assert_int_equal(disk_open(f->dio, f->path, &d), 0);
	assert_int_equal(disk_read_sync(d, 1536, &rd), 0);
	for (size_t i = 0; i < 1536; i++)
		assert_int_equal(rd[i], 0);
	free(rd);

	/* A file ending mid-block. */
	memset(data, 0xAB, sizeof(data));
	fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	close(fd);
	assert_int_equal(disk_read_sync(d, 2048, &rd), 0);
	for (size_t i = 0; i < 2048; i++)
		assert_int_equal(rd[i], i < sizeof(data) ? 0xAB : 0);
	free(rd);

	/* Lengths must be whole blocks. */
	rd = NULL;
	assert_int_equal(disk_read_sync(d, 700, &rd), -EINVAL);
	assert_int_equal(disk_read_sync(d, 0, &rd), -EINVAL);
	assert_null(rd);
	disk_close(d);
}

static void test_disk_fail_writes_hook_eio(void **state)
{
	struct fx *f = *state;
	struct disk_dev *bad, *good;
	char p2[64];
	struct stat st;
	int fd;

	snprintf(p2, sizeof(p2), "/tmp/test_disk-XXXXXX");
	fd = mkstemp(p2);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(setenv("CMIRRORD_DISK_FAIL_WRITES", f->path, 1), 0);
	assert_int_equal(disk_open(f->dio, f->path, &bad), 0);
	assert_int_equal(disk_open(f->dio, p2, &good), 0);
	unsetenv("CMIRRORD_DISK_FAIL_WRITES");
	queue_fill(f, bad, 0, 1024, 0x11, 0, true);
	queue_fill(f, good, 0, 1024, 0x22, 1, true);
	queue_fill(f, bad, 1024, 512, 0x11, 2, false);
	run_until_done(f);
	assert_int_equal(f->ndone, 3);
	assert_int_equal(f->errs[0], -EIO);
	assert_int_equal(f->errs[1], 0);
	assert_int_equal(f->errs[2], -EIO);
	/* Nothing reached the failing file. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_file_bytes(p2, 0, 1024, 0x22);
	disk_close(bad);
	disk_close(good);
	unlink(p2);
}

static void test_disk_free_runs_queued_callbacks(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d;
	uint8_t *buf;

	assert_int_equal(disk_open(f->dio, f->path, &d), 0);
	for (int i = 0; i < 40; i++)
		queue_fill(f, d, (uint64_t)i * 512, 512, i + 1, i, true);
	/* No loop iteration: teardown must write and complete them all. */
	disk_io_free(f->dio);
	f->dio = NULL;
	assert_int_equal(f->ndone, 40);
	assert_int_equal(f->pending, 0);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(f->tags[i], i);
		assert_int_equal(f->errs[i], 0);
	}
	assert_file_bytes(f->path, 39 * 512, 512, 40);

	/* The device outlives the worker: writes are refused, buf kept. */
	buf = disk_alloc(d, 512);
	assert_non_null(buf);
	assert_int_equal(disk_write_async(d, buf, 0, 512, true, done_cb,
					  &ctxs[0]), -ESHUTDOWN);
	free(buf);
	disk_close(d);
}

static void test_disk_close_with_writes_queued(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d;

	assert_int_equal(disk_open(f->dio, f->path, &d), 0);
	for (int i = 0; i < 10; i++)
		queue_fill(f, d, (uint64_t)i * 512, 512, 0x70 + i, i, true);
	/* Accepted writes still happen and still call back. */
	disk_close(d);
	run_until_done(f);
	assert_int_equal(f->ndone, 10);
	for (int i = 0; i < 10; i++)
		assert_int_equal(f->errs[i], 0);
	assert_file_bytes(f->path, 9 * 512, 512, 0x79);
}

/* One job of several extents out of one buffer: each lands at its own
 * offset, the callback runs once; extents off the block grid or out of
 * the buffer are refused. */
static void test_disk_write_extents(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d;
	uint8_t *buf;
	const struct disk_extent ext[] = {
		{ .off = 512, .buf_off = 0, .len = 512 },
		{ .off = 4096, .buf_off = 512, .len = 1024 },
	};
	struct disk_extent bad;

	assert_int_equal(disk_open(f->dio, f->path, &d), 0);
	buf = disk_alloc(d, 1536);
	assert_non_null(buf);
	memset(buf, 0x11, 512);
	memset(buf + 512, 0x22, 1024);
	ctxs[0] = (struct wctx){ f, 0 };
	assert_int_equal(disk_write_extents(d, buf, 1536, ext, 2, true,
					    done_cb, &ctxs[0]), 0);
	f->pending++;
	run_until_done(f);
	assert_int_equal(f->ndone, 1);
	assert_int_equal(f->errs[0], 0);
	assert_file_bytes(f->path, 512, 512, 0x11);
	assert_file_bytes(f->path, 4096, 1024, 0x22);
	assert_file_bytes(f->path, 1024, 512, 0);	/* between: untouched */

	buf = disk_alloc(d, 1024);
	assert_non_null(buf);
	bad = (struct disk_extent){ .off = 0, .buf_off = 512, .len = 1024 };
	assert_int_equal(disk_write_extents(d, buf, 1024, &bad, 1, true,
					    done_cb, &ctxs[1]), -EINVAL);
	bad = (struct disk_extent){ .off = 0, .buf_off = 100, .len = 512 };
	assert_int_equal(disk_write_extents(d, buf, 1024, &bad, 1, true,
					    done_cb, &ctxs[1]), -EINVAL);
	assert_int_equal(disk_write_extents(d, buf, 1024, &bad, 0, true,
					    done_cb, &ctxs[1]), -EINVAL);
	free(buf);
	assert_int_equal(f->ndone, 1);
	disk_close(d);
}

static void test_disk_rejects_bad_writes(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d;
	uint8_t *buf;

	assert_int_equal(disk_open(f->dio, f->path, &d), 0);
	buf = disk_alloc(d, 1000);
	assert_non_null(buf);
	/* disk_alloc rounds up to a block and zeroes. */
	assert_true(((uintptr_t)buf % 512) == 0);
	for (size_t i = 0; i < 1024; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(disk_write_async(d, buf, 100, 512, true, done_cb,
					  &ctxs[0]), -EINVAL);
	assert_int_equal(disk_write_async(d, buf, 0, 1000, true, done_cb,
					  &ctxs[0]), -EINVAL);
	assert_int_equal(disk_write_async(d, buf, 0, 0, true, done_cb,
					  &ctxs[0]), -EINVAL);
	assert_int_equal(disk_write_async(d, buf, 0, 512, true, NULL, NULL),
			 -EINVAL);
	free(buf);
	assert_int_equal(f->ndone, 0);
	disk_close(d);
	disk_close(NULL);
	disk_io_free(NULL);
}

static void test_disk_open_missing_enoent(void **state)
{
	struct fx *f = *state;
	struct disk_dev *d = NULL;

	assert_int_equal(disk_open(f->dio, "/tmp/no-such-dir-cmirrord/log",
				   &d), -ENOENT);
	assert_null(d);
	assert_int_equal(disk_open(f->dio, "", &d), -EINVAL);
	/* A directory is not a log device. */
	assert_true(disk_open(f->dio, "/tmp", &d) < 0);
	/* major:minor of no device: -ENOENT without CAP_MKNOD, -ENXIO (or
	 * similar) when a node could be made. */
	assert_true(disk_open(f->dio, "4095:1048575", &d) < 0);
	assert_null(d);
}

/* tmpfs: O_DIRECT may be refused; buffered I/O must behave the same. */
static void test_disk_tmpfs_file(void **state)
{
	struct fx *f = *state;
	char p[64];
	struct disk_dev *d;
	uint8_t *rd;
	int fd;

	snprintf(p, sizeof(p), "/dev/shm/test_disk-XXXXXX");
	fd = mkstemp(p);
	if (fd < 0)
		skip();
	close(fd);
	assert_int_equal(disk_open(f->dio, p, &d), 0);
	queue_fill(f, d, 1024, 512, 0x5E, 0, true);
	run_until_done(f);
	assert_int_equal(f->errs[0], 0);
	assert_int_equal(disk_read_sync(d, 2048, &rd), 0);
	for (size_t i = 0; i < 2048; i++)
		assert_int_equal(rd[i], i >= 1024 && i < 1536 ? 0x5E : 0);
	free(rd);
	disk_close(d);
	unlink(p);
}

/* A ramfs mount (no O_DIRECT at all) in a private mount namespace, made in
 * main() before any thread exists; "" when not permitted. */
static char ramfs_dir[64];

static void ramfs_setup(void)
{
	snprintf(ramfs_dir, sizeof(ramfs_dir), "/tmp/test_disk-ramfs-XXXXXX");
	if (!mkdtemp(ramfs_dir)) {
		ramfs_dir[0] = 0;
		return;
	}
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("ramfs", ramfs_dir, "ramfs", 0, NULL) < 0) {
		rmdir(ramfs_dir);
		ramfs_dir[0] = 0;
	}
}

static void ramfs_cleanup(void)
{
	if (!ramfs_dir[0])
		return;
	umount(ramfs_dir);
	rmdir(ramfs_dir);
}

static void test_disk_buffered_fallback(void **state)
{
	struct fx *f = *state;
	char p[96];
	struct disk_dev *d;
	uint8_t *rd;
	int fd;

	if (!ramfs_dir[0])
		skip();
	/* ramfs refuses O_DIRECT at open: buffered I/O + fdatasync. */
	snprintf(p, sizeof(p), "%s/log", ramfs_dir);
	fd = open(p, O_RDWR | O_CREAT | O_DIRECT, 0600);
	assert_true(fd < 0 && errno == EINVAL);
	fd = open(p, O_RDWR | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(disk_open(f->dio, p, &d), 0);
	assert_int_equal(disk_block_size(d), 512);
	queue_fill(f, d, 512, 512, 0x61, 0, true);
	queue_fill(f, d, 0, 512, 0x60, 1, false);
	run_until_done(f);
	assert_int_equal(f->errs[0], 0);
	assert_int_equal(f->errs[1], 0);
	assert_int_equal(disk_read_sync(d, 1536, &rd), 0);
	for (size_t i = 0; i < 1536; i++)
		assert_int_equal(rd[i], i < 512 ? 0x60 : i < 1024 ? 0x61 : 0);
	free(rd);
	disk_close(d);
	unlink(p);
}

/* Attach f->path to a free loop device with `bs`-byte sectors; -1 when
 * not permitted (not root, no loop driver). */
static int attach_loop(const char *path, unsigned bs, dev_t *rdev)
{
	struct loop_config cfg;
	char name[32];
	struct stat st;
	int ctl, nr, lfd, bfd;

	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -1;
	nr = ioctl(ctl, LOOP_CTL_GET_FREE);
	close(ctl);
	if (nr < 0)
		return -1;
	snprintf(name, sizeof(name), "/dev/loop%d", nr);
	lfd = open(name, O_RDWR | O_CLOEXEC);
	bfd = open(path, O_RDWR | O_CLOEXEC);
	if (lfd < 0 || bfd < 0)
		goto fail;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)bfd;
	cfg.block_size = bs;
	/* Detached on our last close, even if the test dies. */
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) < 0 || fstat(lfd, &st) < 0)
		goto fail;
	close(bfd);
	*rdev = st.st_rdev;
	return lfd;
fail:
	if (lfd >= 0)
		close(lfd);
	if (bfd >= 0)
		close(bfd);
	return -1;
}

static void test_disk_loop_device_majmin_4k(void **state)
{
	struct fx *f = *state;
	char majmin[32];
	struct disk_dev *d;
	dev_t rdev;
	uint8_t *rd;
	int lfd;

	assert_int_equal(truncate(f->path, 64 * 1024), 0);
	lfd = attach_loop(f->path, 4096, &rdev);
	if (lfd < 0)
		skip();
	snprintf(majmin, sizeof(majmin), "%u:%u", major(rdev), minor(rdev));
	/* /dev/block/M:m may be missing here: the private node is used. */
	assert_int_equal(disk_open(f->dio, majmin, &d), 0);
	assert_int_equal(disk_block_size(d), 4096);
	queue_fill(f, d, 4096, 8192, 0x4B, 0, true);
	run_until_done(f);
	assert_int_equal(f->errs[0], 0);
	assert_int_equal(disk_read_sync(d, 16384, &rd), 0);
	assert_true(((uintptr_t)rd % 4096) == 0);
	for (size_t i = 0; i < 16384; i++)
		assert_int_equal(rd[i], i >= 4096 && i < 12288 ? 0x4B : 0);
	free(rd);
	disk_close(d);
	close(lfd);
	assert_file_bytes(f->path, 4096, 8192, 0x4B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_disk_write_completes_on_loop),
		T(test_disk_completions_in_order),
		T(test_disk_read_zero_fill_past_eof),
		T(test_disk_fail_writes_hook_eio),
		T(test_disk_free_runs_queued_callbacks),
		T(test_disk_close_with_writes_queued),
		T(test_disk_write_extents),
		T(test_disk_rejects_bad_writes),
		T(test_disk_open_missing_enoent),
		T(test_disk_tmpfs_file),
		T(test_disk_buffered_fallback),
		T(test_disk_loop_device_majmin_4k),
#undef T
	};
	int r;

	ramfs_setup();
	r = cmocka_run_group_tests(tests, NULL, NULL);
	ramfs_cleanup();
	return r;
}
