/* msg.h - messages made safe for every sink: stderr (a terminal), the
 * console through /dev/kmsg, and syslog.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: kmsg(4) (one record per write, a newline ends it), RFC 3164,
 *      ECMA-48 (C0 and C1 control functions: ESC, CSI).
 *
 * Messages carry text from disks (a token's key id, a table) and from
 * servers. A newline in it would forge a log line of its own, an ESC or
 * a CSI would drive the operator's terminal. So no message reaches a sink
 * before msg_escape() has rewritten every control byte.
 */
#ifndef LUKSBOX_MSG_H
#define LUKSBOX_MSG_H

#include <stddef.h>

/* The room msg_escape() needs for N bytes of input, NUL included. */
#define MSG_ESC_LEN(n) (4 * (n) + 1)

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
 * a resource busy for now? 1 or 0. Decides exit code 75 versus 1.
 */
int err_temporary(int err);

#endif
