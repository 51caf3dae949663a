/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registry of mirror logs: a list for the rare walks over all of them
 * and uuid buckets for the lookup every kernel request makes, so a daemon
 * with a thousand logs finds one as fast as with one.
 */
#include "config.h"

#include <string.h>

#include "cmirror/crc32c.h"
#include "logs_int.h"

static size_t bucket(const char *uuid)
{
	return crc32c(0, uuid, strlen(uuid)) % LOGS_HASH;
}

struct mlog *logs_find(const struct logs *ls, const char *uuid)
{
	for (struct mlog *m = ls->hash[bucket(uuid)]; m; m = m->hnext)
		if (!strcmp(m->uuid, uuid))
			return m;
	return NULL;
}

void logs_link(struct logs *ls, struct mlog *m)
{
	size_t b = bucket(m->uuid);

	m->next = ls->logs;
	ls->logs = m;
	m->hnext = ls->hash[b];
	ls->hash[b] = m;
}

void logs_unlink(struct logs *ls, struct mlog *m)
{
	for (struct mlog **pp = &ls->logs; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	for (struct mlog **pp = &ls->hash[bucket(m->uuid)]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == m) {
			*pp = m->hnext;
			break;
		}
}
