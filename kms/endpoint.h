/* endpoint.h - where an AWS call goes: the region, the service's endpoint
 * (a URL the caller gave, or the partition's name) and the HTTPS proxy on
 * the way there.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "AWS Region" (AWS_REGION,
 *      AWS_DEFAULT_REGION), "Service-specific endpoints"
 *      (AWS_ENDPOINT_URL_<SERVICE>), "Dual-stack and FIPS endpoints",
 *      "HTTP proxy" (HTTPS_PROXY, NO_PROXY); EC2 User Guide, "Instance
 *      metadata categories" (placement/region).
 */
#ifndef LUKSBOX_ENDPOINT_H
#define LUKSBOX_ENDPOINT_H

#include <stddef.h>

struct aws_client; /* kms/aws.h */

/*
 * The region to use when no ARN names one: --region, AWS_REGION,
 * AWS_DEFAULT_REGION, then IMDS placement/region. Returns it, or NULL
 * with C->error set.
 */
const char *aws_region(struct aws_client *c);

/*
 * The region the caller chose explicitly (--region, AWS_REGION,
 * AWS_DEFAULT_REGION), or NULL. The order for a call naming a key ARN is
 * this, then the ARN's region, then IMDS (kms.c).
 */
const char *aws_region_explicit(const struct aws_client *c);

/* The region in an ARN ("arn:PARTITION:kms:REGION:ACCOUNT:key/ID"), copied
 * into OUT; 0, or -EINVAL when S is not an ARN with a region. */
int aws_arn_region(const char *s, char *out, size_t cap);

/*
 * The endpoint for SERVICE ("kms", "ssm") in REGION: --endpoint-url, else
 * AWS_ENDPOINT_URL_<SVC>, else AWS_ENDPOINT_URL; else the partition's
 * name: SERVICE[-fips].REGION.amazonaws.com (aws, and aws-us-gov for
 * us-gov-*), .amazonaws.com.cn for cn-*, "-fips" when
 * AWS_USE_FIPS_ENDPOINT=true. Fills scheme-less HOST, PORT and TLS.
 * Returns 0 or -EINVAL (bad URL or region), or -EPROTONOSUPPORT for an
 * http:// URL (KMS and SSM are reached over TLS only) unless the options
 * permit plain HTTP.
 */
int aws_endpoint(const struct aws_client *c, const char *service,
		 const char *region, char *host, size_t cap, unsigned *port,
		 int *tls);

/*
 * Set C->error for ERR, aws_endpoint()'s failure for SERVICE: a refused
 * http:// endpoint names where it came from and its scheme, never the
 * whole URL (it may carry a user:password); anything else is a bad URL
 * or region.
 */
void aws_endpoint_error(struct aws_client *c, const char *service, int err);

/*
 * The proxy on the way to HOST: HTTPS_PROXY (else https_proxy) unless
 * NO_PROXY (else no_proxy) exempts HOST ("*", exact names, domain
 * suffixes). Returns 1 to connect directly, 0 with the proxy's host in
 * PHOST (CAP bytes) and its port in *PPORT, or -EINVAL when the variable
 * is not an http://HOST[:PORT] URL (proxy credentials are refused).
 */
int aws_proxy(const char *host, char *phost, size_t cap, unsigned *pport);

#endif
