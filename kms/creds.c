/* creds.c - AWS credentials: environment, shared file, IMDS role.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: creds.h.
 */
#include "kms/creds.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/secret.h"
#include "kms/json.h"
#include "lib/msg.h"

static int copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return -EMSGSIZE;
	memcpy(dst, src, n);
	dst[n] = 0;
	return 0;
}

int creds_expiring(const struct aws_creds *c, time_t now)
{
	return c->expiration && now + 300 >= c->expiration;
}

void creds_wipe(struct aws_creds *c)
{
	secret_wipe(c, sizeof(*c));
}

/* Keys and the token go into header lines (Authorization,
 * X-Amz-Security-Token): visible ASCII only, or a CR in a value would
 * end the line and add headers of the file's or the server's choosing. */
static int visible(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static int creds_visible(const struct aws_creds *c)
{
	return visible(c->access_key) && visible(c->secret_key) &&
	       visible(c->token);
}

static int from_env(struct aws_creds *c)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tk = getenv("AWS_SESSION_TOKEN");

	if (!ak || !*ak || !sk || !*sk)
		return -ENOKEY;
	if (copy(c->access_key, sizeof(c->access_key), ak, strlen(ak)) ||
	    copy(c->secret_key, sizeof(c->secret_key), sk, strlen(sk)) ||
	    copy(c->token, sizeof(c->token), tk ? tk : "",
		 tk ? strlen(tk) : 0)) {
		creds_wipe(c); /* no half pair left behind */
		return -EMSGSIZE;
	}
	if (!creds_visible(c)) {
		creds_wipe(c);
		return -EILSEQ;
	}
	strcpy(c->source, "environment");
	return 0;
}

static char *strip(char *p)
{
	char *e;

	while (*p == ' ' || *p == '\t')
		p++;
	e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = 0;
	return p;
}

/* One line of F into BUF (NUL-terminated, the newline kept): its length, 0
 * at the end of the file, -EMSGSIZE when it does not fit (longer than any
 * real line: refused rather than its tail read as a line of its own),
 * -EILSEQ for a NUL byte (fgets would cut the value there, silently). */
static int read_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int ch;

	while ((ch = getc(f)) != EOF) {
		if (n + 1 >= cap)
			return -EMSGSIZE;
		if (ch == 0)
			return -EILSEQ;
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	buf[n] = 0;
	return (int)n;
}

/* The INI-style shared credentials file: [profile] then key = value. */
static int from_file(struct aws_creds *c, const char *profile, int named,
		     struct msg_error *e)
{
	const char *path = getenv("AWS_SHARED_CREDENTIALS_FILE");
	char def[512], line[4096 + 64];
	FILE *f;
	int in = 0, seen = 0, err = -ENOKEY, n;

	if (!path || !*path) {
		const char *home = getenv("HOME");

		snprintf(def, sizeof(def), "%s/.aws/credentials",
			 home && *home ? home : "/root");
		path = def;
	}
	f = fopen(path, "re");
	if (!f && errno == ENOENT && named)
		return msg_why(e, -ENOKEY,
			       "profile %s: no shared credentials file %s",
			       profile, path);
	if (!f)
		return errno == ENOENT ? -ENOKEY : -errno;
	/* The file holds secrets: no stdio buffering to leave copies. */
	setvbuf(f, NULL, _IONBF, 0);
	while ((n = read_line(f, line, sizeof(line))) != 0) {
		char *l, *eq, *k, *v;

		if (n < 0) {
			err = n;
			break;
		}
		l = strip(line);
		if (*l == '#' || *l == ';' || !*l)
			continue;
		if (*l == '[') {
			char *rb = strchr(l, ']');

			if (!rb)
				continue;
			*rb = 0;
			in = !strcmp(strip(l + 1), profile);
			seen |= in;
			continue;
		}
		if (!in || !(eq = strchr(l, '=')))
			continue;
		*eq = 0;
		k = strip(l);
		v = strip(eq + 1);
		if (!strcmp(k, "aws_access_key_id"))
			err = copy(c->access_key, sizeof(c->access_key), v,
				   strlen(v));
		else if (!strcmp(k, "aws_secret_access_key"))
			err = copy(c->secret_key, sizeof(c->secret_key), v,
				   strlen(v));
		else if (!strcmp(k, "aws_session_token"))
			err = copy(c->token, sizeof(c->token), v, strlen(v));
		if (err == -EMSGSIZE)
			break;
	}
	if (ferror(f))
		err = -EIO; /* e.g. a directory: say so, do not skip it */
	secret_wipe(line, sizeof(line));
	fclose(f);
	if (err == -EMSGSIZE || err == -EIO || err == -EILSEQ) {
		creds_wipe(c); /* nothing half-read survives */
		return err;
	}
	if (!c->access_key[0] || !c->secret_key[0]) {
		if (seen)
			msg_why(e, -ENOKEY,
				"profile %s in %s lacks aws_access_key_id "
				"or aws_secret_access_key",
				profile, path);
		else if (named)
			msg_why(e, -ENOKEY, "profile %s not found in %s",
				profile, path);
		creds_wipe(c);
		return -ENOKEY;
	}
	if (!creds_visible(c)) {
		creds_wipe(c);
		return -EILSEQ;
	}
	snprintf(c->source, sizeof(c->source), "profile %s", profile);
	return 0;
}

/* "2024-01-01T06:00:00Z" (what IMDS sends) to seconds; 0 if it is not
 * exactly that shape with sane fields. */
static time_t parse_iso8601(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	struct tm tm = {0};
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9'
				    : s[i] != shape[i])
			return 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6 ||
	    tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 60 || tm.tm_year < 1971)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

int creds_parse_imds(struct aws_creds *c, const char *doc, size_t len,
		     char *code, size_t ccap)
{
	struct json *j = calloc(1, sizeof(*j));
	char exp[64], tmp[64];
	int err;

	if (!code) {
		code = tmp;
		ccap = sizeof(tmp);
	}
	code[0] = 0;
	if (!j)
		return -ENOMEM;
	creds_wipe(c);
	err = json_parse(j, doc, len) ? -EBADMSG : 0;
	if (!err && json_get_string(j, 0, "Code", code, ccap) >= 0 &&
	    strcmp(code, "Success"))
		err = -ENOKEY;
	if (!err &&
	    (json_get_string(j, 0, "AccessKeyId", c->access_key,
			     sizeof(c->access_key)) <= 0 ||
	     json_get_string(j, 0, "SecretAccessKey", c->secret_key,
			     sizeof(c->secret_key)) <= 0 ||
	     json_get_string(j, 0, "Token", c->token, sizeof(c->token)) <= 0))
		err = -EBADMSG;
	if (!err && json_find(j, 0, "Expiration") >= 0) {
		/* Role credentials expire: a date we cannot read would make
		 * them look eternal. */
		if (json_get_string(j, 0, "Expiration", exp, sizeof(exp)) < 0)
			err = -EBADMSG;
		else if (!(c->expiration = parse_iso8601(exp)))
			err = -EBADMSG;
	}
	if (!err && !creds_visible(c))
		err = -EBADMSG; /* JSON escapes can spell a CR */
	secret_wipe(j, sizeof(*j));
	free(j);
	if (err)
		creds_wipe(c);
	return err;
}

#define IMDS_ROLE_PATH "/latest/meta-data/iam/security-credentials/"

static int from_imds(struct aws_creds *c, struct imds *m, int64_t deadline,
		     struct msg_error *e)
{
	char code[64], *role, *path, *doc;
	int n, err;

	if (!imds_sec(m))
		return -ENOMEM;
	role = m->sec->role;
	path = m->sec->path;
	n = imds_get(m, IMDS_ROLE_PATH, role, sizeof(m->sec->role), deadline);
	if (n == -ENOENT) {
		n = msg_why(e, -ENOKEY,
			    "no instance role: attach an IAM instance profile "
			    "to the instance (IMDS has no "
			    "iam/security-credentials)");
		goto out_wipe;
	}
	if (n < 0) {
		msg_why(e, n, "%s", m->why);
		goto out_wipe;
	}
	role[strcspn(role, "\r\n")] = 0; /* the first role listed */
	/* It goes into the next request's path: IAM's name characters
	 * only (no '/', '?', '%', blanks). */
	if (!role[0] || role[strspn(role, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "abcdefghijklmnopqrstuvwxyz"
					  "0123456789_+=,.@-")]) {
		n = msg_why(e, -ENOKEY, "IMDS lists no usable instance role");
		goto out_wipe;
	}
	/* memcpy, not snprintf: musl formats through an unwiped buffer on
	 * its stack. PATH has room for the prefix and any ROLE. */
	n = (int)strlen(role);
	memcpy(path, IMDS_ROLE_PATH, sizeof(IMDS_ROLE_PATH) - 1);
	memcpy(path + sizeof(IMDS_ROLE_PATH) - 1, role, (size_t)n + 1);
	doc = m->doc ? m->doc : calloc(1, IMDS_DOC_MAX);
	if (!doc) {
		n = -ENOMEM;
		goto out_wipe;
	}
	n = imds_get(m, path, doc, IMDS_DOC_MAX, deadline);
	if (n < 0) {
		err = msg_why(e, n, "%s", m->why);
		goto out_free;
	}
	err = creds_parse_imds(c, doc, (size_t)n, code, sizeof(code));
	if (err == -ENOKEY) {
		msg_why(e, err, "instance role %s credentials: Code %s", role,
			code);
		goto out_free;
	}
	if (err) {
		msg_why(e, err, "IMDS credentials for role %s are malformed",
			role);
		goto out_free;
	}
	n = (int)strnlen(role, 80);
	memcpy(c->source, "instance role ", 14);
	memcpy(c->source + 14, role, (size_t)n);
	c->source[14 + n] = 0;
out_free:
	secret_wipe(doc, IMDS_DOC_MAX);
	if (doc != m->doc)
		free(doc);
	n = err;
out_wipe:
	/* The role's name is wanted only for the path: not kept. */
	secret_wipe(role, sizeof(m->sec->role));
	secret_wipe(path, sizeof(m->sec->path));
	return n;
}

int creds_load(struct aws_creds *c, struct imds *m, const char *profile,
	       int64_t deadline, struct msg_error *e)
{
	int err, named;

	e->err = 0;
	e->why[0] = 0;
	creds_wipe(c);
	if (!profile || !*profile)
		profile = getenv("AWS_PROFILE");
	named = profile && *profile;
	if (!named)
		profile = "default";
	err = from_env(c);
	if (err == -EILSEQ)
		return msg_why(e, err,
			       "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or "
			       "AWS_SESSION_TOKEN holds a blank or control "
			       "character");
	if (err != -ENOKEY)
		return err ? msg_errno(e, err) : 0; /* -EMSGSIZE */
	err = from_file(c, profile, named, e);
	if (err == -EILSEQ)
		return msg_why(e, err,
			       "cannot read the shared credentials file: a "
			       "NUL, blank or control character in a key or "
			       "token (profile %s)",
			       profile);
	if (err != -ENOKEY)
		return err ? msg_why(e, err,
				     "cannot read the shared credentials "
				     "file: %s",
				     strerror(-err))
			   : 0;
	if (e->why[0]) /* a named profile is missing or incomplete */
		return -ENOKEY;
	err = from_imds(c, m, deadline, e);
	if (err == -ENODEV)
		msg_why(e, err,
			"no credentials: none in the environment or the "
			"shared credentials file, and IMDS is disabled");
	if (!err)
		return 0;
	creds_wipe(c);
	if (!e->why[0]) /* out of memory, or IMDS said nothing more */
		return msg_errno(e, err);
	e->err = err;
	return err;
}
