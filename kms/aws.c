/* aws.c - the AWS client: setup (options, arena buffers, IMDS, trust)
 * and teardown.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: aws.h.
 */
#include "kms/aws.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kms/http.h"
#include "lib/clock.h"

#define DEFAULT_TIMEOUT_S 30
#define DEFAULT_ATTEMPTS 3

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
	c->deadline = deadline_in((int64_t)c->opts.timeout_s * 1000);
	for (int i = 0; i < AWS_CONNS; i++)
		c->conns[i].net.fd = -1;
	c->rs = secret_alloc(arena, sizeof(*c->rs));
	c->req = secret_alloc(arena, AWS_REQ_MAX);
	c->resp = secret_alloc(arena, AWS_RESP_MAX);
	c->scratch = secret_alloc(arena, AWS_REQ_MAX);
	if (!c->rs || !c->req || !c->resp || !c->scratch) {
		aws_set_error(c, -ENOMEM, "luksbox", NULL, "secret arena full",
			      NULL);
		return -ENOMEM;
	}
	err = imds_init(&c->imds, o->imds_v1);
	if (err) {
		aws_set_error(c, err, "luksbox", NULL, c->imds.why,
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
		aws_set_error(c, -ENOMEM, "luksbox", NULL, "secret arena full",
			      NULL);
		return -ENOMEM;
	}
	err = tls_trust_init(&c->trust, 1);
	if (err)
		return err;
	if (bundle && *bundle) {
		err = tls_trust_add_pem(&c->trust, bundle);
		if (err < 0) {
			aws_set_error(c, err, bundle, NULL,
				      "cannot load AWS_CA_BUNDLE certificates",
				      NULL);
			return err;
		}
	}
	if (o->ca_file) {
		err = tls_trust_add_pem(&c->trust, o->ca_file);
		if (err < 0) {
			aws_set_error(c, err, o->ca_file, NULL,
				      "cannot load --ca-file certificates",
				      NULL);
			return err;
		}
	}
	return 0;
}

void aws_set_error(struct aws_client *c, int err, const char *where,
		   const char *code, const char *msg, const char *hint)
{
	aws_error_fill(&c->error, err, where, code, msg, hint);
}

void aws_fini(struct aws_client *c)
{
	aws_conns_close(c);
	if (c->creds)
		creds_wipe(c->creds);
	imds_fini(&c->imds);
	tls_trust_fini(&c->trust);
}
