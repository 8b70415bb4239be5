/* test_creds.c - kms/creds: environment, shared credentials file and
 * profiles (hostile files too), expiry, and the instance role through
 * IMDSv2 against a loopback fake (token PUT, 401 refresh, roles,
 * documents). IMDS configuration and tokens: test_imds.c.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: AWS SDKs and Tools Reference Guide, "Standardized credential
 *      providers"; EC2 User Guide, "Use IMDSv2".
 */
#define T_SUITE "unit/creds"
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "t.h"
#include "fake_http.h"
#include "crypto/secret.h"
#include "kms/creds.h"
#include "kms/net.h"
#include "lib/msg.h"

static struct aws_creds cr;
static struct imds m;
static struct msg_error me; /* creds_load()'s reason */
static char dir[] = "/tmp/luksbox-creds-XXXXXX";
static char path[64];

static void clean_env(void)
{
	static const char *const v[] = {
		"AWS_ACCESS_KEY_ID",
		"AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN",
		"AWS_PROFILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		unsetenv(v[i]);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
	setenv("HOME", dir, 1);
	unlink(path);
}

#define PUT(text) put_file(text, strlen(text))

static void put_file(const char *text, size_t n)
{
	FILE *f = fopen(path, "w");

	fwrite(text, 1, n, f);
	fclose(f);
}

static int load(const char *profile)
{
	int r;

	me.why[0] = 0;
	imds_init(&m, 0);
	r = creds_load(&cr, &m, profile, now_ms() + 2000, &me);
	/* Every failure says why, and its errno is the one returned. */
	if (r)
		CHECKF(me.err == r && me.why[0], "%d %d '%s'", r, me.err,
		       me.why);
	return r;
}

static void test_env(void)
{
	clean_env();
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	CHECK(load(NULL) == 0);
	CHECK(!strcmp(cr.access_key, "AKIDENV") &&
	      !strcmp(cr.secret_key, "secretenv") && cr.token[0] == 0 &&
	      cr.expiration == 0 && !strcmp(cr.source, "environment"));
	setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
	CHECK(load(NULL) == 0 && !strcmp(cr.token, "tokenenv"));
	/* The environment beats a file. */
	PUT("[default]\naws_access_key_id=F\naws_secret_access_key=S\n");
	CHECK(load(NULL) == 0 && !strcmp(cr.access_key, "AKIDENV"));
	/* Half a pair is no pair: on to the file. */
	unsetenv("AWS_SECRET_ACCESS_KEY");
	CHECK(load(NULL) == 0 && !strcmp(cr.access_key, "F"));
	/* A CR in a variable would end a header line: refused. */
	setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
	setenv("AWS_SESSION_TOKEN", "tok\r\nX-Evil: 1", 1);
	CHECK(load(NULL) == -EILSEQ && cr.access_key[0] == 0);
	CHECKF(strstr(me.why, "AWS_SESSION_TOKEN holds a blank or control"),
	       "%s", me.why);
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	/* Too long is an error, never a cut key. */
	{
		char big[300];

		memset(big, 'k', sizeof(big) - 1);
		big[sizeof(big) - 1] = 0;
		setenv("AWS_ACCESS_KEY_ID", big, 1);
		setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
		CHECK(load(NULL) == -EMSGSIZE && cr.access_key[0] == 0);
		/* ... and no half pair when the secret is the long one. */
		setenv("AWS_ACCESS_KEY_ID", "AKIDSHORT", 1);
		setenv("AWS_SECRET_ACCESS_KEY", big, 1);
		CHECK(load(NULL) == -EMSGSIZE && cr.access_key[0] == 0);
	}
	clean_env();
}

static void test_file_profiles(void)
{
	static const char f[] = "# comment\n"
				"; another\n"
				"[default]\n"
				"aws_access_key_id = AKIDDEFAULT\n"
				"aws_secret_access_key=secretdefault   \n"
				"\n"
				"[ prod ]\r\n"
				"  aws_access_key_id\t=\tAKIDPROD\r\n"
				"aws_secret_access_key = secret=with=equals\r\n"
				"aws_session_token = tok/en+==\r\n"
				"region = eu-west-1\r\n"
				"[profile cfgstyle]\n"
				"aws_access_key_id = AKIDCFG\n"
				"aws_secret_access_key = secretcfg\n";

	clean_env();
	put_file(f, sizeof(f) - 1);
	CHECK(load(NULL) == 0);
	CHECK(!strcmp(cr.access_key, "AKIDDEFAULT") &&
	      !strcmp(cr.secret_key, "secretdefault") && !cr.token[0] &&
	      !strcmp(cr.source, "profile default"));
	/* AWS_PROFILE, then an explicit profile beats it. */
	setenv("AWS_PROFILE", "prod", 1);
	CHECK(load(NULL) == 0);
	CHECK(!strcmp(cr.access_key, "AKIDPROD") &&
	      !strcmp(cr.secret_key, "secret=with=equals") &&
	      !strcmp(cr.token, "tok/en+==") &&
	      !strcmp(cr.source, "profile prod"));
	CHECK(load("default") == 0 && !strcmp(cr.access_key, "AKIDDEFAULT"));
	/* The credentials file names sections without "profile ": a
	 * config-file style section is not the profile. */
	CHECK(load("cfgstyle") < 0 && cr.access_key[0] == 0);
	CHECK(load("profile cfgstyle") == 0 &&
	      !strcmp(cr.access_key, "AKIDCFG"));
	/* ~/.aws/credentials when the variable is unset. */
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_PROFILE");
	{
		char d[80], p2[96];

		snprintf(d, sizeof(d), "%s/.aws", dir);
		mkdir(d, 0700);
		snprintf(p2, sizeof(p2), "%s/credentials", d);
		rename(path, p2);
		CHECK(load(NULL) == 0 && !strcmp(cr.access_key, "AKIDDEFAULT"));
		unlink(p2);
		rmdir(d);
	}
	clean_env();
}

static void test_file_incomplete(void)
{
	static const char f[] = "[default]\n"
				"aws_access_key_id = AKIDONLY\n"
				"[other]\n"
				"aws_access_key_id = A\n"
				"aws_secret_access_key = S\n";

	clean_env();
	put_file(f, sizeof(f) - 1);
	/* A profile that exists but lacks its secret is an error naming
	 * it - even when another section follows - not a silent fall to
	 * IMDS. */
	CHECK(load(NULL) == -ENOKEY);
	CHECKF(strstr(me.why, "profile default in ") &&
		       strstr(me.why, "lacks aws_access_key_id or "
				      "aws_secret_access_key"),
	       "%s", me.why);
	CHECK(cr.access_key[0] == 0); /* wiped */
	CHECK(load("other") == 0 && !strcmp(cr.access_key, "A"));
	clean_env();
}

/* Files nobody should write: errors or nothing, never a misread key. */
static void test_file_hostile(void)
{
	static char big[9000];
	size_t n;

	clean_env();
	/* A key longer than its field. */
	n = (size_t)snprintf(big, sizeof(big),
			     "[default]\naws_access_key_id = %0200d\n"
			     "aws_secret_access_key = s\n",
			     1);
	put_file(big, n);
	CHECK(load(NULL) == -EMSGSIZE);
	CHECKF(strstr(me.why, "cannot read the shared credentials file"), "%s",
	       me.why);
	/* A line longer than the reader's buffer: refused, its tail is not
	 * read as a line of its own. */
	n = (size_t)snprintf(big, sizeof(big), "[default]\n# %05000d", 0);
	n += (size_t)snprintf(big + n, sizeof(big) - n,
			      "aws_access_key_id = SMUGGLED\n"
			      "aws_secret_access_key = s\n");
	put_file(big, n);
	CHECK(load(NULL) == -EMSGSIZE && cr.access_key[0] == 0);
	/* A NUL byte in a value (fgets would cut it there): refused, also
	 * on a last line without a newline. */
	{
		static const char nul[] = "[default]\naws_access_key_id = A\n"
					  "aws_secret_access_key = S\0rest\n";
		static const char nul_last[] = "[default]\n"
					       "aws_access_key_id = A\n"
					       "aws_secret_access_key = S\0x";

		put_file(nul, sizeof(nul) - 1);
		CHECK(load(NULL) == -EILSEQ && cr.access_key[0] == 0);
		CHECKF(strstr(me.why,
			      "cannot read the shared credentials file"),
		       "%s", me.why);
		put_file(nul_last, sizeof(nul_last) - 1);
		CHECK(load(NULL) == -EILSEQ && cr.secret_key[0] == 0);
	}
	/* A lone CR inside a value (found by fuzz/creds): the key would end
	 * the Authorization line and add a header. Refused, nothing kept. */
	PUT("[default]\naws_access_key_id = AKID\rX-Evil: 1\n"
	    "aws_secret_access_key = S\n");
	CHECK(load(NULL) == -EILSEQ && cr.access_key[0] == 0);
	CHECKF(strstr(me.why, "control character in a key or token (profile "
			      "default)"),
	       "%s", me.why);
	PUT("[default]\naws_access_key_id = A\naws_secret_access_key = S\n"
	    "aws_session_token = T\x1bT\n");
	CHECK(load(NULL) == -EILSEQ && cr.token[0] == 0);
	/* A last line without a newline is still read. */
	PUT("[default]\naws_access_key_id = A\naws_secret_access_key = S");
	CHECK(load(NULL) == 0 && !strcmp(cr.secret_key, "S"));
	/* Junk without sections, unterminated sections, binary. */
	PUT("aws_access_key_id = A\naws_secret_access_key = S\n");
	CHECK(load(NULL) == -ENODEV);
	PUT("[default\naws_access_key_id = A\naws_secret_access_key = S\n");
	CHECK(load(NULL) == -ENODEV);
	{
		static const char bin[] = "\xff\xfe[\x01]\n=\n==\n[]\n";

		put_file(bin, sizeof(bin) - 1);
	}
	CHECK(load(NULL) == -ENODEV);
	/* A directory where the file should be: an error, not skipped. */
	unlink(path);
	mkdir(path, 0700);
	CHECK(load(NULL) == -EIO);
	CHECKF(strstr(me.why, "cannot read the shared credentials file"), "%s",
	       me.why);
	rmdir(path);
	clean_env();
}

static void test_expiring(void)
{
	struct aws_creds c = {0};

	CHECK(!creds_expiring(&c, time(NULL))); /* no expiry */
	c.expiration = 1000000;
	CHECK(!creds_expiring(&c, 1000000 - 301));
	CHECK(creds_expiring(&c, 1000000 - 300));
	CHECK(creds_expiring(&c, 1000000 + 5));
}

static void test_parse_imds(void)
{
	static const char good[] =
		"{\n  \"Code\" : \"Success\",\n"
		"  \"LastUpdated\" : \"2024-05-01T10:00:00Z\",\n"
		"  \"Type\" : \"AWS-HMAC\",\n"
		"  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n"
		"  \"SecretAccessKey\" : \"se/cr+et\",\n"
		"  \"Token\" : \"tok==\",\n"
		"  \"Expiration\" : \"2024-05-01T16:00:00Z\"\n}\n";
	static const char *const bad[] = {
		"not json",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\"}",
		"{\"AccessKeyId\":\"\",\"SecretAccessKey\":\"S\",\"Token\":\"T\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":1,\"Token\":\"T\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
		"\"Expiration\":\"tomorrow\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
		"\"Expiration\":\"2024-13-01T00:00:00Z\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
		"\"Expiration\":\"2024-05-01 16:00:00\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
		"\"Expiration\":\" 2024-5-1T16:00:00Z\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":\"T\","
		"\"Expiration\":7}",
		/* Escapes spelling a header of the server's choosing. */
		"{\"AccessKeyId\":\"A\\r\\nX-Evil: 1\",\"SecretAccessKey\":"
		"\"S\",\"Token\":\"T\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S\",\"Token\":"
		"\"T\\u000d\\u000aX-Evil: 1\"}",
		"{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"S S\",\"Token\":"
		"\"T\"}",
	};
	struct aws_creds c;
	char code[64];
	size_t i;

	CHECK(creds_parse_imds(&c, good, sizeof(good) - 1, code,
			       sizeof(code)) == 0);
	CHECK(!strcmp(c.access_key, "ASIAEXAMPLE") &&
	      !strcmp(c.secret_key, "se/cr+et") && !strcmp(c.token, "tok==") &&
	      !strcmp(code, "Success"));
	CHECK(c.expiration == 1714579200); /* date -d 2024-05-01T16:00:00Z */
	{
		static const char no[] =
			"{\"Code\":\"AssumeRoleUnauthorizedAccess\","
			"\"Message\":\"no\"}";

		CHECK(creds_parse_imds(&c, no, sizeof(no) - 1, code,
				       sizeof(code)) == -ENOKEY);
	}
	CHECK(!strcmp(code, "AssumeRoleUnauthorizedAccess"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 'x', sizeof(c));
		CHECKF(creds_parse_imds(&c, bad[i], strlen(bad[i]), NULL, 0) ==
				       -EBADMSG &&
			       c.access_key[0] == 0 && c.secret_key[0] == 0,
		       "%s", bad[i]);
	}
}

/* --- IMDSv2 over the loopback fake --- */

struct imds_state {
	int tokens;	   /* PUTs answered */
	int stale_once;	   /* answer the first credentials GET with 401 */
	const char *role;  /* the role listing */
	const char *doc;   /* the credentials document */
	int silent_put;	   /* never answer the token PUT */
	char bad_hdr[128]; /* a token header we did not hand out, if any */
};

static const char *imds_route(struct fake_http *f, const char *req)
{
	static char out[4][2048];
	static int slot;
	struct imds_state *st = f->ctx;
	char *o = out[slot++ % 4];
	const char *body, *tok = strstr(req, "X-aws-ec2-metadata-token: ");
	char want[64];

	if (!strncmp(req, "PUT /latest/api/token ", 22)) {
		if (st->silent_put)
			return FAKE_SILENT;
		if (!strstr(req, "X-aws-ec2-metadata-token-ttl-seconds: 21600"))
			return "HTTP/1.1 400 Bad Request\r\nContent-Length: 0"
			       "\r\n\r\n";
		st->tokens++;
		/* A tail no role name or path holds: what a scan for a
		 * leftover copy of the token looks for. */
		snprintf(o, 2048,
			 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n"
			 "token-%d-imds-session-secret",
			 strlen("token-N-imds-session-secret") +
				 (st->tokens > 9 ? 1 : 0),
			 st->tokens);
		return o;
	}
	/* IMDSv2 only: every GET carries the token we handed out last. */
	snprintf(want, sizeof(want),
		 "X-aws-ec2-metadata-token: token-%d-imds-session-secret\r\n",
		 st->tokens);
	if (!tok || strncmp(tok, want, strlen(want))) {
		snprintf(st->bad_hdr, sizeof(st->bad_hdr), "%.100s",
			 tok ? tok : "(none)");
		return "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
	}
	if (!strncmp(req,
		     "GET /latest/meta-data/iam/security-credentials/ HTTP",
		     52))
		body = st->role;
	else if (!strncmp(req,
			  "GET /latest/meta-data/iam/security-credentials/",
			  47))
		body = st->doc;
	else if (!strncmp(req, "GET /latest/meta-data/placement/region ", 39))
		body = "eu-central-1";
	else
		body = NULL;
	if (body && st->stale_once && body == st->doc) {
		st->stale_once = 0;
		st->tokens++; /* IMDS restarted: our token is stale */
		return "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
	}
	if (!body)
		return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	snprintf(o, 2048,
		 "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	return o;
}

static struct fake_http fk;
static struct imds_state st;

static const char doc_ok[] = "{\"Code\":\"Success\",\"Type\":\"AWS-HMAC\","
			     "\"AccessKeyId\":\"ASIAIMDS\","
			     "\"SecretAccessKey\":\"imdssecret\","
			     "\"Token\":\"imdstoken\","
			     "\"Expiration\":\"2030-01-01T00:00:00Z\"}";

static void imds_env(void)
{
	char ep[64];

	clean_env();
	unsetenv("AWS_EC2_METADATA_DISABLED");
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%u", fk.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	memset(&st, 0, sizeof(st));
	fk.route = imds_route;
	fk.ctx = &st;
	fake_answers(&fk, NULL, 0);
}

static void test_imds_role_credentials(void)
{
	imds_env();
	st.role = "luksbox-role\nsecond-role";
	st.doc = doc_ok;
	CHECK(load(NULL) == 0);
	CHECKF(!strcmp(cr.access_key, "ASIAIMDS") &&
		       !strcmp(cr.secret_key, "imdssecret") &&
		       !strcmp(cr.token, "imdstoken"),
	       "%s / %s", me.why, st.bad_hdr);
	CHECK(!strcmp(cr.source, "instance role luksbox-role"));
	CHECK(cr.expiration == 1893456000);    /* 2030-01-01T00:00:00Z */
	CHECK(st.tokens == 1 && fk.nreq == 3); /* PUT, list, document */
	{
		static const char get[] = "GET /latest/meta-data/iam/"
					  "security-credentials/luksbox-role "
					  "HTTP/1.1\r\n";

		CHECK(!strncmp(fk.req[2], get, sizeof(get) - 1));
	}
	/* The token is reused for the next lookup. */
	{
		char region[64];

		CHECK(imds_get(&m, "/latest/meta-data/placement/region", region,
			       sizeof(region), now_ms() + 2000) == 12 &&
		      !strcmp(region, "eu-central-1"));
		CHECK(st.tokens == 1 && fk.nreq == 4);
	}
	CHECK(!strcmp(m.sec->token, "token-1-imds-session-secret"));
	imds_fini(&m);
	CHECK(m.sec == NULL);
}

/* The IMDS token and the role's name stay in the caller's locked memory:
 * run the credential fetch on a stack of our own, then look for them. */
struct stack_run {
	struct secret_arena *arena;
	int r;
};

static void *fetch_on_stack(void *arg)
{
	struct stack_run *sr = arg;

	imds_init(&m, 0);
	m.sec = secret_alloc(sr->arena, sizeof(*m.sec));
	sr->r = creds_load(&cr, &m, NULL, now_ms() + 2000, &me);
	return NULL;
}

static int zeroes(const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n--)
		if (*b++)
			return 0;
	return 1;
}

static void test_imds_secrets_locked(void)
{
	enum {
		STACK = 256 * 1024
	};
	static const char role[] = "stack-role";
	struct secret_arena arena = {0};
	struct stack_run sr = {&arena, -1};
	struct imds_secret *sec;
	pthread_attr_t at;
	pthread_t th;
	char *stack = aligned_alloc(4096, STACK);

	CHECK(stack && secret_arena_init(&arena, 64 * 1024, 1) == 0);
	if (!stack || !arena.base)
		return;
	memset(stack, 0, STACK);
	imds_env();
	st.role = role;
	st.doc = doc_ok;
	pthread_attr_init(&at);
	CHECK(pthread_attr_setstack(&at, stack, STACK) == 0);
	CHECK(pthread_create(&th, &at, fetch_on_stack, &sr) == 0 &&
	      pthread_join(th, NULL) == 0);
	CHECKF(sr.r == 0 && !strcmp(cr.source, "instance role stack-role"),
	       "%d %s", sr.r, me.why);
	sec = m.sec;
	/* In the arena, as the token that opens the role's keys. */
	CHECK((unsigned char *)sec >= arena.base &&
	      (unsigned char *)(sec + 1) <= arena.base + arena.used);
	CHECK(!strcmp(sec->token, "token-1-imds-session-secret"));
	/* The role and its path are wiped once the document is read, and
	 * so is the PUT's body. */
	CHECK(zeroes(sec->role, sizeof(sec->role)) &&
	      zeroes(sec->path, sizeof(sec->path)) &&
	      zeroes(sec->put, sizeof(sec->put)));
	/* Nothing of either was left on the stack the fetch ran on. */
	CHECK(!memmem(stack, STACK, "imds-session-secret", 19));
	CHECK(!memmem(stack, STACK, role, sizeof(role) - 1));
	imds_fini(&m);
	CHECK(m.sec == NULL && zeroes(sec, sizeof(*sec)));
	pthread_attr_destroy(&at);
	secret_arena_fini(&arena);
	free(stack);
	creds_wipe(&cr);
}

static void test_imds_refresh(void)
{
	imds_env();
	st.role = "r";
	st.doc = doc_ok;
	st.stale_once = 1;
	/* A 401 renews the token once and the call goes through. */
	CHECK(load(NULL) == 0 && !strcmp(cr.access_key, "ASIAIMDS"));
	CHECKF(st.tokens == 3, "tokens %d", st.tokens);
}

static void test_imds_failures(void)
{
	int64_t t0;

	/* No role attached: 404 on the listing. */
	imds_env();
	st.doc = doc_ok;
	CHECK(load(NULL) == -ENOKEY);
	CHECKF(strstr(me.why,
		      "no instance role: attach an IAM instance profile"),
	       "%s", me.why);
	/* A listing that is no role name never reaches the path. */
	static const char *const roles[] = {"../../latest/user-data",
					    "role?x=1", "role name", "r%2f"};
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		imds_env();
		st.role = roles[i];
		st.doc = doc_ok;
		CHECKF(load(NULL) == -ENOKEY && fk.nreq == 2, "%s: %s",
		       roles[i], me.why);
	}
	/* The role says no. */
	imds_env();
	st.role = "r";
	st.doc =
		"{\"Code\":\"AssumeRoleUnauthorizedAccess\",\"Message\":\"x\"}";
	CHECK(load(NULL) == -ENOKEY);
	CHECKF(strstr(me.why, "Code AssumeRoleUnauthorizedAccess"), "%s",
	       me.why);
	/* A malformed document. */
	imds_env();
	st.role = "r";
	st.doc = "{\"AccessKeyId\":\"A\"}";
	CHECK(load(NULL) == -EBADMSG && cr.access_key[0] == 0);
	CHECKF(strstr(me.why, "IMDS credentials for role r are malformed"),
	       "%s", me.why);
	/* The token PUT never answered (a container behind the hop limit):
	 * the deadline holds and the hint names the hop limit. */
	imds_env();
	st.silent_put = 1;
	t0 = now_ms();
	CHECK(load(NULL) == -ETIMEDOUT);
	CHECK(now_ms() - t0 < 3000);
	CHECKF(strstr(me.why, "no answer to the IMDSv2 token PUT"), "%s",
	       me.why);
	/* Disabled: no request at all. */
	imds_env();
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	CHECK(load(NULL) == -ENODEV && fk.nreq == 0);
	CHECKF(strstr(me.why, "IMDS is disabled"), "%s", me.why);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("FAIL unit/creds: mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/credentials", dir);
	T_RUN(test_env);
	T_RUN(test_file_profiles);
	T_RUN(test_file_incomplete);
	T_RUN(test_file_hostile);
	T_RUN(test_expiring);
	T_RUN(test_parse_imds);
	if (fake_start(&fk) == 0) {
		T_RUN(test_imds_role_credentials);
		T_RUN(test_imds_secrets_locked);
		T_RUN(test_imds_refresh);
		T_RUN(test_imds_failures);
		fake_stop(&fk);
	} else {
		T_SKIP(test_imds, "cannot listen on 127.0.0.1");
	}
	unlink(path);
	rmdir(dir);
	return T_END();
}
