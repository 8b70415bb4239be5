/* retry.h - when to try an AWS call again: the two retry policies, and
 * the clock and random source they read (injectable for tests).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "Retry behavior" (standard
 *      mode: 3 attempts, full jitter, 20 s cap); AWS Architecture Blog,
 *      "Exponential Backoff And Jitter" (full jitter); RFC 9110 10.2.3
 *      (Retry-After); docs/design.md "Retries".
 *
 * Standard (interactive commands): at most max_attempts attempts, as the
 * SDKs. Boot (luks-mount's unlock): as many attempts as the deadline
 * allows, so a fleet throttled by its shared KMS quota still unlocks.
 * Both wait random in [0, min(cap, base * 2^n)] after the n-th failure
 * (full jitter: a fleet's retries spread instead of arriving in step);
 * a throttled call at boot starts from a much larger base (the quota is
 * shared: a whole fleet is waiting for it, and retries spread over 10 s
 * let about 10 s worth of the quota's requests through at once; a
 * smaller one multiplies the requests: bench/fleet, design.md); a Retry-After the server sends is the
 * least wait; no wait ends later than the deadline allows an attempt.
 */
#ifndef LUKSBOX_RETRY_H
#define LUKSBOX_RETRY_H

#include <stdint.h>

enum retry_mode {
	RETRY_STANDARD = 0, /* SDK-like: an attempt count, then give up */
	RETRY_BOOT = 1,	    /* until the deadline */
};

#define RETRY_BASE_MS 1000	     /* 5xx, transport errors */
#define RETRY_THROTTLE_BASE_MS 10000 /* throttling, in boot mode */
#define RETRY_CAP_MS 20000	     /* standard mode's cap, the SDKs' */
#define RETRY_BOOT_CAP_MS 12000	     /* boot mode's cap: see design.md */
/* The least time left for an attempt worth making: a retry that would
 * start later than this before the deadline is not made. */
#define RETRY_ATTEMPT_MS 1000
#define RETRY_AFTER_MAX_S 3600 /* a larger Retry-After is malformed */

/* Time and chance, as the policy sees them. */
struct retry_clock {
	int64_t (*now_ms)(void *arg);		 /* monotonic milliseconds */
	void (*sleep_ms)(void *arg, int64_t ms); /* wait MS (>= 0) */
	uint32_t (*random)(void *arg);		 /* uniform 32 bits */
	void *arg;
};

/* The real ones: CLOCK_MONOTONIC, nanosleep, getrandom. */
extern const struct retry_clock retry_clock_real;

struct retry {
	enum retry_mode mode;
	int max_attempts; /* standard mode's budget (>= 1) */
	int64_t deadline; /* on CLK's clock */
	const struct retry_clock *clk;
	unsigned failures; /* failed attempts so far */
	int64_t waited_ms; /* slept between attempts, in all */
	const char *why;   /* after -1: why no further attempt, a constant */
};

/* Start R for one call: MODE, MAX_ATTEMPTS (used in standard mode),
 * DEADLINE, CLK (NULL: retry_clock_real). */
void retry_init(struct retry *r, enum retry_mode mode, int max_attempts,
		int64_t deadline, const struct retry_clock *clk);

/*
 * An attempt failed with what may be retried: THROTTLED when the server
 * said so, RETRY_AFTER_MS its Retry-After (-1: none). Returns how long to
 * wait before the next attempt (>= 0 ms; the wait itself is the caller's,
 * retry_wait()), or -1 when there is to be none: R->why says why (the
 * attempt budget spent, the deadline reached).
 */
int64_t retry_next(struct retry *r, int throttled, int64_t retry_after_ms);

/* retry_next(), then sleep on R's clock: 0 to try again, -1 to stop. */
int retry_wait(struct retry *r, int throttled, int64_t retry_after_ms);

/* A Retry-After value in milliseconds: delay-seconds only (an HTTP-date
 * needs a trusted clock), 0 to RETRY_AFTER_MAX_S; -1 when absent or
 * malformed (untrusted text: digits only, no overflow). */
int64_t retry_after_ms(const char *value);

#endif
