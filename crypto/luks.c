/* luks.c - the only libcryptsetup user: LUKS2 headers, keyslots, tokens.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: crypto/luks.h, libcryptsetup.h, cryptsetup(8) "--perf-*",
 *      DESIGN.md "On-disk contract".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include <libcryptsetup.h>

#include "crypto/luks.h"

enum {
	VOLUME_KEY_BYTES = 64, /* aes-xts-plain64 with AES-256: 512 bits */
	SECRET_PBKDF2_ITER = 1000,
	RECOVERY_ITER_MS = 2000,
};

/* Library code never prints (STYLE.md): swallow libcryptsetup's log. */
static void quiet_log(int level, const char *msg, void *usrptr)
{
	(void)level;
	(void)msg;
	(void)usrptr;
}

static int init(struct luks *l, const char *dev)
{
	int r;

	l->cd = NULL;
	/* The default log too: crypt_init() reports before L has a handle. */
	crypt_set_log_callback(NULL, quiet_log, NULL);
	r = crypt_init(&l->cd, dev);
	if (r < 0) {
		l->cd = NULL;
		return r;
	}
	crypt_set_log_callback(l->cd, quiet_log, NULL);
	return 0;
}

void luks_fini(struct luks *l)
{
	if (l->cd)
		crypt_free(l->cd);
	l->cd = NULL;
}

int luks_load(struct luks *l, const char *dev)
{
	int r = init(l, dev);

	if (r < 0)
		return r;
	r = crypt_load(l->cd, CRYPT_LUKS, NULL);
	if (r < 0)
		luks_fini(l);
	return r;
}

int luks_info(struct luks *l, struct luks_info *out)
{
	struct luks_info tmp;
	struct crypt_device *cd = l->cd;
	const char *type, *s;

	if (!out)
		out = &tmp;
	memset(out, 0, sizeof(*out));
	type = crypt_get_type(cd);
	if (!type)
		return -EINVAL;
	out->version = !strcmp(type, CRYPT_LUKS2) ? 2 : 1;
	if ((s = crypt_get_uuid(cd)))
		snprintf(out->uuid, sizeof(out->uuid), "%s", s);
	if (out->version == 2 && (s = crypt_get_label(cd)))
		snprintf(out->label, sizeof(out->label), "%s", s);
	if (out->version == 2 && (s = crypt_get_subsystem(cd)))
		snprintf(out->subsystem, sizeof(out->subsystem), "%s", s);
	snprintf(out->cipher, sizeof(out->cipher), "%s-%s",
		 crypt_get_cipher(cd) ? crypt_get_cipher(cd) : "?",
		 crypt_get_cipher_mode(cd) ? crypt_get_cipher_mode(cd) : "?");
	out->key_bits = crypt_get_volume_key_size(cd) * 8;
	out->sector_size = (size_t)crypt_get_sector_size(cd);
	if (!strcmp(out->subsystem, LUKS_SUBSYSTEM_READY))
		out->state = LUKS_STATE_READY;
	else if (!strcmp(out->subsystem, LUKS_SUBSYSTEM_PROVISIONING))
		out->state = LUKS_STATE_PROVISIONING;
	else
		out->state = LUKS_STATE_FOREIGN;
	return (int)out->state;
}

int luks_probe(const char *path, struct luks_info *out)
{
	struct luks l;
	int r;

	memset(out, 0, sizeof(*out));
	r = luks_load(&l, path);
	if (r < 0)
		return r;
	r = luks_info(&l, out);
	luks_fini(&l);
	return r < 0 ? r : 0;
}

/* Size in bytes of a block device or regular file. */
static int dev_size(const char *dev, uint64_t *size)
{
	struct stat st;
	int fd, r = 0;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISBLK(st.st_mode))
		r = ioctl(fd, BLKGETSIZE64, size) < 0 ? -errno : 0;
	else
		*size = (uint64_t)st.st_size;
	close(fd);
	return r;
}

int luks_format(struct luks *l, const char *dev,
		const struct luks_format_params *p)
{
	struct crypt_pbkdf_type pbkdf = {
		.type = CRYPT_KDF_PBKDF2,
		.hash = "sha256",
		.iterations = SECRET_PBKDF2_ITER,
		.flags = CRYPT_PBKDF_NO_BENCHMARK,
	};
	struct crypt_params_luks2 params = {
		.pbkdf = &pbkdf,
		.label = p->label,
		.subsystem = LUKS_SUBSYSTEM_PROVISIONING,
	};
	uint64_t size = 0;
	uint32_t flags = 0;
	int r;

	r = dev_size(dev, &size);
	if (r < 0)
		return r;
	/* 4 KiB encryption sectors halve dm-crypt's per-sector work; they
	 * need a device size that is a multiple of 4 KiB. */
	params.sector_size =
		p->sector_size ? p->sector_size : (size % 4096 ? 512 : 4096);
	r = init(l, dev);
	if (r < 0)
		return r;
	r = crypt_format(l->cd, CRYPT_LUKS2, "aes", "xts-plain64", p->uuid,
			 NULL, VOLUME_KEY_BYTES, &params);
	if (r < 0)
		goto out_fini;
	if (p->perf_flags)
		flags |= CRYPT_ACTIVATE_NO_READ_WORKQUEUE |
			 CRYPT_ACTIVATE_NO_WRITE_WORKQUEUE;
	if (p->discard)
		flags |= CRYPT_ACTIVATE_ALLOW_DISCARDS;
	if (flags) {
		r = crypt_persistent_flags_set(l->cd, CRYPT_FLAGS_ACTIVATION,
					       flags);
		if (r < 0)
			goto out_fini;
	}
	return 0;
out_fini:
	luks_fini(l);
	return r;
}

int luks_add_secret_slot(struct luks *l, const void *unlock, size_t unlock_len,
			 const void *secret, size_t secret_len)
{
	struct crypt_pbkdf_type pbkdf = {
		.type = CRYPT_KDF_PBKDF2,
		.hash = "sha256",
		.iterations = SECRET_PBKDF2_ITER,
		.flags = CRYPT_PBKDF_NO_BENCHMARK,
	};
	int r;

	r = crypt_set_pbkdf_type(l->cd, &pbkdf);
	if (r < 0)
		return r;
	if (unlock)
		return crypt_keyslot_add_by_passphrase(l->cd, CRYPT_ANY_SLOT,
						       unlock, unlock_len,
						       secret, secret_len);
	return crypt_keyslot_add_by_volume_key(l->cd, CRYPT_ANY_SLOT, NULL, 0,
					       secret, secret_len);
}

int luks_add_recovery_slot(struct luks *l, const void *unlock,
			   size_t unlock_len, const void *pass, size_t pass_len,
			   uint32_t max_kib)
{
	struct crypt_pbkdf_type pbkdf = {
		.type = CRYPT_KDF_ARGON2ID,
		.hash = "sha256",
		.time_ms = RECOVERY_ITER_MS,
		.max_memory_kb = max_kib,
		.parallel_threads = 4,
	};
	int r;

	r = crypt_set_pbkdf_type(l->cd, &pbkdf);
	if (r < 0)
		return r;
	return crypt_keyslot_add_by_passphrase(l->cd, CRYPT_ANY_SLOT, unlock,
					       unlock_len, pass, pass_len);
}

int luks_token_add(struct luks *l, const char *token_json)
{
	return crypt_token_json_set(l->cd, CRYPT_ANY_TOKEN, token_json);
}

int luks_token_max(void)
{
	int n = crypt_token_max(CRYPT_LUKS2);

	return n > 0 ? n : 32;
}

int luks_token_get(struct luks *l, int token, const char **json)
{
	const char *type = NULL;
	crypt_token_info st = crypt_token_status(l->cd, token, &type);

	if (st == CRYPT_TOKEN_INACTIVE)
		return -ENOENT;
	if (st == CRYPT_TOKEN_INVALID)
		return -EINVAL;
	return crypt_token_json_get(l->cd, token, json) < 0 ? -EINVAL : 0;
}

int luks_set_ready(struct luks *l)
{
	const char *cur = crypt_get_label(l->cd);
	char label[48];

	/* A copy: libcryptsetup clears its label buffer before copying the
	 * new one in, so its own pointer cannot be passed back. */
	snprintf(label, sizeof(label), "%s", cur ? cur : "");
	return crypt_set_label(l->cd, label, LUKS_SUBSYSTEM_READY);
}

int luks_activate(struct luks *l, const char *name, int slot,
		  const void *secret, size_t secret_len)
{
	/* Persistent flags (workqueues, discards) come from the header. */
	return crypt_activate_by_passphrase(l->cd, name,
					    slot < 0 ? CRYPT_ANY_SLOT : slot,
					    secret, secret_len, 0);
}

int luks_verify(struct luks *l, int slot, const void *secret, size_t secret_len)
{
	return crypt_activate_by_passphrase(l->cd, NULL,
					    slot < 0 ? CRYPT_ANY_SLOT : slot,
					    secret, secret_len, 0);
}

int luks_deactivate(const char *name)
{
	struct crypt_device *cd = NULL;
	int r;

	crypt_set_log_callback(NULL, quiet_log, NULL);
	r = crypt_init_by_name(&cd, name);
	if (r < 0)
		return r;
	crypt_set_log_callback(cd, quiet_log, NULL);
	r = crypt_deactivate(cd, name);
	crypt_free(cd);
	return r;
}

int luks_is_active(const char *name, char *uuid)
{
	struct crypt_device *cd = NULL;
	crypt_status_info st;
	const char *u;
	int r;

	crypt_set_log_callback(NULL, quiet_log, NULL);
	st = crypt_status(NULL, name);
	if (st == CRYPT_INVALID)
		return -EINVAL;
	if (st == CRYPT_INACTIVE)
		return 0;
	if (uuid) {
		uuid[0] = '\0';
		crypt_set_log_callback(NULL, quiet_log, NULL);
		r = crypt_init_by_name(&cd, name);
		if (r < 0)
			return r;
		crypt_set_log_callback(cd, quiet_log, NULL);
		if ((u = crypt_get_uuid(cd)))
			snprintf(uuid, 40, "%s", u);
		crypt_free(cd);
	}
	return 1;
}

int luks_active_device(const char *name, char *dev, size_t cap)
{
	struct crypt_device *cd = NULL;
	const char *d;
	int r;

	crypt_set_log_callback(NULL, quiet_log, NULL);
	r = crypt_init_by_name(&cd, name);
	if (r < 0)
		return r;
	crypt_set_log_callback(cd, quiet_log, NULL);
	d = crypt_get_device_name(cd);
	if (!d)
		r = -EINVAL;
	else if (snprintf(dev, cap, "%s", d) >= (int)cap)
		r = -ENAMETOOLONG;
	crypt_free(cd);
	return r;
}

int luks_header_backup(struct luks *l, const char *file)
{
	return crypt_header_backup(l->cd, CRYPT_LUKS2, file);
}
