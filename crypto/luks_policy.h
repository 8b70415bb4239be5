/* luks_policy.h - is a LUKS2 header one that luksbox writes?
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: LUKS2 on-disk format (cryptsetup docs/on-disk-format-luks2.pdf),
 *      crypto/luks.h (which calls this before every activation).
 *
 * The LUKS2 header is not authenticated: anyone who can write the disk
 * can keep the genuine keyslots, digest and aws-kms token and change the
 * data segment (cipher_null, a 256-bit key, a second segment, a pending
 * re-encryption). KMS would still release the real secret and the real
 * keyslot would still open, so the header's metadata is held to exactly
 * what luks-setup writes before the volume key is ever used:
 *
 *   - one segment "0": type crypt, encryption aes-xts-plain64, iv_tweak
 *     "0", sector_size 512 or 4096, size "dynamic", no integrity, no
 *     flags, its offset past the header and keyslot areas, aligned to the
 *     sector size and inside the device (when the device size is known);
 *   - no requirements (config.requirements.mandatory empty or absent),
 *     config.flags only allow-discards, no-read-workqueue and
 *     no-write-workqueue;
 *   - 1 to LUKS_POLICY_MAX_KEYSLOTS keyslots, each type luks2, a 512-bit
 *     key, a raw area in aes-xts-plain64 with a 512-bit key inside the
 *     keyslot area, AF luks1 with 4000 stripes, KDF pbkdf2 (sha256 or
 *     sha512, LUKS_POLICY_PBKDF2_MIN..MAX iterations) or argon2i/argon2id
 *     (time 4..LUKS_POLICY_ARGON2_MAX_TIME, memory 32 KiB ..
 *     LUKS_POLICY_ARGON2_MAX_KIB, 1..4 threads);
 *   - at most LUKS_POLICY_MAX_TOKENS tokens;
 *   - one digest, pbkdf2 (sha256 or sha512), over segment "0" and every
 *     keyslot;
 *   - label, subsystem and UUID without control characters (they are
 *     printed in messages).
 *
 * The JSON is read with json-c, as libcryptsetup reads it, so both see the
 * same document (json-c keeps the last of duplicate keys: so does this).
 * Pure: no I/O, no global state; the fuzz target calls it directly.
 */
#ifndef LUKSBOX_LUKS_POLICY_H
#define LUKSBOX_LUKS_POLICY_H

#include <stddef.h>
#include <stdint.h>

enum {
	/* Ways in a volume keeps: one token and keyslot each (KMS keys, an
	 * SSM parameter); luks-setup makes at most TAB_MAX_KEYS of them,
	 * --add-key adds up to this many. */
	LUKS_POLICY_MAX_WAYS = 6,
	/* The ways in, the recovery slot, and one more while --rotate has a
	 * key's new keyslot and token beside its old ones. */
	LUKS_POLICY_MAX_KEYSLOTS = LUKS_POLICY_MAX_WAYS + 2,
	LUKS_POLICY_MAX_TOKENS = LUKS_POLICY_MAX_WAYS + 1,
	LUKS_POLICY_PBKDF2_MIN = 1000,
	LUKS_POLICY_PBKDF2_MAX = 1 << 25, /* minutes of boot at most */
	LUKS_POLICY_ARGON2_MAX_TIME = 1000,
	LUKS_POLICY_ARGON2_MAX_KIB = 1048576,	/* cryptsetup's default cap */
	LUKS_POLICY_JSON_MAX = 4 * 1024 * 1024, /* the largest LUKS2 area */
	LUKS_POLICY_REASON = 200, /* a reason buffer that always fits */
};

/* What the policy looks at: the header's JSON metadata as libcryptsetup
 * loaded it, the binary header's strings, and the device. */
struct luks_header_view {
	const char *json; /* JSON_LEN bytes; NULs after the document ok */
	size_t json_len;
	const char *label;     /* NULL or "" when none */
	const char *subsystem; /* NULL or "" when none */
	const char *uuid;      /* NULL when not known */
	uint64_t device_size;  /* bytes; 0 when not known (not checked) */
};

/*
 * Check H against the policy above. Returns 0 when it holds; -EPROTO when
 * it does not, with WHY set to "FIELD=VALUE" (e.g.
 * "segments.0.encryption=cipher_null-ecb", "keyslots.count=6"), the value
 * as found with bytes < 0x20, 0x7f and >= 0x80 written as \xHH and long
 * values cut with "..."; -EMSGSIZE when the JSON is larger than
 * LUKS_POLICY_JSON_MAX; -ENOMEM. WHY (CAP bytes, LUKS_POLICY_REASON is
 * enough) is always NUL-terminated, "" on success.
 */
int luks_policy_check(const struct luks_header_view *h, char *why, size_t cap);

/*
 * Copy IN into OUT (CAP bytes, always terminated) with bytes < 0x20,
 * 0x7f, >= 0x80 and backslash escaped (\xHH, \\): text read from a disk
 * is never printed raw. Cut with "..." when it does not fit. Returns OUT.
 */
char *luks_escape(const char *in, char *out, size_t cap);

#endif
