/* net.h - TCP connections with deadlines, as byte streams, for the AWS client.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: connect(2) (non-blocking connect, SO_ERROR), poll(2), getaddrinfo(3),
 *      clock_gettime(2) CLOCK_MONOTONIC.
 *
 * Every wait in the client is bounded by one absolute deadline in
 * milliseconds on the monotonic clock (lib/clock.h), so a boot step given N
 * seconds ends within N seconds whatever the network does.
 */
#ifndef LUKSBOX_NET_H
#define LUKSBOX_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/clock.h"

/*
 * Split URL, "https://HOST[:PORT][/]" or "http://...", into HOST (CAP
 * bytes, IPv6 kept in brackets), *PORT (443 or 80 by default) and *TLS.
 * HOST must be a DNS name or a bracketed IPv6 address: userinfo, a path,
 * a query or blanks are refused. Returns 0 or -EINVAL.
 */
int net_parse_url(const char *url, char *host, size_t cap, unsigned *port,
		  int *tls);

/*
 * A byte stream: what HTTP runs over (a socket, TLS, or memory in tests).
 * read returns bytes read (> 0), 0 at end of stream, or -errno;
 * write returns bytes written (> 0) or -errno. Both may be partial.
 */
struct stream {
	void *ctx;
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	ssize_t (*write)(void *ctx, const void *buf, size_t n);
};

/* Write all N bytes of BUF to S: 0 or -errno. */
int stream_write_all(const struct stream *s, const void *buf, size_t n);

/* A connected TCP socket with the deadline its reads and writes obey. */
struct net_conn {
	int fd;		  /* -1 when closed */
	int64_t deadline; /* now_ms() value after which I/O fails -ETIMEDOUT */
};

/*
 * Connect to HOST (a name, an IPv4 address, or an IPv6 address with or
 * without brackets) on PORT before DEADLINE. Every address the name
 * resolves to is tried in turn. Returns 0 with C connected, or -errno:
 * -ETIMEDOUT (deadline passed), -ECONNREFUSED, -ENETUNREACH,
 * -EHOSTUNREACH, -ENOENT (name does not resolve), -EINVAL (bad HOST).
 * The caller owns C and must net_close() it.
 */
int net_connect(struct net_conn *c, const char *host, unsigned port,
		int64_t deadline);

/* The stream view of C (C must outlive it). */
struct stream net_stream(struct net_conn *c);

/* Close C (idempotent). */
void net_close(struct net_conn *c);

#endif
