/* test_secret.c - crypto/secret: locked, undumpable, wiped memory.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/secret"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "t.h"
#include "crypto/secret.h"

/* kB of locked memory this process has, from /proc/self/status. */
static long vmlck_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* The VmFlags line of the mapping that starts at P, from smaps. */
static int vmflags_of(const void *p, char *out, size_t n)
{
	char line[512];
	int found = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			found = (lo == (uintptr_t)p);
		else if (found && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, n, "%s", line + 8);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static void test_arena_locked_and_undumpable(void)
{
	struct secret_arena a;
	long before = vmlck_kb(), after;
	char flags[256] = "";

	CHECK(secret_arena_init(&a, 64 * 1024, 0) == 0);
	CHECK(a.locked == 1);
	after = vmlck_kb();
	CHECKF(after - before >= 64, "VmLck grew %ld kB", after - before);
	CHECK(vmflags_of(a.base, flags, sizeof(flags)) == 0);
	CHECKF(strstr(flags, " lo") != NULL, "VmFlags:%s", flags);
	CHECKF(strstr(flags, " dd") != NULL, "VmFlags:%s", flags);
	secret_arena_fini(&a);
	CHECKF(vmlck_kb() == before, "VmLck %ld kB after fini", vmlck_kb());
	CHECK(a.base == NULL && a.used == 0);
}

static void test_alloc_aligned_bounded_zeroed(void)
{
	struct secret_arena a;
	unsigned char *p, *q;
	size_t i;
	int zero = 1;

	CHECK(secret_arena_init(&a, 4096, 0) == 0);
	p = secret_alloc(&a, 3);
	q = secret_alloc(&a, 100);
	CHECK(p && q);
	CHECK(((uintptr_t)q & 15) == 0);
	CHECK(q >= p + 3);
	for (i = 0; q && i < 100; i++)
		zero &= q[i] == 0;
	CHECK(zero);
	CHECK(secret_alloc(&a, 8192) == NULL);
	CHECK(secret_alloc(&a, (size_t)-1) == NULL);
	secret_arena_fini(&a);
}

static void test_reset_wipes_every_byte(void)
{
	struct secret_arena a;
	unsigned char *p, *base;
	size_t i, used, nonzero = 0;

	CHECK(secret_arena_init(&a, 8192, 0) == 0);
	p = secret_alloc(&a, 5000);
	CHECK(p != NULL);
	if (!p)
		return;
	memset(p, 0xA5, 5000);
	base = a.base;
	used = a.used;
	secret_arena_reset(&a);
	for (i = 0; i < used; i++)
		nonzero += base[i] != 0;
	CHECKF(nonzero == 0, "%zu bytes survived the wipe", nonzero);
	CHECK(a.used == 0);
	secret_arena_fini(&a);
}

static void test_wipe_and_cmp(void)
{
	unsigned char k[32], l[32];
	size_t i, nonzero = 0;

	memset(k, 0x5A, sizeof(k));
	memcpy(l, k, sizeof(l));
	CHECK(secret_cmp(k, l, sizeof(k)) == 0);
	l[31] ^= 1;
	CHECK(secret_cmp(k, l, sizeof(k)) != 0);
	secret_wipe(k, sizeof(k));
	for (i = 0; i < sizeof(k); i++)
		nonzero += k[i] != 0;
	CHECK(nonzero == 0);
}

static void test_harden_process(void)
{
	struct rlimit rl;
	mode_t old;

	CHECK(secret_harden_process() == 0);
	CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
	CHECK(getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_cur == 0 &&
	      rl.rlim_max == 0);
	old = umask(0);
	CHECKF(old == 077, "umask %03o", (unsigned)old);
	umask(old);
}

int main(void)
{
	T_RUN(test_arena_locked_and_undumpable);
	T_RUN(test_alloc_aligned_bounded_zeroed);
	T_RUN(test_reset_wipes_every_byte);
	T_RUN(test_wipe_and_cmp);
	T_RUN(test_harden_process);
	return T_END();
}
