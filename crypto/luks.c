/* luks.c - the only libcryptsetup user: LUKS2 headers, keyslots, tokens.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: crypto/luks.h, libcryptsetup.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libcryptsetup.h>

#include "crypto/luks.h"

/* Library code never prints (STYLE.md): swallow libcryptsetup's log. */
static void quiet_log(int level, const char *msg, void *usrptr)
{
	(void)level;
	(void)msg;
	(void)usrptr;
}

int luks_probe(const char *path, struct luks_info *out)
{
	struct crypt_device *cd = NULL;
	const char *type, *s;
	int r;

	memset(out, 0, sizeof(*out));
	r = crypt_init(&cd, path);
	if (r < 0)
		return r;
	crypt_set_log_callback(cd, quiet_log, NULL);
	r = crypt_load(cd, CRYPT_LUKS, NULL);
	if (r < 0)
		goto out_free;
	type = crypt_get_type(cd);
	out->version = type && !strcmp(type, CRYPT_LUKS2) ? 2 : 1;
	if ((s = crypt_get_uuid(cd)))
		snprintf(out->uuid, sizeof(out->uuid), "%s", s);
	if (out->version == 2 && (s = crypt_get_label(cd)))
		snprintf(out->label, sizeof(out->label), "%s", s);
	snprintf(out->cipher, sizeof(out->cipher), "%s-%s",
		 crypt_get_cipher(cd) ? crypt_get_cipher(cd) : "?",
		 crypt_get_cipher_mode(cd) ? crypt_get_cipher_mode(cd) : "?");
	out->key_bits = crypt_get_volume_key_size(cd) * 8;
	out->sector_size = (size_t)crypt_get_sector_size(cd);
	r = 0;
out_free:
	crypt_free(cd);
	return r;
}
