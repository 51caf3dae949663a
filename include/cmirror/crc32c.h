/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of
 * checkpoints (rlog_ckpt.c) and of checkpoint transfers (wire.c).
 */
#ifndef CMIRROR_CRC32C_H
#define CMIRROR_CRC32C_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Start with crc = 0; chain by passing the result.  Uses the CPU's crc32
 * instruction where it has one (x86-64 SSE4.2). */
uint32_t crc32c(uint32_t crc, const void *data, size_t len);

/* A string's bucket in a hash table of n buckets (the uuid look-ups). */
static inline size_t crc32c_bucket(const char *s, size_t n)
{
	return crc32c(0, s, strlen(s)) % n;
}

/* The table-driven version crc32c() falls back to (tests compare them). */
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t len);

#endif
