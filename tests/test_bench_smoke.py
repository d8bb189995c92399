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

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def bench(*args: str, timeout: float) -> None:
    """``python -m bench`` with ``args``, which must succeed."""
    run = subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert run.returncode == 0, run.stderr[-5000:]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("bench")
    out, raw = folder / "benchmarks.md", folder / "results.json"
    bench("--quick", f"--out={out}", f"--json={raw}", timeout=900)
    data: dict[str, Any] = json.loads(raw.read_text())
    data["markdown"] = out.read_text()
    return data


def positive(summary: dict[str, float]) -> bool:
    values = [summary["median"], summary["low"], summary["high"]]
    return (
        all(math.isfinite(v) and v > 0 for v in values)
        and summary["low"] <= summary["median"] <= summary["high"]
    )


def ticked(summary: dict[str, float]) -> bool:
    """A CPU time read in whole clock ticks: finite, never negative, ordered, and above 0 in
    at least one run."""
    values = [summary["median"], summary["low"], summary["high"]]
    return (
        all(math.isfinite(v) and v >= 0 for v in values)
        and summary["low"] <= summary["median"] <= summary["high"]
        and summary["high"] > 0
    )


def test_browsing_measures_every_variant_on_equal_content(results: dict[str, Any]) -> None:
    browsing = results["browsing"]
    assert browsing["mismatches"] == []
    assert set(browsing["variants"]) == {"composed", "monolithic", "monolithic-cache"}
    for name, variant in browsing["variants"].items():
        for phase in ("first", "session"):
            assert positive(variant["cpu_ms_per_view"][phase]), name
    kinds = {
        name: {row["what"] for row in variant["where"]["session"]["rows"]}
        for name, variant in browsing["variants"].items()
    }
    # Every variant adds to the cart; the monolithic pages are pages, composed's fragments
    # reach Django as batches or alone, and its shells come through Varnish.
    for name in kinds:
        assert "POST /cart/add/" in kinds[name], name
    # The monolithic add-to-cart is posted over fetch and answers the parts it changed: no
    # page is rendered again after it (one page per page view).
    for name in ("monolithic", "monolithic-cache"):
        pages = next(r for r in browsing["variants"][name]["where"]["session"]["rows"] if r["what"] == "page")
        assert pages["requests"] == 1.0, name
    assert "page" in kinds["monolithic"] and "page" in kinds["monolithic-cache"]
    assert any(kind.startswith(("batch of", "fragment ")) for kind in kinds["composed"])
    assert not any(kind.startswith(("batch of", "fragment ", "shell")) for kind in kinds["monolithic"])
    assert "varnishd" in kinds["composed"] and "varnishd" not in kinds["monolithic"]
    varnish = browsing["variants"]["composed"]["where"]["session"]["varnish"]
    assert varnish["MAIN.client_req"] > 1  # a shell and more, per page view
    for peer in ("monolithic", "monolithic-cache"):
        for phase in ("first", "session"):
            assert positive(browsing["ratios"][peer][phase])
            assert math.isfinite(browsing["busy_ratios"][peer][phase]["median"])
    for variant in browsing["variants"].values():
        assert variant["idle_ms_per_s"]["low"] >= 0
        assert (
            variant["busy_ms_per_view"]["session"]["median"]
            <= variant["cpu_ms_per_view"]["session"]["median"]
        )


def test_browsing_counts_what_reaches_django_and_times_a_price_change(results: dict[str, Any]) -> None:
    browsing, sizes = results["browsing"], results["sizes"]["browsing"]
    assert browsing["composed_purged"]
    requests = browsing["django_requests"]
    views = sizes["shoppers"] * sizes["pages"] * sizes["rounds"]
    assert requests["views"] == views
    assert set(requests["counts"]) == {
        "shell",
        "stock-price",
        "batch",
        "picks (recommended)",
        "add to cart (POST)",
        "other",
    }
    assert sum(requests["counts"].values()) == sum(requests["kinds"].values())
    # Each shopper adds to its cart once per round.
    assert requests["counts"]["add to cart (POST)"] == sizes["shoppers"] * sizes["rounds"]
    assert requests["per_view"]["batch"] == requests["counts"]["batch"] / views
    change = browsing["price_change"]
    assert len(change["changes"]) == sizes["changes"] and change["visitors"] == sizes["visitors"]
    for seen in change["changes"]:  # every visitor saw every change (purges reach Varnish)
        assert seen["last_s"] is not None
        assert set(seen["each_s"]) == {"product page", "price fragment", "listing"}
        assert (
            0
            < seen["first_s"]
            <= min(seen["each_s"].values())
            <= max(seen["each_s"].values())
            == seen["last_s"]
        )
    # The purged copies were fetched again from Django.
    assert change["requests"].get("shell", 0) >= 1 and change["requests"].get("stock-price", 0) >= 1
    assert "### Kept until purged" in results["markdown"]


def test_the_report_renders_results_saved_before_the_purge_measures(results: dict[str, Any]) -> None:
    from bench.report import render

    saved = {key: value for key, value in results.items() if key != "markdown"}
    saved["browsing"] = {
        key: value
        for key, value in saved["browsing"].items()
        if key not in ("composed_purged", "django_requests", "price_change")
    }
    markdown = render(saved)
    assert "## 1. Server CPU of real browsing" in markdown
    assert "Kept until purged" not in markdown and "DEMO_PURGE_VARNISH" not in markdown


def test_endpoint_times_every_case_under_gunicorn(results: dict[str, Any]) -> None:
    endpoint = results["endpoint"]
    cases = endpoint["cases"]
    for key, case in cases.items():
        assert positive(case["cpu_us"]) and positive(case["in_request_us"]), key
        assert case["status"] == (304 if key.endswith("304") else 200), key
    # A public fragment's 304 loads no session and no user; stock-price's comes from its
    # server cache (versions and HTML): no query at all.
    assert cases["stock-price 304"]["queries"] == 0
    assert cases["user-menu 304"]["queries"] <= cases["user-menu 200"]["queries"]
    assert all(positive(ratio) for ratio in endpoint["ratios"].values())
    assert {c["composekit"] for c in endpoint["components"]} == {True, False}
    handler = endpoint["handler"]
    assert all(positive(handler[f"{key}_us"]) for key in ("fragment", "drf", "plain")), handler
    assert positive(handler["fragment_÷_plain"])
    assert any(row["function"].startswith("composekit/") for row in endpoint["profile"]["by_cumtime"])


def test_loader_sizes_are_plausible(results: dict[str, Any]) -> None:
    rows = {row["name"]: row for row in results["loader_size"]["rows"]}
    assert set(rows) == {"composekit", "composekit-live", "htmx.org"}
    for row in rows.values():
        assert 0 < row["gzip"] < row["minified"] and 0 < row["brotli"] < row["minified"]
    assert rows["htmx.org"]["how"].startswith("shipped")


def test_browser_times_both_loaders_cold_and_warm(results: dict[str, Any]) -> None:
    rows = results["browser"]["rows"]
    assert {(r["fragments"], r["loader"], r["state"]) for r in rows} == {
        (n, loader, state) for n in (1, 5) for loader in ("composekit", "htmx") for state in ("cold", "warm")
    }
    for row in rows:
        assert positive(row["done_ms"]) and positive(row["floor_ms"])
        # Cold, htmx asks once per fragment, composekit once per page (a batch, or one
        # fragment alone); warm, neither reaches the network.
        cold = row["fragments"] if row["loader"] == "htmx" else 1
        assert row["fetches"] == (cold if row["state"] == "cold" else 0)
        if row["state"] == "cold":  # a fragment is swapped in after its request started
            assert row["first_fetch_ms"]["median"] <= row["done_ms"]["median"]
    assert all(positive(s) for s in results["browser"]["floor"].values())


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
        # Whole clock ticks (10 ms) over a short run: one run may show 0, never all of them;
        # varnishd and Redis may show 0 throughout.
        assert ticked(cpu["gunicorn"]) and ticked(cpu["total"]), kind
        assert cpu["varnishd"]["low"] >= 0 and cpu["redis-server"]["low"] >= 0, kind
    labels = {kind: set(s["labels"]) for kind, s in scenarios.items()}
    # The shell comes from Varnish's cache; a per-user page never does.
    assert labels["esi"] == {"page HIT", "fragment PASS"}
    assert labels["loader"] == {"page HIT", "fragment PASS"}
    assert labels["monolithic"] == {"page PASS"}
    assert scenarios["esi"]["requests_per_view"] == 2  # the page, then the lazy fragment
    assert scenarios["loader"]["requests_per_view"] == 4  # the shell, two eager, one lazy
    assert scenarios["monolithic"]["requests_per_view"] == 1


def test_shell_guard_measures_both_variants(results: dict[str, Any]) -> None:
    guard = results["shell_guard"]
    assert set(guard["rows"]) == {"hit", "rendered", "guard", "guard-impure"}
    for key in ("hit", "rendered"):
        assert positive(guard["rows"][key]["before"]) and positive(guard["rows"][key]["after"]), key


def test_metrics_cost_is_timed_in_both_prometheus_modes(results: dict[str, Any]) -> None:
    runs = results["metrics"]
    assert [run["multiprocess"] for run in runs] == [False, True]
    for run in runs:
        assert positive(run["off_us"]) and positive(run["on_us"]) and positive(run["receivers_us"])


def test_the_report_has_every_section(results: dict[str, Any]) -> None:
    markdown = results["markdown"]
    for heading in (
        "## Summary",
        "## Machine and versions",
        "## 1. Server CPU of real browsing",
        "## 1b. Four more ways to browse",
        "## 2. The fixed cost of a fragment request",
        "## 3. Loader size",
        "## 4. Time to fragments",
        "## 5. Memory",
        "## 6. Server-side fragment cache",
        "## 7. A logged-in page view",
        "## Shell guard",
        "## Metrics",
    ):
        assert heading in markdown
    assert "Quick run" in markdown


def test_sections_run_again_alone_into_saved_results(results: dict[str, Any], tmp_path: Path) -> None:
    saved = {key: value for key, value in results.items() if key != "markdown"}
    raw, out = tmp_path / "results.json", tmp_path / "benchmarks.md"
    raw.write_text(json.dumps(saved))
    bench("--only", "browsing", "--only", "endpoint", f"--json={raw}", f"--out={out}", timeout=300)
    again = json.loads(raw.read_text())
    assert set(again["rerun"]) == {"browsing", "endpoint"}
    assert again["browsing"]["mismatches"] == [] and again["endpoint"]["cases"] != saved["endpoint"]["cases"]
    assert again["esi"] == saved["esi"]  # the other sections are kept as they were
    assert "Run again on their own" in out.read_text()
