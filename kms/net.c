/* net.c - TCP connections with deadlines, as byte streams.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: net.h, connect(2), poll(2), getaddrinfo(3).
 */
#include "kms/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A DNS name or a bracketed IPv6 address, nothing else: "user@host"
 * (userinfo), a query or blanks would otherwise be resolved or sent as the
 * Host header. */
static int valid_host(const char *h)
{
	size_t n = strlen(h);

	if (h[0] == '[')
		return n > 2 && h[n - 1] == ']' &&
		       strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
	return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-") == n;
}

int net_parse_url(const char *url, char *host, size_t cap, unsigned *port,
		  int *tls)
{
	const char *h, *end, *colon;
	size_t n;

	if (!strncmp(url, "https://", 8)) {
		*tls = 1;
		*port = 443;
		h = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		*tls = 0;
		*port = 80;
		h = url + 7;
	} else {
		return -EINVAL;
	}
	end = h + strcspn(h, "/");
	if (*end && strcmp(end, "/"))
		return -EINVAL; /* endpoints with a path are not supported */
	colon = *h == '[' ? strstr(h, "]:") : memchr(h, ':', (size_t)(end - h));
	if (colon && *h == '[')
		colon++;
	n = (size_t)((colon ? colon : end) - h);
	if (n == 0 || n >= cap)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = 0;
	if (!valid_host(host))
		return -EINVAL;
	if (colon) {
		char *pe;
		unsigned long p = strtoul(colon + 1, &pe, 10);

		if (pe != end || p == 0 || p > 65535)
			return -EINVAL;
		*port = (unsigned)p;
	}
	return 0;
}

int stream_write_all(const struct stream *s, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (n) {
		ssize_t w = s->write(s->ctx, p, n);

		if (w < 0)
			return (int)w;
		if (w == 0)
			return -EPIPE;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Wait until FD is ready for EVENTS or the deadline passes. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		int64_t left = deadline_left(deadline);
		int r;

		if (left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int connect_addr(const struct sockaddr *sa, socklen_t len,
			int64_t deadline, int *fdp)
{
	int fd, err = 0, one = 1;
	socklen_t elen = sizeof(err);

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS) {
			err = -errno;
			goto out_close;
		}
		err = wait_fd(fd, POLLOUT, deadline);
		if (err)
			goto out_close;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			err = -err;
			goto out_close;
		}
	}
	/* Requests are small and latency-bound: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fdp = fd;
	return 0;
out_close:
	close(fd);
	return err;
}

int net_connect(struct net_conn *c, const char *host, unsigned port,
		int64_t deadline)
{
	char name[256], portstr[8];
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res, *ai;
	size_t n = strlen(host);
	int err, fd = -1;

	c->fd = -1;
	c->deadline = deadline;
	if (host[0] == '[') { /* "[fd00:ec2::254]" */
		if (n < 3 || host[n - 1] != ']')
			return -EINVAL;
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(name) || port == 0 || port > 65535)
		return -EINVAL;
	memcpy(name, host, n);
	name[n] = 0;
	snprintf(portstr, sizeof(portstr), "%u", port);
	err = getaddrinfo(name, portstr, &hints, &res);
	if (err)
		return err == EAI_SYSTEM  ? -errno
		       : err == EAI_AGAIN ? -EAGAIN
					  : -ENOENT;
	err = -ENOENT;
	for (ai = res; ai; ai = ai->ai_next) {
		err = connect_addr(ai->ai_addr, ai->ai_addrlen, deadline, &fd);
		if (!err || err == -ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (err)
		return err;
	c->fd = fd;
	return 0;
}

static ssize_t net_read(void *ctx, void *buf, size_t n)
{
	struct net_conn *c = ctx;

	for (;;) {
		ssize_t r = read(c->fd, buf, n);
		int err;

		if (r >= 0)
			return r;
		if (errno == ECONNRESET)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(c->fd, POLLIN, c->deadline);
		if (err)
			return err;
	}
}

static ssize_t net_write(void *ctx, const void *buf, size_t n)
{
	struct net_conn *c = ctx;

	for (;;) {
		/* MSG_NOSIGNAL: a peer that hung up is -EPIPE, not SIGPIPE. */
		ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL);
		int err;

		if (w >= 0)
			return w;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		err = wait_fd(c->fd, POLLOUT, c->deadline);
		if (err)
			return err;
	}
}

struct stream net_stream(struct net_conn *c)
{
	return (struct stream){.ctx = c, .read = net_read, .write = net_write};
}

void net_close(struct net_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
