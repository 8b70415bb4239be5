/* http.c - HTTP/1.1 over a byte stream, with hard caps.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: http.h, RFC 9112.
 */
#include "kms/http.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/secret.h"

/* Next byte from the stream through RS's buffer: 0..255, or -errno; -ENODATA
 * at end of stream. */
static int next_byte(const struct stream *s, struct http_response *rs)
{
	if (rs->rpos == rs->rlen) {
		ssize_t r = s->read(s->ctx, rs->rbuf, sizeof(rs->rbuf));

		if (r < 0)
			return (int)r;
		if (r == 0)
			return -ENODATA;
		rs->rpos = 0;
		rs->rlen = (size_t)r;
	}
	return rs->rbuf[rs->rpos++];
}

/* One CRLF-terminated line (bare LF tolerated) into LINE (without the
 * terminator); its length or -errno, -EMSGSIZE past CAP. */
static int read_line(const struct stream *s, struct http_response *rs,
		     char *line, size_t cap)
{
	size_t n = 0;

	for (;;) {
		int c = next_byte(s, rs);

		if (c < 0)
			return c == -ENODATA ? -EBADMSG : c;
		if (c == '\n')
			break;
		if (n + 1 >= cap)
			return -EMSGSIZE;
		line[n++] = (char)c;
	}
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = 0;
	return (int)n;
}

/* Append the NUL-terminated strings of LIST to HEAD (CAP bytes) at *N:
 * 0, or -EMSGSIZE. Not snprintf: musl's formats through a buffer on its
 * own stack, which nothing wipes, and these hold tokens and signatures. */
static int head_add(char *head, size_t cap, size_t *n, const char *const *list)
{
	for (; *list; list++) {
		size_t l = strlen(*list);

		if (l >= cap - *n)
			return -EMSGSIZE;
		memcpy(head + *n, *list, l);
		*n += l;
	}
	return 0;
}

static int send_request(const struct stream *s, const struct http_request *rq)
{
	char head[HTTP_HEAD_MAX], len[24];
	size_t i, n = 0;
	int err;

	snprintf(len, sizeof(len), "%zu", rq->body_len);
	err = head_add(head, sizeof(head), &n,
		       (const char *const[]){rq->method, " ", rq->target,
					     " HTTP/1.1\r\nHost: ", rq->host,
					     "\r\nContent-Length: ", len,
					     "\r\n", NULL});
	for (i = 0; !err && i < rq->nheaders; i++)
		err = head_add(head, sizeof(head), &n,
			       (const char *const[]){rq->headers[i].name, ": ",
						     rq->headers[i].value,
						     "\r\n", NULL});
	if (!err)
		err = head_add(head, sizeof(head), &n,
			       (const char *const[]){"\r\n", NULL});
	if (!err)
		err = stream_write_all(s, head, n);
	/* Headers carry a session token and a signature: wipe them. */
	secret_wipe(head, sizeof(head));
	if (err)
		return err;
	return rq->body_len ? stream_write_all(s, rq->body, rq->body_len) : 0;
}

static char *trim(char *p)
{
	char *e;

	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = 0;
	return p;
}

/* Status line and header fields into RS->head as "name\0value\0" pairs. */
static int read_head(const struct stream *s, struct http_response *rs)
{
	char line[HTTP_HEAD_MAX];
	int n, first = 1;
	unsigned major, minor, status;

	rs->head_len = 0;
	for (;;) {
		char *colon, *name, *value;
		size_t nl, vl;

		n = read_line(s, rs, line, sizeof(line));
		/* Nothing at all came back: a keep-alive connection the
		 * server had already closed. */
		if ((n == -EBADMSG || n == -ECONNRESET) && first &&
		    rs->rlen == 0)
			return -ECONNABORTED;
		if (n < 0)
			return n;
		if (first) {
			first = 0;
			int end = 0;

			if (sscanf(line, "HTTP/%1u.%1u %3u%n", &major, &minor,
				   &status, &end) != 3 ||
			    (line[end] && line[end] != ' ') || major != 1 ||
			    status < 100 || status > 599)
				return -EBADMSG;
			rs->status = (int)status;
			rs->keep_alive = minor >= 1;
			continue;
		}
		if (n == 0)
			break;
		colon = strchr(line, ':');
		if (!colon || colon == line)
			return -EBADMSG;
		*colon = 0;
		name = line;
		if (strpbrk(name,
			    " \t")) /* RFC 9112 5.1: no space before ':' */
			return -EBADMSG;
		value = trim(colon + 1);
		nl = strlen(name) + 1;
		vl = strlen(value) + 1;
		if (rs->head_len + nl + vl >= sizeof(rs->head))
			return -EMSGSIZE;
		memcpy(rs->head + rs->head_len, name, nl);
		memcpy(rs->head + rs->head_len + nl, value, vl);
		rs->head_len += nl + vl;
	}
	secret_wipe(line, sizeof(line));
	return 0;
}

const char *http_header_get(const struct http_response *rs, const char *name)
{
	size_t i = 0;

	while (i < rs->head_len) {
		const char *n = rs->head + i;
		const char *v = n + strlen(n) + 1;

		if (!strcasecmp(n, name))
			return v;
		i = (size_t)(v + strlen(v) + 1 - rs->head);
	}
	return NULL;
}

/* Header NAME's one value into *OUT (NULL when absent); -EBADMSG when it
 * comes twice with different values (conflicting lengths or codings are
 * an invalid response: RFC 9112 6.3). */
static int header_once(const struct http_response *rs, const char *name,
		       const char **out)
{
	size_t i = 0;

	*out = NULL;
	while (i < rs->head_len) {
		const char *n = rs->head + i;
		const char *v = n + strlen(n) + 1;

		if (!strcasecmp(n, name)) {
			if (*out && strcmp(*out, v))
				return -EBADMSG;
			*out = v;
		}
		i = (size_t)(v + strlen(v) + 1 - rs->head);
	}
	return 0;
}

/* Digits only (no sign, no blanks, no 0x): strtoull alone takes "+5",
 * " 5" and "0x5". The length of the digit run, 0 when there is none. */
static size_t digits(const char *p, int hex)
{
	size_t n = 0;

	while ((p[n] >= '0' && p[n] <= '9') ||
	       (hex &&
		((p[n] >= 'a' && p[n] <= 'f') || (p[n] >= 'A' && p[n] <= 'F'))))
		n++;
	return n;
}

static int body_put(struct http_response *rs, int c)
{
	if (rs->body_len + 1 >= rs->body_cap)
		return -EMSGSIZE;
	rs->body[rs->body_len++] = (char)c;
	return 0;
}

static int read_exact(const struct stream *s, struct http_response *rs,
		      unsigned long long n)
{
	while (n--) {
		int c = next_byte(s, rs);

		if (c < 0)
			return c == -ENODATA ? -EBADMSG : c;
		c = body_put(rs, c);
		if (c)
			return c;
	}
	return 0;
}

static int read_chunked(const struct stream *s, struct http_response *rs)
{
	char line[256];

	for (;;) {
		unsigned long long size;
		size_t ndig;
		char *end;
		int n = read_line(s, rs, line, sizeof(line));

		if (n < 0)
			return n;
		errno = 0;
		size = strtoull(line, &end, 16);
		ndig = digits(line, 1);
		if (!ndig || end != line + ndig || errno ||
		    (*end && *end != ';' && *end != ' ' && *end != '\t'))
			return -EBADMSG;
		if (size >= rs->body_cap)
			return -EMSGSIZE;
		if (size == 0)
			break;
		n = read_exact(s, rs, size);
		if (n)
			return n;
		n = read_line(s, rs, line, sizeof(line));
		if (n < 0)
			return n;
		if (n != 0)
			return -EBADMSG;
	}
	/* Trailer fields, ignored, up to the empty line. */
	for (;;) {
		int n = read_line(s, rs, line, sizeof(line));

		if (n < 0)
			return n;
		if (n == 0)
			return 0;
	}
}

static int read_body(const struct stream *s, const struct http_request *rq,
		     struct http_response *rs)
{
	const char *te, *cl, *conn = http_header_get(rs, "Connection");

	if (header_once(rs, "Transfer-Encoding", &te) ||
	    header_once(rs, "Content-Length", &cl))
		return -EBADMSG;

	if (conn && !strcasecmp(conn, "close"))
		rs->keep_alive = 0;
	if (conn && !strcasecmp(conn, "keep-alive"))
		rs->keep_alive = 1;
	if (!strcmp(rq->method, "HEAD") || rs->status / 100 == 1 ||
	    rs->status == 204 || rs->status == 304)
		return 0;
	/* A 2xx to CONNECT has no body: the tunnel starts after the header
	 * (RFC 9110 9.3.6), whatever framing fields it carries. */
	if (!strcmp(rq->method, "CONNECT") && rs->status / 100 == 2)
		return 0;
	if (te) {
		/* Only "chunked" is meaningful to us; a length with it is a
		 * smuggling attempt (RFC 9112 6.3). */
		if (strcasecmp(te, "chunked") || cl)
			return -EBADMSG;
		return read_chunked(s, rs);
	}
	if (cl) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(cl, &end, 10);
		if (!digits(cl, 0) || *end || errno)
			return -EBADMSG;
		if (n >= rs->body_cap)
			return -EMSGSIZE;
		return read_exact(s, rs, n);
	}
	/* No framing: the body runs to the end of the connection. */
	rs->keep_alive = 0;
	for (;;) {
		int c = next_byte(s, rs);

		if (c == -ENODATA)
			return 0;
		if (c < 0)
			return c;
		c = body_put(rs, c);
		if (c)
			return c;
	}
}

int http_exchange(const struct stream *s, const struct http_request *rq,
		  struct http_response *rs)
{
	int err;

	rs->status = 0;
	rs->keep_alive = 0;
	rs->head_len = 0;
	rs->body_len = 0;
	rs->rpos = rs->rlen = 0;
	if (!rs->body || rs->body_cap == 0)
		return -EINVAL;
	rs->body[0] = 0;
	err = send_request(s, rq);
	if (err)
		return err == -EPIPE || err == -ECONNRESET ? -ECONNABORTED
							   : err;
	do { /* 1xx interim responses (100 Continue) are skipped */
		err = read_head(s, rs);
		if (err)
			return err;
	} while (rs->status / 100 == 1);
	err = read_body(s, rq, rs);
	if (err)
		return err;
	rs->body[rs->body_len] = 0;
	/* Bytes past the response mean a confused peer: do not reuse. */
	if (rs->rpos != rs->rlen)
		rs->keep_alive = 0;
	return 0;
}

void http_response_wipe(struct http_response *rs)
{
	secret_wipe(rs->head, sizeof(rs->head));
	secret_wipe(rs->rbuf, sizeof(rs->rbuf));
	rs->head_len = rs->rpos = rs->rlen = 0;
}
