/* applet.h - what every applet and the dispatcher share.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Messages and exit codes", docs/style.md "Applets".
 */
#ifndef LUKSBOX_APPLET_H
#define LUKSBOX_APPLET_H

/* Exit codes (docs/design.md): 75 is sysexits' EX_TEMPFAIL, "retry may succeed". */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TEMP = 75,
	EXIT_NOAPPLET = 127,
};

/* Applet flags, set in applets.def and acted on once by the dispatcher. */
enum {
	AF_ROOT = 1 << 0,
	AF_SECRET = 1 << 1,
	AF_NOLINK = 1 << 2,
};

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *usage;
	unsigned flags;
};

/* The one writable global: the running applet's name, for messages. */
extern const char *applet_name;

#define APPLET(id, cmd, flags)                \
	int id##_main(int argc, char **argv); \
	extern const char id##_usage[];
#include "applets.def"
#undef APPLET

/* The table, sorted by name, and its length (applets/main.c). */
extern const struct applet applets[];
extern const unsigned applets_count;

/* Find the applet called NAME; NULL when there is none. */
const struct applet *applet_find(const char *name);

/*
 * Messages, one format (docs/design.md): "APPLET: unable to VERB OBJECT: REASON".
 * fail() prints "APPLET: unable to " followed by FMT on stderr and returns
 * CODE, so an applet can `return fail(EXIT_FAIL, "open %s: %s", dev, why);`.
 * fail_err() appends ": strerror(ERR)" (ERR positive or negative errno).
 * usage_error() prints "APPLET: FMT" and a --help hint; returns EXIT_USAGE.
 * note() prints "APPLET: FMT" for progress and warnings.
 * Never pass key material to any of them.
 */
int fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int fail_err(int code, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Exit class of a -errno from library code: EXIT_TEMP for what a retry may
 * cure (timeouts, unreachable or refused peers, EAGAIN, EBUSY), else EXIT_FAIL.
 */
int exit_class(int err);

#endif
