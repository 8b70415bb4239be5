/* secret.c - locked, never-dumped, always-wiped memory for key material.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: crypto/secret.h, mlock(2), madvise(2), prctl(2), explicit_bzero(3).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/secret.h"

int secret_arena_init(struct secret_arena *a, size_t size, int allow_unlocked)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	memset(a, 0, sizeof(*a));
	if (page <= 0)
		page = 4096;
	size = (size + (size_t)page - 1) & ~((size_t)page - 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -ENOMEM;
	/* Keep secrets out of core dumps even if dumpability is restored. */
	(void)madvise(p, size, MADV_DONTDUMP);
	/* Never copied into a child: a fork()ed mkfs must not inherit keys. */
	(void)madvise(p, size, MADV_DONTFORK);
	if (mlock(p, size) == 0) {
		a->locked = 1;
	} else if (!allow_unlocked) {
		int err = -errno;

		munmap(p, size);
		return err;
	}
	a->base = p;
	a->size = size;
	return 0;
}

void *secret_alloc(struct secret_arena *a, size_t n)
{
	size_t off = (a->used + 15) & ~(size_t)15;

	if (!a->base || n > a->size || off > a->size - n)
		return NULL;
	a->used = off + n;
	return a->base + off;
}

void secret_arena_reset(struct secret_arena *a)
{
	if (a->base)
		secret_wipe(a->base, a->used);
	a->used = 0;
}

void secret_arena_fini(struct secret_arena *a)
{
	if (a->base) {
		secret_arena_reset(a);
		if (a->locked)
			munlock(a->base, a->size);
		munmap(a->base, a->size);
	}
	memset(a, 0, sizeof(*a));
}

void secret_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

int secret_cmp(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d != 0;
}

int secret_harden_process(void)
{
	struct rlimit zero = {0, 0};

	umask(077);
	if (setrlimit(RLIMIT_CORE, &zero) < 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
