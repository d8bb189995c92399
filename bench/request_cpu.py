"""The CPU time of every request a gunicorn worker serves, by kind: where server CPU goes.

Loaded as gunicorn's configuration (``--config=python:bench.request_cpu``, with
``BENCH_REQUEST_CPU`` naming a folder). gunicorn calls ``pre_request`` and ``post_request``
in the thread that serves the request, so the thread's CPU time between them is the
request's: the WSGI environ, Django, writing the response. What a worker spends outside
them (accepting and polling connections, parsing request heads) and the master's CPU stay
in the processes' totals only. Each worker keeps ``(time, kind, CPU seconds)`` in memory and
writes them to ``<folder>/<pid>.tsv`` when it exits; ``read()`` gathers them.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

_started = threading.local()
_served: list[tuple[float, str, float]] = []


def kind(method: str, path: str, query: str, status: int, headers: list[tuple[str, str]]) -> str:
    """What a request was, in a few words: ``shell (hit)``, ``batch of 2``, ``fragment
    recommended 200``, ``page``, ``POST /cart/add/``, ``static``."""
    if method not in ("GET", "HEAD"):
        return f"{method} {path}"
    if path.startswith("/static/"):
        return "static"
    if path.startswith("/_composekit/_batch/"):
        return f"batch of {len(parse_qs(query).get('f', []))}"
    if path.startswith("/_composekit/"):
        return f"fragment {path.split('/')[2]} {status}"
    shell = next((value for name, value in headers if name.lower() == "x-shell-cache"), None)
    label = "page" if shell is None else f"shell ({shell} in Django's cache)"
    return label if status == 200 else f"{label} {status}"


def pre_request(worker: Any, req: Any) -> None:
    _started.cpu = time.thread_time()


def post_request(worker: Any, req: Any, environ: dict[str, Any], resp: Any) -> None:
    cpu = time.thread_time() - getattr(_started, "cpu", time.thread_time())
    label = kind(
        environ.get("REQUEST_METHOD", ""),
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        getattr(resp, "status_code", 0) or 0,
        getattr(resp, "headers", None) or [],
    )
    _served.append((time.time(), label, cpu))  # list.append is atomic: threads share it


def worker_exit(server: Any, worker: Any) -> None:
    folder = os.environ.get("BENCH_REQUEST_CPU")
    if folder:
        lines = (f"{at:.6f}\t{label}\t{cpu:.7f}\n" for at, label, cpu in _served)
        (Path(folder) / f"{os.getpid()}.tsv").write_text("".join(lines))


def read(folder: Path) -> list[tuple[float, str, float]]:
    """Every request the workers wrote: ``(time, kind, CPU seconds)``, in time order."""
    rows = []
    for path in folder.glob("*.tsv"):
        for line in path.read_text().splitlines():
            at, label, cpu = line.split("\t")
            rows.append((float(at), label, float(cpu)))
    return sorted(rows)
