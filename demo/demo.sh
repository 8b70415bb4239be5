#!/usr/bin/env bash
# demo/demo.sh - `make demo`: luksbox's main job end to end on this machine,
# with no AWS account. Installs what is missing (.ci/setup), builds, then
# boots a VM as an EC2 instance with two blank instance-store disks, a fake
# AWS on loopback (moto with signature checks as KMS, a fake IMDSv2 handing
# out the instance role) and luksbox installed through `luksbox install`,
# and narrates what happens; ends with a table of what was measured.
# Exits non-zero when any step fails.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: tests/vm/scenarios/31-boot-ec2-lifecycle (the steps and their
#      checks), tests/vm/README.md (the VM), tests/fakes/README.md (the fakes).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
scenario=tests/vm/scenarios/31-boot-ec2-lifecycle
log=$top/build/cache/demo.log
t0=$(date +%s)
mkdir -p build/cache
: >"$log"

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else echo "$*"; fi; }
die() {
	echo
	bold "make demo: FAILED: $*"
	echo "(full output in $log)"
	exit 1
}

bold "luksbox demo: encrypted instance-store volumes that unlock themselves at boot"
echo "No AWS account: the instance is a VM on this machine, and all it can reach"
echo "is a fake AWS on loopback. (Only the first run downloads: packages, sources.)"
echo

bold "== 1. What the demo needs (Debian packages, moto)"
.ci/setup 2>&1 | tee -a "$log" | sed 's/^/   /'
[ "${PIPESTATUS[0]}" = 0 ] || die ".ci/setup could not install what is needed"
# Exactly the Python .ci/setup validated runs the fake AWS.
[ -s build/cache/python-bin ] && PATH=$(cat build/cache/python-bin):$PATH && export PATH

bold "== 2. Building luksbox (the first time also its dependencies, from Debian sources)"
[ -e build/cache/stamp/.all ] || echo "   (first build: libcryptsetup, libdevmapper, json-c, nettle, BearSSL... several minutes)"
make luksbox test-build >>"$log" 2>&1 || die "the build failed (make luksbox test-build)"
echo "   ./luksbox: $(stat -c %s luksbox) bytes, static: $(file -b luksbox | cut -d, -f1-2)"
echo "   applets: $(./luksbox --list | tr '\n' ' ')"
echo "   The VM runs its test build (build/obj/test-hooks/luksbox): the same"
echo "   code plus test hooks, for one: qemu cannot give an NVMe disk the EC2"
echo "   instance-store model string, so the VM names qemu's (the shipped"
echo "   ./luksbox reads no such setting)."
echo

bold "== 3. The instance"
echo "   A qemu VM (Debian's kernel, busybox userland, sysv rc like Amazon Linux)"
echo "   with two blank 96 MiB NVMe instance-store disks, and on loopback:"
echo "   moto as KMS (signature checks on) behind kms.us-east-1.amazonaws.com,"
echo "   a fake IMDSv2 handing out the instance role, a KMS key alias/luksbox."
echo "   (the first run also builds the VM guest: Debian kernel and tools)"

# Narrate tests/vm/run's lines; keep the measurements for the table.
measures=()
pass=0 fail=0
narrate() {
	local l k
	while IFS= read -r l; do
		echo "$l" >>"$log"
		case $l in
		'# == '*) echo; bold "${l#\# }" ;;
		PASS\ *) pass=$((pass + 1)); echo "   ok    ${l#*: boot [0-9]: }" | sed 's/^   ok    PASS [^:]*: host: /   ok    /' ;;
		FAIL\ *) fail=$((fail + 1)); echo "   FAIL  ${l#FAIL }" ;;
		SKIP\ *) fail=$((fail + 1)); echo "   SKIP  ${l#SKIP }" ;;
		'# measure: '*)
			k=${l#\# measure: }
			measures+=("$k")
			echo "   measured: $k"
			;;
		'# '*': boot '*' took '*)
			k=${l##*: boot }
			measures+=("VM boot ${k% took *} (qemu TCG, whole boot): ${k##* took }")
			echo "   (VM boot ${k% took *}: ${k##* took })"
			;;
		'# after rc 0: '* | '# boot '*': modules+disk+net'*) ;;
		'# '*) echo "   ${l#\# }" ;;
		guest:*) echo "   $l" ;;
		*) echo "   $l" ;;
		esac
	done
}
t_vm=$(date +%s)
narrate < <(LUKSBOX=$top/luksbox LUKSBOX_TEST=$top/build/obj/test-hooks/luksbox VM_TIMEOUT=${VM_TIMEOUT:-300} tests/vm/run "$scenario" 2>&1; echo "FAIL demo: tests/vm/run exited $?" | grep -v 'exited 0$')
t_end=$(date +%s)

echo
bold "== What was measured"
printf '   %-68s %s\n' "what" "value"
printf '   %-68s %s\n' "----" "-----"
row() { printf '   %-68s %s\n' "$1" "$2"; }
# Boot steps and the key search first, then the whole VM boots.
for m in "${measures[@]}"; do
	case $m in "VM boot "*) ;; *) row "${m%%: *}" "${m#*: }" ;; esac
done
for m in "${measures[@]}"; do
	case $m in "VM boot "*) row "${m%%: *}" "${m#*: }" ;; esac
done
row "checks" "$pass passed, $fail failed"
row "VM part (4 boots, fake AWS start and stop)" "$((t_end - t_vm)) s"
row "make demo, wall" "$((t_end - t0)) s"
echo
if [ $fail -gt 0 ] || [ $pass = 0 ]; then
	die "$fail step(s) failed (VM logs: build/cache/vm/logs/${scenario##*/})"
fi
bold "make demo: every step passed."
