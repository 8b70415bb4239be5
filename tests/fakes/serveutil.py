# serveutil.py - small helpers shared by the fakes (not executable).
# SPDX-License-Identifier: GPL-2.0-or-later
#
# write_port():  publish a chosen port atomically.
# ControlServer: a line-oriented control channel on a Unix socket, so a
#                test can switch a running fake's behaviour ("mode drop")
#                and read its counters ("stats") without restarting it.
# control():     the client side of that channel.
import json
import os
import socket
import threading


def write_port(path, port):
    """Write the chosen port to path atomically (rename), so a waiter never
    reads a half-written number."""
    if not path:
        return
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)


class ControlServer:
    """Accept one command line per connection on the Unix socket PATH and
    answer with one JSON line: handler(words) returns a dict, or raises
    ValueError for a bad command ({"error": why})."""

    def __init__(self, path, handler):
        self.path = path
        self.handler = handler
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        os.chmod(path, 0o600)
        self.sock.listen(8)
        t = threading.Thread(target=self._loop, daemon=True)
        t.start()

    def _loop(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with c:
                try:
                    c.settimeout(5)
                    line = b""
                    while not line.endswith(b"\n"):
                        b = c.recv(4096)
                        if not b:
                            break
                        line += b
                    words = line.decode().split()
                    try:
                        out = self.handler(words)
                    except (ValueError, IndexError) as e:
                        out = {"error": str(e) or "bad command"}
                    c.sendall((json.dumps(out) + "\n").encode())
                except OSError:
                    pass

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


def control(path, words, timeout=10):
    """Send WORDS (a list) to the control socket PATH; return the reply
    dict. Raises OSError when the fake does not answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
        c.settimeout(timeout)
        c.connect(path)
        c.sendall((" ".join(words) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            b = c.recv(65536)
            if not b:
                break
            data += b
    return json.loads(data.decode())
