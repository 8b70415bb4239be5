/* sigv4.c - AWS Signature Version 4 over hash.h's SHA-256 and HMAC.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: sigv4.h, hash.h.
 */
#include "kms/sigv4.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secret.h"
#include "kms/hash.h"

#define CANON_MAX 16384

struct buf {
	char *p;
	size_t cap, len;
	int err;
};

static void add(struct buf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		b->err = -EMSGSIZE;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void adds(struct buf *b, const char *s)
{
	add(b, s, strlen(s));
}

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char h[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[2 * n] = 0;
}

void sigv4_hex_sha256(const void *p, size_t n, char out[65])
{
	unsigned char d[HASH_SHA256_LEN];

	hash_sha256(p, n, d);
	hex(d, sizeof(d), out);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Value trimmed, whitespace runs collapsed (folded lines included). */
static void add_value(struct buf *b, const char *v)
{
	int pending = 0;

	while (is_space(*v))
		v++;
	for (; *v; v++) {
		if (is_space(*v)) {
			pending = 1;
			continue;
		}
		if (pending)
			add(b, " ", 1);
		pending = 0;
		add(b, v, 1);
	}
}

static int name_cmp(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		int d = tolower((unsigned char)*a) - tolower((unsigned char)*b);

		if (d)
			return d;
	}
	return tolower((unsigned char)*a) - tolower((unsigned char)*b);
}

/* Header indices in canonical order (stable: duplicates keep order). */
static int sort_headers(const struct sigv4_request *r, size_t *idx)
{
	size_t i, j;

	if (r->nheaders > SIGV4_MAX_HEADERS)
		return -EMSGSIZE;
	for (i = 0; i < r->nheaders; i++) {
		size_t k = i;

		idx[i] = i;
		for (j = i; j > 0 && name_cmp(r->headers[idx[j - 1]].name,
					      r->headers[k].name) > 0;
		     j--)
			idx[j] = idx[j - 1];
		idx[j] = k;
	}
	return 0;
}

static void add_lower(struct buf *b, const char *s)
{
	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);

		add(b, &c, 1);
	}
}

static void signed_headers(struct buf *b, const struct sigv4_request *r,
			   const size_t *idx)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++) {
		if (i && !name_cmp(r->headers[idx[i - 1]].name,
				   r->headers[idx[i]].name))
			continue;
		if (i)
			add(b, ";", 1);
		add_lower(b, r->headers[idx[i]].name);
	}
}

/* AWS URI encoding of one query component, keeping existing %XX. */
static void add_qenc(struct buf *b, const char *s, size_t n)
{
	static const char h[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3];

		if (isalnum(c) || c == '-' || c == '_' || c == '.' ||
		    c == '~') {
			add(b, (const char *)&c, 1);
		} else if (c == '%' && i + 2 < n &&
			   isxdigit((unsigned char)s[i + 1]) &&
			   isxdigit((unsigned char)s[i + 2])) {
			e[0] = '%';
			e[1] = (char)toupper((unsigned char)s[i + 1]);
			e[2] = (char)toupper((unsigned char)s[i + 2]);
			add(b, e, 3);
			i += 2;
		} else {
			e[0] = '%';
			e[1] = h[c >> 4];
			e[2] = h[c & 15];
			add(b, e, 3);
		}
	}
}

static void add_path(struct buf *b, const char *path, int normalize)
{
	const char *segs[64];
	size_t lens[64], n = 0, i;
	const char *p = path && *path ? path : "/";
	size_t plen = strlen(p);
	int trailing = plen > 1 && p[plen - 1] == '/';

	if (!normalize) {
		for (i = 0; i < plen; i++) {
			if (p[i] == '/')
				add(b, "/", 1);
			else
				add_qenc(b, p + i, 1);
		}
		return;
	}
	while (*p) {
		size_t l;

		p += strspn(p, "/");
		l = strcspn(p, "/");
		if (l == 0)
			break;
		if (l == 1 && p[0] == '.') {
			/* nothing */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			if (n)
				n--;
		} else if (n < 64) {
			segs[n] = p;
			lens[n++] = l;
		} else {
			b->err = -EMSGSIZE;
		}
		p += l;
	}
	for (i = 0; i < n; i++) {
		add(b, "/", 1);
		add_qenc(b, segs[i], lens[i]);
	}
	if (!n || trailing)
		add(b, "/", 1);
}

struct param {
	char *enc; /* "name=value", encoded */
	size_t name_len;
};

static int param_cmp(const void *a, const void *b)
{
	const struct param *x = a, *y = b;
	size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int d = memcmp(x->enc, y->enc, n);

	if (d)
		return d;
	if (x->name_len != y->name_len)
		return x->name_len < y->name_len ? -1 : 1;
	return strcmp(x->enc + x->name_len, y->enc + y->name_len);
}

static int add_query(struct buf *b, const char *q)
{
	struct param ps[64];
	char store[4096];
	struct buf sb = {store, sizeof(store), 0, 0};
	size_t np = 0, i;
	const char *p = q;

	while (q && *p) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);
		size_t nl = eq ? (size_t)(eq - p) : n;
		size_t start = sb.len;

		if (n) {
			if (np == 64)
				return -EMSGSIZE;
			add_qenc(&sb, p, nl);
			ps[np].name_len = sb.len - start;
			add(&sb, "=", 1);
			if (eq)
				add_qenc(&sb, eq + 1, n - nl - 1);
			add(&sb, "", 0);
			sb.len++; /* keep the NUL as a separator */
			if (sb.len >= sb.cap)
				sb.err = -EMSGSIZE;
			if (sb.err)
				return sb.err;
			ps[np].enc = store + start;
			np++;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	qsort(ps, np, sizeof(ps[0]), param_cmp);
	for (i = 0; i < np; i++) {
		if (i)
			add(b, "&", 1);
		adds(b, ps[i].enc);
	}
	return 0;
}

int sigv4_canonical_request(const struct sigv4_request *r, char *out,
			    size_t cap)
{
	struct buf b = {out, cap, 0, 0};
	size_t idx[SIGV4_MAX_HEADERS], i;
	char h[65];
	int err;

	if (cap == 0)
		return -EMSGSIZE;
	out[0] = 0;
	err = sort_headers(r, idx);
	if (err)
		return err;
	adds(&b, r->method);
	add(&b, "\n", 1);
	add_path(&b, r->path, r->normalize);
	add(&b, "\n", 1);
	err = add_query(&b, r->query);
	if (err)
		return err;
	add(&b, "\n", 1);
	for (i = 0; i < r->nheaders; i++) {
		const struct sigv4_header *hd = &r->headers[idx[i]];
		int cont =
			i && !name_cmp(r->headers[idx[i - 1]].name, hd->name);

		if (cont) {
			add(&b, ",", 1);
		} else {
			if (i)
				add(&b, "\n", 1);
			add_lower(&b, hd->name);
			add(&b, ":", 1);
		}
		add_value(&b, hd->value);
	}
	add(&b, "\n\n", 2);
	signed_headers(&b, r, idx);
	add(&b, "\n", 1);
	sigv4_hex_sha256(r->body ? r->body : "", r->body_len, h);
	adds(&b, h);
	return b.err ? b.err : (int)b.len;
}

int sigv4_string_to_sign(const struct sigv4_request *r, char *out, size_t cap)
{
	char *canon = malloc(CANON_MAX), h[65];
	int n;

	if (!canon)
		return -ENOMEM;
	n = sigv4_canonical_request(r, canon, CANON_MAX);
	if (n >= 0) {
		sigv4_hex_sha256(canon, (size_t)n, h);
		if (strlen(r->amz_date) != 16)
			n = -EINVAL;
		else
			n = snprintf(out, cap,
				     "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/"
				     "aws4_request\n%s",
				     r->amz_date, r->amz_date, r->region,
				     r->service, h);
		if (n >= 0 && (size_t)n >= cap)
			n = -EMSGSIZE;
	}
	/* The canonical request holds the session token: wipe it. */
	secret_wipe(canon, CANON_MAX);
	free(canon);
	return n;
}

int sigv4_authorization(const struct sigv4_request *r,
			const struct sigv4_creds *c, char *out, size_t cap)
{
	char sts[512], sig[65], kbuf[140], sh[1024];
	unsigned char k[32], d[32];
	size_t idx[SIGV4_MAX_HEADERS];
	struct buf shb = {sh, sizeof(sh), 0, 0};
	int n, kl;

	n = sigv4_string_to_sign(r, sts, sizeof(sts));
	if (n < 0)
		return n;
	kl = snprintf(kbuf, sizeof(kbuf), "AWS4%s", c->secret_key);
	if (kl < 0 || (size_t)kl >= sizeof(kbuf))
		return -EMSGSIZE;
	/* kDate, kRegion, kService, kSigning, then the signature. */
	hash_hmac_sha256(kbuf, (size_t)kl, r->amz_date, 8, k);
	hash_hmac_sha256(k, 32, r->region, strlen(r->region), k);
	hash_hmac_sha256(k, 32, r->service, strlen(r->service), k);
	hash_hmac_sha256(k, 32, "aws4_request", 12, k);
	hash_hmac_sha256(k, 32, sts, (size_t)n, d);
	hex(d, 32, sig);
	secret_wipe(kbuf, sizeof(kbuf));
	secret_wipe(k, sizeof(k));
	sort_headers(r, idx);
	signed_headers(&shb, r, idx);
	if (shb.err)
		return shb.err;
	n = snprintf(out, cap,
		     "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
		     "SignedHeaders=%s, Signature=%s",
		     c->access_key, r->amz_date, r->region, r->service, sh,
		     sig);
	if (n < 0 || (size_t)n >= cap)
		return -EMSGSIZE;
	return n;
}
