"""composekit/metrics.py, prometheus.py and otel.py: the signals counted, labels bounded."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import checks
from django.test import Client, RequestFactory, override_settings
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import REGISTRY, CollectorRegistry

import composekit
from composekit import metrics, otel, prometheus
from composekit.purge import Outcome, Varnish, purge_now
from composekit.render import fragment_url
from composekit.signals import tags_purged
from composekit.versions import expire
from tests.recorder import RecordingServer, recording_server
from tests.testapp.fragments import Hello

pytestmark = pytest.mark.django_db

RESPONSES = "composekit_fragment_responses_total"


@pytest.fixture
def registry() -> Iterator[CollectorRegistry]:
    """A Prometheus recorder on a registry of its own, fed by the signals for one test."""
    registry = CollectorRegistry()
    metrics.connect([prometheus.PrometheusRecorder(registry)])
    yield registry
    metrics.connect([])


def count(registry: CollectorRegistry, name: str = RESPONSES, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["p"][0]


def test_client_requests_by_status_and_200s_timed(client: Client, registry: CollectorRegistry) -> None:
    url = fragment_url("hello")
    etag = client.get(url)["ETag"]
    client.get(url)
    client.get(url, headers={"If-None-Match": etag})
    client.get("/_composekit/hello/?p=tampered")
    assert count(registry, fragment="hello", mode="client", status="200") == 2
    assert count(registry, fragment="hello", mode="client", status="304") == 1
    assert count(registry, fragment="hello", mode="client", status="400") == 1
    timed = {"fragment": "hello", "mode": "client"}
    assert count(registry, "composekit_fragment_render_seconds_count", **timed) == 2  # 200s only
    assert count(registry, "composekit_fragment_render_seconds_sum", **timed) > 0


def test_batch_parts_and_batch_sizes(client: Client, registry: CollectorRegistry) -> None:
    parts = [f"hello:{token(fragment_url('hello'))}", f"staff:{token(fragment_url('staff'))}"]
    assert client.get("/_composekit/_batch/", {"f": parts}).status_code == 200
    assert client.get("/_composekit/_batch/", {"f": parts[:1]}).status_code == 200
    assert count(registry, fragment="hello", mode="batch", status="200") == 2
    assert count(registry, fragment="staff", mode="batch", status="403") == 1
    assert count(registry, fragment="hello", mode="client", status="200") == 0
    assert count(registry, "composekit_batch_parts_count") == 2
    assert count(registry, "composekit_batch_parts_sum") == 3
    assert count(registry, "composekit_batch_parts_bucket", le="1.0") == 1


@override_settings(COMPOSEKIT_MODE="inline")
def test_inline_fragments(client: Client, registry: CollectorRegistry) -> None:
    assert client.get("/inline-page/outer/").status_code == 200  # outer holds hello
    assert count(registry, fragment="outer", mode="inline", status="200") == 1
    assert count(registry, fragment="hello", mode="inline", status="200") == 1
    assert count(registry, fragment="hello", mode="client", status="200") == 0


def test_esi_includes(client: Client, registry: CollectorRegistry) -> None:
    assert client.get(fragment_url("hello") + "&esi=1").status_code == 200
    assert count(registry, fragment="hello", mode="esi", status="200") == 1
    assert count(registry, fragment="hello", mode="client", status="200") == 0


def test_server_cache_results(client: Client, registry: CollectorRegistry) -> None:
    url = fragment_url("stock", sku="m-1")
    client.get(url)
    client.get(url)
    expire("product", "m-1")
    client.get(url)
    assert count(registry, "composekit_fragment_server_cache_total", fragment="stock", result="miss") == 2
    assert count(registry, "composekit_fragment_server_cache_total", fragment="stock", result="hit") == 1
    assert count(registry, fragment="stock", mode="client", status="200") == 3


def test_an_unregistered_class_is_counted_under_one_label(
    rf: RequestFactory, registry: CollectorRegistry
) -> None:
    class Impostor(Hello):  # not registered: "hello" names Hello
        pass

    request = rf.get(fragment_url("hello"))
    assert Impostor.as_view()(request).status_code == 200
    assert count(registry, fragment=metrics.OTHER, mode="client", status="200") == 1
    assert count(registry, fragment="hello", mode="client", status="200") == 0


def test_purges_sent_and_failed_with_their_latency(registry: CollectorRegistry) -> None:
    server: RecordingServer
    with recording_server() as server:
        server.answers = [(503, "Busy", b"")]
        specs = [{"BACKEND": "composekit.purge.Varnish", "OPTIONS": {"urls": [server.url]}}]
        with override_settings(COMPOSEKIT_PURGE_BACKENDS=specs, COMPOSEKIT_PURGE_BACKOFF=0.001):
            assert purge_now(["a"]) == [Outcome("Varnish", server.url, True, 2)]
    assert count(registry, "composekit_purge_requests_total", backend="Varnish", result="failed") == 1
    assert count(registry, "composekit_purge_requests_total", backend="Varnish", result="ok") == 1
    assert count(registry, "composekit_purge_seconds_count", backend="Varnish") == 2


def test_the_setting_connects_the_process_recorder_and_the_view_shows_it(client: Client) -> None:
    url = fragment_url("news")
    labels = {"fragment": "news", "mode": "client", "status": "200"}
    with override_settings(COMPOSEKIT_METRICS="prometheus"):
        before = REGISTRY.get_sample_value(RESPONSES, labels) or 0.0
        client.get(url)
        assert REGISTRY.get_sample_value(RESPONSES, labels) == before + 1
        response = prometheus.view(RequestFactory().get("/metrics"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert response["Cache-Control"] == "no-store"
    line = 'composekit_fragment_responses_total{fragment="news",mode="client",status="200"} '
    assert f"{line}{before + 1}" in response.content.decode()
    client.get(url)  # the setting is gone: nothing counts
    assert REGISTRY.get_sample_value(RESPONSES, labels) == before + 1


def test_opentelemetry(client: Client) -> None:
    reader = InMemoryMetricReader()
    metrics.connect([otel.Recorder(MeterProvider(metric_readers=[reader]))])
    try:
        url = fragment_url("hello")
        etag = client.get(url)["ETag"]
        client.get(url, headers={"If-None-Match": etag})
        client.get("/_composekit/_batch/", {"f": [f"hello:{token(url)}"]})
        client.get(fragment_url("stock", sku="o-1"))
        tags_purged.send(Varnish, target="t", tags=["a"], ok=False, attempt=1, duration=0.01, error="x")
    finally:
        metrics.connect([])
    data = reader.get_metrics_data()
    assert data is not None
    found: dict[str, Any] = {
        m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    responses = {
        (p.attributes["fragment"], p.attributes["mode"], p.attributes["status"]): p.value
        for p in found["composekit.fragment.responses"].data.data_points
    }
    assert responses == {
        ("hello", "client", 200): 1,
        ("hello", "client", 304): 1,
        ("hello", "batch", 200): 1,
        ("stock", "client", 200): 1,
    }
    renders = {
        tuple(p.attributes.values()): p.count
        for p in found["composekit.fragment.render.duration"].data.data_points
    }
    assert renders == {("hello", "client"): 1, ("hello", "batch"): 1, ("stock", "client"): 1}
    [cache] = found["composekit.fragment.server_cache"].data.data_points
    assert (dict(cache.attributes), cache.value) == ({"fragment": "stock", "result": "miss"}, 1)
    [parts] = found["composekit.batch.parts"].data.data_points
    assert (parts.count, parts.sum) == (1, 1)
    [purges] = found["composekit.purge.requests"].data.data_points
    assert (dict(purges.attributes), purges.value) == ({"backend": "Varnish", "result": "failed"}, 1)
    [purge_time] = found["composekit.purge.duration"].data.data_points
    assert purge_time.count == 1


def test_the_view_collects_every_process_in_multiprocess_mode(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # This process writes no files (its prometheus-client was imported without the variable):
    # the view reads the folder only, and finds nothing in it.
    response = prometheus.view(RequestFactory().get("/metrics"))
    assert response.status_code == 200 and response.content == b""


def test_the_setting_builds_an_opentelemetry_recorder() -> None:
    with override_settings(COMPOSEKIT_METRICS=["opentelemetry"]):
        assert [type(r) for r in metrics._recorders] == [otel.Recorder]
    assert metrics._recorders == ()


def ids(**settings: Any) -> list[str]:
    with override_settings(**settings):
        return [
            str(m.id)
            for m in checks.run_checks()
            if str(m.id).startswith("composekit.") and not m.is_silenced()
        ]


def test_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ids(COMPOSEKIT_METRICS=["prometheus", "opentelemetry"]) == []
    assert ids(COMPOSEKIT_METRICS=["statsd"]) == ["composekit.E005"]
    assert ids(COMPOSEKIT_METRICS={"prometheus": 1}) == ["composekit.E005"]
    monkeypatch.setitem(sys.modules, "prometheus_client", None)  # what a missing package does
    with override_settings(COMPOSEKIT_METRICS="prometheus"):
        [message] = [
            m for m in checks.run_checks() if str(m.id).startswith("composekit.") and not m.is_silenced()
        ]
    assert message.id == "composekit.E009"
    assert message.hint == "pip install 'composekit[prometheus]'; see docs/observability.md."


def test_a_backend_that_cannot_be_built_is_left_out_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValueError, match="'statsd' is not one of prometheus, opentelemetry"):
        metrics.recorder_for("statsd")
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    monkeypatch.delitem(sys.modules, "composekit.otel")  # imported afresh, and failing
    monkeypatch.delattr(composekit, "otel")
    with override_settings(COMPOSEKIT_METRICS=["opentelemetry", "statsd"]):
        assert metrics._recorders == ()
    assert [r.getMessage().split(":")[:2] for r in caplog.records if r.name == "composekit"] == [
        ["COMPOSEKIT_METRICS", " 'opentelemetry' left out"],
        ["COMPOSEKIT_METRICS", " 'statsd' left out"],
    ]


def test_a_regeneration_counts_as_a_server_cache_result_only(registry: CollectorRegistry) -> None:
    from composekit.signals import fragment_rendered

    fragment_rendered.send(
        sender=Hello, name="hello", duration=0.01, queries=0, db_time=0.0, status=200, inline=False,
        batch=False, cache="regenerated", request=None, response=None,
    )  # fmt: skip
    assert (
        count(registry, "composekit_fragment_server_cache_total", fragment="hello", result="regenerated") == 1
    )
    assert count(registry, fragment="hello", mode="client", status="200") == 0
