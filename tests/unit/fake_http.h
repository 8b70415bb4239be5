/* fake_http.h - a tiny HTTP/1.1 server on 127.0.0.1 for unit tests: it
 * records each request and answers from a list or a route function, on
 * kept-alive connections, in a thread of the test program.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 *	static struct fake_http f;
 *	const char *a[] = {fake_reply(0, "200 OK", "", "{}")};
 *	fake_start(&f);			// f.port is the port
 *	fake_answers(&f, a, 1);		// in order, the last one repeats
 *	... client calls ...		// f.req[i], f.nreq, f.conns
 *	fake_stop(&f);
 *
 * Or set f.route (and f.ctx) to answer by request. The request records
 * are read after the client call returns (the answer follows the record).
 *
 * An answer of NULL (or FAKE_SILENT) reads the request and says nothing
 * until the connection is closed: a server that does not answer.
 */
#ifndef LUKSBOX_FAKE_HTTP_H
#define LUKSBOX_FAKE_HTTP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FAKE_MAX 16
#define FAKE_REQ 16384
#define FAKE_SILENT ((const char *)0)

struct fake_http {
	int lfd;
	unsigned port;
	pthread_t th;
	pthread_mutex_t mu;
	int stopping;
	/* Answers in order, the last one repeating; or ROUTE, when set. */
	const char *answers[FAKE_MAX];
	size_t nanswers;
	const char *(*route)(struct fake_http *f, const char *req);
	void *ctx; /* for ROUTE */
	/* What came in. */
	char req[FAKE_MAX][FAKE_REQ];
	size_t nreq;
	int conns;
	int cfd;	    /* the connection being served, -1 when none */
	char buf[FAKE_REQ]; /* the request being read */
};

/* Read one request (head and Content-Length body) into OUT: its length,
 * 0 at end of connection, -1 on error. */
static int fake_read_request(int fd, char *out, size_t cap)
{
	size_t n = 0, want = 0;

	for (;;) {
		ssize_t r;
		char *end;

		if (n + 1 >= cap)
			return -1;
		r = read(fd, out + n, cap - 1 - n);
		if (r <= 0)
			return n ? -1 : 0;
		n += (size_t)r;
		out[n] = 0;
		end = strstr(out, "\r\n\r\n");
		if (!end)
			continue;
		if (!want) {
			const char *cl = strstr(out, "Content-Length: ");

			want = (size_t)(end + 4 - out);
			if (cl && cl < end)
				want += strtoul(cl + 16, NULL, 10);
		}
		if (n >= want)
			return (int)n;
	}
}

static void *fake_serve(void *arg)
{
	struct fake_http *f = arg;
	char *buf = f->buf;

	for (;;) {
		int fd = accept(f->lfd, NULL, NULL);

		if (fd < 0)
			return NULL; /* fake_stop() shut the socket */
		pthread_mutex_lock(&f->mu);
		f->conns++;
		f->cfd = fd;
		pthread_mutex_unlock(&f->mu);
		for (;;) {
			const char *a;
			size_t i;
			int n = fake_read_request(fd, buf, FAKE_REQ);

			if (n <= 0)
				break;
			pthread_mutex_lock(&f->mu);
			i = f->nreq < FAKE_MAX ? f->nreq : FAKE_MAX - 1;
			memcpy(f->req[i], buf, (size_t)n + 1);
			if (f->route)
				a = f->route(f, buf);
			else if (f->nanswers)
				a = f->answers[f->nreq < f->nanswers
						       ? f->nreq
						       : f->nanswers - 1];
			else
				a = "HTTP/1.1 500 Oops\r\nContent-Length: 0"
				    "\r\n\r\n";
			f->nreq++;
			pthread_mutex_unlock(&f->mu);
			if (!a) { /* silent: wait for the client to give up */
				while (read(fd, buf, FAKE_REQ) > 0)
					;
				break;
			}
			if (write(fd, a, strlen(a)) != (ssize_t)strlen(a) ||
			    strstr(a, "Connection: close"))
				break;
		}
		pthread_mutex_lock(&f->mu);
		f->cfd = -1;
		close(fd);
		pthread_mutex_unlock(&f->mu);
	}
}

static int fake_start(struct fake_http *f)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);
	int one = 1;

	memset(f, 0, sizeof(*f));
	f->cfd = -1;
	pthread_mutex_init(&f->mu, NULL);
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->lfd < 0)
		return -1;
	setsockopt(f->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(f->lfd, 8) ||
	    getsockname(f->lfd, (struct sockaddr *)&sa, &sl)) {
		close(f->lfd);
		return -1;
	}
	f->port = ntohs(sa.sin_port);
	return pthread_create(&f->th, NULL, fake_serve, f) ? -1 : 0;
}

/* Set the answers before the requests come; safe while serving. */
static void fake_answers(struct fake_http *f, const char *const *a, size_t n)
{
	size_t i;

	pthread_mutex_lock(&f->mu);
	for (i = 0; i < n && i < FAKE_MAX; i++)
		f->answers[i] = a[i];
	f->nanswers = i;
	f->nreq = 0;
	f->conns = 0;
	pthread_mutex_unlock(&f->mu);
}

static void fake_stop(struct fake_http *f)
{
	pthread_mutex_lock(&f->mu);
	if (f->cfd >= 0)
		shutdown(f->cfd, SHUT_RDWR);
	pthread_mutex_unlock(&f->mu);
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->lfd);
}

/* An answer with STATUS ("200 OK"), extra header lines HDRS ("" or
 * "Name: value\r\n"...) and a JSON 1.1 BODY, in static slot SLOT (0-7;
 * it must live while the fake serves it). */
static inline const char *fake_reply(int slot, const char *status,
				     const char *hdrs, const char *body)
{
	static char buf[8][4096];

	snprintf(buf[slot], sizeof(buf[slot]),
		 "HTTP/1.1 %s\r\n%sContent-Type: application/x-amz-json-1.1"
		 "\r\nContent-Length: %zu\r\n\r\n%s",
		 status, hdrs, strlen(body), body);
	return buf[slot];
}

/* The body of request I (after the blank line). */
static inline const char *fake_body(const struct fake_http *f, size_t i)
{
	const char *b = strstr(f->req[i], "\r\n\r\n");

	return b ? b + 4 : "";
}

#endif
