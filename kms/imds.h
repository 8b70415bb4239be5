/* imds.h - the EC2 instance metadata service client, IMDSv2 first: the
 * session token, its refresh, and plain-HTTP GETs under a deadline.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: EC2 User Guide, "Use IMDSv2" (token PUT, TTL header, hop limit),
 *      "Instance metadata categories" (placement/region,
 *      block-device-mapping, iam/security-credentials); AWS SDKs and
 *      Tools Reference Guide, "IMDS credential provider" (the
 *      AWS_EC2_METADATA_* variables).
 */
#ifndef LUKSBOX_IMDS_H
#define LUKSBOX_IMDS_H

#include <stddef.h>
#include <stdint.h>

struct http_response; /* kms/http.h */

/* Bytes for an instance role's credentials document from IMDS. */
#define IMDS_DOC_MAX 8192

/* What IMDS hands out that opens the role's credentials: the session
 * token (and the PUT's answer it is read from) and the role's name (and
 * the path it goes into). They live in locked memory, never on the
 * stack: the token is a bearer credential for six hours. */
struct imds_secret {
	char token[128]; /* IMDSv2 session token, "" when none yet */
	char put[128];	 /* the token PUT's body, wiped once read */
	char role[256];	 /* the role listed, wiped after the lookup */
	char path[320];	 /* .../security-credentials/ROLE, likewise */
};

/* The instance metadata service client (no secrets but SEC). */
struct imds {
	char host[64]; /* "169.254.169.254" or "[fd00:ec2::254]" */
	unsigned port; /* 80 */
	int disabled;  /* AWS_EC2_METADATA_DISABLED=true */
	int allow_v1;  /* fall back to IMDSv1 when the token PUT fails */
	int v1_only;   /* it failed once: no more PUTs this run */
	/* The caller's locked memory when it sets this after imds_init()
	 * (aws_init does, from its secret arena); else allocated on the
	 * heap when first needed (OWN_SEC). imds_fini() wipes it. */
	struct imds_secret *sec;
	int own_sec;
	int64_t token_deadline; /* now_ms() after which it is refreshed */
	char why[256];		/* what went wrong last, for messages */
	const char *hint;	/* what to do about it, or NULL */
	/* Where responses are read, credentials documents among them: the
	 * caller's locked memory when it sets these (aws_init does, from
	 * its secret arena; DOC holds IMDS_DOC_MAX bytes), else buffers
	 * from the heap, wiped and freed after each request. */
	struct http_response *rs;
	char *doc;
};

/*
 * Configure IMDS from the environment: AWS_EC2_METADATA_SERVICE_ENDPOINT
 * ("http://HOST[:PORT]", IPv6 in brackets), else
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6 ([fd00:ec2::254]) or IPv4
 * (169.254.169.254); AWS_EC2_METADATA_DISABLED=true disables it.
 * ALLOW_V1: permit IMDSv1 when no token can be had (off by default: IMDSv1
 * is what SSRF attacks read). Returns 0, or -EINVAL for a bad endpoint
 * or mode (m->why says which variable and why).
 */
int imds_init(struct imds *m, int allow_v1);

/*
 * GET the metadata PATH (e.g. "/latest/meta-data/placement/region") into
 * OUT (NUL-terminated) before DEADLINE. Gets or refreshes the IMDSv2 token
 * as needed (a 401 refreshes it once). Returns the body length or -errno:
 * -ENODEV when disabled, -ENOENT for a 404, -ETIMEDOUT/-ECONNREFUSED/...
 * when IMDS does not answer, -EPROTO for other statuses, -EMSGSIZE.
 * m->why explains failures, with the hop-limit hint when the token PUT
 * gets no answer.
 */
int imds_get(struct imds *m, const char *path, char *out, size_t cap,
	     int64_t deadline);

/*
 * Take BODY (LEN bytes), the answer to the token PUT, as M's IMDSv2 token
 * (m->sec->token): 0, -ENOMEM, or -EBADMSG when it is empty, does not fit,
 * or holds anything but visible ASCII (it goes back in a header line).
 */
int imds_set_token(struct imds *m, const char *body, size_t len);

/*
 * M's locked scratch (token, role name, path): the caller's, or allocated
 * on the heap when first needed. Returns it, or NULL when out of memory.
 */
struct imds_secret *imds_sec(struct imds *m);

/* Wipe M's secrets (the token), freeing them when M allocated them. */
void imds_fini(struct imds *m);

/*
 * The instance's block-device mapping (meta-data/block-device-mapping/),
 * read through an IMDS client of its own that is made on the first call:
 * no credentials are needed, and a caller that never asks (an NVMe
 * instance) never reaches IMDS. Zero the struct, set LIMIT (an absolute
 * now_ms() deadline, or 0) and pass imds_bdm_get with it as the mapping
 * source of block/instance_store.h; call imds_bdm_fini() afterwards.
 * Every read ends within IMDS_BDM_MS of the first, and by LIMIT.
 */
#define IMDS_BDM_MS 5000
struct imds_bdm {
	struct imds m; /* valid when READY; m.why names a bad endpoint */
	int ready;
	int64_t limit; /* 0, or the caller's own deadline */
	int64_t deadline;
};

/* KEY ("" for the list, or "ephemeral0") into BUF (CAP bytes): as
 * imds_get(); -ENOENT when IMDS is disabled; imds_init()'s error when
 * the endpoint configured is bad. ARG is a struct imds_bdm. */
int imds_bdm_get(void *arg, const char *key, char *buf, size_t cap);

void imds_bdm_fini(struct imds_bdm *b);

/* Why reading the mapping failed with ERR (a -errno from
 * block/instance_store.h): the IMDS client's own reason when it gave one,
 * else ERR's text. Still valid after imds_bdm_fini(). */
const char *imds_bdm_why(const struct imds_bdm *b, int err);

#endif
