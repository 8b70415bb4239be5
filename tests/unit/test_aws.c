/* test_aws.c - the AWS client, layer by layer: kms/endpoint (endpoints,
 * regions, ARNs), kms/errors (error shapes, retry classes, messages), and
 * kms/call's aws_call() against a loopback fake (attempts, retries, skew
 * correction, keep-alive).
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide ("Service-specific endpoints",
 *      "Retry behavior", "Dual-stack and FIPS endpoints").
 */
#define T_SUITE "unit/aws"
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "t.h"
#include "fake_http.h"
#include "crypto/secret.h"
#include "kms/aws.h"
#include "lib/clock.h"
#include "lib/msg.h"

static struct aws_client c;
static struct secret_arena arena;

static const char *const env_vars[] = {
	"AWS_ENDPOINT_URL",	 "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_SSM",
	"AWS_USE_FIPS_ENDPOINT", "AWS_REGION",		 "AWS_DEFAULT_REGION",
	"AWS_PROFILE",		 "AWS_CA_BUNDLE",	 "AWS_SESSION_TOKEN",
	"HTTPS_PROXY",		 "https_proxy",
};

static void clean_env(void)
{
	size_t i;

	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	/* Never reach a real metadata service from a unit test. */
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/luksbox-test", 1);
}

/* aws_endpoint() for SERVICE in REGION: "host port tls" or "-errno". */
static const char *ep(const char *opt_url, const char *service,
		      const char *region)
{
	static char out[400];
	char host[256];
	unsigned port = 0;
	int tls = -1, r;

	memset(&c, 0, sizeof(c));
	c.opts.endpoint_url = opt_url;
	r = aws_endpoint(&c, service, region, host, sizeof(host), &port, &tls);
	if (r)
		snprintf(out, sizeof(out), "%d", r);
	else
		snprintf(out, sizeof(out), "%s %u %d", host, port, tls);
	return out;
}

#define EP(want, url, svc, region)                                          \
	do {                                                                \
		const char *url_ = (url), *got_ = ep(url_, svc, region);    \
		CHECKF(!strcmp(got_, want), "%s %s %s: got '%s' want '%s'", \
		       url_ ? url_ : "-", svc, region, got_, want);         \
	} while (0)

static void test_endpoint_partitions(void)
{
	clean_env();
	EP("kms.us-east-1.amazonaws.com 443 1", NULL, "kms", "us-east-1");
	EP("ssm.eu-west-1.amazonaws.com 443 1", NULL, "ssm", "eu-west-1");
	EP("kms.cn-north-1.amazonaws.com.cn 443 1", NULL, "kms", "cn-north-1");
	EP("kms.cn-northwest-1.amazonaws.com.cn 443 1", NULL, "kms",
	   "cn-northwest-1");
	EP("kms.us-gov-west-1.amazonaws.com 443 1", NULL, "kms",
	   "us-gov-west-1");
	setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
	EP("kms-fips.us-east-1.amazonaws.com 443 1", NULL, "kms", "us-east-1");
	EP("kms-fips.us-gov-east-1.amazonaws.com 443 1", NULL, "kms",
	   "us-gov-east-1");
	setenv("AWS_USE_FIPS_ENDPOINT", "TRUE", 1);
	EP("ssm-fips.ca-central-1.amazonaws.com 443 1", NULL, "ssm",
	   "ca-central-1");
	setenv("AWS_USE_FIPS_ENDPOINT", "false", 1);
	EP("kms.us-east-1.amazonaws.com 443 1", NULL, "kms", "us-east-1");
	setenv("AWS_USE_FIPS_ENDPOINT", "1", 1); /* only "true" counts */
	EP("kms.us-east-1.amazonaws.com 443 1", NULL, "kms", "us-east-1");
	unsetenv("AWS_USE_FIPS_ENDPOINT");
	/* Not region names: never a host built from them. */
	EP("-22", NULL, "kms", "");
	EP("-22", NULL, "kms", "US-EAST-1");
	EP("-22", NULL, "kms", "us east 1");
	EP("-22", NULL, "kms", "evil.com/x");
	EP("-22", NULL, "kms", "us-east-1-but-far-too-long-for-a-region");
}

/* --endpoint-url, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL,
 * as the AWS CLI does; FIPS does not touch explicit endpoints. */
static void test_endpoint_precedence(void)
{
	clean_env();
	setenv("AWS_ENDPOINT_URL", "https://global.example:4443", 1);
	EP("global.example 4443 1", NULL, "kms", "us-east-1");
	setenv("AWS_ENDPOINT_URL_KMS", "https://127.0.0.1:4566", 1);
	EP("127.0.0.1 4566 1", NULL, "kms", "us-east-1");
	EP("global.example 4443 1", NULL, "ssm", "us-east-1");
	setenv("AWS_ENDPOINT_URL_SSM", "https://ssm.example/", 1);
	EP("ssm.example 443 1", NULL, "ssm", "us-east-1");
	EP("opt.example 8443 1", "https://opt.example:8443", "kms",
	   "us-east-1");
	EP("opt.example 443 1", "https://opt.example", "ssm", "us-east-1");
	setenv("AWS_USE_FIPS_ENDPOINT", "true", 1);
	EP("127.0.0.1 4566 1", NULL, "kms", "us-east-1");
	/* Empty variables are unset ones. */
	setenv("AWS_ENDPOINT_URL_KMS", "", 1);
	EP("global.example 4443 1", NULL, "kms", "us-east-1");
	EP("global.example 4443 1", "", "kms", "us-east-1");
	/* A service name too long for the variable: refused, not cut. */
	EP("-22", NULL,
	   "a-service-name-long-enough-to-overflow-the-variable-name",
	   "us-east-1");
	clean_env();
}

static void test_endpoint_urls(void)
{
	clean_env();
	EP("[::1] 8443 1", "https://[::1]:8443", "kms", "us-east-1");
	EP("[fd00:ec2::254] 443 1", "https://[fd00:ec2::254]/", "kms",
	   "us-east-1");
	EP("h 65535 1", "https://h:65535/", "kms", "us-east-1");
	EP("-22", "ftp://h", "kms", "us-east-1");
	EP("-22", "h:443", "kms", "us-east-1");
	EP("-22", "https://", "kms", "us-east-1");
	EP("-22", "https:///", "kms", "us-east-1");
	EP("-22", "https://h:0", "kms", "us-east-1");
	EP("-22", "https://h:65536", "kms", "us-east-1");
	EP("-22", "https://h:", "kms", "us-east-1");
	EP("-22", "https://h:44x", "kms", "us-east-1");
	EP("-22", "https://h/path", "kms", "us-east-1");
	/* Only a host name or an address: no userinfo, query, blanks. */
	EP("-22", "https://user@h", "kms", "us-east-1");
	EP("-22", "https://user:pw@h:443", "kms", "us-east-1");
	EP("-22", "https://h?x=1", "kms", "us-east-1");
	EP("-22", "https://h#f", "kms", "us-east-1");
	EP("-22", "https://h x", "kms", "us-east-1");
	EP("-22", "https://[::1x]:1", "kms", "us-east-1");
	EP("-22", "https://[]:1", "kms", "us-east-1");
	EP("-22", "https://[::1", "kms", "us-east-1");
	EP("-22", "https://h:443/path", "kms", "us-east-1");
	{
		char big[400] = "https://";

		memset(big + 8, 'a', 300);
		EP("-22", big, "kms", "us-east-1");
	}
}

/* KMS and SSM over TLS only: an http:// endpoint from any source is
 * refused (the signed request and session token would go out in clear). */
static void test_endpoint_plain_http(void)
{
	char refused[16];

	snprintf(refused, sizeof(refused), "%d", -EPROTONOSUPPORT);
	clean_env();
	EP(refused, "http://h:1", "kms", "us-east-1");
	setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:4566", 1);
	EP(refused, NULL, "kms", "us-east-1");
	EP("ssm.us-east-1.amazonaws.com 443 1", NULL, "ssm", "us-east-1");
	setenv("AWS_ENDPOINT_URL", "http://global.example", 1);
	EP(refused, NULL, "ssm", "us-east-1");
	/* The option overrides the variables, https wins. */
	EP("opt.example 443 1", "https://opt.example", "kms", "us-east-1");
	clean_env();
}

static void test_arn_region(void)
{
	static const char *const good[][2] = {
		{"arn:aws:kms:eu-west-1:111122223333:key/1234abcd",
		 "eu-west-1"},
		{"arn:aws:kms:us-east-2:111122223333:alias/luksbox",
		 "us-east-2"},
		{"arn:aws-cn:kms:cn-north-1:111122223333:key/x", "cn-north-1"},
		{"arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/x",
		 "us-gov-west-1"},
		{"arn:aws:ssm:ap-southeast-2:1:parameter/a/b",
		 "ap-southeast-2"},
	};
	static const char *const bad[] = {
		"alias/luksbox",
		"1234abcd-12ab-34cd-56ef-1234567890ab",
		"arn:aws:kms::111122223333:key/x",
		"arn:aws:kms:EU-WEST-1:1:key/x",
		"arn:aws:kms:eu west 1:1:key/x",
		"arn:aws:kms:us-east-1",
		"arn:aws:kms",
		"arn:",
		"ARN:aws:kms:us-east-1:1:key/x",
		"",
	};
	char r[32];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECKF(aws_arn_region(good[i][0], r, sizeof(r)) == 0 &&
			       !strcmp(r, good[i][1]),
		       "%s", good[i][0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(aws_arn_region(bad[i], r, sizeof(r)) == -EINVAL, "%s",
		       bad[i]);
	/* Too small a buffer is refused, not cut. */
	CHECK(aws_arn_region("arn:aws:kms:eu-west-1:1:key/x", r, 9) == -EINVAL);
	CHECK(aws_arn_region("arn:aws:kms:eu-west-1:1:key/x", r, 10) == 0);
}

static int init(const char *region_opt)
{
	struct aws_opts o = {0};

	o.region = region_opt;
	return aws_init(&c, &arena, &o);
}

static void test_region_order(void)
{
	const char *r;
	char msg[512];

	clean_env();
	CHECK(init("eu-north-1") == 0);
	setenv("AWS_REGION", "us-west-2", 1);
	setenv("AWS_DEFAULT_REGION", "ap-south-1", 1);
	r = aws_region(&c);
	CHECK(r && !strcmp(r, "eu-north-1")); /* option first */
	aws_fini(&c);
	secret_arena_reset(&arena);
	CHECK(init(NULL) == 0);
	r = aws_region(&c);
	CHECK(r && !strcmp(r, "us-west-2")); /* then AWS_REGION */
	aws_fini(&c);
	secret_arena_reset(&arena);
	unsetenv("AWS_REGION");
	CHECK(init("") == 0);
	r = aws_region(&c);
	CHECK(r && !strcmp(r, "ap-south-1")); /* then AWS_DEFAULT_REGION */
	aws_fini(&c);
	secret_arena_reset(&arena);
	/* A bad name is an error naming it. */
	setenv("AWS_REGION", "Mars-1", 1);
	CHECK(init(NULL) == 0);
	CHECK(aws_region(&c) == NULL && c.error.err == -EINVAL &&
	      !strcmp(c.error.where, "Mars-1"));
	aws_fini(&c);
	secret_arena_reset(&arena);
	/* None at all, IMDS off: the error says what to set. */
	clean_env();
	CHECK(init(NULL) == 0);
	CHECK(aws_region(&c) == NULL && c.error.err == -ENODEV);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "IMDS") &&
		       strstr(msg, "AWS_EC2_METADATA_DISABLED") &&
		       strstr(msg, "hint: set --region or AWS_REGION"),
	       "%s", msg);
	aws_fini(&c);
	secret_arena_reset(&arena);
}

static void test_parse_error(void)
{
	static const struct {
		const char *body, *code, *msg;
	} cases[] = {
		/* moto 5.2, as captured for the fuzz seeds */
		{"{\"__type\": \"NotFoundException\", \"message\": \"Alias "
		 "arn:aws:kms:us-east-1:123456789012:alias/missing is not "
		 "found.\"}",
		 "NotFoundException",
		 "Alias arn:aws:kms:us-east-1:123456789012:alias/missing is "
		 "not found."},
		{"{\"__type\":\"InvalidCiphertextException\"}",
		 "InvalidCiphertextException", ""},
		{"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ErrorResponse>"
		 "<Errors><Error><Code>SignatureDoesNotMatch</Code><Message>The "
		 "request signature we calculated does not match</Message>"
		 "<Type>Sender</Type></Error></Errors></ErrorResponse>",
		 "SignatureDoesNotMatch",
		 "The request signature we calculated does not match"},
		/* other shapes services use */
		{"{\"__type\":\"com.amazonaws.kms#KMSInvalidStateException\","
		 "\"message\":\"pending deletion\"}",
		 "KMSInvalidStateException", "pending deletion"},
		{"{\"code\":\"ThrottlingException:http://internal.amazon.com/"
		 "\",\"Message\":\"Rate exceeded\"}",
		 "ThrottlingException", "Rate exceeded"},
		{"{\"__type\":\"ParameterNotFound\",\"message\":\"m\","
		 "\"Message\":\"M\"}",
		 "ParameterNotFound", "m"},
		/* not JSON, not XML: the text, one line */
		{"<html><body>503 Service Unavailable</body></html>\r\n", "",
		 "<html><body>503 Service Unavailable</body></html>  "},
		{"", "", ""},
		/* escape sequences and newlines cannot reach a terminal */
		{"{\"__type\":\"AccessDeniedException\",\"message\":\"not "
		 "authorized\\n\\u001b[2Jgotcha\"}",
		 "AccessDeniedException", "not authorized  [2Jgotcha"},
	};
	char code[96], msg[384], big[600];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aws_parse_error(cases[i].body, strlen(cases[i].body), code,
				sizeof(code), msg, sizeof(msg));
		CHECKF(!strcmp(code, cases[i].code) &&
			       !strcmp(msg, cases[i].msg),
		       "case %zu: code '%s' msg '%s'", i, code, msg);
	}
	/* A long text body: its first 200 bytes. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	aws_parse_error(big, strlen(big), code, sizeof(code), msg, sizeof(msg));
	CHECK(code[0] == 0 && strlen(msg) == 200);
	/* A code longer than the buffer: "" (never an unterminated cut). */
	snprintf(big, sizeof(big), "{\"__type\":\"%0150d\"}", 7);
	memset(code, 'x', sizeof(code));
	aws_parse_error(big, strlen(big), code, sizeof(code), msg, sizeof(msg));
	CHECK(code[0] == 0);
}

static void test_error_class(void)
{
	static const struct {
		const char *code;
		int status, err, retry;
	} cases[] = {
		{"AccessDeniedException", 400, -EACCES, 0},
		{"AccessDenied", 403, -EACCES, 0},
		{"UnrecognizedClientException", 400, -EACCES, 0},
		{"InvalidSignatureException", 400, -EACCES, 0},
		{"SignatureDoesNotMatch", 403, -EACCES, 0},
		{"ExpiredTokenException", 400, -EACCES, 0},
		{"InvalidClientTokenId", 403, -EACCES, 0},
		{"NotFoundException", 400, -ENOENT, 0},
		{"ParameterNotFound", 400, -ENOENT, 0},
		{"ValidationException", 400, -EINVAL, 0},
		{"InvalidCiphertextException", 400, -EINVAL, 0},
		{"DisabledException", 400, -EINVAL, 0},
		{"KMSInvalidStateException", 400, -EINVAL, 0},
		{"IncorrectKeyException", 400, -EINVAL, 0},
		{"SomethingNew", 403, -EACCES, 0},
		{"ThrottlingException", 400, -EAGAIN, 1},
		{"Throttling", 400, -EAGAIN, 1},
		{"TooManyRequestsException", 429, -EAGAIN, 1},
		{"RequestLimitExceeded", 400, -EAGAIN, 1},
		{"KMSInternalException", 500, -EAGAIN, 1},
		{"DependencyTimeoutException", 503, -EAGAIN, 1},
		{"InternalFailure", 500, -EAGAIN, 1},
		{"ServiceUnavailable", 503, -EAGAIN, 1},
		{"HTTP502", 502, -EAGAIN, 1},
		{"HTTP504", 504, -EAGAIN, 1},
		{"HTTP400", 400, -EINVAL, 0},
		{"", 500, -EAGAIN, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int retry = -1,
		    r = aws_error_class(cases[i].code, cases[i].status, &retry);

		CHECKF(r == cases[i].err && retry == cases[i].retry,
		       "%s/%d: got %d retry %d", cases[i].code, cases[i].status,
		       r, retry);
	}
	CHECK(aws_error_class("ThrottlingException", 400, NULL) == -EAGAIN);
}

static void test_error_format(void)
{
	struct aws_error e = {0};
	char out[512], tiny[16];

	e.err = -EACCES;
	strcpy(e.code, "AccessDeniedException");
	strcpy(e.message, "User is not authorized to perform: kms:Decrypt");
	strcpy(e.where, "kms.eu-west-1.amazonaws.com");
	e.hint = "the role needs kms:Decrypt";
	aws_error_format(&e, out, sizeof(out));
	CHECKF(!strcmp(out, "AccessDeniedException: User is not authorized "
			    "to perform: kms:Decrypt (at "
			    "kms.eu-west-1.amazonaws.com); hint: the role "
			    "needs kms:Decrypt"),
	       "%s", out);
	e.message[0] = 0;
	e.hint = NULL;
	aws_error_format(&e, out, sizeof(out));
	CHECKF(!strcmp(out, "AccessDeniedException: no message (at "
			    "kms.eu-west-1.amazonaws.com)"),
	       "%s", out);
	/* No AWS code: where, then why (or the errno's text). */
	memset(&e, 0, sizeof(e));
	e.err = -ECONNREFUSED;
	strcpy(e.where, "127.0.0.1");
	aws_error_format(&e, out, sizeof(out));
	CHECKF(!strcmp(out, "127.0.0.1: Connection refused"), "%s", out);
	strcpy(e.message, "TLS: certificate not trusted");
	aws_error_format(&e, out, sizeof(out));
	CHECKF(!strcmp(out, "127.0.0.1: TLS: certificate not trusted"), "%s",
	       out);
	/* A small buffer: cut, but a C string. */
	e.hint = "a hint that does not fit";
	memset(tiny, 'x', sizeof(tiny));
	aws_error_format(&e, tiny, sizeof(tiny));
	CHECK(memchr(tiny, 0, sizeof(tiny)) &&
	      !strncmp(tiny, "127.0.0.1: ", 11));
}

/* aws_error_msg(): the same line as the why of a struct msg_error, the
 * errno as its err (-EIO when none was recorded), the what untouched. */
static void test_error_msg(void)
{
	struct aws_error a = {0};
	struct msg_error e = {0, "decrypt with KMS", ""};

	a.err = -EACCES;
	strcpy(a.code, "AccessDeniedException");
	strcpy(a.message, "denied");
	strcpy(a.where, "kms.eu-west-1.amazonaws.com");
	a.hint = "the role needs kms:Decrypt";
	CHECK(aws_error_msg(&a, &e) == -EACCES && e.err == -EACCES);
	CHECKF(!strcmp(e.why, "AccessDeniedException: denied (at "
			      "kms.eu-west-1.amazonaws.com); hint: the role "
			      "needs kms:Decrypt"),
	       "%s", e.why);
	CHECK(!strcmp(e.what, "decrypt with KMS"));
	memset(&a, 0, sizeof(a));
	strcpy(a.where, "luksbox");
	strcpy(a.message, "secret arena full");
	CHECK(aws_error_msg(&a, &e) == -EIO && e.err == -EIO);
	CHECKF(!strcmp(e.why, "luksbox: secret arena full"), "%s", e.why);
}

/* --- aws_call() against the loopback fake --- */

static struct fake_http fk;

static int call_init(int max_attempts, int timeout_s)
{
	static char url[64];
	struct aws_opts o = {0};

	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY",
	       "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", fk.port);
	o.endpoint_url = url;
	o.plain_http = 1; /* the fake speaks plain HTTP */
	o.region = "us-east-1";
	o.max_attempts = max_attempts;
	o.timeout_s = timeout_s;
	return aws_init(&c, &arena, &o);
}

static void call_fini(void)
{
	aws_fini(&c);
	secret_arena_reset(&arena);
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
}

static int call(char *resp, size_t cap)
{
	return aws_call(&c, "kms", NULL, "TrentService.DescribeKey",
			"{\"KeyId\":\"alias/x\"}", 19, resp, cap);
}

static void test_call_ok_keepalive(void)
{
	const char *a[] = {fake_reply(0, "200 OK", "", "{\"Key\":\"a\"}"),
			   fake_reply(1, "200 OK", "", "{\"Key\":\"b\"}")};
	char resp[64];

	fake_answers(&fk, a, 2);
	CHECK(call_init(3, 10) == 0);
	CHECK(call(resp, sizeof(resp)) == 11 &&
	      !strcmp(resp, "{\"Key\":\"a\"}"));
	CHECK(c.attempts == 1);
	CHECK(call(resp, sizeof(resp)) == 11 &&
	      !strcmp(resp, "{\"Key\":\"b\"}"));
	CHECK(fk.nreq == 2);
	CHECK(fk.conns == 1); /* one connection for both calls */
	/* What went out: a signed JSON 1.1 POST. */
	CHECK(!strncmp(fk.req[0], "POST / HTTP/1.1\r\n", 17));
	CHECK(strstr(fk.req[0], "\r\nX-Amz-Target: TrentService.DescribeKey"));
	CHECK(strstr(fk.req[0],
		     "\r\nContent-Type: application/x-amz-json-1.1"));
	CHECK(strstr(fk.req[0], "\r\nAuthorization: AWS4-HMAC-SHA256 "
				"Credential=AKIDEXAMPLE/"));
	CHECK(strstr(fk.req[0], "/us-east-1/kms/aws4_request, SignedHeaders="
				"content-type;host;x-amz-date;x-amz-target, "
				"Signature="));
	CHECK(!strcmp(fake_body(&fk, 0), "{\"KeyId\":\"alias/x\"}"));
	call_fini();
}

static void test_call_not_retried(void)
{
	const char *a[] = {fake_reply(0, "400 Bad Request", "",
				      "{\"__type\":\"AccessDeniedException\","
				      "\"message\":\"User is not authorized to "
				      "perform kms:Decrypt\"}")};
	char resp[256], msg[600];

	fake_answers(&fk, a, 1);
	CHECK(call_init(3, 10) == 0);
	CHECK(call(resp, sizeof(resp)) == -EACCES);
	CHECKF(c.attempts == 1 && fk.nreq == 1, "attempts %u", c.attempts);
	CHECK(c.error.status == 400 &&
	      !strcmp(c.error.code, "AccessDeniedException"));
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "AccessDeniedException: User is not authorized") &&
		       strstr(msg, "(at 127.0.0.1)") &&
		       /* The hint names the permission of the call made. */
		       strstr(msg, "hint: the role needs kms:DescribeKey"),
	       "%s", msg);
	call_fini();
}

static void test_call_retried(void)
{
	const char *a[] = {
		fake_reply(0, "400 Bad Request", "",
			   "{\"__type\":\"ThrottlingException\"}"),
		fake_reply(1, "503 Service Unavailable", "", ""),
		fake_reply(2, "200 OK", "", "{}"),
	};
	char resp[256];
	int64_t t0;

	/* Throttled, then a 503, then success: three attempts. */
	fake_answers(&fk, a, 3);
	CHECK(call_init(3, 20) == 0);
	t0 = now_ms();
	CHECK(call(resp, sizeof(resp)) == 2);
	CHECKF(c.attempts == 3 && fk.nreq == 3, "attempts %u", c.attempts);
	/* Jittered backoff stays under its caps (1 s, then 2 s). */
	CHECK(now_ms() - t0 < 3500);
	call_fini();

	/* Always throttled: the attempt budget ends it, a temporary error. */
	fake_answers(&fk, a, 1);
	CHECK(call_init(2, 20) == 0);
	CHECK(call(resp, sizeof(resp)) == -EAGAIN);
	CHECKF(c.attempts == 2 && fk.nreq == 2, "attempts %u", c.attempts);
	CHECK(!strcmp(c.error.code, "ThrottlingException"));
	call_fini();
}

/* A fake clock for the retry policy: waits advance it, no real sleep. */
static int64_t fclock_now;
static int64_t fclock_waits[FAKE_MAX];
static unsigned fclock_nwaits;

static int64_t fclock_now_ms(void *arg)
{
	return fclock_now;
}

static void fclock_sleep(void *arg, int64_t ms)
{
	if (fclock_nwaits < FAKE_MAX)
		fclock_waits[fclock_nwaits++] = ms;
	fclock_now += ms;
}

static uint32_t fclock_random(void *arg)
{
	return (uint32_t)(fclock_now * 2654435761u);
}

static const struct retry_clock fclock = {fclock_now_ms, fclock_sleep,
					  fclock_random, NULL};

/* Boot mode: throttled with Retry-After until the deadline, every wait at
 * least what the server asked, the end said with the attempts made. */
static void test_call_boot_until_deadline(void)
{
	const char *a[] = {
		fake_reply(0, "400 Bad Request",
			   "x-amzn-ErrorType: ThrottlingException\r\n"
			   "Retry-After: 3\r\n",
			   "{\"__type\":\"ThrottlingException\","
			   "\"message\":\"Rate exceeded\"}"),
	};
	char resp[256], want[64];
	unsigned i;

	fake_answers(&fk, a, 1);
	CHECK(call_init(3, 40) == 0);
	c.opts.retry_mode = RETRY_BOOT;
	c.clock = &fclock;
	fclock_now = now_ms();
	fclock_nwaits = 0;
	c.deadline = fclock_now + 40000;
	CHECK(call(resp, sizeof(resp)) == -EAGAIN);
	CHECKF(c.attempts > 3 && c.attempts == fk.nreq &&
		       c.attempts == fclock_nwaits + 1,
	       "attempts %u requests %zu waits %u", c.attempts, fk.nreq,
	       fclock_nwaits);
	/* At least the Retry-After, but the last one may be cut short: it
	 * ends where the deadline leaves an attempt its time. */
	for (i = 0; i + 1 < fclock_nwaits; i++)
		CHECKF(fclock_waits[i] >= 3000 &&
			       fclock_waits[i] <= RETRY_BOOT_CAP_MS,
		       "wait %u: %lld ms", i, (long long)fclock_waits[i]);
	CHECKF(fclock_waits[i] >= 3000 ||
		       fclock_now == c.deadline - RETRY_ATTEMPT_MS,
	       "last wait %lld ms", (long long)fclock_waits[i]);
	CHECK(fclock_now <= c.deadline - RETRY_ATTEMPT_MS);
	snprintf(want, sizeof(want), "(%u attempts in ", c.attempts);
	CHECKF(strstr(c.error.message, want) &&
		       strstr(c.error.message, "deadline of 40 s reached"),
	       "%s", c.error.message);
	call_fini();

	/* The standard mode stops at its 3 attempts, and says so. */
	fake_answers(&fk, a, 1);
	CHECK(call_init(3, 40) == 0);
	c.clock = &fclock;
	fclock_now = now_ms();
	c.deadline = fclock_now + 40000;
	CHECK(call(resp, sizeof(resp)) == -EAGAIN);
	CHECKF(c.attempts == 3 && fk.nreq == 3, "attempts %u", c.attempts);
	CHECKF(strstr(c.error.message, "(3 attempts in ") &&
		       strstr(c.error.message, "the limit of this command"),
	       "%s", c.error.message);
	call_fini();
}

static void test_call_skew(void)
{
	const char *a[2];
	char resp[1024], date[64], hdr[100];
	time_t ahead = time(NULL) + 3600;
	struct tm tm;
	const char *xd;

	/* The server's clock is an hour ahead and says so in Date. */
	gmtime_r(&ahead, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(hdr, sizeof(hdr), "Date: %s\r\n", date);
	a[0] = fake_reply(0, "400 Bad Request", hdr,
			  "{\"__type\":\"InvalidSignatureException\","
			  "\"message\":\"Signature expired\"}");
	a[1] = fake_reply(1, "200 OK", "", "{}");
	fake_answers(&fk, a, 2);
	CHECK(call_init(1, 10) == 0);
	CHECK(call(resp, sizeof(resp)) == 2); /* re-signed once, no budget */
	CHECKF(c.skew >= 3598 && c.skew <= 3602, "skew %ld", c.skew);
	CHECK(fk.nreq == 2);
	/* The second request was signed at the server's time. */
	strftime(date, sizeof(date), "%Y%m%dT%H", &tm);
	xd = strstr(fk.req[1], "\r\nX-Amz-Date: ");
	CHECKF(xd && !strncmp(xd + 14, date, strlen(date)), "%s", fk.req[1]);
	call_fini();
}

static void test_call_caps(void)
{
	const char *a[] = {
		fake_reply(0, "200 OK", "",
			   "{\"x\":\"0123456789012345678901234567890\"}")};
	char resp[16];

	fake_answers(&fk, a, 1);
	CHECK(call_init(3, 10) == 0);
	CHECK(call(resp, sizeof(resp)) == -EMSGSIZE); /* not a cut body */
	CHECK(c.attempts == 1);
	call_fini();
}

/* Refused before any byte is sent: no connection reaches the fake, and
 * the message names the option and the scheme. */
static void test_call_plain_http_refused(void)
{
	const char *a[] = {fake_reply(0, "200 OK", "", "{\"Key\":\"a\"}")};
	char resp[64], msg[800];
	int conns;

	fake_answers(&fk, a, 1);
	CHECK(call_init(3, 10) == 0);
	c.opts.plain_http = 0;
	conns = fk.conns;
	CHECK(call(resp, sizeof(resp)) == -EPROTONOSUPPORT);
	CHECK(fk.conns == conns);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(!strncmp(msg, "--endpoint: refusing a http:// endpoint for kms",
			47),
	       "%s", msg);
	call_fini();
	CHECK(call_init(3, 10) == 0);
	setenv("AWS_ENDPOINT_URL_KMS", "http://127.0.0.1:1", 1);
	c.opts.endpoint_url = NULL;
	c.opts.plain_http = 0;
	CHECK(call(resp, sizeof(resp)) == -EPROTONOSUPPORT);
	aws_error_format(&c.error, msg, sizeof(msg));
	CHECKF(strstr(msg, "AWS_ENDPOINT_URL_KMS: refusing a http://"), "%s",
	       msg);
	call_fini();
	unsetenv("AWS_ENDPOINT_URL_KMS");
}

int main(void)
{
	int have_fake;

	if (secret_arena_init(&arena, 512 * 1024, 1)) {
		printf("FAIL unit/aws: no secret arena\n");
		return 1;
	}
	T_RUN(test_endpoint_partitions);
	T_RUN(test_endpoint_precedence);
	T_RUN(test_endpoint_urls);
	T_RUN(test_endpoint_plain_http);
	T_RUN(test_arn_region);
	T_RUN(test_region_order);
	T_RUN(test_parse_error);
	T_RUN(test_error_class);
	T_RUN(test_error_format);
	T_RUN(test_error_msg);
	have_fake = fake_start(&fk) == 0;
	if (have_fake) {
		T_RUN(test_call_ok_keepalive);
		T_RUN(test_call_not_retried);
		T_RUN(test_call_retried);
		T_RUN(test_call_boot_until_deadline);
		T_RUN(test_call_skew);
		T_RUN(test_call_caps);
		T_RUN(test_call_plain_http_refused);
		fake_stop(&fk);
	} else {
		T_SKIP(test_call, "cannot listen on 127.0.0.1");
	}
	secret_arena_fini(&arena);
	return T_END();
}
