"""(7) A logged-in page view composed by Varnish (ESI), by the loader, and monolithic.

Three copies of the demo under gunicorn share one database and one redis-server (the server
fragment cache and ``cached_db`` sessions), each behind a varnishd of its own running
docs/varnish/composekit.vcl: one in ESI mode, one in client mode, one in inline mode. The
same logged-in shoppers replay page views on catalog pages through each Varnish, one thread
per shopper, for a fixed time per run; runs interleave round by round. Server CPU per view is
the CPU time of every server process over the run (gunicorn's master and workers, varnishd's
manager and child, redis-server; from /proc) divided by the views served.

A page view is everything the page needs, the lazy fragment below the fold included:

- ``esi``: the page from Varnish, its eager fragments filled by Varnish from includes
  (private ones from Django), then the lazy fragment fetched as the loader would.
- ``loader``: the shell from Varnish's cache, then each fragment fetched through Varnish.
- ``monolithic``: the page rendered per user by Django in inline mode (passed by Varnish).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from harness.servers import Server

from .demo_data import TIMEOUT, in_threads, parse_shell
from .stats import interleaved, summarize

KINDS = {
    "esi": "Varnish assembles the page from includes; the lazy fragment by the loader",
    "loader": "the shell from Varnish, every fragment fetched by the loader through Varnish",
    "monolithic": "the page rendered per user by Django (inline mode), passed by Varnish",
}


@dataclass
class Stack:
    proxy: Server  # varnishd
    app: Server  # gunicorn

    def cpu(self) -> dict[str, float]:
        return {"gunicorn": self.app.cpu_seconds(), "varnishd": self.proxy.cpu_seconds()}


@dataclass
class _Run:
    deadline: float
    budget: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    views: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    labels: Counter[str] = field(default_factory=Counter)

    def take(self) -> bool:
        with self.lock:
            if self.views >= self.budget or time.monotonic() >= self.deadline:
                return False
            self.views += 1
            return True

    def record(self, labels: Sequence[str]) -> None:
        with self.lock:
            self.requests += len(labels)
            self.labels.update(labels)

    def fail(self, message: str) -> None:
        with self.lock:
            self.labels["error"] += 1
            if len(self.errors) < 10:
                self.errors.append(message)


def _get(session: requests.Session, url: str) -> requests.Response:
    response = session.get(url, timeout=TIMEOUT)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    return response


def view(kind: str, stacks: dict[str, Stack], session: requests.Session, path: str, user: str) -> list[str]:
    """One page view of ``kind`` by the shopper shown as ``user``; what each response was."""
    base = stacks[kind].proxy.url
    page = _get(session, base + path)
    labels = [f"page {page.headers.get('X-Cache')}"]
    if f'<span class="user-name">{user}</span>' not in page.text and kind != "loader":
        raise AssertionError(f"{kind} {path}: the page does not show {user}")
    shell = parse_shell(path, page.text)
    if kind == "monolithic":
        return labels
    srcs = (shell.eager if kind == "loader" else ()) + shell.lazy
    if kind == "esi" and (shell.eager or "<esi:" in page.text):
        raise AssertionError(f"esi {path}: Varnish left eager fragments unfilled")
    for src in srcs:
        response = _get(session, base + src)
        labels.append(f"fragment {response.headers.get('X-Cache')}")
    return labels


def measure(
    kind: str,
    stacks: dict[str, Stack],
    redis: Server,
    sessions: Sequence[tuple[str, requests.Session]],
    paths: Sequence[str],
    duration: float,
    max_views: int,
) -> dict[str, Any]:
    run = _Run(deadline=time.monotonic() + duration, budget=max_views)

    def visitor(who: int) -> None:
        user, session = sessions[who]
        turn = who
        while run.take():
            path = paths[turn % len(paths)]
            turn += 1
            try:
                run.record(view(kind, stacks, session, path, user))
            except (AssertionError, requests.RequestException) as error:
                run.fail(f"{kind} {path}: {error}")

    before = {**stacks[kind].cpu(), "redis-server": redis.cpu_seconds()}
    start = time.perf_counter()
    in_threads(len(sessions), visitor)
    wall = time.perf_counter() - start
    after = {**stacks[kind].cpu(), "redis-server": redis.cpu_seconds()}
    done = max(1, run.views - run.labels["error"])
    cpu = {name: (after[name] - before[name]) * 1000 / done for name in before}
    return {
        "views": run.views,
        "requests": run.requests,
        "views_per_s": done / wall,
        "cpu_ms_per_view": {**cpu, "total": sum(cpu.values())},
        "labels": dict(run.labels),
        "errors": run.errors,
    }


def run(
    stacks: dict[str, Stack],
    redis: Server,
    sessions: Sequence[tuple[str, requests.Session]],
    paths: Sequence[str],
    *,
    duration: float,
    warmup: float,
    rounds: int,
    max_views: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    kinds = list(KINDS)
    for kind in kinds:  # every shell in Varnish, every fragment's entry in Redis
        measure(kind, stacks, redis, sessions, paths, warmup, max_views)

    def one(kind: str) -> dict[str, Any]:
        result = measure(kind, stacks, redis, sessions, paths, duration, max_views)
        log(
            f"  {kind:<11} {result['views_per_s']:7.1f} views/s {result['cpu_ms_per_view']['total']:6.2f} server CPU-ms/view"
        )
        return result

    runs = interleaved(kinds, rounds, one)
    scenarios = {}
    for kind in kinds:
        results = runs[kind]
        labels: Counter[str] = Counter()
        for result in results:
            labels.update(result["labels"])
        views = sum(r["views"] for r in results)
        parts = results[0]["cpu_ms_per_view"].keys()
        scenarios[kind] = {
            "description": KINDS[kind],
            "views": views,
            "requests_per_view": sum(r["requests"] for r in results) / max(1, views),
            "views_per_s": summarize([r["views_per_s"] for r in results]),
            "cpu_ms_per_view": {p: summarize([r["cpu_ms_per_view"][p] for r in results]) for p in parts},
            "labels": dict(labels),
            "errors": [e for r in results for e in r["errors"]][:10],
        }
    ratios: dict[str, dict[str, float] | None] = {}
    for kind in ("esi", "loader"):
        # A round whose views cost less than one clock tick (10 ms) in all has no ratio: a
        # short run of views served by Varnish alone. With no round left, no ratio (the
        # report says so) rather than a division by zero.
        per_round = [
            m["cpu_ms_per_view"]["total"] / k["cpu_ms_per_view"]["total"]
            for m, k in zip(runs["monolithic"], runs[kind], strict=True)
            if k["cpu_ms_per_view"]["total"] > 0
        ]
        ratios[kind] = summarize(per_round) if per_round else None
    return {
        "sessions": len(sessions),
        "pages": list(paths),
        "duration": duration,
        "warmup": warmup,
        "rounds": rounds,
        "scenarios": scenarios,
        "monolithic_over": ratios,
    }


def prime(
    stacks: dict[str, Stack], sessions: Sequence[tuple[str, requests.Session]], paths: Sequence[str]
) -> None:
    """One view of each page by each shopper, every kind: nothing is cold when runs start."""

    def one(who: int) -> None:
        user, session = sessions[who]
        for kind in KINDS:
            for path in paths:
                view(kind, stacks, session, path, user)

    in_threads(len(sessions), one)
