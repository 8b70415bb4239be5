/* fuzz_luks_policy.c - libFuzzer target: the LUKS2 header policy.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Sources: crypto/luks_policy.c build/cache/src/jsonc-*[0-9]/json_tokener.c build/cache/src/jsonc-*[0-9]/json_object.c build/cache/src/jsonc-*[0-9]/linkhash.c build/cache/src/jsonc-*[0-9]/printbuf.c build/cache/src/jsonc-*[0-9]/arraylist.c build/cache/src/jsonc-*[0-9]/random_seed.c build/cache/src/jsonc-*[0-9]/strerror_override.c build/cache/src/jsonc-*[0-9]/debug.c build/cache/src/jsonc-*[0-9]/json_util.c
 * Cflags: -I build/cache/src/jsonc-*[0-9]/_b -I build/cache/src/jsonc-*[0-9]
 *
 * Untrusted input: a LUKS2 header's JSON area and its label (anyone who
 * can write the disk writes them). json-c, which libcryptsetup parses the
 * header with, is compiled here with the sanitizers too. Whatever the
 * input, luks_policy_check() returns 0 with an empty reason, or -EPROTO
 * with a terminated "FIELD=VALUE" reason that holds no control byte (cut
 * short, still terminated, in a small buffer), or
 * -EMSGSIZE/-ENOMEM; and the same input gives the same answer twice.
 * Seeds (corpus/luks_policy/) are JSON areas of headers luksbox made, the
 * first line of each being the label (the rest, the JSON).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/luks_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reason(const char *why, size_t cap, int r, int whole)
{
	const unsigned char *p = (const unsigned char *)why;
	size_t n = strnlen(why, cap);

	if (n == cap)
		__builtin_trap(); /* not terminated */
	if (r == 0 && n)
		__builtin_trap();
	if (r == -EPROTO && (!n || (whole && !strchr(why, '='))))
		__builtin_trap();
	for (; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			__builtin_trap(); /* raw text from the disk */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct luks_header_view h = {0};
	char why[LUKS_POLICY_REASON], again[LUKS_POLICY_REASON], small[24];
	const uint8_t *nl = memchr(data, '\n', size);
	char label[49] = "";
	char *json;
	size_t lab;
	int r, r2;

	/* The label field is 48 bytes on disk, NUL-terminated when shorter. */
	lab = nl ? (size_t)(nl - data) : 0;
	memcpy(label, data, lab < 48 ? lab : 48);
	json = malloc(size - (nl ? lab + 1 : 0) + 1);
	if (!json)
		return 0;
	memcpy(json, nl ? nl + 1 : data, size - (nl ? lab + 1 : 0));
	h.json = json;
	h.json_len = size - (nl ? lab + 1 : 0);
	h.label = label;
	h.subsystem = "luksbox";
	h.uuid = "0b2ab10a-1111-4222-8333-444455556666";
	h.device_size = (uint64_t)48 << 20;
	r = luks_policy_check(&h, why, sizeof(why));
	if (r != 0 && r != -EPROTO && r != -EMSGSIZE && r != -ENOMEM)
		__builtin_trap();
	check_reason(why, sizeof(why), r, 1);
	r2 = luks_policy_check(&h, again, sizeof(again));
	if (r2 != r || strcmp(why, again))
		__builtin_trap();
	/* A small reason buffer: cut, terminated, same verdict. */
	r2 = luks_policy_check(&h, small, sizeof(small));
	if (r2 != r)
		__builtin_trap();
	check_reason(small, sizeof(small), r2, 0);
	free(json);
	return 0;
}
