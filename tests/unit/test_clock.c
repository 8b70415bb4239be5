/* test_clock.c - lib/clock: the monotonic clock moves forward in
 * milliseconds; a deadline's remainder counts down and never goes below 0.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/clock"
#include <time.h>

#include "t.h"
#include "lib/clock.h"

static void test_clock(void)
{
	struct timespec ts = {0, 50 * 1000000L};
	int64_t a = now_ms(), b, d, left;

	nanosleep(&ts, NULL);
	b = now_ms();
	CHECKF(b - a >= 50 && b - a < 5000, "slept 50 ms, clock moved %lld",
	       (long long)(b - a));
	d = deadline_in(200);
	left = deadline_left(d);
	CHECK(left > 100 && left <= 200);
	/* Negative intervals are taken as 0: a deadline already here. */
	CHECK(deadline_in(-5) <= now_ms());
	CHECK(deadline_left(now_ms() - 1000) == 0);
	CHECK(deadline_left(0) == 0);
	/* Within a limit: the earlier of the two. */
	d = deadline_in(10000);
	CHECK(deadline_within(200, d) <= deadline_in(200) &&
	      deadline_within(200, d) < d);
	CHECK(deadline_within(60000, d) == d);
	CHECK(deadline_within(1000, 0) == 0);
}

int main(void)
{
	T_RUN(test_clock);
	return T_END();
}
