# serveutil.py - small helpers shared by the fakes (not executable).
# SPDX-License-Identifier: GPL-2.0-or-later
import os


def write_port(path, port):
    """Write the chosen port to path atomically (rename), so a waiter never
    reads a half-written number."""
    if not path:
        return
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, path)
