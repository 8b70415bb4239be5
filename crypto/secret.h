/* secret.h - locked, never-dumped, always-wiped memory for key material.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: mlock(2), madvise(2) MADV_DONTDUMP, prctl(2) PR_SET_DUMPABLE,
 *      explicit_bzero(3); cryptsetup's crypt_safe_alloc for the idea.
 *
 * Keys, KMS plaintexts, HMAC keys and TLS contexts live in one arena per
 * process: an anonymous mapping that is mlock'd (never swapped to disk),
 * excluded from core dumps and wiped when freed. Allocation is a bump
 * pointer: secrets are few, sized up front and freed together.
 */
#ifndef LUKSBOX_SECRET_H
#define LUKSBOX_SECRET_H

#include <stddef.h>

struct secret_arena {
	unsigned char *base; /* the mapping; NULL before init */
	size_t size;	     /* bytes mapped (page multiple) */
	size_t used;	     /* bytes handed out */
	int locked;	     /* 1 when mlock succeeded */
};

/*
 * Map SIZE bytes (rounded up to pages) for secrets. Returns 0, or -errno:
 * -ENOMEM when the mapping fails, or the mlock error (-EPERM, -ENOMEM past
 * RLIMIT_MEMLOCK) when the pages cannot be locked - with ALLOW_UNLOCKED set,
 * that is not an error and a->locked says what happened. The caller owns A
 * and must call secret_arena_fini().
 */
int secret_arena_init(struct secret_arena *a, size_t size, int allow_unlocked);

/*
 * N zeroed bytes from the arena, 16-byte aligned, or NULL when it is full
 * (callers size their arena: that is a bug, not a runtime condition).
 */
void *secret_alloc(struct secret_arena *a, size_t n);

/* Wipe every byte handed out so far and make the whole arena free again. */
void secret_arena_reset(struct secret_arena *a);

/* Wipe every byte ever handed out and unmap. Safe on a zeroed struct. */
void secret_arena_fini(struct secret_arena *a);

/* Zero N bytes at P in a way the compiler may not elide. */
void secret_wipe(void *p, size_t n);

/* Compare N bytes in time independent of content: 0 when equal. */
int secret_cmp(const void *a, const void *b, size_t n);

/*
 * Harden this process before it touches a secret: not dumpable (no core,
 * no ptrace by the same uid, /proc/PID/mem closed), RLIMIT_CORE 0 and
 * umask 077 so nothing we create is readable by others. Returns 0 or -errno.
 */
int secret_harden_process(void);

#endif
