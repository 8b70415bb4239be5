/* fuzz_url.c - libFuzzer target: endpoint, proxy and IMDS URLs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/aws.c kms/call.c kms/retry.c kms/endpoint.c kms/errors.c kms/creds.c kms/imds.c kms/http.c kms/json.c kms/net.c lib/clock.c kms/sigv4.c crypto/secret.c lib/msg.c build/cache/src/bearssl-*[0-9]/src/hash/sha2small.c build/cache/src/bearssl-*[0-9]/src/mac/hmac.c build/cache/src/bearssl-*[0-9]/src/codec/dec32be.c build/cache/src/bearssl-*[0-9]/src/codec/enc32be.c
 * Cflags: -I build/cache/src/bearssl-*[0-9]/src -DBR_LE_UNALIGNED=0 -DBR_BE_UNALIGNED=0
 *
 * Untrusted-ish input: --endpoint, AWS_ENDPOINT_URL[_KMS], HTTPS_PROXY
 * and AWS_EC2_METADATA_SERVICE_ENDPOINT come from the environment and
 * the sysconfig file; one parser (net_parse_url) reads them all, and its
 * HOST becomes the TLS name, the Host header and what getaddrinfo sees.
 * Input: the URL (up to the first NUL). tls.c is stubbed as in
 * fuzz_aws.c: nothing here connects.
 *
 * Invariants: a URL is accepted only as http:// or https:// then a DNS
 * name or a bracketed IPv6 literal (no userinfo, path, query, blanks),
 * a port 1-65535, the TLS flag matching the scheme; the host is copied
 * whole and terminated, or refused when it does not fit (never cut);
 * printed back as SCHEME://HOST:PORT it parses to the same thing. The
 * KMS/SSM endpoint (option or variable) is accepted only over TLS, and
 * refused with -EPROTONOSUPPORT exactly when it is a good http:// URL;
 * IMDS accepts exactly the good http:// ones, with the same host.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kms/aws.h"
#include "kms/imds.h"
#include "kms/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tls.c stand-ins: call.c links them, this target never connects. */
#include "tests/fuzz/tls_stubs.h"

/* --- the target --- */

/*
 * glibc's setenv() never frees the strings it made for earlier values, so
 * millions of setenv() calls grow the heap until libFuzzer's RSS limit
 * stops the run. putenv() takes our buffer; the one it replaced is freed.
 */
static char *env_kms, *env_imds;

static void put(char **buf, const char *name, const char *val)
{
	size_t n = strlen(name) + strlen(val) + 2;
	char *b = malloc(n);

	snprintf(b, n, "%s=%s", name, val);
	if (putenv(b))
		__builtin_trap();
	free(*buf);
	*buf = b;
}

static int valid_host(const char *h)
{
	size_t n = strlen(h);

	if (n == 0)
		return 0;
	if (h[0] == '[')
		return n > 2 && h[n - 1] == ']' &&
		       strspn(h + 1, "0123456789abcdefABCDEF:.") == n - 2;
	return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-") == n;
}

/* Parse URL with a host buffer of CAP bytes; check what came out. */
static int parse(const char *url, size_t cap, char *host, unsigned *port,
		 int *tls)
{
	char *h = malloc(cap);
	int r;

	*port = 0;
	*tls = -1;
	r = net_parse_url(url, h, cap, port, tls);
	if (r && r != -EINVAL)
		__builtin_trap();
	if (!r) {
		size_t skip = *tls ? 8 : 7;

		if (*tls != (strncmp(url, "https://", 8) == 0))
			__builtin_trap();
		if (!*tls && strncmp(url, "http://", 7))
			__builtin_trap();
		if (!memchr(h, 0, cap) || !valid_host(h))
			__builtin_trap();
		if (strncmp(url + skip, h, strlen(h)))
			__builtin_trap(); /* the host, whole, right after */
		if (*port < 1 || *port > 65535)
			__builtin_trap();
		strcpy(host, h);
	}
	free(h);
	return r;
}

static void endpoint(const char *url, int r0, int tls0, const char *host0,
		     unsigned port0)
{
	struct aws_client *c = calloc(1, sizeof(*c));
	char host[256];
	unsigned port = 0;
	int tls = -1, r, via;

	for (via = 0; via < 2; via++) {
		memset(c, 0, sizeof(*c));
		if (via == 0) {
			c->opts.endpoint_url = url;
			unsetenv("AWS_ENDPOINT_URL_KMS");
		} else {
			put(&env_kms, "AWS_ENDPOINT_URL_KMS", url);
		}
		r = aws_endpoint(c, "kms", "us-east-1", host, sizeof(host),
				 &port, &tls);
		if (!*url) {
			/* Unset: the region's own name, over TLS. */
			if (r || !tls ||
			    strcmp(host, "kms.us-east-1.amazonaws.com"))
				__builtin_trap();
			continue;
		}
		if (r == 0 && (!tls || r0 || !tls0 || strcmp(host, host0) ||
			       port != port0))
			__builtin_trap();
		if (r == -EPROTONOSUPPORT && (r0 || tls0))
			__builtin_trap(); /* refused: a good http:// URL */
		/* A good URL whose host does not fit HOST is refused whole. */
		if (r == -EINVAL && !r0 && strlen(host0) < sizeof(host))
			__builtin_trap();
		if (r && r != -EINVAL && r != -EPROTONOSUPPORT)
			__builtin_trap();
		if (!r0 && !tls0 && strlen(host0) < sizeof(host) &&
		    r != -EPROTONOSUPPORT)
			__builtin_trap(); /* never plain HTTP to KMS */
		if (!r0 && !tls0 && r == 0)
			__builtin_trap();
	}
	unsetenv("AWS_ENDPOINT_URL_KMS");
	free(c);
}

static void imds(const char *url, int r0, int tls0, const char *host0,
		 unsigned port0)
{
	struct imds m;
	int r;

	if (!*url)
		return;
	put(&env_imds, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
	r = imds_init(&m, 0);
	if (!memchr(m.why, 0, sizeof(m.why)))
		__builtin_trap();
	/* IMDS is plain HTTP by AWS's definition; https:// is refused. A
	 * good host too long for m.host is refused, never cut. */
	if (!r && (r0 || tls0 || strcmp(m.host, host0) || m.port != port0))
		__builtin_trap();
	if (r && r != -EINVAL)
		__builtin_trap();
	if (r && !r0 && !tls0 && strlen(host0) < sizeof(m.host))
		__builtin_trap();
	imds_fini(&m);
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), host[512], again[600], h2[512], tiny[16];
	unsigned port = 0, p2, pt;
	int tls, t2, tt, r;

	memcpy(url, data, size);
	url[size] = 0;
	host[0] = 0;
	r = parse(url, sizeof(host), host, &port, &tls);
	if (!r) {
		/* Printed back, it means the same. */
		snprintf(again, sizeof(again), "%s://%s:%u",
			 tls ? "https" : "http", host, port);
		if (parse(again, sizeof(h2), h2, &p2, &t2) ||
		    strcmp(h2, host) || p2 != port || t2 != tls)
			__builtin_trap();
	}
	/* A small buffer: the host fits whole or the URL is refused. */
	if (!parse(url, sizeof(tiny), tiny, &pt, &tt) &&
	    (r || strcmp(tiny, host)))
		__builtin_trap();
	if (!r && strlen(host) >= sizeof(tiny) &&
	    !parse(url, sizeof(tiny), tiny, &pt, &tt))
		__builtin_trap();
	endpoint(url, r, tls, host, port);
	imds(url, r, tls, host, port);
	free(url);
	return 0;
}
