/* fuzz_base64.c - libFuzzer target: strict base64 both ways.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: lib/base64.c
 *
 * Untrusted input: every blob and data key in KMS answers, and the
 * ciphertext in LUKS tokens. The input is decoded as text and encoded as
 * bytes. Invariants: one spelling per byte string (what decodes
 * re-encodes to the very same text, so blobs are not malleable), what is
 * encoded decodes back, sizes are exactly B64_ENC_LEN/B64_DEC_LEN-bound,
 * and a buffer one byte short is -EMSGSIZE, untouched.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t dcap = B64_DEC_LEN(size) + 1, ecap = B64_ENC_LEN(size);
	unsigned char *bin = malloc(dcap), *back = malloc(size + 1);
	char *text = malloc(size ? size : 1), *enc = malloc(ecap);
	int n, m;

	/* The input as text: strict decoding. */
	memcpy(text, data, size);
	n = b64_decode(bin, dcap, text, size);
	if (n != -EINVAL && n < 0)
		__builtin_trap();
	if (n >= 0) {
		if ((size_t)n > B64_DEC_LEN(size) || size % 4)
			__builtin_trap();
		m = b64_encode(enc, ecap, bin, (size_t)n);
		if (m != (int)size || memcmp(enc, text, size))
			__builtin_trap(); /* canonical: the only spelling */
		if (n &&
		    b64_decode(bin, (size_t)n - 1, text, size) != -EMSGSIZE)
			__builtin_trap();
	}

	/* The input as bytes: encode, decode back. */
	n = b64_encode(enc, ecap, data, size);
	if (n < 0 || (size_t)n + 1 != ecap || strlen(enc) != (size_t)n)
		__builtin_trap();
	m = b64_decode(back, size + 1, enc, (size_t)n);
	if (m != (int)size || memcmp(back, data, size))
		__builtin_trap();
	memset(back, 0x5a, size + 1);
	if (b64_encode(enc, ecap - 1, data, size) != -EMSGSIZE)
		__builtin_trap();

	free(enc);
	free(text);
	free(back);
	free(bin);
	return 0;
}
