/* tls.h - TLS 1.2 client streams: the only BearSSL-aware module.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: bearssl_ssl.h, bearssl_x509.h, RFC 5246 (TLS 1.2), RFC 6066 (SNI),
 *      RFC 6125 (server name checks), RFC 7905 (ChaCha20-Poly1305 suites).
 *
 * Policy: TLS 1.2 only, ECDHE key exchange with AES-GCM or
 * ChaCha20-Poly1305 (forward secrecy, AEAD only), RSA or ECDSA chains,
 * SNI and name verification always on. Trust: the Amazon roots compiled in
 * (build/anchors.py, from the PEM files in build/anchors/) plus PEM anchors a
 * caller adds (AWS_CA_BUNDLE, --ca-file).
 *
 * Clock policy: early in boot the clock may lag (no RTC battery, NTP not
 * yet synced: EC2 instances start at the hypervisor's time, but rescue
 * boots and some Xen guests have come up in 1970 or 2000); a certificate
 * chain is checked at max(now, build time). A clock behind the build date
 * cannot make a chain that was valid when luksbox was built look expired
 * or not yet valid, and a chain that expired before the build is still
 * refused; a clock ahead of real time is believed (we cannot know better:
 * refusing would lock the volume). Tested in tests/kms/aws-client.
 */
#ifndef LUKSBOX_TLS_H
#define LUKSBOX_TLS_H

#include <stddef.h>
#include <time.h>

#include "kms/net.h"

/*
 * BearSSL stays inside tls.c (and the table build/anchors.py generates for
 * it): this header names none of its types, so a caller holds pointers to
 * an anchor or a connection, never their insides. hash.h wraps its hashes.
 */

/* Generated from the PEM files in build/anchors (build/obj/gen/anchors.c):
 * how many anchors are built in, their labels ("Amazon Root CA 1", ...). */
extern const size_t tls_builtin_anchors_count;
extern const char *const tls_builtin_anchor_names[];
/* When luksbox was built (seconds since the epoch): the clock floor. */
extern const time_t tls_build_time;

/* One trust anchor: BearSSL's, opaque outside tls.c. */
struct tls_anchor;

/*
 * The anchors a client trusts: the built-in ones plus any added from PEM
 * files. Anchors are public data: ordinary heap, owned by the struct.
 */
struct tls_trust {
	struct tls_anchor *ta; /* N anchors (CAP allocated) */
	size_t n, cap;
	int builtin; /* 1 when the built-in anchors are included */
	time_t now;  /* the clock to believe: 0 (tls_trust_init) means time();
			tests set another to play an early-boot clock */
};

/*
 * Start a trust set: with the built-in anchors when BUILTIN is 1.
 * Returns 0 or -ENOMEM.
 */
int tls_trust_init(struct tls_trust *t, int builtin);

/*
 * Add every certificate in the PEM file PATH as an anchor (CA certificates
 * as CA anchors; a non-CA certificate is trusted as that server's own).
 * Returns the number added (>= 1), or -errno: -ENOENT/-EACCES from open,
 * -EINVAL when the file holds no usable certificate, -ENOMEM.
 */
int tls_trust_add_pem(struct tls_trust *t, const char *path);

/* What one anchor says, as plain data (for tests and diagnostics). */
struct tls_anchor_info {
	const unsigned char *dn; /* the subject name, DER */
	size_t dn_len;
	int ca;	   /* 1: a CA; 0: a server's own certificate */
	int ec;	   /* 1: an EC key (Q on CURVE); 0: RSA (N, E) */
	int curve; /* EC: the TLS curve id (23 P-256, 24 P-384) */
	const unsigned char *key; /* the RSA modulus N, or the EC point Q */
	size_t key_len;
	const unsigned char *exp; /* the RSA exponent E; NULL for EC */
	size_t exp_len;
};

/*
 * Anchor I of T into *A, whose pointers point into T (valid until it
 * changes). Returns 0, or -ERANGE when I >= t->n.
 */
int tls_trust_get(const struct tls_trust *t, size_t i,
		  struct tls_anchor_info *a);

/* Free the trust set (safe on a zeroed struct). */
void tls_trust_fini(struct tls_trust *t);

/*
 * One TLS connection over a net_conn, opaque. Big (~34 KiB): allocate
 * tls_size() bytes of the secret arena for it - it holds session keys.
 */
struct tls;

/* The bytes a struct tls needs (the arena gives 16-byte alignment). */
size_t tls_size(void);

/*
 * The time at which chains are validated: NOW, or BUILD when NOW is
 * earlier (see the clock policy above).
 */
time_t tls_validation_time(time_t now, time_t build);

/*
 * Handshake with HOST (SNI and name check; HOST may not be an IP address
 * literal, since AWS endpoints are names) over LOWER (a connected
 * net_stream(); it must outlive T), trusting
 * TRUST. T is tls_size() bytes; nothing in it need be set. Returns 0, or
 * -errno: the socket's error (-ETIMEDOUT, -ECONNRESET, ...),
 * -EKEYREJECTED (certificate not trusted, expired, wrong name), -EPROTO
 * (any other TLS failure). tls_why() tells more.
 * Call tls_fini() afterwards in every case.
 */
int tls_open(struct tls *t, struct stream lower, const char *host,
	     const struct tls_trust *trust);

/*
 * The stream view of an open T. Its read returns 0 when the peer closes
 * the connection, with or without close_notify: HTTP's framing tells a
 * complete response from a truncated one (and a truncated one is an error
 * there), so an unauthenticated end of stream cannot shorten a message.
 */
struct stream tls_stream(struct tls *t);

/*
 * A short reason for the last failure on T, e.g. "certificate not
 * trusted (unknown CA)" or "server name mismatch"; "" when none.
 */
const char *tls_why(const struct tls *t);

/*
 * The last error of the stream under T: its -errno, -ENODATA when the peer
 * closed it, 0 when none (a failure was TLS's own, or there was none).
 */
int tls_net_error(const struct tls *t);

/* Wipe every byte of T (no close_notify: HTTP framing already tells a
 * complete response from a truncated one, and waiting for the peer could
 * outlast the deadline). The net_conn is the caller's to close. */
void tls_fini(struct tls *t);

#endif
