/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An intrusive work queue: a link inside an object that is on the queue
 * at most once.  The per-iteration hooks walk only the objects with work
 * queued, so an idle log costs nothing per request of a busy one.
 */
#ifndef CMIRRORD_QLIST_H
#define CMIRRORD_QLIST_H

#include <stdbool.h>
#include <stddef.h>

struct qlink {
	struct qlink *next;
	struct qlink **pprev;	/* NULL: not queued */
};

#define qlist_entry(l, type, member) \
	((type *)((char *)(l) - offsetof(type, member)))

static inline bool qlist_queued(const struct qlink *l)
{
	return l->pprev != NULL;
}

/* At the head; a queued link stays where it is. */
static inline void qlist_add(struct qlink **head, struct qlink *l)
{
	if (l->pprev)
		return;
	l->next = *head;
	if (l->next)
		l->next->pprev = &l->next;
	*head = l;
	l->pprev = head;
}

static inline void qlist_del(struct qlink *l)
{
	if (!l->pprev)
		return;
	*l->pprev = l->next;
	if (l->next)
		l->next->pprev = l->pprev;
	l->next = NULL;
	l->pprev = NULL;
}

#endif
