/* tls.c - TLS 1.2 client streams over net_conn with BearSSL, and the
 * SHA-256/HMAC wrapper of hash.h: the one file that includes BearSSL.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: tls.h, hash.h, bearssl_ssl.h (br_sslio_*; BearSSL's ssl_client_full.c
 *      for what client_init() keeps of it), bearssl_x509.h
 *      (br_x509_decoder, br_x509_minimal_set_time), bearssl_pem.h,
 *      bearssl_hash.h, bearssl_hmac.h.
 */
#include "kms/tls.h"

#include <bearssl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "kms/hash.h"

/* The table build/anchors.py generates (build/obj/gen/anchors.c). */
extern const br_x509_trust_anchor tls_builtin_anchors[];

/* tls.h's opaque connection. */
struct tls {
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	br_sslio_context io;
	struct stream lower; /* the byte stream TLS runs over */
	int net_err;	     /* the last -errno from the socket, 0 if none */
	unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

size_t tls_size(void)
{
	return sizeof(struct tls);
}

/* tls.h's struct tls_anchor is never defined: T->ta holds BearSSL
 * anchors, seen as such only here. */
static br_x509_trust_anchor *anchors(const struct tls_trust *t)
{
	return (br_x509_trust_anchor *)t->ta;
}

/* Forward secrecy and AEAD only: what AWS endpoints offer in TLS 1.2. */
static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

int tls_trust_init(struct tls_trust *t, int builtin)
{
	memset(t, 0, sizeof(*t));
	t->cap = tls_builtin_anchors_count + 8;
	t->ta = calloc(t->cap, sizeof(br_x509_trust_anchor));
	if (!t->ta)
		return -ENOMEM;
	if (builtin) {
		memcpy(t->ta, tls_builtin_anchors,
		       tls_builtin_anchors_count *
			       sizeof(br_x509_trust_anchor));
		t->n = tls_builtin_anchors_count;
		t->builtin = 1;
	}
	return 0;
}

/* Anchors added from files own their bytes; built-in ones point to rodata. */
static int owned(const struct tls_trust *t, size_t i)
{
	return !t->builtin || i >= tls_builtin_anchors_count;
}

void tls_trust_fini(struct tls_trust *t)
{
	size_t i;

	for (i = 0; t->ta && i < t->n; i++) {
		br_x509_trust_anchor *a = &anchors(t)[i];

		if (!owned(t, i))
			continue;
		free(a->dn.data);
		if (a->pkey.key_type == BR_KEYTYPE_RSA) {
			free(a->pkey.key.rsa.n);
			free(a->pkey.key.rsa.e);
		} else {
			free(a->pkey.key.ec.q);
		}
	}
	free(t->ta);
	memset(t, 0, sizeof(*t));
}

struct bytes {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void bytes_append(void *ctx, const void *data, size_t n)
{
	struct bytes *b = ctx;
	unsigned char *np;

	if (b->err)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;

		np = realloc(b->p, cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static unsigned char *dup_bytes(const void *p, size_t n)
{
	unsigned char *d = malloc(n ? n : 1);

	if (d)
		memcpy(d, p, n);
	return d;
}

/* One DER certificate becomes an anchor appended to T. */
static int add_der(struct tls_trust *t, const unsigned char *der, size_t len)
{
	br_x509_decoder_context dc;
	struct bytes dn = {0};
	const br_x509_pkey *pk;
	br_x509_trust_anchor a = {0};

	br_x509_decoder_init(&dc, bytes_append, &dn);
	br_x509_decoder_push(&dc, der, len);
	pk = br_x509_decoder_get_pkey(&dc);
	if (!pk || dn.err || br_x509_decoder_last_error(&dc)) {
		free(dn.p);
		return dn.err ? dn.err : -EINVAL;
	}
	if (t->n == t->cap) {
		void *n = realloc(t->ta,
				  2 * t->cap * sizeof(br_x509_trust_anchor));

		if (!n) {
			free(dn.p);
			return -ENOMEM;
		}
		t->ta = n;
		t->cap *= 2;
	}
	a.dn.data = dn.p;
	a.dn.len = dn.len;
	a.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
	a.pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		a.pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		a.pkey.key.rsa.nlen = pk->key.rsa.nlen;
		a.pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		a.pkey.key.rsa.elen = pk->key.rsa.elen;
		if (!a.pkey.key.rsa.n || !a.pkey.key.rsa.e)
			goto out_nomem;
	} else {
		a.pkey.key.ec.curve = pk->key.ec.curve;
		a.pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		a.pkey.key.ec.qlen = pk->key.ec.qlen;
		if (!a.pkey.key.ec.q)
			goto out_nomem;
	}
	anchors(t)[t->n++] = a;
	return 0;
out_nomem:
	free(a.dn.data);
	if (pk->key_type == BR_KEYTYPE_RSA) {
		free(a.pkey.key.rsa.n);
		free(a.pkey.key.rsa.e);
	}
	return -ENOMEM;
}

/* Is the PEM object NAME a certificate? BearSSL 0.6 leaves the banner's
 * dashes on the name when the line ends in CRLF: accept them. */
static int pem_is_cert(const char *name)
{
	return !strncmp(name, "CERTIFICATE", 11) &&
	       name[11 + strspn(name + 11, "-")] == 0;
}

int tls_trust_add_pem(struct tls_trust *t, const char *path)
{
	br_pem_decoder_context pc;
	struct bytes der = {0};
	unsigned char buf[4096];
	int fd, added = 0, err = 0, in_cert = 0;
	ssize_t r;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	br_pem_decoder_init(&pc);
	while (!err && (r = read(fd, buf, sizeof(buf))) > 0) {
		size_t off = 0;

		while (off < (size_t)r) {
			off += br_pem_decoder_push(&pc, buf + off,
						   (size_t)r - off);
			switch (br_pem_decoder_event(&pc)) {
			case BR_PEM_BEGIN_OBJ:
				in_cert = pem_is_cert(br_pem_decoder_name(&pc));
				der.len = 0;
				br_pem_decoder_setdest(
					&pc, in_cert ? bytes_append : NULL,
					&der);
				break;
			case BR_PEM_END_OBJ:
				if (in_cert && !der.err &&
				    !add_der(t, der.p, der.len))
					added++;
				in_cert = 0;
				break;
			case BR_PEM_ERROR:
				err = -EINVAL;
				break;
			}
			if (err)
				break;
		}
	}
	if (r < 0)
		err = -errno;
	close(fd);
	free(der.p);
	if (err)
		return err;
	return added ? added : -EINVAL;
}

int tls_trust_get(const struct tls_trust *t, size_t i,
		  struct tls_anchor_info *a)
{
	const br_x509_trust_anchor *ta;

	if (i >= t->n)
		return -ERANGE;
	ta = &anchors(t)[i];
	memset(a, 0, sizeof(*a));
	a->dn = ta->dn.data;
	a->dn_len = ta->dn.len;
	a->ca = !!(ta->flags & BR_X509_TA_CA);
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		a->key = ta->pkey.key.rsa.n;
		a->key_len = ta->pkey.key.rsa.nlen;
		a->exp = ta->pkey.key.rsa.e;
		a->exp_len = ta->pkey.key.rsa.elen;
	} else {
		a->ec = 1;
		a->curve = ta->pkey.key.ec.curve;
		a->key = ta->pkey.key.ec.q;
		a->key_len = ta->pkey.key.ec.qlen;
	}
	return 0;
}

time_t tls_validation_time(time_t now, time_t build)
{
	return now < build ? build : now;
}

static int low_read(void *ctx, unsigned char *buf, size_t n)
{
	struct tls *t = ctx;
	ssize_t r = t->lower.read(t->lower.ctx, buf, n);

	if (r > 0)
		return (int)r;
	/* -ENODATA marks the peer's close: end of stream once the handshake
	 * is done (see tls_stream()), a reset before. */
	t->net_err = r == 0 ? -ENODATA : (int)r;
	return -1;
}

static int low_write(void *ctx, const unsigned char *buf, size_t n)
{
	struct tls *t = ctx;
	ssize_t w = t->lower.write(t->lower.ctx, buf, n);

	if (w > 0)
		return (int)w;
	t->net_err = w == 0 ? -EPIPE : (int)w;
	return -1;
}

/* Map a BearSSL failure (or the socket's) to -errno. */
static int tls_err(struct tls *t)
{
	int e = br_ssl_engine_last_error(&t->sc.eng);

	if (t->net_err)
		return t->net_err == -ENODATA ? -ECONNRESET : t->net_err;
	if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
		return -EKEYREJECTED;
	return -EPROTO;
}

/* What br_ssl_client_init_full() sets, less what SUITES never use: TLS 1.2
 * only (no MD5/SHA-1 PRF), ECDHE with RSA or ECDSA signatures (no RSA key
 * exchange), AES-GCM and ChaCha20-Poly1305 (no CBC, CCM or 3DES). The SHA-2
 * hashes, for the handshake and for certificate signatures (RSA 2048 to
 * 4096 and ECDSA P-256/P-384 with SHA-256/384, as AWS's chains are); no
 * MD5 or SHA-1: a chain signed with SHA-1 is refused. init_full would
 * link every other implementation too (17-22 KB).
 * Curves: the generic constant-time i31 code for P-256, P-384 and P-521,
 * for ECDHE (AWS endpoints offer P-256) and ECDSA alike; not X25519 nor
 * the P-256-only code: 11-14 KB, for about 6 ms more per ECDHE than
 * X25519 (7 ms against 1 ms on an x86-64 build host; 5 ms P-256-only). */
static void client_init(struct tls *t, const br_x509_trust_anchor *ta, size_t n)
{
	static const struct {
		int id;
		const br_hash_class *vt;
	} hashes[] = {
		{br_sha224_ID, &br_sha224_vtable},
		{br_sha256_ID, &br_sha256_vtable},
		{br_sha384_ID, &br_sha384_vtable},
		{br_sha512_ID, &br_sha512_vtable},
	};
	br_ssl_engine_context *eng = &t->sc.eng;
	size_t i;

	br_ssl_client_zero(&t->sc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	/* The X.509 engine hashes names with SHA-256 to compare them. */
	br_x509_minimal_init(&t->xc, &br_sha256_vtable, ta, n);
	br_ssl_engine_set_suites(eng, suites,
				 sizeof(suites) / sizeof(suites[0]));
	br_ssl_engine_set_default_rsavrfy(eng);
	br_ssl_engine_set_ec(eng, &br_ec_prime_i31);
	br_ssl_engine_set_ecdsa(eng, &br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_set_rsa(&t->xc, br_ssl_engine_get_rsavrfy(eng));
	br_x509_minimal_set_ecdsa(&t->xc, br_ssl_engine_get_ec(eng),
				  br_ssl_engine_get_ecdsa(eng));
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		br_ssl_engine_set_hash(eng, hashes[i].id, hashes[i].vt);
		br_x509_minimal_set_hash(&t->xc, hashes[i].id, hashes[i].vt);
	}
	br_ssl_engine_set_x509(eng, &t->xc.vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
	br_ssl_engine_set_default_chapol(eng);
}

int tls_open(struct tls *t, struct stream lower, const char *host,
	     const struct tls_trust *trust)
{
	time_t vt = tls_validation_time(trust->now ? trust->now : time(NULL),
					tls_build_time);

	t->lower = lower;
	t->net_err = 0;
	client_init(t, anchors(trust), trust->n);
	/* Days since 0000-01-01 (proleptic Gregorian): 1970 is day 719528. */
	br_x509_minimal_set_time(&t->xc, (uint32_t)(vt / 86400 + 719528),
				 (uint32_t)(vt % 86400));
	br_ssl_engine_set_buffer(&t->sc.eng, t->buf, sizeof(t->buf), 1);
	if (!br_ssl_client_reset(&t->sc, host, 0))
		return -EPROTO;
	br_sslio_init(&t->io, &t->sc.eng, low_read, t, low_write, t);
	/* Flushing nothing runs the handshake to completion. */
	if (br_sslio_flush(&t->io) < 0)
		return tls_err(t);
	return 0;
}

static ssize_t tls_read(void *ctx, void *buf, size_t n)
{
	struct tls *t = ctx;
	int r = br_sslio_read(&t->io, buf, n);

	if (r > 0)
		return r;
	/* A close_notify, or the peer closing TCP: end of stream. */
	if (br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED &&
	    br_ssl_engine_last_error(&t->sc.eng) == BR_ERR_OK && !t->net_err)
		return 0;
	if (t->net_err == -ENODATA)
		return 0;
	return tls_err(t);
}

static ssize_t tls_write(void *ctx, const void *buf, size_t n)
{
	struct tls *t = ctx;

	if (br_sslio_write_all(&t->io, buf, n) < 0 ||
	    br_sslio_flush(&t->io) < 0)
		return tls_err(t);
	return (ssize_t)n;
}

struct stream tls_stream(struct tls *t)
{
	return (struct stream){.ctx = t, .read = tls_read, .write = tls_write};
}

const char *tls_why(const struct tls *t)
{
	int e = br_ssl_engine_last_error(&t->sc.eng);

	if (t->net_err == -ENODATA)
		return "the server closed the connection";
	if (t->net_err)
		return "connection failed";
	switch (e) {
	case BR_ERR_OK:
		return "";
	case BR_ERR_X509_NOT_TRUSTED:
		return "certificate not trusted (unknown CA; see AWS_CA_BUNDLE / --ca-file)";
	case BR_ERR_X509_EXPIRED:
		return "certificate expired or not yet valid (check the clock)";
	case BR_ERR_X509_BAD_SERVER_NAME:
		return "certificate does not match the server name";
	case BR_ERR_X509_BAD_SIGNATURE:
		return "certificate signature invalid";
	case BR_ERR_X509_NOT_CA:
		return "certificate chain uses a non-CA certificate as issuer";
	case BR_ERR_X509_FORBIDDEN_KEY_USAGE:
		return "certificate key usage forbids TLS server use";
	case BR_ERR_X509_EMPTY_CHAIN:
		return "server sent no certificate";
	case BR_ERR_X509_UNSUPPORTED:
		return "certificate signed with an algorithm not accepted "
		       "(RSA or ECDSA with SHA-2 only)";
	case BR_ERR_BAD_CIPHER_SUITE:
	case BR_ERR_UNSUPPORTED_VERSION:
		return "server offers no TLS 1.2 ECDHE AEAD cipher suite";
	}
	if (e >= BR_ERR_X509_OK && e < BR_ERR_RECV_FATAL_ALERT)
		return "certificate rejected";
	if (e & BR_ERR_RECV_FATAL_ALERT)
		return "server sent a fatal TLS alert";
	if (e & BR_ERR_SEND_FATAL_ALERT)
		return "TLS handshake failed (protocol error)";
	return "TLS protocol error";
}

int tls_net_error(const struct tls *t)
{
	return t->net_err;
}

void tls_fini(struct tls *t)
{
	/* BearSSL wipes nothing: session keys live in sc until we do. */
	secret_wipe(t, sizeof(*t));
}

void hash_sha256(const void *p, size_t n, unsigned char out[HASH_SHA256_LEN])
{
	br_sha256_context sc;

	br_sha256_init(&sc);
	br_sha256_update(&sc, p, n);
	br_sha256_out(&sc, out);
}

void hash_hmac_sha256(const void *key, size_t klen, const void *msg, size_t n,
		      unsigned char out[HASH_SHA256_LEN])
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, klen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, n);
	br_hmac_out(&hc, out);
	/* Both hold the key's inner and outer states. */
	secret_wipe(&kc, sizeof(kc));
	secret_wipe(&hc, sizeof(hc));
}
