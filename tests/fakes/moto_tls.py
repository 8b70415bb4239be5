#!/usr/bin/env python3
# moto_tls.py - run moto (KMS, SSM, IAM, STS) on loopback, over TLS with our test certificate.
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Usage: moto_tls.py [--bind 127.0.0.1] [--port 0] [--port-file F]
#                    [--cert PEM --key PEM] [--log F]
# --port 0 picks a free port; the chosen one is written to --port-file (atomically)
# once the socket listens. SIGTERM/SIGINT shut down cleanly. Without --cert,
# plain HTTP. Signature checking: moto reads INITIAL_NO_AUTH_ACTION_COUNT from
# the environment at import; the harness (tests/fakes/awsenv) starts us with
# it unlimited, creates users/roles/keys, then POSTs /moto-api/reset-auth "0",
# after which every request is verified (see tests/fakes/README.md for what moto checks).
# See: moto/server.py, moto/core/authorization.py.
import argparse
import logging
import os
import signal
import ssl
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serveutil  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--log", help="append werkzeug's request log here")
    a = ap.parse_args()
    os.environ.setdefault("INITIAL_NO_AUTH_ACTION_COUNT", "inf")
    # Import late: moto.settings reads the environment at import time.
    from werkzeug.serving import make_server
    from moto.moto_server.werkzeug_app import (DomainDispatcherApplication,
                                               create_backend_app)

    wl = logging.getLogger("werkzeug")
    wl.propagate = False
    wl.handlers[:] = [logging.FileHandler(a.log) if a.log else logging.NullHandler()]
    wl.setLevel(logging.INFO)

    ctx = None
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(a.cert, a.key)
    app = DomainDispatcherApplication(create_backend_app)
    srv = make_server(a.bind, a.port, app, threaded=True, ssl_context=ctx)
    srv.daemon_threads = True
    serveutil.write_port(a.port_file, srv.server_address[1])

    def stop(*_):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    srv.serve_forever()
    srv.server_close()


if __name__ == "__main__":
    main()
