/* ssm.c - SSM GetParameter over aws_call().
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: ssm.h.
 */
#include "kms/ssm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kms/json.h"

int ssm_get_parameter(struct aws_client *c, const char *name, char *out,
		      size_t cap)
{
	struct jw w;
	struct json j;
	int n, p;

	jw_init(&w, c->req, AWS_REQ_MAX);
	jw_obj_begin(&w);
	jw_key(&w, "Name");
	jw_str(&w, name);
	jw_key(&w, "WithDecryption");
	jw_bool(&w, 1);
	jw_obj_end(&w);
	n = jw_finish(&w);
	if (n < 0)
		return n;
	n = aws_call(c, "ssm", NULL, "AmazonSSM.GetParameter", c->req,
		     (size_t)n, c->resp, AWS_RESP_MAX);
	if (n < 0)
		return n;
	if (json_parse(&j, c->resp, (size_t)n) ||
	    (p = json_find(&j, 0, "Parameter")) < 0 ||
	    (n = json_get_string(&j, p, "Value", out, cap)) < 0) {
		snprintf(c->error.message, sizeof(c->error.message),
			 "malformed GetParameter response (or a value over "
			 "%zu bytes)",
			 cap - 1);
		snprintf(c->error.where, sizeof(c->error.where),
			 "SSM at %.150s", c->last_host);
		c->error.code[0] = 0;
		c->error.hint = NULL;
		c->error.err = -EPROTO;
		n = -EPROTO;
	}
	secret_wipe(c->resp, AWS_RESP_MAX);
	return n;
}
