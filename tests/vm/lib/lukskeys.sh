# lukskeys.sh - guest side (busybox sh): a LUKS2 header's aws-kms tokens
# and keyslots as stock cryptsetup sees them, and whether a token's KMS
# blob opens its keyslot (kms-wrap decrypt | cryptsetup --test-passphrase),
# independently of luksbox's own code. A scenario's host part passes it in:
#   guest_file /lib/lukskeys.sh "$here/lib/lukskeys.sh"
# Functions that can fail say why on stderr (check shows it).
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh

# hdr DEV: a digest of the first 16 MiB (the LUKS2 header and keyslot
# area); md5: equality is all it proves, and sha256 costs twice the time
# under TCG.
hdr() { dd if="$1" bs=1M count=16 2>/dev/null | md5sum | cut -d' ' -f1; }

# kms_tokens DEV: "TOKEN KEYSLOT" for each aws-kms token (luksDump).
kms_tokens() {
	cryptsetup luksDump "$1" | awk '
		/^Tokens:/ { t = 1; next }
		/^[A-Za-z]/ { t = 0 }
		t && /^ +[0-9]+: / { id = $1; sub(":", "", id); aws = ($2 == "aws-kms"); next }
		t && aws && /Keyslot:/ { print id, $2; aws = 0 }'
}
# keyslots DEV: the keyslot numbers, one a line.
keyslots() {
	cryptsetup luksDump "$1" | awk '
		/^Keyslots:/ { k = 1; next }
		/^[A-Za-z]/ { k = 0 }
		k && /^ +[0-9]+: / { s = $1; sub(":", "", s); print s }'
}
# slot_text DEV [SLOT]: the luksDump Keyslots section (or one keyslot's part).
slot_text() {
	cryptsetup luksDump "$1" | awk -v want="${2:-}" '
		/^Keyslots:/ { k = 1; next }
		/^[A-Za-z]/ { k = 0 }
		k && /^ +[0-9]+: / { s = $1; sub(":", "", s) }
		k && (want == "" || s == want) { print }'
}
# slot_pbkdf DEV SLOT: pbkdf2, argon2id, ...
slot_pbkdf() { slot_text "$1" "$2" | sed -n 's/^[[:space:]]*PBKDF:[[:space:]]*//p'; }
# argon_slots DEV: the argon2 keyslots (luksbox's recovery keyslot).
argon_slots() {
	for _s in $(keyslots "$1"); do
		case $(slot_pbkdf "$1" "$_s") in argon2*) echo "$_s" ;; esac
	done
}

# token_field DEV TOKEN MEMBER: a string member of the token's JSON
# (key_id, region, ciphertext), JSON's \/ undone. (The export has no
# final newline: $() and echo give the value one.)
token_field() {
	_v=$(cryptsetup token export --token-id "$2" "$1" |
		sed -n "s/.*\"$3\":\"\([^\"]*\)\".*/\1/p" | sed 's/\\//g')
	[ -n "$_v" ] && echo "$_v"
}
# token_blob DEV TOKEN FILE: the token's raw KMS ciphertext into FILE.
token_blob() {
	_b=$(token_field "$1" "$2" ciphertext)
	[ -n "$_b" ] || { echo "token $2: no ciphertext" >&2; return 1; }
	echo "$_b" | base64 -d >"$3"
}
# token_of DEV KEY-ARN: the aws-kms token ids naming that key, one a line.
token_of() {
	kms_tokens "$1" | while read -r _t _s; do
		[ "$(token_field "$1" "$_t" key_id)" = "$2" ] && echo "$_t"
	done
}
# slot_of DEV TOKEN: the keyslot that token is linked to.
slot_of() { kms_tokens "$1" | sed -n "s/^$2 //p"; }
# token_keys DEV: the key ARNs of the aws-kms tokens, sorted, one a line.
token_keys() {
	kms_tokens "$1" | while read -r _t _s; do
		token_field "$1" "$_t" key_id
	done | sort
}
# first_blob DEV FILE: the ciphertext of the first (lowest) aws-kms token.
first_blob() { token_blob "$1" "$(kms_tokens "$1" | sort -n | head -n 1 | cut -d' ' -f1)" "$2"; }
# blob_follows DEV BLOBFILE: the blob file holds the first token's ciphertext.
blob_follows() {
	first_blob "$1" /run/lk.first && cmp /run/lk.first "$2" >&2
}

# kms_decrypts DEV BLOB: KMS decrypts BLOB with DEV's context (the secret
# is thrown away).
kms_decrypts() {
	kms-wrap decrypt -c "luksbox:volume=$(cryptsetup luksUUID "$1")" -i "$2" >/dev/null
}
# opens_none DEV BLOB: BLOB's secret opens no PBKDF2 (KMS) keyslot.
opens_none() {
	for _s in $(keyslots "$1"); do
		[ "$(slot_pbkdf "$1" "$_s")" = pbkdf2 ] || continue
		! blob_opens "$1" "$2" "$_s" 2>/dev/null || { echo "$2 opens keyslot $_s" >&2 && return 1; }
	done
}
# blob_opens DEV BLOB [SLOT]: the secret KMS returns for BLOB (context
# luksbox:volume=UUID) opens keyslot SLOT, or any keyslot without SLOT.
blob_opens() {
	kms-wrap decrypt -c "luksbox:volume=$(cryptsetup luksUUID "$1")" -i "$2" |
		cryptsetup open --test-passphrase ${3:+--key-slot "$3"} --key-file - "$1"
}

# tokens_sound DEV: every aws-kms token links to a keyslot that exists and
# that its KMS-decrypted secret opens, and no key has two tokens.
tokens_sound() {
	_ok=0
	_slots=" $(keyslots "$1" | tr '\n' ' ')"
	kms_tokens "$1" >/run/lk.toks
	[ -s /run/lk.toks ] || { echo "no aws-kms token" >&2; return 1; }
	while read -r _t _s; do
		case $_slots in
		*" $_s "*) ;;
		*) echo "token $_t: keyslot $_s missing" >&2 && _ok=1 && continue ;;
		esac
		if ! token_blob "$1" "$_t" /run/lk.blob || ! blob_opens "$1" /run/lk.blob "$_s" 2>/dev/null; then
			echo "token $_t: its secret does not open keyslot $_s" >&2
			_ok=1
		fi
	done </run/lk.toks
	_dups=$(token_keys "$1" | uniq -d)
	[ -z "$_dups" ] || { echo "several tokens for $_dups" >&2 && _ok=1; }
	return $_ok
}
# orphan_slots DEV: PBKDF2 keyslots no aws-kms token links to.
orphan_slots() {
	_linked=" $(kms_tokens "$1" | cut -d' ' -f2 | tr '\n' ' ')"
	for _s in $(keyslots "$1"); do
		case $_linked in *" $_s "*) continue ;; esac
		[ "$(slot_pbkdf "$1" "$_s")" = pbkdf2 ] && echo "$_s"
	done
}

# Automatic header backups: DIR/NAME.header-YYYYMMDDTHHMMSSZ.
# bk_mark DIR NAME: remember the backups there now (and DEV's luksDump, the
# header as it is before a change: bk_mark DIR NAME DEV).
bk_list() { for _f in "$1/$2".header-*; do [ -e "$_f" ] && echo "$_f"; done; }
bk_mark() {
	{ echo /none; bk_list "$1" "$2"; } >/run/lk.bk
	[ -z "${3:-}" ] || cryptsetup luksDump "$3" >/run/lk.before
}
# bk_new DIR NAME: the backups made since bk_mark.
bk_new() { bk_list "$1" "$2" | grep -vxF -f /run/lk.bk; }
# bk_good FILE: stock luksDump reads it.
bk_good() { cryptsetup luksDump "$1" >/run/lk.bkdump; }
# bk_private FILE...: each is mode 0600 (root's alone, as the blob file).
bk_private() {
	for _f; do
		[ "$(stat -c %a "$_f")" = 600 ] || { echo "$_f: mode $(stat -c %a "$_f")" >&2 && return 1; }
	done
}
# bk_before FILE: luksDump of FILE is the header as it was at bk_mark.
bk_before() { bk_good "$1" && diff /run/lk.before /run/lk.bkdump >&2; }
# bk_made DIR NAME: backups were written since bk_mark, named
# NAME.header-YYYYMMDDTHHMMSSZ (.N after it: another one in that second),
# each readable, one of them the header as it was at bk_mark.
bk_made() {
	_new=$(bk_new "$1" "$2")
	[ -n "$_new" ] || { echo "no new backup in $1" >&2; return 1; }
	_ok=1
	for _f in $_new; do
		echo "${_f##*/}" | grep -Eq "^$2\.header-[0-9]{8}T[0-9]{6}Z(\.[0-9]+)?\$" || { echo "bad name $_f" >&2; return 1; }
		bk_good "$_f" || return 1
		diff -q /run/lk.before /run/lk.bkdump >/dev/null && _ok=0
	done
	[ $_ok = 0 ] || echo "no new backup shows the header as it was before" >&2
	return $_ok
}
