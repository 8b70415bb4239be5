/* test_tls.c - kms/tls: the trust store (built-in AWS roots, PEM files,
 * bundles, garbage) and the clock policy.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: kms/tls.h, build/anchors.py. Handshakes are tested against moto
 * over TLS in the kms tier.
 */
#define T_SUITE "unit/tls"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "t.h"
#include "kms/tls.h"

/* The PEM files the build embeds (tests run from the top directory). */
#define CA_DIR "build/anchors/"
#define BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static char dir[] = "/tmp/luksbox-tls-XXXXXX";

/* TLS curve ids (RFC 8422 5.1.1), as BearSSL's BR_EC_secp256r1/384r1. */
#define P256 23
#define P384 24

static const struct {
	const char *label, *cn, *file;
	int ec;	     /* 0: RSA, 1: EC */
	size_t size; /* RSA modulus bytes, or EC curve id */
} roots[] = {
	{"Amazon Root CA 1", "Amazon Root CA 1", "Amazon_Root_CA_1.pem", 0,
	 256},
	{"Amazon Root CA 2", "Amazon Root CA 2", "Amazon_Root_CA_2.pem", 0,
	 512},
	{"Amazon Root CA 3", "Amazon Root CA 3", "Amazon_Root_CA_3.pem", 1,
	 P256},
	{"Amazon Root CA 4", "Amazon Root CA 4", "Amazon_Root_CA_4.pem", 1,
	 P384},
	{"Starfield Services Root CA G2",
	 "Starfield Services Root Certificate Authority - G2",
	 "Starfield_Services_Root_CA_G2.pem", 0, 256},
};

/* Anchor I of T (zeroed when there is none: tests fail, not crash). */
static struct tls_anchor_info get(const struct tls_trust *t, size_t i)
{
	struct tls_anchor_info a;

	if (tls_trust_get(t, i, &a))
		memset(&a, 0, sizeof(a));
	return a;
}

static int has(struct tls_anchor_info a, const char *s)
{
	return a.dn && memmem(a.dn, a.dn_len, s, strlen(s)) != NULL;
}

static int same_anchor(struct tls_anchor_info a, struct tls_anchor_info b)
{
	if (!a.dn || !b.dn || a.dn_len != b.dn_len ||
	    memcmp(a.dn, b.dn, a.dn_len) || a.ca != b.ca || a.ec != b.ec)
		return 0;
	if (!a.ec)
		return a.key_len == b.key_len &&
		       !memcmp(a.key, b.key, a.key_len) &&
		       a.exp_len == b.exp_len &&
		       !memcmp(a.exp, b.exp, a.exp_len);
	return a.curve == b.curve && a.key_len == b.key_len &&
	       !memcmp(a.key, b.key, a.key_len);
}

/* The five roots AWS endpoints chain to, compiled in, and nothing else. */
static void test_builtin(void)
{
	struct tls_trust t;
	size_t i;

	CHECK(tls_builtin_anchors_count == 5);
	CHECK(tls_trust_init(&t, 1) == 0 && t.n == 5 && t.builtin);
	for (i = 0; i < 5 && i < t.n; i++) {
		struct tls_anchor_info a = get(&t, i);

		CHECKF(!strcmp(tls_builtin_anchor_names[i], roots[i].label),
		       "anchor %zu is %s", i, tls_builtin_anchor_names[i]);
		CHECKF(has(a, roots[i].cn), "anchor %zu DN lacks %s", i,
		       roots[i].cn);
		CHECK(a.ca);
		CHECKF(a.ec == roots[i].ec, "anchor %zu type", i);
		if (!roots[i].ec)
			CHECKF(a.key_len == roots[i].size,
			       "anchor %zu: %zu-byte modulus", i, a.key_len);
		else
			CHECKF(a.curve == (int)roots[i].size,
			       "anchor %zu: curve %d", i, a.curve);
	}
	CHECK(tls_trust_get(&t, 5, &(struct tls_anchor_info){0}) == -ERANGE);
	tls_trust_fini(&t);
	CHECK(t.n == 0 && t.ta == NULL);
	CHECK(tls_trust_init(&t, 0) == 0 && t.n == 0 && !t.builtin);
	tls_trust_fini(&t);
}

/* What the build compiled in is what the PEM files say (the generator and
 * the runtime PEM reader agree). */
static void test_pem_matches_builtin(void)
{
	struct tls_trust t;
	char path[200];
	size_t i;

	CHECK(tls_trust_init(&t, 1) == 0);
	for (i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), CA_DIR "%s", roots[i].file);
		CHECKF(tls_trust_add_pem(&t, path) == 1, "%s", path);
	}
	CHECK(t.n == 10);
	for (i = 0; i < 5 && t.n == 10; i++)
		CHECKF(same_anchor(get(&t, i), get(&t, 5 + i)), "anchor %zu",
		       i);
	tls_trust_fini(&t);
}

static void put(const char *name, const char *text, size_t n, char *path,
		size_t cap)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "w");
	fwrite(text, 1, n, f);
	fclose(f);
}

/* FILE's text (whole), malloc'd, or NULL. */
static char *slurp(const char *file, size_t *n)
{
	FILE *f = fopen(file, "r");
	char *p;

	if (!f)
		return NULL;
	p = malloc(1 << 20);
	*n = fread(p, 1, (1 << 20) - 1, f);
	p[*n] = 0;
	fclose(f);
	return p;
}

static void test_bundles(void)
{
	struct tls_trust t;
	char path[200], *ca1, *ca3, *sys, *mix, *p;
	size_t n1, n3, ns, want = 0;

	ca1 = slurp(CA_DIR "Amazon_Root_CA_1.pem", &n1);
	ca3 = slurp(CA_DIR "Amazon_Root_CA_3.pem", &n3);
	CHECK(ca1 && ca3);
	if (!ca1 || !ca3) {
		free(ca1);
		free(ca3);
		return;
	}
	/* Two certificates with text, a key and blank lines around them. */
	mix = malloc(n1 + n3 + 512);
	p = mix;
	p += sprintf(p, "Amazon roots, as a bundle\n\n");
	memcpy(p, ca1, n1);
	p += n1;
	p += sprintf(p, "\n# a comment line\n"
			"-----BEGIN PRIVATE KEY-----\n"
			"MC4CAQAwBQYDK2VwBCIEIA==\n"
			"-----END PRIVATE KEY-----\n");
	memcpy(p, ca3, n3);
	p += n3;
	put("mix.pem", mix, (size_t)(p - mix), path, sizeof(path));
	CHECK(tls_trust_init(&t, 0) == 0);
	CHECK(tls_trust_add_pem(&t, path) == 2 && t.n == 2);
	CHECK(t.n == 2 && has(get(&t, 0), "Amazon Root CA 1") &&
	      has(get(&t, 1), "Amazon Root CA 3") && get(&t, 1).ec);
	tls_trust_fini(&t);

	/* CRLF line ends. */
	{
		char *crlf = malloc(2 * n1 + 1), *q = crlf;
		size_t i;

		for (i = 0; i < n1; i++) {
			if (ca1[i] == '\n')
				*q++ = '\r';
			*q++ = ca1[i];
		}
		put("crlf.pem", crlf, (size_t)(q - crlf), path, sizeof(path));
		CHECK(tls_trust_init(&t, 0) == 0);
		CHECK(tls_trust_add_pem(&t, path) == 1);
		tls_trust_fini(&t);
		free(crlf);
	}

	/* The system bundle: every certificate in it (the array grows). */
	sys = slurp(BUNDLE, &ns);
	if (sys) {
		for (p = sys; (p = strstr(p, "-----BEGIN CERTIFICATE-----"));
		     p++)
			want++;
		CHECK(tls_trust_init(&t, 1) == 0);
		CHECKF(tls_trust_add_pem(&t, BUNDLE) == (int)want, "want %zu",
		       want);
		CHECK(t.n == 5 + want);
		tls_trust_fini(&t);
		free(sys);
	}
	free(mix);
	free(ca1);
	free(ca3);
}

/* Files that hold no usable certificate are errors, never empty trust. */
static void test_garbage(void)
{
	struct tls_trust t;
	char path[200], *ca1, *bad;
	size_t n1;

	CHECK(tls_trust_init(&t, 1) == 0);
	CHECK(tls_trust_add_pem(&t, "/nonexistent/ca.pem") == -ENOENT);
	put("empty.pem", "", 0, path, sizeof(path));
	CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
	put("text.pem", "hello\nworld\n", 12, path, sizeof(path));
	CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
	put("bin.pem", "\x30\x82\x01\x0a\x02\x82\x01\x01\x00\xff", 10, path,
	    sizeof(path));
	CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
	/* A PEM block whose content is not a certificate. */
	{
		static const char notcert[] = "-----BEGIN CERTIFICATE-----\n"
					      "aGVsbG8gd29ybGQ=\n"
					      "-----END CERTIFICATE-----\n";

		put("notcert.pem", notcert, sizeof(notcert) - 1, path,
		    sizeof(path));
		CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
	}
	/* Only a key. */
	{
		static const char key[] = "-----BEGIN PRIVATE KEY-----\n"
					  "MC4CAQAwBQYDK2VwBCIEIA==\n"
					  "-----END PRIVATE KEY-----\n";

		put("key.pem", key, sizeof(key) - 1, path, sizeof(path));
		CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
	}
	ca1 = slurp(CA_DIR "Amazon_Root_CA_1.pem", &n1);
	if (ca1) {
		char *e;

		/* Cut before its END line. */
		bad = strdup(ca1);
		e = strstr(bad, "-----END");
		put("cut.pem", bad, (size_t)(e - bad), path, sizeof(path));
		CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
		/* A bad base64 character inside. */
		bad[40] = '!';
		put("badb64.pem", bad, n1, path, sizeof(path));
		CHECK(tls_trust_add_pem(&t, path) == -EINVAL);
		free(bad);
		free(ca1);
	}
	/* A directory. */
	CHECK(tls_trust_add_pem(&t, dir) == -EISDIR);
	CHECK(t.n == 5); /* nothing half-added */
	tls_trust_fini(&t);
}

/* A server's own (non-CA) certificate is trusted as itself only. */
static void test_leaf(void)
{
	struct tls_trust t;
	char cmd[600], path[200];

	snprintf(path, sizeof(path), "%s/leaf.pem", dir);
	snprintf(
		cmd, sizeof(cmd),
		"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		"-nodes -keyout %s/leaf.key -out %s -days 1 -subj "
		"/CN=kms.test -addext basicConstraints=critical,CA:FALSE "
		">/dev/null 2>&1",
		dir, path);
	CHECK(system(cmd) == 0);
	CHECK(tls_trust_init(&t, 0) == 0);
	CHECK(tls_trust_add_pem(&t, path) == 1);
	CHECK(t.n == 1 && !get(&t, 0).ca && has(get(&t, 0), "kms.test"));
	tls_trust_fini(&t);
	snprintf(cmd, sizeof(cmd), "%s/leaf.key", dir);
	unlink(cmd);
	unlink(path);
}

/* Early boot: the clock may lag; chains are judged no earlier than the
 * build. */
static void test_clock_policy(void)
{
	time_t b = tls_build_time, now = time(NULL);

	CHECK(tls_validation_time(0, b) == b);
	CHECK(tls_validation_time(b - 86400, b) == b);
	CHECK(tls_validation_time(b, b) == b);
	CHECK(tls_validation_time(b + 1, b) == b + 1);
	CHECK(tls_validation_time(now + 86400 * 365, b) == now + 86400 * 365);
	/* The build time is a real one: after 2024, not in the future. */
	CHECKF(b > 1704067200 && b <= now + 60, "build time %lld",
	       (long long)b);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("FAIL unit/tls: mkdtemp\n");
		return 1;
	}
	T_RUN(test_builtin);
	/* The PEM sources of the built-in anchors (absent: run from elsewhere). */
	if (!access(CA_DIR "Amazon_Root_CA_1.pem", R_OK)) {
		T_RUN(test_pem_matches_builtin);
		T_RUN(test_bundles);
	} else {
		T_SKIP(test_pem_matches_builtin, CA_DIR " absent");
		T_SKIP(test_bundles, CA_DIR " absent");
	}
	T_RUN(test_garbage);
	if (!system("openssl version >/dev/null 2>&1"))
		T_RUN(test_leaf);
	else
		T_SKIP(test_leaf, "no openssl to make a certificate");
	T_RUN(test_clock_policy);
	{
		char cmd[80];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	}
	return T_END();
}
