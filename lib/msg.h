/* msg.h - the one message path: every message, escaped, to every sink
 * (stderr, and at boot the console through /dev/kmsg and syslog), and
 * the one map from errors to exit codes.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Messages and exit codes", kmsg(4) (one record per
 *      write, a newline ends it), RFC 3164 (syslog over /dev/log),
 *      ECMA-48 (C0 and C1 control functions: ESC, CSI), sysexits.h.
 *
 * Messages carry text from disks (a token's key id, a table) and from
 * servers. A newline in it would forge a log line of its own, an ESC or
 * a CSI would drive the operator's terminal. So no message reaches a sink
 * before msg_escape() has rewritten every control byte.
 *
 * One format: "PROG: TEXT", failures "PROG: unable to VERB OBJECT: REASON".
 * PROG (the applet's name) and the sinks live in a caller-owned struct
 * msg_ctx: this module keeps no state of its own.
 */
#ifndef LUKSBOX_MSG_H
#define LUKSBOX_MSG_H

#include <stdarg.h>
#include <stddef.h>

/* Exit codes (docs/design.md): 75 is sysexits' EX_TEMPFAIL, "retry may
 * succeed"; 127 is the dispatcher's "no such applet". */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TEMP = 75,
	EXIT_NOAPPLET = 127,
};

/* How much a message matters; syslog and kmsg priorities 7, 6, 4, 3. */
enum msg_level {
	MSG_DEBUG,
	MSG_INFO,
	MSG_WARN,
	MSG_ERR
};

/* Where messages go. Caller-owned: msg_init(), msg_boot(), msg_fini(). */
struct msg_ctx {
	const char *prog; /* every message's prefix: the applet's name */
	int boot;	  /* stderr lines timestamped (msg_boot) */
	int kmsg_fd;	  /* /dev/kmsg, -1 when none */
	int syslog_fd;	  /* a datagram socket connected to syslog, or -1 */
};

/* The room msg_escape() needs for N bytes of input, NUL included. */
#define MSG_ESC_LEN(n) (4 * (n) + 1)

/* The longest message text; longer text is cut. */
#define MSG_MAX 1024

/*
 * Copy the NUL-terminated IN to OUT (CAP bytes, always NUL-terminated)
 * with every C0 control byte (< 0x20), DEL (0x7f) and C1 control in its
 * UTF-8 form (0xc2 0x80-0x9f) written as "\xNN" per byte; everything else
 * is copied as it is. Output that does not fit is cut at a whole escape.
 * Returns the length written.
 */
size_t msg_escape(char *out, size_t cap, const char *in);

/* Is byte C, or the pair C D, one msg_escape() rewrites? 1 or 0. Token
 * decoding refuses such bytes outright with the same rule. */
int msg_is_control(unsigned char c, unsigned char d);

/*
 * Is ERR (a -errno, or errno) one a later retry may cure: a peer that did
 * not answer, refused or dropped the connection, a network that is down,
 * a resource busy for now? 1 or 0.
 */
int err_temporary(int err);

/* The exit code for the failure ERR (-errno): EXIT_TEMP when
 * err_temporary(ERR), else EXIT_FAIL (ERR 0 included). */
int msg_exit_class(int err);

/* Parse "debug", "info", "warning" or "error" into *OUT: 0 or -EINVAL. */
int msg_level_parse(const char *s, enum msg_level *out);

/* Messages of PROG (borrowed: it must outlive M) to stderr only. */
void msg_init(struct msg_ctx *m, const char *prog);

/*
 * Boot mode: timestamps on stderr, and every message also to the console
 * log through KMSG and to the syslog socket SYSLOG (NULL: /dev/kmsg and
 * /dev/log; tests name others). A sink that cannot be opened (no syslog
 * daemon yet) is left out, silently: there is nowhere to say so.
 */
void msg_boot(struct msg_ctx *m, const char *kmsg, const char *syslog);

/* Close the boot sinks: stderr only from here on. Safe to repeat. */
void msg_fini(struct msg_ctx *m);

/*
 * The one message function: "PROG: TEXT" at LEVEL to every sink of M,
 * TEXT escaped once for all of them (and cut at MSG_MAX bytes). A kmsg
 * write that fails closes that sink; syslog never blocks (MSG_DONTWAIT).
 */
void msg_put(struct msg_ctx *m, enum msg_level level, const char *text);

/*
 * printf FMT with AP after PREFIX (a short constant: "unable to ", ""),
 * then ": strerror(ERR)" when ERR is not 0 (positive or negative errno),
 * and msg_put() it at LEVEL.
 */
void msg_vsay(struct msg_ctx *m, enum msg_level level, const char *prefix,
	      int err, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));

/* A failure, "PROG: unable to WHAT: WHY", at MSG_ERR. Returns CODE, so a
 * caller can `return msg_failed(m, EXIT_FAIL, "open /dev/x", why);`. */
int msg_failed(struct msg_ctx *m, int code, const char *what, const char *why);

/*
 * A usage error, "PROG: TEXT" at MSG_ERR, then "Try 'PROG --help' for more
 * information." on stderr. Returns EXIT_USAGE.
 */
int msg_usage(struct msg_ctx *m, const char *text);

/* A failure as the user sees it: "unable to WHAT: WHY", and its class. */
struct msg_error {
	int err;	   /* -errno; its class decides exit 1 or 75 */
	char what[320];	   /* "unwrap the key of cassandra", "read /etc/x" */
	char why[MSG_MAX]; /* "KMS AccessDeniedException: ... (at host)" */
};

/* E->what: printf FMT, cut to fit. The caller says what it was doing. */
void msg_what(struct msg_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* E->why (printf FMT, cut to fit) and E->err = ERR; returns ERR, so a
 * module can `return msg_why(e, -EIO, "read %s: short", dev);`. Whoever
 * failed says why; E->what is left to the caller. */
int msg_why(struct msg_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* E->why strerror(ERR) and E->err ERR (-errno), for a failure with
 * nothing to add to the errno's text. Returns ERR. */
int msg_errno(struct msg_error *e, int err);

/* Report E with msg_failed(); returns its exit code: msg_exit_class() of
 * E->err (-EIO when it is 0). */
int msg_report(struct msg_ctx *m, const struct msg_error *e);

#endif
