/* call.c - one signed AWS JSON 1.1 call: connections kept alive,
 * retries under one deadline (kms/retry.h), clock-skew correction.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: call.h.
 */
#include "kms/call.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kms/aws.h"
#include "kms/http.h"
#include "kms/retry.h"
#include "kms/sigv4.h"
#include "lib/msg.h"

/* Transport errors worth another attempt: what the SDKs retry, that is
 * net.h's temporary errors (timeouts, refused or dropped connections, a
 * network down) less the two that are no transport failure (a busy
 * resource, an interrupted call), and a response cut short. */
static int transient(int err)
{
	if (err == -EBADMSG)
		return 1;
	return err < 0 && err != -EBUSY && err != -EINTR && err_temporary(err);
}

/* What went wrong on the wire, in words a user can act on. */
static const char *transport_why(const struct aws_conn *k, int err)
{
	if (err == -EBADMSG)
		return "malformed or truncated HTTP response";
	if (err == -ECONNABORTED)
		return "the server closed the connection without answering";
	if (err == -ETIMEDOUT)
		return "no answer in time";
	if (k && k->tls && err == -EPROTO)
		return tls_why(k->tls);
	return strerror(-err);
}

static void conn_close(struct aws_conn *k)
{
	if (k->tls)
		tls_fini(k->tls);
	net_close(&k->net);
	k->open = 0;
}

/* Tunnel through the HTTPS proxy, if HOST has one, with CONNECT (RFC 9110
 * 9.3.6): 0 with NC connected to HOST:PORT through it, 1 when HOST is to
 * be reached directly, or -errno with C->error set. */
static int proxy_connect(struct aws_client *c, struct net_conn *nc,
			 const char *host, unsigned port)
{
	char phost[256], target[300];
	unsigned pport;
	int err;
	struct http_response *rs;
	struct stream s;
	struct http_request rq = {"CONNECT", target, target, NULL, 0, NULL, 0};
	char body[64];

	err = aws_proxy(host, phost, sizeof(phost), &pport);
	if (err == 1)
		return 1; /* connect directly */
	if (err) {
		/* Not the variable's value: it may hold a user:password. */
		aws_set_error(c, -EINVAL, "HTTPS_PROXY", NULL,
			      "not an http://HOST:PORT URL",
			      "proxy authentication (user:password@) is not "
			      "supported");
		return -EINVAL;
	}
	err = net_connect(nc, phost, pport, nc->deadline);
	if (err) {
		aws_set_error(c, err, phost, NULL, "cannot reach the proxy",
			      "check HTTPS_PROXY");
		return err;
	}
	snprintf(target, sizeof(target), "%s:%u", host, port);
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	rs->body = body;
	rs->body_cap = sizeof(body);
	s = net_stream(nc);
	err = http_exchange(&s, &rq, rs);
	if (!err && rs->status / 100 != 2) {
		char msg[400];

		snprintf(msg, sizeof(msg), "proxy refused CONNECT %s: HTTP %d",
			 target, rs->status);
		/* A proxy's 5xx is its trouble reaching AWS (temporary); a
		 * 4xx is policy: forbidden, or it wants credentials. */
		err = rs->status >= 500 ? -EHOSTUNREACH : -EACCES;
		aws_set_error(c, err, phost, NULL, msg,
			      "check HTTPS_PROXY and NO_PROXY");
	} else if (err) {
		aws_set_error(c, err, phost, NULL, "proxy CONNECT failed",
			      NULL);
	}
	free(rs);
	if (err)
		net_close(nc);
	return err;
}

/* The kept-alive connection to host:port, opened when needed. */
static struct aws_conn *conn_get(struct aws_client *c, const char *host,
				 unsigned port, int use_tls, int64_t until,
				 int *errp)
{
	char key[300];
	struct aws_conn *k = NULL;
	int i, err;

	snprintf(key, sizeof(key), "%s:%u:%d", host, port, use_tls);
	for (i = 0; i < AWS_CONNS; i++)
		if (!strcmp(c->conns[i].key, key)) {
			k = &c->conns[i];
			break;
		}
	if (!k) {
		for (i = 0; i < AWS_CONNS && c->conns[i].key[0]; i++)
			;
		if (i == AWS_CONNS) {
			i = 0;
			conn_close(&c->conns[0]);
		}
		k = &c->conns[i];
		snprintf(k->key, sizeof(k->key), "%s", key);
	}
	k->net.deadline = until;
	if (k->open)
		return k;
	k->uses = 0;
	c->connects++;
	err = proxy_connect(c, &k->net, host, port);
	if (err < 0)
		goto out_err;
	if (err == 1) {
		err = net_connect(&k->net, host, port, until);
		if (err) {
			aws_set_error(c, err, host, NULL,
				      err == -ENOENT
					      ? "the name does not resolve"
					      : strerror(-err),
				      NULL);
			goto out_err;
		}
	}
	if (use_tls) {
		if (!k->tls)
			k->tls = secret_alloc(c->arena, tls_size());
		if (!k->tls) {
			err = -ENOMEM;
			aws_set_error(c, err, host, NULL, "secret arena full",
				      NULL);
			net_close(&k->net);
			goto out_err;
		}
		err = tls_open(k->tls, net_stream(&k->net), host, &c->trust);
		if (err) {
			char why[200];
			int net = tls_net_error(k->tls);

			if (net && net != -ENODATA)
				snprintf(why, sizeof(why), "TLS handshake: %s",
					 transport_why(NULL, err));
			else
				snprintf(why, sizeof(why), "TLS: %s",
					 tls_why(k->tls));
			aws_set_error(
				c, err, host, NULL, why,
				err == -EKEYREJECTED
					? "a TLS-intercepting proxy needs its CA in AWS_CA_BUNDLE or --ca-file"
					: NULL);
			conn_close(k);
			goto out_err;
		}
	}
	k->open = 1;
	return k;
out_err:
	*errp = err;
	return NULL;
}

/* Credentials to sign with: loaded once, and again when they near their
 * expiry (an instance role's rotate). 0, or -errno with C->error set. */
static int load_creds(struct aws_client *c)
{
	struct msg_error e;
	int err;

	if (c->have_creds && !creds_expiring(c->creds, time(NULL)))
		return 0;
	if (!c->creds)
		c->creds = secret_alloc(c->arena, sizeof(*c->creds));
	if (!c->creds)
		return -ENOMEM;
	err = creds_load(c->creds, &c->imds, c->opts.profile, c->deadline, &e);
	if (err) {
		aws_set_error(c, err == -ENOKEY ? -EACCES : err, "credentials",
			      NULL, e.why,
			      err == -ENOKEY ? "on EC2, attach an instance "
					       "profile; elsewhere set "
					       "AWS_ACCESS_KEY_ID/"
					       "AWS_SECRET_ACCESS_KEY or a "
					       "profile"
					     : c->imds.hint);
		return c->error.err;
	}
	c->have_creds = 1;
	return 0;
}

/* Does the answer say our clock is off (the request's date outside the
 * server's window)? */
static int skew_code(const char *code, const char *msg)
{
	return !strcmp(code, "RequestTimeTooSkewed") ||
	       !strcmp(code, "RequestExpired") ||
	       !strcmp(code, "RequestInTheFuture") ||
	       (!strcmp(code, "InvalidSignatureException") &&
		strstr(msg, "expired")) ||
	       (!strcmp(code, "InvalidSignatureException") &&
		strstr(msg, "Signature not yet current"));
}

/* Seconds since the epoch from an RFC 7231 IMF-fixdate, 0 if unparsable. */
static time_t parse_http_date(const char *s)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tm tm = {0};
	char mon[4];
	const char *m;

	if (!s ||
	    sscanf(s, "%*3s, %2d %3s %4d %2d:%2d:%2d GMT", &tm.tm_mday, mon,
		   &tm.tm_year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	m = strstr(months, mon);
	if (!m || (m - months) % 3)
		return 0;
	tm.tm_mon = (int)(m - months) / 3;
	tm.tm_year -= 1900;
	return timegm(&tm);
}

/* One signed attempt. 0 with the response in RS, or a transport -errno. */
static int attempt_once(struct aws_client *c, struct aws_conn *k,
			const char *service, const char *region,
			const char *host, unsigned port, const char *target,
			const char *body, size_t len, struct http_response *rs)
{
	char hosthdr[300], date[20], auth[512];
	struct sigv4_header sh[5];
	struct http_header hh[5];
	struct sigv4_request sr;
	struct sigv4_creds sc = {c->creds->access_key, c->creds->secret_key,
				 c->creds->token[0] ? c->creds->token : NULL};
	struct http_request rq;
	struct stream s;
	time_t t = time(NULL) + c->skew;
	struct tm tm;
	size_t n = 0;
	int err;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
	if (port == (k->tls ? 443u : 80u))
		snprintf(hosthdr, sizeof(hosthdr), "%s", host);
	else
		snprintf(hosthdr, sizeof(hosthdr), "%s:%u", host, port);
	sh[n++] = (struct sigv4_header){"content-type",
					"application/x-amz-json-1.1"};
	sh[n++] = (struct sigv4_header){"host", hosthdr};
	sh[n++] = (struct sigv4_header){"x-amz-date", date};
	if (sc.session_token)
		sh[n++] = (struct sigv4_header){"x-amz-security-token",
						sc.session_token};
	sh[n++] = (struct sigv4_header){"x-amz-target", target};
	sr = (struct sigv4_request){.method = "POST",
				    .path = "/",
				    .query = NULL,
				    .headers = sh,
				    .nheaders = n,
				    .body = body,
				    .body_len = len,
				    .service = service,
				    .region = region,
				    .amz_date = date};
	err = sigv4_authorization(&sr, &sc, auth, sizeof(auth));
	if (err < 0)
		return err;
	n = 0;
	hh[n++] = (struct http_header){"Content-Type",
				       "application/x-amz-json-1.1"};
	hh[n++] = (struct http_header){"X-Amz-Date", date};
	hh[n++] = (struct http_header){"X-Amz-Target", target};
	if (sc.session_token)
		hh[n++] = (struct http_header){"X-Amz-Security-Token",
					       sc.session_token};
	hh[n++] = (struct http_header){"Authorization", auth};
	rq = (struct http_request){"POST", "/", hosthdr, hh, n, body, len};
	s = k->tls ? tls_stream(k->tls) : net_stream(&k->net);
	err = http_exchange(&s, &rq, rs);
	secret_wipe(auth, sizeof(auth));
	return err;
}

/* When this attempt must end: its share of the budget, within the run's. */
static int64_t attempt_deadline(const struct aws_client *c)
{
	int64_t per = (int64_t)c->opts.timeout_s * 1000 / c->opts.max_attempts;

	if (per < AWS_ATTEMPT_MIN_MS)
		per = AWS_ATTEMPT_MIN_MS;
	return deadline_within(per, c->deadline);
}

int aws_call(struct aws_client *c, const char *service, const char *region,
	     const char *target, const char *body, size_t len, char *resp,
	     size_t cap)
{
	char host[256], code[96], msg[384];
	unsigned port;
	int use_tls, err, skewed = 0, stale = 0, retryable = 0, renewed = 0;
	int retry, throttled = 0;
	int64_t after = -1, t0;
	struct http_response *rs;
	struct aws_conn *k;
	struct retry rt;

	memset(&c->error, 0, sizeof(c->error));
	c->attempts = 0;
	if (!region)
		region = aws_region(c);
	if (!region)
		return c->error.err;
	err = aws_endpoint(c, service, region, host, sizeof(host), &port,
			   &use_tls);
	if (err) {
		aws_endpoint_error(c, service, err);
		return c->error.err;
	}
	snprintf(c->last_host, sizeof(c->last_host), "%s", host);
	snprintf(c->last_region, sizeof(c->last_region), "%s", region);
	err = load_creds(c);
	if (err)
		return err;
	rs = c->rs;
	rs->body = resp;
	rs->body_cap = cap;
	retry_init(&rt, c->opts.retry_mode, c->opts.max_attempts, c->deadline,
		   c->clock);
	t0 = rt.clk->now_ms(rt.clk->arg);
	for (;;) {
		err = 0;
		c->attempts++;
		k = conn_get(c, host, port, use_tls, attempt_deadline(c), &err);
		if (k) {
			unsigned reused = k->uses;

			err = attempt_once(c, k, service, region, host, port,
					   target, body, len, rs);
			if (!err)
				k->uses++;
			if (err || !rs->keep_alive)
				conn_close(k);
			if (err == -ECONNABORTED && reused && !stale) {
				/* The server had closed this kept-alive
				 * connection: reconnect once, no attempt
				 * spent (nothing reached it). */
				stale = 1;
				c->attempts--;
				continue;
			}
			if (err)
				aws_set_error(c, err, host, NULL,
					      transport_why(k, err), NULL);
		}
		if (!err && rs->status == 200) {
			err = (int)rs->body_len;
			break;
		}
		if (!err) {
			aws_parse_error(rs->body, rs->body_len, code,
					sizeof(code), msg, sizeof(msg));
			if (!code[0])
				snprintf(code, sizeof(code), "HTTP%d",
					 rs->status);
			aws_set_error(
				c, aws_error_class(code, rs->status, &retry),
				host, code, msg, aws_error_hint(target, code));
			c->error.status = rs->status;
			err = c->error.err;
			if (!skewed && skew_code(code, msg)) {
				time_t srv = parse_http_date(
					http_header_get(rs, "Date"));

				skewed = 1;
				if (srv) {
					c->skew = (long)(srv - time(NULL));
					continue; /* re-sign, once */
				}
			}
			if (!renewed && c->creds->expiration &&
			    (!strcmp(code, "ExpiredTokenException") ||
			     !strcmp(code, "ExpiredToken"))) {
				/* The instance role's session ended before
				 * the expiry IMDS stated, by our clock (a
				 * clock behind, a long run): IMDS has
				 * rotated them; fetch those and re-sign,
				 * once. */
				renewed = 1;
				c->have_creds = 0;
				retryable = 0;
				err = load_creds(c);
				if (!err)
					continue;
				break;
			}
			retryable = retry;
			throttled = aws_error_throttling(code);
			after = retry_after_ms(
				http_header_get(rs, "Retry-After"));
		} else {
			retryable = transient(err);
			throttled = 0;
			after = -1;
		}
		if (!retryable || retry_wait(&rt, throttled, after) < 0 ||
		    now_ms() >= c->deadline)
			break;
	}
	/* Still failing with what a later retry may cure: temporary. */
	if (err < 0 && retryable) {
		size_t n = strlen(c->error.message);
		long long secs =
			(rt.clk->now_ms(rt.clk->arg) - t0 + 500) / 1000;

		/* How hard it tried, and what stopped it. */
		if (rt.why && !strcmp(rt.why, "the attempt limit"))
			snprintf(c->error.message + n,
				 sizeof(c->error.message) - n,
				 "%s(%u attempts in %lld s: the limit of this "
				 "command)",
				 n ? " " : "", c->attempts, secs);
		else
			snprintf(c->error.message + n,
				 sizeof(c->error.message) - n,
				 "%s(%u attempts in %lld s: deadline of %lld s "
				 "reached)",
				 n ? " " : "", c->attempts, secs,
				 /* this call's: a token's share of --timeout */
				 (long long)(c->deadline - t0 + 500) / 1000);
		if (!transient(c->error.err) || c->error.err == -EBADMSG)
			c->error.err = -EAGAIN;
		err = c->error.err;
	}
	http_response_wipe(rs);
	return err;
}

void aws_conns_close(struct aws_client *c)
{
	int i;

	for (i = 0; i < AWS_CONNS; i++)
		conn_close(&c->conns[i]);
}
