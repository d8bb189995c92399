"""Every benchmark of ``make bench`` at tiny sizes: the code keeps working and its numbers are sane.

Checks the raw results of ``python -m bench --quick`` (``conftest.py``) and its report;
sections (1b) and (1c) have files of their own.
"""

from __future__ import annotations

from typing import Any

import pytest

from .checks import positive, ticked

pytestmark = [pytest.mark.browser, pytest.mark.slow]


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
