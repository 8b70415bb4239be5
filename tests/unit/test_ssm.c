/* test_ssm.c - kms/ssm: GetParameter's request and answers, and
 * PutParameter's, through the real client against a loopback fake.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS Systems Manager API Reference, GetParameter, PutParameter.
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
	CHECK(ssm_get_parameter(&c, "/luksbox/db", NULL, out, sizeof(out)) ==
	      10);
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
	CHECK(ssm_get_parameter(&c, "/luksbox/db", NULL, out, 8) == -EPROTO);
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
		CHECKF(ssm_get_parameter(&c, "/p", NULL, out, sizeof(out)) ==
				       -EPROTO &&
			       strstr(c.error.message,
				      "malformed GetParameter response"),
		       "%s", bad[i]);
	}
	serve("400 Bad Request",
	      "{\"__type\":\"ParameterNotFound\",\"message\":\"Parameter /p "
	      "not found.\"}");
	CHECK(ssm_get_parameter(&c, "/p", NULL, out, sizeof(out)) == -ENOENT);
	CHECK(!strcmp(c.error.code, "ParameterNotFound"));
	serve("400 Bad Request", "{\"__type\":\"AccessDeniedException\"}");
	CHECK(ssm_get_parameter(&c, "/p", NULL, out, sizeof(out)) == -EACCES);
	CHECK(c.error.hint && strstr(c.error.hint, "ssm:GetParameter"));
	stop();
}

static void test_put_parameter(void)
{
	static struct json j;
	char s[64];
	const char *b;

	start();
	serve("200 OK", "{\"Version\":3,\"Tier\":\"Standard\"}");
	CHECK(ssm_put_parameter(&c, "/luksbox/db", "us-west-2", "alias/k",
				"luksbox volume db", "c2VjcmV0\"\n", 10,
				0) == 3);
	CHECK(fk.nreq == 1 &&
	      strstr(fk.req[0],
		     "\r\nX-Amz-Target: AmazonSSM.PutParameter\r\n"));
	/* The region asked for, not the client's. */
	CHECK(strstr(fk.req[0], "/us-west-2/ssm/aws4_request"));
	b = fake_body(&fk, 0);
	CHECK(json_parse(&j, b, strlen(b)) == 0 && j.tok[0].size == 6);
	CHECK(json_get_string(&j, 0, "Type", s, sizeof(s)) >= 0 &&
	      !strcmp(s, "SecureString"));
	CHECK(json_get_string(&j, 0, "KeyId", s, sizeof(s)) >= 0 &&
	      !strcmp(s, "alias/k"));
	CHECK(json_get_string(&j, 0, "Value", s, sizeof(s)) == 10 &&
	      !strcmp(s, "c2VjcmV0\"\n"));
	CHECK(json_get_string(&j, 0, "Description", s, sizeof(s)) >= 0);
	/* Never overwrite unless asked: Overwrite is sent, and false. */
	CHECK(strstr(b, "\"Overwrite\":false}"));
	/* Defaults: the AWS-managed key; Overwrite when asked. */
	serve("200 OK", "{\"Version\":1}");
	CHECK(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "v", 1, 1) == 1);
	b = fake_body(&fk, 0);
	CHECK(strstr(b, "\"KeyId\":\"alias/aws/ssm\"") &&
	      strstr(b, "\"Overwrite\":true}") && !strstr(b, "Description"));
	CHECK(strstr(fk.req[0], "/eu-west-1/ssm/aws4_request"));
	/* Refused before anything is sent: empty, NUL inside, too long. */
	fk.nreq = 0;
	CHECK(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "", 0, 0) ==
	      -EINVAL);
	CHECK(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "a\0b", 3, 0) ==
	      -EINVAL);
	CHECK(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "v",
				SSM_VALUE_MAX + 1, 0) == -EINVAL);
	CHECK(fk.nreq == 0);
	stop();
}

static void test_put_refused_and_malformed(void)
{
	static const char *const bad[] = {
		"{}",
		"{\"Version\":\"1\"}",
		"{\"Version\":0}",
		"{\"Version\":-2}",
		"{\"Version\":1.5}",
		"{\"Version\":99999999999}",
		"{\"Version\":1,\"Version\":2}",
		"[1]",
		"nope",
	};
	size_t i;

	start();
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		serve("200 OK", bad[i]);
		CHECKF(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "v", 1,
					 0) == -EPROTO &&
			       strstr(c.error.message,
				      "malformed PutParameter response"),
		       "%s", bad[i]);
	}
	serve("400 Bad Request",
	      "{\"__type\":\"ParameterAlreadyExists\",\"message\":\"The "
	      "parameter already exists.\"}");
	CHECK(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "v", 1, 0) ==
	      -EEXIST);
	CHECK(!strcmp(c.error.code, "ParameterAlreadyExists") && c.error.hint &&
	      strstr(c.error.hint, "--force"));
	serve("400 Bad Request", "{\"__type\":\"AccessDeniedException\"}");
	CHECK(ssm_put_parameter(&c, "/p", NULL, NULL, NULL, "v", 1, 0) ==
	      -EACCES);
	CHECK(c.error.hint && strstr(c.error.hint, "ssm:PutParameter"));
	stop();
}

static void test_exists(void)
{
	start();
	serve("200 OK", "{\"Parameter\":{\"Name\":\"/p\",\"Value\":"
			"\"AQICAHh...\",\"Type\":\"SecureString\"}}");
	CHECK(ssm_parameter_exists(&c, "/p", NULL) == 1);
	/* Nothing secret is asked for. */
	CHECK(strstr(fake_body(&fk, 0), "\"WithDecryption\":false}"));
	serve("400 Bad Request", "{\"__type\":\"ParameterNotFound\"}");
	CHECK(ssm_parameter_exists(&c, "/p", NULL) == 0);
	serve("200 OK", "{\"Parameter\":\"x\"}");
	CHECK(ssm_parameter_exists(&c, "/p", NULL) == -EPROTO);
	serve("200 OK", "{}");
	CHECK(ssm_parameter_exists(&c, "/p", NULL) == -EPROTO);
	serve("400 Bad Request", "{\"__type\":\"AccessDeniedException\"}");
	CHECK(ssm_parameter_exists(&c, "/p", NULL) == -EACCES);
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
	T_RUN(test_put_parameter);
	T_RUN(test_put_refused_and_malformed);
	T_RUN(test_exists);
	fake_stop(&fk);
	secret_arena_fini(&arena);
	return T_END();
}
