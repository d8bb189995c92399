"""(1) Server cost of a logged-in page view: composed (cached shell + fragments) vs monolithic.

Two gunicorns serve the demo from one database: one in client mode (shells + fragment
endpoints), one in inline mode (every fragment rendered into the page, per user). A pool of
threads, one per logged-in session, replays page views on the catalog for a fixed time; the
servers' CPU time (master + workers, from /proc) over the run divided by the page views
gives the CPU cost of one view, independent of how fast the load generator is.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.servers import Server

from .demo_data import TIMEOUT, Shell, fragment_name, in_threads
from .stats import interleaved, summarize

# kind -> what one page view is
SCENARIOS = {
    "monolithic": "the page rendered per user in inline mode (every fragment in it, lazy ones too)",
    "composed": "first view: the shell (a hit in Django's cache) + every eager fragment (200)",
    "composed-repeat": "repeat view: the shell + every eager fragment revalidated with If-None-Match (304)",
    "composed-lazy": "first view, scrolled down: the shell + eager and lazy fragments (200)",
    "shell": "the shell alone (a hit in Django's cache); what a CDN would take off the server",
}
COMPOSED = ("composed", "composed-repeat", "composed-lazy")
MAX_ERRORS = 10


@dataclass
class Servers:
    client: Server  # COMPOSEKIT_MODE=client
    inline: Server  # COMPOSEKIT_MODE=inline, same database


@dataclass
class _Run:
    deadline: float
    budget: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    views: int = 0
    requests: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

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
            if len(self.errors) < MAX_ERRORS:
                self.errors.append(message)


class PageViews:
    """What one logged-in visitor's page view sends, per scenario."""

    def __init__(
        self, servers: Servers, sessions: Sequence[requests.Session], shells: Sequence[Shell]
    ) -> None:
        self.servers = servers
        self.sessions = sessions
        self.shells = shells
        self.etags: dict[tuple[int, str], str] = {}  # (session, fragment URL) -> its ETag

    def view(self, kind: str, who: int, shell: Shell) -> list[str]:
        session = self.sessions[who]
        if kind == "monolithic":
            response = session.get(self.servers.inline.url + shell.path, timeout=TIMEOUT)
            _expect(response, 200)
            if 'state="loaded"' not in response.text:
                raise AssertionError(f"{shell.path}: the inline page holds no rendered fragment")
            return ["page 200"]
        labels = [self._shell(session, shell)]
        if kind == "shell":
            return labels
        srcs = shell.eager + (shell.lazy if kind == "composed-lazy" else ())
        for src in srcs:
            labels.append(self._fragment(who, src, revalidate=kind == "composed-repeat"))
        return labels

    def _shell(self, session: requests.Session, shell: Shell) -> str:
        response = session.get(self.servers.client.url + shell.path, timeout=TIMEOUT)
        _expect(response, 200)
        return f"shell {response.headers.get('X-Shell-Cache', 'uncached')}"

    def _fragment(self, who: int, src: str, *, revalidate: bool) -> str:
        headers = {}
        etag = self.etags.get((who, src))
        if revalidate and etag:
            headers["If-None-Match"] = etag
        response = self.sessions[who].get(self.servers.client.url + src, headers=headers, timeout=TIMEOUT)
        _expect(response, 304 if revalidate and etag else 200, 200)
        if response.status_code == 200:
            self.etags[(who, src)] = response.headers["ETag"]
        return f"fragment {response.status_code}"

    def prime(self) -> None:
        """Fetch every eager fragment once per session: the ETags a repeat view sends."""

        def one(who: int) -> None:
            for shell in self.shells:
                for src in shell.eager:
                    self._fragment(who, src, revalidate=False)

        in_threads(len(self.sessions), one)


def _expect(response: requests.Response, *statuses: int) -> None:
    if response.status_code not in statuses:
        raise AssertionError(f"{response.request.method} {response.url} answered {response.status_code}")


def measure(views: PageViews, kind: str, duration: float, max_views: int) -> dict[str, Any]:
    """Replay ``kind`` page views from every session at once, for ``duration`` seconds at most."""
    server = views.servers.inline if kind == "monolithic" else views.servers.client
    run = _Run(deadline=time.monotonic() + duration, budget=max_views)

    def visitor(who: int) -> None:
        turn = who  # sessions start on different pages
        while run.take():
            shell = views.shells[turn % len(views.shells)]
            turn += 1
            try:
                run.record(views.view(kind, who, shell))
            except (AssertionError, KeyError, requests.RequestException) as error:
                run.fail(f"{kind} {shell.path}: {error}")

    cpu_before, client_before, start = server.cpu_seconds(), time.process_time(), time.perf_counter()
    in_threads(len(views.sessions), visitor)
    wall = time.perf_counter() - start
    cpu = server.cpu_seconds() - cpu_before
    client_cpu = time.process_time() - client_before
    done = max(1, run.views - run.labels["error"])
    return {
        "views": run.views,
        "requests": run.requests,
        "wall": wall,
        "views_per_s": done / wall,
        "cpu_ms_per_view": cpu * 1000 / done,
        "client_cpu_ms_per_view": client_cpu * 1000 / done,
        "labels": dict(run.labels),
        "errors": run.errors,
    }


def run(
    servers: Servers,
    sessions: Sequence[requests.Session],
    shells: Sequence[Shell],
    *,
    duration: float,
    warmup: float,
    rounds: int,
    max_views: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    views = PageViews(servers, sessions, shells)
    views.prime()
    kinds = list(SCENARIOS)
    for kind in kinds:  # warm-up: every worker has rendered and cached every shell
        measure(views, kind, warmup, max_views)

    def one(kind: str) -> dict[str, Any]:
        result = measure(views, kind, duration, max_views)
        log(
            f"  {kind:<16} {result['views_per_s']:8.1f} views/s {result['cpu_ms_per_view']:7.2f} server CPU-ms/view"
        )
        return result

    runs = interleaved(kinds, rounds, one)
    scenarios: dict[str, Any] = {}
    for kind in kinds:
        results = runs[kind]
        labels: Counter[str] = Counter()
        for result in results:
            labels.update(result["labels"])
        views_total = sum(r["views"] for r in results)
        scenarios[kind] = {
            "description": SCENARIOS[kind],
            "views_per_s": summarize([r["views_per_s"] for r in results]),
            "cpu_ms_per_view": summarize([r["cpu_ms_per_view"] for r in results]),
            "client_cpu_ms_per_view": summarize([r["client_cpu_ms_per_view"] for r in results]),
            "requests_per_view": sum(r["requests"] for r in results) / max(1, views_total),
            "views": views_total,
            "labels": dict(labels),
            "errors": [e for r in results for e in r["errors"]][:MAX_ERRORS],
        }
    ratios = {}
    for kind in COMPOSED:
        per_round = zip(runs["monolithic"], runs[kind], strict=True)
        pairs = [
            (m["cpu_ms_per_view"] / c["cpu_ms_per_view"], c["views_per_s"] / m["views_per_s"])
            for m, c in per_round
        ]
        ratios[kind] = {
            "cpu": summarize([cpu for cpu, _ in pairs]),
            "throughput": summarize([tput for _, tput in pairs]),
        }
    return {
        "sessions": len(sessions),
        "pages": [shell.path for shell in shells],
        "eager_per_page": max(len(s.eager) for s in shells),
        "lazy_per_page": max(len(s.lazy) for s in shells),
        "eager_fragments": sorted({fragment_name(src) for s in shells for src in s.eager}),
        "lazy_fragments": sorted({fragment_name(src) for s in shells for src in s.lazy}),
        "duration": duration,
        "warmup": warmup,
        "rounds": rounds,
        "scenarios": scenarios,
        "ratios": ratios,
    }
