/* luks_policy.c - is a LUKS2 header one that luksbox writes?
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: crypto/luks_policy.h, LUKS2 on-disk format, json-c's json_object.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "crypto/luks_policy.h"

enum {
	VALUE_SHOWN = 64,  /* bytes of a value quoted in a reason */
	HDR_BIN = 4096,	   /* binary header before each JSON area */
	MAX_SLOT_ID = 31,  /* LUKS2 keyslot and token numbers: 0..31 */
	AF_STRIPES = 4000, /* what libcryptsetup always writes */
	KEY_BYTES = 64,	   /* aes-xts-plain64 with AES-256 */
};

struct ctx {
	char *why;
	size_t cap;
};

char *luks_escape(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)in;

	if (!cap)
		return out;
	for (; *p; p++) {
		char e[5];
		size_t k;

		if (*p < 0x20 || *p >= 0x7f)
			k = (size_t)snprintf(e, sizeof(e), "\\x%02x", *p);
		else if (*p == '\\')
			k = (size_t)snprintf(e, sizeof(e), "\\\\");
		else
			e[0] = (char)*p, e[1] = '\0', k = 1;
		/* Room for this piece and a "..." should more follow. */
		if (n + k + (p[1] ? 3 : 0) >= cap) {
			if (n + 3 < cap)
				memcpy(out + n, "...", 3), n += 3;
			break;
		}
		memcpy(out + n, e, k);
		n += k;
	}
	out[n] = '\0';
	return out;
}

/* Refuse: WHY = "FIELD=VALUE", both escaped. Returns -EPROTO. */
static int refuse(const struct ctx *c, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int refuse(const struct ctx *c, const char *value, const char *fmt, ...)
{
	char field[96], f[96], v[VALUE_SHOWN * 4 + 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(field, sizeof(field), fmt, ap);
	va_end(ap);
	luks_escape(value ? value : "(missing)", v, VALUE_SHOWN + 1);
	snprintf(c->why, c->cap, "%s=%s", luks_escape(field, f, sizeof(f)), v);
	return -EPROTO;
}

/* A value found in the wrong place, for a reason: a string as it is,
 * anything else as JSON text; NULL (shown "(missing)") when absent. */
static const char *text(struct json_object *o)
{
	if (json_object_is_type(o, json_type_string))
		return json_object_get_string(o);
	return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)
		 : NULL;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* Member KEY of O is the string WANT. */
static int want_str(const struct ctx *c, struct json_object *o, const char *key,
		    const char *want, const char *field)
{
	struct json_object *v = member(o, key);

	if (!json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), want))
		return refuse(c, text(v), "%s.%s", field, key);
	return 0;
}

/* Member KEY of O is one of the strings in ALLOWED (NULL-terminated). */
static int want_one_of(const struct ctx *c, struct json_object *o,
		       const char *key, const char *const *allowed,
		       const char *field, const char **found)
{
	struct json_object *v = member(o, key);
	const char *s;

	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		for (; *allowed; allowed++)
			if (!strcmp(s, *allowed)) {
				if (found)
					*found = *allowed;
				return 0;
			}
	}
	return refuse(c, text(v), "%s.%s", field, key);
}

/* Member KEY of O is a JSON integer in MIN..MAX. */
static int want_int(const struct ctx *c, struct json_object *o, const char *key,
		    int64_t min, int64_t max, const char *field, int64_t *out)
{
	struct json_object *v = member(o, key);
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return refuse(c, text(v), "%s.%s", field, key);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return refuse(c, text(v), "%s.%s", field, key);
	if (out)
		*out = n;
	return 0;
}

/* Member KEY of O is a decimal string (LUKS2 writes 64-bit numbers so). */
static int want_u64(const struct ctx *c, struct json_object *o, const char *key,
		    const char *field, uint64_t *out)
{
	struct json_object *v = member(o, key);
	const char *s;
	uint64_t n = 0;

	if (!json_object_is_type(v, json_type_string))
		return refuse(c, text(v), "%s.%s", field, key);
	s = json_object_get_string(v);
	if (!*s || strlen(s) > 20)
		return refuse(c, s, "%s.%s", field, key);
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
			return refuse(c, json_object_get_string(v), "%s.%s",
				      field, key);
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*out = n;
	return 0;
}

/* O is an object: what each section of the header must be. */
static int want_object(const struct ctx *c, struct json_object *o,
		       const char *field)
{
	if (!json_object_is_type(o, json_type_object))
		return refuse(c, text(o), "%s", field);
	return 0;
}

/* A keyslot or token number: "0".."31" without leading zeros. */
static int slot_id(const char *key)
{
	size_t n = strlen(key);

	if (n < 1 || n > 2 || key[0] < '0' || key[0] > '9' ||
	    (n == 2 && (key[0] == '0' || key[1] < '0' || key[1] > '9')))
		return -1;
	n = n == 1 ? (size_t)(key[0] - '0')
		   : (size_t)((key[0] - '0') * 10 + key[1] - '0');
	return n > MAX_SLOT_ID ? -1 : (int)n;
}

static int no_control(const struct ctx *c, const char *s, const char *field)
{
	const unsigned char *p = (const unsigned char *)s;

	/* Printed in messages: a terminal must never see raw control bytes. */
	for (; p && *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return refuse(c, s, "%s", field);
	return 0;
}

/* The header and keyslot areas: [0, 2 * header) then the keyslots. */
struct areas {
	uint64_t json_size, keyslots_size, keyslots_end;
};

static int check_config(const struct ctx *c, struct json_object *cfg,
			struct areas *a)
{
	static const char *const flags[] = {"allow-discards",
					    "no-read-workqueue",
					    "no-write-workqueue", NULL};
	struct json_object *v, *req;
	size_t i, k;
	int r;

	if ((r = want_object(c, cfg, "config")) ||
	    (r = want_u64(c, cfg, "json_size", "config", &a->json_size)) ||
	    (r = want_u64(c, cfg, "keyslots_size", "config",
			  &a->keyslots_size)))
		return r;
	if (a->json_size > LUKS_POLICY_JSON_MAX ||
	    a->keyslots_size > UINT64_MAX / 2)
		return refuse(c, text(member(cfg, "json_size")),
			      "config.json_size");
	a->keyslots_end = 2 * (a->json_size + HDR_BIN) + a->keyslots_size;
	/* A requirement changes how libcryptsetup activates (re-encryption
	 * in progress) or is unknown to it: luksbox sets none. */
	req = member(cfg, "requirements");
	if (req) {
		if (!json_object_is_type(req, json_type_object))
			return refuse(c, text(req), "config.requirements");
		json_object_object_foreach(req, key, val)
		{
			if (!json_object_is_type(val, json_type_array) ||
			    json_object_array_length(val))
				return refuse(c, text(val),
					      "config.requirements.%s", key);
		}
	}
	/* Persistent activation flags: only those luks-setup may store. */
	v = member(cfg, "flags");
	if (v) {
		if (!json_object_is_type(v, json_type_array))
			return refuse(c, text(v), "config.flags");
		for (i = 0; i < json_object_array_length(v); i++) {
			struct json_object *f = json_object_array_get_idx(v, i);

			for (k = 0; flags[k]; k++)
				if (json_object_is_type(f, json_type_string) &&
				    !strcmp(json_object_get_string(f),
					    flags[k]))
					break;
			if (!flags[k])
				return refuse(c, text(f), "config.flags");
		}
	}
	return 0;
}

static int check_segments(const struct ctx *c, struct json_object *segs,
			  const struct areas *a, uint64_t dev_size)
{
	struct json_object *s, *v;
	uint64_t offset;
	int64_t sector;
	char n[24];
	int r;

	if ((r = want_object(c, segs, "segments")))
		return r;
	/* One segment: a second one (another cipher over part of the disk,
	 * or re-encryption's backups) is not something luksbox makes. */
	if (json_object_object_length(segs) != 1) {
		snprintf(n, sizeof(n), "%d", json_object_object_length(segs));
		return refuse(c, n, "segments.count");
	}
	s = member(segs, "0");
	if (!s) {
		json_object_object_foreach(segs, key, val)
		{
			(void)val;
			return refuse(c, key, "segments.key");
		}
	}
	if ((r = want_object(c, s, "segments.0")) ||
	    (r = want_str(c, s, "type", "crypt", "segments.0")) ||
	    (r = want_str(c, s, "encryption", "aes-xts-plain64",
			  "segments.0")) ||
	    (r = want_str(c, s, "iv_tweak", "0", "segments.0")) ||
	    (r = want_str(c, s, "size", "dynamic", "segments.0")))
		return r;
	/* sector_size is checked before the offset is aligned to it. */
	if ((r = want_int(c, s, "sector_size", 512, 4096, "segments.0",
			  &sector)))
		return r;
	if (sector != 512 && sector != 4096)
		return refuse(c, text(member(s, "sector_size")),
			      "segments.0.sector_size");
	/* dm-integrity under the data would change what protects it. */
	if ((v = member(s, "integrity")))
		return refuse(c, text(v), "segments.0.integrity");
	if ((v = member(s, "flags")) &&
	    (!json_object_is_type(v, json_type_array) ||
	     json_object_array_length(v)))
		return refuse(c, text(v), "segments.0.flags");
	if ((r = want_u64(c, s, "offset", "segments.0", &offset)))
		return r;
	/* Data over the header or the keyslots would let mkfs erase them,
	 * data past the end of the device cannot be. */
	if (offset < a->keyslots_end || offset % (uint64_t)sector ||
	    (dev_size &&
	     (offset >= dev_size || (dev_size - offset) % (uint64_t)sector)))
		return refuse(c, json_object_get_string(member(s, "offset")),
			      "segments.0.offset");
	return 0;
}

static int check_kdf(const struct ctx *c, struct json_object *kdf,
		     const char *field)
{
	static const char *const kdfs[] = {"pbkdf2", "argon2i", "argon2id",
					   NULL};
	static const char *const hashes[] = {"sha256", "sha512", NULL};
	const char *type = NULL;
	int r;

	if ((r = want_object(c, kdf, field)) ||
	    (r = want_one_of(c, kdf, "type", kdfs, field, &type)))
		return r;
	if (!strcmp(type, "pbkdf2")) {
		if ((r = want_one_of(c, kdf, "hash", hashes, field, NULL)))
			return r;
		return want_int(c, kdf, "iterations", LUKS_POLICY_PBKDF2_MIN,
				LUKS_POLICY_PBKDF2_MAX, field, NULL);
	}
	/* A huge memory or time cost is a denial of service at boot. */
	if ((r = want_int(c, kdf, "time", 4, LUKS_POLICY_ARGON2_MAX_TIME, field,
			  NULL)) ||
	    (r = want_int(c, kdf, "memory", 32, LUKS_POLICY_ARGON2_MAX_KIB,
			  field, NULL)))
		return r;
	return want_int(c, kdf, "cpus", 1, 4, field, NULL);
}

static int check_keyslot(const struct ctx *c, const char *id,
			 struct json_object *ks, const struct areas *a)
{
	static const char *const af_hashes[] = {"sha256", "sha512", NULL};
	struct json_object *area, *af;
	uint64_t off, size;
	char f[48];
	int r;

	snprintf(f, sizeof(f), "keyslots.%s", id);
	if ((r = want_object(c, ks, f)) ||
	    (r = want_str(c, ks, "type", "luks2", f)) ||
	    (r = want_int(c, ks, "key_size", KEY_BYTES, KEY_BYTES, f, NULL)))
		return r;
	if (member(ks, "priority") &&
	    (r = want_int(c, ks, "priority", 0, 2, f, NULL)))
		return r;
	snprintf(f, sizeof(f), "keyslots.%s.area", id);
	area = member(ks, "area");
	if ((r = want_object(c, area, f)) ||
	    (r = want_str(c, area, "type", "raw", f)) ||
	    (r = want_str(c, area, "encryption", "aes-xts-plain64", f)) ||
	    (r = want_int(c, area, "key_size", KEY_BYTES, KEY_BYTES, f,
			  NULL)) ||
	    (r = want_u64(c, area, "offset", f, &off)) ||
	    (r = want_u64(c, area, "size", f, &size)))
		return r;
	if (off < 2 * (a->json_size + HDR_BIN) || size > a->keyslots_end ||
	    off > a->keyslots_end - size)
		return refuse(c, json_object_get_string(member(area, "offset")),
			      "%s.offset", f);
	snprintf(f, sizeof(f), "keyslots.%s.af", id);
	af = member(ks, "af");
	if ((r = want_object(c, af, f)) ||
	    (r = want_str(c, af, "type", "luks1", f)) ||
	    (r = want_int(c, af, "stripes", AF_STRIPES, AF_STRIPES, f, NULL)) ||
	    (r = want_one_of(c, af, "hash", af_hashes, f, NULL)))
		return r;
	snprintf(f, sizeof(f), "keyslots.%s.kdf", id);
	return check_kdf(c, member(ks, "kdf"), f);
}

static int check_keyslots(const struct ctx *c, struct json_object *slots,
			  const struct areas *a)
{
	char n[24];
	int r, count;

	if ((r = want_object(c, slots, "keyslots")))
		return r;
	count = json_object_object_length(slots);
	if (count < 1 || count > LUKS_POLICY_MAX_KEYSLOTS) {
		snprintf(n, sizeof(n), "%d", count);
		return refuse(c, n, "keyslots.count");
	}
	json_object_object_foreach(slots, key, val)
	{
		if (slot_id(key) < 0)
			return refuse(c, key, "keyslots.key");
		if ((r = check_keyslot(c, key, val, a)))
			return r;
	}
	return 0;
}

static int check_tokens(const struct ctx *c, struct json_object *toks)
{
	char n[24];
	int r, count;

	if ((r = want_object(c, toks, "tokens")))
		return r;
	count = json_object_object_length(toks);
	if (count > LUKS_POLICY_MAX_TOKENS) {
		snprintf(n, sizeof(n), "%d", count);
		return refuse(c, n, "tokens.count");
	}
	json_object_object_foreach(toks, key, val)
	{
		if (slot_id(key) < 0)
			return refuse(c, key, "tokens.key");
		if (!json_object_is_type(val, json_type_object))
			return refuse(c, text(val), "tokens.%s", key);
	}
	return 0;
}

/* Does the JSON array ARR hold the string S? */
static int has_string(struct json_object *arr, const char *s)
{
	size_t i;

	for (i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		if (json_object_is_type(e, json_type_string) &&
		    !strcmp(json_object_get_string(e), s))
			return 1;
	}
	return 0;
}

static int check_digests(const struct ctx *c, struct json_object *digs,
			 struct json_object *slots)
{
	static const char *const hashes[] = {"sha256", "sha512", NULL};
	struct json_object *d = NULL, *v;
	char n[24], f[48];
	const char *id = "0";
	int r;

	if ((r = want_object(c, digs, "digests")))
		return r;
	if (json_object_object_length(digs) != 1) {
		snprintf(n, sizeof(n), "%d", json_object_object_length(digs));
		return refuse(c, n, "digests.count");
	}
	json_object_object_foreach(digs, key, val)
	{
		id = key;
		d = val;
	}
	if (slot_id(id) < 0)
		return refuse(c, id, "digests.key");
	snprintf(f, sizeof(f), "digests.%s", id);
	if ((r = want_object(c, d, f)) ||
	    (r = want_str(c, d, "type", "pbkdf2", f)) ||
	    (r = want_one_of(c, d, "hash", hashes, f, NULL)) ||
	    (r = want_int(c, d, "iterations", LUKS_POLICY_PBKDF2_MIN,
			  LUKS_POLICY_PBKDF2_MAX, f, NULL)))
		return r;
	v = member(d, "segments");
	if (!json_object_is_type(v, json_type_array) ||
	    json_object_array_length(v) != 1 || !has_string(v, "0"))
		return refuse(c, text(v), "%s.segments", f);
	/* Every keyslot opens this one volume key, and nothing else. */
	v = member(d, "keyslots");
	if (!json_object_is_type(v, json_type_array) ||
	    (int)json_object_array_length(v) !=
		    json_object_object_length(slots))
		return refuse(c, text(v), "%s.keyslots", f);
	json_object_object_foreach(slots, skey, sval)
	{
		(void)sval;
		if (!has_string(v, skey))
			return refuse(c, text(v), "%s.keyslots", f);
	}
	return 0;
}

/* Parse LEN bytes of J: one JSON object, then only NULs or blanks. */
static struct json_object *parse(const char *j, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t end;

	while (len &&
	       (j[len - 1] == '\0' || j[len - 1] == ' ' || j[len - 1] == '\n' ||
		j[len - 1] == '\t' || j[len - 1] == '\r'))
		len--;
	if (!len || memchr(j, '\0', len))
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, j, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (json_tokener_get_error(tok) != json_tokener_success || end != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int luks_policy_check(const struct luks_header_view *h, char *why, size_t cap)
{
	struct ctx c = {why, cap};
	struct json_object *root, *slots;
	struct areas a = {0};
	int r;

	if (cap)
		why[0] = '\0';
	if ((r = no_control(&c, h->label, "label")) ||
	    (r = no_control(&c, h->subsystem, "subsystem")) ||
	    (r = no_control(&c, h->uuid, "uuid")))
		return r;
	if (h->json_len > LUKS_POLICY_JSON_MAX)
		return -EMSGSIZE;
	root = parse(h->json, h->json_len);
	if (!root)
		return refuse(&c, "(not one JSON object)", "json");
	slots = member(root, "keyslots");
	if (!(r = check_config(&c, member(root, "config"), &a)) &&
	    !(r = check_segments(&c, member(root, "segments"), &a,
				 h->device_size)) &&
	    !(r = check_keyslots(&c, slots, &a)) &&
	    !(r = check_tokens(&c, member(root, "tokens"))))
		r = check_digests(&c, member(root, "digests"), slots);
	json_object_put(root);
	return r;
}
