/* luks-setup.c - provision a KMS-unlocked LUKS2 volume.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: docs/design.md "Applets", "On-disk contract"; volume/volume.h.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applets/applet.h"
#include "applets/testhooks.h"
#include "conf/tab.h"
#include "volume/run.h"
#include "volume/volume.h"

const char luks_setup_usage[] =
	"Usage: luks-setup [--config FILE] [OPTIONS] NAME\n"
	"       luks-setup --name NAME --kms-key KEY [--kms-key KEY@REGION]...\n"
	"                  [--ssm-param /NAME[@REGION]] [OPTIONS] DEV... |\n"
	"                  ephemeral\n"
	"       luks-setup --add-key KEY[@REGION] | --remove-key KEY |\n"
	"                  --rotate | --rewrap --to KEY[@REGION] [--from KEY]\n"
	"                  [--key-file FILE] [--header-backup FILE] NAME\n"
	"       luks-setup --grow [--key-file FILE] NAME\n"
	"       luks-setup --add-devices [--key-file FILE] [--force] NAME DEV...\n"
	"       luks-setup --adopt NEWNAME [--header-backup FILE] DEV...\n"
	"\n"
	"Provision an encrypted volume: RAID0 over the devices when there are\n"
	"several, LUKS2 (aes-xts-plain64, 512-bit key) whose keyslot secret is\n"
	"a random 32-byte key from AWS KMS GenerateDataKey, stored wrapped in\n"
	"the LUKS header as an aws-kms token (one keyslot and token per KMS\n"
	"key; any one unlocks), then mkfs and mount. With --ssm-param a 32-byte\n"
	"secret made locally opens one more keyslot (luksbox-ssm token) and is\n"
	"stored, as base64 text, in that SSM SecureString: another way in, or\n"
	"the only one. The first form takes the\n"
	"volume from the table; the second from options alone. Running it again\n"
	"on a volume it made changes nothing; an interrupted run is redone.\n"
	"\n"
	"Devices that are not blank are refused and left untouched: blank is\n"
	"no known signature at either end (file system, LUKS, md, LVM, swap,\n"
	"ZFS, bcache, partition table) and zeros in the first and last MiB,\n"
	"so unknown data (a raw database, random bytes) is refused too.\n"
	"Devices in use (the root disk, mounted, held) are always refused.\n"
	"\n"
	"  -c, --config FILE       the volume table (default /etc/luksbox.tab)\n"
	"  -n, --name NAME         volume name: /dev/mapper/NAME, LUKS label\n"
	"  -k, --kms-key KEY[@REGION]  KMS key id, ARN or alias/NAME (repeat\n"
	"                          for more keys; any one unlocks)\n"
	"  -s, --ssm-param /NAME[@REGION]  an SSM SecureString to hold a\n"
	"                          keyslot's secret; an existing parameter is\n"
	"                          refused (nothing written) unless --force,\n"
	"                          or an interrupted run of this volume wrote it\n"
	"      --ssm-kms-key KEY   the KMS key SSM encrypts it under (default\n"
	"                          alias/aws/ssm: independent of the volume's\n"
	"                          own KMS keys)\n"
	"  -x, --context K=V       extra encryption context (repeatable); the\n"
	"                          pair luksbox:volume=UUID is always there\n"
	"  -t, --fstype ext4|xfs   file system (default ext4)\n"
	"  -m, --mount DIR         where to mount it (\"none\": do not mount)\n"
	"  -R, --recovery prompt|FILE  add a recovery keyslot (argon2id): a\n"
	"                          passphrase typed twice, or a generated key\n"
	"                          written once to FILE (0400); move it off\n"
	"                          the machine\n"
	"  -b, --blob-file PATH    also write the KMS blob there (0600)\n"
	"  -H, --header-backup FILE  save the LUKS header to FILE (a new file; of a\n"
	"                            volume made before, too)\n"
	"  -o, --option OPT[=VAL]  any luksbox.tab option: mkfs-opts=...,\n"
	"                          mount-opts=..., sector-size=512|4096,\n"
	"                          discard, no-perf-flags, on-blank=...\n"
	"  -w, --wipe              overwrite the whole device with encrypted\n"
	"                          zeros before mkfs (slow: shows progress)\n"
	"  -f, --force             DESTROY what the devices hold: format them\n"
	"                          even when they are not blank; overwrite an\n"
	"                          existing --ssm-param parameter\n"
	"  -r, --region R          default AWS region (else AWS_REGION, IMDS)\n"
	"  -e, --endpoint URL      https:// KMS and SSM endpoint (else\n"
	"                          AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL_SSM)\n"
	"  -C, --ca-file PEM       trust these CAs too (as AWS_CA_BUNDLE)\n"
	"  -T, --timeout SEC       deadline for KMS, retries included (60)\n"
	"  -l, --log-level LEVEL   debug, info (default), warning, error\n"
	"\n"
	"Keys of a volume made before (open or closed; the header is saved\n"
	"first: to --header-backup FILE, else beside blob-file=, else to\n"
	"/var/lib/luksbox/NAME.header-TIME; a power cut at any point leaves a\n"
	"volume that unlocks):\n"
	"      --add-key KEY[@REGION]  add a keyslot and aws-kms token for KEY\n"
	"      --remove-key KEY    remove the token (and keyslot) of KEY: its\n"
	"                          ARN, key id, alias, token N, or slot:N for\n"
	"                          a keyslot with no token; never the last way\n"
	"                          in (--force: if a recovery slot stays)\n"
	"      --rotate            a fresh secret for every KMS key: new\n"
	"                          keyslots and tokens, proven, then the old\n"
	"                          ones wiped\n"
	"      --rewrap --to KEY   re-encrypt every token (or --from KEY's) to\n"
	"                          KEY with KMS ReEncrypt (same region);\n"
	"                          keyslots untouched\n"
	"  -K, --key-file FILE     prove a way in with this passphrase or\n"
	"                          recovery key instead of KMS\n"
	"\n"
	"      --grow              after the device grew (EBS ModifyVolume):\n"
	"                          open the volume if need be, grow its\n"
	"                          mapping to the whole device (cryptsetup\n"
	"                          resize; a keyring-held key is unlocked\n"
	"                          through KMS, SSM or --key-file), then its\n"
	"                          mounted file system online (resize2fs of\n"
	"                          e2fsprogs, xfs_growfs of xfsprogs: they\n"
	"                          must be installed); sizes before and after are\n"
	"                          shown, nothing to grow is said, exit 0. No\n"
	"                          header write: a cut leaves the old size or\n"
	"                          the new, and --grow again finishes. RAID0:\n"
	"                          every member grown by the same amount, the\n"
	"                          array grows when it is next assembled\n"
	"                          (a stopped one here; a running one after\n"
	"                          --stop and open, or a reboot): superblocks\n"
	"                          rewritten, no stripe moved; unequal growth\n"
	"                          or unequal members are refused. The table\n"
	"                          option grow=auto makes luks-mount do it at\n"
	"                          open\n"
	"\n"
	"      --add-devices NAME DEV...  append a stripe set, as lvextend\n"
	"                          does: a RAID0 of DEV... (equal, blank\n"
	"                          disks; md name NAME+N, so NAME of at most\n"
	"                          28 characters) recorded in the LUKS\n"
	"                          header and joined after the volume's\n"
	"                          devices by /dev/mapper/NAME+sets. Open: the\n"
	"                          mapping and its mounted file system grow\n"
	"                          online; closed: the next open is bigger.\n"
	"                          A cut leaves the old size or the new; the\n"
	"                          same command again finishes. luks-mount\n"
	"                          refuses the volume (exit 75) while a set is\n"
	"                          missing\n"
	"\n"
	"      --adopt NEWNAME     make DEV... (restored from a snapshot of a\n"
	"                          luksbox volume: its device, or every member\n"
	"                          of its RAID0) a volume of its own beside the\n"
	"                          original: new md, LUKS and file-system UUIDs\n"
	"                          (e2fsck and tune2fs, or xfs_admin), every\n"
	"                          aws-kms token re-wrapped by KMS ReEncrypt\n"
	"                          to the new UUID's context, label NEWNAME;\n"
	"                          closed at the end. Devices in use (the\n"
	"                          original's) and a NEWNAME in use are\n"
	"                          refused; an interrupted run is finished by\n"
	"                          running it again\n"
	"\n"
	"DEV may be the word `ephemeral`: every instance-store disk, never\n"
	"the root disk; or an EBS volume id (vol-0123456789abcdef0): on Nitro\n"
	"types the NVMe disk whose serial is that id (not on Xen types; waited\n"
	"for up to --timeout when not attached yet). Credentials: environment, shared credentials file,\n"
	"then the instance role (IMDSv2). The IAM policy needs\n"
	"kms:GenerateDataKey and kms:Decrypt on each key (--rewrap:\n"
	"kms:ReEncrypt* on both keys; --adopt: kms:ReEncrypt* and\n"
	"kms:Decrypt on each key; --remove-key KEY by alias:\n"
	"kms:DescribeKey); with --ssm-param, ssm:GetParameter and\n"
	"ssm:PutParameter on the parameter (and kms:Encrypt/kms:Decrypt on a\n"
	"customer-managed --ssm-kms-key).\n"
	"Exit: 0 provisioned or already so, 1 failed, 2 usage, 75 temporary\n"
	"(KMS unreachable: nothing was written).\n";

enum {
	OPT_ADD_KEY = 256,
	OPT_REMOVE_KEY,
	OPT_ROTATE,
	OPT_REWRAP,
	OPT_TO,
	OPT_FROM,
	OPT_SSM_KMS_KEY,
	OPT_GROW,
	OPT_ADD_DEVICES,
	OPT_ADOPT,
};

struct opts {
	const char *config;
	const char *header_backup;
	const char *key_file;
	const char *adopt;
	int force, wipe, from_cli, grow, add;
	struct tab_volume *nv; /* --add-devices: the new devices */
	int keyop;	       /* 0, or 1 + enum vol_key_op */
	int to;
	struct vol_keyop k;
	enum msg_level level;
	struct aws_opts aws;
	struct tab_volume v;
};

static int set(struct tab_volume *v, const char *name, const char *val)
{
	struct tab_error te = {0};
	char opt[TAB_MAX_LINE];

	if (val)
		snprintf(opt, sizeof(opt), "%s=%s", name, val);
	else
		snprintf(opt, sizeof(opt), "%s", name);
	if (tab_set_option(v, opt, &te))
		return usage_error("%s: %s", opt, te.why);
	return 0;
}

/* The options that go with a key change, and only with one. */
static int check_keyop(struct opts *o)
{
	if (o->keyop)
		o->k.op = (enum vol_key_op)(o->keyop - 1);
	if (o->grow && (o->keyop || o->wipe || o->force || o->from_cli ||
			o->header_backup))
		return usage_error("--grow takes NAME from the table and "
				   "--key-file, nothing else");
	if (o->add &&
	    (o->keyop || o->grow || o->wipe || o->from_cli || o->header_backup))
		return usage_error("--add-devices takes NAME from the table, "
				   "DEV..., --key-file and --force, nothing "
				   "else");
	if (!o->keyop &&
	    (o->to || o->k.from || (o->key_file && !o->grow && !o->add)))
		return usage_error("--key-file, --to and --from go with "
				   "--add-key, --remove-key, --rotate or "
				   "--rewrap (--key-file also with --grow)");
	if (o->keyop && (o->wipe || (o->force && o->k.op != VOL_KEY_REMOVE)))
		return usage_error(
			"%s changes no device: no --wipe%s", "a key change",
			o->k.op != VOL_KEY_REMOVE ? " or --force" : "");
	if ((o->keyop - 1 == VOL_KEY_REWRAP) != o->to)
		return usage_error(o->to ? "--to goes with --rewrap"
					 : "--rewrap needs --to KEY");
	if (o->k.from && o->k.op != VOL_KEY_REWRAP)
		return usage_error("--from goes with --rewrap");
	o->k.force = o->force;
	/* KEY[@REGION] as the table would read it, before any device. */
	if (o->keyop && (o->k.op == VOL_KEY_ADD || o->k.op == VOL_KEY_REWRAP)) {
		struct tab_volume *scratch = calloc(1, sizeof(*scratch));
		int r = scratch ? set(scratch, "kms-key", o->k.key)
				: fail(EXIT_FAIL, "start: out of memory");

		free(scratch);
		return r;
	}
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'},
		{"name", required_argument, NULL, 'n'},
		{"kms-key", required_argument, NULL, 'k'},
		{"context", required_argument, NULL, 'x'},
		{"ssm-param", required_argument, NULL, 's'},
		{"ssm-kms-key", required_argument, NULL, OPT_SSM_KMS_KEY},
		{"fstype", required_argument, NULL, 't'},
		{"mount", required_argument, NULL, 'm'},
		{"recovery", required_argument, NULL, 'R'},
		{"blob-file", required_argument, NULL, 'b'},
		{"header-backup", required_argument, NULL, 'H'},
		{"option", required_argument, NULL, 'o'},
		{"wipe", no_argument, NULL, 'w'},
		{"force", no_argument, NULL, 'f'},
		{"add-key", required_argument, NULL, OPT_ADD_KEY},
		{"remove-key", required_argument, NULL, OPT_REMOVE_KEY},
		{"rotate", no_argument, NULL, OPT_ROTATE},
		{"rewrap", no_argument, NULL, OPT_REWRAP},
		{"to", required_argument, NULL, OPT_TO},
		{"from", required_argument, NULL, OPT_FROM},
		{"key-file", required_argument, NULL, 'K'},
		{"grow", no_argument, NULL, OPT_GROW},
		{"add-devices", no_argument, NULL, OPT_ADD_DEVICES},
		{"adopt", required_argument, NULL, OPT_ADOPT},
		VOLRUN_LONG,
		{NULL, 0, NULL, 0},
	};
	struct tab_error te = {0};
	char *eq;
	int c, r = 0, i;

	o->config = "/etc/luksbox.tab";
	o->level = MSG_INFO;
	o->aws.timeout_s = 60;
	while ((c = getopt_long(argc, argv,
				"c:n:k:x:s:t:m:R:b:H:o:wfK:" VOLRUN_SHORT,
				longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'n':
			if (strlen(optarg) >= sizeof(o->v.name))
				return usage_error("--name %s: too long",
						   optarg);
			strcpy(o->v.name, optarg);
			o->from_cli = 1;
			break;
		case 'k':
			r = set(&o->v, "kms-key", optarg);
			o->from_cli = 1;
			break;
		case 'x':
			r = set(&o->v, "context", optarg);
			o->from_cli = 1;
			break;
		case 's':
			r = set(&o->v, "ssm-param", optarg);
			o->from_cli = 1;
			break;
		case OPT_SSM_KMS_KEY:
			r = set(&o->v, "ssm-kms-key", optarg);
			o->from_cli = 1;
			break;
		case 't':
			r = set(&o->v, "fstype", optarg);
			o->from_cli = 1;
			break;
		case 'm':
			if (optarg[0] != '/' && strcmp(optarg, "none"))
				return usage_error("--mount %s: an absolute "
						   "path or none",
						   optarg);
			snprintf(o->v.mountpoint, sizeof(o->v.mountpoint), "%s",
				 optarg);
			o->from_cli = 1;
			break;
		case 'R':
			r = set(&o->v, "recovery", optarg);
			o->from_cli = 1;
			break;
		case 'b':
			r = set(&o->v, "blob-file", optarg);
			o->from_cli = 1;
			break;
		case 'H':
			o->header_backup = optarg;
			break;
		case 'o':
			eq = strchr(optarg, '=');
			if (eq)
				*eq = '\0';
			r = set(&o->v, optarg, eq ? eq + 1 : NULL);
			o->from_cli = 1;
			break;
		case 'w':
			o->wipe = 1;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'K':
			o->key_file = optarg;
			break;
		case OPT_ADD_KEY:
		case OPT_REMOVE_KEY:
		case OPT_ROTATE:
		case OPT_REWRAP:
			if (o->keyop)
				return usage_error("one of --add-key, "
						   "--remove-key, --rotate, "
						   "--rewrap at a time");
			o->keyop = 1 + c - OPT_ADD_KEY;
			if (c != OPT_REWRAP)
				o->k.key = optarg;
			break;
		case OPT_GROW:
			o->grow = 1;
			break;
		case OPT_ADD_DEVICES:
			o->add = 1;
			break;
		case OPT_ADOPT:
			if (strlen(optarg) >= sizeof(o->v.name))
				return usage_error("--adopt %s: too long",
						   optarg);
			o->adopt = optarg;
			strcpy(o->v.name, optarg);
			break;
		case OPT_TO:
			o->k.key = optarg;
			o->to = 1;
			break;
		case OPT_FROM:
			o->k.from = optarg;
			break;
		default:
			r = volrun_option(&applet_msg, c, optarg, &o->aws,
					  &o->level);
			if (r < 0)
				return EXIT_USAGE;
			if (r)
				return r;
		}
		if (r)
			return r;
	}
	r = check_keyop(o);
	if (r)
		return r;
	if (o->add) {
		if (argc - optind < 2)
			return usage_error("--add-devices NAME DEV...");
		snprintf(o->v.name, sizeof(o->v.name), "%s", argv[optind]);
		o->nv = calloc(1, sizeof(*o->nv));
		if (!o->nv)
			return fail(EXIT_FAIL, "start: out of memory");
		snprintf(o->nv->name, sizeof(o->nv->name), "%s", o->v.name);
		for (i = optind + 1; i < argc; i++)
			if (tab_add_device(o->nv, argv[i], &te))
				return usage_error("%s: %s", argv[i], te.why);
		return 0;
	}
	if (o->adopt) {
		if (o->from_cli || o->keyop || o->grow || o->wipe || o->force ||
		    o->key_file || o->add || optind >= argc)
			return usage_error("--adopt NEWNAME takes the devices "
					   "(and --header-backup), nothing "
					   "else");
		o->from_cli = 1;
	}
	if (!o->from_cli) {
		if (optind != argc - 1)
			return usage_error(
				optind >= argc ? "which volume? NAME from "
						 "the table, or --name ..."
					       : "one NAME, please (devices "
						 "go with --name)");
		snprintf(o->v.name, sizeof(o->v.name), "%s", argv[optind]);
		return 0;
	}
	if (!o->v.name[0])
		return usage_error("volume options need --name (a volume from "
				   "the table takes only NAME)");
	for (i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "ephemeral") && argc - optind == 1) {
			o->v.ephemeral = 1;
			if (!o->v.on_blank)
				o->v.on_blank = TAB_ON_BLANK_FORMAT;
			continue;
		}
		if (tab_add_device(&o->v, argv[i], &te))
			return usage_error("%s: %s", argv[i], te.why);
	}
	if (o->keyop || o->adopt)
		return 0; /* the header says the rest */
	if (!o->v.mountpoint[0])
		strcpy(o->v.mountpoint, "none");
	if (tab_check_volume(&o->v, &te))
		return usage_error("%s%s%s", te.word, te.word[0] ? ": " : "",
				   te.why);
	return 0;
}

/* The volume from the table, with command-line extras on top. */
static int from_table(struct volrun *run, struct opts *o)
{
	const struct tab_volume *v;
	struct tab *t = malloc(sizeof(*t));
	int r;

	if (!t)
		return fail(EXIT_FAIL, "read %s: out of memory", o->config);
	r = volrun_table(run, o->config, 0, t);
	if (!r) {
		v = tab_find(t, o->v.name);
		if (!v)
			r = fail(EXIT_FAIL, "find %s in %s: no such volume",
				 o->v.name, o->config);
		else
			o->v = *v;
	}
	free(t);
	return r;
}

int luks_setup_main(int argc, char **argv)
{
	struct opts *o = calloc(1, sizeof(*o));
	struct volrun *run = calloc(1, sizeof(*run));
	struct vol_devs *d = calloc(1, sizeof(*d));
	struct msg_error e = {0};
	int r, multi;

	if (!o || !run || !d) {
		r = fail(EXIT_FAIL, "start: out of memory");
		goto out_free;
	}
	r = parse(argc, argv, o);
	if (r)
		goto out_free;
	r = volrun_init(run, &applet_msg, o->level, 0);
	if (r)
		goto out_free;
	testhooks_volrun(run);
	if (!o->from_cli)
		r = from_table(run, o);
	if (r)
		goto out_fini;
	if (o->v.timeout && o->aws.timeout_s == 60)
		o->aws.timeout_s = (int)o->v.timeout;
	run->aws_opts = o->aws;
	/* Removing a key with a key file in a rescue boot needs no AWS. */
	if (!(o->keyop && o->k.op == VOL_KEY_REMOVE && o->key_file))
		r = volrun_aws(run);
	if (!r && o->key_file) {
		unsigned char *key = NULL;

		r = volrun_read_key(run, o->key_file, &key, &o->k.unlock_len);
		o->k.unlock = key;
	}
	if (r)
		goto out_fini;
	/* A volume id attached a moment ago may not show yet. */
	run->env.attach_wait_ms = (unsigned)o->aws.timeout_s * 1000;
	run->env.force = o->force;
	run->env.wipe = o->wipe;
	run->env.header_backup = o->header_backup;
	multi = o->v.ephemeral || o->v.ndevices > 1 || o->add;
	volrun_modules(run, multi);
	if (vol_devices(&run->env, &o->v, d, &e)) {
		r = msg_report(run->msg, &e);
		goto out_fini;
	}
	if (o->grow) {
		/* Open (and mount) it first: a volume grows online. A
		 * RAID0 array whose members grew grows as it is assembled. */
		r = vol_open(&run->env, &o->v, d, o->k.unlock, o->k.unlock_len,
			     &e);
		if (r >= 0)
			r = vol_grow(&run->env, &o->v, d, o->k.unlock,
				     o->k.unlock_len, &e);
		r = r < 0 ? msg_report(run->msg, &e) : EXIT_OK;
		goto out_fini;
	}
	if (o->add) {
		struct vol_devs *nd = calloc(1, sizeof(*nd));

		r = nd ? vol_devices(&run->env, o->nv, nd, &e)
		       : msg_why(&e, -ENOMEM, "out of memory");
		if (!r)
			r = vol_add_devices(&run->env, &o->v, d, nd,
					    o->k.unlock, o->k.unlock_len, &e);
		free(nd);
		r = r < 0 ? msg_report(run->msg, &e) : EXIT_OK;
		goto out_fini;
	}
	if (o->adopt) {
		r = vol_adopt(&run->env, o->adopt, d, &e);
		if (r < 0) {
			r = msg_report(run->msg, &e);
			goto out_fini;
		}
		if (r == VOL_DONE_PROVISIONED)
			note("%s: adopted; a table line makes it open at boot",
			     o->adopt);
		r = EXIT_OK;
		goto out_fini;
	}
	if (o->keyop) {
		r = vol_keys(&run->env, &o->v, d, &o->k, &e);
		if (r < 0) {
			r = msg_report(run->msg, &e);
			goto out_fini;
		}
		note("%s: keys changed", o->v.name);
		r = EXIT_OK;
		goto out_fini;
	}
	r = vol_provision(&run->env, &o->v, d, &e);
	/* Provisioned before (or by a run cut short after it was marked
	 * ready): finish the job by opening and mounting it. */
	if (r == VOL_DONE_NOTHING)
		r = vol_open(&run->env, &o->v, d, NULL, 0, &e);
	if (r < 0) {
		r = msg_report(run->msg, &e);
		goto out_fini;
	}
	if (r == VOL_DONE_PROVISIONED)
		note("%s: ready: /dev/mapper/%s%s%s", o->v.name, o->v.name,
		     strcmp(o->v.mountpoint, "none") ? " mounted on " : "",
		     strcmp(o->v.mountpoint, "none") ? o->v.mountpoint : "");
	r = EXIT_OK;
out_fini:
	volrun_fini(run);
out_free:
	free(d);
	free(run);
	if (o)
		free(o->nv);
	free(o);
	return r;
}
