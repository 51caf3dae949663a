// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Log-device I/O off the poll loop.
 *
 * One worker thread per struct disk_io runs write jobs (each one or more
 * extents of one buffer) in FIFO order, so
 * writes (to one device and across devices) complete in the order they were
 * queued.  Two lists, both under dio->mu:
 *   queue  jobs waiting for the worker (disk_write_async appends)
 *   done   jobs the worker finished (err filled in), waiting for the loop
 * The worker bumps an eventfd after moving a job to `done`; the eventfd's
 * loop callback takes the whole list and runs the disk_write_cb callbacks
 * on the loop thread, so callers never see another thread.
 *
 * A struct disk_dev is reference counted on the loop thread only: one
 * reference for the opener, one per queued job, dropped when the job's
 * completion has run.  disk_close() may therefore be called with writes
 * still queued: they are still written (they were accepted) and their
 * callbacks still run, and the fd is closed after the last one.
 *
 * Devices given as "major:minor" are opened as /dev/block/M:m.  When that
 * link is missing (no udev, a container, a test namespace) a private block
 * node is made in a fresh mkdtemp() directory (/dev, /run or /tmp, the
 * first that works), opened and removed at once, so nothing is left behind.
 * Without CAP_MKNOD (or a nodev mount everywhere) disk_open fails with
 * -ENOENT and says why in the log.
 *
 * O_DIRECT|O_DSYNC first; a file system refusing O_DIRECT (EINVAL at open
 * or at the first I/O) gets buffered I/O and fdatasync() after sync writes.
 *
 * Only disk_open() and disk_read_sync() block the loop thread (once per log,
 * at its first resume); disk_io_free() joins the worker at shutdown.
 *
 * Test hooks, from the environment: CMIRRORD_DISK_FAIL_WRITES=DEV fails
 * every write to DEV with EIO; CMIRRORD_DISK_HOLD_WRITES=FILE starts no
 * write while FILE exists (the worker waits for its removal; shutdown
 * waits as well), except while FILE holds a count N > 0: N more writes
 * start (each takes one off), then the next waits again.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/fs.h>

#include "disk.h"
#include "logging.h"

#define DISK_FAIL_ENV	"CMIRRORD_DISK_FAIL_WRITES"
/* Test hook: while the file it names exists, the worker starts no write. */
#define DISK_HOLD_ENV	"CMIRRORD_DISK_HOLD_WRITES"
/* Regular files use 512 so an image matches a kernel's 512-byte device. */
#define DISK_FILE_BLOCK	512u

struct disk_job {
	struct disk_job *next;
	struct disk_dev *dev;
	uint8_t *buf;
	size_t len;
	bool sync;
	bool dropped_direct;	/* the worker fell back to buffered I/O */
	int err;
	disk_write_cb cb;
	void *ctx;
	size_t n_ext;
	struct disk_extent ext[];
};

struct disk_io {
	struct loop *lp;
	int efd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu. */
	struct disk_job *q_head, **q_tail;
	struct disk_job *done_head, **done_tail;
	bool stop;
	char *hold_path;	/* DISK_HOLD_ENV, read once at setup */
	/* Loop thread only: open devices, detached by disk_io_free(). */
	struct disk_dev *devs;
};

struct disk_dev {
	struct disk_io *dio;		/* NULL once the worker is gone */
	struct disk_dev *prev, *next;	/* on dio->devs */
	int fd;
	size_t bs;
	atomic_bool direct;		/* both threads may clear it */
	bool fail_writes;		/* test hook */
	bool closed;
	unsigned refs;			/* loop thread only */
	char *path;
};

/* ---- devices ---- */

static void dev_put(struct disk_dev *d)
{
	if (--d->refs)
		return;
	if (d->dio) {
		if (d->prev)
			d->prev->next = d->next;
		else
			d->dio->devs = d->next;
		if (d->next)
			d->next->prev = d->prev;
	}
	close(d->fd);
	free(d->path);
	free(d);
}

/* Clear O_DIRECT on an fd whose file system rejected an aligned I/O. */
static bool drop_direct(struct disk_dev *d)
{
	int fl = fcntl(d->fd, F_GETFL);

	if (fl < 0 || fcntl(d->fd, F_SETFL, fl & ~O_DIRECT) < 0)
		return false;
	atomic_store(&d->direct, false);
	return true;
}

/* Open read-write, O_DIRECT if the file system allows it. */
static int open_rw(const char *path, bool *direct)
{
	int fd = open(path, O_RDWR | O_DIRECT | O_DSYNC | O_CLOEXEC);

	*direct = true;
	if (fd < 0 && errno == EINVAL) {
		*direct = false;
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	return fd < 0 ? -errno : fd;
}

/* "M:m" with both parts plain decimal within the kernel's dev_t limits. */
static bool parse_majmin(const char *s, unsigned *maj, unsigned *min)
{
	unsigned long a, b;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	a = strtoul(s, &end, 10);
	if (errno || *end != ':' || a > 0xfff)
		return false;
	s = end + 1;
	if (*s < '0' || *s > '9')
		return false;
	b = strtoul(s, &end, 10);
	if (errno || *end || b > 0xfffff)
		return false;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return true;
}

/*
 * /dev/block/M:m is missing: make a block node in a private directory,
 * open it and remove node and directory straight away.
 */
static int open_private_node(unsigned maj, unsigned min, bool *direct)
{
	static const char *const bases[] = { "/dev", "/run", "/tmp" };
	int r, last = ENOENT;

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		char dir[64], node[96];

		snprintf(dir, sizeof(dir), "%s/cmirrord-XXXXXX", bases[i]);
		if (!mkdtemp(dir)) {
			last = errno;
			continue;
		}
		snprintf(node, sizeof(node), "%s/dev", dir);
		if (mknod(node, S_IFBLK | 0600, makedev(maj, min)) < 0) {
			last = errno;
			rmdir(dir);
			if (last == EPERM)
				break;	/* no CAP_MKNOD: same everywhere */
			continue;
		}
		r = open_rw(node, direct);
		unlink(node);
		rmdir(dir);
		if (r >= 0)
			return r;
		if (r != -EACCES) {
			/* The node was there: this is the device's answer
			 * (ENXIO: no such device). */
			log_err("log device %u:%u: %s", maj, min, strerror(-r));
			return r;
		}
		last = EACCES;	/* a nodev mount: try the next base */
	}
	log_err("log device %u:%u: /dev/block/%u:%u is missing and a private "
		"node could not be made (%s)", maj, min, maj, min,
		strerror(last));
	return -ENOENT;
}

static int dev_block_size(int fd, const struct stat *st, size_t *bs)
{
	int sz;

	if (S_ISREG(st->st_mode)) {
		*bs = DISK_FILE_BLOCK;
		return 0;
	}
	if (!S_ISBLK(st->st_mode))
		return -ENOTBLK;
	if (ioctl(fd, BLKSSZGET, &sz) < 0)
		return -errno;
	if (sz < 512 || sz > 65536 || (sz & (sz - 1)))
		return -EINVAL;
	*bs = (size_t)sz;
	return 0;
}

int disk_open(struct disk_io *dio, const char *dev, struct disk_dev **out)
{
	char byid[48];
	const char *path = dev, *fail;
	unsigned maj, min;
	bool majmin, direct;
	struct disk_dev *d;
	struct stat st;
	size_t bs = 0;
	int fd, r;

	if (!dio || !dev || !*dev || !out)
		return -EINVAL;
	majmin = parse_majmin(dev, &maj, &min);
	if (majmin) {
		snprintf(byid, sizeof(byid), "/dev/block/%u:%u", maj, min);
		path = byid;
	}
	fd = open_rw(path, &direct);
	if (fd == -ENOENT && majmin)
		fd = open_private_node(maj, min, &direct);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto err_close;
	}
	r = dev_block_size(fd, &st, &bs);
	if (r < 0) {
		log_err("log device %s: %s", dev, strerror(-r));
		goto err_close;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		r = -ENOMEM;
		goto err_close;
	}
	d->path = strdup(path);
	if (!d->path) {
		free(d);
		r = -ENOMEM;
		goto err_close;
	}
	d->dio = dio;
	d->fd = fd;
	d->bs = bs;
	d->refs = 1;
	atomic_init(&d->direct, direct);
	fail = getenv(DISK_FAIL_ENV);
	if (fail && (!strcmp(fail, dev) || !strcmp(fail, path))) {
		d->fail_writes = true;
		log_warn("log device %s: every write fails with EIO (%s)", dev,
			 DISK_FAIL_ENV);
	}
	d->next = dio->devs;
	if (d->next)
		d->next->prev = d;
	dio->devs = d;
	log_info("log device %s: %s, %zu-byte blocks%s", dev,
		 S_ISBLK(st.st_mode) ? "block device" : "file", bs,
		 direct ? "" : ", buffered (O_DIRECT refused)");
	*out = d;
	return 0;

err_close:
	close(fd);
	return r;
}

void disk_close(struct disk_dev *d)
{
	if (!d || d->closed)
		return;
	d->closed = true;
	dev_put(d);
}

size_t disk_block_size(const struct disk_dev *d)
{
	return d->bs;
}

uint8_t *disk_alloc(const struct disk_dev *d, size_t len)
{
	size_t n = len ? (len + d->bs - 1) / d->bs * d->bs : d->bs;
	void *p;

	if (n < len || posix_memalign(&p, d->bs, n))
		return NULL;
	memset(p, 0, n);
	return p;
}

int disk_read_sync(struct disk_dev *d, size_t len, uint8_t **out)
{
	size_t done = 0;
	uint8_t *buf;

	if (!d || !out || !len || len % d->bs)
		return -EINVAL;
	buf = disk_alloc(d, len);
	if (!buf)
		return -ENOMEM;
	/* Reads are not ordered with queued writes: callers read once, at a
	 * log's first resume, before writing. */
	while (done < len) {
		ssize_t r = pread(d->fd, buf + done, len - done, (off_t)done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL && atomic_load(&d->direct) &&
			    drop_direct(d)) {
				log_warn("log device %s: O_DIRECT refused, "
					 "using buffered I/O", d->path);
				continue;
			}
			r = -errno;
			free(buf);
			return (int)r;
		}
		if (r == 0)
			break;		/* end of device: the rest stays 0 */
		done += (size_t)r;
		if (done % d->bs)
			break;		/* a file ending mid-block */
	}
	*out = buf;
	return 0;
}

/* ---- the worker ---- */

static int write_extent(struct disk_dev *d, struct disk_job *j,
			const struct disk_extent *e)
{
	size_t done = 0;

	while (done < e->len) {
		ssize_t r = pwrite(d->fd, j->buf + e->buf_off + done,
				   e->len - done, (off_t)(e->off + done));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL && atomic_load(&d->direct) &&
			    drop_direct(d)) {
				j->dropped_direct = true;
				continue;
			}
			return -errno;
		}
		if (r == 0)
			return -EIO;
		done += (size_t)r;
	}
	return 0;
}

static int write_all(struct disk_dev *d, struct disk_job *j)
{
	for (size_t i = 0; i < j->n_ext; i++) {
		int r = write_extent(d, j, &j->ext[i]);

		if (r < 0)
			return r;
	}
	/* O_DIRECT|O_DSYNC writes are durable on return. */
	if (j->sync && !atomic_load(&d->direct) && fdatasync(d->fd) < 0)
		return -errno;
	return 0;
}

/* May a write start?  Yes when the hold file is gone (or unreadable: a
 * test hook must not wedge the daemon) or holds a count, taken one off. */
static bool hold_pass(const char *path)
{
	char buf[32];
	unsigned long n;
	ssize_t len;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return true;
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[len > 0 ? len : 0] = '\0';
	n = strtoul(buf, NULL, 10);
	if (n > 0) {
		len = snprintf(buf, sizeof(buf), "%lu\n", n - 1);
		if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, len, 0) != len)
			n = 1;	/* let this one through all the same */
	}
	close(fd);
	return n > 0;
}

/* The test hook: wait (in the worker) while the hold file says so, so a
 * test can keep the device's writes out at a known point.  The watch is
 * set before the file is looked at, so a change in between is seen. */
static void hold_writes(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], ev[4096];
	int fd;

	if (hold_pass(path))
		return;
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return;
	if (inotify_add_watch(fd, dir, IN_DELETE | IN_MOVED_FROM |
			      IN_CLOSE_WRITE) >= 0)
		while (!hold_pass(path) &&
		       (read(fd, ev, sizeof(ev)) > 0 || errno == EINTR))
			;
	close(fd);
}

static void run_job(struct disk_job *j)
{
	j->err = j->dev->fail_writes ? -EIO : write_all(j->dev, j);
}

static void *worker_main(void *arg)
{
	struct disk_io *dio = arg;
	const uint64_t one = 1;
	ssize_t posted;

	pthread_mutex_lock(&dio->mu);
	for (;;) {
		struct disk_job *j;

		while (!dio->q_head && !dio->stop)
			pthread_cond_wait(&dio->cv, &dio->mu);
		j = dio->q_head;
		if (!j)
			break;		/* stopping and drained */
		dio->q_head = j->next;
		if (!dio->q_head)
			dio->q_tail = &dio->q_head;
		j->next = NULL;
		pthread_mutex_unlock(&dio->mu);

		if (dio->hold_path)
			hold_writes(dio->hold_path);
		run_job(j);

		pthread_mutex_lock(&dio->mu);
		*dio->done_tail = j;
		dio->done_tail = &j->next;
		/* Cannot block (the counter would need 2^64-2 posts) and
		 * cannot fail otherwise: the fd lives until after the join. */
		posted = write(dio->efd, &one, sizeof(one));
		(void)posted;
	}
	pthread_mutex_unlock(&dio->mu);
	return NULL;
}

/* ---- completions, on the loop thread ---- */

static void run_done(struct disk_io *dio)
{
	struct disk_job *j;

	pthread_mutex_lock(&dio->mu);
	j = dio->done_head;
	dio->done_head = NULL;
	dio->done_tail = &dio->done_head;
	pthread_mutex_unlock(&dio->mu);

	while (j) {
		struct disk_job *next = j->next;

		if (j->dropped_direct)
			log_warn("log device %s: O_DIRECT refused, using "
				 "buffered I/O", j->dev->path);
		j->cb(j->ctx, j->err, j->buf, j->len);
		dev_put(j->dev);
		free(j);
		j = next;
	}
}

static void on_eventfd(struct loop *lp, int fd, short revents, void *ctx)
{
	uint64_t v;

	/* Reset the counter before taking the list: a post racing with us
	 * leaves the fd readable and is picked up next iteration. */
	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_dbg("disk completion eventfd: %s", strerror(errno));
	run_done(ctx);
}

int disk_write_async(struct disk_dev *d, uint8_t *buf, uint64_t off,
		     size_t len, bool sync, disk_write_cb cb, void *ctx)
{
	struct disk_extent e = { .off = off, .buf_off = 0, .len = len };

	return disk_write_extents(d, buf, len, &e, 1, sync, cb, ctx);
}

int disk_write_extents(struct disk_dev *d, uint8_t *buf, size_t len,
		       const struct disk_extent *ext, size_t n, bool sync,
		       disk_write_cb cb, void *ctx)
{
	struct disk_io *dio;
	struct disk_job *j;

	if (!d || d->closed)
		return -EBADF;
	dio = d->dio;
	if (!dio)
		return -ESHUTDOWN;
	if (!buf || !cb || !len || !n || !ext)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!ext[i].len || ext[i].len % d->bs || ext[i].off % d->bs ||
		    ext[i].buf_off % d->bs || ext[i].buf_off > len ||
		    ext[i].len > len - ext[i].buf_off)
			return -EINVAL;
	j = calloc(1, sizeof(*j) + n * sizeof(j->ext[0]));
	if (!j)
		return -ENOMEM;
	*j = (struct disk_job){ .dev = d, .buf = buf, .len = len,
		.sync = sync, .cb = cb, .ctx = ctx, .n_ext = n };
	memcpy(j->ext, ext, n * sizeof(*ext));

	pthread_mutex_lock(&dio->mu);
	if (dio->stop) {
		pthread_mutex_unlock(&dio->mu);
		free(j);
		return -ESHUTDOWN;
	}
	*dio->q_tail = j;
	dio->q_tail = &j->next;
	pthread_cond_signal(&dio->cv);
	pthread_mutex_unlock(&dio->mu);
	d->refs++;
	return 0;
}

/* ---- setup and teardown ---- */

int disk_io_setup(struct loop *lp, struct disk_io **out)
{
	sigset_t all, old;
	struct disk_io *dio;
	int r;

	if (!lp || !out)
		return -EINVAL;
	dio = calloc(1, sizeof(*dio));
	if (!dio)
		return -ENOMEM;
	dio->lp = lp;
	dio->q_tail = &dio->q_head;
	dio->done_tail = &dio->done_head;
	if (getenv(DISK_HOLD_ENV) && *getenv(DISK_HOLD_ENV)) {
		dio->hold_path = strdup(getenv(DISK_HOLD_ENV));
		if (!dio->hold_path) {
			r = -ENOMEM;
			goto err_free;
		}
		log_warn("log devices: no write starts while %s exists (%s)",
			 dio->hold_path, DISK_HOLD_ENV);
	}
	dio->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dio->efd < 0) {
		r = -errno;
		goto err_free;
	}
	r = -pthread_mutex_init(&dio->mu, NULL);
	if (r)
		goto err_close;
	r = -pthread_cond_init(&dio->cv, NULL);
	if (r)
		goto err_mutex;
	r = loop_add_fd(lp, dio->efd, POLLIN, on_eventfd, dio, "disk-io");
	if (r < 0)
		goto err_cond;
	/* Signals belong to the loop thread (signalfd): the worker takes
	 * none, whatever mask the caller has. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&dio->thread, NULL, worker_main, dio);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		goto err_del;
	*out = dio;
	return 0;

err_del:
	loop_del_fd(lp, dio->efd);
err_cond:
	pthread_cond_destroy(&dio->cv);
err_mutex:
	pthread_mutex_destroy(&dio->mu);
err_close:
	close(dio->efd);
err_free:
	free(dio->hold_path);
	free(dio);
	return r;
}

void disk_io_free(struct disk_io *dio)
{
	if (!dio)
		return;
	pthread_mutex_lock(&dio->mu);
	dio->stop = true;
	pthread_cond_signal(&dio->cv);
	pthread_mutex_unlock(&dio->mu);
	/* The worker drains the queue before it exits. */
	pthread_join(dio->thread, NULL);
	run_done(dio);

	/* Devices still open outlive the worker: writes now fail. */
	for (struct disk_dev *d = dio->devs, *next; d; d = next) {
		next = d->next;
		d->dio = NULL;
		d->prev = d->next = NULL;
	}
	loop_del_fd(dio->lp, dio->efd);
	close(dio->efd);
	pthread_cond_destroy(&dio->cv);
	pthread_mutex_destroy(&dio->mu);
	free(dio->hold_path);
	free(dio);
}
