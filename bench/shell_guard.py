"""Shell guard: the server CPU of a shell request, composekit as of a ref vs the work tree.

    .venv/bin/python -m bench.shell_guard [--before REF] [--rounds 7] [--seconds 3]

Part of ``make bench``, and runnable alone (it prints its section of the report). The demo
shop runs under gunicorn (one sync worker each, ``DEBUG`` off, client mode) with composekit
as of ``REF`` (default: where this tree left main) and as in the work tree, each in two
set-ups: the catalog shell served from Django's cache (a hit: the shell guard's middleware
runs, its view does not) and rendered on every request (the cache off: the view runs under
the guard). One keep-alive client asks for ``/c/audio/`` for a few seconds per run; the
server's CPU time (``/proc``) over the run divided by the requests answered is the cost.
Each round also times, in a process of its own per variant, the guard alone:
``@cacheable_shell`` around a view, less the same view unguarded (CPU-µs per call, the
production path), for a view that returns at once and for one that reads the session
(impure: downgraded). Runs are interleaved round by round, in a rotating order.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import requests

from demo.launch import DEMO_DIR, demo_env, demo_server, prepare
from harness.servers import ROOT, Server
from harness.servers import run as run_command

from .stats import interleaved, summarize

PATH = "/c/audio/"
SETUPS = {"hit": "300", "rendered": "0"}  # DEMO_SHELL_CACHE
LABELS = {
    "hit": "catalog shell, a hit in Django's cache (gunicorn)",
    "rendered": "catalog shell, rendered (gunicorn)",
    "guard": "the guard alone, around a view that returns at once (in process)",
    "guard-impure": "the guard alone, around a view that reads the session (in process)",
}
# The guard alone, CPU-µs per call: guarded less bare, for a view that returns at once and
# for one that reads the session (an impure shell).
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


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def checkout(ref: str, target: Path) -> str:
    """Extract composekit/ as of ``ref`` into ``target``; return the short commit."""
    archive = subprocess.run(["git", "archive", ref, "composekit"], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return _git("rev-parse", "--short", ref)


def measure(server: Server, seconds: float) -> float:
    """Server CPU-µs per request over ``seconds`` of back-to-back requests."""
    with requests.Session() as session:
        session.trust_env = False
        session.get(server.url + PATH, timeout=10)  # warm: the cache holds the shell
        start, count = server.cpu_seconds(), 0
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            response = session.get(server.url + PATH, timeout=10)
            if response.status_code != 200 or not response.headers["Cache-Control"].startswith("public"):
                raise AssertionError(
                    f"{PATH} answered {response.status_code} {response.headers['Cache-Control']}"
                )
            count += 1
        return (server.cpu_seconds() - start) / count * 1e6


def run(
    prepared: Path,
    tmp: Path,
    *,
    rounds: int,
    seconds: float,
    before: str | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Both variants on the ``prepared`` demo (its database is only read)."""
    ref = before or _git("merge-base", "HEAD", "main")
    commit = checkout(ref, tmp / "before")
    same = subprocess.run(["git", "diff", "--quiet", ref, "--", "composekit"], cwd=ROOT).returncode == 0
    paths = {"before": tmp / "before", "after": ROOT}
    envs = {
        variant: demo_env(prepared, COMPOSEKIT_MODE="client", PYTHONPATH=str(path))
        for variant, path in paths.items()
    }
    for variant, env in envs.items():
        check = "import composekit, sys; sys.stdout.write(composekit.__file__)"
        found = run_command([sys.executable, "-c", check], cwd=DEMO_DIR, env=env)
        if not found.startswith(str(paths[variant])):
            raise AssertionError(f"{variant} imports composekit from {found}")
    with tempfile.TemporaryDirectory(dir=tmp) as logs:
        servers: dict[tuple[str, str], Server] = {}
        with ExitStack() as running:
            for variant, env in envs.items():
                for setup, cache in SETUPS.items():
                    servers[variant, setup] = running.enter_context(
                        demo_server({**env, "DEMO_SHELL_CACHE": cache}, Path(logs), workers=1, threads=1)
                    )

            def one(key: tuple[str, str]) -> Any:
                variant, setup = key
                if setup != "guard":
                    return measure(servers[key], seconds)
                out = run_command([sys.executable, "-c", GUARD_ONLY], cwd=DEMO_DIR, env=envs[variant])
                return tuple(float(line) for line in out.split())

            keys = [*servers, *((variant, "guard") for variant in paths)]
            samples = interleaved(keys, rounds, one)
    values: dict[str, dict[str, list[float]]] = {setup: {} for setup in LABELS}
    for (variant, setup), runs in samples.items():
        if setup == "guard":
            values["guard"][variant] = [pure for pure, _ in runs]
            values["guard-impure"][variant] = [impure for _, impure in runs]
        else:
            values[setup][variant] = runs
    log(f"  guard alone: {summarize(values['guard']['after'])['median']:.1f} µs")
    return {
        "before": commit,
        "same_code": same,
        "rounds": rounds,
        "seconds": seconds,
        "rows": {
            setup: {
                "label": LABELS[setup],
                **{variant: summarize(v) for variant, v in by.items()},
                "ratio": summarize([a / b for b, a in zip(by["before"], by["after"], strict=True)]),
            }
            for setup, by in values.items()
        },
    }


def main() -> None:
    from .report import shell_guard_section

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--before", default=None, help="git ref of the old composekit (default: merge-base with main)"
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prepare(Path(tmp) / "demo")
        results = run(
            Path(tmp) / "demo", Path(tmp), rounds=args.rounds, seconds=args.seconds, before=args.before
        )
    print("\n".join(shell_guard_section(results)))


if __name__ == "__main__":
    main()
