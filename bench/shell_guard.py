"""Server CPU of a shell request, before and after a change to composekit.

    .venv/bin/python -m bench.shell_guard [--before REF] [--rounds 7] [--seconds 3]

Self-contained (not part of ``make bench``). The demo shop runs under gunicorn (one sync
worker each, ``DEBUG`` off, client mode) with composekit as of ``REF`` (default: where this
branch left main) and as in the work tree, each in two set-ups: the catalog shell served
from Django's cache (a hit: the shell guard's middleware runs, its view does not) and
rendered on every request (the cache off: the view runs under the guard). One keep-alive
client asks for ``/c/audio/`` for a few seconds per run; the worker's CPU time (user +
system, ``/proc/<pid>/stat``) over the run divided by the requests answered is the cost.
Runs are interleaved round by round, in a rotating order. Each round also times, in a
process of its own per variant, the guard alone: ``@cacheable_shell`` around a view, less
the same view unguarded (CPU-µs per call, the production path), for a view that returns at
once and for one that reads the session (impure: downgraded, and formerly located). Prints
a Markdown table: median (min-max) per variant, and the per-round ratio after / before.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import requests

from demo.launch import DEMO_DIR, demo_env, prepare

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
PATH = "/c/audio/"
TICK = os.sysconf("SC_CLK_TCK")
# The demo's settings, less InlineMiddleware (which the old composekit lacks; it does nothing
# in client mode), so both variants serve with the same stack.
SETTINGS = (
    "from demo_site.settings import *  # noqa: F403\n"
    "MIDDLEWARE = [m for m in MIDDLEWARE if m != 'composekit.inline.InlineMiddleware']  # noqa: F405\n"
)
SETUPS = {"hit": "300", "rendered": "0"}  # DEMO_SHELL_CACHE
LABELS = {
    "hit": "catalog shell, a hit in Django's cache (gunicorn)",
    "rendered": "catalog shell, rendered (gunicorn)",
    "guard": "the guard alone, around a view that returns at once (in process)",
    "guard-impure": "the guard alone, around a view that reads the session (in process)",
}
# The guard alone, CPU-µs per call: guarded less bare, for a view that returns at once and
# for one that reads the session (an impure shell: before, production located the read).
GUARD_ONLY = """
import logging, time, django
django.setup()
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.test import RequestFactory
from composekit.shell import cacheable_shell

logging.getLogger("composekit.shell").disabled = True  # the impure view's warning

def pure(request):
    return HttpResponse("ok")

def impure(request):
    request.session.get("cart")
    return HttpResponse("ok")

factory = RequestFactory()

def cost(view, n=20000):
    requests = [factory.get("/") for _ in range(n)]
    for request in requests:
        request.session = SessionStore(session_key="x" * 32)
        request.session._session_cache = {}  # loaded: no database read
    start = time.process_time()
    for request in requests:
        view(request)
    return (time.process_time() - start) / n * 1e6

for view in (pure, impure):
    guarded = cacheable_shell(max_age=60)(view)
    cost(guarded, 2000)
    print(cost(guarded) - cost(view))
"""


class Server:
    """gunicorn with one sync worker on a socket bound here, composekit from ``pythonpath``."""

    def __init__(self, env: dict[str, str]) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.process = subprocess.Popen(
            [str(GUNICORN), "--no-control-socket", "--workers=1", f"--bind=fd://{self.socket.fileno()}"]
            + ["demo_site.wsgi"],
            cwd=DEMO_DIR,
            env=env,
            pass_fds=[self.socket.fileno()],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url + PATH, timeout=5)
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start ({self.process.poll()})") from None
                time.sleep(0.1)
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        [self.worker] = [int(pid) for pid in children]

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.worker}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own group: gunicorn and its worker
            self.process.wait(timeout=10)
        self.socket.close()


def measure(server: Server, seconds: float) -> float:
    """Worker CPU-µs per request over ``seconds`` of back-to-back requests."""
    with requests.Session() as session:
        session.get(server.url + PATH, timeout=10)  # warm: the cache holds the shell
        start, count = server.cpu_seconds(), 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            response = session.get(server.url + PATH, timeout=10)
            assert response.status_code == 200 and response.headers["Cache-Control"].startswith("public")
            count += 1
        return (server.cpu_seconds() - start) / count * 1e6


def checkout(ref: str, target: Path) -> str:
    """Extract composekit/ as of ``ref`` into ``target``; return the commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, check=True, capture_output=True, text=True
    )
    archive = subprocess.run(["git", "archive", ref, "composekit"], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return commit.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--before", default=None, help="git ref of the old composekit (default: merge-base with main)"
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    ref = (
        args.before
        or subprocess.run(
            ["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        before = checkout(ref, work / "before")
        (work / "settings").mkdir()
        (work / "settings" / "shell_guard_settings.py").write_text(SETTINGS)
        prepare(work / "demo")
        paths = {f"before ({before})": str(work / "before"), "after (work tree)": str(ROOT)}
        servers: dict[tuple[str, str], Server] = {}
        envs: dict[str, dict[str, str]] = {}
        try:
            for variant, path in paths.items():
                for setup, cache in SETUPS.items():
                    env = demo_env(work / "demo", DEMO_SHELL_CACHE=cache, COMPOSEKIT_MODE="client")
                    env.update(
                        PYTHONPATH=os.pathsep.join([path, str(work / "settings")]),
                        DJANGO_SETTINGS_MODULE="shell_guard_settings",
                    )
                    check = "import composekit, sys; sys.stdout.write(composekit.__file__)"
                    found = subprocess.run(
                        [sys.executable, "-c", check], env=env, cwd=DEMO_DIR, capture_output=True, text=True
                    )
                    assert found.stdout.startswith(path), f"{variant} imports {found.stdout}"
                    servers[variant, setup] = Server(env)
                    envs[variant] = env
            results: dict[tuple[str, str], list[float]] = {}
            runs = [*servers, *((variant, "guard") for variant in paths)]
            for round_ in range(args.rounds):
                for variant, setup in runs[round_ % len(runs) :] + runs[: round_ % len(runs)]:
                    if setup == "guard":
                        out = subprocess.run(
                            [sys.executable, "-c", GUARD_ONLY],
                            env=envs[variant],
                            cwd=DEMO_DIR,
                            check=True,
                            capture_output=True,
                            text=True,
                        )
                        pure, impure = (float(line) for line in out.stdout.split())
                        results.setdefault((variant, "guard"), []).append(pure)
                        results.setdefault((variant, "guard-impure"), []).append(impure)
                    else:
                        cost = measure(servers[variant, setup], args.seconds)
                        results.setdefault((variant, setup), []).append(cost)
        finally:
            for server in servers.values():
                server.stop()
    print(f"{args.rounds} rounds of {args.seconds:g} s per variant; CPU-µs per request, median (min-max)\n")
    print("| shell request | " + " | ".join(paths) + " | after ÷ before, per round |")
    print("|---|" + "---|" * (len(paths) + 1))
    for setup in LABELS:
        old, new = (results[variant, setup] for variant in paths)
        ratios = [n / o for o, n in zip(old, new, strict=True)]
        cells = [_fmt(values, 1 if setup.startswith("guard") else 0) for values in (old, new)]
        print(f"| {LABELS[setup]} | " + " | ".join(cells) + f" | {_fmt(ratios, 2)} |")


def _fmt(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):,.{digits}f} ({min(values):,.{digits}f}–{max(values):,.{digits}f})"


if __name__ == "__main__":
    main()
