/* aws.c - signed AWS JSON 1.1 calls with endpoints, keep-alive,
 * retries, clock-skew correction and actionable errors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: aws.h.
 */
#include "kms/aws.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "kms/http.h"
#include "kms/json.h"
#include "kms/net.h"
#include "lib/msg.h"
#include "kms/sigv4.h"

#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_ATTEMPTS 3
#define MAX_BACKOFF_MS 20000

static void set_error(struct aws_client *c, int err, const char *where,
		      const char *code, const char *msg, const char *hint)
{
	struct aws_error *e = &c->error;

	e->err = err;
	e->status = 0;
	snprintf(e->where, sizeof(e->where), "%s", where ? where : "");
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	snprintf(e->message, sizeof(e->message), "%s", msg ? msg : "");
	e->hint = hint;
}

int aws_init(struct aws_client *c, struct secret_arena *arena,
	     const struct aws_opts *o)
{
	const char *bundle = getenv("AWS_CA_BUNDLE");
	int err;

	memset(c, 0, sizeof(*c));
	c->arena = arena;
	c->opts = *o;
	if (c->opts.timeout_s <= 0)
		c->opts.timeout_s = DEFAULT_TIMEOUT_S;
	if (c->opts.max_attempts <= 0)
		c->opts.max_attempts = DEFAULT_ATTEMPTS;
	c->deadline = now_ms() + (int64_t)c->opts.timeout_s * 1000;
	for (int i = 0; i < AWS_CONNS; i++)
		c->conns[i].net.fd = -1;
	c->rs = secret_alloc(arena, sizeof(*c->rs));
	c->req = secret_alloc(arena, AWS_REQ_MAX);
	c->resp = secret_alloc(arena, AWS_RESP_MAX);
	c->scratch = secret_alloc(arena, AWS_REQ_MAX);
	if (!c->rs || !c->req || !c->resp || !c->scratch) {
		set_error(c, -ENOMEM, "luksbox", NULL, "secret arena full",
			  NULL);
		return -ENOMEM;
	}
	err = imds_init(&c->imds, o->imds_v1);
	if (err) {
		set_error(c, err, "luksbox", NULL, c->imds.why,
			  "fix or unset that variable");
		return err;
	}
	/* An instance role's keys cross these: locked memory. */
	c->imds.rs = secret_alloc(arena, sizeof(*c->imds.rs));
	c->imds.doc = secret_alloc(arena, IMDS_DOC_MAX);
	/* The session token and the role name: a bearer credential and
	 * what leads to the role's keys. */
	c->imds.sec = secret_alloc(arena, sizeof(*c->imds.sec));
	if (!c->imds.rs || !c->imds.doc || !c->imds.sec) {
		set_error(c, -ENOMEM, "luksbox", NULL, "secret arena full",
			  NULL);
		return -ENOMEM;
	}
	err = tls_trust_init(&c->trust, 1);
	if (err)
		return err;
	if (bundle && *bundle) {
		err = tls_trust_add_pem(&c->trust, bundle);
		if (err < 0) {
			set_error(c, err, bundle, NULL,
				  "cannot load AWS_CA_BUNDLE certificates",
				  NULL);
			return err;
		}
	}
	if (o->ca_file) {
		err = tls_trust_add_pem(&c->trust, o->ca_file);
		if (err < 0) {
			set_error(c, err, o->ca_file, NULL,
				  "cannot load --ca-file certificates", NULL);
			return err;
		}
	}
	return 0;
}

static int valid_region(const char *r)
{
	size_t n = strlen(r);

	if (n == 0 || n >= 32)
		return 0;
	for (; *r; r++)
		if (!islower((unsigned char)*r) &&
		    !isdigit((unsigned char)*r) && *r != '-')
			return 0;
	return 1;
}

const char *aws_region_explicit(const struct aws_client *c)
{
	const char *r = c->opts.region;

	if (!r || !*r)
		r = getenv("AWS_REGION");
	if (!r || !*r)
		r = getenv("AWS_DEFAULT_REGION");
	return r && *r ? r : NULL;
}

const char *aws_region(struct aws_client *c)
{
	const char *r = aws_region_explicit(c);
	char buf[64];
	int n;

	if (c->region[0])
		return c->region;
	if (r) {
		if (!valid_region(r)) {
			set_error(c, -EINVAL, r, NULL, "not a region name",
				  NULL);
			return NULL;
		}
		strcpy(c->region, r);
		return c->region;
	}
	n = imds_get(&c->imds, "/latest/meta-data/placement/region", buf,
		     sizeof(buf), c->deadline);
	if (n < 0) {
		set_error(c, n, "IMDS", NULL, c->imds.why,
			  c->imds.hint ? c->imds.hint
				       : "set --region or AWS_REGION, or use a "
					 "key ARN");
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = 0;
	if (!valid_region(buf)) {
		set_error(c, -EBADMSG, "IMDS", NULL,
			  "placement/region is not a region name", NULL);
		return NULL;
	}
	strcpy(c->region, buf);
	return c->region;
}

int aws_arn_region(const char *s, char *out, size_t cap)
{
	const char *p = s;
	size_t n;
	int i;

	if (strncmp(s, "arn:", 4))
		return -EINVAL;
	for (i = 0; i < 3; i++) { /* skip arn, partition, service */
		p = strchr(p, ':');
		if (!p)
			return -EINVAL;
		p++;
	}
	n = strcspn(p, ":");
	if (!p[n] || n == 0 || n >= cap)
		return -EINVAL;
	memcpy(out, p, n);
	out[n] = 0;
	return valid_region(out) ? 0 : -EINVAL;
}

/* The explicit endpoint URL for SERVICE and the name of where it came
 * from (*SRC: "--endpoint" or the variable, kept in VAR), or NULL. */
static const char *endpoint_url(const struct aws_client *c, const char *service,
				char *var, size_t cap, const char **src)
{
	const char *url;
	size_t i;
	int n;

	n = snprintf(var, cap, "AWS_ENDPOINT_URL_%s", service);
	if (n < 0 || (size_t)n >= cap)
		return NULL; /* a longer name would run past VAR */
	for (i = 17; i < (size_t)n; i++)
		var[i] = (char)toupper((unsigned char)var[i]);
	/* The explicit option first, as the AWS CLI's --endpoint-url. */
	*src = "--endpoint";
	url = c->opts.endpoint_url;
	if (!url || !*url) {
		*src = var;
		url = getenv(var);
	}
	if (!url || !*url) {
		*src = "AWS_ENDPOINT_URL";
		url = getenv("AWS_ENDPOINT_URL");
	}
	return url && *url ? url : NULL;
}

int aws_endpoint(const struct aws_client *c, const char *service,
		 const char *region, char *host, size_t cap, unsigned *port,
		 int *tls)
{
	char var[64];
	const char *url, *src, *fips = getenv("AWS_USE_FIPS_ENDPOINT");
	int n;

	if (strlen(service) + 18 > sizeof(var))
		return -EINVAL;
	url = endpoint_url(c, service, var, sizeof(var), &src);
	if (url) {
		n = net_parse_url(url, host, cap, port, tls);
		/* Plain HTTP would carry the signed request and the session
		 * token in clear and take a plaintext key back from anyone
		 * on the path: KMS and SSM are reached over TLS only. */
		if (!n && !*tls && !c->opts.plain_http)
			return -EPROTONOSUPPORT;
		return n;
	}
	if (!valid_region(region))
		return -EINVAL;
	*port = 443;
	*tls = 1;
	n = snprintf(host, cap, "%s%s.%s.%s", service,
		     fips && !strcasecmp(fips, "true") ? "-fips" : "", region,
		     !strncmp(region, "cn-", 3) ? "amazonaws.com.cn"
						: "amazonaws.com");
	return n > 0 && (size_t)n < cap ? 0 : -EINVAL;
}

/* Why the endpoint for SERVICE was refused, naming its source and the
 * URL's scheme (letters only: the value is never echoed whole, it may
 * carry a user:password). */
static void endpoint_error(struct aws_client *c, const char *service, int err)
{
	char var[64], scheme[16], msg[384];
	const char *src = "endpoint", *url;
	size_t n = 0;

	url = endpoint_url(c, service, var, sizeof(var), &src);
	if (!url || err != -EPROTONOSUPPORT) {
		set_error(c, -EINVAL, url ? src : service, NULL,
			  "bad endpoint URL or region",
			  "an endpoint (--endpoint, AWS_ENDPOINT_URL_*) is "
			  "https://HOST[:PORT] with nothing else");
		return;
	}
	while (n + 1 < sizeof(scheme) && isalpha((unsigned char)url[n])) {
		scheme[n] = url[n];
		n++;
	}
	scheme[n] = 0;
	snprintf(msg, sizeof(msg),
		 "refusing a %s:// endpoint for %s: the signed request and "
		 "session token would cross the network in clear and the key "
		 "would come back unauthenticated",
		 scheme, service);
	set_error(c, -EPROTONOSUPPORT, src, NULL, msg,
		  "use https://HOST[:PORT] (a proxy goes in HTTPS_PROXY)");
}

/* Does NO_PROXY exempt HOST? "*", exact names, and domain suffixes. */
static int no_proxy(const char *host)
{
	const char *np = getenv("NO_PROXY");
	char item[256];
	size_t hl = strlen(host);

	if (!np)
		np = getenv("no_proxy");
	while (np && *np) {
		size_t n = strcspn(np, ", ");
		const char *it = item;
		size_t il;

		if (n && n < sizeof(item)) {
			memcpy(item, np, n);
			item[n] = 0;
			if (!strcmp(item, "*"))
				return 1;
			if (*it == '.')
				it++;
			il = strlen(it);
			if (il <= hl && !strcasecmp(host + hl - il, it) &&
			    (il == hl || host[hl - il - 1] == '.'))
				return 1;
		}
		np += n;
		np += strspn(np, ", ");
	}
	return 0;
}

/* Tunnel through an HTTP proxy with CONNECT (RFC 9110 9.3.6). */
static int proxy_connect(struct aws_client *c, struct net_conn *nc,
			 const char *host, unsigned port)
{
	const char *p = getenv("HTTPS_PROXY");
	char phost[256], target[300];
	unsigned pport;
	int ptls, err;
	struct http_response *rs;
	struct stream s;
	struct http_request rq = {"CONNECT", target, target, NULL, 0, NULL, 0};
	char body[64];

	if (!p || !*p)
		p = getenv("https_proxy");
	if (!p || !*p || no_proxy(host))
		return 1; /* connect directly */
	if (net_parse_url(p, phost, sizeof(phost), &pport, &ptls) || ptls) {
		/* Not P itself: it may hold a user:password. */
		set_error(c, -EINVAL, "HTTPS_PROXY", NULL,
			  "not an http://HOST:PORT URL",
			  "proxy authentication (user:password@) is not "
			  "supported");
		return -EINVAL;
	}
	err = net_connect(nc, phost, pport, nc->deadline);
	if (err) {
		set_error(c, err, phost, NULL, "cannot reach the proxy",
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
		set_error(c, err, phost, NULL, msg,
			  "check HTTPS_PROXY and NO_PROXY");
	} else if (err) {
		set_error(c, err, phost, NULL, "proxy CONNECT failed", NULL);
	}
	free(rs);
	if (err)
		net_close(nc);
	return err;
}

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
			set_error(c, err, host, NULL,
				  err == -ENOENT ? "the name does not resolve"
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
			set_error(c, err, host, NULL, "secret arena full",
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
			set_error(
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

static int load_creds(struct aws_client *c)
{
	char why[300];
	int err;

	if (c->have_creds && !creds_expiring(c->creds, time(NULL)))
		return 0;
	if (!c->creds)
		c->creds = secret_alloc(c->arena, sizeof(*c->creds));
	if (!c->creds)
		return -ENOMEM;
	err = creds_load(c->creds, &c->imds, c->opts.profile, c->deadline, why,
			 sizeof(why));
	if (err) {
		set_error(c, err == -ENOKEY ? -EACCES : err, "credentials",
			  NULL, why,
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

/* Error codes the SDKs retry (standard mode: throttling and transient). */
static int retryable_code(const char *code)
{
	static const char *const codes[] = {
		"Throttling",
		"ThrottlingException",
		"ThrottledException",
		"RequestThrottledException",
		"TooManyRequestsException",
		"ProvisionedThroughputExceededException",
		"TransactionInProgressException",
		"RequestLimitExceeded",
		"BandwidthLimitExceeded",
		"LimitExceededException",
		"RequestThrottled",
		"SlowDown",
		"PriorRequestNotComplete",
		"EC2ThrottledException",
		"KMSInternalException",
		"DependencyTimeoutException",
		"InternalServerError",
		"InternalFailure",
		"ServiceUnavailable",
		"RequestTimeout",
		"RequestTimeoutException",
	};
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (!strcmp(code, codes[i]))
			return 1;
	return 0;
}

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

/* Text between <TAG> and </TAG> in XML (moto's auth errors are XML). */
static void xml_field(const char *xml, const char *tag, char *out, size_t cap)
{
	char open[40], close[40];
	const char *a, *b;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = strstr(xml, open);
	if (!a)
		return;
	a += strlen(open);
	b = strstr(a, close);
	if (!b || (size_t)(b - a) >= cap)
		return;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = 0;
}

/* Control characters become spaces: a server's text goes to terminals,
 * the console and syslog, and must stay one harmless line. */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

/* Error code and message from an error body, whatever its shape. */
static void parse_error(const char *body, size_t len, char *code, size_t ccap,
			char *msg, size_t mcap)
{
	struct json *j = calloc(1, sizeof(*j));
	char *hash;

	code[0] = msg[0] = 0;
	if (j && !json_parse(j, body, len)) {
		if (json_get_string(j, 0, "__type", code, ccap) < 0)
			json_get_string(j, 0, "code", code, ccap);
		if (json_get_string(j, 0, "message", msg, mcap) < 0)
			json_get_string(j, 0, "Message", msg, mcap);
	} else if (strstr(body, "<Code>")) {
		xml_field(body, "Code", code, ccap);
		xml_field(body, "Message", msg, mcap);
	} else {
		snprintf(msg, mcap, "%.*s", (int)(len > 200 ? 200 : len), body);
	}
	free(j);
	/* "com.amazonaws.kms#NotFoundException" -> "NotFoundException" */
	hash = strrchr(code, '#');
	if (hash)
		memmove(code, hash + 1, strlen(hash));
	code[strcspn(code, ":")] = 0; /* some shapes append ":http://..." */
	one_line(code);
	one_line(msg);
}

void aws_parse_error(const char *body, size_t len, char *code, size_t ccap,
		     char *msg, size_t mcap)
{
	parse_error(body, len, code, ccap, msg, mcap);
}

static int errno_of_code(const char *code, int status)
{
	static const struct {
		const char *code;
		int err;
	} map[] = {
		{"AccessDeniedException", -EACCES},
		{"AccessDenied", -EACCES},
		{"UnrecognizedClientException", -EACCES},
		{"InvalidSignatureException", -EACCES},
		{"SignatureDoesNotMatch", -EACCES},
		{"IncompleteSignature", -EACCES},
		{"ExpiredTokenException", -EACCES},
		{"InvalidClientTokenId", -EACCES},
		{"MissingAuthenticationToken", -EACCES},
		{"NotFoundException", -ENOENT},
		{"ParameterNotFound", -ENOENT},
		{"ParameterVersionNotFound", -ENOENT},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(code, map[i].code))
			return map[i].err;
	if (status == 403)
		return -EACCES;
	if (status >= 500 || retryable_code(code))
		return -EAGAIN;
	return -EINVAL;
}

int aws_error_class(const char *code, int status, int *retry)
{
	/* What aws_call() decides for an error answer. */
	if (retry)
		*retry = status >= 500 || retryable_code(code);
	return errno_of_code(code, status);
}

/* The permission an AccessDenied on TARGET is about. */
static const char *access_hint(const char *target)
{
	static const struct {
		const char *target, *hint;
	} map[] = {
		{"TrentService.Decrypt",
		 "the role needs kms:Decrypt on this key (and any "
		 "kms:EncryptionContext condition must match the context)"},
		{"TrentService.Encrypt",
		 "the role needs kms:Encrypt on this key"},
		{"TrentService.GenerateDataKey",
		 "the role needs kms:GenerateDataKey on this key"},
		{"TrentService.ReEncrypt",
		 "the role needs kms:ReEncryptFrom on the blob's key and "
		 "kms:ReEncryptTo on the new one"},
		{"TrentService.DescribeKey",
		 "the role needs kms:DescribeKey on this key"},
		{"TrentService.GenerateRandom",
		 "the role needs kms:GenerateRandom"},
		{"AmazonSSM.GetParameter",
		 "the role needs ssm:GetParameter on the parameter (and "
		 "kms:Decrypt on its key for a SecureString)"},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(target, map[i].target))
			return map[i].hint;
	return "the credentials lack the permission this call needs";
}

static const char *hint_of(const char *target, const char *code)
{
	if (!strcmp(code, "AccessDeniedException") ||
	    !strcmp(code, "AccessDenied"))
		return access_hint(target);
	if (!strcmp(code, "UnrecognizedClientException") ||
	    !strcmp(code, "InvalidClientTokenId"))
		return "the credentials are not valid here (wrong account, "
		       "partition or expired keys)";
	if (!strcmp(code, "InvalidSignatureException") ||
	    !strcmp(code, "SignatureDoesNotMatch"))
		return "check the secret key and the system clock";
	if (!strcmp(code, "InvalidCiphertextException"))
		return "the blob was not made for this key and encryption "
		       "context (another volume's blob?)";
	if (!strcmp(code, "IncorrectKeyException"))
		return "the blob was made under another key than --key-id";
	if (!strcmp(code, "NotFoundException"))
		return "check the key id, alias and region";
	if (!strcmp(code, "ParameterNotFound"))
		return "check the parameter name and region";
	if (!strcmp(code, "DisabledException") ||
	    !strcmp(code, "KMSInvalidStateException"))
		return "the KMS key is disabled or pending deletion: "
		       "enable it (CancelKeyDeletion/EnableKey)";
	return NULL;
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

/* Standard mode backoff: random in [0, min(2^attempt s, 20 s)). */
static void backoff(struct aws_client *c, unsigned attempt)
{
	uint32_t r = 0;
	int64_t cap = attempt >= 5 ? MAX_BACKOFF_MS : 1000LL << attempt;
	int64_t ms, left;

	if (cap > MAX_BACKOFF_MS)
		cap = MAX_BACKOFF_MS;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint32_t)now_ms();
	ms = (int64_t)(r % (uint32_t)cap);
	left = c->deadline - now_ms();
	if (ms > left)
		ms = left > 0 ? left : 0;
	if (ms > 0) {
		struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

		nanosleep(&ts, NULL);
	}
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
	int64_t until;

	if (per < AWS_ATTEMPT_MIN_MS)
		per = AWS_ATTEMPT_MIN_MS;
	until = now_ms() + per;
	return until < c->deadline ? until : c->deadline;
}

int aws_call(struct aws_client *c, const char *service, const char *region,
	     const char *target, const char *body, size_t len, char *resp,
	     size_t cap)
{
	char host[256], code[96], msg[384];
	unsigned port, attempt = 0;
	int use_tls, err, skewed = 0, stale = 0, retryable = 0, renewed = 0;
	struct http_response *rs;
	struct aws_conn *k;

	memset(&c->error, 0, sizeof(c->error));
	c->attempts = 0;
	if (!region)
		region = aws_region(c);
	if (!region)
		return c->error.err;
	err = aws_endpoint(c, service, region, host, sizeof(host), &port,
			   &use_tls);
	if (err) {
		endpoint_error(c, service, err);
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
				set_error(c, err, host, NULL,
					  transport_why(k, err), NULL);
		}
		if (!err && rs->status == 200) {
			err = (int)rs->body_len;
			break;
		}
		if (!err) {
			parse_error(rs->body, rs->body_len, code, sizeof(code),
				    msg, sizeof(msg));
			if (!code[0])
				snprintf(code, sizeof(code), "HTTP%d",
					 rs->status);
			set_error(c, errno_of_code(code, rs->status), host,
				  code, msg, hint_of(target, code));
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
			retryable = rs->status >= 500 || retryable_code(code);
		} else {
			retryable = transient(err);
		}
		if (!retryable)
			break;
		if (++attempt >= (unsigned)c->opts.max_attempts ||
		    now_ms() >= c->deadline)
			break;
		backoff(c, attempt - 1);
		if (now_ms() >= c->deadline)
			break;
	}
	/* Still failing with what a later retry may cure: temporary. */
	if (err < 0 && retryable) {
		if (now_ms() >= c->deadline && c->error.err != -ETIMEDOUT) {
			size_t n = strlen(c->error.message);

			snprintf(c->error.message + n,
				 sizeof(c->error.message) - n,
				 "%s(deadline of %d s reached)", n ? " " : "",
				 c->opts.timeout_s);
		}
		if (!transient(c->error.err) || c->error.err == -EBADMSG)
			c->error.err = -EAGAIN;
		err = c->error.err;
	}
	http_response_wipe(rs);
	return err;
}

void aws_error_format(const struct aws_error *e, char *out, size_t cap)
{
	size_t n;

	if (e->code[0])
		n = (size_t)snprintf(out, cap, "%s: %s (at %s)", e->code,
				     e->message[0] ? e->message : "no message",
				     e->where);
	else
		n = (size_t)snprintf(out, cap, "%s: %s", e->where,
				     e->message[0] ? e->message
						   : strerror(-e->err));
	if (e->hint && n < cap)
		snprintf(out + n, cap - n, "; hint: %s", e->hint);
}

void aws_fini(struct aws_client *c)
{
	int i;

	for (i = 0; i < AWS_CONNS; i++)
		conn_close(&c->conns[i]);
	if (c->creds)
		creds_wipe(c->creds);
	imds_fini(&c->imds);
	tls_trust_fini(&c->trust);
}
