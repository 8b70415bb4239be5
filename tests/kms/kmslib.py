# kmslib.py - helpers for the kms tier's Python tests (imported, not run).
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Env: one tests/fakes/awsenv per test program (started in a temp dir,
# stopped at exit, even on a signal). check()/skip() print the PASS/FAIL/
# SKIP lines tests/run counts. run() runs a command with a clean AWS
# environment and measures it.
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWSENV = os.path.join(TOP, "tests/fakes/awsenv")
sys.path.insert(0, os.path.join(TOP, "tests/fakes"))
import serveutil  # noqa: E402
LUKSBOX = os.environ.get("LUKSBOX") or os.path.join(TOP, "luksbox")
SUITE = "kms/" + os.path.basename(sys.argv[0])
_failed = [0]


def check(name, ok, detail=""):
    if ok:
        print("PASS %s: %s" % (SUITE, name), flush=True)
    else:
        _failed[0] += 1
        d = " ".join(str(detail).split())
        print("FAIL %s: %s%s" % (SUITE, name, (" (" + d[:600] + ")") if d else ""),
              flush=True)
    return ok


def skip(name, why):
    print("SKIP %s: %s: %s" % (SUITE, name, why), flush=True)


def finish():
    sys.exit(1 if _failed[0] else 0)


class Result:
    def __init__(self, rc, out, err, wall, cpu, maxrss_kib):
        self.rc, self.out, self.err = rc, out, err
        self.wall, self.cpu, self.maxrss_kib = wall, cpu, maxrss_kib

    def __repr__(self):
        return "rc=%d wall=%.2fs err=%r" % (self.rc, self.wall,
                                            self.err.decode(errors="replace")[-400:])


def clean_env(extra=None):
    """The environment without any AWS_* or proxy variable, plus EXTRA."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k.lower() not in ("https_proxy", "http_proxy",
                                                            "no_proxy")}
    env["HOME"] = tempfile.gettempdir() + "/kmslib-nohome"  # no ~/.aws here
    env.update(extra or {})
    return env


def run(argv, env=None, stdin=b"", timeout=120):
    """Run ARGV (env is complete, see clean_env()); a Result with its wall
    time."""
    t0 = time.monotonic()
    try:
        r = subprocess.run(argv, input=stdin, capture_output=True, env=env,
                           timeout=timeout)
        rc, out, err = r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = -9, e.stdout or b"", (e.stderr or b"") + b" [killed: timeout]"
    return Result(rc, out, err, time.monotonic() - t0, None, None)


def run_measured(argv, env=None, stdin=None):
    """Like run() but measures CPU and peak RSS exactly for this child with
    wait4 (stdin/stdout are files or DEVNULL, no pipes to pump)."""
    t0 = time.monotonic()
    fo = tempfile.TemporaryFile()
    fe = tempfile.TemporaryFile()
    fi = stdin if stdin is not None else subprocess.DEVNULL
    pr = subprocess.Popen(argv, stdin=fi, stdout=fo, stderr=fe, env=env)
    _, status, ru = os.wait4(pr.pid, 0)
    wall = time.monotonic() - t0
    pr.returncode = os.waitstatus_to_exitcode(status)
    fo.seek(0)
    fe.seek(0)
    return Result(pr.returncode, fo.read(), fe.read(), wall,
                  ru.ru_utime + ru.ru_stime, ru.ru_maxrss)


class Env:
    """A running tests/fakes/awsenv and its facts (DIR/env)."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="awsenv.")
        atexit.register(self.stop)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, lambda *_: sys.exit(1))
        r = subprocess.run([AWSENV, "start", self.dir], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError("awsenv start failed: " + r.stderr[-800:])
        self.e = {}
        for line in open(os.path.join(self.dir, "env")):
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                self.e[k] = v.strip("'")
        self.admin = dict(l.strip().split("=", 1)
                          for l in open(self.e["AWSENV_ADMIN_ENV"]) if "=" in l)
        self.role = json.load(open(self.e["AWSENV_ROLE_CREDS"]))

    def __getitem__(self, k):
        return self.e[k]

    def stop(self):
        if self.dir and os.path.isdir(self.dir):
            subprocess.run([AWSENV, "stop", self.dir], capture_output=True)
            if os.environ.get("KMSLIB_KEEP"):
                sys.stderr.write("kept %s\n" % self.dir)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def ctl(self, what, *words):
        """awsenv WHAT DIR WORDS...: fault and imds go straight to the
        control sockets (what awsenv does, minus a Python start-up)."""
        sock = {"fault": "proxy.sock", "imds": "imds.sock"}.get(what)
        if sock:
            out = serveutil.control(os.path.join(self.dir, sock), [str(w) for w in words])
            if "error" in out:
                raise RuntimeError("awsenv %s %s: %s" % (what, words, out["error"]))
            return out
        r = subprocess.run([AWSENV, what, self.dir] + [str(w) for w in words],
                           capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError("awsenv %s %s: %s" % (what, words, r.stderr.strip()))
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def fault(self, *words):
        return self.ctl("fault", *words)

    def imds(self, *words):
        return self.ctl("imds", *words)

    def pstats(self):
        return self.fault("stats")

    def istats(self):
        return self.imds("stats")

    def reset(self):
        """Proxy and IMDS back to normal, counters zeroed, no denials."""
        self.fault("pass")
        self.fault("allow-all")
        self.fault("expire-token")
        self.fault("reset-stats")
        self.imds("normal")
        self.imds("v1-off")
        self.imds("role")
        self.imds("reset-stats")

    def role_env(self, extra=None):
        """Role session credentials in the environment, KMS via the proxy."""
        e = clean_env({
            "AWS_ACCESS_KEY_ID": self.role["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": self.role["SecretAccessKey"],
            "AWS_SESSION_TOKEN": self.role["SessionToken"],
            "AWS_REGION": self["AWSENV_REGION"],
            "AWS_ENDPOINT_URL_KMS": self["AWSENV_KMS_URL"],
            "AWS_ENDPOINT_URL_SSM": self["AWSENV_KMS_URL"],
            "AWS_CA_BUNDLE": self["AWSENV_CA"],
        })
        e.update(extra or {})
        return e

    def imds_env(self, extra=None):
        """No credentials but the IMDS, no region: all from the instance."""
        e = clean_env({
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": self["AWSENV_IMDS_URL"],
            "AWS_ENDPOINT_URL_KMS": self["AWSENV_KMS_URL"],
            "AWS_ENDPOINT_URL_SSM": self["AWSENV_KMS_URL"],
            "AWS_CA_BUNDLE": self["AWSENV_CA"],
        })
        e.update(extra or {})
        return e

    def admin_env(self, extra=None):
        e = clean_env({
            "AWS_ACCESS_KEY_ID": self.admin["AWS_ACCESS_KEY_ID"],
            "AWS_SECRET_ACCESS_KEY": self.admin["AWS_SECRET_ACCESS_KEY"],
            "AWS_REGION": self["AWSENV_REGION"],
            "AWS_DEFAULT_REGION": self["AWSENV_REGION"],
            "AWS_CA_BUNDLE": self["AWSENV_CA"],
        })
        e.update(extra or {})
        return e

    def boto(self, svc, creds="role", url=None):
        import boto3
        from botocore.config import Config
        c = {"role": {"aws_access_key_id": self.role["AccessKeyId"],
                      "aws_secret_access_key": self.role["SecretAccessKey"],
                      "aws_session_token": self.role["SessionToken"]},
             "admin": {"aws_access_key_id": self.admin["AWS_ACCESS_KEY_ID"],
                       "aws_secret_access_key": self.admin["AWS_SECRET_ACCESS_KEY"]}}[creds]
        return boto3.client(svc, region_name=self["AWSENV_REGION"],
                            endpoint_url=url or self["AWSENV_KMS_URL"],
                            verify=self["AWSENV_CA"],
                            config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                                          connect_timeout=3, read_timeout=5), **c)


def kms_wrap(*args):
    return [LUKSBOX, "kms-wrap"] + [str(a) for a in args]


class Instance:
    """One member of a fleet: pid, when it started and ended (seconds
    from the fleet's start), exit code, output and stderr."""

    def __init__(self, i, pid, t_start, out, err):
        self.i, self.pid, self.t_start = i, pid, t_start
        self.out, self.err = out, err
        self.t_end, self.rc = None, None


GATE_C = r"""
#include <unistd.h>
/* gate PROG ARGS...: wait for EOF on stdin, then become PROG. */
int main(int argc, char **argv)
{
	char c;

	while (read(0, &c, 1) > 0)
		;
	close(0);
	execv(argv[1], argv + 1);
	return 127;
}
"""


def build_gate(tmp):
    """A static helper that holds a process until its stdin closes (so a
    fleet is released at one instant); None without musl-gcc."""
    src, exe = os.path.join(tmp, "gate.c"), os.path.join(tmp, "gate")
    with open(src, "w") as f:
        f.write(GATE_C)
    r = subprocess.run(["musl-gcc", "-static", "-Os", "-o", exe, src], capture_output=True)
    return exe if r.returncode == 0 else None


def run_fleet(argv, n, env, tmp, timeout=120):
    """Start N copies of ARGV held at a gate, release them at one instant
    (as instances booting together), and reap them with wait4, so each
    one's end is timed as it happens. Each has its own stdout/stderr files
    in TMP. Returns ([Instance], seconds the starts took); times count
    from the release. Without musl-gcc there is no gate: times count from
    the first start and the spread is the starts'."""
    procs = {}
    envl = env if env is not None else os.environ
    gate = build_gate(tmp)
    rfd, wfd = os.pipe()
    t0 = time.monotonic()
    for i in range(n):
        out = os.path.join(tmp, "out.%d" % i)
        err = os.path.join(tmp, "err.%d" % i)
        # posix_spawn (vfork underneath): starts are cheap.
        fa = [(os.POSIX_SPAWN_DUP2, rfd, 0) if gate else
              (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
              (os.POSIX_SPAWN_CLOSE, wfd),
              (os.POSIX_SPAWN_OPEN, 1, out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
              (os.POSIX_SPAWN_OPEN, 2, err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
        a = [gate] + list(argv) if gate else list(argv)
        pid = os.posix_spawn(a[0], a, envl, file_actions=fa)
        procs[pid] = Instance(i, pid, time.monotonic() - t0, out, err)
    spread = time.monotonic() - t0
    os.close(rfd)
    if gate:
        t0 = time.monotonic()
    os.close(wfd)  # the gate opens: every instance starts now
    left = set(procs)
    end = time.monotonic() + timeout
    while left:
        # Polled, so the timeout holds even while nothing exits.
        pid, status, _ = os.wait4(-1, os.WNOHANG)
        if pid == 0:
            if time.monotonic() > end:
                for p in left:
                    os.kill(p, signal.SIGKILL)
                end = float("inf")
            time.sleep(0.005)
            continue
        if pid in left:
            left.discard(pid)
            procs[pid].t_end = time.monotonic() - t0
            procs[pid].rc = os.waitstatus_to_exitcode(status)
    return [procs[p] for p in sorted(procs, key=lambda p: procs[p].i)], spread, bool(gate)


def percentile(xs, q):
    """The q-th percentile (0-100) of XS, nearest rank; None when empty."""
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(-(-q * len(xs) // 100)) - 1))
    return xs[k]
