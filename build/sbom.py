#!/usr/bin/env python3
# sbom.py - the SPDX 2.3 (JSON) SBOM of a release: per architecture, the
# binary and every library linked into it, with upstream version, Debian
# source package and version, and licence.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: build/sbom.py VERSION LOCK OUT  ARCH BINARY RECORD MAP ...
#
# RECORD is the `linked` file deps.sh wrote for that architecture (what
# `luksbox --version` prints); LOCK (build/deps.lock) gives each library's
# locked upstream version, which must agree with the Debian version built.
# MAP is the linker map of the same link: libcryptsetup's bundled Argon2
# and the compiler's libgcc are listed when members of theirs were linked.
# Deterministic: the date is SOURCE_DATE_EPOCH, the namespace a digest of
# the binaries.
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import uuid


def die(msg):
    sys.exit("sbom: " + msg)


if len(sys.argv) < 8 or (len(sys.argv) - 4) % 4:
    die("usage: sbom.py VERSION LOCK OUT ARCH BINARY RECORD MAP...")
version, lockfile, out = sys.argv[1:4]
targets = [sys.argv[i:i + 4] for i in range(4, len(sys.argv), 4)]

# deps.lock: name library source upstream sha256 from licence...
lock = {}
with open(lockfile) as f:
    for line in f:
        line = line.split("#", 1)[0].split()
        if len(line) >= 7:
            lock[line[1]] = {"source": line[2], "upstream": line[3], "licence": " ".join(line[6:])}

# A record line: "  libcryptsetup: cryptsetup 2:2.6.1-4~deb12u2, LICENCE"
# (the musl line with a note in parentheses before the comma).
rec_re = re.compile(r"^\s*([^:\s]+): (\S+) ([0-9][0-9A-Za-z.+~:-]*)(?: \(([^)]*)\))?, (.+)$")


def upstream_of(v):
    v = v.split(":", 1)[1] if ":" in v else v
    return v.rsplit("-", 1)[0] if "-" in v else v


def purl(src, debver, arch="source"):
    v = debver.replace("+", "%2B")
    return f"pkg:deb/debian/{src}@{v}?arch={arch}&distro=debian-12"


def spdx_id(*parts):
    return "SPDXRef-" + "-".join(re.sub(r"[^A-Za-z0-9.]+", "-", p) for p in parts)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def dpkg_owner(path):
    """The Debian binary package holding PATH, its version and source."""
    try:
        pkg = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True,
                             check=True).stdout.split(":")[0].strip()
        ver, src = subprocess.run(["dpkg-query", "-W", "-f=${Version}\t${source:Package}", pkg],
                                  capture_output=True, text=True, check=True).stdout.split("\t")
        return pkg, ver, src
    except (subprocess.CalledProcessError, ValueError, FileNotFoundError):
        return None


packages, relationships = [], []
digest = hashlib.sha256()
for arch, binary, record, mapfile in targets:
    bid = spdx_id("luksbox", arch)
    h = sha256(binary)
    digest.update(h.encode())
    packages.append({
        "SPDXID": bid, "name": "luksbox", "versionInfo": version,
        "packageFileName": os.path.basename(binary),
        "checksums": [{"algorithm": "SHA256", "checksumValue": h}],
        "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "licenseConcluded": "GPL-2.0-or-later", "licenseDeclared": "GPL-2.0-or-later",
        "copyrightText": "NOASSERTION", "primaryPackagePurpose": "APPLICATION",
        "comment": f"static musl binary for {arch} (Linux)",
    })
    relationships.append({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                          "relatedSpdxElement": bid})
    libs = []
    with open(record) as f:
        for line in f:
            if not line.strip():
                continue
            m = rec_re.match(line)
            if not m:
                die(f"{record}: unreadable record line: {line.strip()}")
            lib, src, debver, note, lic = m.groups()
            if lib not in lock:
                die(f"{record}: {lib} is not in {lockfile}")
            if upstream_of(debver) != lock[lib]["upstream"] or src != lock[lib]["source"]:
                die(f"{record}: {lib} {src} {debver} is not the locked "
                    f"{lock[lib]['source']} {lock[lib]['upstream']}")
            libs.append((lib, src, debver, note, lic))
    with open(mapfile) as f:
        linkmap = f.read()
    for lib, src, debver, note, lic in libs:
        lid = spdx_id(arch, lib)
        packages.append({
            "SPDXID": lid, "name": lib, "versionInfo": upstream_of(debver),
            "sourceInfo": f"Debian 12 source package {src} {debver}"
                          + (f"; {note}" if note else ""),
            "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                              "referenceLocator": purl(src, debver)}],
            "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
            "licenseConcluded": lic, "licenseDeclared": lic, "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
        })
        relationships.append({"spdxElementId": bid, "relationshipType": "STATIC_LINK",
                              "relatedSpdxElement": lid})
        # libcryptsetup's own Argon2 (deps.sh: --enable-internal-argon2).
        if lib == "libcryptsetup" and "libargon2_la-" in linkmap:
            aid = spdx_id(arch, "argon2")
            packages.append({
                "SPDXID": aid, "name": "argon2",
                "sourceInfo": "the copy of phc-winner-argon2 bundled in lib/crypto_backend/argon2 "
                              f"of the Debian 12 source package {src} {debver}",
                "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
                "licenseConcluded": "CC0-1.0 OR Apache-2.0", "licenseDeclared": "CC0-1.0 OR Apache-2.0",
                "copyrightText": "NOASSERTION", "primaryPackagePurpose": "LIBRARY",
            })
            relationships.append({"spdxElementId": lid, "relationshipType": "CONTAINS",
                                  "relatedSpdxElement": aid})
    # The compiler's runtime (libgcc.a), when the link took members of it.
    for path in sorted(set(re.findall(r"^(\S*/libgcc(?:_eh)?\.a)\(", linkmap, re.M))):
        own = dpkg_owner(os.path.realpath(path)) or dpkg_owner(path)
        if not own:
            die(f"{mapfile}: {path} belongs to no Debian package")
        pkg, ver, src = own
        gid = spdx_id(arch, os.path.basename(path))
        lic = "GPL-3.0-or-later WITH GCC-exception-3.1"
        packages.append({
            "SPDXID": gid, "name": os.path.basename(path)[:-2], "versionInfo": upstream_of(ver),
            "sourceInfo": f"the Debian 12 package {pkg} {ver} (source {src})",
            "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
            "licenseConcluded": lic, "licenseDeclared": lic, "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "LIBRARY",
        })
        relationships.append({"spdxElementId": bid, "relationshipType": "STATIC_LINK",
                              "relatedSpdxElement": gid})

epoch = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))
doc = {
    "spdxVersion": "SPDX-2.3",
    "dataLicense": "CC0-1.0",
    "SPDXID": "SPDXRef-DOCUMENT",
    "name": f"luksbox-{version}",
    "documentNamespace": "urn:uuid:" + str(uuid.UUID(digest.hexdigest()[:32])),
    "creationInfo": {
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)),
        "creators": ["Tool: luksbox build/sbom.py"],
    },
    "packages": packages,
    "relationships": relationships,
}
with open(out + ".tmp", "w") as f:
    json.dump(doc, f, indent=1, sort_keys=False)
    f.write("\n")
os.replace(out + ".tmp", out)
