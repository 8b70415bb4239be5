/* test_http.c - HTTP/1.1 framing, caps and hostile responses over a
 * memory stream.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdlib.h>

#include "kms/http.h"
#include "t.h"

struct mem {
	const char *in; /* the canned response */
	size_t len, pos;
	size_t step; /* bytes per read (exercises split reads) */
	char out[4096];
	size_t out_len;
};

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->len - m->pos;

	if (k > n)
		k = n;
	if (m->step && k > m->step)
		k = m->step;
	memcpy(buf, m->in + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

static ssize_t mem_write(void *ctx, const void *buf, size_t n)
{
	struct mem *m = ctx;

	if (m->out_len + n > sizeof(m->out))
		return -ENOSPC;
	memcpy(m->out + m->out_len, buf, n);
	m->out_len += n;
	return (ssize_t)n;
}

static char body[1024];
static struct http_response rs;

static int exchange(const char *resp, size_t step, struct mem *m)
{
	struct stream s = {m, mem_read, mem_write};
	struct http_header h[] = {{"X-Amz-Target", "TrentService.Decrypt"}};
	struct http_request rq = {
		"POST", "/", "kms.us-east-1.amazonaws.com", h, 1, "{}", 2};

	memset(m, 0, sizeof(*m));
	m->in = resp;
	m->len = strlen(resp);
	m->step = step;
	rs.body = body;
	rs.body_cap = sizeof(body);
	return http_exchange(&s, &rq, &rs);
}

static void test_request_format(void)
{
	struct mem m;

	CHECK(exchange("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, &m) ==
	      0);
	m.out[m.out_len] = 0;
	CHECK(!strcmp(m.out, "POST / HTTP/1.1\r\n"
			     "Host: kms.us-east-1.amazonaws.com\r\n"
			     "Content-Length: 2\r\n"
			     "X-Amz-Target: TrentService.Decrypt\r\n\r\n{}"));
}

static void test_content_length(void)
{
	struct mem m;
	size_t step;

	for (step = 0; step < 4; step++) {
		CHECK(exchange("HTTP/1.1 200 OK\r\nContent-Type: x\r\n"
			       "Content-Length:  5 \r\nDate: Mon, 01 Jan 2024 "
			       "00:00:00 GMT\r\n\r\nhello",
			       step, &m) == 0);
		CHECK(rs.status == 200);
		CHECK(rs.keep_alive == 1);
		CHECK(rs.body_len == 5 && !strcmp(body, "hello"));
		CHECK(!strcmp(http_header_get(&rs, "content-length"), "5"));
		CHECK(!strcmp(http_header_get(&rs, "DATE"),
			      "Mon, 01 Jan 2024 00:00:00 GMT"));
		CHECK(http_header_get(&rs, "X-Missing") == NULL);
	}
}

static void test_chunked(void)
{
	struct mem m;

	CHECK(exchange("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "3\r\nabc\r\na;ext=1\r\n0123456789\r\n0\r\n"
		       "Trailer: x\r\n\r\n",
		       1, &m) == 0);
	CHECK(!strcmp(body, "abc0123456789"));
	CHECK(rs.keep_alive == 1);
}

static void test_until_close(void)
{
	struct mem m;

	CHECK(exchange("HTTP/1.0 200 OK\r\n\r\nall of it", 0, &m) == 0);
	CHECK(!strcmp(body, "all of it"));
	CHECK(rs.keep_alive == 0);
	CHECK(exchange("HTTP/1.1 200 OK\r\nConnection: close\r\n"
		       "Content-Length: 2\r\n\r\nok",
		       0, &m) == 0);
	CHECK(rs.keep_alive == 0);
}

static void test_interim_and_nobody(void)
{
	struct mem m;

	CHECK(exchange("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content"
		       "\r\n\r\n",
		       0, &m) == 0);
	CHECK(rs.status == 204 && rs.body_len == 0);
}

/* A 2xx to CONNECT ends at its header (the tunnel follows), even with
 * no framing at all; a refusal's body is read as usual. */
static void test_connect(void)
{
	struct mem m = {0};
	struct stream s = {&m, mem_read, mem_write};
	struct http_request rq = {"CONNECT",
				  "kms.us-east-1.amazonaws.com:443",
				  "kms.us-east-1.amazonaws.com:443",
				  NULL,
				  0,
				  NULL,
				  0};

	m.in = "HTTP/1.1 200 Connection established\r\n\r\n\x16\x03";
	m.len = strlen(m.in);
	rs.body = body;
	rs.body_cap = sizeof(body);
	CHECK(http_exchange(&s, &rq, &rs) == 0);
	CHECK(rs.status == 200 && rs.body_len == 0);
	m.out[m.out_len] = 0;
	CHECK(!strncmp(m.out,
		       "CONNECT kms.us-east-1.amazonaws.com:443 HTTP/1.1\r\n",
		       50));
	memset(&m, 0, sizeof(m));
	m.in = "HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope";
	m.len = strlen(m.in);
	CHECK(http_exchange(&s, &rq, &rs) == 0);
	CHECK(rs.status == 403 && !strcmp(body, "nope"));
}

/* Hostile or broken responses: an error, never a partial success. */
static void test_hostile(void)
{
	static const struct {
		const char *resp;
		int err;
	} cases[] = {
		{"", -ECONNABORTED},
		{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		 -EBADMSG},
		{"HTTP/1.1 2000 OK\r\n\r\n", -EBADMSG},
		{"HTTP/2 200 OK\r\n\r\n", -EBADMSG},
		{"SMTP ready\r\n\r\n", -EBADMSG},
		{"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n", -EBADMSG},
		{"HTTP/1.1 200 OK\r\nBad name : x\r\n\r\n", -EBADMSG},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", -EBADMSG},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", -EBADMSG},
		{"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999"
		 "\r\n\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", -EMSGSIZE},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		 "Content-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "zz\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "ffffffffffffffffff\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "fff\r\n",
		 -EMSGSIZE},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "3\r\nabcX\r\n0\r\n\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "3\r\nabc\r\n",
		 -EBADMSG},
		/* Two lengths that disagree: which body is it? */
		{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		 "Content-Length: 4\r\n\r\nabcd",
		 -EBADMSG},
		/* Numbers strtoull would take but HTTP does not write. */
		{"HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "0x3\r\nabc\r\n0\r\n\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 " 3\r\nabc\r\n0\r\n\r\n",
		 -EBADMSG},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "+3\r\nabc\r\n0\r\n\r\n",
		 -EBADMSG},
	};
	size_t i;
	struct mem m;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = exchange(cases[i].resp, 0, &m);

		CHECKF(r == cases[i].err, "case %zu: got %d want %d", i, r,
		       cases[i].err);
	}
}

/* The same length twice (proxies do that) is one length. */
static void test_repeated_same_length(void)
{
	struct mem m;

	CHECK(exchange("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
		       "Content-Length: 3\r\n\r\nabc",
		       0, &m) == 0);
}

static void test_head_cap(void)
{
	size_t n = HTTP_HEAD_MAX * 2;
	char *big = malloc(n + 64);
	struct mem m;

	strcpy(big, "HTTP/1.1 200 OK\r\nX-Big: ");
	memset(big + strlen(big), 'a', n);
	strcpy(big + 25 + n, "\r\n\r\n");
	CHECK(exchange(big, 0, &m) == -EMSGSIZE);
	/* Many small headers past the cap, too. */
	big[0] = 0;
	strcpy(big, "HTTP/1.1 200 OK\r\n");
	while (strlen(big) + 20 < n)
		strcat(big, "X-A: bbbbbbbbbbbb\r\n");
	strcat(big, "\r\n");
	CHECK(exchange(big, 0, &m) == -EMSGSIZE);
	free(big);
}

static void test_wipe(void)
{
	struct mem m;
	size_t i, nz = 0;

	CHECK(exchange("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret", 0,
		       &m) == 0);
	http_response_wipe(&rs);
	for (i = 0; i < sizeof(rs.rbuf); i++)
		nz += rs.rbuf[i] != 0;
	for (i = 0; i < sizeof(rs.head); i++)
		nz += rs.head[i] != 0;
	CHECK(nz == 0);
}

int main(void)
{
	T_RUN(test_request_format);
	T_RUN(test_content_length);
	T_RUN(test_chunked);
	T_RUN(test_until_close);
	T_RUN(test_interim_and_nobody);
	T_RUN(test_connect);
	T_RUN(test_hostile);
	T_RUN(test_repeated_same_length);
	T_RUN(test_head_cap);
	T_RUN(test_wipe);
	return T_END();
}
