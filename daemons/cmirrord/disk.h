/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Log-device I/O for clustered-disk logs, kept off the poll loop.
 *
 * Writes run on one worker thread; completions come back to the loop
 * through an eventfd and are delivered as callbacks from the loop, so the
 * daemon never stalls cluster delivery on a slow or failed disk.  Reads
 * happen once per log at its first resume and are synchronous.
 *
 * Devices are opened with O_DIRECT when the file system allows it (a
 * regular file on tmpfs does not: buffered I/O + fdatasync then), and every
 * buffer passed in must come from disk_alloc() (aligned to the block size).
 *
 * Test hook: CMIRRORD_DISK_FAIL_WRITES=<path> in the environment makes every
 * write to that device path fail with -EIO (a failing log device).
 */
#ifndef CMIRRORD_DISK_H
#define CMIRRORD_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "loop.h"

struct disk_io;		/* the worker and its completion eventfd */
struct disk_dev;	/* one open log device */

/* Start the worker and register its eventfd on the loop.  0 or -errno. */
int disk_io_setup(struct loop *lp, struct disk_io **out);
/* Wait for queued writes, stop the worker, unregister.  NULL is a no-op.
 * Completion callbacks of writes still queued run before it returns. */
void disk_io_free(struct disk_io *dio);

/*
 * Open a log device given as LVM/dm passes it: "major:minor" (looked up as
 * /dev/block/M:m, or made as a private node if that is missing) or a path.
 * 0 or -errno (-ENOENT, -EACCES, ...).
 */
int disk_open(struct disk_io *dio, const char *dev, struct disk_dev **out);
void disk_close(struct disk_dev *d);	/* NULL is a no-op */

/* Logical block size (>= 512, power of two). */
size_t disk_block_size(const struct disk_dev *d);

/* A zeroed buffer aligned for O_DIRECT, len rounded up to the block size.
 * Free with free().  NULL on failure. */
uint8_t *disk_alloc(const struct disk_dev *d, size_t len);

/*
 * Read the first `len` bytes (a multiple of the block size) into a new
 * buffer from disk_alloc().  Short devices read as zeros past their end.
 * 0 or -errno.
 */
int disk_read_sync(struct disk_dev *d, size_t len, uint8_t **out);

/*
 * Called on the loop thread when a write finishes: err 0 or -errno, and
 * the buffer that was written (ownership returns to the callback).
 */
typedef void (*disk_write_cb)(void *ctx, int err, uint8_t *buf, size_t len);

/*
 * Queue a write of `len` bytes at byte offset `off` (both multiples of the
 * block size); `buf` (from disk_alloc) is owned by the I/O layer until the
 * callback.  With `sync`, the data is durable (fdatasync or O_DIRECT +
 * O_DSYNC) before the callback.  Writes to one device complete in order.
 * 0 or -errno (nothing queued, buf still owned by the caller).
 */
int disk_write_async(struct disk_dev *d, uint8_t *buf, uint64_t off,
		     size_t len, bool sync, disk_write_cb cb, void *ctx);

/* A piece of a scattered write: len bytes from buf + buf_off to byte off
 * of the device (all three multiples of the block size). */
struct disk_extent {
	uint64_t off;
	size_t buf_off;
	size_t len;
};

/*
 * The same for n extents of one buffer of `len` bytes, written in order as
 * one job: the callback runs once, after the last extent or the first
 * error (then with buf and len).  ext is copied.
 */
int disk_write_extents(struct disk_dev *d, uint8_t *buf, size_t len,
		       const struct disk_extent *ext, size_t n, bool sync,
		       disk_write_cb cb, void *ctx);

#endif
