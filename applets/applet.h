/* applet.h - what every applet and the dispatcher share.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Messages and exit codes", docs/style.md "Applets".
 */
#ifndef LUKSBOX_APPLET_H
#define LUKSBOX_APPLET_H

/* The exit codes (EXIT_OK ...) and the message path are lib/msg's. */
#include "lib/msg.h"

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

/* The one writable global: the running applet's messages (its name, and
 * the boot sinks luks-mount --boot opens), for fail() and friends. */
extern struct msg_ctx applet_msg;

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
 * Messages, one format (docs/design.md): "APPLET: unable to VERB OBJECT: REASON",
 * thin wrappers of lib/msg's on applet_msg, so they reach every sink.
 * fail() sends "APPLET: unable to " followed by FMT and returns CODE, so
 * an applet can `return fail(EXIT_FAIL, "open %s: %s", dev, why);`.
 * fail_err() appends ": strerror(ERR)" (ERR positive or negative errno);
 * fail() is fail_err() with ERR 0 (one function: each variadic one costs
 * its register-saving prologue).
 * usage_error() sends "APPLET: FMT" and a --help hint; returns EXIT_USAGE.
 * note() sends "APPLET: FMT" for progress and warnings.
 * Never pass key material to any of them.
 */
int fail_err(int code, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define fail(code, ...) fail_err(code, 0, __VA_ARGS__)

#endif
