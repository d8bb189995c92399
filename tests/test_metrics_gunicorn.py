"""Prometheus metrics under real gunicorn with two workers, in multiprocess mode: the scraped
counts are exactly the requests sent, whichever worker served each (docs/observability.md)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from composekit.render import fragment_url
from harness.servers import Server, django_env, gunicorn, manage

pytestmark = pytest.mark.slow  # gunicorn workers under requests

SETTINGS = "tests.served.settings"
NO_PROXY = {"http": "", "https": ""}
ROUNDS = 20  # at most: rounds go on until both workers have served fragments


def get(url: str, **headers: str) -> requests.Response:
    # A new connection each time (no session): the two workers take turns accepting them.
    return requests.get(url, headers={"Connection": "close", **headers}, timeout=30, proxies=NO_PROXY)


def token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["p"][0]


def one_round(app: Server) -> None:
    """What every round sends; ``EXPECTED`` counts it."""
    hello = app.url + fragment_url("hello")
    etag = get(hello).headers["ETag"]
    assert get(hello, **{"If-None-Match": etag}).status_code == 304
    assert get(app.url + "/_composekit/hello/?p=tampered").status_code == 400
    parts = [f"hello:{token(hello)}", f"news:{token(fragment_url('news'))}"]
    batch = requests.get(app.url + "/_composekit/_batch/", {"f": parts}, timeout=30, proxies=NO_PROXY)
    assert [p["status"] for p in batch.json()] == [200, 200]
    assert get(hello + "&esi=1").status_code == 200
    page = get(app.url + "/inline-page/outer/")  # outer holds hello: two inline fragments
    assert 'state="loaded"' in page.text
    assert get(app.url + fragment_url("stock", sku="mp-1")).status_code == 200


EXPECTED = {
    ("hello", "client", "200"): 1,
    ("hello", "client", "304"): 1,
    ("hello", "client", "400"): 1,
    ("hello", "batch", "200"): 1,
    ("news", "batch", "200"): 1,
    ("hello", "esi", "200"): 1,
    ("outer", "inline", "200"): 1,
    ("hello", "inline", "200"): 1,
    ("stock", "client", "200"): 1,
}


def served_by(app: Server) -> Counter[str]:
    """Fragment requests per worker PID, from the access log (``%(p)s``: the worker's PID)."""
    return Counter(line.split()[0] for line in app.access_lines() if "/_composekit/" in line)


def test_two_workers_count_exactly_what_was_sent(tmp_path: Path) -> None:
    db, folder = str(tmp_path / "db.sqlite3"), tmp_path / "prometheus"
    folder.mkdir()
    manage(SETTINGS, "migrate", CK_SERVED_DB=db)
    env = django_env(
        SETTINGS,
        CK_SERVED_DB=db,
        CK_SERVED_MODE="inline",
        CK_SERVED_METRICS="prometheus",
        PROMETHEUS_MULTIPROC_DIR=str(folder),
    )
    with gunicorn(
        tmp_path,
        env=env,
        workers=2,
        threads=1,
        access_log=True,
        extra_args=["--access-logformat=%(p)s %(r)s"],
    ) as app:
        rounds, deadline = 0, time.monotonic() + 120
        while rounds < ROUNDS and time.monotonic() < deadline:
            one_round(app)
            rounds += 1
            if rounds >= 2 and len(served_by(app)) == 2:
                break
        assert len(served_by(app)) == 2, f"one worker served every fragment request: {served_by(app)}"
        scraped = get(app.url + "/metrics")
    assert scraped.status_code == 200
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(scraped.text)
        for s in family.samples
    }

    def value(name: str, **labels: str) -> float:
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    responses = {
        (dict(labels)["fragment"], dict(labels)["mode"], dict(labels)["status"]): v
        for (name, labels), v in samples.items()
        if name == "composekit_fragment_responses_total"
    }
    assert responses == {key: rounds * n for key, n in EXPECTED.items()}
    assert value("composekit_fragment_render_seconds_count", fragment="hello", mode="client") == rounds
    assert value("composekit_batch_parts_count") == rounds
    assert value("composekit_batch_parts_sum") == 2 * rounds
    # Each worker keeps its own server cache (local memory): which lookups hit depends on
    # which worker served them, but every lookup is a hit or a miss, and the first one missed.
    hits = value("composekit_fragment_server_cache_total", fragment="stock", result="hit")
    misses = value("composekit_fragment_server_cache_total", fragment="stock", result="miss")
    assert hits + misses == rounds and 1 <= misses <= 2
