"""Prometheus metrics (``COMPOSEKIT_METRICS = ["prometheus"]``), through ``prometheus-client``.

The metrics are registered once per process in ``prometheus_client.REGISTRY``, so whatever
exposes that registry exposes them (``view`` below, django-prometheus's ``/metrics``, your own
``start_http_server``). Under several worker processes (gunicorn), set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder for every process and expose them with
``view``, which then reads every worker's files (prometheus-client's multiprocess mode);
docs/observability.md shows the setup.
"""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

__all__ = ["PrometheusRecorder", "recorder", "view"]

# Fragments render in a millisecond or two when all is well; the default buckets start at 5 ms.
RENDER_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
PARTS_BUCKETS = (1, 2, 3, 5, 8, 13, 20, 30, 50)  # at most COMPOSEKIT_BATCH_MAX_PARTS, 50 by default
PURGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PrometheusRecorder:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.responses = Counter(
            "composekit_fragment_responses",
            "Fragment responses, by fragment, mode (client, batch, inline, esi) and status code.",
            ["fragment", "mode", "status"],
            registry=registry,
        )
        self.render = Histogram(
            "composekit_fragment_render_seconds",
            "Time a fragment's view took to answer 200, by fragment and mode.",
            ["fragment", "mode"],
            buckets=RENDER_BUCKETS,
            registry=registry,
        )
        self.cache_results = Counter(
            "composekit_fragment_server_cache",
            "What the server-side fragment cache did: hit, miss, stale, error, regenerated.",
            ["fragment", "result"],
            registry=registry,
        )
        self.batch_parts = Histogram(
            "composekit_batch_parts",
            "Fragments asked for per batch request.",
            buckets=PARTS_BUCKETS,
            registry=registry,
        )
        self.purges = Counter(
            "composekit_purge_requests",
            "Purge requests sent to shared caches (each attempt), by backend and result (ok, failed).",
            ["backend", "result"],
            registry=registry,
        )
        self.purge_time = Histogram(
            "composekit_purge_seconds",
            "How long a purge request took, by backend.",
            ["backend"],
            buckets=PURGE_BUCKETS,
            registry=registry,
        )
        # labels() takes a lock and builds a tuple each time: the children are kept here.
        self._responses: dict[tuple[str, str, int], Counter] = {}
        self._render: dict[tuple[str, str], Histogram] = {}

    def fragment(self, name: str, mode: str, status: int, duration: float) -> None:
        key = (name, mode, status)
        counter = self._responses.get(key)
        if counter is None:
            counter = self._responses[key] = self.responses.labels(name, mode, str(status))
        counter.inc()
        if status == 200:
            histogram = self._render.get(key[:2])
            if histogram is None:
                histogram = self._render[key[:2]] = self.render.labels(name, mode)
            histogram.observe(duration)

    def server_cache(self, name: str, result: str) -> None:
        self.cache_results.labels(name, result).inc()

    def batch(self, parts: int) -> None:
        self.batch_parts.observe(parts)

    def purge(self, backend: str, ok: bool, duration: float) -> None:
        self.purges.labels(backend, "ok" if ok else "failed").inc()
        self.purge_time.labels(backend).observe(duration)


_recorder: PrometheusRecorder | None = None


def recorder() -> PrometheusRecorder:
    """The process's recorder, on ``prometheus_client.REGISTRY`` (a metric registers once)."""
    global _recorder
    if _recorder is None:
        _recorder = PrometheusRecorder()
    return _recorder


@require_GET
def view(request: HttpRequest) -> HttpResponse:
    """The metrics in Prometheus's text format: this process's, or, with
    ``PROMETHEUS_MULTIPROC_DIR`` set, every worker's. Route it where only your scraper reaches."""
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    response = HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response
