/* luks-mount.c - unlock and mount KMS-protected volumes at boot.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Applets", volume/volume.h, init/luksbox.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "applets/applet.h"
#include "applets/testhooks.h"
#include "conf/tab.h"
#include "lib/clock.h"
#include "volume/run.h"
#include "volume/volume.h"

const char luks_mount_usage[] =
	"Usage: luks-mount [OPTIONS] -a | NAME...        open and mount\n"
	"       luks-mount --stop [-a | NAME...]          unmount, close, stop "
	"RAID\n"
	"       luks-mount --status [--json] [--check] [-a | NAME...]\n"
	"       luks-mount --key-file FILE NAME           manual/recovery "
	"unlock\n"
	"       luks-mount --freeze [--timeout SEC] NAME... | --thaw NAME...\n"
	"\n"
	"For each volume of the table: assemble its RAID0 array by name,\n"
	"unwrap its key through AWS KMS (each aws-kms token in turn: a denied\n"
	"or unreachable key falls through to the next; then its ssm-param, if\n"
	"any: SSM GetParameter WithDecryption of the name in the table, never\n"
	"the header's; a volume with no kms-key uses SSM alone), open it as\n"
	"/dev/mapper/NAME and mount it. What is open and mounted already is\n"
	"left alone. When every device of a volume is blank (instance store\n"
	"after a stop/start) and its policy is on-blank=format (the default\n"
	"for `ephemeral`), a new volume is provisioned with a new key; when\n"
	"only some are blank, or on-blank=fail, nothing is touched.\n"
	"Stripe sets its header records (luks-setup --add-devices) are\n"
	"assembled by md UUID from any disk and joined before LUKS opens; a\n"
	"set missing after the timeout: exit 75, nothing opened.\n"
	"After an unlock, a token's key that is disabled or pending deletion\n"
	"is a warning (KMS DescribeKey, best effort, 3 s at most). A volume\n"
	"with grow=auto whose device grew (EBS ModifyVolume) is grown after\n"
	"the mount, as luks-setup --grow does; a failed grow is a warning.\n"
	"A RAID0 array whose members all grew by the same amount is grown as\n"
	"it is assembled (md superblocks rewritten, no stripe moved), with or\n"
	"without grow=auto; unequal growth is a warning, the old size kept.\n"
	"\n"
	"  -a, --all             every volume of the table\n"
	"  -c, --config FILE     the volume table (default /etc/luksbox.tab)\n"
	"  -s, --stop            unmount, close, remove the stripe-set linear\n"
	"                        device and stop RAID (in that order), then\n"
	"                        name the EBS volume ids that may now be\n"
	"                        detached\n"
	"  -S, --status          each volume, its stripe sets (luks-setup\n"
	"                        --add-devices) and its ways in (tokens: key,\n"
	"                        region, keyslot; recovery keyslot); exit 0\n"
	"                        when all are open and mounted, 3 when not\n"
	"  -j, --json            --status as JSON\n"
	"  -D, --check           --status asks KMS about each key: Enabled,\n"
	"                        Disabled, PendingDeletion (date), access\n"
	"                        denied, unreachable; exit 1 when a way in is\n"
	"                        unusable or denied, else 75 when KMS was not\n"
	"                        reached\n"
	"  -K, --key-file FILE   unlock NAME with the passphrase or recovery key\n"
	"                        in FILE (\"-\": standard input) instead of KMS\n"
	"      --freeze          freeze each volume's mounted file system\n"
	"                        (FIFREEZE: writers block) for a consistent\n"
	"                        snapshot of its EBS volumes; a watchdog thaws\n"
	"                        it by itself after --timeout SEC (default 60,\n"
	"                        at most 3600) unless --thaw comes first.\n"
	"                        Exit 1 when frozen already or not mounted;\n"
	"                        those frozen before a failure are thawed\n"
	"      --thaw            thaw now and end the watchdog; exit 1 when\n"
	"                        it was not frozen (said so, and when the\n"
	"                        watchdog had thawed it: the snapshot is then\n"
	"                        crash-consistent only)\n"
	"  -B, --boot            boot mode: timestamped messages also to\n"
	"                        /dev/kmsg (the EC2 console) and syslog; never\n"
	"                        prompts\n"
	"  -T, --timeout SEC     deadline for KMS and IMDS, retries included "
	"(60);\n"
	"                        opening retries throttling, 5xx and network\n"
	"                        errors until it (full-jitter backoff)\n"
	"                        with --freeze: when it thaws by itself\n"
	"  -l, --log-level LEVEL debug, info (default), warning, error\n"
	"  -r, --region R        default AWS region (else AWS_REGION, IMDS)\n"
	"  -e, --endpoint URL    https:// KMS and SSM endpoint (else\n"
	"                        AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_SSM)\n"
	"  -C, --ca-file PEM     trust these CAs too (as AWS_CA_BUNDLE)\n"
	"\n"
	"Volumes with the nofail option do not change the exit code; a\n"
	"volume's timeout= option bounds its own KMS calls within --timeout.\n"
	"A device named by EBS volume id (vol-..., Nitro types: the NVMe\n"
	"serial) that is not attached is waited for up to the volume's\n"
	"timeout= (else --timeout), then the volume fails with 75.\n"
	"IAM: kms:Decrypt; kms:DescribeKey is optional (warnings, --check).\n"
	"Exit: 0 ok, 1 a volume failed (access denied, a foreign or tampered\n"
	"header, devices that are neither ours nor blank), 2 usage, 75 only\n"
	"temporary failures (KMS, SSM or IMDS unreachable, an EBS volume not\n"
	"attached: retry later, e.g. `service luksbox start`).\n";

enum mode {
	MODE_OPEN,
	MODE_STOP,
	MODE_STATUS,
	MODE_FREEZE,
	MODE_THAW,
};

enum {
	OPT_FREEZE = 256,
	OPT_THAW,
	FREEZE_MAX_S = 3600, /* a frozen file system blocks every writer */
};

struct opts {
	const char *config, *key_file;
	enum mode mode;
	int all, json, boot, check;
	enum msg_level level;
	struct aws_opts aws;
	char **names;
	int nnames;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"all", no_argument, NULL, 'a'},
		{"config", required_argument, NULL, 'c'},
		{"stop", no_argument, NULL, 's'},
		{"status", no_argument, NULL, 'S'},
		{"json", no_argument, NULL, 'j'},
		{"check", no_argument, NULL, 'D'},
		{"key-file", required_argument, NULL, 'K'},
		{"boot", no_argument, NULL, 'B'},
		{"freeze", no_argument, NULL, OPT_FREEZE},
		{"thaw", no_argument, NULL, OPT_THAW},
		VOLRUN_LONG,
		{NULL, 0, NULL, 0},
	};
	int c, r;

	o->config = "/etc/luksbox.tab";
	o->level = MSG_INFO;
	o->aws.timeout_s = 60;
	while ((c = getopt_long(argc, argv, "ac:sSjDK:B" VOLRUN_SHORT, longs,
				NULL)) != -1) {
		switch (c) {
		case 'a':
			o->all = 1;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 's':
			o->mode = MODE_STOP;
			break;
		case 'S':
			o->mode = MODE_STATUS;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'D':
			o->check = 1;
			break;
		case 'K':
			o->key_file = optarg;
			break;
		case 'B':
			o->boot = 1;
			break;
		case OPT_FREEZE:
			o->mode = MODE_FREEZE;
			break;
		case OPT_THAW:
			o->mode = MODE_THAW;
			break;
		default:
			r = volrun_option(&applet_msg, c, optarg, &o->aws,
					  &o->level);
			if (r < 0)
				return EXIT_USAGE;
			if (r)
				return r;
		}
	}
	o->names = argv + optind;
	o->nnames = argc - optind;
	if (o->all == (o->nnames > 0))
		return usage_error(o->all ? "-a or NAMEs, not both"
					  : "which volumes? -a or NAME...");
	if (o->key_file && (o->mode != MODE_OPEN || o->nnames != 1))
		return usage_error("--key-file opens exactly one NAME");
	if (o->json && o->mode != MODE_STATUS)
		return usage_error("--json goes with --status");
	if (o->check && o->mode != MODE_STATUS)
		return usage_error("--check goes with --status");
	if ((o->mode == MODE_FREEZE || o->mode == MODE_THAW) && o->all)
		return usage_error("--freeze and --thaw take NAMEs, not -a");
	if (o->mode == MODE_FREEZE && o->aws.timeout_s > FREEZE_MAX_S)
		return usage_error("--freeze --timeout %d: at most %d s (every "
				   "writer waits while it is frozen)",
				   o->aws.timeout_s, FREEZE_MAX_S);
	/* Unlocking at boot: a fleet sharing one KMS quota is throttled
	 * for longer than 3 attempts last; the deadline bounds it. */
	if (o->mode == MODE_OPEN)
		o->aws.retry_mode = RETRY_BOOT;
	return 0;
}

/* The volumes to act on, in table order (reversed for --stop by caller). */
static int select_volumes(const struct opts *o, const struct tab *t,
			  const struct tab_volume **sel, unsigned *n)
{
	int i;

	*n = 0;
	if (o->all) {
		for (*n = 0; *n < t->nvolumes; (*n)++)
			sel[*n] = &t->volumes[*n];
		return 0;
	}
	for (i = 0; i < o->nnames; i++) {
		sel[*n] = tab_find(t, o->names[i]);
		if (!sel[*n])
			return fail(EXIT_FAIL, "find %s in %s: no such volume",
				    o->names[i], o->config);
		(*n)++;
	}
	return 0;
}

/* Merge one volume's exit code into the run's: 1 beats 75 beats 0. */
static int worse(int a, int b)
{
	if (a == EXIT_FAIL || b == EXIT_FAIL)
		return EXIT_FAIL;
	return a ? a : b;
}

/* Does V name a device by EBS volume id? */
static int has_ebs_id(const struct tab_volume *v)
{
	size_t k;

	for (k = 0; k < v->ndevices; k++)
		if (tab_is_ebs_id(v->devices[k]))
			return 1;
	return 0;
}

/* grow=auto after an open: the volume is up, so a failure is a warning
 * (luks-setup --grow says it again, as an error). */
static void auto_grow(struct volrun *run, const struct tab_volume *v,
		      const struct vol_devs *d, const void *key, size_t len)
{
	struct msg_error e;
	char line[sizeof(e.what) + sizeof(e.why) + 64];

	if (vol_grow(&run->env, v, d, key, len, &e) >= 0)
		return;
	snprintf(line, sizeof(line), "grow=auto: unable to %s: %s", e.what,
		 e.why);
	volrun_say(run, MSG_WARN, line);
}

static int do_open(struct volrun *run, const struct opts *o,
		   const struct tab_volume *const *sel, unsigned n)
{
	struct vol_devs *d = malloc(sizeof(*d));
	struct msg_error e;
	unsigned char *key = NULL;
	size_t key_len = 0;
	unsigned i, need_md = 0;
	int64_t overall, t0;
	int rc = EXIT_OK, r, one;

	if (!d)
		return fail(EXIT_FAIL, "start: out of memory");
	if (o->key_file &&
	    (rc = volrun_read_key(run, o->key_file, &key, &key_len)))
		goto out;
	for (i = 0; i < n; i++)
		need_md |= sel[i]->ephemeral || sel[i]->ndevices > 1;
	volrun_modules(run, (int)need_md);
	overall = run->aws ? run->aws->deadline : 0;
	for (i = 0; i < n; i++) {
		/* A volume's own timeout= bounds its KMS/IMDS calls within
		 * the run's deadline, so one slow volume cannot starve the
		 * volumes after it. */
		if (run->aws && sel[i]->timeout) {
			run->aws->deadline = deadline_within(
				(int64_t)sel[i]->timeout * 1000, overall);
		} else if (run->aws) {
			run->aws->deadline = overall;
		}
		/* A volume id not attached yet is waited for, within the
		 * volume's own timeout (else --timeout). */
		run->env.attach_wait_ms =
			(sel[i]->timeout ? sel[i]->timeout
					 : (unsigned)o->aws.timeout_s) *
			1000;
		t0 = now_ms();
		r = vol_devices(&run->env, sel[i], d, &e);
		/* Time spent waiting for an EBS volume to be attached is not
		 * taken from KMS's. */
		if (run->aws && has_ebs_id(sel[i])) {
			overall += now_ms() - t0;
			run->aws->deadline += now_ms() - t0;
		}
		if (!r)
			r = vol_open(&run->env, sel[i], d, key, key_len, &e);
		if (r >= 0 && sel[i]->grow_auto)
			auto_grow(run, sel[i], d, key, key_len);
		if (r < 0) {
			one = msg_report(run->msg, &e);
			if (sel[i]->nofail)
				volrun_say(run, MSG_WARN,
					   "(nofail: the exit code ignores "
					   "this volume)");
			else
				rc = worse(rc, one);
		}
	}
out:
	if (key)
		secret_wipe(key, key_len);
	free(d);
	return rc;
}

static int do_stop(struct volrun *run, const struct tab_volume *const *sel,
		   unsigned n)
{
	struct msg_error e;
	struct vol_ebs ids;
	char list[VOL_MAX_DEVS * 24] = "";
	unsigned i;
	int rc = EXIT_OK;

	while (n--) {
		if (vol_close(&run->env, sel[n], &e)) {
			rc = worse(rc, msg_report(run->msg, &e));
			continue;
		}
		/* What the operator may detach now (aws ec2 detach-volume). */
		vol_ebs_ids(&run->env, sel[n], &ids);
		for (i = 0, list[0] = '\0'; i < ids.n; i++)
			strcat(strcat(list, " "), ids.id[i]);
		if (ids.n)
			note("%s: stopped; EBS volume%s%s may now be detached",
			     sel[n]->name, ids.n > 1 ? "s" : "", list);
		else
			note("%s: stopped", sel[n]->name);
	}
	return rc;
}

/* --freeze: every volume or none (those frozen before a failure are
 * thawed again); --thaw: each one. */
static int do_freeze(struct volrun *run, const struct opts *o,
		     const struct tab_volume *const *sel, unsigned n)
{
	struct msg_error e, te;
	unsigned i;
	int rc = EXIT_OK;

	for (i = 0; i < n; i++) {
		if (o->mode == MODE_THAW) {
			if (vol_thaw(&run->env, sel[i], &e))
				rc = worse(rc, msg_report(run->msg, &e));
			continue;
		}
		if (vol_freeze(&run->env, sel[i], (unsigned)o->aws.timeout_s,
			       &e)) {
			rc = msg_report(run->msg, &e);
			while (i--)
				if (vol_thaw(&run->env, sel[i], &te))
					msg_report(run->msg, &te);
			return rc;
		}
	}
	return rc;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* One way in, as a JSON object. */
static void json_way(const struct vol_way *w, int check)
{
	char st[80];

	printf("{\"type\":");
	json_str(w->type);
	if (w->token >= 0)
		printf(",\"token\":%d", w->token);
	if (w->keyslot >= 0)
		printf(",\"keyslot\":%d", w->keyslot);
	if (w->parameter[0]) {
		printf(",\"parameter\":");
		json_str(w->parameter);
	}
	if (w->key[0]) {
		printf(",\"key\":");
		json_str(w->key);
		printf(",\"region\":");
		json_str(w->region);
	}
	if (w->problem[0]) {
		printf(",\"problem\":");
		json_str(w->problem);
	}
	if (check && w->state != VOL_KEY_UNCHECKED) {
		printf(",\"state\":");
		json_str(w->state == VOL_KEY_PENDING_DELETION
				 ? "PendingDeletion"
				 : vol_key_state_text(w, st, sizeof(st)));
		if (w->deletion) {
			printf(",\"deletion\":");
			json_str(utc_iso8601(w->deletion, st, sizeof(st)));
		}
		if (w->why[0]) {
			printf(",\"error\":");
			json_str(w->why);
		}
	}
	printf("}");
}

/* One way in, as an indented line under its volume. */
static void text_way(const struct vol_way *w, int check)
{
	char tok[24] = "-", slot[24] = "-", st[80];

	if (w->token >= 0)
		snprintf(tok, sizeof(tok), "token %d", w->token);
	if (w->keyslot >= 0)
		snprintf(slot, sizeof(slot), "keyslot %d", w->keyslot);
	printf("  %-9s %-9s %s", tok, w->type, slot);
	if (w->key[0])
		printf("%*s%s%s%s %s", (int)(11 - strlen(slot)), "",
		       w->parameter, w->parameter[0] ? " " : "", w->key,
		       w->region);
	if (w->problem[0])
		printf("  NOT USED: %s", w->problem);
	if (check && w->state != VOL_KEY_UNCHECKED)
		printf("  [%s]%s%s", vol_key_state_text(w, st, sizeof(st)),
		       w->why[0] ? ": " : "", w->why);
	printf("\n");
}

/* --check's verdict on W: EXIT_FAIL when a way cannot open the volume,
 * EXIT_TEMP when a key could not be asked about, else EXIT_OK. */
static int ways_verdict(const struct vol_ways *w)
{
	unsigned i;
	int rc = EXIT_OK;

	for (i = 0; i < w->n; i++) {
		if (vol_way_unusable(&w->way[i]) ||
		    w->way[i].state == VOL_KEY_DENIED)
			return EXIT_FAIL;
		if (w->way[i].state == VOL_KEY_UNREACHABLE)
			rc = EXIT_TEMP;
	}
	return rc;
}

static int do_status(struct volrun *run, const struct opts *o,
		     const struct tab_volume *const *sel, unsigned n)
{
	struct vol_ways *w = malloc(sizeof(*w));
	struct vol_status st;
	unsigned i, k;
	int all = 1, keys = EXIT_OK, check = o->check, r;

	if (!w)
		return fail(EXIT_FAIL, "status: out of memory");
	/* Without a client nothing can be asked; volrun_aws said why. */
	if (check && (keys = volrun_aws(run)))
		check = 0;
	if (o->json)
		printf("[");
	else
		printf("%-16s %-16s %-24s %s\n", "NAME", "STATE", "BACKING",
		       "MOUNTPOINT");
	for (i = 0; i < n; i++) {
		r = vol_status(&run->env, sel[i], &st);
		if (r < 0) {
			fail_err(EXIT_FAIL, r, "read the state of %s",
				 sel[i]->name);
			memset(&st, 0, sizeof(st));
		}
		all &= r == 1;
		vol_ways(&run->env, sel[i], w);
		if (check) {
			vol_ways_check(&run->env, w);
			keys = worse(keys, ways_verdict(w));
		}
		if (o->json) {
			printf("%s{\"name\":", i ? "," : "");
			json_str(sel[i]->name);
			printf(",\"open\":%s,\"mounted\":%s,\"uuid\":",
			       st.open ? "true" : "false",
			       st.mounted ? "true" : "false");
			json_str(st.uuid);
			printf(",\"backing\":");
			json_str(st.backing);
			printf(",\"stripe_sets\":%u,\"mountpoint\":", st.sets);
			json_str(sel[i]->mountpoint);
			printf(",\"header\":");
			json_str(w->device);
			if (w->unread[0]) {
				printf(",\"header_error\":");
				json_str(w->unread);
			}
			printf(",\"ways_in\":[");
			for (k = 0; k < w->n; k++) {
				printf("%s", k ? "," : "");
				json_way(&w->way[k], check);
			}
			printf("]}");
		} else {
			printf("%-16s %-16s %-24s %s\n", sel[i]->name,
			       st.open && st.mounted ? "open, mounted"
			       : st.open	     ? "open"
						     : "closed",
			       st.backing[0] ? st.backing : "-",
			       sel[i]->mountpoint);
			if (st.sets)
				printf("  %u stripe sets (set 0 and %u added)\n",
				       st.sets, st.sets - 1);
			if (w->unread[0])
				printf("  (ways in not read: %s)\n", w->unread);
			for (k = 0; k < w->n; k++)
				text_way(&w->way[k], check);
		}
	}
	if (o->json)
		printf("]\n");
	free(w);
	if (o->check && keys)
		return keys;
	return all ? EXIT_OK : 3;
}

int luks_mount_main(int argc, char **argv)
{
	const struct tab_volume *sel[TAB_MAX_VOLUMES];
	struct opts o = {0};
	struct volrun *run = calloc(1, sizeof(*run));
	struct tab *t = calloc(1, sizeof(*t));
	unsigned n = 0;
	int r;

	if (!run || !t) {
		r = fail(EXIT_FAIL, "start: out of memory");
		goto out_free;
	}
	r = parse(argc, argv, &o);
	if (r)
		goto out_free;
	r = volrun_init(run, &applet_msg, o.level, o.boot);
	if (r)
		goto out_free;
	testhooks_volrun(run);
	run->aws_opts = o.aws;
	/* At boot a missing table means "installed, nothing configured". */
	r = volrun_table(run, o.config, o.all, t);
	if (!r)
		r = select_volumes(&o, t, sel, &n);
	if (r)
		goto out_fini;
	if (n == 0) {
		volrun_say(run, MSG_INFO,
			   "no volumes configured: nothing to do");
		goto out_fini;
	}
	if (o.mode == MODE_STATUS) {
		r = do_status(run, &o, sel, n);
		goto out_fini;
	}
	if (o.mode == MODE_FREEZE || o.mode == MODE_THAW) {
		r = do_freeze(run, &o, sel, n);
		goto out_fini;
	}
	if (o.mode == MODE_STOP) {
		r = do_stop(run, sel, n);
		goto out_fini;
	}
	/* KMS and IMDS only when a volume needs a key. */
	r = o.key_file ? 0 : volrun_aws(run);
	if (!r)
		r = do_open(run, &o, sel, n);
out_fini:
	volrun_fini(run);
out_free:
	free(t);
	free(run);
	return r;
}
