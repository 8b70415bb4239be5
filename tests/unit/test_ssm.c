/* test_ssm.c - kms/ssm: GetParameter's request and answers, through the
 * real client against a loopback fake.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS Systems Manager API Reference, GetParameter.
 */
#define T_SUITE "unit/ssm"
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "fake_http.h"
#include "crypto/secret.h"
#include "kms/json.h"
#include "kms/ssm.h"

static struct fake_http fk;
static struct secret_arena arena;
static struct aws_client c;

static void start(void)
{
	static char url[64];
	struct aws_opts o = {0};

	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secret", 1);
	unsetenv("AWS_ENDPOINT_URL_SSM");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", fk.port);
	o.endpoint_url = url;
	o.plain_http = 1; /* the fake speaks plain HTTP */
	o.region = "eu-west-1";
	o.max_attempts = 1;
	o.timeout_s = 10;
	if (aws_init(&c, &arena, &o))
		printf("# aws_init failed\n");
}

static void stop(void)
{
	aws_fini(&c);
	secret_arena_reset(&arena);
}

static void serve(const char *status, const char *body)
{
	const char *a[] = {fake_reply(0, status, "", body)};

	fake_answers(&fk, a, 1);
}

static void test_get_parameter(void)
{
	static struct json j;
	char out[64], v[64];
	const char *b;

	start();
	serve("200 OK", "{\"Parameter\":{\"Name\":\"/luksbox/db\",\"Type\":"
			"\"SecureString\",\"Value\":\"s3cr3t \\\"v\\\"\","
			"\"Version\":3,\"ARN\":\"arn:aws:ssm:eu-west-1:1:"
			"parameter/luksbox/db\",\"DataType\":\"text\"}}");
	CHECK(ssm_get_parameter(&c, "/luksbox/db", out, sizeof(out)) == 10);
	CHECK(!strcmp(out, "s3cr3t \"v\""));
	CHECK(fk.nreq == 1 &&
	      strstr(fk.req[0],
		     "\r\nX-Amz-Target: AmazonSSM.GetParameter\r\n"));
	CHECK(strstr(fk.req[0], "/eu-west-1/ssm/aws4_request"));
	b = fake_body(&fk, 0);
	CHECK(json_parse(&j, b, strlen(b)) == 0 && j.tok[0].size == 2);
	CHECK(json_get_string(&j, 0, "Name", v, sizeof(v)) >= 0 &&
	      !strcmp(v, "/luksbox/db"));
	CHECK(!strcmp(b, "{\"Name\":\"/luksbox/db\",\"WithDecryption\":true}"));
	/* A value that does not fit the caller's buffer: refused whole. */
	CHECK(ssm_get_parameter(&c, "/luksbox/db", out, 8) == -EPROTO);
	stop();
}

static void test_malformed_and_errors(void)
{
	static const char *const bad[] = {
		"{}",
		"{\"Parameter\":{}}",
		"{\"Parameter\":\"x\"}",
		"{\"Parameter\":{\"Value\":5}}",
		"{\"Parameter\":{\"Value\":\"a\",\"Value\":\"b\"}}",
		"nope",
	};
	char out[64];
	size_t i;

	start();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve("200 OK", bad[i]);
		CHECKF(ssm_get_parameter(&c, "/p", out, sizeof(out)) ==
				       -EPROTO &&
			       strstr(c.error.message,
				      "malformed GetParameter response"),
		       "%s", bad[i]);
	}
	serve("400 Bad Request",
	      "{\"__type\":\"ParameterNotFound\",\"message\":\"Parameter /p "
	      "not found.\"}");
	CHECK(ssm_get_parameter(&c, "/p", out, sizeof(out)) == -ENOENT);
	CHECK(!strcmp(c.error.code, "ParameterNotFound"));
	serve("400 Bad Request", "{\"__type\":\"AccessDeniedException\"}");
	CHECK(ssm_get_parameter(&c, "/p", out, sizeof(out)) == -EACCES);
	CHECK(c.error.hint && strstr(c.error.hint, "ssm:GetParameter"));
	stop();
}

int main(void)
{
	if (secret_arena_init(&arena, 512 * 1024, 1) || fake_start(&fk)) {
		printf("SKIP unit/ssm: no arena or cannot listen on "
		       "127.0.0.1\n");
		return 0;
	}
	T_RUN(test_get_parameter);
	T_RUN(test_malformed_and_errors);
	fake_stop(&fk);
	secret_arena_fini(&arena);
	return T_END();
}
