/* endpoint.c - where a call goes: region, endpoint, proxy.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: endpoint.h.
 */
#include "kms/endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kms/aws.h"
#include "kms/net.h"

/* A region name: lowercase letters, digits and '-', under 32 bytes (it
 * goes into a host name and the signature's scope). */
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
			aws_set_error(c, -EINVAL, r, NULL, "not a region name",
				      NULL);
			return NULL;
		}
		strcpy(c->region, r);
		return c->region;
	}
	n = imds_get(&c->imds, "/latest/meta-data/placement/region", buf,
		     sizeof(buf), c->deadline);
	if (n < 0) {
		aws_set_error(c, n, "IMDS", NULL, c->imds.why,
			      c->imds.hint
				      ? c->imds.hint
				      : "set --region or AWS_REGION, or use a "
					"key ARN");
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = 0;
	if (!valid_region(buf)) {
		aws_set_error(c, -EBADMSG, "IMDS", NULL,
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
void aws_endpoint_error(struct aws_client *c, const char *service, int err)
{
	char var[64], scheme[16], msg[384];
	const char *src = "endpoint", *url;
	size_t n = 0;

	url = endpoint_url(c, service, var, sizeof(var), &src);
	if (!url || err != -EPROTONOSUPPORT) {
		aws_set_error(c, -EINVAL, url ? src : service, NULL,
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
	aws_set_error(c, -EPROTONOSUPPORT, src, NULL, msg,
		      "use https://HOST[:PORT] (a proxy goes in HTTPS_PROXY)");
}

/* Does NO_PROXY exempt HOST? "*", exact names, and domain suffixes. */
static int no_proxy(const char *host)
{
	const char *np = getenv("NO_PROXY");
	size_t hl = strlen(host);

	if (!np)
		np = getenv("no_proxy");
	while (np && *np) {
		size_t n = strcspn(np, ", ");
		size_t dot = *np == '.', il = n - dot;

		/* An item longer than any name (255) is ignored. */
		if (n && n < 256) {
			if (n == 1 && *np == '*')
				return 1;
			if (il <= hl &&
			    !strncasecmp(host + hl - il, np + dot, il) &&
			    (il == hl || host[hl - il - 1] == '.'))
				return 1;
		}
		np += n;
		np += strspn(np, ", ");
	}
	return 0;
}

int aws_proxy(const char *host, char *phost, size_t cap, unsigned *pport)
{
	const char *p = getenv("HTTPS_PROXY");
	int ptls;

	if (!p || !*p)
		p = getenv("https_proxy");
	if (!p || !*p || no_proxy(host))
		return 1; /* connect directly */
	if (net_parse_url(p, phost, cap, pport, &ptls) || ptls)
		return -EINVAL;
	return 0;
}
