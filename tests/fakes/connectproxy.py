#!/usr/bin/env python3
# connectproxy.py - a minimal HTTP CONNECT proxy (what HTTPS_PROXY points
# at) that records every tunnel it opens.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: connectproxy.py [--port 0] [--port-file F] [--ctl SOCK]
#                        [--map HOST:PORT=ADDR:PORT]...
# A CONNECT to a mapped HOST:PORT is tunnelled to ADDR:PORT (so a client
# may ask for kms.us-east-1.amazonaws.com:443 and reach the test proxy);
# anything else is answered 403. Other methods: 405. Control socket
# commands: stats (tunnels opened, refused, targets), reset-stats.
# See: RFC 9110 9.3.6 (CONNECT).
import argparse
import os
import signal
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serveutil  # noqa: E402


class State:
    def __init__(self, maps):
        self.lock = threading.Lock()
        self.maps = maps
        self.reset()

    def reset(self):
        self.stats = {"connections": 0, "tunnels": 0, "refused": 0, "targets": {}}

    def control(self, w):
        with self.lock:
            if w and w[0] == "stats":
                return dict(self.stats)
            if w and w[0] == "reset-stats":
                self.reset()
                return {"ok": True}
        raise ValueError("unknown command")


def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    finally:
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve(st, c):
    with st.lock:
        st.stats["connections"] += 1
    c.settimeout(30)
    head = b""
    try:
        while b"\r\n\r\n" not in head and len(head) < 16384:
            d = c.recv(4096)
            if not d:
                return c.close()
            head += d
        line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
        if len(line) != 3 or line[0] != "CONNECT":
            c.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return c.close()
        target = line[1]
        with st.lock:
            t = st.stats["targets"]
            t[target] = t.get(target, 0) + 1
            dest = st.maps.get(target)
            if not dest:
                st.stats["refused"] += 1
        if not dest:
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return c.close()
        h, _, p = dest.rpartition(":")
        u = socket.create_connection((h, int(p)), 10)
        with st.lock:
            st.stats["tunnels"] += 1
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            u.sendall(rest)
        c.settimeout(None)
        t = threading.Thread(target=pump, args=(u, c), daemon=True)
        t.start()
        pump(c, u)
        t.join()
        u.close()
    except OSError:
        pass
    c.close()


def main():
    ap = argparse.ArgumentParser(description="CONNECT proxy")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--ctl")
    ap.add_argument("--map", action="append", default=[])
    a = ap.parse_args()
    maps = dict(m.split("=", 1) for m in a.map)
    st = State(maps)
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", a.port))
    ls.listen(16)
    if a.ctl:
        serveutil.ControlServer(a.ctl, st.control)
    serveutil.write_port(a.port_file, ls.getsockname()[1])
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(st, c), daemon=True).start()


if __name__ == "__main__":
    main()
