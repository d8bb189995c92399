"""``python -m bench``: run every benchmark and write ``docs/benchmarks.md``.

``--quick`` runs each at a tiny size (the smoke test's mode); ``--json`` also saves the raw
results. Servers listen on 127.0.0.1 only; every load generator stops by time and count.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from demo.launch import DEMO_DIR, demo_env

from . import browser, endpoint, loader_size, memory, server_cost
from .demo_data import catalog_paths, log_in_all, new_session, parse_shell, prepare_demo, usernames
from .machine import load, machine
from .procs import Gunicorn, gunicorn
from .report import render

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sizes:
    sessions: int = 20
    pages: int = 9
    duration: float = 4.0  # seconds per measured run of a server-cost scenario
    warmup: float = 2.0
    rounds: int = 5
    max_views: int = 100_000
    endpoint_iterations: int = 200
    endpoint_rounds: int = 11
    browser_sizes: tuple[int, ...] = (1, 5, 20)
    browser_runs: int = 15
    browser_warmup: int = 2
    memory_total: int = 10_000
    memory_every: int = 1_000
    memory_warmup: int = 500
    memory_tail: int = 10_000
    memory_tail_every: int = 2_000
    peers: tuple[tuple[str, str], ...] = loader_size.PEERS


QUICK = Sizes(
    sessions=2,
    pages=2,
    duration=0.5,
    warmup=0.3,
    rounds=2,
    max_views=200,
    endpoint_iterations=20,
    endpoint_rounds=2,
    browser_sizes=(1, 5),
    browser_runs=2,
    browser_warmup=0,
    memory_total=100,
    memory_every=50,
    memory_warmup=20,
    memory_tail=100,
    memory_tail_every=50,
    peers=(("htmx.org", "htmx.org"),),
)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# gthread workers keep connections alive, as a browser's are (behind nginx, or over HTTP/2):
# a sync worker would charge every fragment request a new TCP connection.
WORKERS, THREADS = 2, 4
SERVER = f"{WORKERS} gthread workers × {THREADS} threads each, keep-alive"


def demo_server(
    workdir: Path, log: Path, mode: str, *, workers: int = WORKERS, threads: int = THREADS
) -> AbstractContextManager[Gunicorn]:
    """The demo under gunicorn on a free loopback port, in composekit ``mode``."""
    return gunicorn(
        "demo_site.wsgi",
        cwd=DEMO_DIR,
        env=demo_env(workdir, COMPOSEKIT_MODE=mode),
        log=log,
        workers=workers,
        threads=threads,
    )


def run_all(sizes: Sizes, tmp: Path) -> dict[str, Any]:
    started = time.monotonic()
    loads = [("start", load())]
    results: dict[str, Any] = {
        "machine": machine(),
        "sizes": asdict(sizes),
        "date": time.strftime("%Y-%m-%d"),
    }

    log("(3) loader size: npm install into a temporary folder")
    results["loader_size"] = loader_size.run_sizes(tmp / "npm", sizes.peers)
    htmx = next((Path(r["path"]) for r in results["loader_size"]["rows"] if r["name"] == "htmx.org"), None)
    loads.append(("after (3) loader size", load()))

    log("preparing the demo: database, static files, shoppers")
    workdir = tmp / "demo"
    prepare_demo(workdir, sizes.sessions)
    with (
        demo_server(workdir, tmp / "client.log", "client") as client,
        demo_server(workdir, tmp / "inline.log", "inline") as inline,
    ):
        log(f"logging in {sizes.sessions} shoppers")
        sessions = log_in_all(client.url, usernames(sizes.sessions))
        with new_session() as anonymous:
            shells = [
                parse_shell(path, anonymous.get(client.url + path, timeout=30).text)
                for path in catalog_paths(client.url, sizes.pages)
            ]
        page = sessions[0].get(inline.url + "/", timeout=30).text
        if 'class="user-name"' not in page:
            raise RuntimeError("the inline demo does not see the session as logged in")
        log("(1) server cost: composed vs monolithic")
        results["server_cost"] = server_cost.run(
            server_cost.Servers(client, inline),
            sessions,
            shells,
            duration=sizes.duration,
            warmup=sizes.warmup,
            rounds=sizes.rounds,
            max_views=sizes.max_views,
            log=log,
        )
        results["server_cost"]["server"] = SERVER
    loads.append(("after (1) server cost", load()))

    log("(5) memory: one worker, fragment requests")
    with demo_server(workdir, tmp / "memory.log", "client", workers=1, threads=1) as single:
        results["memory"] = memory.run(
            single,
            sessions,
            shells,
            total=sizes.memory_total,
            every=sizes.memory_every,
            warmup=sizes.memory_warmup,
            tail=sizes.memory_tail,
            tail_every=sizes.memory_tail_every,
            log=log,
        )
    loads.append(("after (5) memory", load()))

    log("(2) endpoint overhead, in one process")
    results["endpoint"] = endpoint.run(
        demo_env(workdir, COMPOSEKIT_MODE="client"),
        iterations=sizes.endpoint_iterations,
        rounds=sizes.endpoint_rounds,
    )
    loads.append(("after (2) endpoint", load()))

    log("(4) time to fragments in Chromium")
    results["browser"] = browser.run(
        htmx,
        tmp / "logs",
        sizes=sizes.browser_sizes,
        runs=sizes.browser_runs,
        warmup=sizes.browser_warmup,
        log=log,
    )
    loads.append(("end", load()))
    results["load"] = loads
    results["duration_s"] = time.monotonic() - started
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every benchmark works")
    parser.add_argument(
        "--out", type=Path, help="the Markdown report (default docs/benchmarks.md, none with --quick)"
    )
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick else ROOT / "docs" / "benchmarks.md")
    with tempfile.TemporaryDirectory(prefix="composekit-bench-") as tmp:
        results = run_all(QUICK if args.quick else Sizes(), Path(tmp))
    results["quick"] = args.quick
    # Temporary paths mean nothing once the folder is gone.
    text = re.sub(r"/tmp/composekit-bench-[^/\"]+", "<tmp>", json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(text)
    if out:
        out.write_text(render(json.loads(text)))
        log(f"wrote {out}")
    log(f"done in {results['duration_s']:.0f} s")


if __name__ == "__main__":
    main()
