/* http.h - HTTP/1.1 requests and responses over a byte stream.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: RFC 9112 (HTTP/1.1 message syntax: 6.1 chunked, 6.3 body length,
 *      9.3 persistence), RFC 9110 (semantics).
 *
 * One request, one response, over any struct stream (a socket, TLS, or
 * memory in tests). Keep-alive is the caller's: http_exchange() says
 * whether the connection may carry the next request. Caps: the header
 * block is at most HTTP_HEAD_MAX bytes and the body at most the caller's
 * buffer (HTTP_BODY_MAX for AWS); anything bigger is -EMSGSIZE, never a
 * truncated message.
 */
#ifndef LUKSBOX_HTTP_H
#define LUKSBOX_HTTP_H

#include <stddef.h>

#include "kms/net.h"

#define HTTP_HEAD_MAX 8192
#define HTTP_BODY_MAX 65536

struct http_header {
	const char *name;
	const char *value;
};

struct http_request {
	const char *method; /* "GET", "PUT", "POST" */
	const char
		*target;  /* path and query as sent, e.g. "/latest/api/token" */
	const char *host; /* Host header value (with :port when not default) */
	const struct http_header *headers; /* extra headers, may be NULL */
	size_t nheaders;
	const void *body; /* may be NULL when body_len is 0 */
	size_t body_len;
};

/*
 * A response. Its buffers may hold secrets (a KMS Decrypt answer), so
 * allocate it in the secret arena and wipe it with http_response_wipe().
 * BODY is the caller's: set body and body_cap before http_exchange().
 */
struct http_response {
	int status;		  /* e.g. 200 */
	int keep_alive;		  /* 1 when the connection may be reused */
	char head[HTTP_HEAD_MAX]; /* header lines, NUL-separated */
	size_t head_len;
	char *body;	 /* caller's buffer, NUL-terminated on return */
	size_t body_cap; /* its size; the body may use body_cap - 1 */
	size_t body_len;
	unsigned char rbuf[4096]; /* read buffer */
	size_t rpos, rlen;
};

/*
 * Send RQ on S and read the response into RS. Returns 0 (any status
 * code), or -errno: the stream's error (-ETIMEDOUT, -ECONNRESET, ...),
 * -ECONNABORTED when the peer closed before sending any byte of a
 * response (a stale keep-alive connection: the caller may reconnect and
 * resend), -EBADMSG for a malformed response, -EMSGSIZE over a cap.
 */
int http_exchange(const struct stream *s, const struct http_request *rq,
		  struct http_response *rs);

/*
 * The value of header NAME (case-insensitive) in RS, leading and trailing
 * blanks removed, or NULL. Points into RS.
 */
const char *http_header_get(const struct http_response *rs, const char *name);

/* Wipe the response's own buffers (not the caller's body buffer). */
void http_response_wipe(struct http_response *rs);

#endif
