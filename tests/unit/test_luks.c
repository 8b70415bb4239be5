/* test_luks.c - crypto/luks on image files: what the host can prove.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The host kernel has neither AF_ALG nor dm-crypt, so keyslot encryption
 * (and so format, unlock) is proven in the VM tier; here: reading headers
 * made by stock cryptsetup, and refusing what is not LUKS.
 */
#define T_SUITE "unit/luks"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "t.h"
#include "crypto/luks.h"

static char dir[] = "/tmp/luksbox-luks-XXXXXX";
static char img[256], key[256];

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_probe_stock_cryptsetup_image(void)
{
	char cmd[2048];
	struct luks_info li;
	int r;

	snprintf(cmd, sizeof(cmd),
		 "truncate -s 32M %s && head -c 32 /dev/urandom > %s && "
		 "cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 "
		 "--pbkdf-force-iterations 1000 --label mylabel "
		 "--subsystem %s --uuid 0b2ab10a-1111-4222-8333-444455556666 "
		 "--sector-size 4096 --key-file %s %s",
		 img, key, LUKS_SUBSYSTEM_READY, key, img);
	CHECKF(sh(cmd) == 0, "stock cryptsetup luksFormat failed");
	r = luks_probe(img, &li);
	CHECKF(r == 0, "luks_probe: %d", r);
	CHECK(li.version == 2);
	CHECK(!strcmp(li.uuid, "0b2ab10a-1111-4222-8333-444455556666"));
	CHECK(!strcmp(li.label, "mylabel"));
	CHECK(!strcmp(li.subsystem, LUKS_SUBSYSTEM_READY));
	CHECK(li.state == LUKS_STATE_READY);
	CHECKF(!strcmp(li.cipher, "aes-xts-plain64"), "%s", li.cipher);
	CHECK(li.key_bits == 512);
	CHECK(li.sector_size == 4096);
}

static void test_provisioning_and_foreign_state(void)
{
	char cmd[1024];
	struct luks_info li;

	snprintf(cmd, sizeof(cmd), "cryptsetup config --subsystem %s %s",
		 LUKS_SUBSYSTEM_PROVISIONING, img);
	CHECK(sh(cmd) == 0);
	CHECK(luks_probe(img, &li) == 0 && li.state == LUKS_STATE_PROVISIONING);
	snprintf(cmd, sizeof(cmd), "cryptsetup config --subsystem '' %s", img);
	CHECK(sh(cmd) == 0);
	CHECK(luks_probe(img, &li) == 0 && li.state == LUKS_STATE_FOREIGN);
}

static void test_tokens_read(void)
{
	char cmd[1024], tok[256];
	struct luks l;
	const char *json = NULL;
	int fd;

	snprintf(tok, sizeof(tok), "%s/tok.json", dir);
	fd = open(tok, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	dprintf(fd, "{\"type\":\"aws-kms\",\"keyslots\":[\"0\"],"
		    "\"ciphertext\":\"AAAA\",\"version\":1}");
	close(fd);
	snprintf(cmd, sizeof(cmd),
		 "cryptsetup token import --token-id 3 --json-file %s %s", tok,
		 img);
	CHECK(sh(cmd) == 0);
	CHECK(luks_load(&l, img) == 0);
	CHECK(luks_token_get(&l, 0, &json) == -ENOENT);
	CHECK(luks_token_get(&l, 3, &json) == 0 && json &&
	      strstr(json, "\"aws-kms\"") && strstr(json, "AAAA"));
	CHECK(luks_token_max() == 32);
	luks_fini(&l);
}

/* luks_check() on a real header (stock cryptsetup with luks-setup's
 * parameters), then on copies forged by the VM tier's independent
 * script (tests/vm/lib/luks2forge.py: JSON edited, both checksums
 * recomputed): libcryptsetup loads each, the policy refuses each. */
static void test_check_real_and_forged_headers(void)
{
	static const char *const forged[][2] = {
		{"cipher_null", "segments.0.encryption=cipher_null-ecb"},
		{"cbc", "segments.0.encryption=aes-cbc-essiv:sha256"},
		{"key256", "keyslots.0.key_size=32"},
		{"segment2", "segments.count=2"},
		{"reencrypt",
		 "config.requirements.mandatory=[\"online-reencrypt-v2\"]"},
		{"offline_reencrypt",
		 "config.requirements.mandatory=[\"offline-reencrypt\"]"},
		{"unknown_req",
		 "config.requirements.mandatory=[\"luksbox-test-unknown\"]"},
		{"label_ctl", "label=data\\x1b[2J"},
	};
	char cmd[2048], f[256];
	struct luks_info li;
	struct luks l = {0};
	size_t i;
	int r;

	snprintf(f, sizeof(f), "%s/forged.img", dir);
	snprintf(cmd, sizeof(cmd),
		 "cryptsetup config --subsystem %s --label data %s && "
		 "cryptsetup token remove --token-id 3 %s",
		 LUKS_SUBSYSTEM_READY, img, img);
	CHECK(sh(cmd) == 0);
	r = luks_load(&l, img);
	CHECKF(r == 0, "luks_load %d", r);
	if (r)
		return;
	r = luks_check(&l);
	CHECKF(r == 0, "genuine: %d %s", r, l.refused);
	luks_fini(&l);
	CHECK(luks_probe(img, &li) == 0 && li.policy == 0 && !li.refused[0]);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		snprintf(cmd, sizeof(cmd),
			 "cp %s %s && python3 tests/vm/lib/luks2forge.py %s %s "
			 ">/dev/null && cryptsetup luksDump %s >/dev/null",
			 img, f, f, forged[i][0], f);
		CHECKF(sh(cmd) == 0, "forging %s failed", forged[i][0]);
		/* An online re-encryption this libcryptsetup (built without
		 * it) cannot load: the header is read without it. */
		r = luks_probe(f, &li);
		CHECKF((i == 4 ? r == -EPROTO : r == 0) &&
			       li.policy == -EPROTO &&
			       !strcmp(li.refused, forged[i][1]),
		       "%s: %d %d \"%s\"", forged[i][0], r, li.policy,
		       li.refused);
		/* The key is never tried: refused before libcryptsetup. */
		r = luks_load(&l, f);
		CHECK((r == 0 && luks_verify(&l, -1, "x", 1) == -EPROTO) ||
		      (r == -EPROTO && i == 4 && l.cd == NULL));
		luks_fini(&l);
	}
}

static void test_not_luks(void)
{
	char other[256];
	struct luks_info li;
	struct luks l;

	snprintf(other, sizeof(other), "%s/zero.img", dir);
	CHECK(truncate(other, 0) == 0 || errno == ENOENT);
	close(open(other, O_WRONLY | O_CREAT, 0600));
	CHECK(truncate(other, 8 << 20) == 0);
	CHECK(luks_probe(other, &li) == -EINVAL);
	CHECK(luks_load(&l, other) < 0 && l.cd == NULL);
	luks_fini(&l);
	snprintf(other, sizeof(other), "%s/missing.img", dir);
	CHECK(luks_probe(other, &li) < 0);
}

int main(void)
{
	char cmd[512];

	if (!mkdtemp(dir))
		return 1;
	snprintf(img, sizeof(img), "%s/luks2.img", dir);
	snprintf(key, sizeof(key), "%s/key", dir);
	if (sh("command -v cryptsetup >/dev/null") != 0) {
		T_SKIP(test_probe_stock_cryptsetup_image,
		       "stock cryptsetup not installed (apt-get install "
		       "cryptsetup-bin)");
	} else {
		T_RUN(test_probe_stock_cryptsetup_image);
		T_RUN(test_provisioning_and_foreign_state);
		T_RUN(test_tokens_read);
		T_RUN(test_check_real_and_forged_headers);
	}
	T_RUN(test_not_luks);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	sh(cmd);
	return T_END();
}
