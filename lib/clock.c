/* clock.c - the monotonic clock and deadlines.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: clock.h.
 */
#include <stdio.h>
#include <time.h>

#include "lib/clock.h"

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t deadline_in(int64_t ms)
{
	return now_ms() + (ms > 0 ? ms : 0);
}

int64_t deadline_within(int64_t ms, int64_t limit)
{
	int64_t d = deadline_in(ms);

	return d < limit ? d : limit;
}

int64_t deadline_left(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? left : 0;
}

const char *utc_iso8601(long long secs, char *buf, size_t cap)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, cap, "@%lld", secs);
	return buf;
}
