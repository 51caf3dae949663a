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

struct mlog *logs_find(const struct logs *ls, const char *uuid)
{
	size_t b = crc32c_bucket(uuid, LOGS_HASH);

	for (struct mlog *m = ls->hash[b]; m; m = m->hnext)
		if (!strcmp(m->uuid, uuid))
			return m;
	return NULL;
}

void logs_link(struct logs *ls, struct mlog *m)
{
	size_t b = crc32c_bucket(m->uuid, LOGS_HASH);

	m->next = ls->logs;
	ls->logs = m;
	m->hnext = ls->hash[b];
	ls->hash[b] = m;
}

void logs_unlink(struct logs *ls, struct mlog *m)
{
	size_t b = crc32c_bucket(m->uuid, LOGS_HASH);

	for (struct mlog **pp = &ls->logs; *pp; pp = &(*pp)->next)
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	for (struct mlog **pp = &ls->hash[b]; *pp; pp = &(*pp)->hnext)
		if (*pp == m) {
			*pp = m->hnext;
			break;
		}
}
