#!/usr/bin/env python3
# luks2forge.py - edit a LUKS2 header the way an attacker with write access
# to the disk (and no KMS rights) could: change its JSON metadata or label,
# recompute both header checksums, keep everything else (keyslots, digest,
# aws-kms token) as it was. Independent of luksbox and libcryptsetup: the
# test's own reading of the on-disk format.
# SPDX-License-Identifier: GPL-2.0-or-later
# See: LUKS2 On-Disk Format Specification (cryptsetup
#      docs/on-disk-format-luks2.pdf), sections 2 (binary header: magic,
#      version, hdr_size, seqid, label, checksum over the whole header
#      area with the checksum field zeroed) and 3 (JSON area).
#
# Usage: luks2forge.py IMAGE EDIT
#   EDIT is one of:
#     cipher_null    segments.0.encryption = cipher_null-ecb
#     cbc            segments.0.encryption = aes-cbc-essiv:sha256
#     key256         every keyslot's key_size = 32 (a 256-bit volume key)
#     segment2       segment 0 cut in half, segment 1 (cipher_null) after it
#     reencrypt      config.requirements.mandatory = [online-reencrypt-v2],
#                    with the backup segments and the reencrypt keyslot
#                    that re-encryption needs
#     offline_reencrypt  config.requirements.mandatory = [offline-reencrypt]
#     unknown_req    config.requirements.mandatory = [luksbox-test-unknown]
#     label_ctl      label = "data" ESC "[2J" (control bytes)
#     same           rewrite the header unchanged (checks the round trip)
#   Prints the edited JSON's segments, config and label. Exit 1 when the
#   image holds no LUKS2 header this script understands.
import hashlib
import json
import struct
import sys

MAGIC = (b"LUKS\xba\xbe", b"SKUL\xba\xbe")
BIN = 4096  # binary header; the JSON area follows, up to hdr_size
CSUM_OFF, CSUM_LEN = 448, 64


def read_hdr(img, off, magic):
    img.seek(off)
    bin_hdr = img.read(BIN)
    if bin_hdr[:6] != magic:
        sys.exit("%s: no LUKS2 header at %d" % (img.name, off))
    version, hdr_size, seqid = struct.unpack(">HQQ", bin_hdr[6:24])
    if version != 2 or hdr_size < 16384 or hdr_size > (4 << 20):
        sys.exit("%s: not a LUKS2 header at %d" % (img.name, off))
    alg = bin_hdr[72:104].rstrip(b"\0")
    if alg != b"sha256":
        sys.exit("%s: checksum %r, not sha256" % (img.name, alg))
    img.seek(off)
    area = bytearray(img.read(hdr_size))
    # The checksum is SHA-256 over the whole header area, its field zeroed.
    check = bytearray(area)
    check[CSUM_OFF:CSUM_OFF + CSUM_LEN] = bytes(CSUM_LEN)
    if hashlib.sha256(check).digest() != bytes(area[CSUM_OFF:CSUM_OFF + 32]):
        sys.exit("%s: header checksum at %d does not match" % (img.name, off))
    return area, hdr_size, seqid


def write_hdr(img, off, area, meta, label, seqid):
    hdr_size = len(area)
    text = json.dumps(meta, separators=(",", ":")).encode()
    if len(text) >= hdr_size - BIN:
        sys.exit("edited JSON does not fit the area")
    area[BIN:] = text + bytes(hdr_size - BIN - len(text))
    area[16:24] = struct.pack(">Q", seqid)
    if label is not None:
        area[24:72] = label.ljust(48, b"\0")[:48]
    area[CSUM_OFF:CSUM_OFF + CSUM_LEN] = bytes(CSUM_LEN)
    area[CSUM_OFF:CSUM_OFF + 32] = hashlib.sha256(area).digest()
    img.seek(off)
    img.write(area)


def edit(meta, what):
    seg = meta["segments"]["0"]
    label = None
    if what == "cipher_null":
        seg["encryption"] = "cipher_null-ecb"
    elif what == "cbc":
        seg["encryption"] = "aes-cbc-essiv:sha256"
    elif what == "key256":
        for ks in meta["keyslots"].values():
            ks["key_size"] = 32
    elif what == "segment2":
        # Two regular segments: the second half of the data in clear.
        half = 8 << 20
        seg["size"] = str(half)
        two = dict(seg, offset=str(int(seg["offset"]) + half),
                   size="dynamic", encryption="cipher_null-ecb")
        meta["segments"]["1"] = two
        for d in meta["digests"].values():
            d["segments"] = ["0", "1"]
    elif what == "reencrypt":
        meta["config"]["requirements"] = {"mandatory": ["online-reencrypt-v2"]}
        # libcryptsetup accepts an online-reencrypt requirement only with
        # a backup-previous and a backup-final segment after the others,
        # and a keyslot of type reencrypt (its area past the last one).
        meta["segments"]["1"] = dict(seg, flags=["backup-previous"])
        meta["segments"]["2"] = dict(seg, flags=["backup-final"])
        for d in meta["digests"].values():
            d["segments"] = ["0", "1", "2"]
        end = max(int(k["area"]["offset"]) + int(k["area"]["size"])
                  for k in meta["keyslots"].values())
        free = str(max(int(k) for k in meta["keyslots"]) + 1)
        meta["keyslots"][free] = {
            "type": "reencrypt", "key_size": 1, "mode": "reencrypt",
            "direction": "forward",
            "area": {"type": "none", "offset": str(end), "size": "4096"}}
    elif what == "offline_reencrypt":
        meta["config"]["requirements"] = {"mandatory": ["offline-reencrypt"]}
    elif what == "unknown_req":
        meta["config"]["requirements"] = {"mandatory": ["luksbox-test-unknown"]}
    elif what == "label_ctl":
        label = b"data\x1b[2J"
    elif what != "same":
        sys.exit("unknown edit %s" % what)
    return label


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__ or "usage: luks2forge.py IMAGE EDIT")
    with open(sys.argv[1], "r+b") as img:
        area, hdr_size, seqid = read_hdr(img, 0, MAGIC[0])
        area2, hdr_size2, seqid2 = read_hdr(img, hdr_size, MAGIC[1])
        if hdr_size2 != hdr_size:
            sys.exit("the two header copies differ in size")
        text = bytes(area[BIN:]).split(b"\0", 1)[0]
        meta = json.loads(text)
        label = edit(meta, sys.argv[2])
        # A higher sequence id in both copies: the edit is the newest
        # header, and both copies agree (nothing for libcryptsetup to
        # "repair" from the other).
        seq = max(seqid, seqid2) + 1
        write_hdr(img, 0, area, meta, label, seq)
        write_hdr(img, hdr_size, area2, meta, label, seq)
    print(json.dumps({"segments": meta["segments"], "config": meta["config"],
                      "label": repr(label)}))


if __name__ == "__main__":
    main()
