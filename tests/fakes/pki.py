#!/usr/bin/env python3
# pki.py - a throw-away test PKI made with the openssl command at test time.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Makes, in one directory:
#   ca.pem ca.key            the test CA the client is told to trust
#   server.pem server.key    leaf for localhost, 127.0.0.1 and the AWS KMS/SSM/STS
#                            names of us-east-1 (RSA 2048, signed by ca)
#   server-ec.pem .key       same names, ECDSA P-256 leaf under an ECDSA P-384 CA
#   ca-ec.pem                (that CA; trust it in addition to ca.pem)
#   untrusted.pem .key       same names, signed by another CA nobody trusts
#   wronghost.pem .key       signed by ca, but only for wrong.example.invalid
#   expired.pem .key         signed by ca, for the right names, expired a year ago
#   server-p384.pem .key     same names, ECDSA P-384 leaf under ca-ec
#   server-rsa4096.pem .key  same names, RSA 4096 leaf under ca
#   server-sha384.pem .key   same names, ECDSA P-384 leaf under ca-ec, signed
#                            with SHA-384 (as AWS's P-384 and RSA 4096 CAs sign)
#   server-sha1.pem .key     same names, RSA leaf under ca signed with SHA-1
#                            (luksbox refuses SHA-1 signatures)
#   server-chain.pem .key    RSA leaf under an intermediate CA (int-ca, signed by
#                            ca); the .pem holds leaf then intermediate
#   ca-old.pem               a CA valid since 400 days ago (RSA)
#   server-old.pem .key      its leaf for the names above, valid since 400 days
#                            ago: valid when luksbox was built, so a client
#                            whose clock reads 2000 must still accept it
#                            (the early-boot policy of kms/tls.h)
#   bundle.pem               ca.pem + ca-ec.pem
# Usage: pki.py DIR   (prints DIR). Nothing here is secret beyond a test run.
# See: openssl-ca(1), openssl-req(1), RFC 5280 (validity, subjectAltName).
import os
import subprocess
import sys
import textwrap

NAMES = [
    "localhost",
    "kms.us-east-1.amazonaws.com",
    "ssm.us-east-1.amazonaws.com",
    "sts.us-east-1.amazonaws.com",
    "kms.eu-west-1.amazonaws.com",
]
IPS = ["127.0.0.1"]


def _ossl(d, *args):
    r = subprocess.run(["openssl", *args], cwd=d, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (args[0], r.stderr.strip()[-400:]))


def _san(names, ips):
    return ",".join(["DNS:" + n for n in names] + ["IP:" + i for i in ips])


def _ca(d, name, keyspec):
    _ossl(d, "req", "-x509", "-newkey", keyspec[0], *keyspec[1:], "-nodes",
          "-keyout", name + ".key", "-out", name + ".pem", "-days", "30",
          "-subj", "/O=luksbox tests/CN=" + name,
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def _ca_db(d, ca):
    """A minimal openssl-ca database so we can pick exact validity dates."""
    db = os.path.join(d, ca + ".db")
    os.makedirs(db, exist_ok=True)
    open(os.path.join(db, "index.txt"), "a").close()
    with open(os.path.join(db, "serial"), "w") as f:
        f.write("%016X\n" % int.from_bytes(os.urandom(8), "big"))
    conf = os.path.join(d, ca + ".cnf")
    with open(conf, "w") as f:
        f.write(textwrap.dedent("""\
            [ ca ]
            default_ca = tca
            [ tca ]
            dir = {db}
            database = $dir/index.txt
            serial = $dir/serial
            new_certs_dir = $dir
            certificate = {d}/{ca}.pem
            private_key = {d}/{ca}.key
            default_md = sha256
            policy = anything
            unique_subject = no
            copy_extensions = copy
            [ anything ]
            commonName = supplied
            organizationName = optional
            [ subca ]
            basicConstraints = critical,CA:TRUE,pathlen:0
            keyUsage = critical,keyCertSign,cRLSign
            [ leaf ]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,digitalSignature,keyEncipherment
            extendedKeyUsage = serverAuth
            """).format(db=db, d=d, ca=ca))
    return conf


def _ca_dated(d, name, keyspec, start, end):
    """A self-signed CA with exact validity dates (req -x509 cannot)."""
    _ossl(d, "req", "-new", "-newkey", keyspec[0], *keyspec[1:], "-nodes",
          "-keyout", name + ".key", "-out", name + ".csr",
          "-subj", "/O=luksbox tests/CN=" + name)
    conf = _ca_db(d, name)
    _ossl(d, "ca", "-selfsign", "-batch", "-notext", "-config", conf,
          "-extensions", "subca", "-in", name + ".csr", "-out", name + ".pem",
          "-startdate", start, "-enddate", end)
    os.unlink(os.path.join(d, name + ".csr"))


def _leaf(d, ca, name, keyspec, names, ips, start=None, end=None,
          ext="leaf", md="sha256"):
    san = ["-addext", "subjectAltName=" + _san(names, ips)] if names else []
    _ossl(d, "req", "-newkey", keyspec[0], *keyspec[1:], "-nodes",
          "-keyout", name + ".key", "-out", name + ".csr",
          "-subj", "/O=luksbox tests/CN=" + (names[0] if names else name),
          *san)
    conf = _ca_db(d, ca)
    dates = ["-days", "20"]
    if start:
        dates = ["-startdate", start, "-enddate", end]
    _ossl(d, "ca", "-batch", "-notext", "-config", conf, "-extensions", ext,
          "-md", md, "-in", name + ".csr", "-out", name + ".pem", *dates)
    os.unlink(os.path.join(d, name + ".csr"))


RSA = ("rsa", "-pkeyopt", "rsa_keygen_bits:2048")
P256 = ("ec", "-pkeyopt", "ec_paramgen_curve:P-256")
P384 = ("ec", "-pkeyopt", "ec_paramgen_curve:P-384")
RSA4096 = ("rsa", "-pkeyopt", "rsa_keygen_bits:4096")


def make(d):
    """Build the PKI in directory d (created); returns a dict of paths."""
    os.makedirs(d, exist_ok=True)
    _ca(d, "ca", RSA)
    _ca(d, "ca-ec", P384)
    _ca(d, "rogue-ca", RSA)
    _leaf(d, "ca", "server", RSA, NAMES, IPS)
    _leaf(d, "ca-ec", "server-ec", P256, NAMES, IPS)
    _leaf(d, "rogue-ca", "untrusted", RSA, NAMES, IPS)
    _leaf(d, "ca", "wronghost", RSA, ["wrong.example.invalid"], [])
    _leaf(d, "ca-ec", "server-p384", P384, NAMES, IPS)
    _leaf(d, "ca", "server-rsa4096", RSA4096, NAMES, IPS)
    _leaf(d, "ca-ec", "server-sha384", P384, NAMES, IPS, md="sha384")
    _leaf(d, "ca", "server-sha1", RSA, NAMES, IPS, md="sha1")
    _leaf(d, "ca", "int-ca", RSA, [], [], ext="subca")
    _leaf(d, "int-ca", "leaf-int", RSA, NAMES, IPS)
    with open(os.path.join(d, "server-chain.pem"), "w") as out:
        for n in ("leaf-int.pem", "int-ca.pem"):
            with open(os.path.join(d, n)) as f:
                out.write(f.read())
    os.replace(os.path.join(d, "leaf-int.key"),
               os.path.join(d, "server-chain.key"))
    _ca_dated(d, "ca-old", RSA, _ago(400), _ago(-400))
    _leaf(d, "ca-old", "server-old", RSA, NAMES, IPS, start=_ago(400), end=_ago(-30))
    # Expired a year ago: valid from two years back to one year back.
    _leaf(d, "ca", "expired", RSA, NAMES, IPS,
          start=_ago(730), end=_ago(365))
    with open(os.path.join(d, "bundle.pem"), "w") as out:
        for ca in ("ca.pem", "ca-ec.pem"):
            with open(os.path.join(d, ca)) as f:
                out.write(f.read())
    p = lambda n: os.path.join(d, n)  # noqa: E731
    return {
        "dir": d, "ca": p("ca.pem"), "ca_ec": p("ca-ec.pem"),
        "bundle": p("bundle.pem"), "rogue_ca": p("rogue-ca.pem"),
        "server": (p("server.pem"), p("server.key")),
        "server_ec": (p("server-ec.pem"), p("server-ec.key")),
        "server_p384": (p("server-p384.pem"), p("server-p384.key")),
        "server_rsa4096": (p("server-rsa4096.pem"), p("server-rsa4096.key")),
        "server_sha384": (p("server-sha384.pem"), p("server-sha384.key")),
        "server_sha1": (p("server-sha1.pem"), p("server-sha1.key")),
        "server_chain": (p("server-chain.pem"), p("server-chain.key")),
        "ca_old": p("ca-old.pem"),
        "server_old": (p("server-old.pem"), p("server-old.key")),
        "untrusted": (p("untrusted.pem"), p("untrusted.key")),
        "wronghost": (p("wronghost.pem"), p("wronghost.key")),
        "expired": (p("expired.pem"), p("expired.key")),
    }


def _ago(days):
    import datetime
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return t.strftime("%Y%m%d%H%M%SZ")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pki.py DIR")
    make(os.path.abspath(sys.argv[1]))
    print(os.path.abspath(sys.argv[1]))
