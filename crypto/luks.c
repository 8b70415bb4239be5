/* luks.c - the only libcryptsetup user: LUKS2 headers, keyslots, tokens.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: crypto/luks.h, libcryptsetup.h, cryptsetup(8) "--perf-*",
 *      docs/design.md "On-disk contract", crypto/luks_policy.h,
 *      kernel Documentation/admin-guide/device-mapper/dm-crypt.rst (the
 *      table: cipher, then the key as hex or :SIZE:TYPE:DESCRIPTION).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>

#include <libcryptsetup.h>
#include <libdevmapper.h>
#include <nettle/sha2.h>

#include "crypto/luks.h"
#include "lib/io.h"

enum {
	VOLUME_KEY_BYTES = 64, /* aes-xts-plain64 with AES-256: 512 bits */
	HDR_BIN = 4096,	       /* LUKS2 binary header; the JSON area follows */
	HDR_MIN = 16384,       /* header area sizes: 16 KiB ... */
	HDR_MAX = 4194304,     /* ... 4 MiB, powers of two */
	SECRET_PBKDF2_ITER = 1000,
	RECOVERY_ITER_MS = 2000,
};

/* Library code never prints (docs/style.md): swallow libcryptsetup's log. */
static void quiet_log(int level, const char *msg, void *usrptr)
{
	(void)level;
	(void)msg;
	(void)usrptr;
}

/* The same for libdevmapper, whose default log is stderr. */
static void quiet_dm_log(int level, const char *file, int line, int dm_errno,
			 const char *f, ...)
{
	(void)level;
	(void)file;
	(void)line;
	(void)dm_errno;
	(void)f;
}

static int dev_size(const char *dev, uint64_t *size);

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

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * One copy of a LUKS2 header area at OFF (MAGIC "LUKS\xba\xbe" or
 * "SKUL\xba\xbe"), read without libcryptsetup: 0 and *AREA (malloc'd,
 * *SIZE bytes, NUL-terminated past the end) when magic, version, size
 * and SHA-256 checksum hold; -EINVAL when they do not; -errno.
 */
static int read_copy(int fd, uint64_t off, const char *magic,
		     unsigned char **area, uint64_t *size, uint64_t *seqid)
{
	unsigned char bin[HDR_BIN], sum[32], *a;
	struct sha256_ctx h;
	uint64_t n;
	ssize_t got;

	*area = NULL;
	got = pread(fd, bin, sizeof(bin), (off_t)off);
	if (got < 0)
		return -errno;
	if (got != (ssize_t)sizeof(bin) || memcmp(bin, magic, 6) ||
	    bin[6] != 0 || bin[7] != 2 || memcmp(bin + 72, "sha256", 7))
		return -EINVAL;
	n = be64(bin + 8);
	/* Each copy names its own offset: the secondary sits at hdr_size. */
	if (n < HDR_MIN || n > HDR_MAX || (n & (n - 1)) ||
	    be64(bin + 256) != off || (off && off != n))
		return -EINVAL;
	a = malloc(n + 1);
	if (!a)
		return -ENOMEM;
	got = pread(fd, a, n, (off_t)off);
	if (got != (ssize_t)n) {
		free(a);
		return got < 0 ? -errno : -EINVAL;
	}
	a[n] = '\0';
	/* The checksum covers the whole area with its own field zeroed. */
	memcpy(sum, a + 448, sizeof(sum));
	memset(a + 448, 0, 64);
	/* SHA-256 from nettle, libcryptsetup's own crypto backend: crypto/
	 * needs nothing of kms/. */
	sha256_init(&h);
	sha256_update(&h, n, a);
	sha256_digest(&h, SHA256_DIGEST_SIZE, a + 448);
	if (memcmp(sum, a + 448, sizeof(sum))) {
		free(a);
		return -EINVAL;
	}
	*area = a;
	*size = n;
	*seqid = be64(a + 16);
	return 0;
}

/*
 * libcryptsetup would not load DEV's header: is it a LUKS2 header with
 * valid checksums that the policy refuses (a pending re-encryption, which
 * this libcryptsetup cannot even load, say)? Reads both copies as
 * libcryptsetup does and keeps the valid one with the higher sequence
 * number. Returns -EPROTO with WHY set, or 0 when there is nothing to
 * say (no such header, or one the policy accepts).
 */
static int explain_unloadable(const char *dev, char *why, size_t cap)
{
	static const char primary[] = "LUKS\xba\xbe",
			  secondary[] = "SKUL\xba\xbe";
	struct luks_header_view h = {0};
	unsigned char *a = NULL, *b = NULL, *use;
	uint64_t na = 0, nb = 0, sa = 0, sb = 0, off;
	char label[49], subsystem[49], uuid[41];
	int fd, r;

	fd = open(dev, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	read_copy(fd, 0, primary, &a, &na, &sa);
	/* The secondary copy sits at the primary's size; with a broken
	 * primary, libcryptsetup looks at every possible size. */
	for (off = a ? na : HDR_MIN; off <= HDR_MAX && !b; off *= 2) {
		read_copy(fd, off, secondary, &b, &nb, &sb);
		if (a)
			break;
	}
	close(fd);
	use = a && (!b || sa >= sb) ? a : b;
	r = 0;
	if (use && !dev_size(dev, &h.device_size)) {
		snprintf(label, sizeof(label), "%.48s", (char *)use + 24);
		snprintf(subsystem, sizeof(subsystem), "%.48s",
			 (char *)use + 208);
		snprintf(uuid, sizeof(uuid), "%.40s", (char *)use + 168);
		h.json = (const char *)use + HDR_BIN;
		h.json_len = strlen(h.json);
		h.label = label;
		h.subsystem = subsystem;
		h.uuid = uuid;
		r = luks_policy_check(&h, why, cap) == -EPROTO ? -EPROTO : 0;
	}
	free(a);
	free(b);
	return r;
}

int luks_load(struct luks *l, const char *dev)
{
	int r = init(l, dev);

	l->refused[0] = '\0';
	if (r < 0)
		return r;
	r = crypt_load(l->cd, CRYPT_LUKS, NULL);
	if (r < 0) {
		luks_fini(l);
		/* Say which field, rather than "no LUKS header". */
		if (r == -EINVAL &&
		    explain_unloadable(dev, l->refused, sizeof(l->refused)))
			r = -EPROTO;
	}
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
	out->policy = luks_check(l);
	snprintf(out->refused, sizeof(out->refused), "%s", l->refused);
	if (out->policy < 0 && out->policy != -EPROTO)
		return out->policy;
	return (int)out->state;
}

int luks_probe(const char *path, struct luks_info *out)
{
	struct luks l;
	int r;

	memset(out, 0, sizeof(*out));
	r = luks_load(&l, path);
	if (r == -EPROTO) {
		out->policy = r;
		snprintf(out->refused, sizeof(out->refused), "%s", l.refused);
	}
	if (r < 0)
		return r;
	r = luks_info(&l, out);
	luks_fini(&l);
	return r < 0 ? r : 0;
}

/* L->refused = "FIELD=VALUE", the value escaped. Returns -EPROTO. */
static int refuse(char *why, size_t cap, const char *field, const char *value)
{
	char v[LUKS_POLICY_REASON / 2];

	snprintf(why, cap, "%s=%s", field,
		 luks_escape(value ? value : "(none)", v, sizeof(v)));
	return -EPROTO;
}

int luks_check(struct luks *l)
{
	struct crypt_device *cd = l->cd;
	struct crypt_params_integrity ip;
	struct luks_header_view h = {0};
	const char *type = crypt_get_type(cd), *json = NULL, *c, *m;
	const char *dev = crypt_get_device_name(cd);
	uint64_t off;
	uint32_t reqs = 0;
	char n[48];
	int r;

	l->refused[0] = '\0';
	if (!type || strcmp(type, CRYPT_LUKS2))
		return refuse(l->refused, sizeof(l->refused), "version",
			      type ? type : "(none)");
	if (!dev)
		return -EINVAL;
	r = dev_size(dev, &h.device_size);
	if (r < 0)
		return r;
	r = crypt_dump_json(cd, &json, 0);
	if (r < 0 || !json)
		return r < 0 ? r : -EINVAL;
	h.json = json;
	h.json_len = strlen(json);
	h.label = crypt_get_label(cd);
	h.subsystem = crypt_get_subsystem(cd);
	h.uuid = crypt_get_uuid(cd);
	r = luks_policy_check(&h, l->refused, sizeof(l->refused));
	if (r < 0)
		return r;
	/* The same facts as libcryptsetup itself will use them: a header
	 * its parser reads differently from json-c's tree is refused too. */
	c = crypt_get_cipher(cd);
	m = crypt_get_cipher_mode(cd);
	if (!c || !m || strcmp(c, "aes") || strcmp(m, "xts-plain64")) {
		snprintf(n, sizeof(n), "%s-%s", c ? c : "?", m ? m : "?");
		return refuse(l->refused, sizeof(l->refused), "cipher", n);
	}
	if (crypt_get_volume_key_size(cd) != VOLUME_KEY_BYTES) {
		snprintf(n, sizeof(n), "%d", crypt_get_volume_key_size(cd) * 8);
		return refuse(l->refused, sizeof(l->refused), "volume_key_bits",
			      n);
	}
	if (crypt_get_sector_size(cd) != 512 &&
	    crypt_get_sector_size(cd) != 4096) {
		snprintf(n, sizeof(n), "%d", crypt_get_sector_size(cd));
		return refuse(l->refused, sizeof(l->refused), "sector_size", n);
	}
	off = crypt_get_data_offset(cd);
	if (!off || off >= h.device_size / 512) {
		snprintf(n, sizeof(n), "%llu", (unsigned long long)off);
		return refuse(l->refused, sizeof(l->refused),
			      "data_offset_sectors", n);
	}
	/* Re-encryption in progress or unknown requirements change how the
	 * header is activated: luksbox sets none. */
	r = crypt_persistent_flags_get(cd, CRYPT_FLAGS_REQUIREMENTS, &reqs);
	if (r < 0 || reqs) {
		snprintf(n, sizeof(n), "0x%x", (unsigned)reqs);
		return refuse(l->refused, sizeof(l->refused), "requirements",
			      r < 0 ? "(unreadable)" : n);
	}
	memset(&ip, 0, sizeof(ip));
	r = crypt_get_integrity_info(cd, &ip);
	if (r == 0 && (ip.integrity || ip.tag_size))
		return refuse(l->refused, sizeof(l->refused), "integrity",
			      ip.integrity ? ip.integrity : "(tags)");
	return 0;
}

int luks_check_active(const char *name, char *why, size_t cap)
{
	struct dm_task *dmt;
	uint64_t start, length;
	char *type = NULL, *params = NULL, cipher[64], n[24];
	const char *p, *key;
	size_t len, bytes;
	int r = 0;

	why[0] = '\0';
	dm_log_with_errno_init(quiet_dm_log);
	dmt = dm_task_create(DM_DEVICE_TABLE);
	if (!dmt)
		return -ENOMEM;
	/* The table may carry the key in hex: libdevmapper wipes its ioctl
	 * buffers, and nothing of the key is copied here (only counted). */
	if (!dm_task_secure_data(dmt) || !dm_task_set_name(dmt, name) ||
	    !dm_task_run(dmt)) {
		r = -ENODEV;
		goto out;
	}
	if (dm_get_next_target(dmt, NULL, &start, &length, &type, &params)) {
		r = refuse(why, cap, "table.targets", "more than one");
		goto out;
	}
	if (!type || strcmp(type, "crypt")) {
		r = refuse(why, cap, "table.target", type);
		goto out;
	}
	p = params ? params : "";
	len = strcspn(p, " ");
	snprintf(cipher, sizeof(cipher), "%.*s", (int)len, p);
	if (strcmp(cipher, "aes-xts-plain64")) {
		r = refuse(why, cap, "table.cipher", cipher);
		goto out;
	}
	key = p + len + (p[len] == ' ');
	len = strcspn(key, " ");
	/* In the kernel keyring the key is ":SIZE:logon:DESC", else hex. */
	if (key[0] == ':')
		bytes = strtoul(key + 1, NULL, 10);
	else
		bytes = len / 2;
	if (bytes != VOLUME_KEY_BYTES) {
		snprintf(n, sizeof(n), "%zu", bytes * 8);
		r = refuse(why, cap, "table.key_bits", n);
	}
out:
	dm_task_destroy(dmt);
	return r;
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

int luks_token_set(struct luks *l, int token, const char *token_json)
{
	return crypt_token_json_set(l->cd, token, token_json);
}

int luks_token_remove(struct luks *l, int token)
{
	return crypt_token_json_set(l->cd, token, NULL);
}

int luks_keyslot_kind(struct luks *l, int slot)
{
	struct crypt_pbkdf_type p;

	switch (crypt_keyslot_status(l->cd, slot)) {
	case CRYPT_SLOT_INACTIVE:
		return LUKS_SLOT_NONE;
	case CRYPT_SLOT_ACTIVE:
	case CRYPT_SLOT_ACTIVE_LAST:
		break;
	default:
		return -EINVAL;
	}
	if (crypt_keyslot_get_pbkdf(l->cd, slot, &p) < 0 || !p.type)
		return -EINVAL;
	return !strcmp(p.type, CRYPT_KDF_PBKDF2) &&
			       p.iterations <= SECRET_PBKDF2_ITER
		       ? LUKS_SLOT_FAST
		       : LUKS_SLOT_SLOW;
}

int luks_keyslot_destroy(struct luks *l, int slot)
{
	return crypt_keyslot_destroy(l->cd, slot);
}

int luks_token_max(void)
{
	int n = crypt_token_max(CRYPT_LUKS2);

	return n > 0 ? n : 32;
}

int luks_keyslot_max(void)
{
	int n = crypt_keyslot_max(CRYPT_LUKS2);

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

int luks_token_type(struct luks *l, int token, char *type, size_t cap)
{
	const char *t = NULL;
	crypt_token_info st = crypt_token_status(l->cd, token, &t);

	if (st == CRYPT_TOKEN_INACTIVE)
		return -ENOENT;
	if (st == CRYPT_TOKEN_INVALID || !t)
		return -EINVAL;
	snprintf(type, cap, "%s", t);
	return 0;
}

int luks_token_keyslot(struct luks *l, int token)
{
	int s, n = crypt_keyslot_max(CRYPT_LUKS2);

	for (s = 0; s < n; s++)
		if (crypt_token_is_assigned(l->cd, token, s) == 0)
			return s;
	return -ENOENT;
}

int luks_keyslot_kdf(struct luks *l, int slot, char *kdf, size_t cap)
{
	struct crypt_pbkdf_type p;
	crypt_keyslot_info st = crypt_keyslot_status(l->cd, slot);

	if (st == CRYPT_SLOT_INACTIVE)
		return -ENOENT;
	if (st == CRYPT_SLOT_INVALID)
		return -EINVAL;
	if (crypt_keyslot_get_pbkdf(l->cd, slot, &p) < 0 || !p.type)
		return -EINVAL;
	snprintf(kdf, cap, "%s", p.type);
	return 0;
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

int luks_set_label(struct luks *l, const char *label)
{
	const char *cur = crypt_get_subsystem(l->cd);
	char sub[48];

	snprintf(sub, sizeof(sub), "%s", cur ? cur : "");
	return crypt_set_label(l->cd, label, sub);
}

int luks_set_uuid(struct luks *l, const char *uuid)
{
	return crypt_set_uuid(l->cd, uuid);
}

int luks_activate(struct luks *l, const char *name, int slot,
		  const void *secret, size_t secret_len)
{
	int r, used;

	/* Here, not in the callers: no path hands a key to a header that
	 * the policy refuses (the header is not authenticated). */
	r = luks_check(l);
	if (r < 0)
		return r;
	/* Persistent flags (workqueues, discards) come from the header. */
	used = crypt_activate_by_passphrase(l->cd, name,
					    slot < 0 ? CRYPT_ANY_SLOT : slot,
					    secret, secret_len, 0);
	if (used < 0)
		return used;
	/* libcryptsetup may re-read the header while activating: what the
	 * kernel was given is what counts. */
	r = luks_check_active(name, l->refused, sizeof(l->refused));
	if (r < 0) {
		crypt_deactivate(l->cd, name);
		return r == -EPROTO ? r : -EIO;
	}
	return used;
}

int luks_verify(struct luks *l, int slot, const void *secret, size_t secret_len)
{
	int r = luks_check(l);

	if (r < 0)
		return r;
	return crypt_activate_by_passphrase(l->cd, NULL,
					    slot < 0 ? CRYPT_ANY_SLOT : slot,
					    secret, secret_len, 0);
}

/* A handle on the active mapping NAME, libcryptsetup's log swallowed
 * (the default log too: crypt_init_by_name() reports before *CD exists). */
static int init_by_name(struct crypt_device **cd, const char *name)
{
	int r;

	*cd = NULL;
	crypt_set_log_callback(NULL, quiet_log, NULL);
	r = crypt_init_by_name(cd, name);
	if (r < 0)
		return r;
	crypt_set_log_callback(*cd, quiet_log, NULL);
	return 0;
}

int luks_sizes(struct luks *l, const char *name, uint64_t *now, uint64_t *max)
{
	struct crypt_active_device ad;
	uint64_t dev, off = crypt_get_data_offset(l->cd) * 512;
	uint64_t ss = (uint64_t)crypt_get_sector_size(l->cd);
	int r = crypt_get_active_device(l->cd, name, &ad);

	if (r < 0)
		return r == -EINVAL ? -ENODEV : r;
	r = dev_size(crypt_get_device_name(l->cd), &dev);
	if (r < 0)
		return r;
	if (!ss)
		ss = 512;
	*now = ad.size * 512;
	*max = dev > off ? (dev - off) / ss * ss : 0;
	return 0;
}

/* Before a table of the active mapping NAME is reloaded (resize, move):
 * the header checked by the policy as for activation (an unauthenticated
 * header it refuses gets neither the key nor a new table), the active
 * table too, then with SECRET the volume key unlocked from SLOT into this
 * thread's keyring, where the kernel finds the key the table names.
 * Returns the keyslot used (0 without SECRET) or -errno. */
static int keyring_for(struct luks *l, const char *name, int slot,
		       const void *secret, size_t secret_len)
{
	int r = luks_check(l);

	if (!r)
		r = luks_check_active(name, l->refused, sizeof(l->refused));
	if (r < 0 || !secret)
		return r < 0 ? r : 0;
	return crypt_activate_by_passphrase(
		l->cd, NULL, slot < 0 ? CRYPT_ANY_SLOT : slot, secret,
		secret_len, CRYPT_ACTIVATE_KEYRING_KEY);
}

int luks_resize(struct luks *l, const char *name, int slot, const void *secret,
		size_t secret_len)
{
	int r, used = keyring_for(l, name, slot, secret, secret_len);

	if (used < 0)
		return used;
	r = crypt_resize(l->cd, name, 0);
	/* The table names a keyring key this process does not hold. */
	if (r == -EPERM && !secret)
		return -ENOKEY;
	return r < 0 ? r : used;
}

/* A task of TYPE on NAME with no table (suspend, resume). 0 or -EIO. */
static int dm_simple(int type, const char *name)
{
	struct dm_task *t = dm_task_create(type);
	int r = 0;

	if (!t)
		return -ENOMEM;
	if (!dm_task_set_name(t, name) || !dm_task_run(t))
		r = -EIO;
	dm_task_destroy(t);
	return r;
}

int luks_move(struct luks *l, const char *name, int slot, const void *secret,
	      size_t secret_len)
{
	struct dm_task *dmt = NULL, *re = NULL;
	uint64_t start, length;
	char *type = NULL, *params = NULL, to[32], buf[1024];
	const char *dev = crypt_get_device_name(l->cd), *p;
	struct stat st;
	size_t f[5], i, n;
	int r, used = 0;

	if (!dev || stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return -ENOTBLK;
	snprintf(to, sizeof(to), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
	used = keyring_for(l, name, slot, secret, secret_len);
	if (used < 0)
		return used;
	dm_log_with_errno_init(quiet_dm_log);
	dmt = dm_task_create(DM_DEVICE_TABLE);
	re = dm_task_create(DM_DEVICE_RELOAD);
	if (!dmt || !re) {
		r = -ENOMEM;
		goto out;
	}
	/* The table may carry the key in hex: libdevmapper wipes its ioctl
	 * buffers, and BUF is wiped below. A keyring key (":64:logon:DESC")
	 * is looked up by the kernel in this process's keyrings, where
	 * SECRET put it. */
	if (!dm_task_secure_data(dmt) || !dm_task_set_name(dmt, name) ||
	    !dm_task_run(dmt) ||
	    dm_get_next_target(dmt, NULL, &start, &length, &type, &params) ||
	    !type || strcmp(type, "crypt") || !params) {
		r = -EINVAL;
		goto out;
	}
	/* cipher key iv_offset DEVICE offset [options]: DEVICE replaced. */
	for (p = params, i = 0; i < 5; i++) {
		f[i] = (size_t)(p - params);
		p += strcspn(p, " ");
		p += *p == ' ';
	}
	n = strlen(params);
	if (!params[f[4]] || n + sizeof(to) >= sizeof(buf)) {
		r = -EINVAL;
		goto out;
	}
	if (!strncmp(params + f[3], to, strlen(to)) &&
	    params[f[3] + strlen(to)] == ' ') {
		r = used; /* there already (a rerun) */
		goto out;
	}
	snprintf(buf, sizeof(buf), "%.*s%s %s", (int)f[3], params, to,
		 params + f[4]);
	if (!dm_task_secure_data(re) || !dm_task_set_name(re, name) ||
	    !dm_task_add_target(re, start, length, "crypt", buf) ||
	    !dm_task_run(re)) {
		r = -EIO;
		goto out;
	}
	/* The new table goes live at the resume; in-flight I/O completes on
	 * the old one at the suspend. */
	r = dm_simple(DM_DEVICE_SUSPEND, name);
	i = (size_t)-dm_simple(DM_DEVICE_RESUME, name);
	r = r ? r : i ? -EIO : used;
out:
	explicit_bzero(buf, sizeof(buf));
	if (re)
		dm_task_destroy(re);
	if (dmt)
		dm_task_destroy(dmt);
	return r;
}

int luks_deactivate(const char *name)
{
	struct crypt_device *cd;
	int r;

	r = init_by_name(&cd, name);
	if (r < 0)
		return r;
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
		r = init_by_name(&cd, name);
		if (r < 0)
			return r;
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

	r = init_by_name(&cd, name);
	if (r < 0)
		return r;
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
	struct stat st;
	int r;

	/* libcryptsetup says -EINVAL for a file that exists (O_EXCL). */
	if (lstat(file, &st) == 0)
		return -EEXIST;
	r = crypt_header_backup(l->cd, CRYPT_LUKS2, file);
	if (!r && chmod(file, 0600) < 0)
		r = -errno;
	/* Nor does it sync: a power cut right after the change the backup
	 * was taken for must not take the backup with it. */
	return r ? r : io_sync_path(file);
}
