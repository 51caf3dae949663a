// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The simulated mirror's data, shared by every node's simulator of a test
 * through --state-dir:
 *   leg0, leg1    region_count * 8 slots * 8 bytes; slot K belongs to the
 *                 node with --slot K, which writes unique u64 values there
 *   lock          fcntl byte-range locks, byte r = region r: one region's
 *                 leg I/O is atomic against other nodes' writes/resync
 *   journal.NAME  what node NAME did, one "X r" line per event:
 *                 M (mark about to be sent), W (mark flushed: legs about to
 *                 be written), C (clear about to be sent), R (resynced,
 *                 SET_REGION_SYNC about to be sent), X 0 (the table was
 *                 rebuilt after a reconnect/-ESRCH: earlier marks are no
 *                 longer known to be held)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksim.h"

/* xorshift64*: reproducible with --seed, good enough for a workload. */
uint64_t ksim_rand(struct ksim *k)
{
	uint64_t x = k->rng ? k->rng : 0x9E3779B97F4A7C15ull;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	k->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static int open_in(struct ksim *k, const char *name, int flags)
{
	char path[4096];
	int n, fd;

	n = snprintf(path, sizeof(path), "%s/%s", k->o.state_dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	return fd;
}

/* Grow a leg to the table's size; it never shrinks (other nodes' data). */
static int size_leg(struct ksim *k, int fd)
{
	off_t want = (off_t)(k->region_count * KSIM_REGION_BYTES);
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < want && ftruncate(fd, want) < 0)
		return -errno;
	return 0;
}

int ksim_data_open(struct ksim *k, bool need, bool journal)
{
	char jname[300];
	int i, r, n;

	if (!k->o.state_dir) {
		if (need) {
			fprintf(stderr, "ksim: this command needs --state-dir\n");
			return -EINVAL;
		}
		return 0;
	}
	if (mkdir(k->o.state_dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	for (i = 0; i < 2; i++) {
		r = open_in(k, i ? "leg1" : "leg0", O_RDWR | O_CREAT);
		if (r < 0)
			return r;
		k->leg_fd[i] = r;
		r = size_leg(k, k->leg_fd[i]);
		if (r < 0)
			return r;
	}
	r = open_in(k, "lock", O_RDWR | O_CREAT);
	if (r < 0)
		return r;
	k->lock_fd = r;
	if (!journal)
		return 0;
	n = snprintf(jname, sizeof(jname), "journal.%s", k->o.node);
	if (n < 0 || (size_t)n >= sizeof(jname))
		return -ENAMETOOLONG;
	r = open_in(k, jname, O_WRONLY | O_CREAT | O_APPEND);
	if (r < 0)
		return r;
	k->journal = fdopen(r, "a");
	if (!k->journal) {
		close(r);
		return -ENOMEM;
	}
	/* Line buffered: a killed simulator leaves whole lines behind. */
	setvbuf(k->journal, NULL, _IOLBF, 0);
	return 0;
}

void ksim_data_close(struct ksim *k)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (k->leg_fd[i] >= 0)
			close(k->leg_fd[i]);
		k->leg_fd[i] = -1;
	}
	if (k->lock_fd >= 0)
		close(k->lock_fd);
	k->lock_fd = -1;
	if (k->journal)
		fclose(k->journal);
	k->journal = NULL;
}

int ksim_lock_region(struct ksim *k, uint64_t r, bool lock)
{
	struct flock fl = {
		.l_type = lock ? F_WRLCK : F_UNLCK,
		.l_whence = SEEK_SET,
		.l_start = (off_t)r,
		.l_len = 1,
	};

	if (k->lock_fd < 0)
		return 0;
	while (fcntl(k->lock_fd, F_SETLKW, &fl) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int pio(int fd, void *buf, size_t len, off_t off, bool wr)
{
	while (len) {
		ssize_t n = wr ? pwrite(fd, buf, len, off) :
				 pread(fd, buf, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			/* Short file: reads as zeros (not yet written). */
			if (wr)
				return -EIO;
			memset(buf, 0, len);
			return 0;
		}
		buf = (uint8_t *)buf + n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

int ksim_write_region(struct ksim *k, uint64_t r, bool both)
{
	uint64_t v = ((uint64_t)k->o.slot << 56) |
		     (++k->counter & ((1ull << 56) - 1));
	off_t off = (off_t)(r * KSIM_REGION_BYTES + k->o.slot * KSIM_SLOT_SIZE);
	int e;

	if (k->leg_fd[0] < 0)
		return 0;
	e = pio(k->leg_fd[0], &v, sizeof(v), off, true);
	if (e == 0 && both)
		e = pio(k->leg_fd[1], &v, sizeof(v), off, true);
	return e;
}

int ksim_copy_region(struct ksim *k, uint64_t r)
{
	uint8_t buf[KSIM_REGION_BYTES];
	off_t off = (off_t)(r * KSIM_REGION_BYTES);
	int e;

	if (k->leg_fd[0] < 0)
		return 0;
	e = pio(k->leg_fd[0], buf, sizeof(buf), off, false);
	if (e == 0)
		e = pio(k->leg_fd[1], buf, sizeof(buf), off, true);
	return e;
}

int ksim_legs_equal(struct ksim *k, uint64_t r)
{
	uint8_t a[KSIM_REGION_BYTES], b[KSIM_REGION_BYTES];
	off_t off = (off_t)(r * KSIM_REGION_BYTES);
	int e;

	e = pio(k->leg_fd[0], a, sizeof(a), off, false);
	if (e == 0)
		e = pio(k->leg_fd[1], b, sizeof(b), off, false);
	if (e < 0)
		return e;
	return memcmp(a, b, sizeof(a)) == 0;
}

void ksim_journal(struct ksim *k, char what, uint64_t r)
{
	if (k->journal)
		fprintf(k->journal, "%c %" PRIu64 "\n", what, r);
}

long ksim_journal_dirty(struct ksim *k, const char *name, uint64_t **out)
{
	char jname[300], line[128];
	uint8_t *dirty;
	uint64_t *list;
	long cnt = 0;
	FILE *f;
	int fd, n;
	uint64_t i;

	*out = NULL;
	n = snprintf(jname, sizeof(jname), "journal.%s", name);
	if (n < 0 || (size_t)n >= sizeof(jname))
		return -ENAMETOOLONG;
	fd = open_in(k, jname, O_RDONLY);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	dirty = calloc(k->region_count ? k->region_count : 1, 1);
	if (!dirty) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		char *end;

		/* A torn last line (killed writer) has no newline: skip. */
		if (!strchr(line, '\n') || line[1] != ' ')
			continue;
		errno = 0;
		v = strtoull(line + 2, &end, 10);
		if (errno || end == line + 2 || *end != '\n' ||
		    v >= k->region_count)
			continue;
		if (line[0] == 'X')
			memset(dirty, 0, k->region_count);
		else if (line[0] == 'W')
			dirty[v] = 1;
		else if (line[0] == 'C')
			dirty[v] = 0;
	}
	fclose(f);
	for (i = 0; i < k->region_count; i++)
		cnt += dirty[i];
	list = malloc(sizeof(*list) * (size_t)(cnt ? cnt : 1));
	if (!list) {
		free(dirty);
		return -ENOMEM;
	}
	cnt = 0;
	for (i = 0; i < k->region_count; i++)
		if (dirty[i])
			list[cnt++] = i;
	free(dirty);
	*out = list;
	return cnt;
}
