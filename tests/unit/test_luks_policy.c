/* test_luks_policy.c - crypto/luks_policy: the header luksbox writes passes,
 * each hand-forged departure from it is refused, naming field and value.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * GOOD is the JSON area of a header luks-setup wrote (one PBKDF2 keyslot
 * with its aws-kms token, an argon2id recovery slot), as libcryptsetup's
 * crypt_dump_json() gives it, compacted. Each forgery replaces one piece
 * of its text: the inputs are the test's own, not the code's.
 */
#define T_SUITE "unit/luks_policy"
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "crypto/luks_policy.h"

#define SLOT0                                                           \
	"\"0\":{\"type\":\"luks2\",\"key_size\":64,\"af\":{\"type\":"   \
	"\"luks1\",\"stripes\":4000,\"hash\":\"sha256\"},\"area\":{"    \
	"\"type\":\"raw\",\"offset\":\"32768\",\"size\":\"258048\","    \
	"\"encryption\":\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{" \
	"\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"  \
	"\"salt\":\"RtUw3xQsnum6P044Or/dB6YLz7y/Ac3Ga4ykjs/SI/o=\"}}"
#define SLOT1                                                            \
	"\"1\":{\"type\":\"luks2\",\"key_size\":64,\"af\":{\"type\":"    \
	"\"luks1\",\"stripes\":4000,\"hash\":\"sha256\"},\"area\":{"     \
	"\"type\":\"raw\",\"offset\":\"290816\",\"size\":\"258048\","    \
	"\"encryption\":\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{"  \
	"\"type\":\"argon2id\",\"time\":4,\"memory\":262144,\"cpus\":4," \
	"\"salt\":\"2+PNC9W8HshJnsBFra16RFO0VndM3jQQ6rX5j+zDyio=\"}}"
#define TOKEN0                                                          \
	"\"0\":{\"type\":\"aws-kms\",\"keyslots\":[\"0\"],\"key_id\":"  \
	"\"arn:aws:kms:us-east-1:123456789012:key/x\",\"region\":"      \
	"\"us-east-1\",\"ciphertext\":\"AAAA\",\"context\":{"           \
	"\"luksbox:volume\":\"0b2ab10a-1111-4222-8333-444455556666\"}," \
	"\"version\":1}"
#define SEGMENT0                                                             \
	"\"0\":{\"type\":\"crypt\",\"offset\":\"16777216\",\"size\":"        \
	"\"dynamic\",\"iv_tweak\":\"0\",\"encryption\":\"aes-xts-plain64\"," \
	"\"sector_size\":4096}"
#define DIGEST0                                                               \
	"\"0\":{\"type\":\"pbkdf2\",\"keyslots\":[\"0\",\"1\"],\"segments\":" \
	"[\"0\"],\"hash\":\"sha256\",\"iterations\":1000,\"salt\":"           \
	"\"mWnzZbLdjdJ7j7SEPwQEhve1oFEw+dLkdASWO0pajgw=\",\"digest\":"        \
	"\"8WNb8JSPCQ4AlP0YSVlP8KQ9k5nk4l2brz6HIEiVL0w=\"}"
#define CONFIG                                                                \
	"\"config\":{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\"," \
	"\"flags\":[\"allow-discards\",\"no-read-workqueue\","                \
	"\"no-write-workqueue\"]}"

static const char good[] =
	"{\"keyslots\":{" SLOT0 "," SLOT1 "},\"tokens\":{" TOKEN0
	"},\"segments\":{" SEGMENT0 "},\"digests\":{" DIGEST0 "}," CONFIG "}";

enum {
	DEV = 48 << 20
}; /* a 48 MiB device */

static int check(const char *json, const char *label, uint64_t dev, char *why)
{
	struct luks_header_view h = {
		.json = json,
		.json_len = strlen(json),
		.label = label,
		.subsystem = "luksbox",
		.uuid = "0b2ab10a-1111-4222-8333-444455556666",
		.device_size = dev,
	};

	return luks_policy_check(&h, why, LUKS_POLICY_REASON);
}

/* GOOD with the first occurrence of FROM replaced by TO (the forgery). */
static char *forge(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
	char *out = malloc(n);

	if (!at || !out) {
		free(out);
		return NULL;
	}
	snprintf(out, n, "%.*s%s%s", (int)(at - good), good, to,
		 at + strlen(from));
	return out;
}

struct forgery {
	const char *from, *to, *why;
};

static void test_genuine_header_passes(void)
{
	char why[LUKS_POLICY_REASON];
	int r;

	r = check(good, "data", DEV, why);
	CHECKF(r == 0, "%d %s", r, why);
	CHECK(why[0] == '\0');
	/* Unknown device size: not checked. NULs after it: the area. */
	CHECK(check(good, "", 0, why) == 0);
	{
		char padded[sizeof(good) + 16] = {0};

		memcpy(padded, good, sizeof(good) - 1);
		struct luks_header_view h = {.json = padded,
					     .json_len = sizeof(padded)};
		CHECK(luks_policy_check(&h, why, sizeof(why)) == 0);
	}
}

static void test_each_forged_field_is_named(void)
{
	static const struct forgery f[] = {
		/* the attack of issue 13: the data in clear */
		{"\"aes-xts-plain64\",\"sector_size\"",
		 "\"cipher_null-ecb\",\"sector_size\"",
		 "segments.0.encryption=cipher_null-ecb"},
		{"\"aes-xts-plain64\",\"sector_size\"",
		 "\"aes-cbc-essiv:sha256\",\"sector_size\"",
		 "segments.0.encryption=aes-cbc-essiv:sha256"},
		{"\"luks2\",\"key_size\":64", "\"luks2\",\"key_size\":32",
		 "keyslots.0.key_size=32"},
		{"\"sector_size\":4096", "\"sector_size\":1024",
		 "segments.0.sector_size=1024"},
		{"\"size\":\"dynamic\"", "\"size\":\"8388608\"",
		 "segments.0.size=8388608"},
		{"\"iv_tweak\":\"0\"", "\"iv_tweak\":\"7\"",
		 "segments.0.iv_tweak=7"},
		{"\"type\":\"crypt\"", "\"type\":\"linear\"",
		 "segments.0.type=linear"},
		{"\"sector_size\":4096}",
		 "\"sector_size\":4096,\"integrity\":"
		 "{\"type\":\"hmac(sha256)\"}}",
		 "segments.0.integrity={\"type\":\"hmac(sha256)\"}"},
		{"\"sector_size\":4096}",
		 "\"sector_size\":4096,\"flags\":[\"backup-final\"]}",
		 "segments.0.flags=[\"backup-final\"]"},
		{"\"offset\":\"16777216\"", "\"offset\":\"4096\"",
		 "segments.0.offset=4096"},
		{"\"offset\":\"16777216\"", "\"offset\":\"16777728\"",
		 "segments.0.offset=16777728"},
		{"\"offset\":\"16777216\"", "\"offset\":\"50331648\"",
		 "segments.0.offset=50331648"},
		{SEGMENT0,
		 SEGMENT0
		 ",\"1\":{\"type\":\"crypt\",\"offset\":\"33554432\","
		 "\"size\":\"dynamic\",\"iv_tweak\":\"0\",\"encryption\":"
		 "\"cipher_null-ecb\",\"sector_size\":4096}",
		 "segments.count=2"},
		{"\"keyslots_size\":\"16744448\"",
		 "\"keyslots_size\":\"16744448\",\"requirements\":{"
		 "\"mandatory\":[\"online-reencrypt-v2\"]}",
		 "config.requirements.mandatory=[\"online-reencrypt-v2\"]"},
		{"\"keyslots_size\":\"16744448\"",
		 "\"keyslots_size\":\"16744448\",\"requirements\":{"
		 "\"mandatory\":[\"something-new\"]}",
		 "config.requirements.mandatory=[\"something-new\"]"},
		{"\"no-write-workqueue\"", "\"no-journal\"",
		 "config.flags=no-journal"},
		{"\"encryption\":\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{"
		 "\"type\":\"pbkdf2\"",
		 "\"encryption\":\"cipher_null-ecb\",\"key_size\":64},\"kdf\":{"
		 "\"type\":\"pbkdf2\"",
		 "keyslots.0.area.encryption=cipher_null-ecb"},
		{"\"stripes\":4000", "\"stripes\":1",
		 "keyslots.0.af.stripes=1"},
		{"\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"
		 "\"salt\":\"Rt",
		 "\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":10,"
		 "\"salt\":\"Rt",
		 "keyslots.0.kdf.iterations=10"},
		{"\"type\":\"pbkdf2\",\"hash\":\"sha256\",\"iterations\":1000,"
		 "\"salt\":\"Rt",
		 "\"type\":\"scrypt\",\"hash\":\"sha256\",\"iterations\":1000,"
		 "\"salt\":\"Rt",
		 "keyslots.0.kdf.type=scrypt"},
		{"\"memory\":262144", "\"memory\":4194304",
		 "keyslots.1.kdf.memory=4194304"},
		{"\"cpus\":4", "\"cpus\":64", "keyslots.1.kdf.cpus=64"},
		{"\"offset\":\"290816\"", "\"offset\":\"16777216\"",
		 "keyslots.1.area.offset=16777216"},
		{SLOT1,
		 SLOT1 ",\"2\":{\"type\":\"reencrypt\",\"key_size\":1,\"mode\":"
		       "\"reencrypt\",\"direction\":\"forward\",\"area\":{"
		       "\"type\":\"none\",\"offset\":\"548864\",\"size\":"
		       "\"4096\"}}",
		 "keyslots.2.type=reencrypt"},
		{"\"keyslots\":[\"0\",\"1\"]", "\"keyslots\":[\"0\"]",
		 "digests.0.keyslots=[\"0\"]"},
		{"\"segments\":[\"0\"]", "\"segments\":[\"1\"]",
		 "digests.0.segments=[\"1\"]"},
		{"\"type\":\"pbkdf2\",\"keyslots\"",
		 "\"type\":\"argon2\",\"keyslots\"", "digests.0.type=argon2"},
		/* text from the disk comes back escaped, never raw */
		{"\"aes-xts-plain64\",\"sector_size\"",
		 "\"aes\\u001b[2J\",\"sector_size\"",
		 "segments.0.encryption=aes\\x1b[2J"},
	};
	char why[LUKS_POLICY_REASON];
	size_t i;
	int r;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		char *j = forge(f[i].from, f[i].to);

		CHECKF(j, "forgery %zu: %s not in the genuine JSON", i,
		       f[i].from);
		if (!j)
			continue;
		r = check(j, "data", DEV, why);
		CHECKF(r == -EPROTO && !strcmp(why, f[i].why),
		       "forgery %zu: %d \"%s\", wanted \"%s\"", i, r, why,
		       f[i].why);
		free(j);
	}
}

static void test_too_many_keyslots_and_tokens(void)
{
	char json[8192], why[LUKS_POLICY_REASON], slots[6000] = "",
						  toks[2000] = "";
	int i, r;

	/* Nine keyslots (at most 6 ways in + recovery + 1 while rotating). */
	for (i = 0; i < 9; i++)
		snprintf(slots + strlen(slots), sizeof(slots) - strlen(slots),
			 "%s\"%d\":{\"type\":\"luks2\",\"key_size\":64,\"af\":{"
			 "\"type\":\"luks1\",\"stripes\":4000,\"hash\":"
			 "\"sha256\"},\"area\":{\"type\":\"raw\",\"offset\":"
			 "\"%d\",\"size\":\"258048\",\"encryption\":"
			 "\"aes-xts-plain64\",\"key_size\":64},\"kdf\":{"
			 "\"type\":\"pbkdf2\",\"hash\":\"sha256\","
			 "\"iterations\":1000}}",
			 i ? "," : "", i, 32768 + i * 258048);
	snprintf(
		json, sizeof(json),
		"{\"keyslots\":{%s},\"tokens\":{},\"segments\":{" SEGMENT0
		"},\"digests\":{\"0\":{\"type\":\"pbkdf2\",\"keyslots\":["
		"\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\"],\"segments\":[\"0\"],"
		"\"hash\":\"sha256\",\"iterations\":1000}}," CONFIG "}",
		slots);
	r = check(json, "data", DEV, why);
	CHECKF(r == -EPROTO && !strcmp(why, "keyslots.count=9"), "%d %s", r,
	       why);
	/* Eight tokens (at most 6 ways in + 1 while rotating). */
	for (i = 0; i < 8; i++)
		snprintf(toks + strlen(toks), sizeof(toks) - strlen(toks),
			 "%s\"%d\":{\"type\":\"aws-kms\",\"keyslots\":[\"0\"]}",
			 i ? "," : "", i);
	snprintf(json, sizeof(json),
		 "{\"keyslots\":{" SLOT0
		 "},\"tokens\":{%s},\"segments\":{" SEGMENT0
		 "},\"digests\":{\"0\":{\"type\":\"pbkdf2\","
		 "\"keyslots\":[\"0\"],\"segments\":[\"0\"],\"hash\":"
		 "\"sha256\",\"iterations\":1000}}," CONFIG "}",
		 toks);
	r = check(json, "data", DEV, why);
	CHECKF(r == -EPROTO && !strcmp(why, "tokens.count=8"), "%d %s", r, why);
}

static void test_label_and_strings_from_disk(void)
{
	char why[LUKS_POLICY_REASON];
	struct luks_header_view h = {.json = good, .json_len = strlen(good)};
	int r;

	r = check(good, "data\x1b[2J", DEV, why);
	CHECKF(r == -EPROTO && !strcmp(why, "label=data\\x1b[2J"), "%d %s", r,
	       why);
	r = check(good, "tab\there", DEV, why);
	CHECKF(r == -EPROTO && !strcmp(why, "label=tab\\x09here"), "%d %s", r,
	       why);
	r = check(good, "del\x7f", DEV, why);
	CHECKF(r == -EPROTO && !strcmp(why, "label=del\\x7f"), "%d %s", r, why);
	h.subsystem = "luksbox\n";
	r = luks_policy_check(&h, why, sizeof(why));
	CHECKF(r == -EPROTO && !strcmp(why, "subsystem=luksbox\\x0a"), "%d %s",
	       r, why);
	/* A UTF-8 label is no control character: accepted. */
	CHECK(check(good, "d\xc3\xa4ta", DEV, why) == 0);
}

static void test_not_json_and_caps(void)
{
	char why[LUKS_POLICY_REASON];
	struct luks_header_view h = {0};

	CHECK(check("", "data", DEV, why) == -EPROTO &&
	      !strncmp(why, "json=", 5));
	CHECK(check("[1,2]", "data", DEV, why) == -EPROTO);
	CHECK(check("{\"keyslots\":{}} trailing", "data", DEV, why) == -EPROTO);
	CHECK(check("{}", "data", DEV, why) == -EPROTO &&
	      !strcmp(why, "config=(missing)"));
	h.json = good;
	h.json_len = LUKS_POLICY_JSON_MAX + 1;
	CHECK(luks_policy_check(&h, why, sizeof(why)) == -EMSGSIZE);
}

static void test_escape(void)
{
	char out[16];

	CHECK(!strcmp(luks_escape("a\\b", out, sizeof(out)), "a\\\\b"));
	CHECK(!strcmp(luks_escape("\x01\xff", out, sizeof(out)), "\\x01\\xff"));
	/* Cut with "..." and always terminated. */
	CHECK(!strcmp(luks_escape("0123456789abcdefghij", out, sizeof(out)),
		      "0123456789ab..."));
	CHECK(!strcmp(luks_escape("\x1b\x1b\x1b\x1b", out, 12),
		      "\\x1b\\x1b..."));
}

int main(void)
{
	T_RUN(test_genuine_header_passes);
	T_RUN(test_each_forged_field_is_named);
	T_RUN(test_too_many_keyslots_and_tokens);
	T_RUN(test_label_and_strings_from_disk);
	T_RUN(test_not_json_and_caps);
	T_RUN(test_escape);
	return T_END();
}
