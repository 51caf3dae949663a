// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pid file with an fcntl() lock (see pidfile.h).  The file is unlinked
 * before the lock is released so a starting instance never locks a file
 * that is about to disappear.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pidfile.h"

struct pidfile {
	int fd;
	char *path;
};

static int lock_file(int fd, pid_t *holder)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_SETLK, &fl) == 0)
		return 0;
	if (errno != EAGAIN && errno != EACCES)
		return -errno;
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (holder && fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		*holder = fl.l_pid;
	return -EEXIST;
}

int pidfile_create(const char *path, pid_t *holder, struct pidfile **out)
{
	struct pidfile *p;
	char line[32];
	int n, r;

	if (holder)
		*holder = 0;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->path = strdup(path);
	if (!p->path) {
		r = -ENOMEM;
		goto err_free;
	}
	p->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (p->fd < 0) {
		r = -errno;
		goto err_free;
	}
	r = lock_file(p->fd, holder);
	if (r < 0)
		goto err_close;
	n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	errno = 0;
	if (ftruncate(p->fd, 0) < 0 || pwrite(p->fd, line, (size_t)n, 0) != n) {
		r = errno ? -errno : -EIO;
		goto err_close;
	}
	*out = p;
	return 0;
err_close:
	close(p->fd);
err_free:
	free(p->path);
	free(p);
	return r;
}

void pidfile_remove(struct pidfile *p)
{
	if (!p)
		return;
	unlink(p->path);
	close(p->fd);
	free(p->path);
	free(p);
}
