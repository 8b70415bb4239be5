#!/usr/bin/env python3
# imds.py - a strict fake EC2 instance metadata service (IMDSv2) on loopback.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: imds.py [--port 0] [--port-file F] [--ipv6] [--ctl SOCK]
#                [--creds-file JSON] [--role NAME] [--region R]
#                [--ephemeral N] [--meta PATH=VALUE]... [--log F]
#
# What a real instance does, and what luksbox must cope with:
#   PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds
#     (1..21600, else 400); a PUT carrying X-Forwarded-For is refused (403).
#   GET with X-aws-ec2-metadata-token: a live token is served, an unknown or
#     expired one is 401. GET without a token is 401 (IMDSv2 required)
#     unless IMDSv1 is switched on ("v1-on").
#   meta-data: iam/security-credentials/ (the role name) and .../ROLE (the
#     JSON the SDKs parse, read from --creds-file at each request so it can
#     be rotated), placement/region, placement/availability-zone,
#     instance-id, block-device-mapping/ (ami, root, ephemeral0..N-1) and
#     block-device-mapping/ephemeralN ("sdb", "sdc", ...), plus --meta.
# Behaviour switches (control socket --ctl, see awsenv "imds"):
#   normal         answer everything
#   drop | down    accept connections and never answer
#   reset          reset every connection at once (RST)
#   put-blackhole  never answer the token PUT (what a container behind a
#                  hop limit of 1 sees); GETs are still answered
#   v1-on | v1-off allow / refuse token-less GETs (default: refuse)
#   stale          forget every token issued so far (IMDS restarted):
#                  the next GET with an old token is 401
#   token-uses N   tokens issued from now on serve N GETs, then are 401
#                  (0: unlimited) - a token going stale in mid-run
#   no-role | role hide / show iam/security-credentials
#   rotate FILE    serve the role's credentials once more from the current
#                  file, then from FILE (a rotation while a client runs)
#   set PATH VALUE serve VALUE at /latest/meta-data/PATH
#   stats          counters: connections (and by the address they came
#                  to: "to"), puts, gets, 401s, paths
#   reset-stats
# --ipv6 also listens on [::1] (or --bind6 ADDR) at the same port (for IPv6
# endpoint tests).
# See: EC2 User Guide, "Use the Instance Metadata Service to access
#      instance metadata" (IMDSv2 session tokens, hop limit), "Instance
#      metadata categories".
import argparse
import datetime
import http.server
import json
import os
import secrets
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serveutil  # noqa: E402


class State:
    def __init__(self, a):
        self.lock = threading.Lock()
        self.mode = "normal"
        self.v1 = False
        self.role_on = True
        self.role = a.role
        self.creds_file = a.creds_file
        self.rotate_to = None  # after the next credentials GET
        self.tokens = {}  # token -> [expiry (monotonic), GETs left or None]
        self.token_uses = 0
        self.meta = {
            "placement/region": a.region,
            "placement/availability-zone": a.region + "a",
            "instance-id": "i-0123456789abcdef0",
            "instance-type": "m5d.large",
            "block-device-mapping/ami": "xvda",
            "block-device-mapping/root": "/dev/xvda",
        }
        for i in range(a.ephemeral):
            self.meta["block-device-mapping/ephemeral%d" % i] = "sd" + chr(ord("b") + i)
        for m in a.meta:
            k, _, v = m.partition("=")
            self.meta[k.strip("/")] = v
        self.reset_stats()

    def reset_stats(self):
        self.stats = {"connections": 0, "puts": 0, "gets": 0, "unauthorized": 0,
                      "dropped": 0, "reset": 0, "paths": {}, "to": {}}

    def count(self, key, n=1):
        with self.lock:
            self.stats[key] += n

    def control(self, w):
        cmd = w[0] if w else ""
        with self.lock:
            if cmd in ("normal", "drop", "reset", "put-blackhole"):
                self.mode = cmd
            elif cmd == "down":  # an instance whose IMDS never answers
                self.mode = "drop"
            elif cmd == "v1-on":
                self.v1 = True
            elif cmd == "v1-off":
                self.v1 = False
            elif cmd == "stale":
                self.tokens.clear()
            elif cmd == "token-uses":
                self.token_uses = int(w[1])
            elif cmd == "no-role":
                self.role_on = False
            elif cmd == "role":
                self.role_on = True
            elif cmd == "rotate" and len(w) == 2:
                self.rotate_to = w[1]
            elif cmd == "set" and len(w) >= 2:
                self.meta[w[1].strip("/")] = " ".join(w[2:])
            elif cmd == "stats":
                return dict(self.stats, mode=self.mode, v1=self.v1,
                            tokens=len(self.tokens))
            elif cmd == "reset-stats":
                self.reset_stats()
            else:
                raise ValueError("unknown imds command: %s" % " ".join(w))
            return {"ok": True, "mode": self.mode, "v1": self.v1}


def listing(keys, prefix):
    """The directory listing IMDS gives for PREFIX ("" for meta-data/)."""
    out = []
    for k in sorted(keys):
        if not k.startswith(prefix):
            continue
        rest = k[len(prefix):]
        item = rest.split("/")[0] + ("/" if "/" in rest else "")
        if item not in out:
            out.append(item)
    return out


def make_handler(st):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "EC2ws"
        sys_version = ""

        def log_message(self, fmt, *args):
            pass

        def handle(self):
            st.count("connections")
            to = self.connection.getsockname()[0]
            with st.lock:
                st.stats["to"][to] = st.stats["to"].get(to, 0) + 1
            if st.mode == "reset":
                st.count("reset")
                # SO_LINGER 0: close() sends RST instead of FIN.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                self.connection.close()
                return
            super().handle()

        def finish(self):
            try:
                super().finish()
            except OSError:
                pass

        def _hold(self):
            """Never answer: wait until the client gives up."""
            st.count("dropped")
            self.close_connection = True
            self.connection.settimeout(600)
            try:
                while self.connection.recv(4096):
                    pass
            except OSError:
                pass

        def _send(self, code, body, ctype="text/plain", extra=()):
            b = body.encode() if isinstance(body, str) else body
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(b)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(b)

        def do_PUT(self):
            st.count("puts")
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            if st.mode == "drop" or st.mode == "put-blackhole":
                return self._hold()
            if self.path != "/latest/api/token":
                return self._send(404, "Not Found")
            if self.headers.get("X-Forwarded-For"):
                return self._send(403, "Forbidden")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            try:
                t = int(ttl)
            except (TypeError, ValueError):
                t = 0
            if not 1 <= t <= 21600:
                return self._send(400, "Bad Request")
            tok = secrets.token_urlsafe(42)
            with st.lock:
                st.tokens[tok] = [time.monotonic() + t, st.token_uses or None]
            self._send(200, tok, extra=[("X-aws-ec2-metadata-token-ttl-seconds", str(t))])

        def do_GET(self):
            st.count("gets")
            with st.lock:
                p = st.stats["paths"]
                p[self.path] = p.get(self.path, 0) + 1
            if st.mode == "drop":
                return self._hold()
            tok = self.headers.get("X-aws-ec2-metadata-token")
            with st.lock:
                ent = st.tokens.get(tok) if tok is not None else None
                ok = ent is not None and ent[0] > time.monotonic() and ent[1] != 0
                if ok and ent[1] is not None:
                    ent[1] -= 1
                ok = ok or (tok is None and st.v1)
            if not ok:
                st.count("unauthorized")
                return self._send(401, "Unauthorized")
            path = self.path
            if not path.startswith("/latest/meta-data/"):
                if path in ("/latest/", "/latest"):
                    return self._send(200, "dynamic\nmeta-data\nuser-data")
                return self._send(404, "Not Found")
            rel = path[len("/latest/meta-data/"):]
            iam = "iam/security-credentials/"
            if rel.startswith(iam):
                if not st.role_on:
                    return self._send(404, "Not Found")
                name = rel[len(iam):]
                if name == "":
                    return self._send(200, st.role)
                if name != st.role:
                    return self._send(404, "Not Found")
                with st.lock:
                    path = st.creds_file
                    if st.rotate_to:
                        st.creds_file, st.rotate_to = st.rotate_to, None
                    st.stats["creds"] = st.stats.get("creds", 0) + 1
                try:
                    with open(path) as f:
                        c = json.load(f)
                except (OSError, ValueError, TypeError):
                    return self._send(404, "Not Found")
                now = datetime.datetime.now(datetime.timezone.utc)
                doc = {
                    "Code": "Success",
                    "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "Type": "AWS-HMAC",
                    "AccessKeyId": c["AccessKeyId"],
                    "SecretAccessKey": c["SecretAccessKey"],
                    "Token": c["SessionToken"],
                    "Expiration": c["Expiration"],
                }
                return self._send(200, json.dumps(doc, indent=2))
            with st.lock:
                meta = dict(st.meta)
                if st.role_on:
                    meta["iam/security-credentials/" + st.role] = ""
            key = rel.rstrip("/")
            if key in meta and not rel.endswith("/"):
                return self._send(200, meta[key])
            items = listing(meta.keys(), key + "/" if key else "")
            if items:
                return self._send(200, "\n".join(items))
            return self._send(404, "Not Found")

    return H


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser(description="fake IMDSv2")
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--ipv6", action="store_true",
                    help="also listen on [::1] at the same port")
    ap.add_argument("--bind6", default="::1", help="the IPv6 address for --ipv6")
    ap.add_argument("--ctl", help="control socket path")
    ap.add_argument("--creds-file", help="JSON with AccessKeyId, SecretAccessKey, "
                    "SessionToken, Expiration")
    ap.add_argument("--role", default="luksbox-instance")
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--ephemeral", type=int, default=2)
    ap.add_argument("--meta", action="append", default=[])
    a = ap.parse_args()
    st = State(a)
    h = make_handler(st)
    servers = []
    for _ in range(20):  # the v6 twin may find the port taken: pick again
        s4 = Server((a.bind, a.port), h)
        port = s4.server_address[1]
        if not a.ipv6:
            servers = [s4]
            break
        try:
            s6 = Server6((a.bind6, port), h)
        except OSError:
            s4.server_close()
            if a.port:
                raise
            continue
        servers = [s4, s6]
        break
    if not servers:
        sys.exit("imds.py: no port free on both 127.0.0.1 and ::1")
    if a.ctl:
        serveutil.ControlServer(a.ctl, st.control)
    for s in servers[1:]:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    serveutil.write_port(a.port_file, port)

    def stop(*_):
        threading.Thread(target=servers[0].shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    servers[0].serve_forever()
    for s in servers:
        s.server_close()


if __name__ == "__main__":
    main()
