/* kms-wrap.c - wrap and unwrap secrets with AWS KMS; read and write SSM
 * SecureStrings.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Applets", kms/kms.h, kms/ssm.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applet.h"
#include "lib/base64.h"
#include "lib/clock.h"
#include "lib/io.h"
#include "crypto/secret.h"
#include "kms/kms.h"
#include "kms/ssm.h"

const char kms_wrap_usage[] =
	"Usage: kms-wrap COMMAND [OPTIONS]\n"
	"\n"
	"Encrypt and decrypt small secrets with AWS KMS and read and write\n"
	"SSM SecureString parameters through luksbox's own HTTPS + SigV4 client\n"
	"(no AWS CLI, no Python). Input is stdin or --in, output stdout or\n"
	"--out, binary-safe.\n"
	"\n"
	"  encrypt  -k KEY [-c K=V]... [-i F] [-o F] [-b]\n"
	"           plaintext (1-4096 bytes) -> ciphertext blob\n"
	"  decrypt  [-k KEY] [-c K=V]... [-i F] [-o F] [-b]\n"
	"           blob -> plaintext (-k pins the key the blob must name)\n"
	"  generate-data-key -k KEY [-c K=V]... [-n N] -P F -B F [-b]\n"
	"           a fresh N-byte data key to -P F and its blob to -B F\n"
	"  rewrap   -k NEWKEY [-c K=V]... [-i F] [-o F] [-b]\n"
	"           blob -> blob under NEWKEY (KMS ReEncrypt, same context)\n"
	"  describe -k KEY    key ARN, state, usage, spec, description (and\n"
	"                     deletion date, when pending deletion)\n"
	"  ssm-get  -N NAME [-o F]   a parameter's value, decrypted\n"
	"  ssm-put  -N NAME [-k KEY] [-i F] [-b] [-f]\n"
	"           stdin (or -i F; one trailing newline dropped) -> the\n"
	"           SecureString NAME under KMS key KEY (default\n"
	"           alias/aws/ssm); an existing NAME is refused unless -f\n"
	"\n"
	"  -k, --key-id KEY      key id, key ARN, alias/NAME or alias ARN\n"
	"  -c, --context K=V     encryption context pair (repeatable, up to 16);\n"
	"                        decrypt needs the pairs encrypt was given\n"
	"  -i, --in F            input file (default stdin)\n"
	"  -o, --out F           output file (default stdout): created new\n"
	"                        (never overwritten), mode 0600, written whole\n"
	"                        or not at all\n"
	"  -b, --base64          blobs in and out as base64 text (one line), and\n"
	"                        plaintexts and data keys out as base64, as\n"
	"                        `aws kms ... --output text --query\n"
	"                        CiphertextBlob` (or Plaintext) prints them;\n"
	"                        ssm-put: store the input's base64 text (how\n"
	"                        luks-setup stores a volume's secret)\n"
	"  -f, --force           ssm-put: overwrite an existing parameter\n"
	"  -n, --bytes N         data key length, 1-1024 (default 32)\n"
	"  -P, --plain-out F     where the data key goes (new file, 0600)\n"
	"  -B, --blob-out F      where its blob goes (new file, 0600)\n"
	"  -N, --name NAME       SSM parameter name or ARN\n"
	"  -r, --region R        region; else AWS_REGION, AWS_DEFAULT_REGION,\n"
	"                        the key ARN's region, IMDS placement/region\n"
	"  -e, --endpoint URL    https://HOST[:PORT] for KMS and SSM; else\n"
	"                        AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL_SSM,\n"
	"                        AWS_ENDPOINT_URL, else the region's (FIPS with\n"
	"                        AWS_USE_FIPS_ENDPOINT=true; aws-cn, aws-us-gov)\n"
	"  -a, --ca-file PEM     trust these CAs too (as AWS_CA_BUNDLE does)\n"
	"  -p, --profile NAME    shared credentials profile (else AWS_PROFILE)\n"
	"  -I, --imds-v1         allow IMDSv1 if no IMDSv2 token can be had\n"
	"                        (off by default: IMDSv1 is what SSRF reads)\n"
	"  -t, --timeout SEC     overall deadline, retries included (default\n"
	"                        30); each attempt gets a third of it (>= 2 s)\n"
	"  -R, --retry-mode M    standard (default): at most 3 attempts, as the\n"
	"                        AWS SDKs; boot: as many as the deadline allows,\n"
	"                        as luks-mount at boot (full-jitter backoff,\n"
	"                        Retry-After honoured, both modes)\n"
	"  -v, --verbose         report credentials source, region, endpoint,\n"
	"                        attempts and connections on stderr\n"
	"\n"
	"Credentials: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+\n"
	"AWS_SESSION_TOKEN); the shared credentials file\n"
	"(AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials); the instance role\n"
	"through IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT,\n"
	"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6,\n"
	"AWS_EC2_METADATA_DISABLED=true). HTTPS_PROXY (CONNECT) and NO_PROXY\n"
	"are honoured. Secrets never go in arguments or the environment.\n"
	"Exit: 0 ok, 1 failed (access denied, bad signature, not found, bad\n"
	"input), 2 usage, 75 temporary (timeout, throttling, 5xx, unreachable:\n"
	"a retry may succeed).\n";

#define ARENA_SIZE (256 * 1024)
#define IN_MAX (KMS_BLOB_MAX * 2)

struct opts {
	const char *cmd, *key_id, *in, *out, *plain_out, *blob_out, *name;
	struct kms_context ctx;
	int base64, bytes, verbose, force;
	struct aws_opts aws;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"key-id", required_argument, NULL, 'k'},
		{"context", required_argument, NULL, 'c'},
		{"in", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{"base64", no_argument, NULL, 'b'},
		{"bytes", required_argument, NULL, 'n'},
		{"plain-out", required_argument, NULL, 'P'},
		{"blob-out", required_argument, NULL, 'B'},
		{"name", required_argument, NULL, 'N'},
		{"region", required_argument, NULL, 'r'},
		{"endpoint", required_argument, NULL, 'e'},
		{"ca-file", required_argument, NULL, 'a'},
		{"profile", required_argument, NULL, 'p'},
		{"imds-v1", no_argument, NULL, 'I'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"force", no_argument, NULL, 'f'},
		{"retry-mode", required_argument, NULL, 'R'},
		{NULL, 0, NULL, 0},
	};
	int c, err;
	char *eq, *end;

	o->bytes = 32;
	while ((c = getopt_long(argc, argv, "k:c:i:o:bn:P:B:N:r:e:a:p:It:vfR:",
				longs, NULL)) != -1) {
		switch (c) {
		case 'k':
			o->key_id = optarg;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'b':
			o->base64 = 1;
			break;
		case 'P':
			o->plain_out = optarg;
			break;
		case 'B':
			o->blob_out = optarg;
			break;
		case 'N':
			o->name = optarg;
			break;
		case 'r':
			o->aws.region = optarg;
			break;
		case 'e':
			o->aws.endpoint_url = optarg;
			break;
		case 'a':
			o->aws.ca_file = optarg;
			break;
		case 'p':
			o->aws.profile = optarg;
			break;
		case 'I':
			o->aws.imds_v1 = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'R':
			if (!strcmp(optarg, "boot"))
				o->aws.retry_mode = RETRY_BOOT;
			else if (strcmp(optarg, "standard"))
				return usage_error("--retry-mode %s: want "
						   "standard or boot",
						   optarg);
			break;
		case 'c':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg)
				return usage_error("--context %s: want K=V",
						   optarg);
			*eq = 0;
			err = kms_context_add(&o->ctx, optarg, eq + 1);
			if (err)
				return usage_error("--context %s: %s", optarg,
						   err == -EEXIST
							   ? "given twice"
							   : "too many pairs");
			break;
		case 'n':
			o->bytes = (int)strtol(optarg, &end, 10);
			if (*end || o->bytes < 1 || o->bytes > 1024)
				return usage_error("--bytes %s: want 1-1024",
						   optarg);
			break;
		case 't':
			o->aws.timeout_s = (int)strtol(optarg, &end, 10);
			if (*end || o->aws.timeout_s < 1)
				return usage_error("--timeout %s: want seconds",
						   optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error(optind >= argc ? "which command?"
						  : "one command, please");
	o->cmd = argv[optind];
	return 0;
}

/* Read all of --in (or stdin) into BUF: its length, or -errno. */
static int read_input(const char *path, unsigned char *buf, size_t cap)
{
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char extra;

			if (read(fd, &extra, 1) > 0)
				r = -1, errno = EMSGSIZE;
			break;
		}
	}
	if (fd)
		close(fd);
	return r < 0 ? -errno : (int)n;
}

/* Decode base64 input text in place (trailing blanks tolerated). */
static int unb64(unsigned char *buf, int n)
{
	while (n > 0 &&
	       (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		n--;
	return b64_decode(buf, (size_t)n, (const char *)buf, (size_t)n);
}

/* Output to --out (new 0600 file, whole) or stdout, base64 when asked. */
static int emit(struct secret_arena *a, const struct opts *o, const char *path,
		const unsigned char *p, size_t n, int b64)
{
	char *text;
	int len;

	if (b64) {
		text = secret_alloc(a, B64_ENC_LEN(n) + 1);
		if (!text)
			return -ENOMEM;
		len = b64_encode(text, B64_ENC_LEN(n), p, n);
		if (len < 0)
			return len;
		text[len++] = '\n';
		p = (const unsigned char *)text;
		n = (size_t)len;
	}
	if (path)
		return io_write_new(path, p, n, 0600);
	return io_write_all(1, p, n);
}

static int aws_fail(struct aws_client *c, const char *what)
{
	struct msg_error e;

	aws_error_msg(&c->error, &e);
	return msg_failed(&applet_msg, msg_exit_class(e.err), what, e.why);
}

/* ssm-put: IN (N bytes, or its base64 text) as the SecureString --name. */
static int ssm_put(const struct opts *o, struct secret_arena *a,
		   struct aws_client *c, unsigned char *in, int n)
{
	char *text = (char *)in;
	int len;

	if (o->base64) {
		text = secret_alloc(a, B64_ENC_LEN(n));
		if (!text)
			return fail(EXIT_FAIL, "allocate secret memory");
		n = b64_encode(text, B64_ENC_LEN(n), in, (size_t)n);
	} else if (in[n - 1] == '\n') {
		n--; /* as `echo` and here-documents add it */
	}
	if (n <= 0 || n > SSM_VALUE_MAX || memchr(text, 0, (size_t)n))
		return fail(EXIT_FAIL,
			    "ssm-put %s: the value must be 1-%d bytes of text "
			    "without NUL (-b stores binary input as base64)",
			    o->name, SSM_VALUE_MAX);
	len = ssm_put_parameter(c, o->name, NULL, o->key_id,
				"written by luksbox kms-wrap ssm-put", text,
				(size_t)n, o->force);
	if (len == -EEXIST)
		return fail(EXIT_FAIL,
			    "put the SSM parameter %s: it exists already "
			    "and was left as it is; --force overwrites it",
			    o->name);
	if (len < 0)
		return aws_fail(c, "put the SSM parameter");
	if (o->verbose)
		note("%s: version %d", o->name, len);
	return EXIT_OK;
}

static int run(struct opts *o, struct secret_arena *a, struct aws_client *c)
{
	unsigned char *in = NULL, *out;
	int n = 0, err;

	out = secret_alloc(a, IN_MAX);
	if (!out)
		return fail(EXIT_FAIL, "allocate secret memory");
	if (!strcmp(o->cmd, "encrypt") || !strcmp(o->cmd, "decrypt") ||
	    !strcmp(o->cmd, "rewrap") || !strcmp(o->cmd, "ssm-put")) {
		in = secret_alloc(a, IN_MAX);
		if (!in)
			return fail(EXIT_FAIL, "allocate secret memory");
		n = read_input(o->in, in, IN_MAX);
		if (n < 0)
			return fail_err(EXIT_FAIL, n, "read %s",
					o->in ? o->in : "stdin");
		if (o->base64 && strcmp(o->cmd, "encrypt") &&
		    strcmp(o->cmd, "ssm-put")) {
			n = unb64(in, n);
			if (n < 0)
				return fail(EXIT_FAIL,
					    "read %s: not base64 text",
					    o->in ? o->in : "stdin");
		}
		if (n == 0)
			return fail(EXIT_FAIL, "%s: the input is empty",
				    o->cmd);
	}
	if (!strcmp(o->cmd, "encrypt")) {
		if (!o->key_id)
			return usage_error("encrypt needs --key-id");
		if (n > KMS_PLAINTEXT_MAX)
			return fail(EXIT_FAIL,
				    "encrypt: input is %d bytes; KMS takes at "
				    "most %d (wrap a data key instead)",
				    n, KMS_PLAINTEXT_MAX);
		n = kms_encrypt(c, o->key_id, NULL, &o->ctx, in, (size_t)n, out,
				IN_MAX);
		if (n < 0)
			return aws_fail(c, "encrypt with KMS");
		err = emit(a, o, o->out, out, (size_t)n, o->base64);
	} else if (!strcmp(o->cmd, "decrypt")) {
		n = kms_decrypt(c, o->key_id, NULL, &o->ctx, in, (size_t)n, out,
				IN_MAX, NULL, 0);
		if (n < 0)
			return aws_fail(c, "decrypt with KMS");
		err = emit(a, o, o->out, out, (size_t)n, o->base64);
	} else if (!strcmp(o->cmd, "rewrap")) {
		if (!o->key_id)
			return usage_error("rewrap needs --key-id");
		n = kms_reencrypt(c, o->key_id, NULL, &o->ctx, NULL, in,
				  (size_t)n, out, IN_MAX, NULL, 0);
		if (n < 0)
			return aws_fail(c, "re-encrypt with KMS");
		err = emit(a, o, o->out, out, (size_t)n, o->base64);
	} else if (!strcmp(o->cmd, "generate-data-key")) {
		unsigned char *key = secret_alloc(a, (size_t)o->bytes);

		if (!o->key_id || !o->plain_out || !o->blob_out)
			return usage_error("generate-data-key needs --key-id, "
					   "--plain-out and --blob-out");
		if (!key)
			return fail(EXIT_FAIL, "allocate secret memory");
		n = kms_generate_data_key(c, o->key_id, NULL, &o->ctx,
					  (size_t)o->bytes, key, out, IN_MAX,
					  NULL, 0);
		if (n < 0)
			return aws_fail(c, "generate a data key with KMS");
		err = emit(a, o, o->blob_out, out, (size_t)n, o->base64);
		if (err)
			return fail_err(EXIT_FAIL, err, "write %s",
					o->blob_out);
		err = emit(a, o, o->plain_out, key, (size_t)o->bytes,
			   o->base64);
		if (err) {
			unlink(o->blob_out);
			return fail_err(EXIT_FAIL, err, "write %s",
					o->plain_out);
		}
		return EXIT_OK;
	} else if (!strcmp(o->cmd, "describe")) {
		struct kms_key_info ki;
		char line[760], date[32];

		if (!o->key_id)
			return usage_error("describe needs --key-id");
		if (kms_describe_key(c, o->key_id, NULL, &ki) < 0)
			return aws_fail(c, "describe the KMS key");
		n = snprintf(line, sizeof(line),
			     "arn\t%s\nstate\t%s\nusage\t%s\nspec\t%s\n"
			     "description\t%s\n%s%s%s",
			     ki.arn, ki.state, ki.usage, ki.spec,
			     ki.description, ki.deletion ? "deletion\t" : "",
			     ki.deletion ? utc_iso8601(ki.deletion, date,
						       sizeof(date))
					 : "",
			     ki.deletion ? "\n" : "");
		err = io_write_all(1, line, (size_t)n);
	} else if (!strcmp(o->cmd, "ssm-get")) {
		if (!o->name)
			return usage_error("ssm-get needs --name");
		n = ssm_get_parameter(c, o->name, NULL, (char *)out, IN_MAX);
		if (n < 0)
			return aws_fail(c, "get the SSM parameter");
		err = emit(a, o, o->out, out, (size_t)n, 0);
	} else if (!strcmp(o->cmd, "ssm-put")) {
		if (!o->name)
			return usage_error("ssm-put needs --name");
		return ssm_put(o, a, c, in, n);
	} else {
		return usage_error("%s: unknown command", o->cmd);
	}
	if (err)
		return fail_err(EXIT_FAIL, err, "write %s",
				o->out ? o->out : "stdout");
	return EXIT_OK;
}

int kms_wrap_main(int argc, char **argv)
{
	struct opts o = {0};
	struct secret_arena a = {0};
	struct aws_client *c;
	int r;

	r = parse(argc, argv, &o);
	if (r)
		return r;
	r = secret_arena_init(&a, ARENA_SIZE, 1);
	if (r)
		return fail_err(EXIT_FAIL, r, "map secret memory");
	if (!a.locked && o.verbose)
		note("secret memory not locked (RLIMIT_MEMLOCK); run as root "
		     "to keep keys out of swap");
	c = malloc(sizeof(*c));
	if (!c) {
		secret_arena_fini(&a);
		return fail(EXIT_FAIL, "allocate the AWS client");
	}
	r = aws_init(c, &a, &o.aws);
	if (r) {
		r = aws_fail(c, "set up the AWS client");
	} else {
		r = run(&o, &a, c);
		if (o.verbose)
			note("%u attempt(s), %u connection(s); region %s at %s; "
			     "credentials: %s",
			     c->attempts, c->connects,
			     c->last_region[0] ? c->last_region : "-",
			     c->last_host[0] ? c->last_host : "-",
			     c->have_creds ? c->creds->source : "none");
	}
	aws_fini(c);
	free(c);
	secret_arena_fini(&a);
	return r;
}
