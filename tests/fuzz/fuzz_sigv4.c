/* fuzz_sigv4.c - libFuzzer target: the SigV4 canonicalizer and signer.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: kms/sigv4.c crypto/secret.c build/cache/src/bearssl-*[0-9]/src/hash/sha2small.c build/cache/src/bearssl-*[0-9]/src/mac/hmac.c build/cache/src/bearssl-*[0-9]/src/codec/dec32be.c build/cache/src/bearssl-*[0-9]/src/codec/enc32be.c
 * Cflags: -I build/cache/src/bearssl-*[0-9]/src -DBR_LE_UNALIGNED=0 -DBR_BE_UNALIGNED=0
 *
 * Input: a flags byte, then NUL-separated fields: method, path, query,
 * service, region, date, header names and values in pairs; the last field
 * runs to the end of the input and is the body. Whatever they hold, the
 * canonical request must fit its buffer or be -EMSGSIZE (never truncated,
 * never past the buffer: buffers are exactly the size we claim), be the
 * same on every run and for every cap that fits, and keep its path and
 * query lines in the encoded alphabet (an unencoded byte there would let
 * two requests share a signature). BearSSL's hash code is compiled here
 * with aligned accesses only, so UBSan judges our code, not its x86
 * shortcuts.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kms/sigv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* hash.h: tls.c implements it, and cannot link here. */
#include "tests/fuzz/tls_stubs.h"

#define FIELDS 6
#define BIG 65536

/* Is line N (0-based) of S made only of encoded-path/query characters? */
static int line_encoded(const char *s, int n, const char *extra)
{
	const char *e;

	while (n-- > 0) {
		s = strchr(s, '\n');
		if (!s)
			return 0;
		s++;
	}
	e = strchr(s, '\n');
	if (!e)
		return 0;
	for (; s < e; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || strchr(extra, c))
			continue;
		if (c == '%' && s + 2 < e && strchr("0123456789ABCDEF", s[1]) &&
		    strchr("0123456789ABCDEF", s[2])) {
			s += 2;
			continue;
		}
		return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigv4_header h[SIGV4_MAX_HEADERS + 2];
	struct sigv4_request r = {0};
	struct sigv4_creds cr = {"AKIDEXAMPLE",
				 "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
				 NULL};
	const char *f[FIELDS + 2 * (SIGV4_MAX_HEADERS + 2) + 1], *body;
	char *copy, *p, *end, *big, *again, *small, *auth1, *auth2;
	size_t nh = 0, nf, cap, i;
	int n, n2, ns, a1, a2;
	uint8_t flags;

	if (size < 1)
		return 0;
	flags = data[0];
	copy = malloc(size);
	memcpy(copy, data + 1, size - 1);
	copy[size - 1] = 0;
	end = copy + size - 1;
	/* NUL-separated fields; the last one is the body. */
	for (p = copy, nf = 0; nf < sizeof(f) / sizeof(f[0]); nf++) {
		f[nf] = p;
		p += strlen(p);
		if (p == end) {
			nf++;
			break;
		}
		p++;
	}
	for (i = 0; i < FIELDS; i++)
		if (i >= nf)
			f[i] = end; /* "" */
	for (i = FIELDS; i + 2 < nf && nh < SIGV4_MAX_HEADERS + 2; i += 2) {
		h[nh].name = f[i];
		h[nh].value = f[i + 1];
		nh++;
	}
	body = nf > FIELDS ? f[nf - 1] : NULL;
	r.method = f[0];
	r.path = f[1];
	r.query = flags & 1 ? NULL : f[2];
	r.service = f[3];
	r.region = f[4];
	r.amz_date = f[5];
	r.headers = h;
	r.nheaders = nh;
	r.body = body;
	r.body_len = body ? (size_t)(end - body) : 0;
	r.normalize = flags & 2;

	big = malloc(BIG);
	again = malloc(BIG);
	n = sigv4_canonical_request(&r, big, BIG);
	if (n < 0 && n != -EMSGSIZE && n != -EINVAL)
		__builtin_trap();
	if (n >= 0 && (size_t)n != strlen(big))
		__builtin_trap(); /* length says what the buffer holds */
	n2 = sigv4_canonical_request(&r, again, BIG);
	if (n2 != n || (n >= 0 && strcmp(big, again)))
		__builtin_trap(); /* deterministic */
	if (n >= 0 && !strchr(r.method, '\n') &&
	    (!line_encoded(big, 1, "/") || !line_encoded(big, 2, "=&")))
		__builtin_trap(); /* path and query lines fully encoded */

	/* A cap chosen by the input: same text when it fits, else
	 * -EMSGSIZE; the buffer is exactly CAP bytes for ASan. */
	cap = (size_t)(flags >> 2) * 97 % (n > 0 ? (size_t)n + 2 : 64) + 1;
	small = malloc(cap);
	ns = sigv4_canonical_request(&r, small, cap);
	if (n >= 0 && (size_t)n < cap && (ns != n || strcmp(small, big)))
		__builtin_trap();
	if (n >= 0 && (size_t)n >= cap && ns != -EMSGSIZE)
		__builtin_trap();
	if (n < 0 && ns >= 0)
		__builtin_trap();

	/* The signer on top: no crash, same header twice. */
	auth1 = malloc(1024);
	auth2 = malloc(1024);
	a1 = sigv4_authorization(&r, &cr, auth1, 1024);
	a2 = sigv4_authorization(&r, &cr, auth2, 1024);
	if (a1 != a2 || (a1 >= 0 && strcmp(auth1, auth2)))
		__builtin_trap();
	if (a1 >= 0 && n < 0)
		__builtin_trap(); /* signed what it could not canonicalize */

	free(auth1);
	free(auth2);
	free(small);
	free(again);
	free(big);
	free(copy);
	return 0;
}
