/* t.h - the smallest unit-test harness: CHECK inside test functions,
 * T_RUN in main, one PASS/FAIL line per test function for tests/run.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *	static void test_wipe(void) { ...; CHECK(buf[0] == 0); }
 *	int main(void) { T_RUN(test_wipe); return T_END(); }
 */
#ifndef LUKSBOX_T_H
#define LUKSBOX_T_H

#include <stdio.h>
#include <string.h>

static int t_failed_checks; /* failed CHECKs in the running test */
static int t_failed_tests;  /* failed test functions so far */
static char t_first[512];   /* the first failed CHECK, for the FAIL line */

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			if (!t_failed_checks++)                        \
				snprintf(t_first, sizeof(t_first),     \
					 "%s:%d: CHECK(%s)", __FILE__, \
					 __LINE__, #cond);             \
		}                                                      \
	} while (0)

/* CHECK with a formatted detail, e.g. the value that was wrong. */
#define CHECKF(cond, ...)                                                     \
	do {                                                                  \
		if (!(cond)) {                                                \
			if (!t_failed_checks++) {                             \
				int n_ = snprintf(t_first, sizeof(t_first),   \
						  "%s:%d: CHECK(%s): ",       \
						  __FILE__, __LINE__, #cond); \
				if (n_ > 0 && (size_t)n_ < sizeof(t_first))   \
					snprintf(t_first + n_,                \
						 sizeof(t_first) - n_,        \
						 __VA_ARGS__);                \
			}                                                     \
		}                                                             \
	} while (0)

#ifndef T_SUITE
#define T_SUITE __FILE__
#endif

#define T_RUN(fn)                                                       \
	do {                                                            \
		t_failed_checks = 0;                                    \
		fn();                                                   \
		if (t_failed_checks) {                                  \
			t_failed_tests++;                               \
			printf("FAIL %s: %s: %s (%d failed checks)\n",  \
			       T_SUITE, #fn, t_first, t_failed_checks); \
		} else {                                                \
			printf("PASS %s: %s\n", T_SUITE, #fn);          \
		}                                                       \
		fflush(stdout);                                         \
	} while (0)

#define T_SKIP(fn, why) printf("SKIP %s: %s: %s\n", T_SUITE, #fn, why)

#define T_END() (t_failed_tests ? 1 : 0)

#endif
