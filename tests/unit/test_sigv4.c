/* test_sigv4.c - SigV4 against the aws-c-auth suite (tests/data/sigv4,
 * vendored with its Apache-2.0 licence) and fixed cases; `test_sigv4 --sign` signs a request read from stdin for
 * the botocore differential test (tests/kms/sigv4-botocore).
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "kms/json.h"
#include "kms/sigv4.h"
#include "t.h"

#define MAXH SIGV4_MAX_HEADERS
/* Cases in the vendored copy: fewer means a damaged copy, not a pass. */
#define SUITE_CASES 38

/* Relative to the top of the tree, where tests/run runs us. */
static const char *suite_dir(void)
{
	const char *d = getenv("SIGV4_SUITE");

	return d && *d ? d : "tests/data/sigv4";
}

static char *slurp(const char *dir, const char *name)
{
	char path[1024];
	FILE *f;
	char *s;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = calloc(1, (size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = 0;
	fclose(f);
	return s;
}

/* Parse request.txt: "METHOD TARGET HTTP/1.1", headers (folded lines
 * continue the previous value), blank line, body. Modifies TEXT. */
static int parse_req(char *text, struct sigv4_request *r,
		     struct sigv4_header *h, char **vals)
{
	char *line = text, *next, *sp;
	size_t n = 0;

	next = strstr(line, "\n");
	if (!next)
		return -1;
	*next = 0;
	sp = strchr(line, ' ');
	*sp = 0;
	r->method = line;
	line = sp + 1;
	sp = strrchr(line, ' ');
	*sp = 0;
	sp = strchr(line, '?');
	if (sp) {
		*sp = 0;
		r->query = sp + 1;
	}
	r->path = line;
	line = next + 1;
	while (*line && *line != '\n') {
		next = strchr(line, '\n');
		if (next)
			*next = 0;
		if ((*line == ' ' || *line == '\t') && n) {
			/* a folded line: append to the previous value */
			size_t l = strlen(vals[n - 1]);

			vals[n - 1] =
				realloc(vals[n - 1], l + strlen(line) + 2);
			vals[n - 1][l] = '\n';
			strcpy(vals[n - 1] + l + 1, line);
			h[n - 1].value = vals[n - 1];
		} else {
			char *c = strchr(line, ':');

			*c = 0;
			h[n].name = line;
			vals[n] = strdup(c + 1);
			h[n].value = vals[n];
			n++;
		}
		if (!next)
			return (int)n;
		line = next + 1;
	}
	if (*line == '\n')
		line++;
	r->body = line;
	r->body_len = strlen(line);
	return (int)n;
}

static void run_case(const char *dir, const char *name)
{
	char d[1024], creq[8192], sts[1024], auth[4096], want_auth[200];
	char *req = NULL, *wcreq, *wsts, *wsig, *vals[MAXH] = {0}, *ctx;
	static char token[2048], hash[65];
	static struct json j;
	int cred, t, sign_body = 0, omit = 0;
	long long v;
	struct sigv4_header h[MAXH];
	struct sigv4_request r = {0};
	struct sigv4_creds c = {"AKIDEXAMPLE",
				"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
				NULL};
	int n, i;

	snprintf(d, sizeof(d), "%s/%s", dir, name);
	req = slurp(d, "request.txt");
	wcreq = slurp(d, "header-canonical-request.txt");
	wsts = slurp(d, "header-string-to-sign.txt");
	wsig = slurp(d, "header-signature.txt");
	ctx = slurp(d, "context.json");
	CHECKF(req && wcreq && wsts && wsig && ctx, "%s: files missing", name);
	if (!req || !wcreq || !wsts || !wsig || !ctx)
		goto out;
	/* context.json, read with our own JSON module */
	CHECK(json_parse(&j, ctx, strlen(ctx)) == 0);
	cred = json_find(&j, 0, "credentials");
	token[0] = 0;
	json_get_string(&j, cred, "token", token, sizeof(token));
	t = json_find(&j, 0, "sign_body");
	sign_body = t > 0 && j.buf[j.tok[t].start] == 't';
	t = json_find(&j, 0, "omit_session_token");
	omit = t > 0 && j.buf[j.tok[t].start] == 't';
	t = json_find(&j, 0, "normalize");
	r.normalize = !(t > 0 && j.buf[j.tok[t].start] == 'f');
	t = json_find(&j, 0, "expiration_in_seconds");
	CHECK(t < 0 || json_int(&j, t, &v) == 0);
	n = parse_req(req, &r, h, vals);
	CHECK(n > 0);
	if (n <= 0)
		goto out;
	h[n].name = "X-Amz-Date";
	h[n++].value = "20150830T123600Z";
	if (token[0] && !omit) {
		h[n].name = "X-Amz-Security-Token";
		h[n++].value = token;
		c.session_token = token;
	}
	if (sign_body) {
		sigv4_hex_sha256(r.body, r.body_len, hash);
		h[n].name = "X-Amz-Content-Sha256";
		h[n++].value = hash;
	} else {
		r.body_len = 0; /* the suite signs the empty payload hash */
	}
	r.headers = h;
	r.nheaders = (size_t)n;
	r.service = "service";
	r.region = "us-east-1";
	r.amz_date = "20150830T123600Z";
	CHECK(sigv4_canonical_request(&r, creq, sizeof(creq)) > 0);
	CHECKF(!strcmp(creq, wcreq),
	       "%s: canonical request\n%.300s\n--- want\n%.300s", name, creq,
	       wcreq);
	CHECK(sigv4_string_to_sign(&r, sts, sizeof(sts)) > 0);
	CHECKF(!strcmp(sts, wsts), "%s: string to sign", name);
	CHECK(sigv4_authorization(&r, &c, auth, sizeof(auth)) > 0);
	snprintf(want_auth, sizeof(want_auth), "Signature=%.64s", wsig);
	CHECKF(strstr(auth, want_auth) != NULL, "%s: signature %.200s", name,
	       auth);
out:
	for (i = 0; i < MAXH; i++)
		free(vals[i]);
	free(req);
	free(wcreq);
	free(wsts);
	free(wsig);
	free(ctx);
}

static int suite_cases;

static void test_suite(void)
{
	DIR *dd = opendir(suite_dir());
	struct dirent *e;

	while ((e = readdir(dd))) {
		char path[1024];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/request.txt", suite_dir(),
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		fclose(f);
		suite_cases++;
		run_case(suite_dir(), e->d_name);
	}
	closedir(dd);
	CHECKF(suite_cases >= SUITE_CASES, "%d of %d cases in %s", suite_cases,
	       SUITE_CASES, suite_dir());
}

/* A KMS-shaped request with a session token: query sorting and caps. */
static void test_query_and_caps(void)
{
	struct sigv4_header h[] = {{"Host", "kms.us-east-1.amazonaws.com"},
				   {"X-Amz-Date", "20240101T000000Z"}};
	struct sigv4_request r = {
		"GET", "/",	    "b=2&a=3&a=1&c=x%2fy&d=a b", h, 2, NULL, 0,
		"kms", "us-east-1", "20240101T000000Z",		 0};
	struct sigv4_creds c = {"AK", "SK", NULL};
	char out[4096], tiny[16];

	CHECK(sigv4_canonical_request(&r, out, sizeof(out)) > 0);
	CHECKF(strstr(out, "\na=1&a=3&b=2&c=x%2Fy&d=a%20b\n") != NULL, "%s",
	       out);
	CHECK(sigv4_canonical_request(&r, tiny, sizeof(tiny)) == -EMSGSIZE);
	CHECK(sigv4_authorization(&r, &c, tiny, sizeof(tiny)) == -EMSGSIZE);
}

/* --sign: stdin lines "method M", "path P", "query Q", "region R",
 * "service S", "date D", "akid A", "secret K", "token T",
 * "header NAME: VALUE" (repeatable), "body B" (rest of the line). */
static int sign_stdin(void)
{
	static char lines[64][4096];
	struct sigv4_header h[MAXH];
	struct sigv4_request r = {0};
	struct sigv4_creds c = {0};
	static char creq[16384], auth[2048];
	size_t nh = 0;
	int i = 0;

	r.path = "/";
	while (i < 64 && fgets(lines[i], sizeof(lines[i]), stdin)) {
		char *l = lines[i++], *v = strchr(l, ' ');

		l[strcspn(l, "\n")] = 0;
		if (!v)
			continue;
		*v++ = 0;
		if (!strcmp(l, "method"))
			r.method = v;
		else if (!strcmp(l, "path"))
			r.path = v;
		else if (!strcmp(l, "query"))
			r.query = v;
		else if (!strcmp(l, "region"))
			r.region = v;
		else if (!strcmp(l, "service"))
			r.service = v;
		else if (!strcmp(l, "date"))
			r.amz_date = v;
		else if (!strcmp(l, "akid"))
			c.access_key = v;
		else if (!strcmp(l, "secret"))
			c.secret_key = v;
		else if (!strcmp(l, "token"))
			c.session_token = v;
		else if (!strcmp(l, "body")) {
			r.body = v;
			r.body_len = strlen(v);
		} else if (!strcmp(l, "header") && nh < MAXH) {
			char *colon = strchr(v, ':');

			*colon = 0;
			h[nh].name = v;
			h[nh].value = colon + 1;
			nh++;
		}
	}
	r.headers = h;
	r.nheaders = nh;
	if (sigv4_canonical_request(&r, creq, sizeof(creq)) < 0 ||
	    sigv4_authorization(&r, &c, auth, sizeof(auth)) < 0)
		return 1;
	printf("%s\n@@AUTH %s\n", creq, auth);
	return 0;
}

int main(int argc, char **argv)
{
	DIR *d;

	if (argc > 1 && !strcmp(argv[1], "--sign"))
		return sign_stdin();
	d = opendir(suite_dir());
	if (d) {
		closedir(d);
		T_RUN(test_suite);
		printf("# sigv4 suite: %d cases\n", suite_cases);
	} else {
		/* The suite is part of the tree: its absence is a failure. */
		printf("FAIL test_sigv4.c: test_suite: %s absent (run from the "
		       "top of the tree, or set SIGV4_SUITE)\n",
		       suite_dir());
		t_failed_tests++;
	}
	T_RUN(test_query_and_caps);
	return T_END();
}
