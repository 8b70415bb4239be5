/* imds.c - the instance metadata service: IMDSv2 tokens and GETs.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: imds.h.
 */
#include "kms/imds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/secret.h"
#include "kms/http.h"
#include "kms/net.h"

/* Each IMDS attempt gets at most this long: IMDS answers in
 * milliseconds or not at all (the SDKs use 1 s). */
#define IMDS_ATTEMPT_MS 2000
#define IMDS_ATTEMPTS 3

int imds_init(struct imds *m, int allow_v1)
{
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");

	memset(m, 0, sizeof(*m));
	m->allow_v1 = allow_v1;
	m->disabled = off && !strcasecmp(off, "true");
	m->port = 80;
	if (ep && *ep) {
		int tls;

		snprintf(m->why, sizeof(m->why),
			 "AWS_EC2_METADATA_SERVICE_ENDPOINT: not an "
			 "http://HOST[:PORT] URL");
		if (net_parse_url(ep, m->host, sizeof(m->host), &m->port,
				  &tls) ||
		    tls)
			return -EINVAL;
	} else if (mode && !strcasecmp(mode, "IPv6")) {
		strcpy(m->host, "[fd00:ec2::254]");
	} else if (!mode || !*mode || !strcasecmp(mode, "IPv4")) {
		strcpy(m->host, "169.254.169.254");
	} else {
		snprintf(m->why, sizeof(m->why),
			 "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: '%.40s' is "
			 "neither IPv4 nor IPv6",
			 mode);
		return -EINVAL;
	}
	m->why[0] = 0;
	return 0;
}

void imds_fini(struct imds *m)
{
	if (m->sec)
		secret_wipe(m->sec, sizeof(*m->sec));
	if (m->own_sec)
		free(m->sec);
	m->sec = NULL;
	m->own_sec = 0;
}

struct imds_secret *imds_sec(struct imds *m)
{
	if (!m->sec) {
		m->sec = calloc(1, sizeof(*m->sec));
		m->own_sec = m->sec != NULL;
	}
	return m->sec;
}

/* One plain-HTTP exchange with IMDS on a fresh connection. */
static int imds_exchange(struct imds *m, const char *method, const char *path,
			 const struct http_header *h, size_t nh,
			 struct http_response *rs, int64_t deadline)
{
	struct net_conn c;
	struct stream s;
	struct http_request rq = {method, path, m->host, h, nh, NULL, 0};
	int64_t until = deadline_within(IMDS_ATTEMPT_MS, deadline);
	int err;

	err = net_connect(&c, m->host, m->port, until);
	if (err)
		return err;
	s = net_stream(&c);
	err = http_exchange(&s, &rq, rs);
	net_close(&c);
	return err;
}

/* PUT /latest/api/token: an IMDSv2 session token valid for 6 hours. */
static int imds_token(struct imds *m, struct http_response *rs,
		      int64_t deadline)
{
	static const struct http_header ttl[] = {
		{"X-aws-ec2-metadata-token-ttl-seconds", "21600"},
	};
	char *out = rs->body;
	size_t cap = rs->body_cap;
	int err;

	/* The token is read into locked memory, not the caller's OUT (a
	 * region or a role name on someone's stack). */
	rs->body = m->sec->put;
	rs->body_cap = sizeof(m->sec->put);
	err = imds_exchange(m, "PUT", "/latest/api/token", ttl, 1, rs,
			    deadline);
	if (!err && rs->status == 200)
		err = imds_set_token(m, rs->body, rs->body_len) ? -EBADMSG : 0;
	secret_wipe(m->sec->put, sizeof(m->sec->put));
	rs->body = out;
	rs->body_cap = cap;
	if (err == -EBADMSG) {
		snprintf(m->why, sizeof(m->why),
			 "IMDSv2 token PUT to %s: not a token (%zu bytes)",
			 m->host, rs->body_len);
		return -EPROTO;
	}

	if (err == -ETIMEDOUT || err == -ECONNABORTED) {
		/* TCP connected, the PUT went out, nothing came back: the
		 * classic sign of a response dropped at the hop limit. */
		snprintf(m->why, sizeof(m->why),
			 "no answer to the IMDSv2 token PUT from %s (%s)",
			 m->host,
			 err == -ETIMEDOUT ? "timed out" : "connection closed");
		m->hint = "in a container or behind a bridge, raise the "
			  "instance's metadata hop limit "
			  "(aws ec2 modify-instance-metadata-options "
			  "--http-put-response-hop-limit 2), or allow IMDSv1 "
			  "with --imds-v1";
		return err;
	}
	if (err) {
		snprintf(m->why, sizeof(m->why),
			 "cannot reach the instance metadata service at %s: %s",
			 m->host, strerror(-err));
		return err;
	}
	if (rs->status != 200) {
		snprintf(m->why, sizeof(m->why),
			 "IMDSv2 token PUT to %s: HTTP %d%s", m->host,
			 rs->status,
			 rs->status == 403 ? " (IMDS disabled on the instance?)"
					   : "");
		return -EPROTO;
	}
	/* Refresh well before the 6 hour TTL ends. */
	m->token_deadline = deadline_in(5LL * 3600 * 1000);
	return 0;
}

int imds_set_token(struct imds *m, const char *body, size_t len)
{
	struct imds_secret *sec = imds_sec(m);
	size_t i;

	if (!sec)
		return -ENOMEM;
	/* It goes back in a header line: visible ASCII only, or a hostile
	 * answer could add headers to our next request. */
	if (len == 0 || len >= sizeof(sec->token))
		return -EBADMSG;
	for (i = 0; i < len; i++)
		if (body[i] < 0x21 || body[i] > 0x7e)
			return -EBADMSG;
	memcpy(sec->token, body, len);
	sec->token[len] = 0;
	return 0;
}

int imds_get(struct imds *m, const char *path, char *out, size_t cap,
	     int64_t deadline)
{
	struct http_response *rs;
	struct http_header h = {"X-aws-ec2-metadata-token", NULL};
	int err = -ETIMEDOUT, attempt, refreshed = 0;
	char *token;

	m->why[0] = 0;
	m->hint = NULL;
	if (m->disabled) {
		snprintf(m->why, sizeof(m->why),
			 "the instance metadata service is disabled "
			 "(AWS_EC2_METADATA_DISABLED=true)");
		return -ENODEV;
	}
	if (!imds_sec(m))
		return -ENOMEM;
	token = m->sec->token;
	h.value = token;
	rs = m->rs ? m->rs : calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	memset(rs, 0, sizeof(*rs));
	rs->body = out;
	rs->body_cap = cap;
	for (attempt = 0; attempt < IMDS_ATTEMPTS && now_ms() < deadline;
	     attempt++) {
		if (!m->v1_only &&
		    (!token[0] || now_ms() > m->token_deadline)) {
			token[0] = 0;
			err = imds_token(m, rs, deadline);
			if ((err == -EPROTO || err == -ETIMEDOUT ||
			     err == -ECONNABORTED) &&
			    m->allow_v1) {
				/* IMDSv1, as asked; once, not per request. */
				m->v1_only = 1;
				err = 0;
			}
			if (err == -EPROTO || err == -EMSGSIZE)
				break;
			if (err)
				continue;
		}
		err = imds_exchange(m, "GET", path, &h, token[0] ? 1 : 0, rs,
				    deadline);
		if (err)
			continue;
		if (rs->status == 401 && !refreshed) {
			/* The token expired or IMDS restarted: renew once. */
			refreshed = 1;
			token[0] = 0;
			attempt--;
			continue;
		}
		if (rs->status == 404) {
			snprintf(m->why, sizeof(m->why),
				 "instance metadata %s: not found", path);
			err = -ENOENT;
		} else if (rs->status != 200) {
			snprintf(m->why, sizeof(m->why),
				 "instance metadata %s: HTTP %d", path,
				 rs->status);
			err = -EPROTO;
		} else {
			err = (int)rs->body_len;
		}
		break;
	}
	if (err < 0 && err != -ENOENT && err != -EPROTO && !m->why[0])
		snprintf(m->why, sizeof(m->why),
			 "cannot reach the instance metadata service at %s: "
			 "%s",
			 m->host, strerror(-err));
	http_response_wipe(rs);
	if (rs != m->rs)
		free(rs);
	return err;
}

int imds_bdm_get(void *arg, const char *key, char *buf, size_t cap)
{
	struct imds_bdm *b = arg;
	char path[96];
	int r;

	if (!b->ready) {
		r = imds_init(&b->m, 0);
		if (r)
			return r; /* a bad endpoint: b->m.why says which */
		b->ready = 1;
		b->deadline = b->limit ? deadline_within(IMDS_BDM_MS, b->limit)
				       : deadline_in(IMDS_BDM_MS);
	}
	if (b->m.disabled)
		return -ENOENT; /* AWS_EC2_METADATA_DISABLED: no mapping */
	snprintf(path, sizeof(path),
		 "/latest/meta-data/block-device-mapping/%.32s", key);
	return imds_get(&b->m, path, buf, cap, b->deadline);
}

void imds_bdm_fini(struct imds_bdm *b)
{
	if (b->ready)
		imds_fini(&b->m);
	b->ready = 0;
}

const char *imds_bdm_why(const struct imds_bdm *b, int err)
{
	return b->m.why[0] ? b->m.why : strerror(-err);
}
