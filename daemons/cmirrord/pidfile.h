/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pid file doubles as the single-instance lock: an fcntl() write lock on
 * the whole file, held for the daemon's lifetime (the kernel drops it if we
 * die, so a stale file never blocks a restart).
 */
#ifndef CMIRRORD_PIDFILE_H
#define CMIRRORD_PIDFILE_H

#include <sys/types.h>

struct pidfile;

/*
 * Create or open `path`, lock it and write our pid.  0, or -EEXIST when
 * another process holds the lock (its pid in *holder, 0 if unknown), or
 * another -errno.
 */
int pidfile_create(const char *path, pid_t *holder, struct pidfile **out);
/* Unlink the file, then drop the lock.  NULL is a no-op. */
void pidfile_remove(struct pidfile *p);

#endif
