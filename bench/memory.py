"""(5) Memory: RSS of one gunicorn worker across 10,000 fragment requests.

The demo in client mode, one sync worker (so every request lands in the process sampled),
the logged-in sessions of (1) sending the catalog's eager fragments, half of them
revalidated with the ETag they got before (304). RSS is sampled after a warm-up and then
after every batch; a leak shows as a slope, allocator noise as steps that do not add up.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import requests

from .demo_data import TIMEOUT, Shell
from .procs import Gunicorn, rss_kib
from .stats import slope

THREADS = 4


def _send(
    server: Gunicorn,
    sessions: Sequence[requests.Session],
    srcs: Sequence[str],
    etags: dict[tuple[int, str], str],
    count: int,
    offset: int,
) -> Counter[int]:
    """Send ``count`` fragment requests from ``THREADS`` threads; the statuses seen."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    numbers = iter(range(offset, offset + count))

    def worker(thread: int) -> None:
        # requests.Session is not thread-safe: each thread owns the sessions of its residue.
        mine = [i for i in range(len(sessions)) if i % THREADS == thread]
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            who = mine[number % len(mine)]
            src = srcs[number % len(srcs)]
            headers = {}
            if number % 2 and (who, src) in etags:
                headers["If-None-Match"] = etags[(who, src)]
            response = sessions[who].get(server.url + src, headers=headers, timeout=TIMEOUT)
            if response.status_code == 200:
                etags[(who, src)] = response.headers["ETag"]
            with lock:
                statuses[response.status_code] += 1

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(min(THREADS, len(sessions)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def run(
    server: Gunicorn,
    sessions: Sequence[requests.Session],
    shells: Sequence[Shell],
    *,
    total: int,
    every: int,
    warmup: int,
    tail: int,
    tail_every: int,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Sample RSS over ``total`` requests, then over ``tail`` more: a leak keeps growing in
    the tail; a worker settling in (allocator arenas, caches filling up) does not."""
    (worker,) = server.worker_pids()
    srcs = list(dict.fromkeys(itertools.chain.from_iterable(s.eager for s in shells)))
    etags: dict[tuple[int, str], str] = {}  # (session, URL) -> ETag; each key used by one thread
    statuses = _send(server, sessions, srcs, etags, warmup, 0)
    series = [(0, rss_kib(worker))]
    sent = 0
    while sent < total + tail:
        batch = min(every if sent < total else tail_every, total + tail - sent)
        statuses += _send(server, sessions, srcs, etags, batch, warmup + sent)
        sent += batch
        series.append((sent, rss_kib(worker)))
        log(f"  {sent:>6} requests: worker RSS {series[-1][1] / 1024:.1f} MiB")
    if server.worker_pids() != [worker]:
        raise AssertionError("the gunicorn worker was replaced during the run")
    main = [(n, kib) for n, kib in series if n <= total]
    late = [(n, kib) for n, kib in series if n >= total]
    return {
        "total": total,
        "every": every,
        "warmup": warmup,
        "tail": tail,
        "tail_every": tail_every,
        "fragments": sorted({src.split("?", 1)[0].rstrip("/").rsplit("/", 1)[1] for src in srcs}),
        "series_kib": series,
        "growth_kib": main[-1][1] - main[0][1],
        "slope_kib_per_1000": slope([n for n, _ in main], [k for _, k in main]) * 1000,
        "tail_growth_kib": late[-1][1] - late[0][1],
        "tail_slope_kib_per_1000": slope([n for n, _ in late], [k for _, k in late]) * 1000,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
