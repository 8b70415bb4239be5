/* ssm.c - SSM GetParameter and PutParameter over aws_call().
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: ssm.h.
 */
#include "kms/ssm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kms/json.h"

/* An answer we cannot read: -EPROTO, said as WHAT. */
static int malformed(struct aws_client *c, const char *what)
{
	snprintf(c->error.message, sizeof(c->error.message), "%s", what);
	snprintf(c->error.where, sizeof(c->error.where), "SSM at %.150s",
		 c->last_host);
	c->error.code[0] = 0;
	c->error.hint = NULL;
	c->error.err = -EPROTO;
	return -EPROTO;
}

/* GetParameter NAME; the answer in c->resp (wiped by the caller). */
static int get(struct aws_client *c, const char *name, const char *region,
	       int decrypt)
{
	struct jw w;
	int n;

	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "Name");
	jw_str(&w, name);
	jw_key(&w, "WithDecryption");
	jw_bool(&w, decrypt);
	jw_obj_end(&w);
	n = jw_finish(&w);
	if (n < 0)
		return n;
	return aws_call(c, "ssm", region, "AmazonSSM.GetParameter", c->req,
			(size_t)n, c->resp, AWS_RESP_MAX);
}

int ssm_get_parameter(struct aws_client *c, const char *name,
		      const char *region, char *out, size_t cap)
{
	struct json j;
	int n, p;

	n = get(c, name, region, 1);
	if (n < 0)
		return n;
	if (json_parse(&j, c->resp, (size_t)n) ||
	    (p = json_find(&j, 0, "Parameter")) < 0 ||
	    (n = json_get_string(&j, p, "Value", out, cap)) < 0) {
		char m[96];

		snprintf(m, sizeof(m),
			 "malformed GetParameter response (or a value over "
			 "%zu bytes)",
			 cap - 1);
		n = malformed(c, m);
	}
	secret_wipe(c->resp, AWS_RESP_MAX);
	return n;
}

int ssm_parameter_exists(struct aws_client *c, const char *name,
			 const char *region)
{
	struct json j;
	int n = get(c, name, region, 0);

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return n;
	/* Only its presence matters, but the answer must still be one. */
	if (json_parse(&j, c->resp, (size_t)n) ||
	    json_type(&j, json_find(&j, 0, "Parameter")) != JSON_OBJECT)
		n = malformed(c, "malformed GetParameter response");
	else
		n = 1;
	secret_wipe(c->resp, AWS_RESP_MAX);
	return n;
}

int ssm_put_parameter(struct aws_client *c, const char *name,
		      const char *region, const char *key_id,
		      const char *description, const char *value, size_t len,
		      int overwrite)
{
	struct jw w;
	struct json j;
	long long version;
	int n;

	if (len == 0 || len > SSM_VALUE_MAX || memchr(value, 0, len))
		return -EINVAL;
	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "Name");
	jw_str(&w, name);
	if (description) {
		jw_key(&w, "Description");
		jw_str(&w, description);
	}
	jw_key(&w, "Value");
	jw_str_n(&w, value, len);
	jw_key(&w, "Type");
	jw_str(&w, "SecureString");
	jw_key(&w, "KeyId");
	jw_str(&w, key_id ? key_id : SSM_DEFAULT_KEY);
	jw_key(&w, "Overwrite");
	jw_bool(&w, overwrite);
	jw_obj_end(&w);
	n = jw_finish(&w);
	if (n >= 0)
		n = aws_call(c, "ssm", region, "AmazonSSM.PutParameter", c->req,
			     (size_t)n, c->resp, AWS_RESP_MAX);
	secret_wipe(c->req, AWS_REQ_MAX); /* it held the value */
	if (n < 0)
		return n;
	/* {"Version":N,"Tier":"Standard"}: the version is what we keep. */
	if (json_parse(&j, c->resp, (size_t)n) ||
	    json_int(&j, json_find(&j, 0, "Version"), &version) ||
	    version < 1 || version > 0x7fffffff)
		n = malformed(c, "malformed PutParameter response");
	else
		n = (int)version;
	secret_wipe(c->resp, AWS_RESP_MAX);
	return n;
}
