/* test_retry.c - kms/retry on a fake clock: every delay within full
 * jitter's window [0, min(cap, base * 2^n)] and spread over all of it,
 * the cap, the deadline kept to the millisecond, Retry-After honoured and
 * bounded, the attempt limit of the standard mode, Retry-After parsing.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define T_SUITE "unit/retry"
#include <stdint.h>

#include "t.h"
#include "kms/retry.h"

struct fake {
	int64_t now;
	uint64_t seed;
	int64_t slept;
	uint32_t fixed; /* nonzero: random() returns it */
};

static int64_t f_now(void *arg)
{
	return ((struct fake *)arg)->now;
}

static void f_sleep(void *arg, int64_t ms)
{
	struct fake *f = arg;

	f->now += ms;
	f->slept += ms;
}

static uint32_t f_random(void *arg)
{
	struct fake *f = arg;

	if (f->fixed)
		return f->fixed;
	f->seed = f->seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(f->seed >> 33);
}

#define CLOCK(f)                               \
	{                                      \
		f_now, f_sleep, f_random, &(f) \
	}

static int64_t window(int boot, int throttled, unsigned n)
{
	int64_t base =
		boot && throttled ? RETRY_THROTTLE_BASE_MS : RETRY_BASE_MS;
	int64_t cap = boot ? RETRY_BOOT_CAP_MS : RETRY_CAP_MS;
	int64_t w = n >= 15 ? cap : base << n;

	return w > cap ? cap : w;
}

/* Full jitter: the n-th delay anywhere in [0, window], evenly: samples
 * reach both ends and average half the window (not "equal jitter",
 * whose floor is half, nor no jitter). */
static void check_spread(int boot, int throttled)
{
	struct fake f = {1000, 42, 0, 0};
	struct retry_clock clk = CLOCK(f);
	unsigned n;

	for (n = 0; n < 8; n++) {
		int64_t w = window(boot, throttled, n), lo = w, hi = 0, sum = 0;
		int i, k = 4000;

		for (i = 0; i < k; i++) {
			struct retry r;
			int64_t d;

			retry_init(&r, boot ? RETRY_BOOT : RETRY_STANDARD, 100,
				   f.now + 3600 * 1000, &clk);
			r.failures = n;
			d = retry_next(&r, throttled, -1);
			CHECKF(d >= 0 && d <= w, "n=%u delay %lld window %lld",
			       n, (long long)d, (long long)w);
			if (d < lo)
				lo = d;
			if (d > hi)
				hi = d;
			sum += d;
		}
		CHECKF(lo <= w / 20 && hi >= w - w / 20,
		       "n=%u window %lld: delays only in [%lld, %lld]", n,
		       (long long)w, (long long)lo, (long long)hi);
		CHECKF(sum / k > w * 45 / 100 && sum / k < w * 55 / 100,
		       "n=%u window %lld: mean %lld, not about half", n,
		       (long long)w, (long long)(sum / k));
	}
}

static void test_full_jitter_bounds_and_spread(void)
{
	check_spread(1, 1);
	check_spread(1, 0);
	check_spread(0, 1);
	check_spread(0, 0);
}

/* Windows double from the base, then stop at the cap; the first window
 * of a throttled boot call is the larger base. */
static void test_windows_and_cap(void)
{
	struct fake f = {0, 0, 0, UINT32_MAX};
	struct retry_clock clk = CLOCK(f);
	struct retry r;
	unsigned n;

	CHECK(window(1, 1, 0) == 10000 && window(1, 0, 0) == 1000);
	CHECK(window(1, 0, 1) == 2000 && window(1, 0, 3) == 8000);
	CHECK(window(1, 1, 1) == RETRY_BOOT_CAP_MS &&
	      window(1, 0, 4) == RETRY_BOOT_CAP_MS);
	CHECK(window(0, 1, 0) == 1000 && window(0, 1, 4) == 16000 &&
	      window(0, 1, 5) == RETRY_CAP_MS);
	/* UINT32_MAX % (w + 1) is the window's top for these w: 4001 and
	 * 1001 etc. divide 2^32 - 1 unevenly, so compute the expected. */
	for (n = 0; n < 40; n++) {
		int64_t w = window(1, 1, n), d;

		retry_init(&r, RETRY_BOOT, 3, 24 * 3600 * 1000LL, &clk);
		r.failures = n;
		d = retry_next(&r, 1, -1);
		CHECKF(d == (int64_t)(UINT32_MAX % (uint64_t)(w + 1)),
		       "n=%u delay %lld", n, (long long)d);
		CHECK(d <= RETRY_BOOT_CAP_MS);
	}
	retry_init(&r, RETRY_STANDARD, 1000, 24 * 3600 * 1000LL, &clk);
	r.failures = 30;
	CHECK(retry_next(&r, 1, -1) <= RETRY_CAP_MS);
	/* After many failures the window is the cap itself: the largest
	 * random draw reaches it exactly. */
	f.fixed = (uint32_t)RETRY_BOOT_CAP_MS;
	retry_init(&r, RETRY_BOOT, 3, 24 * 3600 * 1000LL, &clk);
	r.failures = 20;
	CHECK(retry_next(&r, 1, -1) == RETRY_BOOT_CAP_MS);
}

/* Boot mode: attempts until the deadline, not a count; no wait ends
 * later than RETRY_ATTEMPT_MS before it; near it the window shrinks. */
static void test_boot_deadline(void)
{
	struct fake f = {5000, 7, 0, 0};
	struct retry_clock clk = CLOCK(f);
	struct retry r;
	int64_t deadline = 5000 + 60000;
	unsigned tries = 1;

	retry_init(&r, RETRY_BOOT, 3, deadline, &clk);
	while (retry_wait(&r, 1, -1) == 0) {
		tries++;
		CHECKF(f.now <= deadline - RETRY_ATTEMPT_MS,
		       "attempt %u starts at %lld, deadline %lld", tries,
		       (long long)f.now, (long long)deadline);
		f.now += 50; /* the attempt itself */
	}
	CHECKF(tries > 3, "boot mode stopped after %u attempts", tries);
	CHECK(r.why && !strcmp(r.why, "the deadline"));
	CHECK(f.now > deadline - RETRY_ATTEMPT_MS - RETRY_BOOT_CAP_MS);
	/* Exactly at the edge: 1 ms of slack is a 0-1 ms wait, none is no
	 * attempt. */
	f.fixed = UINT32_MAX;
	f.now = deadline - RETRY_ATTEMPT_MS - 1;
	retry_init(&r, RETRY_BOOT, 3, deadline, &clk);
	CHECK(retry_next(&r, 1, -1) <= 1);
	f.now = deadline - RETRY_ATTEMPT_MS;
	retry_init(&r, RETRY_BOOT, 3, deadline, &clk);
	CHECK(retry_next(&r, 1, -1) == -1);
	/* The cap shrinks near the deadline: 2.5 s left, 1.5 s to wait at
	 * most. */
	f.now = deadline - 2500;
	retry_init(&r, RETRY_BOOT, 3, deadline, &clk);
	r.failures = 5;
	CHECK(retry_next(&r, 1, -1) <= 1500);
	/* ... and the draws spread under it, rather than most of a 10 s
	 * window cut to the same last moment (the fleet in step again). */
	{
		int i, at_edge = 0;

		f.fixed = 0;
		for (i = 0; i < 1000; i++) {
			int64_t d;

			retry_init(&r, RETRY_BOOT, 3, deadline, &clk);
			r.failures = 5;
			d = retry_next(&r, 1, -1);
			CHECK(d >= 0 && d <= 1500);
			at_edge += d == 1500;
		}
		CHECKF(at_edge < 10, "%d of 1000 waits end at the edge",
		       at_edge);
	}
}

/* Standard mode: three attempts (two waits), whatever the time left. */
static void test_standard_attempt_limit(void)
{
	struct fake f = {0, 9, 0, 0};
	struct retry_clock clk = CLOCK(f);
	struct retry r;
	unsigned waits = 0;

	retry_init(&r, RETRY_STANDARD, 3, 3600 * 1000, &clk);
	while (retry_wait(&r, 1, -1) == 0)
		waits++;
	CHECKF(waits == 2, "%u waits", waits);
	CHECK(r.why && !strcmp(r.why, "the attempt limit"));
	CHECK(f.slept <= 1000 + 2000);
	retry_init(&r, RETRY_STANDARD, 1, 3600 * 1000, &clk);
	CHECK(retry_next(&r, 0, -1) == -1);
	/* The deadline still bounds it. */
	f.now = 3600 * 1000;
	retry_init(&r, RETRY_STANDARD, 3, 3600 * 1000, &clk);
	CHECK(retry_next(&r, 0, -1) == -1);
	CHECK(r.why && !strcmp(r.why, "the deadline"));
}

/* A Retry-After is the least wait, in both modes, but never past the
 * deadline. */
static void test_retry_after(void)
{
	struct fake f = {0, 3, 0, 0};
	struct retry_clock clk = CLOCK(f);
	struct retry r;
	int i;

	for (i = 0; i < 200; i++) {
		retry_init(&r, RETRY_BOOT, 3, 60000, &clk);
		CHECK(retry_next(&r, 1, 7000) >= 7000);
		retry_init(&r, RETRY_STANDARD, 3, 60000, &clk);
		CHECK(retry_next(&r, 0, 7000) >= 7000);
	}
	/* Larger than the cap: still honoured. */
	retry_init(&r, RETRY_BOOT, 3, 60000, &clk);
	CHECK(retry_next(&r, 1, 30000) == 30000);
	/* Past the deadline: the last moment an attempt is worth making. */
	retry_init(&r, RETRY_BOOT, 3, 60000, &clk);
	CHECK(retry_next(&r, 1, 120000) == 60000 - RETRY_ATTEMPT_MS);
	retry_init(&r, RETRY_STANDARD, 3, 60000, &clk);
	CHECK(retry_next(&r, 1, 120000) == 60000);
}

static void test_retry_after_parse(void)
{
	CHECK(retry_after_ms("5") == 5000);
	CHECK(retry_after_ms(" 12 ") == 12000);
	CHECK(retry_after_ms("0") == 0);
	CHECK(retry_after_ms("3600") == 3600000);
	CHECK(retry_after_ms("3601") == -1);
	CHECK(retry_after_ms("99999999999999999999999") == -1);
	CHECK(retry_after_ms("-1") == -1);
	CHECK(retry_after_ms("1e3") == -1);
	CHECK(retry_after_ms("1.5") == -1);
	CHECK(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT") == -1);
	CHECK(retry_after_ms("") == -1);
	CHECK(retry_after_ms(NULL) == -1);
}

int main(void)
{
	T_RUN(test_full_jitter_bounds_and_spread);
	T_RUN(test_windows_and_cap);
	T_RUN(test_boot_deadline);
	T_RUN(test_standard_attempt_limit);
	T_RUN(test_retry_after);
	T_RUN(test_retry_after_parse);
	return T_END();
}
