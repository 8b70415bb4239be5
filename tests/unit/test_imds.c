/* test_imds.c - kms/imds: configuration from the environment and the
 * IMDSv2 token's checks. Requests over a loopback fake, with the role
 * credentials they fetch, are in test_creds.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: EC2 User Guide, "Use IMDSv2"; AWS SDKs and Tools Reference Guide,
 *      "IMDS credential provider".
 */
#define T_SUITE "unit/imds"
#include <errno.h>
#include <stdlib.h>

#include "t.h"
#include "kms/imds.h"

static struct imds m;

static void clean_env(void)
{
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static void test_imds_config(void)
{
	clean_env();
	unsetenv("AWS_EC2_METADATA_DISABLED");
	CHECK(imds_init(&m, 0) == 0 && !strcmp(m.host, "169.254.169.254") &&
	      m.port == 80 && !m.disabled && !m.allow_v1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6", 1);
	CHECK(imds_init(&m, 1) == 0 && !strcmp(m.host, "[fd00:ec2::254]") &&
	      m.allow_v1);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/",
	       1);
	CHECK(imds_init(&m, 0) == 0 && !strcmp(m.host, "127.0.0.1") &&
	      m.port == 1338);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[::1]:8080", 1);
	CHECK(imds_init(&m, 0) == 0 && !strcmp(m.host, "[::1]") &&
	      m.port == 8080);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[fd00:ec2::254]",
	       1);
	CHECK(imds_init(&m, 0) == 0 && !strcmp(m.host, "[fd00:ec2::254]") &&
	      m.port == 80);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "https://169.254.169.254",
	       1);
	CHECK(imds_init(&m, 0) == -EINVAL);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://h:0", 1);
	CHECK(imds_init(&m, 0) == -EINVAL);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://[::1", 1);
	CHECK(imds_init(&m, 0) == -EINVAL);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://", 1);
	CHECK(imds_init(&m, 0) == -EINVAL);
	/* The same parser as KMS endpoints (net_parse_url): a host and a
	 * port, nothing else. */
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://user@127.0.0.1", 1);
	CHECK(imds_init(&m, 0) == -EINVAL &&
	      strstr(m.why, "AWS_EC2_METADATA_SERVICE_ENDPOINT"));
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1/latest",
	       1);
	CHECK(imds_init(&m, 0) == -EINVAL);
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	CHECK(imds_init(&m, 0) == 0 && m.disabled);
	clean_env();
}

static void test_imds_token(void)
{
	CHECK(imds_set_token(&m, "AQAEAbc-_.~+/==", 15) == 0 &&
	      !strcmp(m.sec->token, "AQAEAbc-_.~+/=="));
	m.sec->token[0] = 0;
	CHECK(imds_set_token(&m, "", 0) == -EBADMSG);
	CHECK(imds_set_token(&m, "ab\r\nX-Evil: 1", 13) == -EBADMSG);
	CHECK(imds_set_token(&m, "a b", 3) == -EBADMSG);
	CHECK(imds_set_token(&m, "a\0b", 3) == -EBADMSG);
	CHECK(imds_set_token(&m, "a\x80", 2) == -EBADMSG);
	{
		char big[sizeof(m.sec->token)];

		memset(big, 'a', sizeof(big));
		CHECK(imds_set_token(&m, big, sizeof(big)) == -EBADMSG);
		CHECK(imds_set_token(&m, big, sizeof(big) - 1) == 0);
	}
	CHECK(m.sec->token[sizeof(m.sec->token) - 1] == 0);
}

int main(void)
{
	T_RUN(test_imds_config);
	T_RUN(test_imds_token);
	imds_fini(&m);
	return T_END();
}
