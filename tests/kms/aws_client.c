/* aws_client.c - drive the AWS client (kms/aws.h; aws_call() in
 * kms/call.c) directly for what one kms-wrap run cannot show: several KMS
 * calls on one client (keep-alive), and a wrong system clock (the
 * early-boot certificate policy of kms/tls.h). Built and run by
 * tests/kms/aws-client against tests/fakes/awsenv.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: kms/aws.h, kms/kms.h, kms/tls.h (clock policy).
 *
 * Usage: aws_client calls KEY_ARN        every KMS operation once
 *        aws_client clock EPOCH KEY_ARN  DescribeKey believing the clock
 *                                        says EPOCH
 *        aws_client stale KEY_ARN        DescribeKey, print "ready", wait
 *                                        for a line on stdin (the test
 *                                        closes the idle connection),
 *                                        DescribeKey again, print attempts
 * Credentials, region, endpoint and CA come from the environment, as for
 * kms-wrap. Prints one line per call ("OP ok" or "OP failed: MESSAGE") and
 * "connections N"; exits 0 when every call worked, else 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secret.h"
#include "kms/kms.h"

static int report(struct aws_client *c, const char *op, int n)
{
	char msg[1024];

	if (n >= 0) {
		printf("%s ok\n", op);
		return 0;
	}
	aws_error_format(&c->error, msg, sizeof(msg));
	printf("%s failed: %s\n", op, msg);
	return 1;
}

static int calls(struct aws_client *c, const char *key)
{
	unsigned char pt[64], blob[KMS_BLOB_MAX], blob2[KMS_BLOB_MAX];
	unsigned char back[64], dk[32], rnd[16];
	struct kms_context x = {0};
	struct kms_key_info ki;
	int bad = 0, n, m;

	memcpy(pt, "keep-alive test plaintext", 25);
	kms_context_add(&x, "luksbox:volume", "test");
	n = kms_encrypt(c, key, NULL, &x, pt, 25, blob, sizeof(blob));
	bad |= report(c, "Encrypt", n);
	m = n < 0 ? n
		  : kms_decrypt(c, NULL, NULL, &x, blob, (size_t)n, back,
				sizeof(back), NULL, 0);
	bad |= report(c, "Decrypt", m);
	if (m >= 0 && (m != 25 || memcmp(back, pt, 25))) {
		printf("Decrypt gave other bytes\n");
		bad = 1;
	}
	bad |= report(c, "GenerateDataKey",
		      kms_generate_data_key(c, key, NULL, &x, sizeof(dk), dk,
					    blob2, sizeof(blob2), NULL, 0));
	bad |= report(c, "DescribeKey", kms_describe_key(c, key, NULL, &ki));
	bad |= report(c, "GenerateRandom",
		      kms_generate_random(c, NULL, sizeof(rnd), rnd));
	if (n >= 0)
		bad |= report(c, "ReEncrypt",
			      kms_reencrypt(c, key, NULL, &x, NULL, blob,
					    (size_t)n, blob2, sizeof(blob2),
					    NULL, 0));
	secret_wipe(back, sizeof(back));
	secret_wipe(dk, sizeof(dk));
	return bad;
}

int main(int argc, char **argv)
{
	struct secret_arena a = {0};
	struct aws_opts o = {.timeout_s = 10};
	struct aws_client *c = malloc(sizeof(*c));
	struct kms_key_info ki;
	int bad;

	if (!c || argc < 3 || (!strcmp(argv[1], "clock") && argc != 4)) {
		fprintf(stderr,
			"usage: aws_client calls KEY | clock EPOCH KEY\n");
		return 2;
	}
	if (secret_arena_init(&a, 256 * 1024, 0) || aws_init(c, &a, &o) < 0) {
		fprintf(stderr, "aws_client: cannot set up the client\n");
		return 1;
	}
	if (!strcmp(argv[1], "calls")) {
		bad = calls(c, argv[2]);
	} else if (!strcmp(argv[1], "stale")) {
		char line[8];

		bad = report(c, "DescribeKey",
			     kms_describe_key(c, argv[2], NULL, &ki));
		printf("ready\n");
		fflush(stdout);
		if (!fgets(line, sizeof(line), stdin))
			return 2;
		bad |= report(c, "DescribeKey",
			      kms_describe_key(c, argv[2], NULL, &ki));
		printf("attempts %u\n", c->attempts);
	} else {
		/* What the certificate check will believe "now" is. */
		c->trust.now = (time_t)strtoll(argv[2], NULL, 10);
		bad = report(c, "DescribeKey",
			     kms_describe_key(c, argv[3], NULL, &ki));
	}
	printf("connections %u\n", c->connects);
	aws_fini(c);
	free(c);
	secret_arena_fini(&a);
	return bad;
}
