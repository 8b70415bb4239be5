#!/usr/bin/env python3
# faultproxy.py - a TLS-terminating HTTP/1.1 proxy in front of moto that
# injects the faults a boot-time AWS client meets, and counts what it sees.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: faultproxy.py --upstream HOST:PORT --upstream-ca PEM --pki DIR
#                      [--port 0] [--port-file F] [--ctl SOCK] [--log F]
#                      [--admin-env F]  (admin credentials for "key")
#
# Clients talk TLS to us with a certificate from the test PKI (pki.py);
# each request is forwarded unchanged (same headers, so moto checks the
# client's SigV4 signature) over a TLS connection to moto, and the answer is
# relayed with keep-alive. Switches, on the control socket (awsenv "fault"):
#   pass            forward everything (also resets skew, cert, quota)
#   drop            accept TCP, never answer (no TLS handshake either)
#   refuse          stop listening: connections are refused (ECONNREFUSED)
#   close           accept TCP, close at once
#   drop|close|refuse HOST...   only for those hosts (a region's endpoint,
#                   kms.us-east-1.amazonaws.com): by the TLS SNI at accept
#                   (a peek at the ClientHello) and by each request's Host;
#                   refuse is close here (one port serves every host);
#                   other hosts pass; "pass" clears them
#   reset [N]       read the request, then reset the connection (RST)
#   throttle N      answer 400 ThrottlingException (KMS's shape)
#   500 N           answer 500 KMSInternalException
#   503 N           answer 503 with an HTML body, as a load balancer does
#   delay SEC [N]   hold each request SEC seconds before forwarding
#   truncate [N]    forward, then send half the body and close
#   garbage [N]     answer 200 with a body that is not JSON
#   skew SEC        behave like a server whose clock is SEC seconds ahead
#                   (negative: behind): its Date header says so, and a
#                   request whose X-Amz-Date is more than 5 minutes off is
#                   refused with InvalidSignatureException "Signature
#                   expired" exactly as AWS does (moto checks no time)
#   cert NAME       certificate for new connections: rsa (default), ec256,
#                   ec384, rsa4096, chain (leaf + intermediate), untrusted,
#                   wronghost, expired, old (valid since 400 days, from
#                   ca-old.pem: for clock tests), sha384 (P-384 leaf signed
#                   with SHA-384 by ca-ec), sha1 (RSA leaf signed with SHA-1)
#   deny ID...      KMS AccessDeniedException for Decrypt and
#                   GenerateDataKey* naming that key (see below)
#   allow ID... | allow-all
#   key ACTION [DAYS] ARN   change the key's state in moto as the admin
#                   (disable, enable, schedule-deletion DAYS,
#                   cancel-deletion) and, as KMS does and moto does not,
#                   refuse Encrypt/Decrypt/GenerateDataKey*/ReEncrypt
#                   naming a disabled key (400 DisabledException) or one
#                   pending deletion (400 KMSInvalidStateException)
#   expire-token T  requests signed with session token T get STS's
#                   400 ExpiredTokenException, as from a session that has
#                   ended; "expire-token" alone forgets them
#   close-idle      close every kept-alive connection now waiting for a
#                   request (as a server's idle timeout does)
#   quota R B [retry-after]   a shared token bucket in front of everything
#                   else: R requests/s refilled, B at most (starts full),
#                   across all clients, as an account's per-region KMS
#                   request quota; an empty bucket answers what KMS does,
#                   400 ThrottlingException "Rate exceeded" with
#                   x-amzn-ErrorType, plus "Retry-After: S" (seconds until
#                   a token, rounded up) with retry-after; "quota off"
#                   ends it; stats["quota"] counts served and throttled
#   stats | reset-stats
# N (a count of requests) defaults to "every request until pass".
#
# Why deny lives here: moto 5.2 evaluates IAM policies for KMS against the
# resource "*" (KmsResponse has no _determine_resource, see
# moto/core/responses.py call_action), so a Deny whose Resource is one key
# ARN never matches, and its key-policy check covers DescribeKey only
# (moto/kms/policy_validator.py). KMS itself would refuse such a request
# with AccessDeniedException; we answer exactly that, identifying the key
# the way KMS does: KeyId when given, else the key named inside the
# ciphertext blob (moto's blobs start with the 36-byte key id).
import argparse
import base64
import calendar
import email.utils
import http.client
import json
import os
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serveutil  # noqa: E402

CERTS = {
    "rsa": "server", "ec256": "server-ec", "ec384": "server-p384",
    "rsa4096": "server-rsa4096", "chain": "server-chain",
    "sha384": "server-sha384", "sha1": "server-sha1",
    "untrusted": "untrusted", "wronghost": "wronghost", "expired": "expired",
    "old": "server-old",
}
COUNTED = ("reset", "throttle", "500", "503", "delay", "truncate", "garbage")
DENIED_OPS = ("Decrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
              "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext")


class State:
    def __init__(self, pki):
        self.lock = threading.Lock()
        self.pki = pki
        self.ctxs = {}
        self.deny = {}  # key identifier -> key ARN
        self.key_state = {}  # key identifier -> (KeyState, key ARN)
        self.host_faults = {}  # host -> drop | close
        self.admin = None  # (upstream URL, CA, admin.env) for "key"
        self.expired = set()  # session tokens refused as expired
        self.cert = "rsa"
        self.listening = True  # the main loop's view, for control()
        self.idle = set()  # client connections waiting for a request
        self.quota = None  # [rate, burst, tokens, last refill, retry-after]
        self.clear()
        self.reset_stats()

    def clear(self):
        self.mode, self.left, self.delay, self.skew = "pass", None, 0.0, 0

    def reset_stats(self):
        self.stats = {"connections": 0, "handshakes": 0, "handshake_failures": 0,
                      "requests": 0, "forwarded": 0, "denied": 0, "expired": 0,
                      "skew_rejected": 0, "key_state_refused": 0,
                      "faults": {}, "targets": {},
                      "regions": {}, "hosts": {},
                      "quota": {"served": 0, "throttled": 0}}

    def quota_take(self):
        """None when the quota lets this request through (or there is
        none), else the seconds until the next token to say in
        Retry-After (0: say nothing)."""
        with self.lock:
            q = self.quota
            if not q:
                return None
            now = time.monotonic()
            q[2] = min(q[1], q[2] + (now - q[3]) * q[0])
            q[3] = now
            if q[2] >= 1:
                q[2] -= 1
                self.stats["quota"]["served"] += 1
                return None
            self.stats["quota"]["throttled"] += 1
            return ((1 - q[2]) / q[0]) if q[4] else 0

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    def ctx(self):
        with self.lock:
            name = self.cert
            if name not in self.ctxs:
                c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                c.minimum_version = ssl.TLSVersion.TLSv1_2
                if name == "sha1":  # OpenSSL 3 will not serve it otherwise
                    c.set_ciphers("DEFAULT:@SECLEVEL=0")
                base = os.path.join(self.pki, CERTS[name])
                c.load_cert_chain(base + ".pem", base + ".key")
                self.ctxs[name] = c
            return self.ctxs[name]

    def take(self):
        """The fault for the next request: (mode, delay) and count it."""
        with self.lock:
            m = self.mode
            if m not in COUNTED:
                return m, 0
            if self.left is not None:
                self.left -= 1
                if self.left <= 0:
                    self.mode, self.left = "pass", None
            f = self.stats["faults"]
            f[m] = f.get(m, 0) + 1
            return m, self.delay

    def control(self, w):
        if w and w[0] == "key":  # talks to moto: not under the lock
            return self.key(w[1:])
        out = self._control(w)
        # refuse/pass act in the accept loop: return once they have, so a
        # client started next sees the new state.
        end = time.monotonic() + 2
        while time.monotonic() < end and self.listening != (self.mode != "refuse"):
            time.sleep(0.01)
        return out

    def _control(self, w):
        cmd, args = (w[0] if w else ""), w[1:]
        with self.lock:
            if cmd == "pass":
                self.clear()
                self.quota = None
                self.cert = "rsa"
                self.host_faults.clear()
            elif cmd in ("drop", "refuse", "close") and args:
                for h in args:
                    self.host_faults[h.lower()] = "drop" if cmd == "drop" else "close"
            elif cmd in ("drop", "refuse", "close"):
                self.mode, self.left = cmd, None
            elif cmd in COUNTED:
                if cmd == "delay":
                    self.delay = float(args[0])
                    args = args[1:]
                elif cmd in ("throttle", "500", "503") and not args:
                    raise ValueError("%s needs a count N" % cmd)
                self.mode = cmd
                self.left = int(args[0]) if args else None
            elif cmd == "quota" and args == ["off"]:
                self.quota = None
            elif cmd == "quota":
                rate, burst = float(args[0]), float(args[1])
                if rate <= 0 or burst < 1 or args[2:] not in ([], ["retry-after"]):
                    raise ValueError("quota R B [retry-after] | quota off")
                self.quota = [rate, burst, burst, time.monotonic(), bool(args[2:])]
            elif cmd == "skew":
                self.skew = int(args[0])
            elif cmd == "cert":
                if args[0] not in CERTS:
                    raise ValueError("unknown cert %s (%s)" % (args[0], " ".join(CERTS)))
                self.cert = args[0]
            elif cmd == "deny":
                for a in args:
                    self.deny[a] = args[0]
            elif cmd == "allow":
                for k in [k for k, v in self.deny.items() if v in args or k in args]:
                    del self.deny[k]
            elif cmd == "allow-all":
                self.deny.clear()
            elif cmd == "expire-token":
                self.expired = set(args)
            elif cmd == "close-idle":
                for t in list(self.idle):
                    try:
                        t.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return {"ok": True, "closed": len(self.idle)}
            elif cmd == "stats":
                return dict(self.stats, mode=self.mode, left=self.left,
                            skew=self.skew, cert=self.cert,
                            deny=sorted(set(self.deny.values())),
                            quota_on=bool(self.quota),
                            hosts_faulted=dict(self.host_faults),
                            key_states={v[1]: v[0] for v in self.key_state.values()})
            elif cmd == "reset-stats":
                self.reset_stats()
            else:
                raise ValueError("unknown fault: %s" % " ".join(w))
            return {"ok": True, "mode": self.mode, "left": self.left,
                    "skew": self.skew, "cert": self.cert}


    def key(self, w):
        """key ACTION [DAYS] ARN: the key's state in moto, as the admin."""
        import boto3
        from botocore.config import Config
        if len(w) < 2 or not w[-1].startswith("arn:") or not self.admin:
            raise ValueError("key disable|enable|schedule-deletion DAYS|cancel-deletion ARN"
                             " (and the proxy started with --admin-env)")
        act, arn = w[0], w[-1]
        url, ca, env = self.admin
        cr = dict(line.strip().split("=", 1) for line in open(env) if "=" in line)
        kms = boto3.client("kms", region_name=arn.split(":")[3], endpoint_url=url, verify=ca,
                           aws_access_key_id=cr["AWS_ACCESS_KEY_ID"],
                           aws_secret_access_key=cr["AWS_SECRET_ACCESS_KEY"],
                           config=Config(retries={"total_max_attempts": 1}))
        out, kid = {"ok": True}, arn.rsplit("/", 1)[1]  # moto wants key ids here
        try:
            if act == "disable":
                kms.disable_key(KeyId=kid)
            elif act == "enable":
                kms.enable_key(KeyId=kid)
            elif act == "schedule-deletion":
                r = kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=int(w[1]))
                out["deletion"] = int(r["DeletionDate"].timestamp())
            elif act == "cancel-deletion":
                kms.cancel_key_deletion(KeyId=kid)
            else:
                raise ValueError("unknown key action %s" % act)
            state = kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"]
        except Exception as e:  # noqa: BLE001 - answered on the control socket
            raise ValueError("key %s %s: %s" % (act, arn, e))
        with self.lock:
            for i in (arn, arn.rsplit("/", 1)[1]):
                if state == "Enabled":
                    self.key_state.pop(i, None)
                else:
                    self.key_state[i] = (state, arn)
        out["state"] = state
        return out


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None
        self.lock = threading.Lock()

    def __call__(self, *words):
        if self.f:
            with self.lock:
                self.f.write("%.3f %s\n" % (time.time(), " ".join(str(w) for w in words)))


def read_request(f):
    """(method, target, headers [(name, value)], body) or None at EOF."""
    line = f.readline(65537)
    if not line:
        return None
    parts = line.decode("latin-1").split()
    if len(parts) != 3:
        raise ValueError("bad request line")
    headers, total = [], 0
    while True:
        h = f.readline(65537)
        total += len(h)
        if not h or total > 65536:
            raise ValueError("bad header block")
        h = h.decode("latin-1").rstrip("\r\n")
        if not h:
            break
        k, _, v = h.partition(":")
        headers.append((k.strip(), v.strip()))
    hd = {k.lower(): v for k, v in headers}
    if "transfer-encoding" in hd:
        raise ValueError("chunked requests not supported")
    n = int(hd.get("content-length", "0"))
    body = f.read(n) if n else b""
    if len(body) != n:
        return None
    return parts[0], parts[1], headers, body


def response(status, reason, headers, body, date=None):
    out = ["HTTP/1.1 %d %s" % (status, reason)]
    skip = {"content-length", "transfer-encoding", "connection", "date"}
    out += ["%s: %s" % (k, v) for k, v in headers if k.lower() not in skip]
    out.append("Date: " + email.utils.formatdate(date or time.time(), usegmt=True))
    out.append("Content-Length: %d" % len(body))
    return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body


def aws_error(status, code, message, date=None, retry_after=None):
    body = json.dumps({"__type": code, "message": message}).encode()
    h = [("x-amzn-RequestId", str(uuid.uuid4())), ("x-amzn-ErrorType", code),
         ("Content-Type", "application/x-amz-json-1.1")]
    if retry_after is not None:
        h.append(("Retry-After", "%d" % max(1, -(-retry_after // 1))))
    return response(status, {400: "Bad Request", 500: "Internal Server Error"}.get(status, "Error"),
                    h, body, date)


def blob_key(b64):
    try:
        raw = base64.b64decode(b64, validate=True)
        kid = raw[:36].decode("ascii")
        uuid.UUID(kid)
        return kid
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def denied_key(st, hd, body):
    """The denied key a KMS request names, or None."""
    target = hd.get("x-amz-target", "")
    if not target.startswith("TrentService.") or not st.deny:
        return None
    op = target.split(".", 1)[1]
    if op not in DENIED_OPS:
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    ids = [doc.get("KeyId")]
    if op == "Decrypt" and not doc.get("KeyId"):
        ids.append(blob_key(doc.get("CiphertextBlob", "")))
    with st.lock:
        for i in ids:
            if i and i in st.deny:
                return op, st.deny[i]
    return None


STATE_OPS = ("Encrypt", "Decrypt", "ReEncrypt") + DENIED_OPS[1:]


def key_state_refusal(st, hd, body):
    """(code, message) KMS answers for a request naming a key that is not
    Enabled, or None (moto uses such keys as if they were)."""
    target = hd.get("x-amz-target", "")
    if not target.startswith("TrentService.") or not st.key_state:
        return None
    if target.split(".", 1)[1] not in STATE_OPS:
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    ids = [doc.get("KeyId"), doc.get("DestinationKeyId"),
           blob_key(doc.get("CiphertextBlob", "")) if not doc.get("KeyId") else None]
    with st.lock:
        for i in ids:
            if i and i in st.key_state:
                state, arn = st.key_state[i]
                if state == "Disabled":
                    return "DisabledException", "%s is disabled." % arn
                return "KMSInvalidStateException", "%s is %s." % (
                    arn, "pending deletion" if state == "PendingDeletion" else state)
    return None


def sni_of(data):
    """The server name a TLS ClientHello asks for, or None."""
    try:
        if data[0] != 22 or data[5] != 1:
            return None
        p = 5 + 4 + 2 + 32
        p += 1 + data[p]  # session id
        p += 2 + int.from_bytes(data[p:p + 2], "big")  # cipher suites
        p += 1 + data[p]  # compression methods
        end = p + 2 + int.from_bytes(data[p:p + 2], "big")
        p += 2
        while p + 4 <= end:
            typ, n = int.from_bytes(data[p:p + 2], "big"), int.from_bytes(data[p + 2:p + 4], "big")
            p += 4
            if typ == 0:  # server_name: list length, type 0, name length, name
                m = int.from_bytes(data[p + 3:p + 5], "big")
                return data[p + 5:p + 5 + m].decode("ascii", "replace").lower()
            p += n
    except IndexError:
        pass
    return None


def peek_sni(raw):
    """Peek at the ClientHello (up to 5 s) for its SNI, consuming nothing."""
    raw.settimeout(5)
    data = b""
    try:
        while True:
            data = raw.recv(16384, socket.MSG_PEEK)
            if not data or (len(data) >= 5 and len(data) >= 5 + int.from_bytes(data[3:5], "big")):
                break
            time.sleep(0.01)
    except OSError:
        pass
    return sni_of(data) if data else None


def hold(sock, limit=600):
    """Never answer: read and discard until the client gives up."""
    sock.settimeout(limit)
    try:
        while sock.recv(4096):
            pass
    except (OSError, ssl.SSLError):
        pass


def rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class Upstream:
    def __init__(self, host, port, ctx):
        self.host, self.port, self.ctx = host, port, ctx
        self.conn = None

    def forward(self, method, target, headers, body):
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.host, self.port,
                                                        context=self.ctx, timeout=120)
            try:
                c = self.conn
                c.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    c.putheader(k, v)
                c.endheaders(body or None)
                r = c.getresponse()
                data = r.read()
                if r.will_close:
                    c.close()
                    self.conn = None
                return r.status, r.reason, r.getheaders(), data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def close(self):
        if self.conn:
            self.conn.close()


def serve_conn(st, log, raw, peer, up_addr, up_ctx):
    cid = "%s:%d" % peer[:2]
    st.count("connections")
    mode = st.mode
    if mode in ("close", "refuse"):  # refuse: accepted just before closing
        log(cid, "close")
        raw.close()
        return
    if mode == "drop":
        log(cid, "drop at accept")
        hold(raw)
        raw.close()
        return
    if st.host_faults:
        sni = peek_sni(raw)
        fault = st.host_faults.get(sni or "")
        if fault:
            log(cid, fault, "at accept for", sni)
            if fault == "drop":
                hold(raw)
            raw.close()
            return
    raw.settimeout(30)
    try:
        tls = st.ctx().wrap_socket(raw, server_side=True)
    except (OSError, ssl.SSLError) as e:
        st.count("handshake_failures")
        log(cid, "handshake failed", st.cert, e)
        raw.close()
        return
    st.count("handshakes")
    up = Upstream(up_addr[0], up_addr[1], up_ctx)
    f = tls.makefile("rb")
    try:
        while True:
            tls.settimeout(600)
            with st.lock:
                st.idle.add(tls)
            try:
                rq = read_request(f)
            except ValueError as e:
                log(cid, "bad request", e)
                tls.sendall(response(400, "Bad Request", [], b"bad request\n"))
                return
            finally:
                with st.lock:
                    st.idle.discard(tls)
            if rq is None:
                return
            method, target, headers, body = rq
            hd = {k.lower(): v for k, v in headers}
            amz_target = hd.get("x-amz-target", target)
            # The region a request was signed for (its credential scope)
            # and the Host it named: what endpoint resolution chose.
            scope = hd.get("authorization", "").partition("Credential=")[2].split("/")
            region = scope[2] if len(scope) > 2 else "-"
            with st.lock:
                st.stats["requests"] += 1
                for k, v in (("targets", amz_target), ("regions", region),
                             ("hosts", hd.get("host", "-"))):
                    t = st.stats[k]
                    t[v] = t.get(v, 0) + 1
            hf = st.host_faults.get(hd.get("host", "").rsplit(":", 1)[0].lower())
            if hf:  # a connection made before the host's fault
                log(cid, method, amz_target, hf, "by Host")
                if hf == "drop":
                    hold(tls)
                return
            wait = st.quota_take()
            if wait is not None:
                log(cid, method, amz_target, "quota")
                tls.sendall(aws_error(400, "ThrottlingException", "Rate exceeded",
                                      retry_after=wait or None))
                continue
            fault, delay = st.take()
            log(cid, method, amz_target, fault)
            if fault == "drop":
                hold(tls)
                return
            if fault in ("close", "refuse"):
                return
            if fault == "reset":
                rst(tls)
                return
            if fault == "throttle":
                tls.sendall(aws_error(400, "ThrottlingException", "Rate exceeded"))
                continue
            if fault == "500":
                tls.sendall(aws_error(500, "KMSInternalException",
                                      "The request was rejected because an internal "
                                      "exception occurred. The request can be retried."))
                continue
            if fault == "503":
                tls.sendall(response(503, "Service Unavailable", [("Content-Type", "text/html")],
                                     b"<html><body><h1>503 Service Temporarily "
                                     b"Unavailable</h1></body></html>\n"))
                continue
            if fault == "garbage":
                tls.sendall(response(200, "OK", [("Content-Type", "application/x-amz-json-1.1")],
                                     b'{"CiphertextBlob": "AQID", <html>garbage'))
                continue
            if fault == "delay":
                time.sleep(delay)
            skew = st.skew
            srv_now = time.time() + skew
            if skew:
                try:
                    t0 = calendar.timegm(time.strptime(hd.get("x-amz-date", ""),
                                                       "%Y%m%dT%H%M%SZ"))
                except ValueError:
                    t0 = None
                if t0 is not None and abs(t0 - srv_now) > 300:
                    st.count("skew_rejected")
                    fmt = lambda x: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(x))  # noqa: E731
                    if t0 < srv_now:
                        msg = "Signature expired: %s is now earlier than %s (%s - 5 min.)" % (
                            fmt(t0), fmt(srv_now - 300), fmt(srv_now))
                    else:
                        msg = "Signature not yet current: %s is still later than %s (%s + 5 min.)" % (
                            fmt(t0), fmt(srv_now + 300), fmt(srv_now))
                    log(cid, "skew reject", msg)
                    tls.sendall(aws_error(400, "InvalidSignatureException", msg, srv_now))
                    continue
            if hd.get("x-amz-security-token") in st.expired:
                st.count("expired")
                log(cid, "expired token")
                tls.sendall(aws_error(400, "ExpiredTokenException",
                                      "The security token included in the request is expired",
                                      srv_now))
                continue
            d = denied_key(st, hd, body)
            if d:
                st.count("denied")
                ak = hd.get("authorization", "").partition("Credential=")[2].split("/")[0]
                msg = ("User: %s is not authorized to perform: kms:%s on resource: %s "
                       "with an explicit deny in an identity-based policy" % (
                           ak or "anonymous", d[0], d[1]))
                log(cid, "deny", d[1])
                tls.sendall(aws_error(400, "AccessDeniedException", msg, srv_now))
                continue
            k = key_state_refusal(st, hd, body)
            if k:
                st.count("key_state_refused")
                log(cid, "key state", k[0])
                tls.sendall(aws_error(400, k[0], k[1], srv_now))
                continue
            try:
                status, reason, rh, data = up.forward(method, target, headers, body)
            except (OSError, http.client.HTTPException) as e:
                log(cid, "upstream failed", e)
                tls.sendall(response(502, "Bad Gateway", [], b"upstream failed\n"))
                continue
            st.count("forwarded")
            out = response(status, reason, rh, data, srv_now if skew else None)
            if fault == "truncate":
                tls.sendall(out[:len(out) - len(data) // 2 - 1])
                tls.close()
                return
            tls.sendall(out)
    except (OSError, ssl.SSLError) as e:
        log(cid, "connection error", e)
    finally:
        up.close()
        try:
            tls.close()
        except OSError:
            pass


def listen(bind, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((bind, port))
    s.listen(1024)  # a fleet connects at once
    return s


def main():
    ap = argparse.ArgumentParser(description="fault-injecting TLS proxy")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--upstream", required=True, help="HOST:PORT of moto (TLS)")
    ap.add_argument("--upstream-ca", required=True)
    ap.add_argument("--pki", required=True, help="directory made by pki.py")
    ap.add_argument("--ctl")
    ap.add_argument("--log")
    ap.add_argument("--admin-env", help="admin credentials (sh) for the key command")
    a = ap.parse_args()
    st = State(a.pki)
    if a.admin_env:
        import boto3  # noqa: F401 - now, so that "key" answers in a moment
        st.admin = ("https://localhost:%s" % a.upstream.rpartition(":")[2], a.upstream_ca,
                    a.admin_env)
    st.ctx()  # fail now, not at the first client, if the PKI is unusable
    log = Log(a.log)
    uh, _, upo = a.upstream.rpartition(":")
    up_ctx = ssl.create_default_context(cafile=a.upstream_ca)
    lsock = listen(a.bind, a.port)
    port = lsock.getsockname()[1]
    ctl = serveutil.ControlServer(a.ctl, st.control) if a.ctl else None
    serveutil.write_port(a.port_file, port)
    running = [True]

    def stop(*_):
        running[0] = False

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while running[0]:
        if st.mode == "refuse":
            if lsock:
                lsock.close()
                lsock = None
                st.listening = False
                log("listener closed (refuse)")
            time.sleep(0.02)
            continue
        if lsock is None:
            try:
                lsock = listen(a.bind, port)
                st.listening = True
                log("listening again")
            except OSError:
                time.sleep(0.05)
                continue
        try:
            r, _, _ = select.select([lsock], [], [], 0.02)
        except InterruptedError:
            continue
        if not r:
            continue
        try:
            c, peer = lsock.accept()
        except OSError:
            continue
        threading.Thread(target=serve_conn, args=(st, log, c, peer, (uh, int(upo)), up_ctx),
                         daemon=True).start()
    if ctl:
        ctl.close()


if __name__ == "__main__":
    main()
