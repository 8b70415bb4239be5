#!/usr/bin/env bash
# status.sh - luks-mount --status lists the ways into a closed volume from
# its LUKS header, read from an image file (no device-mapper needed): each
# aws-kms token with its key, region and keyslot, the recovery keyslot,
# tokens of other types, and forged tokens as such, never trusted. The
# header is made by stock cryptsetup and the tokens forged here as JSON.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

if ! command -v cryptsetup >/dev/null || ! command -v python3 >/dev/null; then
	echo "SKIP $suite: needs cryptsetup and python3"
	exit 0
fi
t=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$t"' EXIT
ln -s "$LUKSBOX" "$t/luks-mount"
mount=$t/luks-mount
img=$t/img
truncate -s 32M "$img"
printf 'kms-secret' >"$t/k0"
printf 'other-secret' >"$t/k1"
printf 'recovery-pass' >"$t/k2"
cs() { cryptsetup -q --key-file "$t/k0" "$@" >/dev/null 2>&1; }
if ! cs luksFormat --type luks2 --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 \
	--label vol --subsystem luksbox --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$img" ||
	! cs luksAddKey --pbkdf pbkdf2 --pbkdf-force-iterations 1000 "$img" "$t/k1" ||
	! cs luksAddKey --pbkdf argon2id --pbkdf-memory 32768 --pbkdf-force-iterations 4 "$img" "$t/k2"; then
	echo "SKIP $suite: cryptsetup cannot format an image file here"
	exit 0
fi
uuid=$(cryptsetup luksUUID "$img")
K1=arn:aws:kms:us-east-1:111122223333:key/11111111-1111-1111-1111-111111111111
K3=arn:aws:kms:eu-west-1:111122223333:key/33333333-3333-3333-3333-333333333333
# tok SLOT KEY REGION VOLUME [EXTRA]: an aws-kms token as luks-setup writes it.
tok() {
	printf '{"type":"aws-kms","keyslots":["%s"],"key_id":"%s","region":"%s","ciphertext":"AQIDBA==","context":{"luksbox:volume":"%s"},"version":1%s}' \
		"$1" "$2" "$3" "$4" "${5:-}" >"$t/tok.json"
	cryptsetup token import --json-file "$t/tok.json" "$img" >/dev/null 2>&1
}
tok 0 "$K1" us-east-1 "$uuid"
tok 1 "$K3" eu-west-1 "$uuid"
echo "vol $img none ext4 kms-key=alias/x" >"$t/tab"

# JSON read back by an independent parser.
# field EXPR: the Python expression EXPR over d, the first volume, printed.
# shellcheck disable=SC2154,SC2317 # out is set by run (lib.sh); used in checks
field() { python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$1" <<<"$out"; }
run "$mount" --config "$t/tab" --status --json vol
check "--json: valid JSON, the header named, existing fields kept" \
	'[ "$(field "d[\"header\"], d[\"open\"], d[\"mountpoint\"]")" = "('"'"'$img'"'"', False, '"'"'none'"'"')" ]'
check "--json: two aws-kms ways (token, key, region, keyslot) and the recovery keyslot" \
	'[ "$(field "[(w.get(\"token\"), w[\"type\"], w.get(\"key\"), w.get(\"region\"), w[\"keyslot\"]) for w in d[\"ways_in\"]]")" = "[(0, '"'"'aws-kms'"'"', '"'"'$K1'"'"', '"'"'us-east-1'"'"', 0), (1, '"'"'aws-kms'"'"', '"'"'$K3'"'"', '"'"'eu-west-1'"'"', 1), (None, '"'"'recovery'"'"', None, None, 2)]" ]'
check "--status of a closed volume: exit 3" '[ "$rc" = 3 ]'
run "$mount" --config "$t/tab" --status vol
check "text: one line per way in, under the volume" \
	'grep -Eq "^  token 0 +aws-kms +keyslot 0 +$K1 us-east-1$" <<<"$out" && grep -Eq "^  token 1 +aws-kms +keyslot 1 +$K3 eu-west-1$" <<<"$out" && grep -Eq "^  - +recovery +keyslot 2$" <<<"$out"'

# An SSM way in: its parameter, region and key, on its keyslot (a token
# written here by hand, as luks-setup --ssm-param writes it).
printf '{"type":"luksbox-ssm","keyslots":["1"],"parameter":"/luksbox/vol","region":"eu-west-1","kms_key":"alias/aws/ssm","version":1}' >"$t/ssm.json"
cryptsetup token import --json-file "$t/ssm.json" "$img" >/dev/null 2>&1
run "$mount" --config "$t/tab" --status --json vol
check "--json: the luksbox-ssm way with its parameter, region, key and keyslot" \
	'[ "$(field "[(w[\"type\"], w.get(\"parameter\"), w.get(\"region\"), w.get(\"key\"), w[\"keyslot\"]) for w in d[\"ways_in\"] if w.get(\"token\") == 2]")" = "[('"'"'luksbox-ssm'"'"', '"'"'/luksbox/vol'"'"', '"'"'eu-west-1'"'"', '"'"'alias/aws/ssm'"'"', 1)]" ]'
run "$mount" --config "$t/tab" --status vol
check "text: the SSM way names its parameter" 'grep -Eq "^  token 2 +luksbox-ssm +keyslot 1 +/luksbox/vol alias/aws/ssm eu-west-1$" <<<"$out"'
cryptsetup token remove --token-id 2 "$img"

# Forged tokens: listed as such, with what is wrong, never as a key.
for i in 0 1; do cryptsetup token remove --token-id $i "$img"; done
tok 1 "$K3" eu-west-1 0bad0bad-0000-4000-8000-000000000000
tok 0 "$K1" us-east-1 "$uuid" ',"version":2'
printf '{"type":"aws-kms","keyslots":["0"],"key_id":"%s\\u001b[2J","region":"us-east-1","ciphertext":"AQIDBA==","context":{"luksbox:volume":"%s"},"version":1}' \
	"$K1" "$uuid" >"$t/esc.json"
cryptsetup token import --json-file "$t/esc.json" "$img" >/dev/null 2>&1
printf '{"type":"x-other\\u0007","keyslots":[]}' >"$t/other.json"
cryptsetup token import --json-file "$t/other.json" "$img" >/dev/null 2>&1
run "$mount" --config "$t/tab" --status --json vol
check "another volume's token: listed with its problem" \
	'field "[w for w in d[\"ways_in\"] if w.get(\"token\") == 0]" | grep -q "belongs to volume 0bad0bad"'
check "a control character in a token: refused, the escape never printed" \
	'field "[w for w in d[\"ways_in\"] if w.get(\"token\") == 2]" | grep -q "control character in its key_id" && ! grep -q "$(printf "\033")" <<<"$out"'
check "another token type: listed by its type, made printable" \
	'field "[w[\"type\"] for w in d[\"ways_in\"] if w.get(\"token\") == 3]" | grep -qF "x-other?"'
run "$mount" --config "$t/tab" --status vol
check "text: forged tokens NOT USED, with the reason" \
	'[ "$(grep -c "NOT USED" <<<"$out")" = 3 ] && ! grep -q "$(printf "\033")" <<<"$out"'
# Four tokens now; up to 7 pass the policy (6 ways in + 1 while rotating).
for i in 1 2 3 4; do tok 1 "$K3" eu-west-1 "$uuid"; done
run "$mount" --config "$t/tab" --status --json vol
check "an eighth token: the header is refused (policy), said, nothing listed" \
	'[ "$rc" = 3 ] && [ "$(field "d[\"header_error\"], d[\"ways_in\"]")" = "('"'"'the LUKS header of $img is not one luks-setup writes (tokens.count=8)'"'"', [])" ]'

# A header that cannot be read is said, not a failure of --status.
echo "vol2 $t/nothing none ext4 kms-key=alias/x" >"$t/tab2"
truncate -s 1M "$t/nothing"
run "$mount" --config "$t/tab2" --status --json vol2
check "no LUKS header: header_error says so, ways_in empty" \
	'[ "$(field "d[\"header_error\"], d[\"ways_in\"]")" = "('"'"'$t/nothing: no LUKS header'"'"', [])" ]'
echo "vol3 $t/a,$t/b none ext4 kms-key=alias/x" >"$t/tab3"
run "$mount" --config "$t/tab3" --status vol3
check "a closed RAID0 volume: says its array is not assembled" \
	'grep -q "ways in not read: closed: its RAID0 array /dev/md/vol3 is not assembled" <<<"$out"'
run "$mount" --config "$t/tab" --check vol
check "--check without --status: exit 2" '[ "$rc" = 2 ]'
finish
