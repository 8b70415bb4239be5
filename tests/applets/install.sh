#!/usr/bin/env bash
# install.sh - `luksbox install` / `uninstall` on fabricated system trees:
# sysv with and without chkconfig, systemd, dracut, idempotence, dry-run,
# files in the way, and an uninstall that removes exactly what was added.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034 # check's EXPR is single-quoted on purpose: eval'd in check
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
applets=$(sed -n '/AF_NOLINK/d; s/^APPLET([^,]*, *"\([^"]*\)".*/\1/p' "$TOP/applets/applets.def")

# An Amazon-Linux-like sysv tree: /etc/rc.d/rcN.d, /etc/rc.d/init.d.
amzn() {
	mkdir -p "$1/etc/rc.d/init.d" "$1/usr/sbin"
	for l in 0 1 2 3 4 5 6; do mkdir -p "$1/etc/rc.d/rc$l.d"; done
}
snapshot() { (cd "$1" && find . -printf '%p %y %m %l %s %T@\n' | sort); }

r=$t/sysv
amzn "$r"
run "$LUKSBOX" install --root "$r" --dry-run
check "dry-run: lists the changes" '[ "$rc" = 0 ] && grep -q "^would copy this luksbox to /usr/sbin/luksbox" <<<"$out" &&
	grep -q "^would link /etc/rc.d/rc3.d/S15luksbox -> ../init.d/luksbox" <<<"$out"'
check "dry-run: changes nothing" '[ ! -e "$r/usr/sbin/luksbox" ] && [ ! -e "$r/etc/rc.d/init.d/luksbox" ] &&
	[ -z "$(find "$r" -type f)" ]'

run "$LUKSBOX" install --root "$r"
check "sysv: install exits 0" '[ "$rc" = 0 ]'
check "sysv: binary copied, identical, 0755" 'cmp -s "$LUKSBOX" "$r/usr/sbin/luksbox" &&
	[ "$(stat -c %a "$r/usr/sbin/luksbox")" = 755 ]'
ok=1
for a in $applets; do [ "$(readlink "$r/usr/sbin/$a")" = luksbox ] || ok=0; done
check "sysv: one symlink per applet" '[ $ok = 1 ]'
check "sysv: no install/uninstall symlinks (they would shadow coreutils)" \
	'[ ! -e "$r/usr/sbin/install" ] && [ ! -e "$r/usr/sbin/uninstall" ]'
check "sysv: init script is init/luksbox, executable" 'cmp -s "$TOP/init/luksbox" "$r/etc/rc.d/init.d/luksbox" &&
	[ -x "$r/etc/rc.d/init.d/luksbox" ]'
check "sysv: S15 links in 2345, K85 in 016" '
	for l in 2 3 4 5; do [ "$(readlink "$r/etc/rc.d/rc$l.d/S15luksbox")" = ../init.d/luksbox ] || exit 1; done
	for l in 0 1 6; do [ "$(readlink "$r/etc/rc.d/rc$l.d/K85luksbox")" = ../init.d/luksbox ] || exit 1; done'
check "sysv: sysconfig and example table installed" 'cmp -s "$TOP/init/sysconfig" "$r/etc/sysconfig/luksbox" &&
	cmp -s "$TOP/init/luksbox.tab" "$r/etc/luksbox.tab"'
check "sysv: sysconfig 0600 (AWS settings go there), example table 0644" '
	[ "$(stat -c %a "$r/etc/sysconfig/luksbox")" = 600 ] && [ "$(stat -c %a "$r/etc/luksbox.tab")" = 644 ]'
check "sysv: no dracut drop-in without dracut" '[ ! -e "$r/etc/dracut.conf.d/luksbox.conf" ]'
check "sysv: manifest lists what was installed" 'grep -qx "file /usr/sbin/luksbox" "$r/var/lib/luksbox/installed" &&
	grep -qx "link /etc/rc.d/rc0.d/K85luksbox ../init.d/luksbox" "$r/var/lib/luksbox/installed"'
check "sysv: manifest lists the directories install created (parents first), not those that were there" '
	[ "$(grep "^dir " "$r/var/lib/luksbox/installed" | tr "\n" " ")" = "dir /etc/sysconfig dir /var dir /var/lib dir /var/lib/luksbox " ]'

before=$(snapshot "$r")
run "$LUKSBOX" install --root "$r"
check "idempotent: second install changes nothing and says so" '[ "$rc" = 0 ] &&
	[ "$out" = "nothing to change: luksbox is installed" ] && [ "$(snapshot "$r")" = "$before" ]'

# The administrator's files are theirs.
echo "# mine" >"$r/etc/sysconfig/luksbox"
run "$LUKSBOX" install --root "$r"
check "install keeps an edited sysconfig" '[ "$rc" = 0 ] && [ "$(cat "$r/etc/sysconfig/luksbox")" = "# mine" ]'

# Uninstall: exactly what install added, keeping changed files.
run "$LUKSBOX" uninstall --root "$r" --dry-run
check "uninstall --dry-run changes nothing" '[ "$rc" = 0 ] && grep -q "^would remove /usr/sbin/luksbox" <<<"$out" &&
	[ -e "$r/usr/sbin/luksbox" ]'
run "$LUKSBOX" uninstall --root "$r"
check "uninstall: removes binary, links, script, manifest" '[ "$rc" = 0 ] && [ ! -e "$r/usr/sbin/luksbox" ] &&
	[ ! -L "$r/usr/sbin/luks-mount" ] && [ ! -e "$r/etc/rc.d/init.d/luksbox" ] &&
	[ ! -L "$r/etc/rc.d/rc3.d/S15luksbox" ] && [ ! -e "$r/var/lib/luksbox/installed" ] &&
	[ ! -e "$r/etc/luksbox.tab" ]'
check "uninstall: keeps the edited sysconfig and names it" '[ -e "$r/etc/sysconfig/luksbox" ] &&
	grep -q "^keep /etc/sysconfig/luksbox: changed since it was installed" <<<"$out"'
run "$LUKSBOX" uninstall --root "$r"
check "uninstall twice: nothing to remove" '[ "$rc" = 0 ] && grep -q "^nothing to remove" <<<"$out"'

# Install then uninstall, nothing edited: the tree is exactly as before.
r=$t/exact
amzn "$r"
pristine=$(snapshot "$r")
"$LUKSBOX" install --root "$r" >/dev/null
run "$LUKSBOX" uninstall --root "$r"
check "install + uninstall: the tree is exactly as it was (files, links, directories)" '[ "$rc" = 0 ] &&
	[ "$(snapshot "$r" | cut -d" " -f1-5)" = "$(cut -d" " -f1-5 <<<"$pristine")" ] &&
	grep -q "^remove directory /var/lib/luksbox$" <<<"$out"'
"$LUKSBOX" install --root "$r" >/dev/null
echo "data ephemeral /data ext4 kms-key=alias/x" >"$r/etc/luksbox.tab"
touch "$r/var/lib/luksbox/other"
run "$LUKSBOX" uninstall --root "$r"
check "uninstall keeps a directory that is not empty and an edited table, naming them" '[ "$rc" = 0 ] &&
	grep -q "^keep /var/lib/luksbox: not empty" <<<"$out" && grep -q "^keep /etc/luksbox.tab: changed" <<<"$out" &&
	[ -e "$r/var/lib/luksbox/other" ] && [ ! -e "$r/var/lib/luksbox/installed" ] && [ ! -e "$r/usr/sbin/luksbox" ]'

# chkconfig present: it places the links; uninstall unregisters first.
r=$t/chk
amzn "$r"
mkdir -p "$r/sbin"
cat >"$r/sbin/chkconfig" <<EOS
#!/bin/sh
echo "\$*" >>"$r/chkconfig.log"
case \$1 in
--add) ln -sf ../init.d/luksbox "$r/etc/rc.d/rc3.d/S15luksbox" ;;
--del) [ -e "$r/etc/rc.d/init.d/luksbox" ] || { echo "script already gone" >>"$r/chkconfig.log"; exit 1; }
	rm -f "$r/etc/rc.d/rc3.d/S15luksbox" ;;
esac
EOS
chmod +x "$r/sbin/chkconfig"
run "$LUKSBOX" install --root "$r"
check "chkconfig: install runs chkconfig --add luksbox once" '[ "$rc" = 0 ] &&
	[ "$(cat "$r/chkconfig.log")" = "--add luksbox" ] && [ ! -e "$r/etc/rc.d/rc0.d/K85luksbox" ]'
run "$LUKSBOX" install --root "$r"
check "chkconfig: second install does not run it again" '[ "$rc" = 0 ] && [ "$(wc -l <"$r/chkconfig.log")" = 1 ]'
run "$LUKSBOX" uninstall --root "$r"
check "chkconfig: uninstall runs --del before removing the script" '[ "$rc" = 0 ] &&
	[ "$(tail -n1 "$r/chkconfig.log")" = "--del luksbox" ] && [ ! -e "$r/etc/rc.d/init.d/luksbox" ]'

# systemd as PID 1: a unit, enabled; no sysv script.
r=$t/systemd
mkdir -p "$r/run/systemd/system" "$r/etc/init.d" "$r/usr/sbin"
run "$LUKSBOX" install --root "$r"
check "systemd: unit installed and enabled" '[ "$rc" = 0 ] &&
	cmp -s "$TOP/init/luksbox.service" "$r/etc/systemd/system/luksbox.service" &&
	[ "$(readlink "$r/etc/systemd/system/multi-user.target.wants/luksbox.service")" = /etc/systemd/system/luksbox.service ] &&
	[ ! -e "$r/etc/init.d/luksbox" ] && [ -x "$r/usr/sbin/luksbox" ] &&
	grep -q "daemon-reload" <<<"$out"'
r=$t/systemd-prefix
mkdir -p "$r/run/systemd/system" "$r/etc/init.d"
run "$LUKSBOX" install --root "$r" --prefix /usr/local
check "systemd, --prefix /usr/local: the unit runs /usr/local/sbin/luksbox" '[ "$rc" = 0 ] &&
	[ -x "$r/usr/local/sbin/luksbox" ] &&
	[ "$(sed "s|/usr/sbin/luksbox|/usr/local/sbin/luksbox|g" "$TOP/init/luksbox.service")" = "$(cat "$r/etc/systemd/system/luksbox.service")" ] &&
	! grep -q "/usr/sbin/luksbox" "$r/etc/systemd/system/luksbox.service"'
run "$LUKSBOX" install --root "$r" --prefix /usr/local
check "systemd, --prefix: second install changes nothing" '[ "$rc" = 0 ] && [ "$out" = "nothing to change: luksbox is installed" ]'
run "$LUKSBOX" uninstall --root "$r"
check "systemd, --prefix: uninstall recognises its unit and removes it" '[ "$rc" = 0 ] &&
	[ ! -e "$r/etc/systemd/system/luksbox.service" ] && [ ! -L "$r/etc/systemd/system/multi-user.target.wants/luksbox.service" ] &&
	[ ! -e "$r/usr/local/sbin" ] && ! grep -q "^keep" <<<"$out"'

# dracut: drop-in omitting crypt, unless a root-on-LUKS crypttab exists.
r=$t/dracut
amzn "$r"
mkdir -p "$r/etc/dracut.conf.d"
run "$LUKSBOX" install --root "$r"
check "dracut: drop-in omits the crypt module and says regenerate" '[ "$rc" = 0 ] &&
	grep -q "^omit_dracutmodules+=\" crypt \"" "$r/etc/dracut.conf.d/luksbox.conf" &&
	grep -q "dracut --force" <<<"$out"'
r=$t/dracut-crypttab
amzn "$r"
mkdir -p "$r/etc/dracut.conf.d"
echo "luks-root UUID=1234 none luks" >"$r/etc/crypttab"
run "$LUKSBOX" install --root "$r"
check "dracut: no drop-in when /etc/crypttab lists volumes" '[ "$rc" = 0 ] && [ ! -e "$r/etc/dracut.conf.d/luksbox.conf" ]'

# A file that is not ours in the way: refuse before changing anything.
r=$t/inway
amzn "$r"
echo "someone else's" >"$r/usr/sbin/luks-mount"
run "$LUKSBOX" install --root "$r"
check "a file in the way: exit 1, named, nothing changed" '[ "$rc" = 1 ] &&
	grep -q "^install: unable to link /usr/sbin/luks-mount -> luksbox.*not ours" <<<"$err" &&
	[ ! -e "$r/usr/sbin/luksbox" ] && [ "$(cat "$r/usr/sbin/luks-mount")" = "someone else'"'"'s" ]'

run "$LUKSBOX" install --bogus
check "bad option: exit 2" '[ "$rc" = 2 ]'
finish
