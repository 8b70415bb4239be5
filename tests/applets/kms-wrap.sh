#!/usr/bin/env bash
# kms-wrap.sh - kms-wrap without AWS: what it refuses before anything
# leaves the machine. (Calls against moto are in tests/kms/kms-wrap.)
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034,SC2317 # check's EXPR is single-quoted on purpose: eval'd in check; kw and conns are called from it
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
lpid=
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -rf "$t"' EXIT

# A listener that only counts the connections it accepts: a plain-HTTP
# endpoint must be refused before one is opened.
python3 - "$t" <<'PY' &
import os, socket, sys
d = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
open(d + "/port.tmp", "w").write(str(s.getsockname()[1]))
os.rename(d + "/port.tmp", d + "/port")
n = 0
while True:
    c, _ = s.accept()
    n += 1
    open(d + "/conns", "w").write(str(n))
    c.close()
PY
lpid=$!
for _ in $(seq 50); do [ -s "$t/port" ] && break; sleep 0.1; done
port=$(cat "$t/port" 2>/dev/null)
conns() { cat "$t/conns" 2>/dev/null || echo 0; }

# Credentials in the environment: the refusal must come before they are
# used, not for want of them.
kw() {
	env -i PATH="$PATH" AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
		AWS_ACCESS_KEY_ID=AKIDEXAMPLE \
		AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY \
		AWS_SESSION_TOKEN=session-token-that-must-not-travel-in-clear \
		"$@"
}

for src in --endpoint AWS_ENDPOINT_URL_KMS AWS_ENDPOINT_URL; do
	before=$(conns)
	if [ $src = --endpoint ]; then
		run kw "$LUKSBOX" kms-wrap encrypt -k alias/luksbox \
			--endpoint "http://127.0.0.1:$port" <<<"secret"
	else
		run kw "$src=http://127.0.0.1:$port" "$LUKSBOX" kms-wrap \
			encrypt -k alias/luksbox <<<"secret"
	fi
	check "plain http endpoint ($src): refused, exit 1, names it and the scheme" \
		'[ "$rc" = 1 ] && grep -q -- "$src: refusing a http:// endpoint for kms" <<<"$err"'
	check "plain http endpoint ($src): no connection opened" \
		'[ "$(conns)" = "$before" ]'
done

# SSM too, by its own variable.
before=$(conns)
run kw AWS_ENDPOINT_URL_SSM="http://127.0.0.1:$port" "$LUKSBOX" kms-wrap \
	ssm-get -N /luksbox/x
check "plain http SSM endpoint: refused, no connection" \
	'[ "$rc" = 1 ] && grep -q "AWS_ENDPOINT_URL_SSM: refusing a http:// endpoint for ssm" <<<"$err" &&
	[ "$(conns)" = "$before" ]'

# The listener does count: the same port as https:// is reached (and the
# handshake then fails), so "no connection" above is not a dead listener.
before=$(conns)
run kw "$LUKSBOX" kms-wrap encrypt -k alias/luksbox -t 4 \
	--endpoint "https://127.0.0.1:$port" <<<"secret"
check "https endpoint on the same listener: connected (control)" \
	'[ "$rc" != 0 ] && [ "$(conns)" -gt "$before" ]'

finish
