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

#include <bearssl.h>
#include <stddef.h>
#include <time.h>

#include "kms/net.h"

/* Generated from the PEM files in build/anchors (build/obj/gen/anchors.c). */
extern const br_x509_trust_anchor tls_builtin_anchors[];
extern const size_t tls_builtin_anchors_count;
extern const char *const tls_builtin_anchor_names[];
/* When luksbox was built (seconds since the epoch): the clock floor. */
extern const time_t tls_build_time;

/*
 * The anchors a client trusts: the built-in ones plus any added from PEM
 * files. Anchors are public data: ordinary heap, owned by the struct.
 */
struct tls_trust {
	br_x509_trust_anchor *ta;
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

/* Free the trust set (safe on a zeroed struct). */
void tls_trust_fini(struct tls_trust *t);

/* One TLS connection over a net_conn. Big (~34 KiB): allocate it in the
 * secret arena - it holds session keys. */
struct tls {
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	br_sslio_context io;
	struct stream lower; /* the byte stream TLS runs over */
	int net_err;	     /* the last -errno from the socket, 0 if none */
	unsigned char buf[BR_SSL_BUFSIZE_BIDI];
};

/*
 * The time at which chains are validated: NOW, or BUILD when NOW is
 * earlier (see the clock policy above).
 */
time_t tls_validation_time(time_t now, time_t build);

/*
 * Handshake with HOST (SNI and name check; HOST may not be an IP address
 * literal, since AWS endpoints are names) over LOWER (a connected
 * net_stream(); it must outlive T), trusting
 * TRUST. Returns 0, or -errno: the socket's error (-ETIMEDOUT,
 * -ECONNRESET, ...), -EKEYREJECTED (certificate not trusted, expired,
 * wrong name), -EPROTO (any other TLS failure). tls_why() tells more.
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

/* Wipe every byte of T (no close_notify: HTTP framing already tells a
 * complete response from a truncated one, and waiting for the peer could
 * outlast the deadline). The net_conn is the caller's to close. */
void tls_fini(struct tls *t);

#endif
