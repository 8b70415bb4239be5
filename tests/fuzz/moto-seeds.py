# moto-seeds.py - capture real KMS/SSM/IMDS-shaped answers from moto as fuzz
# seeds (run by hand: python3 tests/fuzz/moto-seeds.py; not a test).
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Starts moto (tests/fakes/moto_tls.py, plain HTTP on loopback) with
# signature checking turned on after the setup calls, sends signed
# requests over a raw socket and writes what came back, byte for byte:
#   corpus/http/moto-*   whole responses (with the target's 5-byte prefix)
#   corpus/kms/moto-*    bodies of successful operations (kms target format)
#   corpus/aws/moto-*    bodies of error answers, JSON and XML
# The seeds are committed; rerun only to refresh them.
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
corpus = os.path.join(top, "tests/fuzz/corpus")
REGION = "us-east-1"
# kms target: op byte, key id, context key, context value, then the body.
OPS = {"Encrypt": 0, "Decrypt": 1, "GenerateDataKey": 2, "ReEncrypt": 3,
       "DescribeKey": 4, "GenerateRandom": 5, "GetParameter": 6}


def start():
    tmp = tempfile.mkdtemp()
    pf = os.path.join(tmp, "port")
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="5",
               AWS_DEFAULT_REGION=REGION)
    p = subprocess.Popen([sys.executable, os.path.join(top, "tests/fakes/moto_tls.py"),
                          "--port-file", pf], env=env)
    for _ in range(200):
        if os.path.exists(pf):
            return p, int(open(pf).read())
        time.sleep(0.05)
    p.kill()
    sys.exit("moto did not start")


def raw(port, service, target, body, creds):
    host = "127.0.0.1:%d" % port
    data = json.dumps(body).encode()
    ctype = "application/x-amz-json-1.1"
    req = AWSRequest("POST", "http://%s/" % host, data=data,
                     headers={"Content-Type": ctype, "X-Amz-Target": target})
    SigV4Auth(creds, service, REGION).add_auth(req)
    head = "POST / HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (host, len(data))
    for k, v in req.headers.items():
        head += "%s: %s\r\n" % (k, v)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head.encode() + b"Connection: close\r\n\r\n" + data)
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    return out


def body_of(resp):
    return resp.split(b"\r\n\r\n", 1)[1]


def save(sub, name, data):
    os.makedirs(os.path.join(corpus, sub), exist_ok=True)
    with open(os.path.join(corpus, sub, name), "wb") as f:
        f.write(data)


def main():
    p, port = start()
    anon = Credentials("AKIAANONYMOUSEXAMPLE", "anonymous-secret-example")
    try:
        # Setup: the 5 unauthenticated calls moto allows make a user with
        # keys, a KMS key and a parameter; every later call is verified.
        import boto3
        ep = "http://127.0.0.1:%d" % port
        kw = dict(endpoint_url=ep, region_name=REGION,
                  aws_access_key_id=anon.access_key,
                  aws_secret_access_key=anon.secret_key)
        iam = boto3.client("iam", **kw)
        iam.create_user(UserName="seed")
        iam.put_user_policy(UserName="seed", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        ak = iam.create_access_key(UserName="seed")["AccessKey"]
        good = Credentials(ak["AccessKeyId"], ak["SecretAccessKey"])
        kms = boto3.client("kms", **kw)
        key = kms.create_key(Description="fuzz seed key")["KeyMetadata"]["Arn"]
        boto3.client("ssm", **kw).put_parameter(
            Name="/luksbox/seed", Value="s3cr3t value", Type="SecureString")
        ctx = {"luksbox:volume": "2f1d1ae4-7d5c-4c8e-9b7a-0d1e2f3a4b5c"}

        def ok(op, body, kid="", ck="luksbox:volume", cv=ctx["luksbox:volume"],
               service="kms", target=None):
            r = raw(port, service, target or "TrentService." + op, body, good)
            if b" 200 " not in r.split(b"\r\n", 1)[0]:
                sys.exit("%s failed: %r" % (op, r[:300]))
            pre = bytes([OPS[op]]) + b"\0".join(x.encode() for x in (kid, ck, cv)) + b"\0"
            save("kms", "moto-" + op, pre + body_of(r))
            return r

        r = ok("Encrypt", {"KeyId": key, "Plaintext": "AAECAwQFBgcICQoLDA0ODw==",
                           "EncryptionContext": ctx}, kid=key)
        save("http", "moto-encrypt", bytes([0, 0, 0, 0, 0]) + r)
        blob = json.loads(body_of(r))["CiphertextBlob"]
        r = ok("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": ctx})
        save("http", "moto-decrypt", bytes([3 << 2, 1, 2, 3, 4]) + r)
        ok("GenerateDataKey", {"KeyId": key, "NumberOfBytes": 32,
                               "EncryptionContext": ctx}, kid=key)
        ok("ReEncrypt", {"CiphertextBlob": blob, "DestinationKeyId": key,
                         "SourceEncryptionContext": ctx,
                         "DestinationEncryptionContext": ctx}, kid=key)
        ok("DescribeKey", {"KeyId": key}, kid=key)
        ok("GenerateRandom", {"NumberOfBytes": 32})
        ok("GetParameter", {"Name": "/luksbox/seed", "WithDecryption": True},
           kid="/luksbox/seed", service="ssm", target="AmazonSSM.GetParameter")

        # Errors: JSON shapes from KMS/SSM, XML from moto's auth layer.
        def err(name, service, target, body, creds):
            r = raw(port, service, target, body, creds)
            status = int(r.split(b" ", 2)[1])
            save("aws", "moto-" + name, bytes([status & 0xff, status >> 8]) + body_of(r))
            save("http", "moto-" + name, bytes([1 << 2, 0, 0, 0, 0]) + r)

        err("notfound", "kms", "TrentService.DescribeKey",
            {"KeyId": "alias/missing"}, good)
        err("badblob", "kms", "TrentService.Decrypt",
            {"CiphertextBlob": blob, "EncryptionContext": {"other": "x"}}, good)
        err("validation", "kms", "TrentService.GenerateDataKey",
            {"KeyId": key, "NumberOfBytes": 5000}, good)
        err("ssm-notfound", "ssm", "AmazonSSM.GetParameter",
            {"Name": "/missing"}, good)
        err("badsig", "kms", "TrentService.DescribeKey", {"KeyId": key},
            Credentials(good.access_key, "wrong" + good.secret_key))
        err("unknownkey", "kms", "TrentService.DescribeKey", {"KeyId": key},
            Credentials("AKIAUNKNOWNEXAMPLE00", "x"))
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
