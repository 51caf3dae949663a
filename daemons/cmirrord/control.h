/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket cmirrorctl talks to: a unix SOCK_SEQPACKET socket
 * (mode 0600) served from the poll loop, speaking ctlproto.h.  Only root
 * and the daemon's own uid are served (checked with SO_PEERCRED).
 */
#ifndef CMIRRORD_CONTROL_H
#define CMIRRORD_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>
#include "logs.h"
#include "loop.h"
#include "options.h"

struct control;

/*
 * Listen on `path`: a stale socket there is replaced, a live one (another
 * daemon answers) gives -EADDRINUSE, a non-socket file -EEXIST.  `ls` and
 * `o` must outlive the control socket.  0 or -errno.
 */
int control_setup(struct loop *lp, const char *path, struct logs *ls,
		  const struct cmirrord_opts *o, struct control **out);
/* Close every connection and remove the socket file (if still ours).
 * NULL is a no-op. */
void control_close(struct control *c);

/* The access rule: root, or the uid the daemon runs as. */
bool control_peer_allowed(uid_t peer, uid_t self);

#endif
