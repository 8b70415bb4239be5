/* clock.h - time for deadlines: the monotonic clock in milliseconds, and
 * what is left of a deadline.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: clock_gettime(2) CLOCK_MONOTONIC.
 *
 * Every wait in luksbox is bounded by one absolute deadline in
 * milliseconds on the monotonic clock, so a boot step given N seconds ends
 * within N seconds whatever the network or the disks do; the wall clock
 * (which an NTP step or a bad RTC moves) never decides a timeout; it only
 * prints dates (utc_iso8601()).
 */
#ifndef LUKSBOX_CLOCK_H
#define LUKSBOX_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock. */
int64_t now_ms(void);

/* The deadline MS milliseconds from now (MS >= 0). */
int64_t deadline_in(int64_t ms);

/* The deadline MS milliseconds from now, but no later than LIMIT (a
 * deadline already set, e.g. the whole run's): the earlier of the two. */
int64_t deadline_within(int64_t ms, int64_t limit);

/* Milliseconds left before DEADLINE: 0 once it has passed. */
int64_t deadline_left(int64_t deadline);

/* Wall-clock epoch SECS as ISO 8601 UTC ("2026-12-06T16:32:24Z") into BUF
 * (CAP bytes, 21 suffice); returns BUF. For dates AWS reports, never for
 * timeouts. */
const char *utc_iso8601(long long secs, char *buf, size_t cap);

#endif
