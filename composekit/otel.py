"""OpenTelemetry metrics (``COMPOSEKIT_METRICS = ["opentelemetry"]``), through ``opentelemetry-api``.

The instruments come from the global ``MeterProvider`` (meter ``composekit``): configure the
SDK and its exporter (OTLP, Prometheus) as for the rest of your application, before or after
Django starts; until then the API's no-op provider records nothing. Same events and labels
(attributes) as ``prometheus.py``; docs/observability.md names them.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import metrics

__all__ = ["Recorder"]


class Recorder:
    def __init__(self, meter_provider: Any = None) -> None:
        meter = metrics.get_meter("composekit", meter_provider=meter_provider)
        self.responses = meter.create_counter(
            "composekit.fragment.responses",
            unit="{response}",
            description="Fragment responses, by fragment, mode and status code.",
        )
        self.render = meter.create_histogram(
            "composekit.fragment.render.duration",
            unit="s",
            description="Time a fragment's view took to answer 200, by fragment and mode.",
        )
        self.cache_results = meter.create_counter(
            "composekit.fragment.server_cache",
            unit="{lookup}",
            description="What the server-side fragment cache did: hit, miss, stale, error, regenerated.",
        )
        self.batch_parts = meter.create_histogram(
            "composekit.batch.parts", unit="{fragment}", description="Fragments asked for per batch request."
        )
        self.purges = meter.create_counter(
            "composekit.purge.requests",
            unit="{request}",
            description="Purge requests sent to shared caches (each attempt), by backend and result.",
        )
        self.purge_time = meter.create_histogram(
            "composekit.purge.duration", unit="s", description="How long a purge request took, by backend."
        )

    def fragment(self, name: str, mode: str, status: int, duration: float) -> None:
        self.responses.add(1, {"fragment": name, "mode": mode, "status": status})
        if status == 200:
            self.render.record(duration, {"fragment": name, "mode": mode})

    def server_cache(self, name: str, result: str) -> None:
        self.cache_results.add(1, {"fragment": name, "result": result})

    def batch(self, parts: int) -> None:
        self.batch_parts.record(parts)

    def purge(self, backend: str, ok: bool, duration: float) -> None:
        self.purges.add(1, {"backend": backend, "result": "ok" if ok else "failed"})
        self.purge_time.record(duration, {"backend": backend})
