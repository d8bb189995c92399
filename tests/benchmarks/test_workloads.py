"""Section (1b) at ``--quick`` sizes (``conftest.py``): the returning visitor, the new tab, the
cold device and browse-only, on three stacks of the demo in Chromium."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.workloads import PHASES, TARGETS, WORKLOADS

pytestmark = [pytest.mark.browser, pytest.mark.proxy, pytest.mark.slow]


def test_every_workload_measures_every_variant_on_equal_content(results: dict[str, Any]) -> None:
    w = results["workloads"]
    assert w["mismatches"] == []
    assert set(w["variants"]) == {"composed", "monolithic", "monolithic-cache"}
    for name, variant in w["variants"].items():
        assert variant["idle_ms_per_s"]["low"] >= 0, name
        for workload in WORKLOADS:
            for phase in PHASES[workload]:
                figures = variant["workloads"][workload][phase]
                cpu = figures["cpu_ms_per_view"]
                # Whole clock ticks (10 ms) over a tiny run: a phase may show 0.
                assert 0 <= cpu["low"] <= cpu["median"] <= cpu["high"], (name, workload, phase)
                assert figures["busy_ms_per_view"]["median"] <= cpu["median"], (name, workload, phase)
                kinds = {row["what"] for row in figures["where"]["rows"]}
                # No write in any workload; monolithic renders pages, composed's shells come
                # from Varnish and its private fragments reach Django.
                assert not any(kind.startswith("POST") for kind in kinds), (name, workload, kinds)
                if name == "composed":
                    assert "varnishd" in kinds and "page" not in kinds, (workload, kinds)
                else:
                    assert "page" in kinds and "varnishd" not in kinds, (name, workload, kinds)
    for workload in WORKLOADS:
        for peer in ("monolithic", "monolithic-cache"):
            for phase in PHASES[workload]:
                ratio = w["ratios"][workload][peer][phase]
                # Composed's CPU counts for at least one clock tick: never a division by 0.
                assert all(math.isfinite(ratio[k]) for k in ("median", "low", "high")), (
                    workload,
                    peer,
                    phase,
                )
                assert 0 <= ratio["floored"] <= ratio["runs"], (workload, peer, phase)


def test_page_views_are_counted_per_workload(results: dict[str, Any]) -> None:
    w, sizes = results["workloads"], results["sizes"]["workloads"]
    shoppers = sizes["shoppers"]
    assert w["views"] == {
        "returning": {"first": shoppers, "session": shoppers * sizes["pages"]},
        "new_tab": {"first": shoppers},
        "cold_device": {"first": shoppers, "session": shoppers * sizes["pages"]},
        "browse_only": {"session": shoppers * sizes["browse"]},
    }
    # Each monolithic page view is one page Django renders, whichever workload.
    for workload in WORKLOADS:
        for phase in PHASES[workload]:
            rows = {
                r["what"]: r
                for r in w["variants"]["monolithic"]["workloads"][workload][phase]["where"]["rows"]
            }
            assert rows["page"]["requests"] == 1.0, (workload, phase)


def test_the_report_judges_every_target(results: dict[str, Any]) -> None:
    markdown = results["markdown"]
    assert "## 1b. Four more ways to browse" in markdown
    for workload, phase in TARGETS:
        target = TARGETS[(workload, phase)]
        assert f"≥ {target:g}×" in markdown, (workload, phase)
    # Each target is judged: met, or missed and by how much.
    judged = markdown.count("met (") + markdown.count("**missed** by ")
    assert judged >= 2 * len(TARGETS)  # in the summary and in the section
    assert "cold device, first view" in markdown and "reported, no target" in markdown
