"""Every benchmark of ``make bench`` at tiny sizes: the code keeps working and its numbers are sane.

Runs ``python -m bench --quick`` (its own gunicorns on 127.0.0.1, Chromium, an npm install of
htmx into a temporary folder) and checks the raw results. No timing assertions: timings
belong in ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("bench")
    out, raw = folder / "benchmarks.md", folder / "results.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", f"--out={out}", f"--json={raw}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=420,
    )
    assert run.returncode == 0, run.stderr[-5000:]
    data: dict[str, Any] = json.loads(raw.read_text())
    data["markdown"] = out.read_text()
    return data


def positive(summary: dict[str, float]) -> bool:
    values = [summary["median"], summary["low"], summary["high"]]
    return (
        all(math.isfinite(v) and v > 0 for v in values)
        and summary["low"] <= summary["median"] <= summary["high"]
    )


def test_server_cost_measures_every_scenario(results: dict[str, Any]) -> None:
    cost = results["server_cost"]
    assert set(cost["scenarios"]) == {"monolithic", "composed", "composed-repeat", "composed-lazy", "shell"}
    for kind, scenario in cost["scenarios"].items():
        assert scenario["errors"] == [], kind
        assert scenario["views"] > 0, kind
        assert positive(scenario["views_per_s"]), kind
        assert positive(scenario["cpu_ms_per_view"]), kind
    labels = {kind: s["labels"] for kind, s in cost["scenarios"].items()}
    # The demo's catalog: two eager fragments, one lazy; shells from Django's cache.
    assert cost["eager_per_page"] == 2 and cost["lazy_per_page"] == 1
    assert set(labels["monolithic"]) == {"page 200"}
    assert set(labels["composed"]) == {"shell hit", "fragment 200"}
    assert set(labels["composed-repeat"]) == {"shell hit", "fragment 304"}
    assert cost["scenarios"]["composed"]["requests_per_view"] == 3
    assert cost["scenarios"]["composed-lazy"]["requests_per_view"] == 4
    assert cost["scenarios"]["shell"]["requests_per_view"] == 1
    for ratio in cost["ratios"].values():
        assert positive(ratio["cpu"]) and positive(ratio["throughput"])


def test_endpoint_times_every_variant(results: dict[str, Any]) -> None:
    endpoint = results["endpoint"]
    assert set(endpoint["fragments"]) == {"cart-summary", "user-menu"}
    for levels in endpoint["fragments"].values():
        for level in ("view", "stack"):
            assert all(positive(s) for s in levels[level]["us"].values())
            assert positive(levels[level]["overhead"]) and positive(levels[level]["not_modified_speedup"])
    for profile in endpoint["profiles"].values():
        assert profile["total_us"] > 0
        assert any("composekit/" in row["function"] for row in profile["watched_by_cumtime"])


def test_loader_sizes_are_plausible(results: dict[str, Any]) -> None:
    rows = {row["name"]: row for row in results["loader_size"]["rows"]}
    assert set(rows) == {"composekit", "htmx.org"}
    for row in rows.values():
        assert 0 < row["gzip"] < row["minified"]
    assert rows["htmx.org"]["how"].startswith("shipped")


def test_browser_times_both_loaders(results: dict[str, Any]) -> None:
    rows = results["browser"]["rows"]
    assert {(r["fragments"], r["loader"]) for r in rows} == {
        (n, loader) for n in (1, 5) for loader in ("composekit", "htmx")
    }
    for row in rows:
        assert positive(row["done_ms"]) and positive(row["floor_ms"])
        # A fragment is swapped in after its request started.
        assert row["first_fetch_ms"]["median"] <= row["done_ms"]["median"]
        # The document, the loader's script, the fragments (and maybe a favicon): htmx asks
        # once per fragment, composekit once per page (a batch, or one fragment alone).
        fetches = row["fragments"] if row["loader"] == "htmx" else 1
        assert fetches + 2 <= row["requests"] <= fetches + 3


def test_memory_samples_the_worker(results: dict[str, Any]) -> None:
    memory = results["memory"]
    assert [n for n, _ in memory["series_kib"]] == [0, 50, 100, 150, 200]
    assert all(kib > 10_000 for _, kib in memory["series_kib"])  # a Django worker: tens of MiB
    assert set(memory["statuses"]) <= {"200", "304"}
    assert math.isfinite(memory["slope_kib_per_1000"]) and math.isfinite(memory["tail_slope_kib_per_1000"])


def test_server_cache_times_every_variant(results: dict[str, Any]) -> None:
    for cache, expected in (("redis", "RedisCache"), ("locmem", "LocMemCache")):
        data = results["server_cache"][cache]
        assert data["cache"] == expected
        for level in ("view", "stack"):
            times = data["levels"][level]
            assert set(times["us"]) == {"cold", "miss", "hit", "revalidated"}
            assert all(positive(t["total"]) for t in times["us"].values())
            assert positive(times["cold_over_hit"]) and positive(times["cold_over_revalidated"])
        assert positive(data["cache_call_us"]["get"])
    assert positive(results["server_cache"]["redis"]["cache_call_us"]["client"])
    assert "client" not in results["server_cache"]["locmem"]["cache_call_us"]


def test_a_stale_hot_fragment_is_regenerated_once(results: dict[str, Any]) -> None:
    stampede = results["stampede"]
    assert stampede["concurrency"] == 50
    assert stampede["key"].startswith("composekit:stock-price:sku=")
    stale, missing = stampede["cases"]["stale"], stampede["cases"]["missing"]
    assert sum(stale["responses"].values()) == sum(missing["responses"].values()) == 50
    assert set(stale["responses"]) <= {"200 stale", "200 hit"}
    assert stale["entry writes"] == 1
    assert stale["lock attempts"] >= 1
    assert missing["entry writes"] == missing["responses"].get("200 miss", 0) >= 1


def test_esi_loader_and_monolithic_page_views(results: dict[str, Any]) -> None:
    scenarios = results["esi"]["scenarios"]
    assert set(scenarios) == {"esi", "loader", "monolithic"}
    for kind, scenario in scenarios.items():
        assert scenario["errors"] == [], kind
        assert scenario["views"] > 0, kind
        cpu = scenario["cpu_ms_per_view"]
        assert positive(cpu["gunicorn"]) and positive(cpu["total"]), kind
        # Whole clock ticks (10 ms) over a short run: varnishd and Redis may show 0.
        assert cpu["varnishd"]["low"] >= 0 and cpu["redis-server"]["low"] >= 0, kind
    labels = {kind: set(s["labels"]) for kind, s in scenarios.items()}
    # The shell comes from Varnish's cache; a per-user page never does.
    assert labels["esi"] == {"page HIT", "fragment PASS"}
    assert labels["loader"] == {"page HIT", "fragment PASS"}
    assert labels["monolithic"] == {"page PASS"}
    assert scenarios["esi"]["requests_per_view"] == 2  # the page, then the lazy fragment
    assert scenarios["loader"]["requests_per_view"] == 4  # the shell, two eager, one lazy
    assert scenarios["monolithic"]["requests_per_view"] == 1


def test_the_report_has_every_section(results: dict[str, Any]) -> None:
    markdown = results["markdown"]
    for heading in (
        "## Summary",
        "## Machine and versions",
        "## 1. Server cost",
        "## 2. Endpoint overhead",
        "## 3. Loader size",
        "## 4. Time to fragments",
        "## 5. Memory",
        "## 6. Server-side fragment cache",
        "## 7. A logged-in page view",
    ):
        assert heading in markdown
    assert "Quick run" in markdown
