"""(5) Memory: RSS of one gunicorn worker across 10,000 fragment requests.

The demo in client mode, one sync worker (so every request lands in the process sampled),
the logged-in sessions of (1) sending the catalog's eager fragments, every other pass
revalidated with the ETags the pass before got (304). RSS is sampled after a warm-up and then
after every batch; a leak shows as a slope, allocator noise as steps that do not add up.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import requests

from harness.servers import Server, rss_kib

from .demo_data import TIMEOUT, Shell, fragment_name, in_threads
from .stats import slope

THREADS = 4


def _send(
    server: Server,
    sessions: Sequence[requests.Session],
    srcs: Sequence[str],
    etags: dict[tuple[int, str], str],
    count: int,
    offset: int,
) -> Counter[int]:
    """Send requests ``offset`` to ``offset + count - 1`` from ``THREADS`` threads; the statuses seen."""
    threads = min(THREADS, len(sessions))

    def worker(thread: int) -> Counter[int]:
        # requests.Session is not thread-safe: each thread owns the sessions of its residue,
        # and with them their keys in ``etags``.
        mine = range(thread, len(sessions), threads)
        statuses: Counter[int] = Counter()
        for number in range(offset + thread, offset + count, threads):
            # The thread's n-th request: every session and fragment in turn, a pass in full
            # (200), the next revalidated with the ETags of the one before (304).
            n = number // threads
            who, src = mine[n % len(mine)], srcs[n // len(mine) % len(srcs)]
            headers = {}
            if n // (len(mine) * len(srcs)) % 2 and (who, src) in etags:
                headers["If-None-Match"] = etags[(who, src)]
            response = sessions[who].get(server.url + src, headers=headers, timeout=TIMEOUT)
            if response.status_code == 200:
                etags[(who, src)] = response.headers["ETag"]
            statuses[response.status_code] += 1
        return statuses

    return sum(in_threads(threads, worker), Counter())


def run(
    server: Server,
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
        "fragments": sorted({fragment_name(src) for src in srcs}),
        "series_kib": series,
        "growth_kib": main[-1][1] - main[0][1],
        "slope_kib_per_1000": slope([n for n, _ in main], [k for _, k in main]) * 1000,
        "tail_growth_kib": late[-1][1] - late[0][1],
        "tail_slope_kib_per_1000": slope([n for n, _ in late], [k for _, k in late]) * 1000,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
