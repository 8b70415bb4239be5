/* fuzz_http.c - libFuzzer target: the HTTP/1.1 response parser.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/http.c kms/net.c lib/clock.c crypto/secret.c
 *
 * Untrusted input: whatever a server, a proxy or anything on the path
 * sends back. http_exchange() reads it from a memory stream.
 * Input: a flags byte (bit 0: HEAD request, bit 1: the stream ends with
 * ECONNRESET instead of EOF, bits 2-7: a small body cap of 1..64), four
 * bytes of read sizes (0: as much as asked), then the response.
 *
 * Invariants beyond "no crash": body buffers are exactly their cap (ASan
 * sees any byte past them); a success has a final status, a body that fits
 * NUL-terminated and a header block of trimmed "name\0value\0" pairs; the
 * result does not depend on how the bytes were split into reads (but for
 * keep-alive: "bytes follow the response" can only be seen when a read
 * brought them, so it depends on where reads end - by design); and a
 * small cap gives the same answer when the body fits and -EMSGSIZE when
 * it does not - never a truncated body.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kms/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem {
	const uint8_t *in;
	size_t len, pos;
	const uint8_t *steps; /* 4 read sizes, NULL: as asked */
	unsigned nread;
	int reset; /* end with -ECONNRESET */
};

static ssize_t mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = m->len - m->pos;

	if (k == 0)
		return m->reset ? -ECONNRESET : 0;
	if (k > n)
		k = n;
	if (m->steps && m->steps[m->nread % 4] && k > m->steps[m->nread % 4])
		k = m->steps[m->nread % 4];
	m->nread++;
	memcpy(buf, m->in + m->pos, k);
	m->pos += k;
	return (ssize_t)k;
}

static ssize_t mem_write(void *ctx, const void *buf, size_t n)
{
	(void)ctx;
	(void)buf;
	return (ssize_t)n;
}

struct run {
	int r;
	struct http_response *rs;
	char *body;
	size_t cap;
};

static void run(struct run *x, const uint8_t *in, size_t len,
		const uint8_t *steps, int reset, int head, size_t cap)
{
	struct mem m = {in, len, 0, steps, 0, reset};
	struct stream s = {&m, mem_read, mem_write};
	struct http_header h[] = {{"X-Amz-Target", "TrentService.Decrypt"}};
	struct http_request rq = {head ? "HEAD" : "POST",
				  "/",
				  "kms.us-east-1.amazonaws.com",
				  h,
				  1,
				  "{}",
				  2};

	x->rs = calloc(1, sizeof(*x->rs));
	x->body = malloc(cap);
	x->cap = cap;
	x->rs->body = x->body;
	x->rs->body_cap = cap;
	x->r = http_exchange(&s, &rq, x->rs);
}

static void done(struct run *x)
{
	free(x->body);
	free(x->rs);
}

/* A success must be well formed. */
static void check_ok(const struct run *x)
{
	const struct http_response *rs = x->rs;
	size_t i = 0;

	if (rs->status < 200 || rs->status > 599)
		__builtin_trap();
	if (rs->body_len >= x->cap || x->body[rs->body_len])
		__builtin_trap();
	if (rs->head_len > sizeof(rs->head))
		__builtin_trap();
	while (i < rs->head_len) { /* name\0value\0 pairs, exactly */
		const char *n = rs->head + i;
		const char *e = memchr(n, 0, rs->head_len - i);
		const char *v;
		size_t vl;

		if (!e || e == n || strpbrk(n, " \t:"))
			__builtin_trap();
		v = e + 1;
		e = memchr(v, 0, rs->head_len - (size_t)(v - rs->head));
		if (!e)
			__builtin_trap();
		vl = (size_t)(e - v);
		if (vl && (v[0] == ' ' || v[0] == '\t' || v[vl - 1] == ' ' ||
			   v[vl - 1] == '\t'))
			__builtin_trap();
		i = (size_t)(e + 1 - rs->head);
	}
}

static int same(const struct run *a, const struct run *b)
{
	return a->r == b->r &&
	       (a->r || (a->rs->status == b->rs->status &&
			 a->rs->body_len == b->rs->body_len &&
			 !memcmp(a->body, b->body, a->rs->body_len) &&
			 a->rs->head_len == b->rs->head_len &&
			 !memcmp(a->rs->head, b->rs->head, a->rs->head_len)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run a, b, c;
	const uint8_t *steps;
	int head, reset;
	size_t small;

	if (size < 5)
		return 0;
	head = data[0] & 1;
	reset = data[0] & 2;
	small = (size_t)(data[0] >> 2) + 1;
	steps = data + 1;
	data += 5;
	size -= 5;

	run(&a, data, size, steps, reset, head, HTTP_BODY_MAX);
	run(&b, data, size, NULL, reset, head, HTTP_BODY_MAX);
	run(&c, data, size, steps, reset, head, small);

	if (a.r && a.r != -EBADMSG && a.r != -EMSGSIZE &&
	    a.r != -ECONNABORTED && !(reset && a.r == -ECONNRESET))
		__builtin_trap();
	if (!a.r)
		check_ok(&a);
	if (!c.r)
		check_ok(&c);
	/* However the bytes arrive, the same answer. */
	if (!same(&a, &b))
		__builtin_trap();
	/* A small cap: the same answer when the body fits, else -EMSGSIZE. */
	if (!a.r && a.rs->body_len < small && !same(&a, &c))
		__builtin_trap();
	if (!a.r && a.rs->body_len >= small && c.r != -EMSGSIZE)
		__builtin_trap();
	if (!c.r && !same(&a, &c))
		__builtin_trap();

	done(&a);
	done(&b);
	done(&c);
	return 0;
}
