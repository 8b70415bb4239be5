/* kms-wrap.c - wrap and unwrap secrets with AWS KMS; read SSM SecureStrings.
 * SPDX-License-Identifier: GPL-2.0-or-later
 * See: DESIGN.md "Applets", issue 4.
 */
#include "applets/applet.h"

const char kms_wrap_usage[] =
	"Usage: kms-wrap COMMAND [OPTIONS]\n"
	"\n"
	"Encrypt and decrypt small secrets with AWS KMS through luksbox's own\n"
	"HTTPS + SigV4 client (no AWS CLI). NOT IMPLEMENTED YET in this build.\n"
	"\n"
	"Commands (planned):\n"
	"  encrypt  --key-id KEY [--context K=V]... [--in F] [--out F] [--base64]\n"
	"  decrypt  [--key-id KEY] [--context K=V]... [--in F] [--out F] [--base64]\n"
	"  generate-data-key --key-id KEY [--bytes N] --plain-out F --blob-out F\n"
	"  rewrap   --key-id NEWKEY [--context K=V]... [--in F] [--out F]\n"
	"  describe --key-id KEY\n"
	"  ssm-get  --name NAME [--out F]\n"
	"Common: --region R --endpoint URL --ca-file PEM --timeout SEC -v\n";

/* Honest placeholder until issue 4 lands: fail, never pretend. */
int kms_wrap_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fail(EXIT_FAIL,
		    "run kms-wrap: not implemented yet in this build");
}
