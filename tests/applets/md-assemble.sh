#!/usr/bin/env bash
# md-assemble.sh - the md-assemble applet on the host: usage and exit codes,
# examine on image files (superblocks written by an independent Python
# encoder, stock mdadm --examine as the oracle), list-ephemeral against
# fabricated sysfs trees (Nitro NVMe, EBS, the root disk, Xen names mapped
# through a fake IMDSv2 on loopback). Creating and assembling need md in
# the kernel: VM scenarios 10-18.
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC2016,SC2034,SC2317 # check's EXPR is eval'd in check; md and cleanup are called indirectly
set -u
# shellcheck source=tests/applets/lib.sh
. "$(dirname "$0")/lib.sh"

needs_test_build
md() { "$LUKSBOX" md-assemble "$@"; }
mdt() { "$LUKSBOX_TEST" md-assemble "$@"; }
t=$(mktemp -d)
imds_pid=
cleanup() {
	[ -n "$imds_pid" ] && kill "$imds_pid" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT

# ---- usage and exit codes ---------------------------------------------------

run md --help
help=$out
check "help: names every command" \
	'for c in create assemble stop examine list-ephemeral; do grep -q "^  $c" <<<"$help" || exit 1; done'
check "help: --force is spelled out as destructive" 'grep -A2 -- "--force " <<<"$help" | grep -q DESTRUCTIVE'
check "help: documents the exit codes" 'grep -q "^Exit: 0 ok" <<<"$help" && grep -q "75 temporary" <<<"$help"'
run md
check "no command: exit 2" '[ "$rc" = 2 ] && grep -q "which command" <<<"$err"'
run md frobnicate
check "unknown command: exit 2, named" '[ "$rc" = 2 ] && grep -q "frobnicate: unknown command" <<<"$err"'
run md create --bogus
check "unknown option: exit 2" '[ "$rc" = 2 ]'
for c in 100K 0 3M 128M 2K abc 64X 1000 4G -512K 7s; do
	run md create -n a --chunk "$c" /dev/x /dev/y
	check "--chunk $c refused (exit 2)" '[ "$rc" = 2 ] && grep -q -- "--chunk" <<<"$err"'
done
for c in 512K 64K 4K 1M 64M 1024s 8s 256 512k; do
	run md create -n a --chunk "$c"
	check "--chunk $c accepted" '[ "$rc" = 2 ] && grep -q "create needs the devices" <<<"$err"'
done
run md create --chunk 64K /dev/x /dev/y
check "create without --name: exit 2" '[ "$rc" = 2 ] && grep -q "needs --name" <<<"$err"'
run md create -n "bad/name" /dev/x /dev/y
check "bad --name: exit 2" '[ "$rc" = 2 ] && grep -q "bad/name" <<<"$err"'
run md create -n "$(printf 'a%.0s' {1..32})" /dev/x /dev/y
check "32-character --name: exit 2" '[ "$rc" = 2 ]'
truncate -s 64M "$t/plain"
run md create -n one "$t/plain"
check "one device without --force-raid: exit 2, says why" \
	'[ "$rc" = 2 ] && grep -q "one device needs no RAID" <<<"$err" && grep -q -- "--force-raid" <<<"$err"'
run md create -n two "$t/plain" "$t/plain"
check "create on a regular file: exit 1, names it, nothing written" \
	'[ "$rc" = 1 ] && grep -q "unable to create array two on $t/plain: not a block device" <<<"$err" &&
	[ -z "$(tr -d "\000" <"$t/plain" | head -c 1)" ]'
run md create -n two /dev/null /dev/zero
check "create on a character device: exit 1" '[ "$rc" = 1 ] && grep -q "/dev/null: not a block device" <<<"$err"'
run md assemble
check "assemble without --name/--uuid: exit 2" '[ "$rc" = 2 ] && grep -q -- "--name NAME or --uuid UUID" <<<"$err"'
run md assemble -n a -u 01234567:89abcdef:fedcba98:76543210
check "assemble with both --name and --uuid: exit 2" '[ "$rc" = 2 ]'
run md assemble -u 0123456789
check "bad --uuid: exit 2" '[ "$rc" = 2 ] && grep -q "not a UUID" <<<"$err"'
run md stop
check "stop without an array: exit 2" '[ "$rc" = 2 ]'
run md stop no-such-array-here
check "stop an array that is not there: exit 1, named" \
	'[ "$rc" = 1 ] && grep -q "unable to stop array no-such-array-here: no array named no-such-array-here" <<<"$err"'
run md stop /dev/sda
check "stop a non-md device: exit 1" '[ "$rc" = 1 ] && grep -q "not an md array" <<<"$err"'
run md examine
check "examine without devices: exit 2" '[ "$rc" = 2 ]'
# The shipped binary has no test hooks: a fabricated sysfs or mount table,
# or a model string from the environment, would choose which disks count
# as instance storage, i.e. which may be formatted.
for o in --sysfs --mountinfo; do
	run md list-ephemeral "$o" "$t"
	check "shipped: $o is an unknown option (exit 2)" '[ "$rc" = 2 ] && [ -z "$out" ] &&
		grep -q "unrecognized option" <<<"$err"'
done
check "shipped: --help names no test hook" '! grep -Eq -- "--sysfs|--mountinfo|LUKSBOX_EPHEMERAL_MODEL|test build" <<<"$help"'
run mdt --help
check "test build: --help names its hooks" 'grep -q -- "--sysfs DIR *(test build)" <<<"$out" &&
	grep -q -- "--mountinfo FILE *(test build)" <<<"$out" && grep -q "(test build) LUKSBOX_EPHEMERAL_MODEL" <<<"$out"'
run mdt create --sysfs /tmp -n a /dev/x /dev/y
check "test build: --sysfs outside list-ephemeral: exit 2" '[ "$rc" = 2 ] &&
	grep -q -- "--sysfs and --mountinfo are for list-ephemeral" <<<"$err"'
run md list-ephemeral /dev/x
check "list-ephemeral takes no devices: exit 2" '[ "$rc" = 2 ]'

# ---- examine on image files -------------------------------------------------

# mksb IMG BYTES NAME UUID ROLE NDEV CHUNK DATA_OFFSET [flip|raid_disks=N]:
# a v1.2 superblock written the way md_p.h lays it out, independently of
# block/md_sb.c, so examine is judged against mdadm and not against itself.
mksb() {
	python3 - "$@" <<'EOF'
import os, struct, sys
path, size, name, uuid, role, ndev, chunk, doff = sys.argv[1:9]
extra = sys.argv[9:]
size, role, ndev, chunk, doff = map(int, (size, role, ndev, chunk, doff))
raid_disks = ndev
for e in extra:
    if e.startswith("raid_disks="):
        raid_disks = int(e.split("=")[1])
b = bytearray(4096)
max_dev = ((256 + 2 * ndev + 511) // 512 * 512 - 256) // 2
struct.pack_into("<II", b, 0, 0xA92B4EFC, 1)
b[16:32] = bytes.fromhex(uuid)
name = os.fsencode(name)  # raw bytes from argv, as a hostile disk has them
b[32:32 + len(name)] = name
ctime = 1700000000
struct.pack_into("<QiIQII", b, 64, ctime, 0, 1, 0, chunk, raid_disks)
struct.pack_into("<QQQ", b, 128, doff, size // 512 - doff, 8)
struct.pack_into("<I", b, 160, role)
b[168:184] = bytes(range(16, 32))
struct.pack_into("<BBHi", b, 184, 0, 0, 8, 8)
struct.pack_into("<QQQ", b, 192, ctime + 60, 3, 2**64 - 1)
struct.pack_into("<I", b, 220, max_dev)
for i in range(1920):
    struct.pack_into("<H", b, 256 + 2 * i, i if i < ndev else 0xFFFF)
n = 256 + 2 * max_dev
s = sum(struct.unpack_from("<%dI" % (n // 4), b, 0))
csum = ((s & 0xFFFFFFFF) + (s >> 32)) & 0xFFFFFFFF
if "flip" in extra:
    csum ^= 1
struct.pack_into("<I", b, 216, csum)
with open(path, "wb") as f:
    f.truncate(size)
    f.seek(4096)
    f.write(b)
EOF
}

uuid=0123456789abcdeffedcba9876543210
mksb "$t/m0" $((64 << 20)) web $uuid 0 3 128 2048
mksb "$t/m2" $((80 << 20)) host1:web $uuid 2 3 1024 4096
have_mdadm=0
if command -v mdadm >/dev/null; then
	have_mdadm=1
	run mdadm --examine "$t/m0"
	check "oracle: mdadm --examine accepts the test encoder's superblock" \
		'[ "$rc" = 0 ] && grep -q "Checksum : [0-9a-f]* - correct" <<<"$out"'
else
	echo "SKIP $suite: mdadm oracle: mdadm is not installed (apt-get install mdadm)"
fi

# field TEXT KEY: the value after "KEY : " in examine output.
field() { sed -n "s/^ *$2 : //p" <<<"$1" | head -n1; }

for img in m0 m2; do
	run md examine "$t/$img"
	ours=$out
	check "examine $img: exit 0, one block named after the file" \
		'[ "$rc" = 0 ] && [ "$(head -n1 <<<"$ours")" = "$t/$img:" ] && [ -z "$err" ]'
	if [ $have_mdadm = 1 ]; then
		theirs=$(mdadm --examine "$t/$img")
		for k in "Version" "Feature Map" "Array UUID" "Name" "Raid Level" "Raid Devices" \
			"Data Offset" "Super Offset" "Device UUID" "Checksum" "Events" "Chunk Size" \
			"Device Role"; do
			check "examine $img: $k as mdadm says ($(field "$theirs" "$k"))" \
				'[ -n "$(field "$theirs" "$k")" ] && [ "$(field "$ours" "$k")" = "$(field "$theirs" "$k")" ]'
		done
		check "examine $img: Avail Dev Size as mdadm says" \
			'[ "$(field "$ours" "Avail Dev Size")" = "$(field "$theirs" "Avail Dev Size" | cut -d" " -f1-2)" ]'
		theirs=$(mdadm --examine --export "$t/$img")
		run md examine --export "$t/$img"
		for k in MD_LEVEL MD_DEVICES MD_NAME MD_UUID MD_UPDATE_TIME MD_DEV_UUID MD_EVENTS; do
			check "examine --export $img: $k as mdadm --export says" \
				'grep -qx "$(grep "^$k=" <<<"$theirs")" <<<"$out"'
		done
	fi
done
run md examine --export "$t/m2"
check "examine --export: our extra keys" \
	'grep -qx MD_SUPERBLOCK=ok <<<"$out" && grep -qx MD_METADATA=1.2 <<<"$out" &&
	grep -qx MD_ROLE=2 <<<"$out" && grep -qx MD_CHUNK_SIZE=524288 <<<"$out" &&
	grep -qx MD_DATA_OFFSET=4096 <<<"$out" && grep -qx MD_DATA_SIZE=$(((80 << 11) - 4096)) <<<"$out" &&
	grep -qx MD_CTIME=1700000000 <<<"$out" && grep -qx "MD_NAME=host1:web" <<<"$out"'

mksb "$t/bad" $((64 << 20)) web $uuid 1 3 128 2048 flip
run md examine "$t/bad"
check "examine: a wrong checksum is shown and fails (exit 1)" \
	'[ "$rc" = 1 ] && grep -q "Checksum : [0-9a-f]* - wrong" <<<"$out" &&
	grep -q "unable to examine $t/bad: the superblock checksum is wrong" <<<"$err"'
run md examine -Y "$t/bad"
check "examine --export: MD_SUPERBLOCK=bad-checksum" '[ "$rc" = 1 ] && grep -qx MD_SUPERBLOCK=bad-checksum <<<"$out"'
if [ $have_mdadm = 1 ]; then
	run mdadm --examine "$t/bad"
	check "oracle: mdadm also says the checksum is wrong" 'grep -q "Checksum : .* - expected" <<<"$out"'
fi
mksb "$t/huge" $((64 << 20)) web $uuid 1 3 128 2048 raid_disks=100000
run md examine -Y "$t/huge"
check "examine: absurd raid_disks is damaged, exit 1, no crash" \
	'[ "$rc" = 1 ] && grep -qx MD_SUPERBLOCK=damaged <<<"$out"'
mksb "$t/past" $((64 << 20)) web $uuid 1 3 128 2048
truncate -s $((32 << 20)) "$t/past" # data now runs past the end
run md examine -Y "$t/past"
check "examine: data past the end of the device is damaged, exit 1" \
	'[ "$rc" = 1 ] && grep -qx MD_SUPERBLOCK=damaged <<<"$out"'

# A set_name with CSI (0x9b): refused as damaged, the field named, the
# byte never echoed.
mksb "$t/csi" $((64 << 20)) $'web\x9b2J' $uuid 0 3 128 2048
run md examine -Y "$t/csi"
check "examine: a set_name holding C1 CSI is damaged, the field named, not echoed" \
	'[ "$rc" = 1 ] && grep -qx MD_SUPERBLOCK=damaged <<<"$out" && grep -q "set_name (the array name) holds control characters" <<<"$err" &&
	! LC_ALL=C grep -q $'"'"'\x9b'"'"' <<<"$out$err"'

truncate -s 16M "$t/blank"
run md examine "$t/blank"
check "examine: a blank file has no superblock, contents blank, exit 1" \
	'[ "$rc" = 1 ] && grep -q "Superblock : none" <<<"$out" && grep -q "Contents : blank" <<<"$out" &&
	grep -q "unable to examine $t/blank: no md superblock (blank)" <<<"$err"'
if command -v mkfs.ext4 >/dev/null; then
	truncate -s 16M "$t/ext4"
	mkfs.ext4 -q -F "$t/ext4" >/dev/null 2>&1
	run md examine --export "$t/ext4"
	check "examine --export: an ext4 image says MD_SUPERBLOCK=none and what it holds" \
		'[ "$rc" = 1 ] && grep -qx MD_SUPERBLOCK=none <<<"$out" && grep -q "^MD_CONTENTS=ext4 at 1080" <<<"$out"'
else
	echo "SKIP $suite: examine of an ext4 image: mkfs.ext4 is not installed"
fi
run md examine --export "$t/m0" "$t/blank" "$t/m2"
check "examine several: one block each, separated by an empty line, exit 1 if any is bad" \
	'[ "$rc" = 1 ] && [ "$(grep -c "^MD_DEVNAME=" <<<"$out")" = 3 ] && [ "$(grep -c "^$" <<<"$out")" = 2 ]'
run md examine "$t/m0" "$t/m2"
check "examine several good ones: exit 0" '[ "$rc" = 0 ] && [ "$(grep -c "Array UUID" <<<"$out")" = 2 ]'
run md examine "$t/nonexistent"
check "examine a missing file: exit 1, named" \
	'[ "$rc" = 1 ] && grep -q "unable to examine $t/nonexistent: No such file" <<<"$err"'

# ---- assemble refusals on image files -------------------------------------
# Members are found and checked before the kernel is asked, so every
# refusal can be seen on files; a whole set gets as far as md itself, which
# wants block devices.

for i in 0 1 2; do mksb "$t/a$i" $((64 << 20)) arr $uuid $i 3 128 2048; done
cp --sparse=always "$t/a1" "$t/a1copy"
sums=$(sha256sum "$t"/a[012] "$t/a1copy" | cut -d" " -f1)
run md assemble -n arr "$t/a0" "$t/a2"
check "assemble: a missing member is refused naming the slot (exit 1, devices named)" \
	'[ "$rc" = 1 ] && grep -q "unable to assemble array arr: slot 1 of 3 missing (2 found); nothing was started" <<<"$err" && [ -z "$out" ]'
run md assemble -n arr "$t/a0" "$t/a1" "$t/a2" "$t/a1copy"
check "assemble: a duplicate slot is refused naming both devices" \
	'[ "$rc" = 1 ] && grep -q "$t/a1 and $t/a1copy both claim slot 1" <<<"$err"'
mksb "$t/a2chunk" $((64 << 20)) arr $uuid 2 3 256 2048
run md assemble -u $uuid "$t/a0" "$t/a1" "$t/a2chunk"
check "assemble: members disagreeing on geometry are refused, naming them and what" \
	'[ "$rc" = 1 ] && grep -q "$t/a0 and $t/a2chunk disagree on the chunk size" <<<"$err"'
run md assemble -n arr "$t/a0" "$t/a1" "$t/blank"
check "assemble: a named device that is not a member is refused, named" \
	'[ "$rc" = 1 ] && grep -q "$t/blank is not a member: no md superblock" <<<"$err"'
run md assemble -n arr "$t/a0" "$t/a1" "$t/m2"
check "assemble: a member of another array is refused, named" \
	'[ "$rc" = 1 ] && grep -q "$t/m2 is not a member: it belongs to another array" <<<"$err"'
run md assemble -n arr "$t/a0" "$t/a1" "$t/bad"
check "assemble: a bad checksum is not a member" \
	'[ "$rc" = 1 ] && grep -q "$t/bad is not a member: superblock checksum is wrong" <<<"$err"'
truncate -s 16M "$t/blank2"
run md assemble -n arr "$t/blank" "$t/blank2"
check "assemble: all devices blank: exit 1, says so (stop/start)" \
	'[ "$rc" = 1 ] && grep -q "no member found: all the devices are blank" <<<"$err"'
run md assemble -n arr "$t/a0" "$t/a1" "$t/a2"
check "assemble: a whole set gets to md, which needs block devices (exit 1)" \
	'[ "$rc" = 1 ] && grep -q "unable to assemble array arr: start the array" <<<"$err"'
check "assemble: refusals wrote nothing" '[ "$(sha256sum "$t"/a[012] "$t/a1copy" | cut -d" " -f1)" = "$sums" ]'

# ---- list-ephemeral on fabricated sysfs trees ---------------------------------
# (the test build: the shipped binary reads only /sys and the real mount
# table, and the EC2 model string)

# mkdisk SYS NAME MAJ:MIN [MODEL]: a whole disk in SYS/block, its class link,
# its dev link and, with MODEL, device/model padded like the NVMe field.
mkdisk() {
	mkdir -p "$1/block/$2" "$1/class/block" "$1/dev/block"
	echo "$3" >"$1/block/$2/dev"
	echo 2097152 >"$1/block/$2/size"
	ln -sfn "../../block/$2" "$1/class/block/$2"
	ln -sfn "../../block/$2" "$1/dev/block/$3"
	if [ $# -ge 4 ]; then
		mkdir -p "$1/block/$2/device"
		printf '%-40s\n' "$4" >"$1/block/$2/device/model"
	fi
}
# mkpart SYS DISK PART MAJ:MIN: a partition of DISK.
mkpart() {
	mkdir -p "$1/block/$2/$3"
	echo "$4" >"$1/block/$2/$3/dev"
	echo 1 >"$1/block/$2/$3/partition"
	ln -sfn "../../block/$2/$3" "$1/class/block/$3"
	ln -sfn "../../block/$2/$3" "$1/dev/block/$4"
}
# mountinfo FILE DEV MAJ:MIN MOUNTPOINT: one mountinfo line.
mountline() { echo "36 1 $3 / $4 rw,relatime shared:1 - ext4 /dev/$2 rw" >>"$1"; }

is=(Amazon EC2 NVMe Instance Storage)
ebs=(Amazon Elastic Block Store)
nitro=$t/nitro
mkdisk "$nitro" nvme0n1 259:0 "${ebs[*]}"
mkpart "$nitro" nvme0n1 nvme0n1p1 259:1
mkdisk "$nitro" nvme1n1 259:2 "${ebs[*]}"
mkdisk "$nitro" nvme2n1 259:3 "${is[*]}"
mkdisk "$nitro" nvme3n1 259:4 "${is[*]}"
mkdisk "$nitro" nvme10n1 259:5 "${is[*]}"
mkdisk "$nitro" xvdz 202:0 # no model: never instance store
mountline "$t/nitro.mi" nvme0n1p1 259:1 /
run mdt list-ephemeral --sysfs "$nitro" --mountinfo "$t/nitro.mi"
check "nitro: instance-store NVMe disks by model, in name order; no EBS, no root" \
	'[ "$rc" = 0 ] && [ "$out" = "$(printf "/dev/nvme2n1\n/dev/nvme3n1\n/dev/nvme10n1")" ]'
run mdt list-ephemeral -Y --sysfs "$nitro" --mountinfo "$t/nitro.mi"
check "nitro: --export names the source and the devices" \
	'[ "$rc" = 0 ] && grep -qx MD_EPHEMERAL_SOURCE=nvme-model <<<"$out" && grep -qx MD_EPHEMERAL_COUNT=3 <<<"$out" &&
	grep -qx "MD_EPHEMERAL_DEVICES=/dev/nvme2n1 /dev/nvme3n1 /dev/nvme10n1" <<<"$out"'
# The root file system on an instance-store disk (rare, but never listed).
mountline "$t/nitro-isroot.mi" nvme2n1 259:3 /
echo "37 36 259:4 / /media/ephemeral1 rw - ext4 /dev/nvme3n1 rw" >>"$t/nitro-isroot.mi"
run mdt list-ephemeral --sysfs "$nitro" --mountinfo "$t/nitro-isroot.mi"
check "nitro: the root disk is never listed, even as instance store; a mounted one is noted" \
	'[ "$rc" = 0 ] && [ "$out" = "$(printf "/dev/nvme3n1\n/dev/nvme10n1")" ] &&
	grep -q "nvme3n1 is mounted on /media/ephemeral1" <<<"$err"'
run env LUKSBOX_EPHEMERAL_MODEL="${ebs[*]}" "$LUKSBOX_TEST" md-assemble list-ephemeral --sysfs "$nitro" --mountinfo "$t/nitro.mi"
check "LUKSBOX_EPHEMERAL_MODEL replaces the model string (root still excluded)" \
	'[ "$rc" = 0 ] && [ "$out" = /dev/nvme1n1 ]'
: >"$t/empty.mi"
mkdir -p "$t/none/block"
run mdt list-ephemeral --sysfs "$t/none" --mountinfo "$t/empty.mi"
check "no disks at all: exit 0, nothing on stdout, a note on stderr" \
	'[ "$rc" = 0 ] && [ -z "$out" ] && grep -q "no instance-store disks" <<<"$err"'
run mdt list-ephemeral --sysfs "$t/nosuchdir" --mountinfo "$t/empty.mi"
check "unreadable sysfs: exit 1, named" '[ "$rc" = 1 ] && grep -q "$t/nosuchdir/block" <<<"$err"'
# Many disks: all kept up to an array's limit (64), in name order; more is
# refused, never cut (block/instance_store.h).
many=$t/many
for i in $(seq 40 -1 1); do mkdisk "$many" "nvme${i}n1" "259:$i" "${is[*]}"; done
run mdt list-ephemeral --sysfs "$many" --mountinfo "$t/empty.mi"
check "40 instance-store disks: all listed, nvme2n1 before nvme10n1" \
	'[ "$rc" = 0 ] && [ "$out" = "$(seq 1 40 | sed "s#.*#/dev/nvme&n1#")" ]'
for i in $(seq 41 65); do mkdisk "$many" "nvme${i}n1" "259:$i" "${is[*]}"; done
run mdt list-ephemeral --sysfs "$many" --mountinfo "$t/empty.mi"
check "65 instance-store disks: exit 1, more than an array takes" \
	'[ "$rc" = 1 ] && [ -z "$out" ] && grep -q "more than 64" <<<"$err"'

# Xen: xvda is the root disk; IMDS says ephemeral0=sdb, ephemeral1=sdc,
# ephemeral2=sdd (no such disk here), ephemeral10=xvdf; ebs1=sdg is EBS.
xen=$t/xen
mkdisk "$xen" xvda 202:0
mkpart "$xen" xvda xvda1 202:1
mkdisk "$xen" xvdb 202:16
mkdisk "$xen" xvdc 202:32
mkdisk "$xen" xvdf 202:80
mkdisk "$xen" xvdg 202:96
mountline "$t/xen.mi" xvda1 202:1 /
echo "37 36 202:16 / /media/ephemeral0 rw - ext4 /dev/xvdb rw" >>"$t/xen.mi"

cat >"$t/imds.py" <<'EOF'
# A fake IMDSv2: PUT /latest/api/token, then GETs with the token only.
import http.server, json, sys
TOKEN = "fake-imds-token"
class H(http.server.BaseHTTPRequestHandler):
    def send(self, code, body=b""):
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_PUT(self):
        if self.path != "/latest/api/token" or \
                not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            return self.send(400)
        self.send(200, TOKEN.encode())
    def do_GET(self):
        if self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            return self.send(401)
        tree = json.load(open(sys.argv[1]))  # tests rewrite it between runs
        if self.path not in tree:
            return self.send(404)
        self.send(200, tree[self.path].encode())
    def log_message(self, *a):
        with open(sys.argv[3], "a") as f:
            f.write("%s %s\n" % (self.command, self.path))
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1]))
__import__("os").rename(sys.argv[2] + ".tmp", sys.argv[2])
s.serve_forever()
EOF
bdm=/latest/meta-data/block-device-mapping
cat >"$t/imds.json" <<EOF
{"$bdm/": "ami\nebs1\nephemeral10\nephemeral0\nephemeral1\nephemeral2\nroot",
 "$bdm/ami": "/dev/sda1", "$bdm/root": "/dev/sda1", "$bdm/ebs1": "sdg",
 "$bdm/ephemeral0": "sdb", "$bdm/ephemeral1": "/dev/sdc",
 "$bdm/ephemeral2": "sdd", "$bdm/ephemeral10": "xvdf"}
EOF
python3 "$t/imds.py" "$t/imds.json" "$t/imds.port" "$t/imds.log" 2>"$t/imds.err" &
imds_pid=$!
for _ in $(seq 50); do [ -s "$t/imds.port" ] && break; sleep 0.1; done
if [ -s "$t/imds.port" ]; then
	ep=http://127.0.0.1:$(cat "$t/imds.port")
	run env AWS_EC2_METADATA_SERVICE_ENDPOINT="$ep" "$LUKSBOX_TEST" md-assemble list-ephemeral \
		--sysfs "$xen" --mountinfo "$t/xen.mi"
	check "xen: IMDS ephemeralN mapped onto xvdX in N order; no EBS, no root, none without a device" \
		'[ "$rc" = 0 ] && [ "$out" = "$(printf "/dev/xvdb\n/dev/xvdc\n/dev/xvdf")" ]'
	check "xen: a mounted instance-store disk is listed, with a note" \
		'grep -q "xvdb is mounted on /media/ephemeral0" <<<"$err"'
	check "xen: IMDSv2 was used (token PUT before the GETs)" \
		'[ "$(head -n1 "$t/imds.log")" = "PUT /latest/api/token" ] && grep -q "GET $bdm/ephemeral0" "$t/imds.log"'
	run env AWS_EC2_METADATA_SERVICE_ENDPOINT="$ep" "$LUKSBOX_TEST" md-assemble list-ephemeral -Y \
		--sysfs "$xen" --mountinfo "$t/xen.mi"
	check "xen: --export says the source is imds" \
		'[ "$rc" = 0 ] && grep -qx MD_EPHEMERAL_SOURCE=imds <<<"$out" && grep -qx MD_EPHEMERAL_COUNT=3 <<<"$out"'
	: >"$t/imds.log"
	run env AWS_EC2_METADATA_SERVICE_ENDPOINT="$ep" "$LUKSBOX_TEST" md-assemble list-ephemeral \
		--sysfs "$nitro" --mountinfo "$t/nitro.mi"
	check "nitro: NVMe found by model, IMDS not asked" '[ "$rc" = 0 ] && [ ! -s "$t/imds.log" ]'
	# An ephemeral entry naming the root disk (sda -> xvda) is skipped.
	sed -i 's#"sdb"#"sda"#' "$t/imds.json"
	run env AWS_EC2_METADATA_SERVICE_ENDPOINT="$ep" "$LUKSBOX_TEST" md-assemble list-ephemeral \
		--sysfs "$xen" --mountinfo "$t/xen.mi"
	check "xen: an IMDS ephemeral naming the root disk is never listed" \
		'[ "$rc" = 0 ] && [ "$out" = "$(printf "/dev/xvdc\n/dev/xvdf")" ]'
else
	echo "FAIL $suite: the fake IMDS did not start: $(cat "$t/imds.err")"
	_failed=1
fi
# The project's strict IMDSv2 fake (tests/fakes/imds.py, when this tree has
# it): ephemeral0=sdb, ephemeral1=sdc, and ephemeral10 added.
if [ -f "$TOP/tests/fakes/imds.py" ]; then
	PYTHONDONTWRITEBYTECODE=1 python3 "$TOP/tests/fakes/imds.py" --port 0 --port-file "$t/simds.port" \
		--ephemeral 2 --meta block-device-mapping/ephemeral10=xvdf 2>"$t/simds.err" &
	simds_pid=$!
	for _ in $(seq 50); do [ -s "$t/simds.port" ] && break; sleep 0.1; done
	run env AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$(cat "$t/simds.port" 2>/dev/null)" \
		"$LUKSBOX_TEST" md-assemble list-ephemeral --sysfs "$xen" --mountinfo "$t/xen.mi"
	check "xen against tests/fakes/imds.py (strict IMDSv2): xvdb xvdc xvdf" \
		'[ "$rc" = 0 ] && [ "$out" = "$(printf "/dev/xvdb\n/dev/xvdc\n/dev/xvdf")" ]'
	kill "$simds_pid" 2>/dev/null
else
	echo "SKIP $suite: xen against tests/fakes/imds.py: not in this tree yet (the inline fake above stands in)"
fi
run env AWS_EC2_METADATA_DISABLED=true "$LUKSBOX_TEST" md-assemble list-ephemeral --sysfs "$xen" --mountinfo "$t/xen.mi"
check "xen with IMDS disabled: exit 0, nothing listed" '[ "$rc" = 0 ] && [ -z "$out" ]'
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run env AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$port" "$LUKSBOX_TEST" md-assemble list-ephemeral \
	--sysfs "$xen" --mountinfo "$t/xen.mi"
check "xen with IMDS unreachable: exit 75, says IMDS" \
	'[ "$rc" = 75 ] && grep -q "unable to list instance-store disks: read IMDS block-device-mapping" <<<"$err" && [ -z "$out" ]'
run env AWS_EC2_METADATA_SERVICE_ENDPOINT="ftp://x" "$LUKSBOX_TEST" md-assemble list-ephemeral --sysfs "$xen" --mountinfo "$t/xen.mi"
check "bad IMDS endpoint: exit 1" '[ "$rc" = 1 ] && grep -q AWS_EC2_METADATA_SERVICE_ENDPOINT <<<"$err"'

finish
