/* retry.c - the retry policies: full-jitter exponential backoff under an
 * attempt budget (standard) or the deadline alone (boot).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: retry.h.
 */
#include "kms/retry.h"

#include <sys/random.h>
#include <time.h>

#include "lib/clock.h"

static int64_t real_now(void *arg)
{
	(void)arg;
	return now_ms();
}

static void real_sleep(void *arg, int64_t ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	(void)arg;
	while (nanosleep(&ts, &ts))
		;
}

static uint32_t real_random(void *arg)
{
	uint32_t r = 0;

	(void)arg;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)now_ms() * 2654435761u; /* jitter, not secrecy */
	return r;
}

const struct retry_clock retry_clock_real = {real_now, real_sleep, real_random,
					     NULL};

void retry_init(struct retry *r, enum retry_mode mode, int max_attempts,
		int64_t deadline, const struct retry_clock *clk)
{
	r->mode = mode;
	r->max_attempts = max_attempts > 0 ? max_attempts : 1;
	r->deadline = deadline;
	r->clk = clk ? clk : &retry_clock_real;
	r->failures = 0;
	r->waited_ms = 0;
	r->why = NULL;
}

int64_t retry_next(struct retry *r, int throttled, int64_t retry_after_ms)
{
	int boot = r->mode == RETRY_BOOT;
	int64_t base =
		boot && throttled ? RETRY_THROTTLE_BASE_MS : RETRY_BASE_MS;
	int64_t cap = boot ? RETRY_BOOT_CAP_MS : RETRY_CAP_MS;
	int64_t left = r->deadline - r->clk->now_ms(r->clk->arg);
	int64_t window, ms;
	unsigned n = r->failures++;

	if (!boot && r->failures >= (unsigned)r->max_attempts) {
		r->why = "the attempt limit";
		return -1;
	}
	/* Boot: the last attempt must still have time to be answered. The
	 * standard mode keeps the SDKs' rule: any time left is a chance. */
	if (boot)
		left -= RETRY_ATTEMPT_MS;
	if (left <= 0) {
		r->why = "the deadline";
		return -1;
	}
	window = n >= 15 ? cap : base << n;
	if (window > cap)
		window = cap;
	if (window > left)
		window = left; /* the cap shrinks near the deadline */
	ms = (int64_t)(r->clk->random(r->clk->arg) % (uint64_t)(window + 1));
	/* The server knows better when it can answer: never sooner. */
	if (retry_after_ms > ms)
		ms = retry_after_ms;
	if (ms > left)
		ms = left; /* ... but the deadline is ours */
	return ms;
}

int retry_wait(struct retry *r, int throttled, int64_t retry_after_ms)
{
	int64_t ms = retry_next(r, throttled, retry_after_ms);

	if (ms < 0)
		return -1;
	if (ms > 0)
		r->clk->sleep_ms(r->clk->arg, ms);
	r->waited_ms += ms;
	return 0;
}

int64_t retry_after_ms(const char *v)
{
	int64_t s = 0;

	if (!v)
		return -1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v < '0' || *v > '9')
		return -1;
	for (; *v >= '0' && *v <= '9'; v++) {
		s = s * 10 + (*v - '0');
		if (s > RETRY_AFTER_MAX_S)
			return -1;
	}
	while (*v == ' ' || *v == '\t')
		v++;
	return *v ? -1 : s * 1000;
}
